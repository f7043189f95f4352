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

ORT_VERSION=1.30.0
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${SINKC_ORT_DIR:-$repo/.deps/ort}"
pkg="$dest/node_modules/onnxruntime-node/package.json"

mode=install
case "${1:-}" in
  --check) mode=check ;;
  --force) mode=force ;;
  "") ;;
  *) echo "usage: $0 [--check|--force]" >&2; exit 2 ;;
esac

command -v node >/dev/null || { echo "install-ort: node not found (need node >= 18)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-ort: npm not found" >&2; exit 1; }

installed_version() {
  [ -f "$pkg" ] && node -e 'console.log(require(process.argv[1]).version)' "$pkg" 2>/dev/null || true
}

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

have="$(installed_version)"
if [ "$mode" = check ]; then
  if [ "$have" = "$ORT_VERSION" ] && smoke_test; then exit 0; fi
  echo "install-ort: onnxruntime-node $ORT_VERSION not usable in $dest (found: ${have:-none}); run scripts/install-ort.sh" >&2
  exit 1
fi

if [ "$mode" = install ] && [ "$have" = "$ORT_VERSION" ]; then
  echo "install-ort: onnxruntime-node $ORT_VERSION already installed in $dest"
else
  echo "install-ort: installing onnxruntime-node@$ORT_VERSION into $dest (found: ${have:-none})"
  mkdir -p "$dest"
  if [ ! -f "$dest/package.json" ]; then
    printf '{\n  "name": "sinkc-ort-deps",\n  "private": true,\n  "description": "ONNX Runtime reference for sinkc, installed by scripts/install-ort.sh"\n}\n' > "$dest/package.json"
  fi
  if ! ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix "$dest" --save-exact \
        --no-audit --no-fund --loglevel=error "onnxruntime-node@$ORT_VERSION"; then
    echo "install-ort: npm install of onnxruntime-node@$ORT_VERSION failed" >&2
    exit 1
  fi
  have="$(installed_version)"
  if [ "$have" != "$ORT_VERSION" ]; then
    echo "install-ort: after npm install found version '${have:-none}', expected $ORT_VERSION" >&2
    exit 1
  fi
  echo "install-ort: installed onnxruntime-node $have"
fi

if ! smoke_test; then
  echo "install-ort: onnxruntime-node $ORT_VERSION is installed but the CPU execution provider failed to run a model" >&2
  exit 1
fi
