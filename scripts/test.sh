#!/usr/bin/env bash
# Installs everything, builds sinkc and runs the whole test suite (GoogleTest,
# lit with FileCheck, end-to-end and conformance tests) under ctest.
# Idempotent. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/install-ort.sh
scripts/build.sh

BUILD_DIR=${SINKC_BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j2 "$@"
