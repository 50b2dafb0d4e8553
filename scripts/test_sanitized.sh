#!/usr/bin/env bash
# The tests under AddressSanitizer (leaks included) and UndefinedBehavior-
# Sanitizer, in build-asan/ (scripts/build_sanitized.sh builds it).
# Left out: the tests labelled integration, which run the default model,
# those labelled python, whose work is Python's reading our exports, and the
# one labelled slurm, whose work is the scheduler's (the shard and merge code
# it drives is in the unit tests) (`make test` runs all three on the normal build),
# DocsRealIndex, which indexes all of Python's documentation: about a
# second optimised, 80-120 s at -O0 under the sanitizers, while the same
# indexing code runs sanitized in the small-index DocsIndex tests; and the
# end-to-end runs of the CLI on the tiny model (RunCommandTest, ExportCli,
# ShardCommandTest) and the tiny-model generator's determinism, 30-35 s
# each here: the runner, exports and merge code they drive runs sanitized
# in the library tests (ExperimentTest, training_tests), and the CLI's own
# input handling in InputErrors and HostileInput.
# Usage: test_sanitized.sh [extra ctest arguments]. Run after scripts/setup.sh.
set -euo pipefail
source "$(dirname "$0")/common.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build_sanitized.sh"

# Any finding ends the process that hit it with an error, so its test fails:
# ASan always does, UBSan does with -fno-sanitize-recover (CMakeLists.txt).
# Leak checks work here (LeakSanitizer needs to stop the process's threads
# with ptrace-like access; this container allows it).
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
log "running the sanitized tests (integration tests excluded)"
ctest --test-dir "$root/build-asan" --output-on-failure --timeout 600 -j"$AGENTCODER_JOBS" -LE "integration|python|slurm" \
  -E "DocsRealIndex|^RunCommandTest\.|^ExportCli\.|^ShardCommandTest\.|^Fixtures\.TinyModelGeneratorIsDeterministic" "$@"
