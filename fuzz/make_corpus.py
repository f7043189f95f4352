#!/usr/bin/python3
"""Generate the seed corpus of the fuzz targets (nothing large is committed).

    make_corpus.py --source-root SRC --fake-lm FAKE_LM --out DIR

Writes DIR/import (ONNX models), DIR/trace (.sinktrace files), DIR/tensor
(selector byte + .npy / TensorProto / manifest / tokens text; see
fuzz/TensorFuzzer.cpp) and DIR/tokenizer (selector byte + tokenizer.json / text
/ prompts file; see fuzz/TokenizerFuzzer.cpp). Deterministic: the same sources give the same files.

- import: every `//--- NAME.txt` section of test/Import/*.test converted with
  onnx.parser (sections that do not parse alone are skipped), small complete
  models built here (one per supported op family, with initializers), the
  malformed models of test/hardening/Inputs/malformed_models.py, and the
  smallest zoo export (real exporter structure).
- trace: traces written by the fake language model of the runtime tests for
  a few prompts, tokens files and thresholds.
- tensor: NumPy .npy files of every supported dtype, TensorProto files with
  raw and typed data, the fake models' manifests, token lists.
- tokenizer: the tokenizer.json files of test/tokenizers/Inputs (the tool's and
  every malformed one), texts of the tokenizer test corpus, prompts files.
"""
import argparse
import glob
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.parser
from onnx import TensorProto, helper, numpy_helper


def write(directory, name, data):
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def text_sections(source_root):
    """(test name, section name, text) of every //--- *.txt section."""
    for path in sorted(glob.glob(os.path.join(source_root, "test", "Import", "*.test"))):
        current, lines = None, []
        test = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^//--- (\S+)", line)
                if m:
                    if current:
                        yield test, current, "".join(lines)
                    current, lines = m.group(1), []
                elif current:
                    lines.append(line)
        if current:
            yield test, current, "".join(lines)


def model_from_text(text):
    body = re.sub(r"#[^\n]*", "", text)
    body = "\n".join(l for l in body.splitlines() if not l.startswith("//")).lstrip()
    if body.startswith("<"):
        model = onnx.parser.parse_model(body)
    else:
        graph = onnx.parser.parse_graph(body)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
    # Initializers the RUN lines would add: small deterministic tensors for
    # every name that nothing defines, so the seed imports further.
    defined = {i.name for i in model.graph.input} | {i.name for i in model.graph.initializer}
    for node in model.graph.node:
        for name in node.input:
            if name and name not in defined:
                model.graph.initializer.append(
                    numpy_helper.from_array(np.linspace(-1, 1, 4, dtype=np.float32), name))
                defined.add(name)
        defined.update(node.output)
    return model


