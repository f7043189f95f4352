"""What the classification checkers share: their errors, gathered while they
check and reported together at the end, and JSON input.

Each checker imports this module from its own directory (Python puts a
script's directory first on sys.path).
"""

import json
import sys


class Checker:
    """The errors of one checker run.

    finish() reports them: each on stderr as "<program>: error: <message>",
    after everything printed so far, then the verdict on stdout, "<summary>:
    ok" or "<summary>: FAIL (<n> errors)" ("ok" or "FAIL (<n> errors)" alone
    without a summary), and exits with status 1 on any error.
    """

    def __init__(self, program):
        self.program = program
        self.errors = []

    def error(self, message):
        self.errors.append(message)

    def expect(self, condition, message):
        if not condition:
            self.error(message)
        return condition

    def finish(self, summary=None):
        sys.stdout.flush()
        for error in self.errors:
            print(f"{self.program}: error: {error}", file=sys.stderr)
        verdict = f"FAIL ({len(self.errors)} errors)" if self.errors else "ok"
        print(f"{summary}: {verdict}" if summary else verdict)
        if self.errors:
            sys.exit(1)


def load_json(path):
    with open(path) as f:
        return json.load(f)
