#!/usr/bin/env bash
# Configures and builds sinkc in build/ (the standard layout: tools in
# build/bin, libraries in build/lib, the runtimes for sinkc --target in
# build/lib/<triple> when their cross libraries are installed, see
# scripts/install-deps.sh). Idempotent: reruns only rebuild what
# changed. Extra arguments go to cmake's configure step (first run only).
# SINKC_BUILD_DIR picks another build directory; SINKC_BUILD_TARGETS (space
# separated) builds only those targets instead of everything.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${SINKC_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DLLVM_USE_LINKER=lld "$@"
fi
if [ -n "${SINKC_BUILD_TARGETS:-}" ]; then
  read -r -a targets <<< "$SINKC_BUILD_TARGETS"
  cmake --build "$BUILD_DIR" --target "${targets[@]}"
else
  cmake --build "$BUILD_DIR"
fi
