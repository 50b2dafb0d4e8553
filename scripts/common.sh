# Shared settings for the set-up scripts; sourced, not run.
# Everything heavy (llama.cpp source and build, models, ccache) lives under
# AGENTCODER_HOME, outside the work tree, so a fresh clone reuses it.
set -euo pipefail
AGENTCODER_HOME="${AGENTCODER_HOME:-$HOME/.cache/agentcoder}"
export CCACHE_DIR="${CCACHE_DIR:-$AGENTCODER_HOME/ccache}"
# Parallel jobs for every build and test step (setup.sh, build_llama.sh,
# the Makefile's ctest): the one place this default is set.
AGENTCODER_JOBS="${AGENTCODER_JOBS:-$(nproc)}"
export AGENTCODER_JOBS

LLAMA_NPM_PACKAGE="node-llama-cpp@3.21.1"
LLAMA_NPM_SHA256="7a231d6bafa14142a1cbed9893d4ec5bc6041b2a5f5939a623accaab4203c11f"
LLAMA_COMMIT="80fb11ac73e66d89eae2c6a91d8a77428fa733ed"
LLAMA_SRC="$AGENTCODER_HOME/llama.cpp/$LLAMA_COMMIT/src"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# ninja_or_die DIR LOG [TARGET...]: builds in DIR with AGENTCODER_JOBS jobs,
# output to LOG. On failure prints the first errors and the log's last
# lines, then dies; either may be empty (a failure outside the compiler), so
# neither may stop the script before die says what failed.
ninja_or_die() {
  local dir="$1" log_file="$2"; shift 2
  if ! ninja -C "$dir" -j"$AGENTCODER_JOBS" "$@" >"$log_file" 2>&1; then
    grep -B2 -A12 -m3 -E 'error|FAILED' "$log_file" >&2 || true
    printf '[setup] last lines of %s:\n' "$log_file" >&2
    tail -n 20 "$log_file" >&2 || true
    die "build failed in $dir, see $log_file"
  fi
}

# The instruction set this machine offers, and a short key of it. llama.cpp
# is built with GGML_NATIVE (-march=native), so its libraries run only on
# CPUs with the same features: a cache shared between machines (a network
# home, a copied ~/.cache) must not hand one CPU's build to another, or the
# engine dies with SIGILL. The features are the sorted flags the kernel
# reports (x86 "flags", Arm "Features"); the model name is left out because
# it changes only tuning, not which instructions are legal, and VMs often
# report a generic one.
cpu_features() {
  local flags
  flags=$(grep -m1 -E '^(flags|Features)[[:space:]]*:' /proc/cpuinfo | cut -d: -f2) \
    || die "no CPU feature flags in /proc/cpuinfo"
  printf '%s\n' $flags | sort -u
}
cpu_features_key() { cpu_features | sha256sum | cut -c1-12; }
