#!/usr/bin/env bash
# Stand-in for a sinkc-compiled executable, for testing the benchmark harness before the
# compiler exists: accepts the executable command line (OUT --tokens L --threads N --logits F) and runs
# the model with ONNX Runtime instead.
#   bench/ort_as_exe.sh MODEL.onnx [--tokens 1,2,3]... [--tokens-file F] [--threads N]
#                       [--logits F.npy]
# --tokens-file: text, one row per line (ids separated by commas/whitespace), or .npy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 MODEL.onnx [--tokens L] [--tokens-file F] [--threads N] [--logits F.npy]" >&2; exit 2; }
model="$1"; shift
args=()
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tokens|--tokens-file|--threads) [ $# -ge 2 ] || { echo "$0: $1 needs a value" >&2; exit 2; }
                                      args+=("$1" "$2"); shift 2 ;;
    --logits) [ $# -ge 2 ] || { echo "$0: --logits needs a value" >&2; exit 2; }
              out="$2"; shift 2 ;;
    *) echo "$0: unsupported option $1" >&2; exit 2 ;;
  esac
done
if [ -n "$out" ]; then
  exec node "$here/../tools/ort-reference/ort_run.mjs" "$model" "${args[@]}" --out "$out"
fi
exec node "$here/../tools/ort-reference/ort_run.mjs" "$model" "${args[@]}" >/dev/null
