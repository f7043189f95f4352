#!/usr/bin/env bash
# Builds the four libFuzzer targets (fuzz/) with ASan+UBSan in build-fuzz/
# and runs the bounded fuzz runs under ctest: a seeded run of at most 60 s per
# target over the generated seed corpus and fuzz/regressions/, failing on any
# crash, leak, timeout or sanitizer report (docs/reliability.md). Only the
# fuzz targets and what they link are built, not the whole project.
# Idempotent; scripts/test.sh calls it after the main suite. Extra arguments
# go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_BUILD_DIR=${SINKC_FUZZ_BUILD_DIR:-build-fuzz}
SINKC_BUILD_DIR=$FUZZ_BUILD_DIR \
SINKC_BUILD_TARGETS="sinkc-fuzz-import sinkc-fuzz-trace sinkc-fuzz-tensor sinkc-fuzz-tokenizer fake-lm-embedded" \
  scripts/build.sh -DSINKC_ENABLE_SANITIZERS=ON -DSINKC_ENABLE_FUZZERS=ON
ctest --test-dir "$FUZZ_BUILD_DIR" --output-on-failure -j2 -R '^fuzz-' "$@"
