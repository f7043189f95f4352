"""docs/examples/recv_heatmap.py end to end: the matplotlib example of
docs/python.md draws the recv heatmap of traces of the fake model, and the
matrix it plotted (--dump-json) must be `sink-trace csv`'s recv cell by cell,
grey exactly where a key is seen by fewer than min_queries queries, with the
sinks of `sink-trace json`; its columns, values, grey cells and sink labels
must be those of `sink-trace plot`'s heatmap SVG (also for binned token axes);
and the PNG must be a real, non-blank image. Skipped without matplotlib
(Debian's python3-matplotlib).

environment: PYTHONPATH=<build>/python, FAKE_LM and SINK_TRACE (set by ctest).
"""

import csv
import io
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib
from xml.etree import ElementTree

from fixtures import fake_lm_trace

FAKE_LM = os.environ.get("FAKE_LM", "")
SINK_TRACE = os.environ.get("SINK_TRACE", "")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EXAMPLE = os.path.join(REPO, "docs", "examples", "recv_heatmap.py")
SVG = "{http://www.w3.org/2000/svg}"

TEXT = b"def f(x):\n    return x + 1\n\n" * 12
PROMPTS = [[256, 104, 105, 10, 45, 32, 33, 10, 104, 105],
           [256, 60, 38, 34, 10, 62, 39, 32, 33, 97, 98],
           # 300 tokens: sink-trace plot bins the token axis (256 columns).
           [256] + list(TEXT[:299])]


def run(*args, **kwargs):
    return subprocess.run([str(a) for a in args], capture_output=True,
                          text=True, timeout=300, **kwargs)


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


class RecvHeatmapExample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        probe = run(sys.executable, "-c", "import matplotlib")
        if probe.returncode != 0:
            raise unittest.SkipTest(
                "matplotlib is not installed (apt-get install "
                "python3-matplotlib): docs/examples/recv_heatmap.py not run")
        cls.tmp = tempfile.TemporaryDirectory(prefix="sinkc-heatmap-")
        cls.dir = cls.tmp.name
        cls.trace = fake_lm_trace(FAKE_LM, cls.dir, PROMPTS, timeout=300)
        result = run(SINK_TRACE, "json", cls.trace)
        assert result.returncode == 0, result.stderr
        cls.json = json.loads(result.stdout)
        result = run(SINK_TRACE, "csv", cls.trace)
        assert result.returncode == 0, result.stderr
        cls.csv = {}
        for row in csv.DictReader(io.StringIO(result.stdout)):
            key = (int(row["record"]), int(row["layer"]), int(row["position"]))
            cls.csv[key] = float(row["recv"]) if row["recv"] else math.nan
        cls.dumps = {}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def example(self, record, *options):
        """Runs the example; returns its JSON dump and the PNG's path."""
        key = (record,) + options
        if key not in self.dumps:
            name = "r%d%s" % (record, "".join(options).replace("-", ""))
            png = os.path.join(self.dir, name + ".png")
            dump = os.path.join(self.dir, name + ".json")
            result = run(sys.executable, EXAMPLE, self.trace, png, "--record",
                         record, "--dump-json", dump, *options)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(f"wrote {png}: 8 layers x ", result.stdout)
            with open(dump) as stream:
                self.dumps[key] = json.load(stream), png
        return self.dumps[key]

    def test_matrix_equals_csv(self):
        for record, prompt in enumerate(PROMPTS):
            with self.subTest(record=record):
                dump, _ = self.example(record, "--max-columns", "0")
                T = len(prompt)
                rules = self.json["records"][record]["classification"]
                self.assertEqual(dump["sequence_length"], T)
                self.assertEqual(dump["min_queries"], rules["min_queries"])
                self.assertEqual(dump["layers"], list(range(8)))
                self.assertEqual(dump["columns"], [[p, p] for p in range(T)])
                for row, layer in enumerate(dump["layers"]):
                    self.assertEqual(len(dump["recv"][row]), T)
                    for position in range(T):
                        want = self.csv[(record, layer, position)]
                        grey = T - position < rules["min_queries"]
                        got = dump["recv"][row][position]
                        where = f"layer {layer} position {position}"
                        self.assertEqual(dump["masked"][row][position], grey,
                                         where)
                        if grey or math.isnan(want):
                            self.assertIsNone(got, where)
                        else:
                            self.assertTrue(close(got, want),
                                            f"{where}: {got} != {want}")
                # The last min_queries - 1 keys are grey, in every layer.
                self.assertEqual(sum(dump["masked"][0]),
                                 rules["min_queries"] - 1)

    def test_sinks_equal_json(self):
        for record in range(len(PROMPTS)):
            with self.subTest(record=record):
                dump, _ = self.example(record)
                want = [(s["position"], s["kind"], s["creation_layer"],
                         s["end_layer"])
                        for s in self.json["records"][record]["sinks"]
                        if s["kind"] != "none"]
                got = [(s["position"], s["kind"], s["creation_layer"],
                        s["end_layer"]) for s in dump["sinks"]]
                self.assertEqual(got, want)
                self.assertTrue(got)
        labels = [s["label"] for s in self.example(0)[0]["sinks"]]
        self.assertEqual(labels, ["0 <bos>", "3 '\\n'", "4 '-'", "6 '!'",
                                  "7 '\\n'"])

    def plot(self, record, *options):
        """The heatmap cells and sink labels of `sink-trace plot`."""
        out = os.path.join(self.dir, "plot-r%d%s.svg" % (
            record, "".join(options).replace("-", "")))
        result = run(SINK_TRACE, "plot", self.trace, "--record", record,
                     "-o", out, *options)
        self.assertEqual(result.returncode, 0, result.stderr)
        root = ElementTree.parse(out.replace(".svg", "-heatmap.svg")).getroot()
        cells = [rect.attrib for rect in root.iter(SVG + "rect")
                 if rect.get("class", "").split()[:1] == ["cell"]]
        labels = {int(text.get("data-position")): text.text
                  for text in root.iter(SVG + "text")
                  if text.get("class") == "sink-label"}
        # The colour bar's ticks: 1e<low decade>, ..., 1e-1, 1.
        decades = [int(text.text[2:]) for text in root.iter(SVG + "text")
                   if text.text and text.text.startswith("1e-")]
        return cells, labels, min(decades)

    def test_same_cells_as_sink_trace_plot(self):
        cases = [(0, ()), (1, ()), (2, ()),
                 (1, ("--max-columns", "8")), (2, ("--max-columns", "40"))]
        for record, options in cases:
            with self.subTest(record=record, options=options):
                dump, _ = self.example(record, *options)
                cells, labels, low_decade = self.plot(record, *options)
                self.assertEqual(dump["colour_scale"]["low_decade"], low_decade)
                columns = len(dump["columns"])
                if record == 2 or options:
                    self.assertLess(columns, len(PROMPTS[record]))
                self.assertEqual(len(cells), 8 * columns)
                for index, cell in enumerate(cells):
                    row, c = divmod(index, columns)
                    where = f"cell {cell}"
                    self.assertEqual(int(cell["data-layer"]),
                                     dump["layers"][row], where)
                    self.assertEqual([int(cell["data-first"]),
                                      int(cell["data-last"])],
                                     dump["columns"][c], where)
                    self.assertEqual("masked" in cell["class"].split(),
                                     dump["masked"][row][c], where)
                    got = dump["recv"][row][c]
                    if cell["data-recv"] == "":
                        self.assertIsNone(got, where)
                    else:
                        self.assertTrue(close(got, float(cell["data-recv"])),
                                        f"{where}: {got}")
                by_position = {s["position"]: s["label"] for s in dump["sinks"]}
                self.assertTrue(labels)
                for position, text in labels.items():
                    self.assertEqual(by_position[position], text)

    def test_png(self):
        dump, png = self.example(0)
        with open(png, "rb") as stream:
            data = stream.read()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(data[12:16], b"IHDR")
        width, height = struct.unpack(">II", data[16:24])
        self.assertEqual(width, 980)
        self.assertGreater(height, 200)
        self.assertLess(len(data), 100_000)
        # Decode it (zlib and PNG filters, in pure Python, so that the check
        # does not rest on matplotlib itself): not blank, and the colours of
        # the grey cells and of BOS's cell in layer 0 are there.
        pixels = decode_png(data)
        self.assertEqual(len(pixels), height)
        colours = {pixel for line in pixels for pixel in line}
        self.assertGreater(len(colours), 20)
        # The colour scale runs from the decade below the smallest positive
        # recv of a key seen by min_queries queries (sink-trace plot's rule),
        # here 1e-2 (recv 0.05), to 1.
        T, queries = len(PROMPTS[0]), dump["min_queries"]
        smallest = min([1.0] + [value for (record, _, position), value
                                in self.csv.items() if record == 0
                                and T - position >= queries and value > 0])
        low = max(-6, min(-1, math.floor(math.log10(smallest))))
        self.assertEqual(low, -2)
        self.assertEqual(dump["colour_scale"]["low_decade"], low)
        # The centres of the cells of layer 0 (the plot spans x 64-870 and
        # y 44-236 of the 980-pixel-wide figure, as the SVG): viridis on that
        # log scale for BOS (0.5) and key 1 (0.05), grey for the last keys.
        def cell(column):
            return pixels[56][int(64 + 806 / T * (column + 0.5))]

        for column in (0, 1, T - 1):
            value = dump["recv"][0][column]
            if value is None:
                self.assertEqual(cell(column), (0xd4, 0xd4, 0xd4))
                continue
            result = run(sys.executable, "-c",
                         "import matplotlib, matplotlib.colors as c, sys\n"
                         "v, low = float(sys.argv[1]), float(sys.argv[2])\n"
                         "rgb = matplotlib.colormaps['viridis']"
                         "(c.LogNorm(low, 1)(v))\n"
                         "print(*(round(255 * x) for x in rgb[:3]))",
                         value, 10.0 ** low)
            self.assertEqual(result.returncode, 0, result.stderr)
            want = tuple(int(x) for x in result.stdout.split())
            self.assertLessEqual(
                max(abs(a - b) for a, b in zip(want, cell(column))), 1,
                (column, value, want, cell(column)))


def decode_png(data):
    """Rows of (r, g, b) of an 8-bit RGB or RGBA, non-interlaced PNG; the
    chunks' CRCs checked."""
    width, height, depth, colour_type, _, _, interlace = struct.unpack(
        ">IIBBBBB", data[16:29])
    assert depth == 8 and colour_type in (2, 6) and interlace == 0
    channels = 3 if colour_type == 2 else 4
    chunks, offset = b"", 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(data[offset + 4:offset + 8 + length]), kind
        if kind == b"IDAT":
            chunks += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc
                                      else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return rows


if __name__ == "__main__":
    unittest.main()
