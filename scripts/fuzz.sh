#!/usr/bin/env bash
# Builds the three libFuzzer targets (fuzz/) with ASan+UBSan in build-fuzz/
# and runs the bounded fuzz runs under ctest: a seeded run of at most 60 s per
# target over the generated seed corpus and fuzz/regressions/, failing on any
# crash, leak, timeout or sanitizer report (docs/reliability.md). Only the
# fuzz targets and what they link are built, not the whole project.
# Idempotent; scripts/test.sh calls it after the main suite. Extra arguments
# go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_BUILD_DIR=${SINKC_FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$FUZZ_BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$FUZZ_BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DLLVM_USE_LINKER=lld \
    -DSINKC_ENABLE_SANITIZERS=ON -DSINKC_ENABLE_FUZZERS=ON
fi
cmake --build "$FUZZ_BUILD_DIR" --target sinkc-fuzz-import sinkc-fuzz-trace \
  sinkc-fuzz-tensor fake-lm-embedded
ctest --test-dir "$FUZZ_BUILD_DIR" --output-on-failure -j2 -R '^fuzz-' "$@"
