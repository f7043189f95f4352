"""Interoperability of compiled-model I/O with NumPy, ONNX and Python.

Run by ctest (test ``sinktrace-python``) with /usr/bin/python3 and the
environment: PYTHONPATH=<build>/python, FAKE_LM, FAKE_GENERIC and SINK_TRACE
naming the fake-lm-embedded, fake-generic and sink-trace executables.
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import unittest
from xml.etree import ElementTree

import numpy as np
import onnx
from onnx import helper, mapping, numpy_helper

import sinktrace
from fixtures import fake_lm_trace

FAKE_LM = os.environ["FAKE_LM"]
FAKE_GENERIC = os.environ["FAKE_GENERIC"]
SINK_TRACE = os.environ["SINK_TRACE"]

PROMPTS = [[256, 104, 105, 10, 45, 120, 33, 97, 98, 99],
           [256, 60, 38, 34, 10, 0, 7, 255, 92, 33, 62]]


def run(*args):
    return subprocess.run([str(arg) for arg in args], capture_output=True,
                          text=True)


def fake_logits(tokens):
    """fake::fakeLogit (test/unit/FakeModels.cpp) for mask 1, positions
    0..T-1."""
    vocab = np.arange(260)
    weights = ((37 * vocab + 11) % 251 - 125).astype(np.float32) / 50
    rows = [weights * np.float32(token % 7 + 1) + np.float32(0.5)
            + np.float32(0.01) * np.float32(position)
            for position, token in enumerate(tokens)]
    return np.stack(rows)[None].astype(np.float32)


class TraceReader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.trace_path = fake_lm_trace(FAKE_LM, cls.dir, PROMPTS)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_load_gives_numpy_arrays(self):
        trace = sinktrace.load(self.trace_path)
        self.assertEqual(trace.schema_version, 1)
        self.assertEqual(trace.model["name"], "fake lm")
        self.assertEqual(trace.model["weights_hash"], "3be46e9deb40b92e")
        # A model compiled without --intervene (test/e2e/intervene has the
        # steered ones).
        self.assertIsNone(trace.model["intervention"])
        self.assertEqual(len(trace.records), 2)
        record = trace.records[0]
        np.testing.assert_array_equal(record.tokens, PROMPTS[0])
        self.assertEqual(record.tokens.dtype, np.int64)
        # Byte-level models store no token texts (older traces neither).
        self.assertEqual(record.token_texts, [])
        self.assertEqual(list(record.layers), list(range(8)))
        # The fake model measures the metrics of schema version 1, none of
        # the key and value norms (version 2) and MLP states (version 3); its
        # trace is written as version 1.
        self.assertEqual(record.metrics, list(sinktrace.METRICS[:7]))
        self.assertIsNone(record.measurements[0].key_norm)
        self.assertIsNone(record.measurements[0].mlp_gate_cos_bos)
        recv = record.metric("recv")
        self.assertEqual(recv.shape, (8, 10))
        self.assertAlmostEqual(float(recv[6, 6]), 0.45, places=6)
        np.testing.assert_allclose(record.metric("bos_mass"),
                                   0.5 + 0.01 * np.arange(8), rtol=1e-6)
        self.assertEqual(record.metric("head_bos_mass").shape, (8, 2))
        layer3 = record.measurements[3]
        self.assertIsInstance(layer3.hidden_cos_bos, np.ndarray)
        self.assertAlmostEqual(float(layer3.hidden_cos_bos[3]), 0.95,
                               places=6)
        self.assertEqual(list(record.sinks["kind"][:7]),
                         ["primary", "none", "none", "secondary",
                          "secondary", "none", "secondary"])
        self.assertEqual(record.classification["tau"], np.float32(0.9))
        newline = record.sinks[3]
        self.assertEqual((newline["creation_layer"], newline["lifetime"]),
                         (3, 3))
        self.assertEqual(newline["criteria"],
                         sinktrace.CRITERION_HIDDEN_COSINE)
        self.assertEqual(len(record.sinks_of_kind("secondary")), 3)
        self.assertEqual([(l.kind, l.creation_layer, l.lifetime, l.count)
                          for l in trace.levels],
                         [("primary", 0, 8, 2), ("secondary", 2, 1, 1),
                          ("secondary", 3, 3, 2), ("secondary", 6, 1, 1)])
        self.assertEqual(trace.levels[2].hits["record"].tolist(), [0, 1])

    def test_agrees_with_sink_trace_json(self):
        result = run(SINK_TRACE, "json", self.trace_path)
        self.assertEqual(result.returncode, 0, result.stderr)
        document = json.loads(result.stdout)
        trace = sinktrace.load(self.trace_path)
        self.assertEqual(document["model"]["vocab"], trace.model["vocab"])
        for record, expected in zip(trace.records, document["records"]):
            self.assertEqual(record.tokens.tolist(), expected["tokens"])
            self.assertEqual(record.classification["min_queries"],
                             expected["classification"]["min_queries"])
            for layer in expected["measurements"]:
                ours = record.measurements[layer["layer"]]
                for name in sinktrace.TOKEN_METRICS:
                    if layer[name] is None:
                        self.assertIsNone(getattr(ours, name))
                        continue
                    values = np.array(
                        [math.nan if v is None else v for v in layer[name]],
                        dtype=np.float32)
                    np.testing.assert_array_equal(getattr(ours, name),
                                                  values)
                self.assertEqual(ours.flags.tolist(), layer["flags"])
            self.assertEqual(record.sinks["kind"].tolist(),
                             [sink["kind"] for sink in expected["sinks"]])
        self.assertEqual(len(trace.levels), len(document["levels"]))

    def test_rejects_foreign_and_broken_files(self):
        with open(self.trace_path, "rb") as stream:
            good = stream.read()
        broken = {
            "empty": b"",
            "truncated": good[:-1],
            "wrong identifier": good[:8] + b"ABCD" + good[12:],
            "json": b'{"records": []}' * 4,
            "random": bytes(np.random.default_rng(7).integers(
                0, 256, 2000, dtype=np.uint8)),
        }
        for name, data in broken.items():
            path = os.path.join(self.dir, name.replace(" ", "_"))
            with open(path, "wb") as stream:
                stream.write(data)
            with self.assertRaises(sinktrace.TraceError, msg=name):
                sinktrace.load(path)
        # A flipped byte deep inside must not escape as another exception.
        for position in range(12, len(good), 97):
            data = bytearray(good)
            data[position] ^= 0xFF
            try:
                sinktrace.loads(bytes(data))
            except sinktrace.TraceError:
                pass

    def test_plot_is_well_formed_svg(self):
        svg = os.path.join(self.dir, "plot.svg")
        result = run(SINK_TRACE, "plot", self.trace_path, "--record", "1",
                     "-o", svg)
        self.assertEqual(result.returncode, 0, result.stderr)
        root = ElementTree.parse(svg).getroot()
        self.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")
        circles = root.findall("{http://www.w3.org/2000/svg}circle")
        # bos_mass plus three receivers on each of the 8 layers.
        self.assertEqual(len(circles), 8 * 4)
        labels = [text.text for text in
                  root.findall("{http://www.w3.org/2000/svg}text")]
        self.assertIn("1:60 <", labels)
        self.assertIn("2:38 &", labels)

    def test_module_entry_point(self):
        result = run(sys.executable, "-m", "sinktrace", self.trace_path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("record 0: 10 tokens; sinks 0:primary, 3:secondary",
                      result.stdout)


class MetricsDefinedOnce(unittest.TestCase):
    """runtime/include/sinkrt/Metrics.def is where the metrics are defined;
    the C++ users include it, the Python reader and the trace schema keep
    their own copies, checked here."""

    REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                        ".."))

    def definitions(self):
        import re
        path = os.path.join(self.REPO, "runtime", "include", "sinkrt",
                            "Metrics.def")
        pattern = re.compile(r'^SINKRT_METRIC\((\w+), "(\w+)", "(\w+)", '
                             r'(\d), (true|false)\)$', re.M)
        rows = pattern.findall(open(path).read())
        self.assertGreater(len(rows), 0)
        return rows

    def test_reader_matches_the_definitions(self):
        rows = self.definitions()
        self.assertEqual(sinktrace.METRICS, tuple(row[1] for row in rows))
        self.assertEqual(sinktrace.TOKEN_METRICS,
                         tuple(row[1] for row in rows if row[4] == "true"))

    def test_schema_enum_matches_the_definitions(self):
        import re
        schema = open(os.path.join(self.REPO, "runtime", "schema",
                                   "sink_trace.fbs")).read()
        body = re.search(r"enum Metric : ubyte \{([^}]*)\}", schema).group(1)
        enum = re.findall(r"(\w+) = (\d+)", body)
        self.assertEqual([(name, int(value)) for name, value in enum],
                         [(row[0], i)
                          for i, row in enumerate(self.definitions())])


    def test_every_per_token_metric_has_a_layer_field(self):
        import dataclasses
        import re
        schema = open(os.path.join(self.REPO, "runtime", "schema",
                                   "sink_trace.fbs")).read()
        body = re.search(r"table Layer \{([^}]*)\}", schema).group(1)
        fields = re.findall(r"^\s*(\w+):", body, re.M)
        python = [f.name for f in dataclasses.fields(sinktrace.Layer)]
        for row in self.definitions():
            if row[4] == "true":
                self.assertIn(row[1], fields)
                self.assertIn(row[1], python)


class CaptureReader(unittest.TestCase):
    """sinktrace.load_captures on files in the layout of docs/captures.md,
    written here by NumPy itself (np.savez and np.savez_compressed), so that
    the reader does not depend on the runtime's own ZIP writer (which
    test/unit/CapturesTest.cpp and test/e2e/instrument/captures.test check).
    """

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def arrays(self):
        spec = "layers=2,states=hidden,mlp_out,tokens=sinks+matched"
        return {
            "spec": np.frombuffer(spec.encode(), dtype=np.uint8),
            "model": np.frombuffer(b"tiny", dtype=np.uint8),
            "record": np.array([0, 0, 0, 1], dtype=np.int64),
            "prompt": np.array([0, 0, 0, 1], dtype=np.int64),
            "batch_row": np.zeros(4, dtype=np.int64),
            "position": np.array([0, 3, 7, 0], dtype=np.int64),
            "token": np.array([256, 35, 35, 256], dtype=np.int64),
            "kind": np.array([1, 2, 0, 1], dtype=np.int8),
            "is_sink": np.array([True, True, False, True]),
            "matched_to": np.array([-1, 7, 3, -1], dtype=np.int64),
            "layer2.hidden": np.arange(12, dtype=np.float32).reshape(4, 3),
            "layer2.mlp_out": -np.arange(8, dtype=np.float32).reshape(4, 2),
        }

    def test_reads_the_index_and_the_states(self):
        for save in (np.savez, np.savez_compressed):
            path = os.path.join(self.dir, "run.captures.npz")
            save(path, **self.arrays())
            # Given the trace's name, the file next to it.
            captures = sinktrace.load_captures(
                os.path.join(self.dir, "run.sinktrace"))
            self.assertEqual(captures.model, "tiny")
            self.assertEqual(captures.tokens_mode, "sinks+matched")
            self.assertEqual(len(captures), 4)
            self.assertEqual(captures.layers, [2])
            self.assertEqual(captures.state_names, ["hidden", "mlp_out"])
            self.assertEqual(list(captures.index["kind"]),
                             ["primary", "secondary", "none", "primary"])
            self.assertEqual(captures.pairs().tolist(), [[1, 2]])
            np.testing.assert_array_equal(captures.state(2, "hidden")[3],
                                          [9, 10, 11])
            with self.assertRaises(KeyError):
                captures.state(3, "hidden")

    def test_path_next_to_the_trace(self):
        self.assertEqual(sinktrace.captures_path("a/b.sinktrace"),
                         "a/b.captures.npz")
        self.assertEqual(sinktrace.captures_path("b.trace"),
                         "b.trace.captures.npz")

    def test_refuses_what_is_not_a_captures_file(self):
        path = os.path.join(self.dir, "bad.npz")

        def refused(arrays, message):
            np.savez(path, **arrays)
            with self.assertRaisesRegex(sinktrace.CaptureError, message):
                sinktrace.load_captures(path)

        arrays = self.arrays()
        del arrays["matched_to"]
        refused(arrays, "no matched_to")
        arrays = self.arrays()
        arrays["position"] = arrays["position"].astype(np.int32)
        refused(arrays, "'position' is int32")
        arrays = self.arrays()
        arrays["layer2.hidden"] = arrays["layer2.hidden"][:3]
        refused(arrays, r"'layer2.hidden' is float32 \(3, 3\)")
        arrays = self.arrays()
        arrays["layer2.keys"] = arrays["layer2.hidden"]
        refused(arrays, "unexpected array 'layer2.keys'")
        with open(path, "w") as stream:
            stream.write("not a zip")
        with self.assertRaisesRegex(sinktrace.CaptureError,
                                    "not a captures file"):
            sinktrace.load_captures(path)

    def test_states_match_the_definitions(self):
        import re
        path = os.path.join(MetricsDefinedOnce.REPO, "runtime", "include",
                            "sinkrt", "CaptureStates.def")
        with open(path) as stream:
            rows = re.findall(r'^SINKRT_CAPTURE_STATE\(\w+, "(\w+)"\)$',
                              stream.read(), re.M)
        self.assertEqual(sinktrace.CAPTURE_STATES, tuple(rows))


class TensorFiles(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_logits_npy_reads_with_numpy(self):
        tokens = [256, 3, 10, 200]
        result = run(FAKE_LM, "--tokens", ",".join(map(str, tokens)),
                     "--logits", self.path("l.npy"))
        self.assertEqual(result.returncode, 0, result.stderr)
        logits = np.load(self.path("l.npy"))
        self.assertEqual(logits.dtype, np.float32)
        self.assertEqual(logits.shape, (1, 4, 260))
        np.testing.assert_allclose(logits, fake_logits(tokens), rtol=1e-6,
                                   atol=1e-6)

    def generic_inputs(self):
        rng = np.random.default_rng(3)
        return [
            rng.standard_normal((4, 3)).astype(np.float32),
            rng.standard_normal(5),
            rng.standard_normal(6).astype(np.float16),
            rng.integers(-2**62, 2**62, 3, dtype=np.int64),
            rng.integers(-2**30, 2**30, 4, dtype=np.int32),
            np.array([-128, -5, 0, 127], dtype=np.int8),
            np.array([0, 17, 254], dtype=np.uint8),
            np.array([True, False, True]),
        ]

    def expected_outputs(self, inputs):
        a, b, c, d, e, f, g, h = inputs
        negated = np.where(f == -128, np.int8(127), -f.astype(np.int16))
        return [2 * a, b + 1, (2 * c.astype(np.float32)).astype(np.float16),
                d + 1, e - 1, negated.astype(np.int8),
                (g.astype(np.int16) + 1).astype(np.uint8), ~h]

    def run_generic(self, paths):
        args = [FAKE_GENERIC]
        for path in paths:
            args += ["--input-pb", path]
        args += ["--output-dir", self.path("out")]
        return run(*args)

    def save_npy(self, inputs):
        paths = [self.path(f"in{index}.npy") for index in range(len(inputs))]
        for path, array in zip(paths, inputs):
            np.save(path, array)
        return paths

    def save_tensors(self, name, tensors):
        paths = [self.path(f"{name}{index}.pb") for index in range(len(tensors))]
        for path, tensor in zip(paths, tensors):
            onnx.save_tensor(tensor, path)
        return paths

    def check_outputs(self, paths, inputs):
        """Runs the generic model on the input files; its outputs must be
        expected_outputs(inputs)."""
        result = self.run_generic(paths)
        self.assertEqual(result.returncode, 0, result.stderr)
        names = ["a_twice", "b_plus_one", "c_twice", "d_plus_one",
                 "e_minus_one", "f_negated", "g_plus_one", "h_not"]
        for index, expected in enumerate(self.expected_outputs(inputs)):
            tensor = onnx.load_tensor(self.path(f"out/output_{index}.pb"))
            self.assertEqual(tensor.name, names[index])
            actual = numpy_helper.to_array(tensor)
            self.assertEqual(actual.dtype, expected.dtype, names[index])
            np.testing.assert_array_equal(actual, expected, names[index])

    def test_npy_inputs_from_numpy(self):
        inputs = self.generic_inputs()
        self.check_outputs(self.save_npy(inputs), inputs)

    def test_tensorproto_raw_data_from_onnx(self):
        inputs = self.generic_inputs()
        tensors = [numpy_helper.from_array(array, f"x{index}")
                   for index, array in enumerate(inputs)]
        self.check_outputs(self.save_tensors("in", tensors), inputs)

    def test_tensorproto_typed_fields_from_onnx(self):
        # float_data, double_data, int32_data (also for float16, int8,
        # uint8, bool), int64_data: what onnx.helper.make_tensor writes.
        inputs = self.generic_inputs()
        tensors = [helper.make_tensor(f"x{index}",
                                      mapping.NP_TYPE_TO_TENSOR_TYPE[array.dtype],
                                      array.shape, array.flatten().tolist(),
                                      raw=False)
                   for index, array in enumerate(inputs)]
        for tensor in tensors:
            self.assertFalse(tensor.raw_data)
        self.check_outputs(self.save_tensors("typed", tensors), inputs)

    def test_bad_inputs_are_usage_errors(self):
        inputs = self.generic_inputs()
        paths = self.save_npy(inputs)

        def refusal(name, first):
            """stderr of the generic model given first (saved as name) as
            its first input; exit code 2."""
            np.save(self.path(name), first)
            result = self.run_generic([self.path(name)] + paths[1:])
            self.assertEqual(result.returncode, 2)
            return result.stderr

        self.assertIn("Fortran-order .npy files are not supported",
                      refusal("fortran.npy", np.asfortranarray(inputs[0])))
        self.assertIn("must be f32, the file holds f64",
                      refusal("wrong.npy", inputs[0].astype(np.float64)))
        big_endian = refusal("big.npy", inputs[0].astype(">f4"))
        self.assertIn("unsupported .npy dtype '>f4'", big_endian)
        self.assertEqual(big_endian.count("\n"), 1)


if __name__ == "__main__":
    unittest.main()
