#!/usr/bin/python3
"""Checks `sink-trace stats --format=json` of a planted-sink model against ground truth.

    check_stats.py --stats S.json --expected NAME.expected.json
                   --metrics NAME.metrics.npz [--files N]

S.json is `sink-trace stats --format=json` over traces of the model run on every
line of NAME.prompt.txt, in order (one trace, or several whose records follow
the prompts). Only the generator's files are trusted (docs/planted-sinks.md):
every count, histogram, quartile, token and level is recomputed here with numpy
from the planted sinks of expected.json (position, token, kind, creation layer,
lifetime) and the prompts' token ids, and the bos_mass per layer from the
float64 reference metrics.npz. Nothing sinkc produced serves as a reference.

Definitions (docs/trace-format.md, "sink-trace stats"): relative position =
position / (T - 1); quartiles interpolate linearly (numpy.percentile's
default); sd is the sample standard deviation (ddof = 1); tokens and levels
are ordered most frequent first / by (kind, creation layer, lifetime).

Counts must match exactly, fractions and quartiles to 1e-12, bos_mass figures
to 1e-4 (compiled float32 against the float64 reference). Prints one line and
exits 0, or the differences on stderr and exits 1.
"""
import argparse
import json
from collections import Counter, defaultdict

import numpy as np

from checker import Checker, load_json

KIND_ORDER = {"primary": 1, "secondary": 2}


def escape_byte(char):
    """sink-trace's spelling of a byte-level token (docs/tokenizers.md, "Traces")."""
    code = ord(char)
    specials = {"\n": "\\n", "\t": "\\t", "\\": "\\\\"}
    if char in specials:
        return specials[char]
    if 0x20 <= code < 0x7F:
        return char
    return f"\\x{code:02x}"


def distribution(values):
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return {"count": 0, "mean": None, "sd": None, "min": None, "q1": None,
                "median": None, "q3": None, "max": None}
    q = np.percentile(values, [0, 25, 50, 75, 100])
    return {"count": int(values.size), "mean": float(values.mean()),
            "sd": float(values.std(ddof=1)) if values.size > 1 else None,
            "min": float(q[0]), "q1": float(q[1]), "median": float(q[2]),
            "q3": float(q[3]), "max": float(q[4])}


def histogram(counter, key, count_key):
    return [{key: k, count_key: counter[k]} for k in sorted(counter)]


def token_rows(entries, occurrences, texts):
    """entries: token -> list of record indices, one per sink."""
    rows = [{"token": t, "text": texts.get(t, ""), "sinks": len(records),
             "sequences": len(set(records)), "occurrences": occurrences[t]}
            for t, records in entries.items()]
    rows.sort(key=lambda r: (-r["sinks"], r["token"]))
    return rows


class Comparison(Checker):
    def same(self, got, want, where, tolerance=0.0):
        if isinstance(want, dict):
            if not isinstance(got, dict) or set(got) != set(want):
                self.error(f"{where}: keys {sorted(got) if isinstance(got, dict) else got}"
                           f", expected {sorted(want)}")
                return
            for key in want:
                self.same(got[key], want[key], f"{where}.{key}", tolerance)
        elif isinstance(want, list):
            if not isinstance(got, list) or len(got) != len(want):
                self.error(f"{where}: {json.dumps(got)}, expected {json.dumps(want)}")
                return
            for index, (g, w) in enumerate(zip(got, want)):
                self.same(g, w, f"{where}[{index}]", tolerance)
        elif isinstance(want, float):
            if not isinstance(got, (int, float)) or abs(got - want) > tolerance:
                self.error(f"{where}: {got}, expected {want!r} (tolerance {tolerance})")
        elif got != want:
            self.error(f"{where}: {got!r}, expected {want!r}")


