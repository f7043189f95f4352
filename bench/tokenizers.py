#!/usr/bin/python3
"""Tokenizer throughput: sinktok (sinkc-tokenize) vs. Hugging Face tokenizers.

    /usr/bin/python3 bench/tokenizers.py [--families gpt2,llama3,...]
        [--tokenizer NAME=FILE.json ...] [--size-mb 1] [--repeat 5]
        [--build build] [--out tokenizers.json]

For each family configuration of test/tokenizers/reference.mjs, trains the
tokenizer with the reference (as the tests do), then encodes the same text
--repeat times with each, in one process per run: `sinkc-tokenize --benchmark
--file` (sinktok's encode alone) and `reference.mjs bench` (the npm package's
`encode` alone, Rust underneath, no process start or file loading). The text is
--size-mb of this repository's documentation and sources (English prose,
Markdown, C++ and Python: code, digits and whitespace runs) preceded by the
multilingual test corpus, cut at a character boundary. Both must produce the
same number of tokens. Prints a table on stderr and JSON (median seconds,
MB/s, tokens) on stdout or in --out. Needs scripts/install-tokenizers.sh.
--tokenizer adds an existing tokenizer.json (a real checkpoint's) under NAME;
--families "" leaves the trained ones out.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

REPO = bl.REPO
REFERENCE = os.path.join(REPO, "test", "tokenizers", "reference.mjs")
INPUTS = os.path.join(REPO, "test", "tokenizers", "Inputs")


def make_text(size: int) -> bytes:
    parts = [json.loads(line)["text"].encode()
             for line in open(os.path.join(INPUTS, "corpus.jsonl"),
                              encoding="utf-8")]
    files = subprocess.run(
        ["git", "-C", REPO, "ls-files", "*.md", "*.cpp", "*.h", "*.py",
         "*.td"], check=True, capture_output=True, text=True).stdout.split()
    for name in sorted(files):
        with open(os.path.join(REPO, name), "rb") as source:
            parts.append(source.read())
    text = b"\n".join(parts)
    while len(text) < size:
        text += b"\n" + text
    text = text[:size]
    # Cut at a character boundary: drop continuation bytes and a lone lead.
    while text and (text[-1] & 0xC0) == 0x80:
        text = text[:-1]
    if text and text[-1] >= 0xC0:
        text = text[:-1]
    return text


def parse(line: str) -> dict:
    fields = line.split()
    return {fields[i]: float(fields[i + 1]) for i in range(0, len(fields), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default="gpt2,llama3,qwen2,llama2,"
                        "mistral,gemma,phi3,unigram,nfkc_digits")
    parser.add_argument("--tokenizer", action="append", default=[],
                        metavar="NAME=FILE.json")
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--out")
    args = parser.parse_args()
    ours = os.path.join(args.build, "bin", "sinkc-tokenize")
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: 1-minute load average {load:.2f}; timings will be "
              f"noisy", file=sys.stderr)
    results = {"cpu": bl.cpu_model() or platform.processor(), "load_average": load, "families": {}}
    with tempfile.TemporaryDirectory() as tmp:
        text_path = os.path.join(tmp, "text.txt")
        with open(text_path, "wb") as out:
            out.write(make_text(int(args.size_mb * 1e6)))
        results["bytes"] = os.path.getsize(text_path)
        print(f"{'family':<12} {'tokens':>8} {'sinktok s':>10} {'MB/s':>7} "
              f"{'reference s':>12} {'MB/s':>7} {'ratio':>6}", file=sys.stderr)
        tokenizers = []
        for family in filter(None, args.families.split(",")):
            tokenizer = os.path.join(tmp, family + ".json")
            subprocess.run(["node", REFERENCE, "build", family,
                            os.path.join(INPUTS, "train.txt"), tokenizer],
                           check=True, capture_output=True)
            tokenizers.append((family, tokenizer))
        for given in args.tokenizer:
            name, _, path = given.partition("=")
            if not path:
                parser.error(f"--tokenizer {given}: expected NAME=FILE.json")
            tokenizers.append((name, os.path.abspath(path)))
        for family, tokenizer in tokenizers:
            runs = {"sinktok": [], "reference": []}
            for _ in range(args.repeat):
                runs["sinktok"].append(parse(subprocess.run(
                    [ours, tokenizer, "--benchmark", "--file", text_path],
                    check=True, capture_output=True, text=True).stdout))
                runs["reference"].append(parse(subprocess.run(
                    ["node", REFERENCE, "bench", tokenizer, text_path],
                    check=True, capture_output=True, text=True).stdout))
            row = {}
            for name, samples in runs.items():
                seconds = statistics.median(s["seconds"] for s in samples)
                row[name] = {"seconds": seconds,
                             "mb_per_s": results["bytes"] / seconds / 1e6,
                             "tokens": int(samples[0]["tokens"])}
            if row["sinktok"]["tokens"] != row["reference"]["tokens"]:
                print(f"{family}: sinktok made {row['sinktok']['tokens']} "
                      f"tokens, the reference {row['reference']['tokens']}",
                      file=sys.stderr)
                return 1
            row["ratio"] = row["sinktok"]["seconds"] / row["reference"]["seconds"]
            results["families"][family] = row
            print(f"{family:<12} {row['sinktok']['tokens']:>8} "
                  f"{row['sinktok']['seconds']:>10.3f} "
                  f"{row['sinktok']['mb_per_s']:>7.2f} "
                  f"{row['reference']['seconds']:>12.3f} "
                  f"{row['reference']['mb_per_s']:>7.2f} "
                  f"{row['ratio']:>6.2f}", file=sys.stderr)
    bl.write_json(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