def small_models():
    """Complete, importable models, one per op family."""
    rng = np.random.default_rng(7)
    f = TensorProto.FLOAT

    def init(name, shape, dtype=np.float32):
        if dtype == np.int64:
            return numpy_helper.from_array(np.array(shape, dtype=np.int64), name)
        return numpy_helper.from_array(rng.standard_normal(shape).astype(dtype), name)

    def model(nodes, inputs, outputs, inits, opset=17):
        g = helper.make_graph(nodes, "g", inputs, outputs, inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m

    x = helper.make_tensor_value_info("X", f, ["B", "T", 8])
    y = helper.make_tensor_value_info("Y", f, None)
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["B", "T"])
    out = {}
    # A decoder-ish block: embedding, layer norm, attention scores, softmax,
    # MLP with Gelu, residual adds.
    out["block"] = model([
        helper.make_node("Gather", ["E", "input_ids"], ["h"]),
        helper.make_node("LayerNormalization", ["h", "g", "b"], ["n"], axis=-1),
        helper.make_node("MatMul", ["n", "Wq"], ["q"]),
        helper.make_node("Transpose", ["n"], ["nt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "nt"], ["s"]),
        helper.make_node("Softmax", ["s"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "n"], ["a"]),
        helper.make_node("Add", ["h", "a"], ["r"]),
        helper.make_node("MatMul", ["r", "W1"], ["m1"]),
        helper.make_node("Tanh", ["m1"], ["m2"]),
        helper.make_node("MatMul", ["m2", "W2"], ["m3"]),
        helper.make_node("Add", ["r", "m3"], ["o"]),
        helper.make_node("MatMul", ["o", "U"], ["logits"]),
    ], [ids], [helper.make_tensor_value_info("logits", f, None)],
        [init("E", (16, 8)), init("g", (8,)), init("b", (8,)), init("Wq", (8, 8)),
         init("W1", (8, 16)), init("W2", (16, 8)), init("U", (8, 16))])
    # The causal-mask and position sub-graph of real exports.
    out["mask"] = model([
        helper.make_node("Shape", ["X"], ["shape"]),
        helper.make_node("Gather", ["shape", "one"], ["t"], axis=0),
        helper.make_node("Range", ["zero", "t", "one"], ["pos"]),
        helper.make_node("Unsqueeze", ["pos", "ax0"], ["row"]),
        helper.make_node("Unsqueeze", ["pos", "ax1"], ["col"]),
        helper.make_node("LessOrEqual", ["row", "col"], ["causal"]),
        helper.make_node("Cast", ["causal"], ["cf"], to=f),
        helper.make_node("ConstantOfShape", ["shape"], ["zeros"],
                         value=helper.make_tensor("v", f, [1], [0.0])),
        helper.make_node("CumSum", ["pos", "zero"], ["cs"]),
        helper.make_node("Trilu", ["cf"], ["tri"], upper=0),
        helper.make_node("Where", ["causal", "cf", "tri"], ["Y"]),
    ], [x], [y], [numpy_helper.from_array(np.array(0, np.int64), "zero"),
                  numpy_helper.from_array(np.array(1, np.int64), "one"),
                  numpy_helper.from_array(np.array([0], np.int64), "ax0"),
                  numpy_helper.from_array(np.array([1], np.int64), "ax1")])
    # Reshape/Split/Concat/Slice/Expand/Squeeze.
    out["shape"] = model([
        helper.make_node("Reshape", ["X", "s1"], ["r"]),
        helper.make_node("Split", ["r", "sp"], ["a", "b"], axis=-1),
        helper.make_node("Concat", ["b", "a"], ["c"], axis=-1),
        helper.make_node("Slice", ["c", "st", "en", "axs", "stp"], ["d"]),
        helper.make_node("Expand", ["d", "ex"], ["e"]),
        helper.make_node("Unsqueeze", ["e", "sq"], ["e1"]),
        helper.make_node("Squeeze", ["e1", "sq"], ["f"]),
        helper.make_node("Flatten", ["f"], ["Y"], axis=1),
    ], [x], [y], [init("s1", [0, 0, 2, 4], np.int64), init("sp", [2, 2], np.int64),
                  init("st", [1], np.int64), init("en", [3], np.int64),
                  init("axs", [-1], np.int64), init("stp", [1], np.int64),
                  init("ex", [1, 1, 1, 2], np.int64), init("sq", [0], np.int64)])
    # Reductions, Gemm, Pow, comparisons, logic.
    out["math"] = model([
        helper.make_node("ReduceMean", ["X"], ["m"], axes=[-1], keepdims=1),
        helper.make_node("Sub", ["X", "m"], ["c"]),
        helper.make_node("Pow", ["c", "two"], ["p"]),
        helper.make_node("ReduceSum", ["p", "axm"], ["s"], keepdims=0),
        helper.make_node("Sqrt", ["s"], ["q"]),
        helper.make_node("Greater", ["q", "two"], ["gt"]),
        helper.make_node("Not", ["gt"], ["ng"]),
        helper.make_node("Where", ["ng", "q", "two"], ["w"]),
        helper.make_node("ReduceMax", ["w"], ["Y"], keepdims=0),
    ], [x], [y], [numpy_helper.from_array(np.array(2.0, np.float32), "two"),
                  init("axm", [-1], np.int64)], opset=13)
    out["gemm"] = model([
        helper.make_node("Gemm", ["A", "W", "C"], ["g"], transB=1, alpha=0.5),
        helper.make_node("Relu", ["g"], ["r"]),
        helper.make_node("Sigmoid", ["r"], ["s"]),
        helper.make_node("Mul", ["s", "r"], ["Y"]),
    ], [helper.make_tensor_value_info("A", f, ["N", 8])], [y],
        [init("W", (4, 8)), init("C", (4,))])
    out["gathernd"] = model([
        helper.make_node("GatherND", ["X", "I"], ["Y"], batch_dims=0),
    ], [x], [y], [numpy_helper.from_array(np.array([[0, 1]], np.int64), "I")])
    out["constants"] = model([
        helper.make_node("Constant", [], ["c1"], value_floats=[1.0, 2.0]),
        helper.make_node("Constant", [], ["c2"], value_ints=[2, 1]),
        helper.make_node("Constant", [], ["c3"], value=helper.make_tensor(
            "t", TensorProto.FLOAT16, [2], [1.0, 2.0])),
        helper.make_node("Cast", ["c3"], ["c4"], to=f),
        helper.make_node("Max", ["c1", "c4", "c1"], ["m"]),
        helper.make_node("Reshape", ["m", "c2"], ["Y"]),
    ], [], [y], [])
    return out


def import_corpus(source_root, directory):
    count = 0
    for test, section, text in text_sections(source_root):
        try:
            model = model_from_text(text)
        except Exception:
            continue
        write(directory, f"{test}-{os.path.splitext(section)[0]}.onnx",
              model.SerializeToString())
        count += 1
    for name, model in small_models().items():
        write(directory, f"small-{name}.onnx", model.SerializeToString())
        count += 1
    # The malformed-model corpus of the hardening tests: every way of being
    # wrong that a test pins, as starting points for finding new ones.
    sys.path.insert(0, os.path.join(source_root, "test", "hardening", "Inputs"))
    import malformed_models
    with tempfile.TemporaryDirectory() as tmp:
        for case in malformed_models.CASES + malformed_models.RUNTIME_CASES:
            _, path = malformed_models.write_model(case[0], case[2], tmp)
            shutil.copy(path, os.path.join(directory, f"malformed-{case[0]}.onnx"))
            count += 1
    zoo = os.path.join(source_root, "test", "models", "zoo", "llama.dynamo.onnx")
    if os.path.exists(zoo):
        shutil.copy(zoo, os.path.join(directory, "zoo-llama.dynamo.onnx"))
        count += 1
    return count


def trace_corpus(fake_lm, directory):
    runs = [
        ["--tokens", "256,72,105"],
        ["--tokens", "256,1,2,3,4,5,6,7,8,9,10,11", "--tau", "0.5", "--epsilon", "0.1"],
        ["--prompt", "hello"],
        ["--tokens-file", None],
    ]
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        tokens_file = os.path.join(tmp, "prompts.txt")
        with open(tokens_file, "w") as f:
            f.write("256,1,2\n256,3\n# comment\n256,4,5,6,7\n")
        for i, args in enumerate(runs):
            args = [tokens_file if a is None else a for a in args]
            trace = os.path.join(tmp, f"t{i}.sinktrace")
            subprocess.run([fake_lm, *args, "--trace", trace, "--quiet"], check=True)
            shutil.copy(trace, os.path.join(directory, f"fake-lm-{i}.sinktrace"))
            count += 1
    # Header-only buffers: the identifier with nothing valid behind it.
    write(directory, "header-only", (8).to_bytes(4, "little") + b"\x08\0\0\0SKTR")
    return count + 1


def tensor_corpus(source_root, directory):
    count = 0

    def add(name, selector, data):
        nonlocal count
        write(directory, name, bytes([selector]) + data)
        count += 1

    arrays = {
        "f4": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f8": np.array([1.5, -2.0]), "f2": np.array([1, 2], np.float16),
        "i8": np.array([[1, 2, 3]], np.int64), "i4": np.array([7], np.int32),
        "i1": np.array([-1, 1], np.int8), "u1": np.array([255], np.uint8),
        "b1": np.array([True, False]), "scalar": np.array(3.0, np.float32),
        "empty": np.zeros((0, 3), np.float32),
    }
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array)
        add(f"npy-{name}", 0, buffer.getvalue())
        add(f"pb-raw-{name}", 1, numpy_helper.from_array(array, name).SerializeToString())
    typed = [
        helper.make_tensor("f", TensorProto.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0]),
        helper.make_tensor("d", TensorProto.DOUBLE, [2], [1.0, 2.0]),
        helper.make_tensor("i", TensorProto.INT64, [1, 3], [1, 2, 3]),
        helper.make_tensor("j", TensorProto.INT32, [2], [1, -2]),
        helper.make_tensor("b", TensorProto.BOOL, [2], [1, 0]),
        helper.make_tensor("h", TensorProto.FLOAT16, [1], [1.0]),
        helper.make_tensor("k", TensorProto.INT8, [2], [-3, 4]),
        helper.make_tensor("u", TensorProto.UINT8, [2], [3, 250]),
    ]
    for t in typed:
        add(f"pb-typed-{t.name}", 1, t.SerializeToString())
    header = os.path.join(source_root, "test", "unit", "FakeModels.h")
    text = open(header, encoding="utf-8").read()
    # The generic manifest is a plain string macro; rebuild the LM one.
    generic = re.search(r"#define FAKE_GENERIC_MANIFEST(.*?)\n\n", text, re.S).group(1)
    generic = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', generic)).encode().decode("unicode_escape")
    add("manifest-generic", 2, generic.encode())
    lm = ["sinkc-manifest 1", "model fake%20lm",
          "weights 1029 0123456789abcdef external",
          "input 0 input_ids i64 2 -1 -1 tokens",
          "input 1 attention_mask i64 2 -1 -1 attention_mask",
          "input 2 position_ids i64 2 -1 -1 position_ids",
          "output 0 logits f32 3 -1 -1 260 logits",
          "lm vocab=260 layers=2 heads=2 bos=256 tokenizer=bytes",
          "instrument layers=all metrics=attn,mlp,hidden"]
    # Every metric, from their one definition.
    metrics_def = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                               "runtime", "include", "sinkrt", "Metrics.def")
    metrics = re.findall(r'^SINKRT_METRIC\(\w+, "(\w+)"',
                         open(metrics_def).read(), re.M)
    assert metrics, metrics_def
    for layer in range(2):
        for i, metric in enumerate(metrics):
            lm.append(f"probe {layer * 10 + i} {layer} {metric}")
    lm.append("end")
    add("manifest-lm", 2, ("\n".join(lm) + "\n").encode())
    for i, tokens in enumerate(["1,2,3", "256, 72 105\n# c\n\n1 2", "0\n1,2,,3\n", "x"]):
        add(f"tokens-{i}", 3, tokens.encode())
    return count


