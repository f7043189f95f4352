"""Read sink traces (``.sinktrace`` files) written by sinkc-compiled models.

The file format is described in docs/trace-format.md. This package wraps the
code that ``flatc --python`` generates from runtime/schema/sink_trace.fbs
(package ``sinkrt.fbs``); the build puts both into ``<build>/python``, so::

    PYTHONPATH=<build>/python /usr/bin/python3 -c \\
        "import sinktrace; t = sinktrace.load('run.sinktrace'); print(t.records[0].metric('recv'))"

Every numeric per-token series comes back as a NumPy array. Python has no
FlatBuffers verifier, so ``load`` checks the size prefix, file identifier and
schema version up front and turns any out-of-bounds read of a corrupt file
into :class:`TraceError`; for untrusted files prefer ``sink-trace json``,
which runs the full verifier.
"""

import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from sinkrt.fbs import Trace as _TraceModule

SCHEMA_VERSION = 3
FILE_IDENTIFIER = b"SKTR"

#: Metric names in the schema's ``Metric`` enum order.
METRICS = ("bos_mass", "head_bos_mass", "recv", "hidden_norm",
           "hidden_cos_bos", "mlp_norm", "mlp_cos_bos", "key_norm",
           "value_norm", "mlp_input_cos_bos", "mlp_gate_cos_bos",
           "mlp_up_cos_bos", "mlp_act_cos_bos", "mlp_gated_cos_bos",
           "mlp_output_cos_bos")
#: Per-token metrics, which have one value per position.
TOKEN_METRICS = ("recv", "hidden_norm", "hidden_cos_bos", "mlp_norm",
                 "mlp_cos_bos", "key_norm", "value_norm",
                 "mlp_input_cos_bos", "mlp_gate_cos_bos", "mlp_up_cos_bos",
                 "mlp_act_cos_bos", "mlp_gated_cos_bos", "mlp_output_cos_bos")
SINK_KINDS = ("none", "primary", "secondary")
CRITERION_HIDDEN_COSINE = 1
CRITERION_ATTENTION = 2


class TraceError(ValueError):
    """The file is not a readable sink trace."""


@dataclass
class Layer:
    """Every measurement of one instrumented layer; ``None`` (or NaN for
    ``bos_mass``) where the metric was not instrumented."""
    layer: int
    bos_mass: float
    head_bos_mass: Optional[np.ndarray]
    recv: Optional[np.ndarray]
    hidden_norm: Optional[np.ndarray]
    hidden_cos_bos: Optional[np.ndarray]
    mlp_norm: Optional[np.ndarray]
    mlp_cos_bos: Optional[np.ndarray]
    flags: np.ndarray
    #: Schema version 2.
    key_norm: Optional[np.ndarray] = None
    value_norm: Optional[np.ndarray] = None
    #: Schema version 3: cosines of MLP-internal states with position 0's.
    mlp_input_cos_bos: Optional[np.ndarray] = None
    mlp_gate_cos_bos: Optional[np.ndarray] = None
    mlp_up_cos_bos: Optional[np.ndarray] = None
    mlp_act_cos_bos: Optional[np.ndarray] = None
    mlp_gated_cos_bos: Optional[np.ndarray] = None
    mlp_output_cos_bos: Optional[np.ndarray] = None


@dataclass
class Record:
    prompt: int
    batch_row: int
    tokens: np.ndarray
    sequence_length: int
    instrument_spec: str
    layers: np.ndarray
    metrics: List[str]
    classification: Dict[str, object]
    measurements: Dict[int, Layer]
    #: One entry per position: position, token, kind (str), creation_layer,
    #: lifetime, end_layer, flagged_layers, peak_recv, peak_recv_layer,
    #: criteria (bit set).
    sinks: np.ndarray
    #: Per position, the bytes the token decodes to (models compiled with
    #: --tokenizer=FILE.json; may hold part of a UTF-8 character); empty
    #: for other models and older traces.
    token_texts: List[bytes] = field(default_factory=list)

    def metric(self, name: str) -> np.ndarray:
        """A per-token metric as an array [instrumented layer, position]
        (NaN rows for layers without it), or bos_mass as [layer], or
        head_bos_mass as [layer, head]."""
        if name not in METRICS:
            raise KeyError(f"unknown metric {name!r}")
        layers = [self.measurements[int(l)] for l in self.layers]
        if name == "bos_mass":
            return np.array([layer.bos_mass for layer in layers],
                            dtype=np.float32)
        rows = [getattr(layer, name) for layer in layers]
        width = max((len(row) for row in rows if row is not None), default=0)
        result = np.full((len(rows), width), np.nan, dtype=np.float32)
        for index, row in enumerate(rows):
            if row is not None:
                result[index, :len(row)] = row
        return result

    def sinks_of_kind(self, kind: str) -> np.ndarray:
        return self.sinks[self.sinks["kind"] == kind]


