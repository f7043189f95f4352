#!/usr/bin/env bash
# Builds bench/kernels/matmul_kernels.cpp (or, with a first argument
# `attention`, bench/kernels/attention_kernel.cpp) against build/'s runtime
# and runs it with the remaining arguments.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=matmul_kernels
if [ "${1:-}" = attention ]; then
  bench=attention_kernel
  shift
fi
out=build/bench/$bench
mkdir -p build/bench
clang++-22 -O2 -std=c++17 -Iruntime/include "bench/kernels/$bench.cpp" \
  build/lib/libsinkrt_core.a -lpthread -o "$out"
lscpu | sed -n 's/^Model name: *//p' | sed 's/^/# CPU: /'
"$out" "$@"
