#!/usr/bin/env python3
"""The recv heatmap of `sink-trace plot`, redrawn with matplotlib.

    PYTHONPATH=build/python /usr/bin/python3 docs/examples/recv_heatmap.py \\
        TRACE.sinktrace OUT.png [--record N] [--max-columns N] [--dump-json FILE]

A notebook-style walk through one figure (docs/python.md): the cells, marked
`# %%`, run one after the other in Jupyter, VS Code or Spyder as they do from
the command line. Needs the sinktrace package (runtime/python), NumPy and
matplotlib (Debian's python3-matplotlib).
"""

# %% Arguments and imports
# In a notebook, replace `None` by the arguments, e.g.
# ["build/main-job/prompt.sinktrace", "heatmap.png"].
import argparse
import json
import sys
import unicodedata

import numpy as np
import matplotlib
matplotlib.use("Agg")  # no display needed: the figure goes to a PNG file
import matplotlib.pyplot as plt
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.transforms import Affine2D

import sinktrace

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("trace", help="a .sinktrace file")
parser.add_argument("png", help="the PNG file to write")
parser.add_argument("--record", type=int, default=0,
                    help="which record (prompt) of the trace, default 0")
parser.add_argument("--max-columns", type=int, default=256,
                    help="bin longer prompts into about this many columns, "
                         "as sink-trace plot does (0: never)")
parser.add_argument("--dump-json", metavar="FILE",
                    help="also write the plotted matrix as JSON")
args = parser.parse_args(None)

# %% Load the trace and pick one record
# A trace holds one record per prompt. `metric("recv")` is a float32 array
# [instrumented layer, position]: recv of key k in layer l is the attention
# that k receives from the queries that can see it (k .. T-1), averaged over
# those queries and over heads (docs/metrics.md).
trace = sinktrace.load(args.trace)
if not 0 <= args.record < len(trace.records):
    sys.exit(f"{args.trace} has {len(trace.records)} records, no {args.record}")
record = trace.records[args.record]
T = int(record.sequence_length)
layers = [int(layer) for layer in record.layers]
recv = np.full((len(layers), T), np.nan, dtype=np.float32)
measured = record.metric("recv")[:, :T]
recv[:, :measured.shape[1]] = measured
if np.isnan(recv).all():
    sys.exit(f"{args.trace}: record {args.record} has no recv "
             "(compile with --instrument=...,metrics=attn)")
print(f"{trace.model['name']}: record {args.record}, {T} tokens, "
      f"layers {layers[0]}-{layers[-1]}")

# %% Which keys can be trusted: the min_queries rule
# Key k is seen by T - k queries, so recv of the last keys averages only one
# to three probabilities and is large for no reason. The runtime's
# classification ignores keys seen by fewer than `min_queries` queries (stored
# with the trace), and so do the summary and this figure: they are grey.
min_queries = int(record.classification["min_queries"])
positions = np.arange(T)
ranked = (T - positions) >= min_queries

# %% The token axis
# One column per token; prompts longer than --max-columns are binned as in
# `sink-trace plot`: bins of ceil(T / max-columns) positions aligned to
# multiples of the bin size, where position 0, the classified sinks and every
# token flagged at some layer keep a column of their own.
sinks = record.sinks[record.sinks["kind"] != "none"]
own = np.zeros(T, dtype=bool)
own[0] = True
own[sinks["position"][sinks["position"] < T]] = True
for layer in layers:
    flags = record.measurements[layer].flags[:T]
    own[:len(flags)] |= flags != 0
columns = []  # (first, last) position of each column
if args.max_columns <= 0 or T <= args.max_columns:
    columns = [(p, p) for p in range(T)]
