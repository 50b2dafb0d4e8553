#!/usr/bin/env bash
# Builds build-asan/: our code under AddressSanitizer (leaks included) and
# UndefinedBehaviorSanitizer, with assert() and libstdc++ assertions on,
# compiled by clang-14 (CMake options AGENTCODER_SANITIZE and AGENTCODER_FUZZ).
# One build serves both scripts/test_sanitized.sh (the tests) and
# scripts/fuzz.sh (the libFuzzer targets in fuzz/): CI pays for it once.
# llama.cpp is the same cached, unsanitized build that build/ links
# (scripts/build_llama.sh). Usage: build_sanitized.sh [TARGET...] (default
# all). Run after scripts/setup.sh.
set -euo pipefail
source "$(dirname "$0")/common.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-asan"
command -v clang++-14 >/dev/null || die "clang++-14 is missing (scripts/setup.sh installs clang-14)"
llama_build=$("$root/scripts/build_llama.sh" "${AGENTCODER_BACKEND:-cpu}")

# Configured on every run (seconds; an unchanged configuration rebuilds
# nothing), so a change to these flags always reaches build-asan/.
# Debug keeps assert(). -O0 -g1: clang compiles this tree at -O0 in about
# two thirds of gcc's time and the tests run about as fast (their time goes
# to llama.cpp, which is not sanitized, and to sandboxed Python); -g1 keeps
# file and line in every report. The fuzz targets run slower at -O0 than
# optimised: fine for `make test`'s short runs, a cost for `make fuzz`.
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-O0 -g1" -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DAGENTCODER_SANITIZE=ON -DAGENTCODER_FUZZ=ON -DAGENTCODER_BENCH=OFF \
  -DLLAMA_CPP_SRC="$LLAMA_SRC" -DLLAMA_CPP_BUILD="$llama_build" >/dev/null \
  || die "configuring the sanitized build in $build failed (CMake's message is above)"
log "building the sanitized tests and fuzz targets in $build (-j$AGENTCODER_JOBS)"
ninja_or_die "$build" "$build/ninja.log" "$@"
