#!/usr/bin/python3
"""The small model of stop-points.test: Y = Softmax(X @ W), X [B, 8], W [8, 16].

    matmul_softmax.py make DIR     writes DIR/model.txt's inputs: W.npy, X.npy
                                   (batch 3) and Y.npy (the NumPy result)
    matmul_softmax.py check DIR    compares DIR/out/output_0.pb with Y.npy
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

mode, work = sys.argv[1], sys.argv[2]
if mode == "make":
    rng = np.random.default_rng(7)
    w = rng.standard_normal((8, 16)).astype(np.float32)
    x = rng.standard_normal((3, 8)).astype(np.float32)
    h = x.astype(np.float64) @ w.astype(np.float64)
    e = np.exp(h - h.max(axis=-1, keepdims=True))
    np.save(os.path.join(work, "W.npy"), w)
    np.save(os.path.join(work, "X.npy"), x)
    np.save(os.path.join(work, "Y.npy"), (e / e.sum(axis=-1, keepdims=True)).astype(np.float32))
else:
    tensor = onnx.TensorProto()
    with open(os.path.join(work, "out", "output_0.pb"), "rb") as f:
        tensor.ParseFromString(f.read())
    got = numpy_helper.to_array(tensor)
    want = np.load(os.path.join(work, "Y.npy"))
    diff = float(np.max(np.abs(got - want))) if got.shape == want.shape else float("inf")
    print(f"output {tensor.name} {list(got.shape)} max|diff| {diff:.2g}")
    sys.exit(0 if diff <= 1e-6 else 1)
