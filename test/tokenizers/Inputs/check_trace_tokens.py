#!/usr/bin/python3
"""Checks the token ids and texts in a sink trace against the Hugging Face
reference's encoding of the same prompts.

    check_trace_tokens.py TRACE REFERENCE.jsonl PYTHONPATH

REFERENCE.jsonl is `reference.mjs encode` output, one line per prompt. Every
record's tokens must equal the reference ids, and its token texts, joined,
the reference's decode (as bytes). Prints one line per record.
"""
import json
import sys


def main() -> int:
    trace_path, reference_path, python_path = sys.argv[1:4]
    sys.path.insert(0, python_path)
    import sinktrace

    trace = sinktrace.load(trace_path)
    reference = [json.loads(line) for line in open(reference_path,
                                                    encoding="utf-8")]
    if len(trace.records) != len(reference):
        print(f"{len(trace.records)} records for {len(reference)} prompts")
        return 1
    status = 0
    for index, (record, expected) in enumerate(zip(trace.records, reference)):
        ids = [int(t) for t in record.tokens]
        joined = b"".join(record.token_texts)
        same_ids = ids == expected["ids"]
        same_text = joined == expected["decoded"].encode()
        print(f"record {index}: {len(ids)} tokens, ids "
              f"{'match' if same_ids else 'DIFFER'}, texts "
              f"{'match' if same_text else 'DIFFER'}")
        if not (same_ids and same_text):
            print(f"  trace ids {ids}\n  reference {expected['ids']}\n"
                  f"  texts {joined!r}\n  decoded {expected['decoded']!r}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
