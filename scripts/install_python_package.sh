#!/usr/bin/env bash
# Installs the agentcoder Python package (python/) into the project's
# environment, $AGENTCODER_HOME/venv (or the one given as $1's python):
# `pip install ./python` built by scikit-build-core from this CMake tree, in
# build-python/ beside build/ so that ccache serves the objects build/
# compiled. Needs set-up done (llama.cpp built, the venv with nanobind and
# scikit-build-core). Skipped when nothing it is built from changed since
# the last install (a hash of those files is kept in the environment).
# Usage: [LLAMA_CPP_BUILD=DIR] install_python_package.sh [PYTHON]
# (without LLAMA_CPP_BUILD, scripts/build_llama.sh finds or makes it)
set -euo pipefail
source "$(dirname "$0")/common.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-$AGENTCODER_HOME/venv/bin/python}"
[ -x "$python" ] || die "$python not found: run scripts/setup_python.sh first"
llama_build="${LLAMA_CPP_BUILD:-$("$root/scripts/build_llama.sh" "${AGENTCODER_BACKEND:-cpu}")}"
stamp="$(dirname "$python")/../.agentcoder-package.sha256"
want=$( { echo "$llama_build"; cd "$root" && find CMakeLists.txt cmake src python/CMakeLists.txt python/pyproject.toml \
          python/src python/agentcoder -type f ! -name '*.pyc' | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && "$python" -c "import agentcoder" 2>/dev/null; then
  exit 0
fi
log "installing the agentcoder Python package into $(dirname "$python")/.."
mkdir -p "$root/build-python"
log_file="$root/build-python/pip.log"
# The compilers CMake picks for build/ (scikit-build-core would take
# Python's own, e.g. g++: ccache keys on the compiler's name, so every
# object would miss).
if ! CC="${CC:-cc}" CXX="${CXX:-c++}" LLAMA_CPP_SRC="$LLAMA_SRC" LLAMA_CPP_BUILD="$llama_build" CCACHE_BASEDIR="$root" \
     CMAKE_BUILD_PARALLEL_LEVEL="$AGENTCODER_JOBS" \
     "$python" -m pip install --no-build-isolation --no-deps --quiet "$root/python" >"$log_file" 2>&1; then
  tail -n 30 "$log_file" >&2
  die "pip install ./python failed, see $log_file"
fi
echo "$want" >"$stamp"
