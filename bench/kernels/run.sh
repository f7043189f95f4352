#!/usr/bin/env bash
# Builds bench/kernels/matmul_kernels.cpp against build/'s runtime and runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/bench/matmul_kernels
mkdir -p build/bench
clang++-22 -O2 -std=c++17 -Iruntime/include bench/kernels/matmul_kernels.cpp \
  build/lib/libsinkrt_core.a -lpthread -o "$out"
lscpu | sed -n 's/^Model name: *//p' | sed 's/^/# CPU: /'
"$out" "$@"