def expected_stats(expected, metrics):
    prompts = expected["prompts"]
    bos_id = expected["model"]["bos_id"]
    texts = {bos_id: "<bos>"}
    for sink in expected["planted"]["secondary"]:
        texts[sink["token_id"]] = escape_byte(sink["token_char"])
    occurrences = Counter(t for p in prompts for t in p["token_ids"])

    kinds = {}
    for kind in ("primary", "secondary"):
        per_sequence = Counter()
        relative = []
        positions = Counter()
        tokens = defaultdict(list)
        for index, prompt in enumerate(prompts):
            T = len(prompt["token_ids"])
            assert T == prompt["length"]
            sinks = [s for s in prompt["sinks"] if s["kind"] == kind]
            per_sequence[len(sinks)] += 1
            for s in sinks:
                assert prompt["token_ids"][s["position"]] == s["token_id"]
                relative.append(s["position"] / (T - 1) if T > 1 else 0.0)
                positions[s["position"]] += 1
                tokens[s["token_id"]].append(index)
        kinds[kind] = {
            "sinks": len(relative),
            "sequences_with_sink": len(prompts) - per_sequence[0],
            "per_sequence": {
                "histogram": histogram(per_sequence, "sinks", "sequences"),
                "distribution": distribution(
                    [n for n, c in per_sequence.items() for _ in range(c)])},
            "relative_position": distribution(relative),
            "positions": histogram(positions, "position", "sinks"),
            "tokens": token_rows(tokens, occurrences, texts),
        }

    all_sinks = Counter(len(p["sinks"]) for p in prompts)
    levels = defaultdict(lambda: defaultdict(list))
    for index, prompt in enumerate(prompts):
        for s in prompt["sinks"]:
            levels[(s["kind"], s["creation_layer"], s["lifetime"])][s["token_id"]].append(index)
    level_rows = []
    for (kind, creation, lifetime) in sorted(levels, key=lambda k: (KIND_ORDER[k[0]], k[1], k[2])):
        entries = levels[(kind, creation, lifetime)]
        level_rows.append({
            "kind": kind, "creation_layer": creation, "lifetime": lifetime,
            "count": sum(len(r) for r in entries.values()),
            "sequences": len({i for r in entries.values() for i in r}),
            "tokens": token_rows(entries, occurrences, texts)})

    layers = expected["model"]["layers"]
    bos_mass = np.stack([metrics[f"p{i}_bos_mass"].astype(np.float64)
                         for i in range(len(prompts))])
    assert bos_mass.shape == (len(prompts), layers)
    with_secondary = kinds["secondary"]["sequences_with_sink"]
    return {
        "model": {"name": expected["name"], "layers": layers,
                  "heads": expected["model"]["heads"], "bos": bos_id},
        "records": len(prompts),
        "positions": sum(len(p["token_ids"]) for p in prompts),
        "layers": list(range(layers)),
        "thresholds": {"tau": float(expected["thresholds"]["tau"]),
                       "epsilon": float(expected["thresholds"]["eps"])},
        "sequences_with_secondary": with_secondary,
        "fraction_with_secondary": with_secondary / len(prompts),
        "sinks_per_sequence": {
            "histogram": histogram(all_sinks, "sinks", "sequences"),
            "distribution": distribution(
                [n for n, c in all_sinks.items() for _ in range(c)])},
        "kinds": kinds,
        "levels": level_rows,
        "bos_mass": [{"layer": l, "distribution": distribution(bos_mass[:, l])}
                     for l in range(layers)],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stats", required=True)
    parser.add_argument("--expected", required=True)
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--files", type=int, default=1)
    args = parser.parse_args()
    got = load_json(args.stats)
    want = expected_stats(load_json(args.expected), np.load(args.metrics))

    check = Comparison("check_stats")
    check.same(len(got["files"]), args.files, "files")
    check.same({k: got["model"][k] for k in want["model"]}, want["model"], "model")
    for key in ("records", "positions", "layers", "sequences_with_secondary",
                "kinds", "levels", "sinks_per_sequence"):
        check.same(got[key], want[key], key, tolerance=1e-12)
    check.same(got["fraction_with_secondary"], want["fraction_with_secondary"],
               "fraction_with_secondary", tolerance=1e-12)
    check.same({k: got["classification"][k] for k in ("tau", "epsilon")},
               want["thresholds"], "classification", tolerance=1e-6)
    check.same(got["bos_mass"], want["bos_mass"], "bos_mass", tolerance=1e-4)

    kinds = want["kinds"]
    summary = (f"{want['model']['name']}: {want['records']} records in {args.files} "
               f"file(s), {kinds['primary']['sinks']} primary and "
               f"{kinds['secondary']['sinks']} secondary sinks, "
               f"{want['sequences_with_secondary']} sequence(s) with secondary sinks, "
               f"{len(want['levels'])} sink level(s)")
    check.finish(summary)


if __name__ == "__main__":
    main()
