#!/usr/bin/env python3
"""Checks `sink-trace report` of planted-sink traces against ground truth.

usage: check_report.py --report report.html --expected A.expected.json
                       [--expected B.expected.json ...]

The report must have been written from one trace per --expected file, in the
same order, with --figures=all. Read from the HTML alone (html.parser, no
browser): every record's sinks table lists exactly the planted sinks
(position, kind, creation layer, lifetime); every file's sink-level table and
every model's statistics list the planted levels with their counts; every
record's recv heatmap has layers x T cells (the planted prompts are short,
one column per position), outlines exactly the planted sinks' lifetimes and
marks each of them on the token axis. Prints one line per model and "ok", or
the differences and "FAIL" (exit 1).
"""

import argparse
from collections import Counter, defaultdict
from html.parser import HTMLParser

from checker import Checker, load_json


class Report(HTMLParser):
    def __init__(self):
        super().__init__()
        self.trace = None
        self.record = None
        self.table = None
        self.figure = None
        self.in_stats = False
        self.sinks = defaultdict(set)        # (trace, record) -> {(pos, kind, c, l)}
        self.levels = defaultdict(Counter)   # trace -> {(kind, c, l): count}
        self.stats_levels = defaultdict(Counter)  # model section -> ...
        self.model = None
        self.cells = Counter()               # (trace, record) -> heatmap cells
        self.lifetimes = defaultdict(set)    # (trace, record) -> {(pos, kind, c, l)}
        self.marks = defaultdict(set)        # (trace, record) -> {pos}
        self.layers = defaultdict(set)       # (trace, record) -> heatmap layers
        self.columns = defaultdict(set)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "section":
            if "model" in classes:
                self.model = a["id"]
                self.trace = None
                self.record = None
            elif "trace" in classes:
                self.trace = int(a["id"].split("-")[1])
                self.record = None
            elif "record" in classes:
                self.record = int(a["data-record"])
            self.in_stats = "stats" in classes
        elif tag == "table":
            self.table = classes[0] if classes else None
        elif tag == "figure":
            self.figure = classes[0] if classes else None
        elif tag == "tr" and "data-kind" in a:
            key = (a["data-kind"], int(a["data-creation"]), int(a["data-lifetime"]))
            if self.table == "sinks":
                self.sinks[(self.trace, self.record)].add(
                    (int(a["data-position"]),) + key)
            elif self.table == "levels":
                self.levels[self.trace][key] += int(a["data-count"])
            elif self.table == "stats-levels":
                self.stats_levels[self.model][key] += int(a["data-count"])
        elif self.figure == "heatmap" and tag == "rect":
            where = (self.trace, self.record)
            if "cell" in classes:
                self.cells[where] += 1
                self.layers[where].add(int(a["data-layer"]))
                self.columns[where].add((int(a["data-first"]), int(a["data-last"])))
            elif "lifetime" in classes:
                self.lifetimes[where].add(
                    (int(a["data-position"]), a["data-kind"],
                     int(a["data-creation"]), int(a["data-lifetime"])))
        elif self.figure == "heatmap" and tag == "polygon" and "sink-mark" in classes:
            self.marks[(self.trace, self.record)].add(int(a["data-position"]))

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure = None
        elif tag == "table":
            self.table = None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--report", required=True)
    parser.add_argument("--expected", action="append", required=True)
    args = parser.parse_args()

    report = Report()
    with open(args.report, encoding="utf-8") as f:
        report.feed(f.read())
    check = Checker("check_report")
    model_levels = defaultdict(Counter)
    model_section = {}
    for trace_index, path in enumerate(args.expected):
        expected = load_json(path)
        name = expected["name"]
        layers = expected["model"]["layers"]
        planted_levels = Counter()
        sinks = 0
        for record_index, prompt in enumerate(expected["prompts"]):
            where = (trace_index, record_index)
            label = f"{name} record {record_index}"
            want = {(s["position"], s["kind"], s["creation_layer"], s["lifetime"])
                    for s in prompt["sinks"]}
            sinks += len(want)
            for s in want:
                planted_levels[s[1:]] += 1
            got = report.sinks.get(where, set())
            if got != want:
                check.error(f"{label}: sinks table {sorted(got)}, planted {sorted(want)}")
            if report.lifetimes.get(where, set()) != want:
                check.error(f"{label}: heatmap lifetimes "
                            f"{sorted(report.lifetimes.get(where, set()))}, "
                            f"planted {sorted(want)}")
            if report.marks.get(where, set()) != {s[0] for s in want}:
                check.error(f"{label}: sinks marked at {sorted(report.marks.get(where, set()))}")
            length = prompt["length"]
            if report.cells[where] != layers * length or \
                    report.layers[where] != set(range(layers)) or \
                    len(report.columns[where]) != length:
                check.error(f"{label}: heatmap has {report.cells[where]} cells in "
                            f"{len(report.layers[where])} layers and "
                            f"{len(report.columns[where])} columns, expected "
                            f"{layers} x {length}")
        if report.levels.get(trace_index, Counter()) != planted_levels:
            check.error(f"{name}: sink levels {dict(report.levels.get(trace_index))}, "
                        f"planted {dict(planted_levels)}")
        model_levels[name] += planted_levels
        print(f"{name}: {len(expected['prompts'])} records, {sinks} sinks, "
              f"{len(planted_levels)} sink level(s) in the report")
    # One statistics section per model with at least two records.
    stats = list(report.stats_levels.values())
    names = [n for n in model_levels]
    for name in names:
        if model_levels[name] not in stats:
            check.error(f"{name}: no statistics section lists the planted levels "
                        f"{dict(model_levels[name])}")
    check.finish()


if __name__ == "__main__":
    main()
