#!/usr/bin/python3
"""Kill a compiled model while it writes a trace; nothing partial may remain.

    kill_test.py EXE PROMPTS WORK_DIR

EXE is an instrumented model, PROMPTS a --tokens-file. Every case runs EXE
with `--trace D/t.sinktrace` in a fresh directory D, kills it with SIGKILL
and then checks what D holds:

  - no old trace: nothing at all (no trace, no temporary file);
  - an old trace in place: exactly that file, byte for byte unchanged.

Kills come from outside at fixed delays during a long run (--repeat), and,
under strace, at each step of writing the trace file: entering the fsync of
the finished data, the linkat that names it, and the rename that replaces an
old trace. The last is the one moment a named temporary file exists
(`.t.sinktrace.tmp.<pid>.<ns>.<n>`); the case checks that it is hidden and
named after the target, and that the next run writing the same trace
removes it. Finally a run that is not killed must write the same bytes as
the reference run.

Prints one PASS/FAIL line per case; exits 1 if any failed.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time


def entries(directory):
    return sorted(os.listdir(directory))


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Cases:
    def __init__(self, exe, prompts, work):
        self.exe, self.prompts, self.work = exe, prompts, work
        self.failures = 0
        self.count = 0
        reference_dir = self.fresh("reference")
        self.reference = os.path.join(reference_dir, "t.sinktrace")
        subprocess.run(self.command(self.reference), check=True)
        self.reference_bytes = read(self.reference)

    def command(self, trace, repeat=None):
        command = [self.exe, "--tokens-file", self.prompts, "--quiet", "--trace", trace]
        if repeat:
            command += ["--repeat", str(repeat)]
        return command

    def fresh(self, name, old_trace=False):
        directory = os.path.join(self.work, name)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        if old_trace:
            shutil.copyfile(self.reference, os.path.join(directory, "t.sinktrace"))
        return directory

    def report(self, name, problems, detail=""):
        self.count += 1
        if problems:
            self.failures += 1
            print(f"FAIL {name}: " + "; ".join(problems))
        else:
            print(f"PASS {name}" + (f": {detail}" if detail else ""))

    def check_untouched(self, directory, old_trace, status):
        problems = []
        if status != -signal.SIGKILL:
            problems.append(f"exit status {status}, expected death by SIGKILL")
        expected = ["t.sinktrace"] if old_trace else []
        if entries(directory) != expected:
            problems.append(f"the directory holds {entries(directory)}, expected {expected}")
        elif old_trace and read(os.path.join(directory, "t.sinktrace")) != self.reference_bytes:
            problems.append("the old trace changed")
        return problems

    def kill_after(self, delay, old_trace):
        """SIGKILL from outside while the model runs."""
        name = f"kill-after-{delay}s" + ("-over-old" if old_trace else "")
        directory = self.fresh(name, old_trace)
        process = subprocess.Popen(self.command(os.path.join(directory, "t.sinktrace"),
                                                repeat=1000000))
        time.sleep(delay)
        running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        status = process.wait()
        problems = [] if running else ["the model was no longer running when killed"]
        problems += self.check_untouched(directory, old_trace, status)
        self.report(name, problems, "killed while running; " +
                    ("the old trace is unchanged" if old_trace else "the directory is empty"))

    def kill_at(self, syscalls, old_trace, leftover_expected=False):
        """SIGKILL injected by strace when the model enters the first of
        `syscalls` (the trace is the only file it writes)."""
        label = syscalls.split(",")[0]
        name = f"kill-at-{label}" + ("-over-old" if old_trace else "")
        directory = self.fresh(name, old_trace)
        trace = os.path.join(directory, "t.sinktrace")
        status = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull,
                                 "-e", f"trace={syscalls}",
                                 "-e", f"inject={syscalls}:signal=KILL:when=1"]
                                + self.command(trace)).returncode
        # strace exits with the signal number + 128 of a killed tracee.
        if status == 128 + signal.SIGKILL:
            status = -signal.SIGKILL
        leftovers = [e for e in entries(directory) if e != "t.sinktrace"]
        problems = []
        detail = ("the old trace is unchanged" if old_trace else "the directory is empty")
        if leftover_expected:
            if len(leftovers) != 1 or not re.fullmatch(r"\.t\.sinktrace\.tmp\.\d+\.\d+\.\d+",
                                                       leftovers[0]):
                problems.append(f"expected one hidden temporary file, found {leftovers}")
            else:
                detail += f"; left {leftovers[0]}"
                os.rename(os.path.join(directory, leftovers[0]),
                          os.path.join(self.work, "leftover"))
        problems += self.check_untouched(directory, old_trace, status)
        if leftover_expected and not problems:
            # Put it back; the next writer of t.sinktrace must remove it.
            os.rename(os.path.join(self.work, "leftover"),
                      os.path.join(directory, leftovers[0]))
            subprocess.run(self.command(trace), check=True)
            if entries(directory) != ["t.sinktrace"]:
                problems.append(f"after the next run the directory holds {entries(directory)}")
            else:
                detail += ", which the next run removed"
        self.report(name, problems, detail)

    def complete_run(self):
        directory = self.fresh("complete", old_trace=True)
        trace = os.path.join(directory, "t.sinktrace")
        subprocess.run(self.command(trace), check=True)
        problems = []
        if entries(directory) != ["t.sinktrace"]:
            problems.append(f"the directory holds {entries(directory)}")
        elif read(trace) != self.reference_bytes:
            problems.append("the trace differs from the reference run's")
        self.report("complete-run", problems, "the same bytes as the reference run")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    exe, prompts, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    cases = Cases(os.path.abspath(exe), prompts, work)
    for delay in (0.2, 1.0, 3.0):
        for old_trace in (False, True):
            cases.kill_after(delay, old_trace)
    if shutil.which("strace"):
        for old_trace in (False, True):
            cases.kill_at("fsync", old_trace)
            cases.kill_at("linkat", old_trace)
        # glibc's rename() may use any of the three system calls.
        cases.kill_at("rename,renameat,renameat2", True, leftover_expected=True)
    else:
        print("SKIP kill-at-*: no strace")
    cases.complete_run()
    print(f"{cases.count} cases, {cases.failures} failed")
    sys.exit(1 if cases.failures else 0)


if __name__ == "__main__":
    main()
