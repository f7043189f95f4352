#!/usr/bin/env bash
# Installs everything, builds sinkc and runs the whole test suite (GoogleTest,
# lit with FileCheck, end-to-end and conformance tests) under ctest, then the
# bounded fuzz runs of a sanitizer+libFuzzer build (scripts/fuzz.sh).
# Idempotent. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/install-ort.sh
scripts/install-tokenizers.sh
scripts/build.sh

BUILD_DIR=${SINKC_BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"

# SINKC_SKIP_FUZZ=1 leaves out the fuzz build (e.g. when rerunning one test).
if [ "${SINKC_SKIP_FUZZ:-0}" != 1 ]; then
  scripts/fuzz.sh
fi
