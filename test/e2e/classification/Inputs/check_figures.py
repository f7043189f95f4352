#!/usr/bin/env python3
"""Checks the SVG figures of `sink-trace plot --record all` against the trace.

usage: check_figures.py --trace T.json --stem OUT [--max-columns 256]

T.json is `sink-trace json` of the plotted trace and OUT the -o stem (the
figures are OUT-r<N>.svg, OUT-r<N>-heatmap.svg, -heads, -hidden, -mlp). Every
file must parse as XML (xml.etree) with an <svg> root in the SVG namespace,
and per record:
  heatmap: layers x columns cells, one column per position (prompts up to
           --max-columns) or bins that cover 0..T-1 in order and give every
           sink a column of its own; a cell is greyed ("masked") exactly when
           all its keys are seen by fewer than min_queries queries; one
           lifetime outline and one axis mark per sink, with its kind,
           creation layer and lifetime;
  heads:   layers x heads cells holding head_bos_mass;
  hidden:  per panel (hidden_norm, |hidden_cos_bos|) one line per sink
           (at most 8) and the median of the other tokens, one point per
           layer;
  mlp:     per sink one bar with its mlp_norm at the creation layer and one
           for the median of the other tokens there;
  overview: bos_mass per layer and no receiver seen by < min_queries queries.
Prints one line per record and "ok", or the differences and "FAIL".
"""

import argparse
import math
import xml.etree.ElementTree as ElementTree

from checker import Checker, load_json

SVG = "{http://www.w3.org/2000/svg}"


def parse(path, check):
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        check.error(f"{path}: {error}")
        return None
    if root.tag != SVG + "svg":
        check.error(f"{path}: root element {root.tag}")
        return None
    return root


def marks(root, tag, cls):
    return [e for e in root.iter(SVG + tag) if cls in (e.get("class") or "").split()]


def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trace", required=True)
    parser.add_argument("--stem", required=True)
    parser.add_argument("--max-columns", type=int, default=256)
    args = parser.parse_args()
    trace = load_json(args.trace)
    check = Checker("check_figures")
    for index, record in enumerate(trace["records"]):
        where = f"record {index}"
        T = record["sequence_length"]
        min_queries = record["classification"]["min_queries"]
        layers = [m["layer"] for m in record["measurements"]]
        sinks = [s for s in record["sinks"] if s["kind"] != "none"]
        stem = f"{args.stem}-r{index}"

        root = parse(stem + "-heatmap.svg", check)
        if root is not None:
            cells = marks(root, "rect", "cell")
            columns = sorted({(int(c.get("data-first")), int(c.get("data-last")))
                              for c in cells})
            if len(cells) != len(layers) * len(columns):
                check.error(f"{where}: {len(cells)} heatmap cells, "
                            f"{len(layers)} layers x {len(columns)} columns")
            covered = [p for first, last in columns for p in range(first, last + 1)]
            if covered != list(range(T)):
                check.error(f"{where}: the columns do not cover 0..{T - 1} once")
            if T <= args.max_columns and len(columns) != T:
                check.error(f"{where}: {len(columns)} columns for {T} positions")
            if T > args.max_columns and len(columns) > args.max_columns + 2 * len(sinks) + 2:
                check.error(f"{where}: {len(columns)} columns, more than the bins")
            for sink in sinks:
                if (sink["position"], sink["position"]) not in columns:
                    check.error(f"{where}: sink {sink['position']} has no column of its own")
            for cell in cells:
                first, last = int(cell.get("data-first")), int(cell.get("data-last"))
                masked = "masked" in cell.get("class").split()
                if masked != (T - first < min_queries):
                    check.error(f"{where}: cell {first}-{last} masked={masked}")
                    break
            want = sorted((s["position"], s["kind"], s["creation_layer"], s["lifetime"])
                          for s in sinks)
            got = sorted((int(r.get("data-position")), r.get("data-kind"),
                          int(r.get("data-creation")), int(r.get("data-lifetime")))
                         for r in marks(root, "rect", "lifetime"))
            if got != want:
                check.error(f"{where}: lifetimes {got}, trace {want}")
            marked = sorted(int(m.get("data-position"))
                            for m in marks(root, "polygon", "sink-mark"))
            if marked != sorted(s["position"] for s in sinks):
                check.error(f"{where}: sinks marked at {marked}")

        root = parse(stem + "-heads.svg", check)
        if root is not None:
            cells = marks(root, "rect", "cell")
            heads = len(record["measurements"][0]["head_bos_mass"] or [])
            if len(cells) != len(layers) * heads:
                check.error(f"{where}: {len(cells)} head cells, expected "
                            f"{len(layers)} x {heads}")
            for cell in cells:
                layer = layers.index(int(cell.get("data-layer")))
                head = int(cell.get("data-head"))
                value = record["measurements"][layer]["head_bos_mass"][head]
                if not close(float(cell.get("data-value")), value):
                    check.error(f"{where}: head cell {layer},{head} "
                                f"{cell.get('data-value')}, trace {value}")
                    break

        root = parse(stem + "-hidden.svg", check)
        if root is not None:
            lines = marks(root, "polyline", "series")
            shown = sinks if len(sinks) <= 8 else None
            for metric in ("hidden_norm", "|hidden_cos_bos|"):
                series = sorted(line.get("data-series") for line in lines
                                if line.get("data-metric") == metric)
                if shown is not None:
                    want = sorted(["median"] + [f"sink:{s['position']}" for s in shown])
                    if series != want:
                        check.error(f"{where}: {metric} series {series}, expected {want}")
                for line in lines:
                    if line.get("data-metric") == metric and \
                            len(line.get("points").split()) != len(layers):
                        check.error(f"{where}: {metric} {line.get('data-series')} "
                                    f"has {len(line.get('points').split())} points")

        root = parse(stem + "-mlp.svg", check)
        if root is not None:
            bars = marks(root, "rect", "bar")
            got = sorted((b.get("data-series"), int(b.get("data-position"))) for b in bars)
            want = sorted([("sink", s["position"]) for s in sinks[:24]] +
                          [("median", s["position"]) for s in sinks[:24]])
            if got != want:
                check.error(f"{where}: mlp bars {got}, expected {want}")
            for bar in bars:
                if bar.get("data-series") != "sink":
                    continue
                sink = next(s for s in sinks if s["position"] == int(bar.get("data-position")))
                layer = layers.index(sink["creation_layer"])
                value = record["measurements"][layer]["mlp_norm"][sink["position"]]
                if not close(float(bar.get("data-value")), value):
                    check.error(f"{where}: mlp bar of {sink['position']} "
                                f"{bar.get('data-value')}, trace {value}")

        root = parse(stem + ".svg", check)
        if root is not None:
            titles = [t.text or "" for t in root.iter(SVG + "title")]
            bos = [t for t in titles if " bos_mass " in t]
            if len(bos) != len(layers):
                check.error(f"{where}: {len(bos)} bos_mass points for {len(layers)} layers")
            for title in titles:
                if " position " in title:
                    position = int(title.split(" position ")[1].split()[0])
                    if T - position < min_queries:
                        check.error(f"{where}: overview ranks position {position}, "
                                    f"seen by {T - position} queries")
        print(f"{where}: {T} tokens, {len(layers)} layers, {len(sinks)} sinks")
    check.finish()


if __name__ == "__main__":
    main()
