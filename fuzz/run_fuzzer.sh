#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SCRATCH_DIR ARTIFACT_PREFIX [libFuzzer flags] CORPUS...
# Runs a libFuzzer target with a fresh scratch corpus directory (new inputs
# go there, the seed corpus stays as generated) and crash artifacts under
# ARTIFACT_PREFIX. Exits non-zero on any crash, leak, timeout or sanitizer
# report (libFuzzer's own exit status).
set -euo pipefail
fuzzer=$1 scratch=$2 artifacts=$3
shift 3
rm -rf "$scratch"
mkdir -p "$scratch" "$artifacts"
exec "$fuzzer" -artifact_prefix="$artifacts" -rss_limit_mb=4096 -timeout=30 \
  -print_final_stats=1 "$scratch" "$@"
