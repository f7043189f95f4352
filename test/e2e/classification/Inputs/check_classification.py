#!/usr/bin/python3
"""Checks the sink classification of a trace against ground truth.

    check_classification.py planted --trace T.json --expected NAME.expected.json
    check_classification.py trained --trace T.json --ref ref_llama.npz
                            --stats sinkstats_llama.json [--candidates]
    check_classification.py tokens --ref ref_llama.npz --out PROMPTS.txt

T.json is the output of `sink-trace json`. Only the references are trusted: the
expected sinks of a planted-sink model (docs/planted-sinks.md), or the PyTorch
reference values of the trained Llama. Nothing sinkc produced is used as a
reference.

planted: the trace must report exactly the planted sinks of every prompt: position,
  token, kind, creation layer, lifetime (one run: end layer and flagged layers follow
  from it), and no other sink; per layer, the flags of a planted sink must be set
  exactly in its lifetime, with the criteria of `criteria_by_layer` wherever neither
  quantity is near its threshold (`margins.criterion_near_threshold`), and every
  other (layer, position) must be unflagged; the sink levels must be the planted
  sinks grouped by (kind, creation layer, lifetime), hits in record order; the
  thresholds must be the generator's.

trained: the trained byte-level Llama on the four sequences of ref_llama.npz, which
  are the first four of the 32 sequences that sinkstats_llama.json summarises.
  Without --candidates the trace must use the default thresholds and:
  - BOS is the primary sink of every record (created at layer 0, flagged at every
    layer) by the hidden-state cosine criterion alone: its attention mass
    (recv_mean[l, s, 0]) is below epsilon at every layer, as sinkstats'
    bos_mass_per_layer says on average;
  - its hidden-state and MLP-output norms per layer are sinkstats'
    hidden_norm_bos_per_layer[l] and mlp_norm_bos_per_layer[l]: position 0 is
    computed identically in every sequence, and both use l = the residual stream
    entering decoder block l (HF hidden_states[l]; sinkstats' extra last entry is the
    final norm's output, which has no trace layer);
  - no other token is a sink: no non-BOS recv reaches epsilon with min_queries
    queries (checked on recv_mean) and the largest non-BOS received values of
    sinkstats (0.21) stay below it.
  With --candidates the trace was run with a lower epsilon and the min_queries that
  sinkstats used for top_nonbos_received (keys at positions 1..T-17, i.e. seen by at
  least 17 queries). Then the (layer, record, position) flagged by attention at a
  non-BOS position must be exactly the entries of top_nonbos_received for sequences
  0-3 whose value is >= epsilon, with the same token byte and recv within 1e-4 of the
  listed value; the same set is recomputed from recv_mean as a cross-check.

tokens: writes the rows of ref_llama.npz's input_ids as a prompts file (one prompt per
  line) for the executables' --tokens-file.

Prints one line per record and a final summary line; exits 1 on any mismatch.
"""
import argparse
import json
from collections import OrderedDict

from checker import Checker, load_json

CRITERION_BITS = {"hidden_cosine": 1, "attention": 2}
# criteria_by_layer in expected.json -> trace flag bits
EXPECTED_BITS = {"cos": 1, "recv": 2, "cos+recv": 3}


def sink_text(position, token, kind, creation, lifetime):
    return f"{kind} {position}:{token} created {creation} lifetime {lifetime}"


