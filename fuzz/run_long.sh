#!/usr/bin/env bash
# run_long.sh BUILD_DIR TARGET SECONDS [extra libFuzzer flags]
#
# The long fuzz run of docs/reliability.md: fuzzes sinkc-fuzz-TARGET of a
# -DSINKC_ENABLE_FUZZERS=ON -DSINKC_ENABLE_SANITIZERS=ON build for SECONDS
# at the lowest CPU priority, one libFuzzer worker, in fork mode so that a
# crash is recorded and fuzzing goes on. The corpus grows in
# BUILD_DIR/fuzz/long/TARGET (kept between runs; seeded from the generated
# seed corpus, `ctest -R fuzz-corpus`, and fuzz/regressions/TARGET); crashes,
# leaks, timeouts and OOMs go to BUILD_DIR/fuzz/long-artifacts/TARGET/; the
# log is BUILD_DIR/fuzz/long-TARGET.log. Replay an artifact with the
# target's binary from any build: `sinkc-fuzz-TARGET FILE`.
set -euo pipefail
build=$1 target=$2 seconds=$3
shift 3
source_dir=$(cd "$(dirname "$0")" && pwd)
fuzzer=$build/bin/sinkc-fuzz-$target
corpus=$build/fuzz/long/$target
artifacts=$build/fuzz/long-artifacts/$target/
seeds=("$build/fuzz/corpus/$target")
[ -d "$source_dir/regressions/$target" ] && seeds+=("$source_dir/regressions/$target")
mkdir -p "$corpus" "$artifacts"
# detect_container_overflow=0: LLVM/MLIR's libraries are not instrumented,
# so their containers look overflowed to ASan (false positives).
export ASAN_OPTIONS=detect_container_overflow=0:${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=print_stacktrace=1:${UBSAN_OPTIONS:-}
exec nice -n 19 "$fuzzer" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
  -ignore_ooms=1 -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$artifacts" "$@" \
  "$corpus" "${seeds[@]}" 2>&1 | tee "$build/fuzz/long-$target.log"