def tokenizer_corpus(source_root, directory):
    inputs = os.path.join(source_root, "test", "tokenizers", "Inputs")
    count = 0
    for path in sorted(glob.glob(os.path.join(inputs, "*.json")) +
                       glob.glob(os.path.join(inputs, "malformed", "*.json"))):
        with open(path, "rb") as f:
            write(directory, "json-" + os.path.basename(path), b"\x00" + f.read())
        count += 1
    with open(os.path.join(inputs, "corpus.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    for index, text in enumerate(texts[:90]):
        write(directory, "text-%03d" % index, b"\x01" + text.encode())
        count += 1
    for name in ("prompts.jsonl", "prompts.txt"):
        with open(os.path.join(inputs, name), "rb") as f:
            write(directory, "prompts-" + name, b"\x02" + f.read())
        count += 1
    return count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--fake-lm", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    counts = {}
    for target in ("import", "trace", "tensor", "tokenizer"):
        directory = os.path.join(args.out, target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
    counts["import"] = import_corpus(args.source_root, os.path.join(args.out, "import"))
    counts["trace"] = trace_corpus(args.fake_lm, os.path.join(args.out, "trace"))
    counts["tensor"] = tensor_corpus(args.source_root, os.path.join(args.out, "tensor"))
    counts["tokenizer"] = tokenizer_corpus(args.source_root,
                                           os.path.join(args.out, "tokenizer"))
    print("seed corpus: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
