#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ in the sanitized build, build-asan/
# (scripts/build_sanitized.sh: clang-14, our code under ASan and UBSan;
# llama.cpp is the cached build) and runs each for SECONDS, one after
# another, from its seed corpus in fuzz/corpus/<target>/. New inputs the
# fuzzer finds go to build-asan/corpus/<target>/, a crashing input to
# build-asan/artifacts/;
# the first crash fails the script with the target's report.
# Usage: fuzz.sh SECONDS [TARGET...]   (targets: task_loader config_loader tool_call chat_json mapping)
# `make test` runs 10 s each; `make fuzz` 600 s each. Run after scripts/setup.sh.
set -euo pipefail
source "$(dirname "$0")/common.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-asan"
seconds="${1:?usage: fuzz.sh SECONDS [TARGET...]}"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(task_loader config_loader tool_call chat_json mapping)
"$root/scripts/build_sanitized.sh" "${targets[@]/%/_fuzzer}"

mkdir -p "$build/artifacts"
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work"
  log "fuzzing $t for $seconds s"
  # -rss_limit_mb: our own bound on a parser's memory, far above any real input.
  if ! "$build/fuzz/${t}_fuzzer" "$work" "$root/fuzz/corpus/$t" -max_total_time="$seconds" \
       -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/${t}-" >"$build/$t.log" 2>&1; then
    tail -n 60 "$build/$t.log" >&2
    die "fuzz target $t failed; the input is in $build/artifacts/ (rerun: $build/fuzz/${t}_fuzzer FILE)"
  fi
  grep -E '^Done [0-9]+ runs|^stat::peak_rss_mb' "$build/$t.log" | tr '\n' ' ' >&2
  echo >&2
done