def check_planted(args):
    trace = load_json(args.trace)
    expected = load_json(args.expected)
    check = Checker("check_classification")
    name = expected["name"]
    layers = expected["model"]["layers"]
    prompts = expected["prompts"]
    check.expect(trace["model"]["name"] == name,
                 f"trace is of model {trace['model']['name']}, expected {name}")
    check.expect(trace["model"]["layers"] == layers,
                 f"trace model has {trace['model']['layers']} layers, expected {layers}")
    records = trace["records"]
    if not check.expect(len(records) == len(prompts),
                        f"{len(records)} records for {len(prompts)} prompts"):
        check.finish(name)

    levels = OrderedDict()
    counts = {"primary": 0, "secondary": 0}
    for index, (record, prompt) in enumerate(zip(records, prompts)):
        where = f"record {index}"
        rules = record["classification"]
        check.expect(abs(rules["tau"] - expected["thresholds"]["tau"]) < 1e-6 and
                     abs(rules["epsilon"] - expected["thresholds"]["eps"]) < 1e-6,
                     f"{where}: thresholds tau={rules['tau']} epsilon={rules['epsilon']}, "
                     f"expected the generator's {expected['thresholds']}")
        check.expect(sorted(rules["criteria_available"]) == ["attention", "hidden_cosine"],
                     f"{where}: criteria {rules['criteria_available']}, expected both")
        check.expect(record["layers"] == list(range(layers)),
                     f"{where}: instrumented layers {record['layers']}, expected all")
        check.expect(record["tokens"] == prompt["token_ids"],
                     f"{where}: tokens differ from prompt {prompt['index']}")
        T = record["sequence_length"]
        min_queries = rules["min_queries"]

        got = {s["position"]: s for s in record["sinks"] if s["kind"] != "none"}
        want = {s["position"]: s for s in prompt["sinks"]}
        for position in sorted(set(got) | set(want)):
            g, w = got.get(position), want.get(position)
            if w is None:
                check.expect(False, f"{where}: unexpected sink " + sink_text(
                    position, g["token"], g["kind"], g["creation_layer"], g["lifetime"]))
                continue
            wanted = sink_text(position, w["token_id"], w["kind"], w["creation_layer"],
                               w["lifetime"])
            if g is None:
                check.expect(False, f"{where}: missing sink {wanted}")
                continue
            found = sink_text(position, g["token"], g["kind"], g["creation_layer"],
                              g["lifetime"])
            check.expect(found == wanted, f"{where}: found {found}, planted {wanted}")
            end = w["creation_layer"] + w["lifetime"] - 1
            check.expect(g["end_layer"] == end and g["flagged_layers"] == w["lifetime"],
                         f"{where}: {wanted}: end layer {g['end_layer']} and "
                         f"{g['flagged_layers']} flagged layers, expected {end} and one run")

        # Per-layer flags: planted sinks only, within their lifetime, with the
        # planted criterion wherever it is not near its threshold.
        uncertain = {(e["layer"], e["position"])
                     for e in prompt["margins"]["criterion_near_threshold"]}
        planted_flags = {}
        for w in prompt["sinks"]:
            for offset, criteria in enumerate(w["criteria_by_layer"]):
                bits = EXPECTED_BITS[criteria]
                # The attention criterion needs min_queries queries (metrics.md);
                # the generator's rule has no such condition.
                if T - w["position"] < min_queries:
                    bits &= ~CRITERION_BITS["attention"]
                planted_flags[(w["creation_layer"] + offset, w["position"])] = bits
        for layer_index, layer in enumerate(record["measurements"]):
            check.expect(layer["layer"] == layer_index,
                         f"{where}: measurement {layer_index} is layer {layer['layer']}")
            for position, flags in enumerate(layer["flags"]):
                key = (layer_index, position)
                bits = planted_flags.get(key, 0)
                if key in uncertain:
                    ok = (flags != 0) == (bits != 0)
                else:
                    ok = flags == bits
                check.expect(ok, f"{where}: layer {layer_index} position {position}: "
                                 f"flags {flags}, planted {bits}"
                                 + (" (criterion near threshold)" if key in uncertain else ""))

        for w in prompt["sinks"]:
            counts[w["kind"]] += 1
            level = levels.setdefault((w["kind"], w["creation_layer"], w["lifetime"]), [])
            level.append({"record": index, "position": w["position"],
                          "token": w["token_id"]})
        print(f"{where}: {T} tokens, sinks " + "; ".join(
            f"{s['position']}:{s['token_id']} {s['kind']} {s['creation_layer']}+{s['lifetime']}"
            for s in prompt["sinks"]))

    kind_order = {"primary": 1, "secondary": 2}
    want_levels = [dict(kind=k, creation_layer=c, lifetime=life, count=len(hits), hits=hits)
                   for (k, c, life), hits in sorted(
                       levels.items(), key=lambda e: (kind_order[e[0][0]], e[0][1], e[0][2]))]
    got_levels = trace["levels"]
    check.expect(got_levels == want_levels,
                 f"sink levels {json.dumps(got_levels)}, planted {json.dumps(want_levels)}")
    check.finish(f"{name}: {len(records)} records, {counts['primary']} primary and "
                 f"{counts['secondary']} secondary sinks, {len(want_levels)} sink level(s)")