@dataclass
class SinkLevel:
    kind: str
    creation_layer: int
    lifetime: int
    count: int
    #: (record, position, token) per hit.
    hits: np.ndarray


@dataclass
class Trace:
    schema_version: int
    producer: str
    #: name, layers, heads, vocab, bos, tokenizer, weights_size,
    #: weights_hash (16 hex digits) and intervention: None, or the steering
    #: intervention compiled into the model (sinkc --intervene,
    #: docs/interventions.md) as {"spec", "steer_vector", "steer_vector_hash",
    #: "steer_vector_norm"}, the last three None when the reference direction
    #: is BOS's own MLP output (as ``sink-trace json`` writes it).
    model: Dict[str, object]
    records: List[Record] = field(default_factory=list)
    levels: List[SinkLevel] = field(default_factory=list)

    def to_dataframe(self):
        """The trace as a pandas DataFrame in the layout of ``sink-trace
        csv``: one row per (record, instrumented layer, position) with the
        columns record, prompt, batch_row, layer, position, token, every
        per-token metric (NaN where not measured), flag_hidden_cosine,
        flag_attention (bool), sink_kind, and text (the token's bytes decoded
        as UTF-8 with replacement, "" without token texts). Needs pandas
        (``pip install runtime/python[pandas]`` or Debian's python3-pandas);
        without it, ImportError says so."""
        try:
            import pandas as pd
        except ImportError as error:
            raise ImportError(
                "Trace.to_dataframe needs pandas (pip install pandas, or "
                "apt-get install python3-pandas)") from error
        columns: Dict[str, list] = {name: [] for name in (
            "record", "prompt", "batch_row", "layer", "position", "token")}
        values: Dict[str, list] = {name: [] for name in TOKEN_METRICS}
        flags_cos, flags_attn, kinds, texts = [], [], [], []
        for index, record in enumerate(self.records):
            length = int(record.sequence_length)
            positions = np.arange(length)
            kind_of = np.full(length, "", dtype=object)
            if len(record.sinks):
                kind_of[record.sinks["position"]] = record.sinks["kind"]
            text_of = [_text(t) for t in record.token_texts] \
                if record.token_texts else [""] * length
            for layer_number in record.layers:
                layer = record.measurements[int(layer_number)]
                columns["record"].append(np.full(length, index))
                columns["prompt"].append(np.full(length, record.prompt))
                columns["batch_row"].append(np.full(length, record.batch_row))
                columns["layer"].append(np.full(length, layer.layer))
                columns["position"].append(positions)
                columns["token"].append(np.asarray(record.tokens[:length]))
                for name in TOKEN_METRICS:
                    row = getattr(layer, name)
                    column = np.full(length, np.nan, dtype=np.float32)
                    if row is not None:
                        column[:len(row)] = row[:length]
                    values[name].append(column)
                flags = np.zeros(length, dtype=np.uint8)
                flags[:len(layer.flags)] = layer.flags[:length]
                flags_cos.append((flags & CRITERION_HIDDEN_COSINE) != 0)
                flags_attn.append((flags & CRITERION_ATTENTION) != 0)
                kinds.append(kind_of)
                texts.append(np.asarray(text_of, dtype=object))

        def join(parts, dtype):
            return np.concatenate(parts) if parts else np.array([], dtype)

        data = {name: join(parts, np.int64) for name, parts in columns.items()}
        data.update({name: join(parts, np.float32)
                     for name, parts in values.items()})
        data["flag_hidden_cosine"] = join(flags_cos, bool)
        data["flag_attention"] = join(flags_attn, bool)
        data["sink_kind"] = join(kinds, object)
        data["text"] = join(texts, object)
        return pd.DataFrame(data)


_SINK_DTYPE = np.dtype([
    ("position", np.int32), ("token", np.int64), ("kind", "U9"),
    ("creation_layer", np.int32), ("lifetime", np.int32),
    ("end_layer", np.int32), ("flagged_layers", np.int32),
    ("peak_recv", np.float32), ("peak_recv_layer", np.int32),
    ("criteria", np.uint8)])
