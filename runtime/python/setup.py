"""Builds the sinktrace package. `flatc --python` first generates the
sinkrt.fbs modules from the trace schema (../schema/sink_trace.fbs, the file
the C++ runtime compiles too), so the reader never drifts from the format;
they go to build/generated, which setuptools then packages as sinkrt and
sinkrt.fbs. Metadata: pyproject.toml."""

import os
import shutil
import subprocess

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "schema", "sink_trace.fbs")
GENERATED = os.path.join("build", "generated")


def generate():
    flatc = os.environ.get("FLATC") or shutil.which("flatc")
    if not flatc:
        raise SystemExit("sinktrace: flatc is needed to generate the trace "
                         "modules (apt-get install flatbuffers-compiler, or "
                         "set FLATC)")
    if not os.path.exists(SCHEMA):
        raise SystemExit(f"sinktrace: the trace schema {SCHEMA} is missing; "
                         "install from a checkout of sinkc (pip install "
                         "path/to/sinkc/runtime/python)")
    target = os.path.join(HERE, GENERATED)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    subprocess.run([flatc, "--python", "-o", target, SCHEMA], check=True)
    # flatc writes sinkrt/fbs/*.py; the packages need their __init__.py.
    for package in ("sinkrt", os.path.join("sinkrt", "fbs")):
        init = os.path.join(target, package, "__init__.py")
        if not os.path.exists(init):
            open(init, "w").close()


os.chdir(HERE)
generate()
setup(package_dir={"sinktrace": "sinktrace",
                   "sinkrt": os.path.join(GENERATED, "sinkrt"),
                   "sinkrt.fbs": os.path.join(GENERATED, "sinkrt", "fbs")})