def check_trained(args):
    import numpy as np

    trace = load_json(args.trace)
    ref = np.load(args.ref)
    stats = load_json(args.stats)
    check = Checker("check_classification")
    input_ids = ref["input_ids"]
    recv_mean = ref["recv_mean"].astype(np.float64)  # [layers, sequences, T]
    layers = stats["layers"]
    records = trace["records"]
    if not check.expect(len(records) == input_ids.shape[0],
                        f"{len(records)} records, expected {input_ids.shape[0]}"):
        check.finish("trained")
    T = input_ids.shape[1]
    # ref_llama's sequences are the first four of sinkstats' 32: the values it
    # lists for them are recv_mean's. Checked here so that everything below may
    # use either.
    for l, s, p, value, byte in stats["top_nonbos_received"]:
        if s < input_ids.shape[0]:
            check.expect(abs(recv_mean[l, s, p] - value) < 1e-4 and input_ids[s, p] == byte,
                         f"sinkstats entry {(l, s, p, value, byte)} is not ref_llama's "
                         f"recv_mean {recv_mean[l, s, p]:.4f} / byte {input_ids[s, p]}")

    rules = records[0]["classification"]
    epsilon, min_queries = rules["epsilon"], rules["min_queries"]
    if not args.candidates:
        check.expect((rules["tau"], rules["epsilon"], rules["min_queries"]) == (0.9, 0.3, 4),
                     f"thresholds {rules}, expected the defaults tau 0.9, epsilon 0.3, "
                     f"min_queries 4")
    # sinkstats' top_nonbos_received covers positions 1..T-17.
    stats_min_queries = 17
    for index, record in enumerate(records):
        where = f"record {index}"
        check.expect(record["tokens"] == input_ids[index].tolist(),
                     f"{where}: tokens are not ref_llama's input_ids[{index}]")
        check.expect(record["layers"] == list(range(layers)),
                     f"{where}: instrumented layers {record['layers']}")
        check.expect(record["classification"] == rules, f"{where}: other thresholds")
        bos = record["sinks"][0]
        if args.candidates:
            continue
        check.expect(bos["kind"] == "primary" and bos["creation_layer"] == 0 and
                     bos["lifetime"] == layers and bos["criteria"] == ["hidden_cosine"],
                     f"{where}: BOS is {bos}, expected primary, created 0, lifetime "
                     f"{layers}, by hidden_cosine only")
        for l in range(layers):
            check.expect(recv_mean[l, index, 0] < epsilon,
                         f"{where}: reference BOS attention {recv_mean[l, index, 0]:.3f} "
                         f"at layer {l} reaches epsilon")
            m = record["measurements"][l]
            for metric, key in (("hidden_norm", "hidden_norm_bos_per_layer"),
                                ("mlp_norm", "mlp_norm_bos_per_layer")):
                want = stats[key][l]
                check.expect(abs(m[metric][0] - want) <= 1e-3 * want,
                             f"{where}: {metric}[{l}][0] = {m[metric][0]:.4f}, sinkstats "
                             f"{key}[{l}] = {want:.4f}")
            check.expect(m["flags"][0] == CRITERION_BITS["hidden_cosine"],
                         f"{where}: BOS flags {m['flags'][0]} at layer {l}")
        others = [s for s in record["sinks"][1:] if s["kind"] != "none"]
        check.expect(not others, f"{where}: non-BOS sinks {others}")
        visible = recv_mean[:, index, 1:T - min_queries + 1]
        check.expect(visible.max() < epsilon,
                     f"{where}: reference non-BOS recv {visible.max():.3f} reaches epsilon")
        print(f"{where}: BOS primary 0+{bos['lifetime']} by hidden_cosine; "
              f"largest non-BOS recv (reference, >= {min_queries} queries) "
              f"{visible.max():.4f}")

    if not args.candidates:
        top = max(entry[3] for entry in stats["top_nonbos_received"])
        check.expect(top < epsilon, f"sinkstats' largest non-BOS recv {top} >= epsilon")
        bos_mass = max(stats["bos_mass_per_layer"])
        check.expect(bos_mass < epsilon, f"sinkstats' bos_mass {bos_mass} >= epsilon")
        check.finish(f"trained: {len(records)} records, BOS primary by hidden_cosine only "
                     f"(sinkstats bos_mass <= {bos_mass:.3f}, largest non-BOS recv "
                     f"{top:.4f} < epsilon {epsilon:g})")
        return

    check.expect(min_queries == stats_min_queries,
                 f"--candidates needs the trace run with --min-queries {stats_min_queries}, "
                 f"got {min_queries}")
    listed_min = min(entry[3] for entry in stats["top_nonbos_received"])
    # The list holds the 60 largest values: it is complete only down to its minimum.
    check.expect(epsilon > listed_min,
                 f"epsilon {epsilon} is below the smallest listed value {listed_min}")
    want = {(l, s, p): (value, byte) for l, s, p, value, byte in stats["top_nonbos_received"]
            if s < len(records) and value >= epsilon}
    from_ref = {(int(l), int(s), int(p) + 1) for l, s, p in
                zip(*np.nonzero(recv_mean[:, :len(records), 1:T - stats_min_queries + 1]
                                >= epsilon))}
    check.expect(set(want) == from_ref,
                 f"sinkstats and recv_mean disagree above {epsilon}: "
                 f"{sorted(set(want) ^ from_ref)}")
    got = {}
    for index, record in enumerate(records):
        for m in record["measurements"]:
            for position in range(1, T):
                if m["flags"][position] & CRITERION_BITS["attention"]:
                    got[(m["layer"], index, position)] = (m["recv"][position],
                                                          record["tokens"][position])
    check.expect(set(got) == set(want),
                 f"attention-flagged (layer, record, position): extra "
                 f"{sorted(set(got) - set(want))}, missing {sorted(set(want) - set(got))}")
    for key in sorted(set(got) & set(want)):
        (value, byte), (recv, token) = want[key], got[key]
        check.expect(abs(recv - value) <= 1e-4 and token == byte,
                     f"{key}: trace recv {recv:.5f} token {token}, sinkstats {value} byte {byte}")
        print(f"candidate layer {key[0]} record {key[1]} position {key[2]} byte {byte}: "
              f"recv {recv:.4f} (sinkstats {value:.4f})")
    # Each candidate token, classified from its listed layers by the rule of
    # docs/metrics.md: creation = first flagged layer, lifetime = first run,
    # primary only when created early and persisting.
    early, late = max(1, -(-layers // 4)), layers - 1 - layers // 8
    flagged = {}
    for l, s, p in want:
        flagged.setdefault((s, p), set()).add(l)
    for (s, p), layer_set in sorted(flagged.items()):
        creation = min(layer_set)
        lifetime = 1
        while creation + lifetime in layer_set:
            lifetime += 1
        kind = ("primary" if creation < early and creation + lifetime - 1 >= late
                else "secondary")
        sink = records[s]["sinks"][p]
        found = (sink["kind"], sink["creation_layer"], sink["lifetime"], sink["flagged_layers"])
        check.expect(found == (kind, creation, lifetime, len(layer_set)),
                     f"record {s} position {p}: (kind, creation, lifetime, flagged layers) "
                     f"{found}, expected {(kind, creation, lifetime, len(layer_set))}")
    others = [(index, s["position"]) for index, record in enumerate(records)
              for s in record["sinks"][1:]
              if s["kind"] != "none" and (index, s["position"]) not in flagged]
    check.expect(not others, f"sinks besides BOS and the candidates: {others}")
    check.finish(f"trained candidates: {len(got)} attention flags at epsilon {epsilon:g}, "
                 f"min_queries {min_queries}, all in sinkstats' top_nonbos_received")


def write_tokens(args):
    import numpy as np

    with open(args.out, "w") as f:
        for row in np.load(args.ref)["input_ids"]:
            f.write(",".join(str(int(v)) for v in row) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    planted = sub.add_parser("planted")
    planted.set_defaults(run=check_planted)
    planted.add_argument("--trace", required=True, help="sink-trace json output")
    planted.add_argument("--expected", required=True)
    trained = sub.add_parser("trained")
    trained.set_defaults(run=check_trained)
    trained.add_argument("--trace", required=True, help="sink-trace json output")
    trained.add_argument("--ref", required=True)
    trained.add_argument("--stats", required=True)
    trained.add_argument("--candidates", action="store_true")
    tokens = sub.add_parser("tokens")
    tokens.set_defaults(run=write_tokens)
    tokens.add_argument("--ref", required=True)
    tokens.add_argument("--out", required=True)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
