#!/usr/bin/env bash
# Obtains llama.cpp source from the pinned npm package node-llama-cpp, which
# carries a git bundle of the release it was built from. Verifies the tarball
# sha256 and the commit. Idempotent: a present, verified checkout is kept.
set -euo pipefail
source "$(dirname "$0")/common.sh"

if [ -d "$LLAMA_SRC/.git" ] && [ "$(git -C "$LLAMA_SRC" rev-parse HEAD 2>/dev/null)" = "$LLAMA_COMMIT" ]; then
  exit 0
fi
command -v npm >/dev/null || die "npm is needed to fetch llama.cpp source (apt-get install npm)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
log "fetching llama.cpp source from $LLAMA_NPM_PACKAGE"
(cd "$tmp" && npm pack --silent "$LLAMA_NPM_PACKAGE" >/dev/null)
tgz=$(ls "$tmp"/*.tgz)
echo "$LLAMA_NPM_SHA256  $tgz" | sha256sum -c --quiet - || die "sha256 mismatch for $tgz"
tar -xzf "$tgz" -C "$tmp" package/llama/gitRelease.bundle
rm -rf "$LLAMA_SRC"; mkdir -p "$(dirname "$LLAMA_SRC")"
git -c advice.detachedHead=false clone -q "$tmp/package/llama/gitRelease.bundle" "$LLAMA_SRC"
[ "$(git -C "$LLAMA_SRC" rev-parse HEAD)" = "$LLAMA_COMMIT" ] || die "unexpected llama.cpp commit in bundle"
log "llama.cpp $LLAMA_COMMIT at $LLAMA_SRC"
