# Shared settings for the set-up scripts; sourced, not run.
# Everything heavy (llama.cpp source and build, models, ccache) lives under
# AGENTCODER_HOME, outside the work tree, so a fresh clone reuses it.
set -euo pipefail
AGENTCODER_HOME="${AGENTCODER_HOME:-$HOME/.cache/agentcoder}"
export CCACHE_DIR="${CCACHE_DIR:-$AGENTCODER_HOME/ccache}"

LLAMA_NPM_PACKAGE="node-llama-cpp@3.21.1"
LLAMA_NPM_SHA256="7a231d6bafa14142a1cbed9893d4ec5bc6041b2a5f5939a623accaab4203c11f"
LLAMA_COMMIT="80fb11ac73e66d89eae2c6a91d8a77428fa733ed"
LLAMA_SRC="$AGENTCODER_HOME/llama.cpp/$LLAMA_COMMIT/src"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }
