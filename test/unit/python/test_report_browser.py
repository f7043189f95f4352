"""`sink-trace report` in a real browser: headless Chromium (Debian's
`chromium`, installed by scripts/install-deps.sh) opens the report of the fake
model's trace offline, and must log no console message (no script errors,
nothing blocked or missing), take a screenshot that is not blank, and print
it to PDF. A control page with a deliberate console error checks that the
console check sees errors at all.

environment: FAKE_LM and SINK_TRACE (set by ctest); CHROMIUM overrides the
browser. Without chromium the tests are skipped with the message
"chromium is not installed" (ctest reports them as skipped).
"""

import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

from fixtures import fake_lm_trace

FAKE_LM = os.environ.get("FAKE_LM", "")
SINK_TRACE = os.environ.get("SINK_TRACE", "")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or \
    shutil.which("chromium-browser")
PROMPTS = [[256, 104, 105, 10, 45, 32, 33, 10, 104, 105],
           [256, 60, 38, 34, 10, 62, 39, 32, 33, 97, 98]]


def run(*args, timeout=120):
    return subprocess.run([str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout)


def chromium(url, *options):
    """Runs headless Chromium on url; returns (returncode, console lines)."""
    profile = tempfile.mkdtemp(prefix="sinkc-chromium-")
    try:
        result = run(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                     "--hide-scrollbars", "--no-first-run",
                     "--user-data-dir=" + profile,
                     # Offline: any host name fails to resolve.
                     "--host-resolver-rules=MAP * ~NOTFOUND",
                     "--enable-logging=stderr", "--v=0", *options, url,
                     timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    console = [line for line in result.stderr.splitlines()
               if ":CONSOLE" in line or "net::ERR" in line]
    return result, console


def png_pixels(path):
    """(width, height, distinct byte values of the decoded scanlines)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, width, height = 8, b"", 0, 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@unittest.skipUnless(CHROMIUM, "chromium is not installed "
                     "(scripts/install-deps.sh installs it)")
class ReportInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sinkc-report-")
        cls.trace = fake_lm_trace(FAKE_LM, cls.dir, PROMPTS, timeout=120)
        cls.report = os.path.join(cls.dir, "report.html")
        result = run(SINK_TRACE, "report", cls.trace, "-o", cls.report)
        assert result.returncode == 0, result.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_control_page_errors_are_seen(self):
        page = os.path.join(self.dir, "control.html")
        with open(page, "w") as f:
            f.write("<!DOCTYPE html><p>control</p>"
                    "<script>console.error('deliberate');</script>")
        _, console = chromium("file://" + page, "--dump-dom")
        self.assertTrue(any("deliberate" in line for line in console), console)

    def test_screenshot_without_console_messages(self):
        png = os.path.join(self.dir, "report.png")
        result, console = chromium("file://" + self.report,
                                   "--window-size=1280,2400",
                                   "--screenshot=" + png)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertEqual(console, [])
        self.assertTrue(os.path.exists(png), result.stderr[-2000:])
        width, height, values = png_pixels(png)
        self.assertEqual((width, height), (1280, 2400))
        # A blank page decodes to a handful of byte values; text, tables and
        # the colour scales to hundreds.
        self.assertGreater(values, 64)

    def test_dom_has_the_figures_and_prints(self):
        result, console = chromium("file://" + self.report, "--dump-dom")
        self.assertEqual(console, [])
        dom = result.stdout
        self.assertEqual(dom.count("<figure"), 10)
        self.assertEqual(dom.count("<svg"), 10)
        self.assertIn("Sink statistics over all records of this model", dom)
        pdf = os.path.join(self.dir, "report.pdf")
        result, console = chromium("file://" + self.report,
                                   "--no-pdf-header-footer",
                                   "--print-to-pdf=" + pdf)
        self.assertEqual(console, [])
        with open(pdf, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"%PDF"))
        # Several pages: records start on their own page sections.
        self.assertGreater(data.count(b"/Type /Page") +
                           data.count(b"/Type/Page"), 2)


if __name__ == "__main__":
    unittest.main()
