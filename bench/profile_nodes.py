#!/usr/bin/python3
"""Attribute a perf profile of a sinkc executable to ONNX nodes and op types.

Compile with `sinkc -g` (line numbers are node indices, OUT.nodes.tsv maps
them), record with `perf record -o perf.data ./OUT ... --repeat N`, then:

    bench/profile_nodes.py perf.data OUT.nodes.tsv [--top 30]
"""
import argparse
import collections
import re
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("perf_data")
    parser.add_argument("nodes_tsv")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    nodes = {}
    with open(args.nodes_tsv) as table:
        next(table)
        for line in table:
            index, name, op = line.rstrip("\n").split("\t")
            nodes[int(index)] = (name, op)

    report = subprocess.run(
        ["perf", "report", "-i", args.perf_data, "--no-children",
         "--sort", "srcline", "--stdio"],
        capture_output=True, text=True, check=True).stdout
    by_node = collections.Counter()
    by_op = collections.Counter()
    other = collections.Counter()
    for line in report.splitlines():
        match = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
        if not match:
            continue
        share, where = float(match.group(1)), match.group(2)
        located = re.match(r".*\.onnx:(\d+)$", where)
        if located and int(located.group(1)) in nodes:
            name, op = nodes[int(located.group(1))]
            by_node[(name, op)] += share
            by_op[op] += share
        else:
            other[where] += share
    print("share  op type")
    for op, share in by_op.most_common():
        print(f"{share:5.1f}%  {op}")
    print(f"{sum(other.values()):5.1f}%  (not attributed to a node: "
          f"{', '.join(w for w, _ in other.most_common(4))})")
    print("\nshare  node")
    for (name, op), share in by_node.most_common(args.top):
        print(f"{share:5.1f}%  {name}  ({op})")


if __name__ == "__main__":
    sys.exit(main())