_HIT_DTYPE = np.dtype([("record", np.int32), ("position", np.int32),
                       ("token", np.int64)])


def _text(value) -> str:
    return value.decode("utf-8", errors="replace") if value else ""


def _floats(table, name):
    if getattr(table, name + "IsNone")():
        return None
    return np.array(getattr(table, name + "AsNumpy")(), dtype=np.float32)


def _ints(table, name, dtype):
    if getattr(table, name + "IsNone")():
        return np.zeros(0, dtype=dtype)
    return np.array(getattr(table, name + "AsNumpy")(), dtype=dtype)


def _kind(value: int) -> str:
    if not 0 <= value < len(SINK_KINDS):
        raise TraceError(f"corrupt sink trace: unknown sink kind {value}")
    return SINK_KINDS[value]


def _read_intervention(model_table) -> Optional[Dict[str, object]]:
    table = model_table.Intervention()
    if table is None:
        return None
    spec = _text(table.Spec())
    if not spec:
        raise TraceError("corrupt sink trace: an intervention without a spec")
    vector = _text(table.SteerVector())
    return {
        "spec": spec,
        "steer_vector": vector or None,
        "steer_vector_hash":
            f"{table.SteerVectorHash():016x}" if vector else None,
        "steer_vector_norm": float(table.SteerVectorNorm()) if vector else None}


def _read_layer(table) -> Layer:
    return Layer(
        layer=table.Layer(), bos_mass=table.BosMass(),
        head_bos_mass=_floats(table, "HeadBosMass"),
        recv=_floats(table, "Recv"), hidden_norm=_floats(table, "HiddenNorm"),
        hidden_cos_bos=_floats(table, "HiddenCosBos"),
        mlp_norm=_floats(table, "MlpNorm"),
        mlp_cos_bos=_floats(table, "MlpCosBos"),
        flags=_ints(table, "Flags", np.uint8),
        key_norm=_floats(table, "KeyNorm"),
        value_norm=_floats(table, "ValueNorm"),
        mlp_input_cos_bos=_floats(table, "MlpInputCosBos"),
        mlp_gate_cos_bos=_floats(table, "MlpGateCosBos"),
        mlp_up_cos_bos=_floats(table, "MlpUpCosBos"),
        mlp_act_cos_bos=_floats(table, "MlpActCosBos"),
        mlp_gated_cos_bos=_floats(table, "MlpGatedCosBos"),
        mlp_output_cos_bos=_floats(table, "MlpOutputCosBos"))


def _read_record(table) -> Record:
    rules = table.Classification()
    classification = {}
    if rules is not None:
        classification = {
            "tau": rules.Tau(), "epsilon": rules.Epsilon(),
            "min_queries": rules.MinQueries(),
            "criteria_available": rules.CriteriaAvailable(),
            "window_first": rules.WindowFirst(),
            "window_last": rules.WindowLast(),
            "early_layers": rules.EarlyLayers(),
            "late_index": rules.LateIndex()}
    metrics = []
    for value in _ints(table, "Metrics", np.uint8):
        if value >= len(METRICS):
            raise TraceError(f"corrupt sink trace: unknown metric {value}")
        metrics.append(METRICS[value])
    measurements = {}
    for index in range(table.MeasurementsLength()):
        layer = _read_layer(table.Measurements(index))
        measurements[layer.layer] = layer
    sinks = np.zeros(table.SinksLength(), dtype=_SINK_DTYPE)
    for index in range(table.SinksLength()):
        sink = table.Sinks(index)
        sinks[index] = (sink.Position(), sink.Token(), _kind(sink.Kind()),
                        sink.CreationLayer(), sink.Lifetime(),
                        sink.EndLayer(), sink.FlaggedLayers(),
                        sink.PeakRecv(), sink.PeakRecvLayer(),
                        sink.Criteria())
    token_texts = [bytes(table.TokenTexts(i))
                   for i in range(table.TokenTextsLength())]
    if token_texts and len(token_texts) != table.TokensLength():
        raise TraceError(f"corrupt sink trace: {len(token_texts)} token texts "
                         f"for {table.TokensLength()} token ids")
    return Record(
        prompt=table.Prompt(), batch_row=table.BatchRow(),
        tokens=_ints(table, "Tokens", np.int64),
        sequence_length=table.SequenceLength(),
        instrument_spec=_text(table.InstrumentSpec()),
        layers=_ints(table, "Layers", np.int32), metrics=metrics,
        classification=classification, measurements=measurements,
        sinks=sinks,
        token_texts=token_texts)


