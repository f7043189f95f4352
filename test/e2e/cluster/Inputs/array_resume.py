"""The Slurm path of tools/sink-batch on a throw-away localhost cluster
(slurm.py): submit a corpus as an array job, cancel one array task while it
runs (scancel JOB_TASK), let the others finish, resubmit the same command
(only the cancelled shard runs again), merge, and compare the merged trace
byte for byte with the trace of one process over all prompts.

Prints one line per step for FileCheck; any deviation raises.
"""

import argparse
import filecmp
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import slurm  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "lib"))
from script_help import add_required  # noqa: E402


def run(command, env, check=True):
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (
            " ".join(command), result.returncode, result.stdout,
            result.stderr))
    return result


def squeue(job, env, states=None):
    command = ["squeue", "-h", "-r", "-j", job, "-o", "%i %t"]
    if states:
        command += ["-t", states]
    out = run(command, env, check=False).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def diagnose(cluster, out):
    """What a person would look at when the job hangs: the queue with the
    pending reasons, the node's state and reason, the shard logs and the
    daemons' logs (stderr of the test, shown by lit on failure)."""
    env = cluster.env
    parts = []
    for command in (["squeue", "-h", "-r", "-o", "%i %t %r %M"],
                    ["sinfo", "-N", "-h", "-o", "%N %T %E"],
                    ["scontrol", "show", "node"]):
        result = run(command, env, check=False)
        parts.append("$ %s\n%s%s" % (" ".join(command), result.stdout,
                                      result.stderr))
    logs = os.path.join(out, "logs")
    for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else []:
        with open(os.path.join(logs, name)) as f:
            parts.append("--- %s\n%s" % (name, f.read()[-800:]))
    for name in ("slurmctld.log", "slurmd.log"):
        try:
            with open(cluster.path("log", name)) as f:
                parts.append("--- %s (last lines)\n%s" % (
                    name, "".join(f.readlines()[-40:])))
        except OSError:
            pass
    sys.stderr.write("\n".join(parts) + "\n")


def wait_for(job, cluster, out, timeout):
    deadline = time.monotonic() + timeout
    while squeue(job, cluster.env):
        if time.monotonic() > deadline:
            diagnose(cluster, out)
            raise RuntimeError("job %s still queued after %d s (queue, node "
                               "and logs above)" % (job, timeout))
        time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser()
    add_required(parser, "--exe", "--prompts-file", "--reference",
                 "--sink-batch", "--sink-trace", "--work")
    parser.add_argument("--shard-size", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=1,
                        help="--repeat of the executable (longer tasks)")
    # Waits, not timing assertions: a task takes about a second; the limit
    # only turns a hung cluster into a diagnosed failure.
    parser.add_argument("--timeout", type=int, default=300)
    args = parser.parse_args()

    reason = slurm.unavailable()
    if reason:
        print("SKIPPED: Slurm cannot run here: %s" % reason)
        return 0
    os.makedirs(args.work, exist_ok=True)
    out = os.path.join(args.work, "batch")
    submit = [args.sink_batch, args.exe, "--prompts-file", args.prompts_file,
              "-o", out, "--shard-size", str(args.shard_size),
              "--sink-trace", args.sink_trace, "--", "--quiet"]
    if args.repeat > 1:
        submit += ["--repeat", str(args.repeat)]
    with slurm.LocalSlurm(os.path.join(args.work, "slurm")) as cluster:
        env = cluster.env
        print("slurm: cluster up (%d CPUs)" % (os.cpu_count() or 1))
        first = run(submit, env).stdout
        sys.stdout.write(first)
        job = re.search(r"submitted job (\d+)", first).group(1)
        shards = json.load(open(os.path.join(out, "batch.json")))["shards"]

        # Cancel the first array task seen running, while it runs.
        deadline = time.monotonic() + args.timeout
        victim = None
        while victim is None:
            if time.monotonic() > deadline:
                diagnose(cluster, out)
                raise RuntimeError("no task of job %s ever ran" % job)
            running = squeue(job, env, "R")
            if running:
                victim = running[0][0]
                break
            time.sleep(0.02)
        task = int(victim.split("_")[1])
        # Wait until the task has started the executable (its log names the
        # command), so that the cancellation interrupts a model run.
        log_path = os.path.join(out, "logs", "shard-%d.log" % task)
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError("shard %d never started its executable"
                                   % task)
            started = os.path.exists(log_path) and \
                "--prompts-file" in open(log_path).read()
            if started:
                break
            time.sleep(0.02)
        time.sleep(0.3)
        run(["scancel", victim], env)
        print("cancelled array task %s while it was running" % "_".join(
            ["JOB", str(task)]))
        # Submitting again while tasks still run would run shards twice.
        early = run(submit, env, check=False)
        print("resubmitted while the job runs: exit %d: %s" % (
            early.returncode, early.stderr.strip()))
        wait_for(job, cluster, out, args.timeout)
        if os.path.exists(os.path.join(out, "shard-%d.sinktrace" % task)):
            raise RuntimeError("shard %d finished before it was cancelled; "
                               "make the shards longer" % task)
        log = open(os.path.join(out, "logs", "shard-%d.log" % task)).read()
        if "CANCELLED" not in log or "--prompts-file" not in log or \
                "exit 0 after" in log:
            raise RuntimeError("shard %d's log does not say it was "
                               "cancelled while running the executable:\n%s"
                               % (task, log))
        print("shard log says: cancelled while running the executable")
        status = run([args.sink_batch, "status", out], env, check=False)
        print("status exit %d: %s" % (status.returncode,
                                      status.stdout.splitlines()[-1]))

        # The same command again: only the cancelled shard is submitted.
        second = run(submit, env).stdout
        sys.stdout.write(second.replace("array %d " % task, "array TASK "))
        job2 = re.search(r"submitted job (\d+)", second).group(1)
        wait_for(job2, cluster, out, args.timeout)
        status = run([args.sink_batch, "status", out], env, check=False)
        print("status exit %d: %s" % (status.returncode,
                                      status.stdout.splitlines()[-1]))
        # Exit status per task, from the status files.
        codes = [json.load(open(os.path.join(out, "status",
                                             "shard-%d.json" % i)))
                 ["exit_code"] for i in range(shards)]
        print("task exit codes: %s" % sorted(set(codes)))

        third = run(submit, env).stdout
        sys.stdout.write(third)
        # A requeued or repeated task of a complete shard does nothing.
        again = run([args.sink_batch, "run-shard", out, "0"], env).stdout
        sys.stdout.write(re.sub(r"^(sink-batch: shard \d+: )\S+ on \S+: ",
                                r"\1", again))

    merged = os.path.join(out, "all.sinktrace")
    if not os.path.exists(merged):
        raise RuntimeError("no merged trace")
    stats = json.loads(run([args.sink_trace, "stats", "--format=json",
                            merged], os.environ).stdout)
    same = filecmp.cmp(merged, args.reference, shallow=False)
    print("merged trace: %d records, %s the single-process trace" % (
        stats["records"], "byte-identical to" if same else "DIFFERENT from"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
