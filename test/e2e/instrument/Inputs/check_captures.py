#!/usr/bin/python3
"""Checks the captures file of a `sinkc --capture` run against ground truth and numpy.

    check_captures.py --python BUILD/python --trace T.sinktrace --model M.onnx
                      --prompts P.txt --expected E.json --metrics M.npz
                      [--family llama] [--cap L,C,N,S] [--rtol 1e-5]

The captures file (T.captures.npz, next to the trace, read with
sinktrace.load_captures) must hold exactly the rows docs/captures.md defines,
computed here from the generator's ground truth (E.json: the planted sinks of
every prompt) and the prompts alone, not from the trace: every planted sink,
in position order, and with tokens=sinks+matched, for every sink token id
with k sinks, the first min(k, n) of its n non-sink positions, the j-th the
matched control of the j-th sink (`matched_to` links both ways; -1 for a
sink without a control). The trace's own sinks must be those too.

Every captured vector must equal the state of a float64 numpy forward pass of
the ONNX file's weights (check_kv.py's, which records the block inputs and
the MLP states) within --rtol of the row's largest magnitude (at least 1):
`hidden` is the block input x_l, `mlp_input` the MLP's input after its norm,
`mlp_out` the MLP output. With --cap L,C,N,S (the spec of --intervene
mlp-norm-cap), block L's MLP output is capped as check_steering.py does
before it is added to the residual stream, and `mlp_out` of L is the capped
value. The forward pass first proves that it reads the model right: without
a cap, its logits must match the generator's (M.npz, p<i>_logits) within
1e-5.

Prints one line per check and exits 1 on any failure.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "intervene", "Inputs"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "lib"))
import check_kv  # noqa: E402  (the shared forward pass)
import check_steering  # noqa: E402  (the norm cap)
from script_help import add_required  # noqa: E402

KINDS = {"primary": 1, "secondary": 2}


def fail(message):
    print(f"check_captures: error: {message}", file=sys.stderr)
    sys.exit(1)


def read_prompts(path):
    with open(path) as stream:
        return [[int(v) for v in line.split(",")] for line in stream
                if line.strip()]


def parse_spec(spec, layers):
    """(layers, states, tokens) of a canonical --capture spec."""
    keys, key = {}, None
    for item in spec.split(","):
        if "=" in item:
            key, item = item.split("=", 1)
            keys[key] = []
        keys[key].append(item)
    if keys["layers"] == ["all"]:
        selected = list(range(layers))
    else:
        selected = []
        for item in keys["layers"]:
            first, _, last = item.partition("-")
            selected += range(int(first), int(last or first) + 1)
    return selected, keys["states"], keys["tokens"][0]


def expected_rows(prompts, expected, tokens):
    """(record, prompt, batch_row, position, token, kind, is_sink,
    matched_to) of every row, from the ground truth."""
    rows = []
    for record, ids in enumerate(prompts):
        sinks = {s["position"]: s["kind"]
                 for s in expected["prompts"][record]["sinks"]}
        partner = {position: -1 for position in sinks}
        controls = {}
        if tokens == "sinks+matched":
            for token in sorted({ids[p] for p in sinks}):
                mine = sorted(p for p in sinks if ids[p] == token)
                others = [p for p, t in enumerate(ids)
                          if t == token and p not in sinks]
                for sink, control in zip(mine, others):
                    partner[sink] = control
                    controls[control] = sink
        for position in sorted(set(sinks) | set(controls)):
            if position in sinks:
                rows.append((record, record, 0, position, ids[position],
                             KINDS[sinks[position]], True, partner[position]))
            else:
                rows.append((record, record, 0, position, ids[position], 0,
                             False, controls[position]))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_required(parser, "--python", "--trace", "--model", "--prompts",
                 "--expected", "--metrics")
    parser.add_argument("--family", default="llama",
                        choices=sorted(check_kv.FAMILIES))
    parser.add_argument("--cap", default="")
    parser.add_argument("--rtol", type=float, default=1e-5)
    args = parser.parse_args()
    sys.path.insert(0, args.python)
    import sinktrace

    trace = sinktrace.load(args.trace)
    captures = sinktrace.load_captures(sinktrace.captures_path(args.trace))
    prompts = read_prompts(args.prompts)
    with open(args.expected) as stream:
        expected = json.load(stream)
    layers = trace.model["layers"]
    ok = True

    # What the spec selects.
    chosen, states, tokens = parse_spec(captures.spec, layers)
    if captures.model != trace.model["name"]:
        fail(f"the captures are of model {captures.model!r}, the trace of "
             f"{trace.model['name']!r}")
    if captures.tokens_mode != tokens:
        fail(f"tokens_mode {captures.tokens_mode} for spec {captures.spec}")
    wanted = sorted((layer, state) for layer in chosen for state in states)
    if sorted(captures.states) != wanted:
        fail(f"the file has the states {sorted(captures.states)}; the spec "
             f"{captures.spec} selects {wanted}")

    # The rows: exactly the planted sinks and their matched controls.
    if len(trace.records) != len(prompts):
        fail(f"the trace has {len(trace.records)} records for "
             f"{len(prompts)} prompts")
    for record, ids in zip(trace.records, prompts):
        classified = sorted(int(p) for p in
                            record.sinks["position"][record.sinks["kind"] != "none"])
        planted = sorted(s["position"] for s in
                         expected["prompts"][record.prompt]["sinks"])
        if list(record.tokens) != ids or classified != planted:
            fail(f"record {record.prompt}: the trace's sinks {classified} are "
                 f"not the planted {planted}")
    index = captures.index
    actual = [(int(r["record"]), int(r["prompt"]), int(r["batch_row"]),
               int(r["position"]), int(r["token"]),
               {"none": 0, "primary": 1, "secondary": 2}[r["kind"]],
               bool(r["is_sink"]), int(r["matched_to"])) for r in index]
    reference = expected_rows(prompts, expected, tokens)
    sinks = sum(1 for row in reference if row[6])
    controls = len(reference) - sinks
    unmatched = sum(1 for row in reference if row[6] and row[7] < 0)
    same = actual == reference
    print(f"rows: {len(actual)} ({sinks} sinks, {controls} matched controls, "
          f"{unmatched} sinks without a control) = the planted sinks and "
          f"their matched controls: {'ok' if same else 'FAIL'}")
    pairs = [(int(index[s]["record"]), int(index[s]["position"]),
              int(index[c]["position"])) for s, c in captures.pairs()]
    print(f"pairs (record, sink, control): {pairs}")
    if not same:
        for row in sorted(set(actual) ^ set(reference)):
            print(f"  {'extra' if row in actual else 'missing'} {row}")
        ok = False

    # The vectors: a float64 forward pass of the same weights.
    model = onnx.load(args.model)
    heads = trace.model["heads"]
    cap = check_steering.parse_cap(args.cap)
    reference_metrics = np.load(args.metrics)

    def capped(layer, out):
        if cap is None or layer != cap["layer"]:
            return out
        return check_steering.norm_cap(out[0], cap)[None]

    worst_logits = 0.0
    forward = []
    for number, ids in enumerate(prompts):
        tokens_array = np.asarray([ids], dtype=np.int64)
        params = check_kv.Parameters(model)
        logits, _, _ = check_kv.FAMILIES[args.family](params, tokens_array,
                                                      layers, heads)
        params.done()
        stored = reference_metrics[f"p{number}_logits"].astype(np.float64)
        worst_logits = max(worst_logits, float(np.abs(logits[0] - stored).max()))
        params = check_kv.Parameters(model)
        if args.family == "llama":
            _, _, mlp = check_kv.forward_llama(params, tokens_array, layers,
                                               heads, mlp_output=capped)
        else:
            if cap is not None:
                fail("--cap is implemented for the llama family only")
            _, _, mlp = check_kv.FAMILIES[args.family](params, tokens_array,
                                                       layers, heads)
        forward.append(mlp)
    print(f"numpy forward: logits within {worst_logits:.2g} of the generator's")
    if not worst_logits <= 1e-5:
        fail("the numpy forward pass does not reproduce the generator's logits")

    def state_of(mlp, layer, state):
        if state == "hidden":
            return mlp.hidden[layer][0]
        return mlp.layers[layer]["input" if state == "mlp_input" else "output"][0]

    rows = [(int(r["record"]), int(r["position"])) for r in index]
    for layer, state in wanted:
        ours = captures.state(layer, state).astype(np.float64)
        if not len(rows):
            print(f"layer{layer}.{state}: no rows")
            continue
        ref = np.stack([state_of(forward[record], layer, state)[position]
                        for record, position in rows])
        if ours.shape != ref.shape:
            print(f"layer{layer}.{state}: shape {ours.shape} != reference "
                  f"{ref.shape} FAIL")
            ok = False
            continue
        scale = np.maximum(np.abs(ref).max(axis=1, keepdims=True), 1.0)
        relative = float((np.abs(ours - ref) / scale).max())
        absolute = float(np.abs(ours - ref).max())
        good = relative <= args.rtol and not np.isnan(ours).any()
        print(f"layer{layer}.{state}: {len(rows)} rows x {ours.shape[1]}, max "
              f"|diff| {absolute:.2g}, {relative:.2g} of max(|row|, 1) "
              f"(tolerance {args.rtol:g}) {'ok' if good else 'FAIL'}")
        ok &= good
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
