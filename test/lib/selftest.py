#!/usr/bin/python3
"""Self-test of the reference tooling: test/lib/*.py, tools/ort-reference, bench/.

    /usr/bin/python3 test/lib/selftest.py [-v]

Uses only files inside the repository (test/models) and a temporary directory. Tests that
need ONNX Runtime are skipped when scripts/install-ort.sh has not been run, unless
SINKC_REQUIRE_ORT=1, which turns that into a failure. Ends with 'N passed, N failed'.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import numpy_helper

LIB = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(LIB, "..", ".."))
MODELS = os.path.join(REPO, "test", "models")
PY = sys.executable
ORT_RUN = os.path.join(REPO, "tools", "ort-reference", "ort_run.mjs")
ORT_DIR = os.environ.get("SINKC_ORT_DIR", os.path.join(REPO, ".deps", "ort"))
HAVE_ORT = os.path.isfile(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node", "package.json")) \
    and shutil.which("node") is not None
REQUIRE_ORT = os.environ.get("SINKC_REQUIRE_ORT") == "1"
ZOO_LLAMA = os.path.join(MODELS, "zoo", "llama.dynamo.onnx")
ZOO_REF = os.path.join(MODELS, "zoo", "llama.ref.npz")

TEXT_MODEL = """\
# RUN: lit-style comment lines are fine
// RUN: so are these
<ir_version: 8, opset_import: ["" : 17]>
agraph (float[N, 4] X) => (float[N, 3] Y, float[N, 3] Z)
{
  T = MatMul(X, W)
  Y = Add(T, B)
  Z = Softmax <axis = -1> (Y)
}
"""


def run(cmd, ok=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if ok and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def needs_ort(test):
    if HAVE_ORT or REQUIRE_ORT:
        return test
    return unittest.skip("onnxruntime-node not installed (scripts/install-ort.sh)")(test)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sinkc-selftest.")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def text_model(self, *extra):
        txt = self.path("m.txt")
        with open(txt, "w") as f:
            f.write(TEXT_MODEL)
        out = self.path("m.onnx")
        run([PY, os.path.join(LIB, "onnx_from_text.py"), txt, out,
             "--init-random", "W=float32:4x3:42", "--init", "B=3:float32:0.5,-1,2", *extra])
        return out


class OnnxFromText(Base):
    def test_names_inits_versions(self):
        m = onnx.load(self.text_model("--opset", "20"))
        self.assertEqual([n.name for n in m.graph.node], ["MatMul_0", "Add_1", "Softmax_2"])
        self.assertEqual(m.opset_import[0].version, 20)
        self.assertEqual(m.ir_version, 8)
        inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        np.testing.assert_array_equal(inits["B"], np.array([0.5, -1, 2], np.float32))
        np.testing.assert_array_equal(
            inits["W"], np.random.default_rng(42).uniform(-1, 1, (4, 3)).astype(np.float32))

    def test_graph_only_and_ir_default(self):
        txt = self.path("g.txt")
        with open(txt, "w") as f:
            f.write("g (float[N] X) => (float[N] Y) { Y = Relu(X) }\n")
        out = self.path("g.onnx")
        run([PY, os.path.join(LIB, "onnx_from_text.py"), txt, out, "--opset", "20"])
        m = onnx.load(out)
        self.assertEqual((m.opset_import[0].version, m.ir_version), (20, 9))
        self.assertEqual(m.graph.node[0].name, "Relu_0")

    def test_errors(self):
        txt = self.path("m.txt")
        with open(txt, "w") as f:
            f.write(TEXT_MODEL)
        tool = os.path.join(LIB, "onnx_from_text.py")
        for args in (["--init", "B=3:float32:1,2"], ["--init", "B=3:int7:1"],
                     ["--init-random", "W=float32:4x3"]):
            p = run([PY, tool, txt, self.path("x.onnx"), *args], ok=False)
            self.assertEqual(p.returncode, 1, args)
            self.assertIn("onnx_from_text: error:", p.stderr)
        bad = self.path("bad.txt")
        with open(bad, "w") as f:
            f.write("garbage (\n")
        p = run([PY, tool, bad, self.path("x.onnx")], ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("parse error", p.stderr)


class ToExternalData(Base):
    def check_same_weights(self, a, b):
        ma, mb = onnx.load(a), onnx.load(b)
        ta = {t.name: numpy_helper.to_array(t) for t in ma.graph.initializer}
        tb = {t.name: numpy_helper.to_array(t) for t in mb.graph.initializer}
        self.assertEqual(ta.keys(), tb.keys())
        for k in ta:
            np.testing.assert_array_equal(ta[k], tb[k])

    def test_per_tensor_and_single_file(self):
        tool = os.path.join(LIB, "to_external_data.py")
        d1, d2 = self.path("per"), self.path("one")
        run([PY, tool, ZOO_LLAMA, d1])
        run([PY, tool, ZOO_LLAMA, d2, "--single-file", "w.bin", "--align", "4096"])
        run([PY, tool, ZOO_LLAMA, d2, "--single-file", "w.bin", "--align", "4096"])  # rerun: no growth
        out1, out2 = os.path.join(d1, "llama.dynamo.onnx"), os.path.join(d2, "llama.dynamo.onnx")
        self.check_same_weights(ZOO_LLAMA, out1)
        self.check_same_weights(ZOO_LLAMA, out2)
        m = onnx.load(out2, load_external_data=False)
        offsets = [int(kv.value) for t in m.graph.initializer for kv in t.external_data if kv.key == "offset"]
        self.assertTrue(offsets and all(o % 4096 == 0 for o in offsets))
        self.assertLess(os.path.getsize(os.path.join(d2, "w.bin")), 1 << 20)
        self.assertGreater(len(os.listdir(d1)), 10)
        if HAVE_ORT or REQUIRE_ORT:
            ids = self.path("ids.npy")
            np.save(ids, np.load(ZOO_REF)["input_ids"])
            outs = []
            for i, mdl in enumerate((ZOO_LLAMA, out1, out2)):
                o = self.path(f"l{i}.npy")
                run(["node", ORT_RUN, mdl, "--tokens-file", ids, "--out", o])
                outs.append(np.load(o))
            np.testing.assert_array_equal(outs[0], outs[1])
            np.testing.assert_array_equal(outs[0], outs[2])


class MakeDecoder(Base):
    TOOL = os.path.join(LIB, "make_decoder.py")
    TOKENS = "1,2,3,4,5,6,7,8,9,10,11"

    def make(self, name, *extra):
        out = self.path(name)
        p = run([PY, self.TOOL, out, *extra])
        self.assertIn("make_decoder: wrote", p.stdout)
        return out

    def check_numpy_logits(self, model, name):
        """With ONNX Runtime: the logits make_decoder wrote for TOKENS with
        --numpy-logits NAME.npy are ORT's for the model."""
        if HAVE_ORT or REQUIRE_ORT:
            o = self.path(f"{name}.ort.npy")
            run(["node", ORT_RUN, model, "--tokens", self.TOKENS, "--out", o])
            ref = np.load(o)
            self.assertLess(np.abs(np.load(self.path(f"{name}.npy")) - ref).max(),
                            1e-5 * np.abs(ref).max())

    def test_layout_determinism_numpy(self):
        # Odd dimensions: 6 query / 3 KV heads of 8, FFN 40, vocab 97, one layer.
        dims = ["--layers", "1", "--hidden", "48", "--heads", "6", "--kv-heads", "3",
                "--ffn", "40", "--vocab", "97"]
        a = self.make("a.onnx", *dims, "--qkv-bias", "--tied", "--numpy-logits",
                      self.path("a.npy"), "--tokens", self.TOKENS)
        b = self.make("b.onnx", *dims, "--qkv-bias", "--tied", "--align", "64")
        c = self.make("c.onnx", *dims, "--seed", "1")
        m = onnx.load(a, load_external_data=False)
        self.assertEqual([i.name for i in m.graph.input], ["input_ids"])
        self.assertEqual([o.name for o in m.graph.output], ["logits"])
        self.assertEqual(m.opset_import[0].version, 17)
        ops = {n.op_type for n in m.graph.node}
        self.assertLessEqual(ops, {"Add", "Cast", "Concat", "Cos", "Equal", "Expand",
                                   "Gather", "LessOrEqual", "MatMul", "Mul", "Neg", "Pow",
                                   "Range", "Reciprocal", "ReduceMean", "Reshape", "Shape",
                                   "Sigmoid", "Sin", "Slice", "Softmax", "Sqrt", "Squeeze",
                                   "Transpose", "Unsqueeze", "Where", "And"})
        external = [t for t in m.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
        inline = [t for t in m.graph.initializer if t.data_location != onnx.TensorProto.EXTERNAL]
        self.assertEqual(len(external), 1 + 9 + 3 + 1 + 1)  # embed, layer, biases, norm, head
        self.assertTrue(all(t.data_type == onnx.TensorProto.INT64 or t.dims in ([], [1], [1, 4])
                            for t in inline), [t.name for t in inline])
        offsets = [int(kv.value) for t in external for kv in t.external_data if kv.key == "offset"]
        self.assertTrue(all(o % 4096 == 0 for o in offsets))
        # Same seed, other alignment: same tensors; other seed: different ones.
        wa = {t.name: numpy_helper.to_array(t) for t in onnx.load(a).graph.initializer}
        wb = {t.name: numpy_helper.to_array(t) for t in onnx.load(b).graph.initializer}
        wc = {t.name: numpy_helper.to_array(t) for t in onnx.load(c).graph.initializer}
        for k in wa:
            np.testing.assert_array_equal(wa[k], wb[k])
        self.assertFalse(np.array_equal(wa["model.embed_tokens.weight"],
                                        wc["model.embed_tokens.weight"]))
        np.testing.assert_array_equal(wa["lm_head.weight"], wa["model.embed_tokens.weight"].T)
        self.assertNotIn("model.layers.0.self_attn.q_proj.bias", wc)
        self.assertEqual(np.load(self.path("a.npy")).shape, (1, 11, 97))
        self.check_numpy_logits(a, "a")

    def test_half_weights(self):
        # --weights-dtype bf16/f16: every weight stored in that type, rounded to
        # nearest even from the same float32 draw, each read through one
        # Cast(to=FLOAT); half the data; the graph still computes in float32.
        dims = ["--layers", "1", "--hidden", "32", "--heads", "4", "--kv-heads", "2",
                "--ffn", "40", "--vocab", "97", "--qkv-bias", "--tied", "--align", "64"]
        full = self.make("f.onnx", *dims)
        wf = {t.name: numpy_helper.to_array(t) for t in onnx.load(full).graph.initializer}
        size = os.path.getsize(full + ".data")
        for dtype, proto, numpy_type in (("bf16", onnx.TensorProto.BFLOAT16, None),
                                         ("f16", onnx.TensorProto.FLOAT16, np.float16)):
            out = self.make(f"{dtype}.onnx", *dims, "--weights-dtype", dtype,
                            "--numpy-logits", self.path(f"{dtype}.npy"),
                            "--tokens", self.TOKENS)
            m = onnx.load(out)
            external = [t for t in m.graph.initializer
                        if t.data_location == onnx.TensorProto.EXTERNAL]
            self.assertTrue(all(t.data_type == proto for t in external))
            casts = {n.input[0]: n for n in m.graph.node if n.op_type == "Cast"}
            for t in external:
                self.assertEqual(casts[t.name].attribute[0].i, onnx.TensorProto.FLOAT)
                readers = [n for n in m.graph.node if t.name in n.input]
                self.assertEqual(readers, [casts[t.name]], t.name)
                value = numpy_helper.to_array(t).astype(np.float32)
                draw = wf[t.name]
                if numpy_type is not None:
                    expected = draw.astype(numpy_type).astype(np.float32)
                else:
                    bits = draw.view(np.uint32)
                    expected = (((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
                                ).astype(np.uint32).view(np.float32)
                np.testing.assert_array_equal(value, expected, t.name)
            self.assertLess(os.path.getsize(out + ".data"), 0.55 * size)
            self.check_numpy_logits(out, dtype)

    def test_legacy_and_errors(self):
        leg = self.make("l.onnx", "--legacy", "--numpy-logits", self.path("l.npy"),
                        "--tokens", self.TOKENS)
        m = onnx.load(leg, load_external_data=False)
        self.assertEqual([i.name for i in m.graph.input],
                         ["input_ids", "attention_mask", "position_ids"])
        self.assertEqual(m.opset_import[0].version, 14)
        self.check_numpy_logits(leg, "l")
        for extra in (["--heads", "4", "--kv-heads", "3"], ["--hidden", "60", "--heads", "8"],
                      ["--data", "sub/x.data"], ["--numpy-logits", self.path("x.npy")],
                      ["--numpy-logits", self.path("x.npy"), "--tokens", "1,512"]):
            p = run([PY, self.TOOL, self.path("e.onnx"), *extra], ok=False)
            self.assertEqual(p.returncode, 1, extra)
            self.assertIn("make_decoder: error:", p.stderr)


class CompareNpy(Base):
    def test_exit_codes(self):
        tool = os.path.join(LIB, "compare_npy.py")
        a = np.linspace(-3, 3, 100, dtype=np.float32)
        np.save(self.path("a.npy"), a)
        np.save(self.path("b.npy"), a + 1e-5)
        np.save(self.path("n.npy"), np.where(a > 0, np.nan, a))
        self.assertEqual(run([PY, tool, self.path("a.npy"), self.path("b.npy")]).returncode, 0)
        p = run([PY, tool, self.path("a.npy"), self.path("b.npy"), "--rtol", "1e-7", "--atol", "0"], ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("FAIL", p.stdout)
        p = run([PY, tool, self.path("a.npy"), self.path("n.npy")], ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(run([PY, tool, self.path("n.npy"), self.path("n.npy")]).returncode, 0)
        self.assertEqual(run([PY, tool, self.path("nope.npy"), self.path("a.npy")], ok=False).returncode, 2)
        p = run([PY, tool, self.path("a.npy"), ZOO_REF + ":attentions"], ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("shape mismatch", p.stdout)

    def test_module(self):
        sys.path.insert(0, LIB)
        import compare_npy
        r = compare_npy.compare(np.ones((1, 3)), np.ones(3) * 1.001, rtol=1e-2, squeeze=True)
        self.assertTrue(r["ok"])
        self.assertAlmostEqual(r["max_abs_diff"], 0.001)


class AddOutputs(Base):
    def test_softmax_outputs(self):
        out = self.path("sm.onnx")
        p = run([PY, os.path.join(LIB, "add_outputs.py"), ZOO_LLAMA, out, "--op", "Softmax"])
        names = p.stdout.split()
        self.assertEqual(len(names), 3)
        m = onnx.load(out)
        self.assertEqual([o.name for o in m.graph.output], ["logits"] + names)
        self.assertTrue(all(o.type.tensor_type.elem_type == onnx.TensorProto.FLOAT for o in m.graph.output))
        bad = run([PY, os.path.join(LIB, "add_outputs.py"), ZOO_LLAMA, self.path("x.onnx"), "val_17"], ok=False)
        self.assertEqual(bad.returncode, 1)
        if HAVE_ORT or REQUIRE_ORT:
            ids = self.path("ids.npy")
            ref = np.load(ZOO_REF)
            np.save(ids, ref["input_ids"])
            npz = self.path("o.npz")
            run(["node", ORT_RUN, out, "--tokens-file", ids, "--outputs", ",".join(["logits"] + names),
                 "--out", npz])
            got = np.load(npz)
            self.assertLess(np.abs(got["logits"] - ref["logits"]).max(), 1e-5)
            for layer, n in enumerate(names):
                self.assertLess(np.abs(got[n] - ref["attentions"][layer]).max(), 1e-5)

    def test_inferred_types_legacy(self):
        legacy = os.path.join(MODELS, "zoo", "llama_legacy14.onnx")
        out = self.path("l.onnx")
        run([PY, os.path.join(LIB, "add_outputs.py"), legacy, out, "/blocks.0/Shape_output_0", "--op", "Softmax"])
        outs = {o.name: o for o in onnx.load(out).graph.output}
        self.assertEqual(outs["/blocks.0/Shape_output_0"].type.tensor_type.elem_type, onnx.TensorProto.INT64)


@needs_ort
class OrtRun(Base):
    def test_lm_mode_and_errors(self):
        ref = np.load(ZOO_REF)
        rows = [",".join(map(str, r)) for r in ref["input_ids"]]
        o = self.path("l.npy")
        run(["node", ORT_RUN, ZOO_LLAMA, "--tokens", rows[0], "--tokens", rows[1], "--threads", "1", "--out", o])
        self.assertLess(np.abs(np.load(o) - ref["logits"]).max(), 1e-5)
        legacy = os.path.join(MODELS, "zoo", "llama_legacy14.onnx")
        lref = np.load(os.path.join(MODELS, "zoo", "llama_legacy14.ref.npz"))
        run(["node", ORT_RUN, legacy, "--tokens", ",".join(map(str, lref["input_ids"][0])), "--out", o])
        self.assertLess(np.abs(np.load(o)[0] - lref["logits"][0]).max(), 1e-5)
        for args, code in ((["nope.onnx", "--tokens", "1"], 1), ([ZOO_LLAMA, "--tokens", "1,x"], 2),
                           ([ZOO_LLAMA, "--tokens", "1,2", "--outputs", "nope", "--out", o], 1),
                           ([ZOO_LLAMA, "--tokens", "1,2", "--tokens", "1"], 2)):
            p = run(["node", ORT_RUN, *args], ok=False)
            self.assertEqual(p.returncode, code, args)
            self.assertIn("ort_run: error:", p.stderr)

    def test_bench_json(self):
        p = run(["node", ORT_RUN, ZOO_LLAMA, "--tokens", "1,2,3,4", "--bench", "3", "--warmup", "1",
                 "--threads", "1"])
        d = json.loads(p.stdout)
        self.assertEqual(len(d["runs_ms"]), 3)
        self.assertEqual(d["threads"], 1)
        self.assertGreater(d["median_ms"], 0)


@needs_ort
class Bench(Base):
    def test_run_ort_and_compare(self):
        out = self.path("r.json")
        run([PY, os.path.join(REPO, "bench", "run_ort.py"), ZOO_LLAMA, "--prompt-len", "16", "--repeat", "3",
             "--threads", "1,2", "--process-repeat", "1", "--out", out])
        with open(out) as f:
            d = json.load(f)
        self.assertEqual(sorted(d["ort"]), ["1", "2"])
        self.assertIn("process", d["ort"]["1"])
        out = self.path("c.json")
        run([PY, os.path.join(REPO, "bench", "compare.py"), "--ort", ZOO_LLAMA,
             "--exe", os.path.join(REPO, "bench", "ort_as_exe.sh"),
             "--exe-cmd", "{exe} {model} --tokens {tokens} --threads {threads}",
             "--prompt-len", "24", "--tokens-file", ZOO_REF, "--threads", "1", "--repeat", "2",
             "--exe-warmup", "0", "--check-logits", "--out", out])
        with open(out) as f:
            d = json.load(f)
        self.assertTrue(d["logits_check"]["ok"])
        self.assertIn("exe_process_over_ort_process", d["results"]["1"]["ratios"])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2 if "-v" in sys.argv else 1).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)
