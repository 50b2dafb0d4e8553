#!/usr/bin/env bash
# The pinned Python environment of the training-data check, in
# $AGENTCODER_HOME/venv: python/requirements.txt installed with pip. A
# second run does nothing while the requirements file is unchanged (its
# sha256 is kept in the environment).
#
# torch comes from the package index pip is configured with; its default
# Linux wheel pulls the CUDA libraries (about 4-5 GB in all). To get the
# CPU-only wheel, point pip at a CPU index first (PIP_INDEX_URL or
# PIP_EXTRA_INDEX_URL in the environment, or pip.conf).
set -euo pipefail
source "$(dirname "$0")/common.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$root/python/requirements.txt"
venv="$AGENTCODER_HOME/venv"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
log "creating the Python environment $venv (python/requirements.txt)"
python3 -m venv "$venv" || die "python3 -m venv $venv failed (Debian: apt-get install python3-venv)"
"$venv/bin/pip" install --quiet -r "$requirements" >"$venv.pip.log" 2>&1 \
  || { tail -n 20 "$venv.pip.log" >&2; die "pip install -r $requirements failed, see $venv.pip.log"; }
echo "$want" >"$stamp"
log "Python environment ready: $(du -sh "$venv" | cut -f1)"
