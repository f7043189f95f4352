"""What the test modules here share (not a test module itself).

The tests run in this directory (ctest's WORKING_DIRECTORY), so they import
it directly.
"""

import os
import subprocess


def fake_lm_trace(fake_lm, directory, prompts, timeout=None):
    """Runs the fake LM executable over prompts (lists of token ids, written to
    directory/prompts.txt, one per line) with --trace; returns the path of the
    trace, directory/run.sinktrace."""
    path = os.path.join(directory, "prompts.txt")
    with open(path, "w") as stream:
        for prompt in prompts:
            stream.write(",".join(map(str, prompt)) + "\n")
    trace = os.path.join(directory, "run.sinktrace")
    result = subprocess.run([fake_lm, "--tokens-file", path, "--trace", trace,
                             "--quiet"], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr
    return trace
