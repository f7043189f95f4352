"""The done-when measurement of docs/cluster.md: a corpus through one
executable as one process, and as a Slurm array job (sink-batch, on the
throw-away localhost cluster of test/e2e/cluster/Inputs/slurm.py), and the
merged trace compared byte for byte with the one-process trace.

/usr/bin/python3 bench/cluster_sweep.py --exe llama --prompts-file p200.txt \
    --tasks 8 --work /tmp/sweep [--local 2] [--out sweep.json]

Wall times: `one_process` is the executable over all prompts (--threads 1);
`array` is from sink-batch's submission to the merged trace (squeue polled
every 0.1 s for the end of the job), and `tasks_span_seconds` from the first
task's start to the last task's end;
`local` (with --local N) is sink-batch --local N, merge included. The 1-minute
load average before each run is recorded: the machine has 2 cores.
"""

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e", "cluster", "Inputs"))
import slurm  # noqa: E402


def timed(command, env=None):
    load = os.getloadavg()[0]
    start = time.monotonic()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return {"seconds": round(time.monotonic() - start, 3),
            "load_before": round(load, 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", required=True)
    parser.add_argument("--prompts-file", required=True)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--local", type=int)
    parser.add_argument("--work", required=True)
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--out")
    args = parser.parse_args()
    sink_batch = os.path.join(args.bin, "sink-batch")
    sink_trace = os.path.join(args.bin, "sink-trace")
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    with open(args.prompts_file) as f:
        prompts = sum(1 for line in f if line.strip())
    shard = -(-prompts // args.tasks)
    result = {"prompts": prompts, "tasks": args.tasks, "shard_size": shard,
              "cpus": os.cpu_count()}

    one = os.path.join(args.work, "one.sinktrace")
    result["one_process"] = timed([args.exe, "--prompts-file",
                                   args.prompts_file, "--trace", one,
                                   "--quiet"])
    batch = [sink_batch, args.exe, "--prompts-file", args.prompts_file,
             "--shard-size", str(shard), "--sink-trace", sink_trace]
    if args.local:
        out = os.path.join(args.work, "local")
        result["local"] = timed(batch + ["-o", out, "--local",
                                         str(args.local), "--", "--quiet"])
        result["local"]["workers"] = args.local
        result["local"]["identical"] = filecmp.cmp(
            os.path.join(out, "all.sinktrace"), one, shallow=False)
    reason = slurm.unavailable()
    if reason:
        print("no Slurm: %s" % reason, file=sys.stderr)
    else:
        with slurm.LocalSlurm(os.path.join(args.work, "slurm")) as cluster:
            out = os.path.join(args.work, "array")
            # Not sbatch --wait: it polls the job with growing sleeps (2 s,
            # then 8 s, ...), which would add up to 8 s to a 6 s array.
            # squeue every 0.1 s instead, then sink-batch merge.
            load = os.getloadavg()[0]
            start = time.monotonic()
            submitted = subprocess.run(
                batch + ["-o", out, "--", "--quiet"], env=cluster.env,
                check=True, stdout=subprocess.PIPE, text=True).stdout
            job = submitted.split("submitted job ")[1].split()[0]
            while subprocess.run(["squeue", "-h", "-j", job],
                                 env=cluster.env, stdout=subprocess.PIPE,
                                 text=True).stdout.strip():
                time.sleep(0.1)
            subprocess.run([sink_batch, "merge", out], check=True,
                           stdout=subprocess.DEVNULL)
            result["array"] = {
                "seconds": round(time.monotonic() - start, 3),
                "load_before": round(load, 2)}
            result["array"]["identical"] = filecmp.cmp(
                os.path.join(out, "all.sinktrace"), one, shallow=False)
            tasks = []
            for i in range(args.tasks):
                with open(os.path.join(out, "status",
                                       "shard-%d.json" % i)) as f:
                    tasks.append(json.load(f))
            result["array"]["task_seconds"] = [t["seconds"] for t in tasks]
            # First task start to last task end: the array without sbatch's
            # and sink-batch's own start-up and the merge.
            result["array"]["tasks_span_seconds"] = round(
                max(t["end_time"] for t in tasks) -
                min(t["start_time"] for t in tasks), 3)
            result["array"]["task_peak_rss_mb"] = round(
                max(t["max_rss_kb"] for t in tasks) / 1024.0, 1)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
