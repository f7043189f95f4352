#!/usr/bin/python3
"""Checks that a doc quotes exactly the error lines a lit test checks.

    doc_messages.py TEST DOC.md SECTION

Every line of the code blocks in DOC's section whose '## ' heading contains
SECTION (up to the next '## ' heading) must be one of TEST's FileCheck lines ('// PREFIX: ...'), and every
FileCheck line with ' error: ' in it must be quoted there. Before comparing, a
check line's '{{$}}' is dropped, a '{{.*}}NAME.onnx:' path becomes 'model.onnx:',
'{{.*}}tiny-gpt2.json' becomes 'tokenizer.json', and an executable's name before
': error:' becomes 'model' (the doc's names). Prints what differs; exit 1 then.
"""
import re
import sys


def doc_lines(path, section):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"^## [^\n]*" + re.escape(section), text, re.M)
    if not m:
        sys.exit(f"doc_messages: no '## ' heading containing '{section}' in {path}")
    start = m.start()
    end = text.find("\n## ", start + 1)
    body = text[start:end if end >= 0 else len(text)]
    return [line for block in re.findall(r"```\n(.*?)```", body, re.S)
            for line in block.splitlines() if line.strip()]


def check_lines(path):
    lines = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"// ([A-Z0-9-]+): (.*)$", line.rstrip("\n"))
        if m and m.group(1) != "RUN":
            lines.append(m.group(2))
    return lines


def normalize(check):
    check = check.replace("{{$}}", "")
    check = re.sub(r"\{\{\.\*\}\}[A-Za-z0-9_/]*\.onnx:", "model.onnx:", check)
    check = check.replace("{{.*}}tiny-gpt2.json", "tokenizer.json")
    if not check.startswith("sinkc:"):
        check = re.sub(r"^[A-Za-z0-9_]+: error:", "model: error:", check)
    return check


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    quoted = doc_lines(sys.argv[2], sys.argv[3])
    checked = [normalize(c) for c in check_lines(sys.argv[1])]
    errors = [c for c in checked if " error: " in c]
    bad = [f"quoted in the doc, not checked by the test: {q}"
           for q in quoted if q not in checked]
    bad += [f"checked by the test, not quoted in the doc: {e}"
            for e in errors if e not in quoted]
    for line in bad:
        print(line)
    if bad:
        sys.exit(1)
    print(f"{len(quoted)} quoted lines, all checked; {len(set(errors))} error lines, all quoted")


if __name__ == "__main__":
    main()