else:
    size = -(-T // args.max_columns)
    p = 0
    while p < T:
        last = p
        if not own[p]:
            end = min(T, (p // size + 1) * size)
            while last + 1 < end and not own[last + 1]:
                last += 1
        columns.append((p, last))
        p = last + 1
firsts = np.array([first for first, _ in columns])


def column_of(position):
    return int(np.searchsorted(firsts, position, side="right") - 1)


# %% The matrix to plot
# A cell shows the largest recv of the trusted keys in its column (for one
# token per column, simply its recv); a column without trusted keys is masked.
plotted = np.full((len(layers), len(columns)), np.nan)
masked = np.ones((len(layers), len(columns)), dtype=bool)
for c, (first, last) in enumerate(columns):
    keys = positions[first:last + 1][ranked[first:last + 1]]
    if len(keys):
        masked[:, c] = False
        plotted[:, c] = np.fmax.reduce(recv[:, keys], axis=1)  # NaN-aware max

# %% A log colour scale
# recv spans decades (BOS takes a large share, ordinary tokens 1/T or less),
# so colours follow log10(recv), from the decade below the smallest positive
# trusted recv (at least 1e-6, at most 0.1) up to 1; smaller values get the
# lowest colour.
trusted = recv[:, ranked]
positive = trusted[trusted > 0]
smallest = min(1.0, float(positive.min())) if positive.size else 1.0
low_decade = int(np.clip(np.floor(np.log10(smallest)), -6, -1))
norm = LogNorm(vmin=10.0 ** low_decade, vmax=1.0, clip=True)
cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#d4d4d4")

# %% Sink labels
# Each classified sink is marked below its column with its position and text:
# the token's bytes stored in the trace (models compiled with a
# tokenizer.json), else the byte of a byte-level model or <bos>, escaped as
# `sink-trace summary` prints them ('\n', '\x00', '\u{200b}').
ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\"}


def escape(data: bytes) -> str:
    text = ""
    for char in data.decode("utf-8", errors="surrogateescape"):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8
            text += f"\\x{code - 0xDC00:02x}"
        elif char in ESCAPES:
            text += ESCAPES[char]
        elif code < 0x20 or code == 0x7F:
            text += f"\\x{code:02x}"
        elif code >= 0x80 and (code <= 0xA0 or unicodedata.category(char)
                               in ("Zs", "Zl", "Zp", "Cf", "Cc")):
            text += f"\\u{{{code:x}}}"
        else:
            text += char
    return text


def label(position):
    token = int(record.tokens[position])
    if record.token_texts:
        text = escape(record.token_texts[position])
    elif token == trace.model["bos"]:
        return f"{position} <bos>"
    elif trace.model["tokenizer"] == "bytes" and 0 <= token < 256:
        text = escape(bytes([token]))
    else:
        text = ""
    if not text:
        return f"{position} #{token}"
    if len(text) > 14:  # sink-trace cuts at 14 bytes, this at 14 characters
        text = text[:14] + "..."
    return f"{position} '{text}'"


COLOURS = {"primary": "#b2182b", "secondary": "#e66101"}  # as sink-trace

# %% Draw
# Layers run down, positions across, with the layout of the SVG figure: `px`
# places artists in its pixels (x right, y down from the top left corner;
# 100 dpi). Each sink gets a triangle under its column, its label below the
# position numbers (nudged right so that labels never overlap; those that
# would run past the colour bar are left out and counted) and its lifetime,
# creation to end layer, outlined in its kind's colour.
rows, W, left, right, top = len(layers), 980, 64, 110, 44
plot_width = W - left - right
row_height = float(np.clip(360 / rows, 6, 24))
plot_height = row_height * rows
longest = max([len(label(p)) for p in sinks["position"]] + [6])
H = top + plot_height + 22 + 24 + 0.87 * 6.6 * longest + 10
fig = plt.figure(figsize=(W / 100, H / 100), dpi=100)
px = Affine2D().scale(0.01, -0.01).translate(0, H / 100) + fig.dpi_scale_trans
PT = 0.72  # points per pixel: font sizes below are the SVG's, in pixels

ax = fig.add_axes([left / W, 1 - (top + plot_height) / H, plot_width / W,
                   plot_height / H])
image = ax.imshow(np.ma.masked_invalid(np.where(masked, np.nan, plotted)),
                  cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
fig.text(16, 24, f"{trace.model['name']}: record {args.record} (prompt "
         f"{record.prompt}, {T} tokens): recv per layer and token",
         transform=px, fontsize=15 * PT)
every = int(np.ceil(12 / row_height))
ax.set_yticks(range(0, rows, every), [str(l) for l in layers[::every]],
              fontsize=10 * PT)
fig.text(16, top + plot_height / 2, "layer", transform=px, rotation=90,
         ha="center", va="center", fontsize=12 * PT)
step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000,
                         5000, 10000, 20000, 50000) if T // s <= 8), 1)
ax.set_xticks([column_of(p) for p in range(0, T, step)],
              [str(p) for p in range(0, T, step)], fontsize=10 * PT)
axis_y = top + plot_height
fig.text(left - 6, axis_y + 15, "position", transform=px, ha="right",
         fontsize=10 * PT)

column_width = plot_width / len(columns)
next_x, unlabelled = 0.0, 0
for sink in sinks:
    position, colour = int(sink["position"]), COLOURS[str(sink["kind"])]
    centre = left + column_width * (column_of(position) + 0.5)
    if sink["creation_layer"] in layers and sink["end_layer"] in layers:
        first = layers.index(int(sink["creation_layer"]))
        last = layers.index(int(sink["end_layer"]))
        bar = max(column_width, 4) + 3  # just outside the column
        fig.add_artist(Rectangle(
            (centre - bar / 2, top + row_height * first + 1), bar,
            row_height * (last - first + 1) - 2, transform=px, fill=False,
            edgecolor=colour, lw=1.5 * PT))
    fig.add_artist(Polygon([(centre, axis_y), (centre - 4, axis_y + 7),
                            (centre + 4, axis_y + 7)], transform=px,
                           color=colour))
    x = max(centre, next_x)
    if x > left + plot_width + 40:
        unlabelled += 1
        continue
    next_x = x + 12
    fig.add_artist(Line2D([centre, x], [axis_y + 18, axis_y + 21],
                          transform=px, color=colour, lw=0.8 * PT))
    fig.text(x - 3, axis_y + 24, label(position), transform=px, color=colour,
             rotation=-60, rotation_mode="anchor", fontsize=11 * PT)

bar_height = min(plot_height, 200)
cax = fig.add_axes([(W - right + 30) / W, 1 - (top + bar_height) / H, 14 / W,
                    bar_height / H])
decades = range(low_decade, 1)
fig.colorbar(image, cax=cax, ticks=[10.0 ** d for d in decades])
cax.set_yticklabels(["1" if d == 0 else f"1e{d}" for d in decades],
                    fontsize=10 * PT)
fig.text(W - right + 24, top + bar_height / 2, "recv", transform=px,
         rotation=90, ha="center", va="center", fontsize=11 * PT)
legend = [(dict(color="#d4d4d4"), f"< {min_queries} queries"),
          (dict(fill=False, edgecolor=COLOURS["primary"]), "primary sink"),
          (dict(fill=False, edgecolor=COLOURS["secondary"]), "secondary sink")]
legend_y = top + bar_height + 18
for index, (style, text) in enumerate(legend):
    fig.add_artist(Rectangle((W - right + 8, legend_y + 16 * index), 10, 10,
                             transform=px, lw=2 * PT, **style))
    fig.text(W - right + 22, legend_y + 16 * index + 9, text, transform=px,
             fontsize=10 * PT)
if len(columns) < T:
    fig.text(W - right + 8, legend_y + 60, f"{len(columns)} columns",
             transform=px, fontsize=10 * PT)
if unlabelled:
    fig.text(W - right + 8, legend_y + 74, f"{unlabelled} sinks unlabelled",
             transform=px, fontsize=10 * PT)
fig.savefig(args.png)
names = [label(int(p)) for p in sinks["position"]]
print(f"wrote {args.png}: {rows} layers x {len(columns)} columns "
      f"({int(masked[0].sum())} grey), colours 1e{low_decade}..1, "
      f"{len(names)} sink{'s' * (len(names) != 1)}: {', '.join(names[:8])}"
      f"{' ...' * (len(names) > 8)}")

# %% The numbers behind the figure
# For checks and for other plots: the plotted matrix (null where grey), the
# mask, the columns and the sinks as JSON.
if args.dump_json:
    dump = {
        "trace": args.trace, "record": args.record, "sequence_length": T,
        "min_queries": min_queries, "layers": layers,
        "columns": [list(column) for column in columns],
        "recv": [[None if np.isnan(v) else float(v) for v in row]
                 for row in np.where(masked, np.nan, plotted)],
        "masked": masked.tolist(),
        "colour_scale": {"vmin": 10.0 ** low_decade, "vmax": 1.0,
                         "low_decade": low_decade},
        "sinks": [{"position": int(s["position"]), "kind": str(s["kind"]),
                   "creation_layer": int(s["creation_layer"]),
                   "end_layer": int(s["end_layer"]),
                   "label": label(int(s["position"]))} for s in sinks]}
    with open(args.dump_json, "w") as stream:
        json.dump(dump, stream)
    print(f"wrote {args.dump_json}")
