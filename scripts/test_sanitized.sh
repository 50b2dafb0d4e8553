#!/usr/bin/env bash
# The tests under AddressSanitizer (leaks included) and UndefinedBehavior-
# Sanitizer, with assert() and libstdc++ assertions on, in build-asan/
# (CMake option AGENTCODER_SANITIZE). Our code is sanitized; llama.cpp is the
# same cached, unsanitized build that build/ links (scripts/build_llama.sh).
# Left out: the tests labelled integration, which run the default model,
# those labelled python, whose work is Python's reading our exports, and the
# one labelled slurm, whose work is the scheduler's (the shard and merge code
# it drives is in the unit tests) (`make test` runs all three on the normal build).
# Usage: test_sanitized.sh [extra ctest arguments]. Run after scripts/setup.sh.
set -euo pipefail
source "$(dirname "$0")/common.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-asan"
llama_build=$("$root/scripts/build_llama.sh" "${AGENTCODER_BACKEND:-cpu}")

# Configured on every run (seconds; an unchanged configuration rebuilds
# nothing), so a change to these flags always reaches build-asan/.
# Debug keeps assert(). -O0 -g1 compiles in half the time of -O1 -g and the
# tests run about as fast: their time goes to llama.cpp (not sanitized) and
# sandboxed Python. -g1 keeps file and line in every report.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-O0 -g1" -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DAGENTCODER_SANITIZE=ON -DAGENTCODER_BENCH=OFF \
  -DLLAMA_CPP_SRC="$LLAMA_SRC" -DLLAMA_CPP_BUILD="$llama_build" >/dev/null \
  || die "configuring the sanitized build in $build failed (CMake's message is above)"
log "building the sanitized tests (-j$AGENTCODER_JOBS)"
ninja_or_die "$build" "$build/ninja.log"

# Any finding ends the process that hit it with an error, so its test fails:
# ASan always does, UBSan does with -fno-sanitize-recover (CMakeLists.txt).
# Leak checks work here (LeakSanitizer needs to stop the process's threads
# with ptrace-like access; this container allows it).
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
log "running the sanitized tests (integration tests excluded)"
ctest --test-dir "$build" --output-on-failure --timeout 600 -j"$AGENTCODER_JOBS" -LE "integration|python|slurm" "$@"
