#!/usr/bin/python3
"""Decode the folded attention mask of an imported decoder and check it.

    check_mask.py IR.mlir T

Finds the f32 constants of type tensor<Bx1xTxTxf32> in IR.mlir (printed as
hex or as a list by MLIR) and checks that each batch slice is the causal
additive mask: 0 where the key position k <= the query position q, and a
large negative value (-inf or about -FLT_MAX) above the diagonal. Prints one
line per mask (`causal mask Bx1xTxT ok`), or the first wrong element and
exits 1.
"""
import re
import struct
import sys


def main():
    path, t = sys.argv[1], int(sys.argv[2])
    text = open(path, encoding="utf-8").read().split("{-#")[0]
    # Large constants print as hex, small ones as nested lists.
    pattern = re.compile(r'tfm\.constant dense<("0x[0-9A-F]+"|[-\[\], .0-9A-Fa-fx+]+)> : '
                         r'tensor<(\d+)x1x%dx%dxf32>' % (t, t))
    masks = pattern.findall(text)
    if not masks:
        print(f"no Bx1x{t}x{t} f32 constant found")
        sys.exit(1)
    for literal, batch in masks:
        batch = int(batch)
        if literal.startswith('"0x'):
            data = bytes.fromhex(literal[3:-1])
            values = struct.unpack("<%df" % (len(data) // 4), data)
        else:
            tokens = re.findall(r"0x[0-9A-Fa-f]+|[-+0-9.Ee]+", literal)
            values = [struct.unpack("<f", struct.pack("<I", int(x, 16)))[0]
                      if x.startswith("0x") else float(x) for x in tokens]
        if len(values) != batch * t * t:
            print(f"constant has {len(values)} values, expected {batch * t * t}")
            sys.exit(1)
        for b in range(batch):
            for q in range(t):
                for k in range(t):
                    v = values[(b * t + q) * t + k]
                    ok = v == 0.0 if k <= q else v <= -1e30
                    if not ok:
                        print(f"mask[{b}][0][{q}][{k}] = {v} is not causal")
                        sys.exit(1)
        print(f"causal mask {batch}x1x{t}x{t} ok")


if __name__ == "__main__":
    main()
