#!/usr/bin/python3
"""Compares sinkc-tokenize with the Hugging Face reference on a corpus.

    check_tokenizer.py --reference 'node reference.mjs' --ours sinkc-tokenize
                       NAME TOKENIZER.json CORPUS.jsonl

Encodes every text of CORPUS.jsonl (one {"text": ...} per line) with both and
checks, text by text:
  - the ids are identical (special tokens included);
  - decode(ids) is identical, with and without the special tokens;
  - where the reference round-trips (decode without special tokens gives the
    text back), so does sinktok;
  - the per-token texts sinktok stores in traces, concatenated, are the
    decoded text (compared escaped, since a token may hold part of a UTF-8
    character; texts whose decode has U+FFFD are left out).
Prints one summary line with the corpus size in tokens; exit 1 with the first
differences otherwise.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile


def escape(data: bytes) -> str:
    """sinkrt::escapeBytes."""
    out = []
    for byte in data:
        if byte == 0x0A:
            out.append("\\n")
        elif byte == 0x09:
            out.append("\\t")
        elif byte == 0x0D:
            out.append("\\r")
        elif byte == 0x5C:
            out.append("\\\\")
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append("\\x%02x" % byte)
    return "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--ours", required=True)
    parser.add_argument("name")
    parser.add_argument("tokenizer")
    parser.add_argument("corpus")
    args = parser.parse_args()

    texts = [json.loads(line)["text"]
             for line in open(args.corpus, encoding="utf-8") if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        reference_out = os.path.join(tmp, "reference.jsonl")
        subprocess.run(shlex.split(args.reference) +
                       ["encode", args.tokenizer, args.corpus, reference_out],
                       check=True)
        reference = [json.loads(line) for line in open(reference_out,
                                                       encoding="utf-8")]
    ours_run = subprocess.run([args.ours, args.tokenizer, "--jsonl",
                               args.corpus], check=True, capture_output=True)
    # Not splitlines(): a JSON string may hold U+2028 or U+0085 unescaped.
    ours = [json.loads(line)
            for line in ours_run.stdout.decode().split("\n") if line]
    if not (len(texts) == len(reference) == len(ours)):
        print(f"{args.name}: {len(texts)} texts, {len(reference)} reference "
              f"results, {len(ours)} of ours")
        return 1

    problems = []
    tokens = 0
    reference_round_trips = our_round_trips = 0
    for index, (text, ref, our) in enumerate(zip(texts, reference, ours)):
        tokens += len(ref["ids"])
        where = f"text {index + 1} {text[:60]!r}"
        if ref["ids"] != our["ids"]:
            first = next((i for i, (a, b) in enumerate(zip(ref["ids"],
                                                           our["ids"]))
                          if a != b), min(len(ref["ids"]), len(our["ids"])))
            problems.append(
                f"{where}: ids differ from position {first}: reference "
                f"{ref['ids'][first:first + 6]}, sinktok "
                f"{our['ids'][first:first + 6]}")
            continue
        if ref["decoded"] != our["decoded"]:
            problems.append(f"{where}: decode differs: reference "
                            f"{ref['decoded'][:60]!r}, sinktok "
                            f"{our['decoded'][:60]!r}")
        if ref["roundtrip"] != our["roundtrip"]:
            problems.append(f"{where}: decode without special tokens "
                            f"differs: reference {ref['roundtrip'][:60]!r}, "
                            f"sinktok {our['roundtrip'][:60]!r}")
        reference_round_trips += ref["roundtrip"] == text
        our_round_trips += our["roundtrip"] == text
        if "\ufffd" not in our["decoded"] and \
                "".join(our["texts"]) != escape(our["decoded"].encode()):
            problems.append(f"{where}: the token texts do not add up to the "
                            f"decoded text")
    if problems:
        print(f"{args.name}: {len(problems)} of {len(texts)} texts differ:")
        for problem in problems[:10]:
            print("  " + problem)
        return 1
    print(f"{args.name}: {len(texts)} texts, {tokens} tokens: ids identical, "
          f"decode identical, round trip on {our_round_trips} texts "
          f"(reference {reference_round_trips})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