def loads(data: bytes) -> Trace:
    """Parses the bytes of a .sinktrace file."""
    if len(data) < 12:
        raise TraceError(f"not a sink trace: {len(data)} bytes is too short")
    if data[8:12] != FILE_IDENTIFIER:
        raise TraceError(
            f"not a sink trace: file identifier is {bytes(data[8:12])!r}, "
            f"expected {FILE_IDENTIFIER!r}")
    (size,) = struct.unpack_from("<I", data, 0)
    if size != len(data) - 4:
        raise TraceError(
            f"corrupt or truncated sink trace: the size prefix says "
            f"{size + 4} bytes, the file has {len(data)}")
    buffer = bytearray(data)
    try:
        root = _TraceModule.Trace.GetRootAs(buffer, 4)
        version = root.SchemaVersion()
        if version == 0:
            raise TraceError("corrupt sink trace: no schema version")
        if version > SCHEMA_VERSION:
            raise TraceError(
                f"the trace has schema version {version}; this reader "
                f"knows versions up to {SCHEMA_VERSION}")
        model_table = root.Model()
        if model_table is None:
            raise TraceError("corrupt sink trace: no model description")
        model = {
            "name": _text(model_table.Name()),
            "layers": model_table.Layers(), "heads": model_table.Heads(),
            "vocab": model_table.Vocab(), "bos": model_table.Bos(),
            "tokenizer": _text(model_table.Tokenizer()),
            "weights_size": model_table.WeightsSize(),
            "weights_hash": f"{model_table.WeightsHash():016x}",
            "intervention": _read_intervention(model_table)}
        trace = Trace(schema_version=version,
                      producer=_text(root.Producer()), model=model)
        for index in range(root.RecordsLength()):
            trace.records.append(_read_record(root.Records(index)))
        for index in range(root.LevelsLength()):
            level = root.Levels(index)
            hits = np.zeros(level.HitsLength(), dtype=_HIT_DTYPE)
            for hit_index in range(level.HitsLength()):
                hit = level.Hits(hit_index)
                hits[hit_index] = (hit.Record(), hit.Position(), hit.Token())
            trace.levels.append(SinkLevel(
                kind=_kind(level.Kind()),
                creation_layer=level.CreationLayer(),
                lifetime=level.Lifetime(), count=level.Count(), hits=hits))
        return trace
    except TraceError:
        raise
    except (IndexError, struct.error, ValueError, TypeError,
            OverflowError) as error:
        raise TraceError(f"corrupt sink trace ({error})") from None


def load(path) -> Trace:
    """Reads a .sinktrace file; raises TraceError for anything else."""
    with open(path, "rb") as stream:
        data = stream.read()
    try:
        return loads(data)
    except TraceError as error:
        raise TraceError(f"{path}: {error}") from None


#: The states ``sinkc --capture`` can capture, in block order
#: (runtime/include/sinkrt/CaptureStates.def).
CAPTURE_STATES = ("hidden", "mlp_input", "mlp_out")

_CAPTURE_INDEX = (("record", np.int64), ("prompt", np.int64),
                  ("batch_row", np.int64), ("position", np.int64),
                  ("token", np.int64), ("kind", np.int8),
                  ("is_sink", np.bool_), ("matched_to", np.int64))
_CAPTURE_INDEX_DTYPE = np.dtype([
    ("record", np.int64), ("prompt", np.int64), ("batch_row", np.int64),
    ("position", np.int64), ("token", np.int64), ("kind", "U9"),
    ("is_sink", np.bool_), ("matched_to", np.int64)])


class CaptureError(ValueError):
    """The file is not a readable captures file."""


