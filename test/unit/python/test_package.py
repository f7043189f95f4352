"""`pip install runtime/python` into a fresh virtual environment (with the
system's numpy and flatbuffers, offline: --no-build-isolation --no-deps), then
the installed package reads a trace of the fake model from another directory,
its console script prints the overview, and Trace.to_dataframe() equals
`sink-trace csv` cell by cell (when pandas is installed; Debian's
python3-pandas, scripts/install-deps.sh).

environment: FAKE_LM and SINK_TRACE (set by ctest).
"""

import csv
import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from fixtures import fake_lm_trace

FAKE_LM = os.environ.get("FAKE_LM", "")
SINK_TRACE = os.environ.get("SINK_TRACE", "")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PROMPTS = [[256, 104, 105, 10, 45, 32, 33, 10, 104, 105],
           [256, 60, 38, 34, 10, 62, 39, 32, 33, 97, 98]]


def run(*args, **kwargs):
    return subprocess.run([str(a) for a in args], capture_output=True,
                          text=True, timeout=600, **kwargs)


class InstalledPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sinkc-package-")
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        cls.env = env
        venv = os.path.join(cls.dir, "venv")
        result = run(sys.executable, "-m", "venv", "--system-site-packages", venv)
        assert result.returncode == 0, result.stderr
        cls.interpreter = os.path.join(venv, "bin", "python")
        cls.script = os.path.join(venv, "bin", "sinktrace")
        result = run(cls.interpreter, "-m", "pip", "install", "--no-build-isolation",
                     "--no-deps", "--no-index", os.path.join(REPO, "runtime", "python"),
                     cwd=cls.dir, env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        cls.trace = fake_lm_trace(FAKE_LM, cls.dir, PROMPTS, timeout=600)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def python(self, code):
        return run(self.interpreter, "-c", code, cwd=self.dir, env=self.env)

    def test_installed_package_reads_traces(self):
        result = self.python(
            "import sinktrace, sys\n"
            f"t = sinktrace.load({self.trace!r})\n"
            "print(sinktrace.__file__)\n"
            "print(t.model['name'], len(t.records), t.records[0].metric('recv').shape)\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        where, summary = result.stdout.splitlines()
        self.assertIn(os.path.join(self.dir, "venv"), where)
        self.assertEqual(summary, "fake lm 2 (8, 10)")

    def test_console_script(self):
        result = run(self.script, self.trace, cwd=self.dir, env=self.env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("record 0: 10 tokens; sinks 0:primary, 3:secondary", result.stdout)

    def test_dataframe_equals_csv(self):
        probe = self.python("import pandas")
        if probe.returncode != 0:
            result = self.python(
                "import sinktrace\n"
                f"sinktrace.load({self.trace!r}).to_dataframe()\n")
            self.assertIn("Trace.to_dataframe needs pandas", result.stderr)
            self.skipTest("pandas is not installed")
        out = os.path.join(self.dir, "frame.csv")
        result = self.python(
            "import sinktrace\n"
            f"df = sinktrace.load({self.trace!r}).to_dataframe()\n"
            f"df.to_csv({out!r}, index=False)\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        reference = run(SINK_TRACE, "csv", self.trace)
        self.assertEqual(reference.returncode, 0, reference.stderr)
        want = list(csv.DictReader(io.StringIO(reference.stdout)))
        with open(out) as f:
            got = list(csv.DictReader(f))
        self.assertEqual(len(got), len(want))
        self.assertEqual(len(got), 8 * 10 + 8 * 11)
        for row_got, row_want in zip(got, want):
            for name in ("record", "prompt", "batch_row", "layer", "position", "token"):
                self.assertEqual(int(row_got[name]), int(row_want[name]), name)
            for name in ("recv", "hidden_norm", "hidden_cos_bos", "mlp_norm",
                         "mlp_cos_bos", "key_norm", "value_norm",
                         "mlp_input_cos_bos", "mlp_gate_cos_bos",
                         "mlp_up_cos_bos", "mlp_act_cos_bos",
                         "mlp_gated_cos_bos", "mlp_output_cos_bos"):
                a, b = row_got[name], row_want[name]
                if b == "":
                    self.assertTrue(a == "" or math.isnan(float(a)), (name, a))
                else:
                    self.assertAlmostEqual(float(a), float(b), places=5, msg=name)
            self.assertEqual(row_got["flag_hidden_cosine"] == "True",
                             row_want["flag_hidden_cosine"] == "1")
            self.assertEqual(row_got["flag_attention"] == "True",
                             row_want["flag_attention"] == "1")
            self.assertEqual(row_got["sink_kind"], row_want["sink_kind"])


if __name__ == "__main__":
    unittest.main()
