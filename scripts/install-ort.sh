#!/usr/bin/env bash
# Installs the ONNX Runtime reference (npm package onnxruntime-node, CPU) into
# <repo>/.deps/ort (git-ignored). Idempotent: does nothing when the pinned version is
# already installed and its CPU execution provider loads.
#
#   scripts/install-ort.sh            install if needed, then smoke-test
#   scripts/install-ort.sh --check    only report whether it is usable (exit 1 if not)
#   scripts/install-ort.sh --force    reinstall even if present
#
# ONNXRUNTIME_NODE_INSTALL=skip stops the package's postinstall from trying to download
# GPU (CUDA/TensorRT) binaries, which fails without network; the CPU binaries ship
# inside the npm tarball itself.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/npm-reference.sh
source "$repo/scripts/lib/npm-reference.sh"

tool=install-ort
package=onnxruntime-node
version=1.30.0
description="ONNX Runtime reference for sinkc, installed by scripts/install-ort.sh"
dest="${SINKC_ORT_DIR:-$repo/.deps/ort}"
# No GPU binaries to download (see above).
npm_env=(ONNXRUNTIME_NODE_INSTALL=skip)

# Loads the binding and runs a one-node model (Add) on the CPU execution provider.
smoke_test() {
  (cd "$dest" && node --input-type=module -e '
    import ort from "onnxruntime-node";
    // ModelProto: ir_version 8, opset 13, graph: Y = Add(X, X), X/Y float[2]
    const {Tensor, InferenceSession, env} = ort;
    const vint = (n) => { const o=[]; do { let x=n&0x7f; n>>>=7; if(n) x|=0x80; o.push(x);} while(n); return o; };
    const fld = (no, bytes) => [ (no<<3)|2, ...vint(bytes.length), ...bytes ];
    const str = (s) => [...Buffer.from(s)];
    const dim = fld(1, [0x08, 0x02]);                       // Dimension{dim_value:2}
    const shape = fld(2, dim);                              // TensorShapeProto in Tensor.shape
    const ttype = [0x08, 0x01, ...shape];                   // elem_type FLOAT + shape
    const vtype = fld(1, ttype);                            // TypeProto.tensor_type
    const vinfo = (n) => [...fld(1, str(n)), ...fld(2, vtype)];
    const node = [...fld(1, str("X")), ...fld(1, str("X")), ...fld(2, str("Y")), ...fld(4, str("Add"))];
    const graph = [...fld(1, node), ...fld(2, str("g")), ...fld(11, vinfo("X")), ...fld(12, vinfo("Y"))];
    const model = Uint8Array.from([0x08, 0x08, ...fld(7, graph), ...fld(8, [0x10, 13])]);
    const s = await InferenceSession.create(model, {executionProviders: ["cpu"]});
    const r = await s.run({X: new Tensor("float32", Float32Array.from([1.5, -2]), [2])});
    const y = Array.from(r.Y.data);
    if (y[0] !== 3 || y[1] !== -4) { console.error("bad result", y); process.exit(1); }
    console.log(`onnxruntime-node ${env.versions.common} CPU EP ok (Add test: ${y})`);
  ')
}

npm_reference_main "$@"
