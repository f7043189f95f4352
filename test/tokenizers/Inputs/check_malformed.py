#!/usr/bin/python3
"""Runs sinkc-tokenize on every file of a directory of broken tokenizer.json
files and prints, per file, "NAME: exit CODE: MESSAGE". Fails (exit 1) when a
run does not print exactly one line on stderr, prints to stdout, or ends by a
signal: malformed files must give one clear error, never a crash.

    check_malformed.py SINKC_TOKENIZE DIR
"""
import os
import subprocess
import sys


def main() -> int:
    tool, directory = sys.argv[1:3]
    status = 0
    for name in sorted(os.listdir(directory)):
        run = subprocess.run([tool, os.path.join(directory, name), "some text"],
                             capture_output=True)
        lines = run.stderr.decode(errors="replace").splitlines()
        message = lines[0] if lines else ""
        # The file's path depends on the checkout; print it as NAME.
        message = message.replace(os.path.join(directory, name), name)
        print(f"{name}: exit {run.returncode}: {message}")
        if run.returncode < 0 or len(lines) != 1 or run.stdout:
            print(f"{name}: expected one line on stderr and nothing on "
                  f"stdout, got {len(lines)} lines and {len(run.stdout)} "
                  f"bytes (exit {run.returncode})")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
