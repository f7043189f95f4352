#!/usr/bin/python3
"""Writes a planted model's expected.json with one deliberate error, so that the
tests can show check_classification.py rejects a classification that differs
from the ground truth in that one respect.

    mutate_expected.py IN.expected.json OUT.json MUTATION

MUTATION (all on the first secondary sink of prompt 0):
  kind         secondary -> primary
  creation     creation layer one later, lifetime one shorter (same end)
  lifetime     one layer longer
  criterion    the first layer's criterion: cos -> cos+recv, anything else -> cos
  drop         the sink is removed (the trace then has an unexpected sink)
  extra        an extra planted sink at the last position (missing in the trace)
"""
import json
import sys


def main():
    source, target, mutation = sys.argv[1:4]
    with open(source) as f:
        expected = json.load(f)
    prompt = expected["prompts"][0]
    sink = next(s for s in prompt["sinks"] if s["kind"] == "secondary")
    if mutation == "kind":
        sink["kind"] = "primary"
    elif mutation == "creation":
        sink["creation_layer"] += 1
        sink["lifetime"] -= 1
        sink["criteria_by_layer"] = sink["criteria_by_layer"][1:]
    elif mutation == "lifetime":
        sink["lifetime"] += 1
        sink["criteria_by_layer"].append(sink["criteria_by_layer"][-1])
    elif mutation == "criterion":
        first = sink["criteria_by_layer"][0]
        sink["criteria_by_layer"][0] = "cos+recv" if first == "cos" else "cos"
    elif mutation == "drop":
        prompt["sinks"].remove(sink)
    elif mutation == "extra":
        extra = dict(sink)
        extra["position"] = prompt["length"] - 1
        extra["token_id"] = prompt["token_ids"][-1]
        prompt["sinks"].append(extra)
    else:
        sys.exit(f"unknown mutation {mutation}")
    with open(target, "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