@dataclass
class Captures:
    """The states a model compiled with ``sinkc --capture`` kept for the sink
    tokens of a run, and for their matched controls (docs/captures.md).

    Row i of every state array belongs to ``index[i]``: a structured array
    with the fields record (into the trace's records), prompt, batch_row,
    position, token, kind ("primary", "secondary", or "none" for a matched
    control), is_sink and matched_to (the position of the row's partner in
    the same record: a control's sink, a sink's control; -1 for a sink
    without a control). Rows are ordered by record, then position."""
    #: The canonical --capture spec, e.g.
    #: "layers=1-2,states=hidden,mlp_out,tokens=sinks+matched".
    spec: str
    model: str
    index: np.ndarray
    #: (layer, state) -> float32 [rows, width].
    states: Dict[tuple, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def tokens_mode(self) -> str:
        """"sinks" or "sinks+matched"."""
        for item in self.spec.split(","):
            if item.startswith("tokens="):
                return item[len("tokens="):]
        return "sinks+matched"

    @property
    def layers(self) -> List[int]:
        return sorted({layer for layer, _ in self.states})

    @property
    def state_names(self) -> List[str]:
        present = {name for _, name in self.states}
        return [name for name in CAPTURE_STATES if name in present]

    def state(self, layer: int, name: str) -> np.ndarray:
        """The captured rows of one state of one layer, [rows, width]."""
        try:
            return self.states[(int(layer), name)]
        except KeyError:
            raise KeyError(f"no captured {name!r} of layer {layer}; the file "
                           f"has {sorted(self.states)}") from None

    def pairs(self):
        """The matched (sink row, control row) pairs as an int array [k, 2]
        of row numbers, in row order of the sinks."""
        pairs = []
        where = {(int(r["record"]), int(r["position"])): i
                 for i, r in enumerate(self.index)}
        for i, row in enumerate(self.index):
            if row["is_sink"] and row["matched_to"] >= 0:
                pairs.append((i, where[(int(row["record"]),
                                        int(row["matched_to"]))]))
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def captures_path(trace_path) -> str:
    """The captures file written next to a trace: F.sinktrace gives
    F.captures.npz, any other name gets .captures.npz appended."""
    path = str(trace_path)
    if path.endswith(".sinktrace") and len(path) > len(".sinktrace"):
        path = path[:-len(".sinktrace")]
    return path + ".captures.npz"


def load_captures(path) -> Captures:
    """Reads the captures file (``F.captures.npz``, or given the trace
    ``F.sinktrace``, the file next to it); raises CaptureError for a file
    that lacks or misshapes what docs/captures.md lists."""
    path = str(path)
    if path.endswith(".sinktrace"):
        path = captures_path(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise CaptureError(f"{path}: not a captures file ({error})") from None
    with archive:
        names = set(archive.files)
        missing = [name for name in ("spec", "model") +
                   tuple(n for n, _ in _CAPTURE_INDEX) if name not in names]
        if missing:
            raise CaptureError(f"{path}: no {', '.join(missing)} in the "
                               f"captures file")
        columns = {}
        for name, dtype in _CAPTURE_INDEX:
            column = archive[name]
            if column.ndim != 1 or column.dtype != dtype:
                raise CaptureError(f"{path}: '{name}' is {column.dtype} "
                                   f"{column.shape}, expected a vector of "
                                   f"{np.dtype(dtype)}")
            columns[name] = column
        rows = len(columns["record"])
        if any(len(column) != rows for column in columns.values()):
            raise CaptureError(f"{path}: the index columns differ in length")
        kinds = columns["kind"]
        if ((kinds < 0) | (kinds > 2)).any():
            raise CaptureError(f"{path}: 'kind' holds values other than 0, "
                               f"1 and 2")
        index = np.zeros(rows, dtype=_CAPTURE_INDEX_DTYPE)
        for name, _ in _CAPTURE_INDEX:
            index[name] = columns[name] if name != "kind" else \
                np.array(SINK_KINDS, dtype="U9")[kinds]
        states = {}
        for name in sorted(names):
            if not name.startswith("layer"):
                continue
            layer, _, state = name[len("layer"):].partition(".")
            if not layer.isdigit() or state not in CAPTURE_STATES:
                raise CaptureError(f"{path}: unexpected array '{name}'")
            array = archive[name]
            if array.ndim != 2 or array.dtype != np.float32 or \
                    array.shape[0] != rows:
                raise CaptureError(f"{path}: '{name}' is {array.dtype} "
                                   f"{array.shape}, expected float32 "
                                   f"[{rows}, width]")
            states[(int(layer), state)] = array
        return Captures(spec=bytes(archive["spec"]).decode("utf-8"),
                        model=bytes(archive["model"]).decode("utf-8"),
                        index=index, states=states)


__all__ = ["load", "loads", "Trace", "Record", "Layer", "SinkLevel",
           "TraceError", "METRICS", "TOKEN_METRICS", "SINK_KINDS",
           "SCHEMA_VERSION", "Captures", "CaptureError", "CAPTURE_STATES",
           "captures_path", "load_captures"]
