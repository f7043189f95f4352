#!/usr/bin/env bash
# The main job: install everything, build sinkc, compile the bundled trained
# Llama with sink instrumentation, run it on the bundled prompt and print the
# sink summary. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

BUILD_DIR=${SINKC_BUILD_DIR:-build}
OUT="$BUILD_DIR/main-job"
mkdir -p "$OUT"
"$BUILD_DIR/bin/sinkc" test/models/trained/sinklm_llama.onnx \
  -o "$OUT/sinklm_llama" --bos-id=256 --tokenizer=bytes \
  --instrument=layers=all,metrics=attn,mlp,hidden
"$OUT/sinklm_llama" --prompt "$(cat examples/prompt.txt)" \
  --trace "$OUT/prompt.sinktrace" --logits "$OUT/prompt.logits.npy"
"$BUILD_DIR/bin/sink-trace" summary "$OUT/prompt.sinktrace"
