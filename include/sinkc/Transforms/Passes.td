//===- Passes.td - sinkc transformation passes -------------*- tablegen -*-===//

#ifndef SINKC_TRANSFORMS_PASSES
#define SINKC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def RecognizeTransformer
    : Pass<"sinkc-recognize-transformer", "::mlir::ModuleOp"> {
  let summary = "Find the decoder blocks of a tfm model and mark their roles";
  let description = [{
    Finds, from the graph structure alone (never from node names), the
    residual stream of a decoder-only transformer and, for every decoder
    block `l`, the block input `x_l` (the residual stream entering the
    block), the attention probabilities (the softmax whose result is
    multiplied with the values, `[B, H, T, T]`), the attention output and the
    MLP output (the two values the block adds to the residual stream). Handles
    pre-norm blocks (`x + attn`, then `+ mlp`), GPT-NeoX parallel residuals
    (`x + attn + mlp` in any association and operand order) and grouped-query
    attention.

    Mark first, act second: the pass only sets discardable attributes,
    `sinkc.layer = l : i64` and `sinkc.role = "block_input" |
    "attention_probs" | "attention_output" | "mlp_output"` on the op defining
    each value (on the function argument for a block input that is one), and
    `sinkc.layers` / `sinkc.heads` on the module. Numerics are untouched.
    When the structure is not found the pass fails with a diagnostic that
    says what it found and what is missing. docs/instrumentation.md
    describes the algorithm.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"main\"",
           "The model function to analyse">,
  ];
}

def ClearRecognitionMarks
    : Pass<"sinkc-clear-recognition-marks", "::mlir::ModuleOp"> {
  let summary = "Remove the marks of sinkc-recognize-transformer";
  let description = [{
    Removes the `sinkc.layer` and `sinkc.role` attributes of the entry
    function's ops and arguments and the module's `sinkc.layers` and
    `sinkc.heads`: after an intervention without instrumentation, the
    module is what plain compilation would give, plus the intervention.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"main\"",
           "The model function">,
  ];
}

def InstrumentSinks : Pass<"sinkc-instrument-sinks", "::mlir::ModuleOp"> {
  let summary = "Insert sink measurements after the marked decoder blocks";
  let description = [{
    For every selected layer, inserts the `sink` measurement ops of the
    selected metric groups right after the ops that
    `sinkc-recognize-transformer` marked, each followed by a `sink.emit` with
    a fresh probe id (ids count from 0 in layer order, metrics in the
    runtime's order):

    - `attn` after the layer's attention probabilities: `sink.bos_mass`,
      `sink.head_bos_mass`, `sink.recv`;
    - `hidden` after the block input: `sink.hidden_norm`,
      `sink.hidden_cos_bos`;
    - `mlp` after the MLP output: `sink.mlp_norm`, `sink.mlp_cos_bos` (the
      latter also reads the block input);
    - `kv`, found from the attention probabilities: `sink.key_norm` after
      the keys that the query-key product reads (taken as K `[B, H, S, d]`,
      without a grouped-query repeat), `sink.value_norm` after the values
      that the probabilities multiply;
    - `mlpstates`, found from the MLP output (`findMlpStates`): one
      `sink.mlp_state_cos_bos` after each of the MLP's input, gate (or
      fc_in), up, activation, act * up and output. The group measures the
      states the MLP has (a plain MLP has no up and no act * up); a state
      named on its own that the MLP lacks is an error, and so is an MLP
      whose structure is neither gated nor plain.

    `layers` is `all` or a comma-separated list of layers and ranges
    (`2-5,7`); `metrics` a comma-separated list of groups (`attn`, `mlp`,
    `hidden`, `kv`, `mlpstates`, `all`) or single metric names; `all` is
    attn, mlp and hidden (kv and mlpstates only when named). Layers beyond
    the model are an error. The recognition marks stay in place.
  }];
  let options = [
    Option<"layers", "layers", "std::string", "\"all\"",
           "Layers to instrument: all, or a list like 2-5,7">,
    Option<"metrics", "metrics", "std::string", "\"attn,mlp,hidden\"",
           "Metric groups (attn, mlp, hidden, kv, mlpstates, all) or metric "
           # "names">,
  ];
  let dependentDialects = ["::sinkc::sink::SinkDialect",
                           "::sinkc::tfm::TfmDialect"];
}

def CaptureStates : Pass<"sinkc-capture-states", "::mlir::ModuleOp"> {
  let summary = "Hand chosen per-token states of the marked decoder blocks "
                "to the runtime for the captures file";
  let description = [{
    Activation capture (`sinkc --capture`, docs/captures.md). For every
    selected layer, ascending, and every selected state in block order,
    inserts a `sink.capture` right after the value:

    - `hidden`: the block input x_l (the `block_input` mark; at the top of
      the function when it is an argument);
    - `mlp_input`: the MLP's input after its norm, found from the
      `mlp_output` mark by `findMlpStates` (as the metric group `mlpstates`
      finds it);
    - `mlp_out`: the MLP output (the `mlp_output` mark: after
      `sinkc-intervene-mlp-norm-cap`, the capped value the block adds to the
      residual stream).

    Capture ids count from 0 in (layer, state) order. A flattened state
    (`[B*T, F]`, OPT) is viewed as `[B, T, F]` with the block input's shape,
    and a state of another float type is cast to f32. The runtime keeps the
    rows of the tokens its classification selects, so the module must also
    be instrumented for a trace to classify (the driver checks this).

    `layers` is `all` or a comma-separated list of layers and ranges
    (`2-5,7`); `states` a comma-separated list of `hidden`, `mlp_input`,
    `mlp_out` or `all`. Layers beyond the model, missing marks, an MLP whose
    input is not found and a state without a static width are errors. The
    recognition marks stay in place.
  }];
  let options = [
    Option<"layers", "layers", "std::string", "\"all\"",
           "Layers to capture: all, or a list like 2-5,7">,
    Option<"states", "states", "std::string", "\"all\"",
           "States to capture: hidden, mlp_input, mlp_out or all">,
  ];
  let dependentDialects = ["::sinkc::sink::SinkDialect",
                           "::sinkc::tfm::TfmDialect"];
}

def InterveneMlpNormCap
    : Pass<"sinkc-intervene-mlp-norm-cap", "::mlir::ModuleOp"> {
  let summary = "Cap the norm of one block's MLP outputs that point along "
                "the primary sink's direction";
  let description = [{
    The norm-suppression intervention of Wong et al. (arXiv 2512.22213),
    compiled in (`sinkc --intervene=mlp-norm-cap:...`,
    docs/interventions.md). Acts on the marks of
    `sinkc-recognize-transformer`: the MLP output marked for block `layer`
    gets a `sink.mlp_norm_cap` with the options' threshold, norm and
    skip-first, which replaces it in every use (the residual add), so that
    every position t >= skip-first whose MLP output has a cosine above `cos`
    with the reference direction is rescaled to the l2 norm `norm` before it
    enters the residual stream. The reference is `reference` (d_model
    values, the driver's `--steer-vector`) or, without it, every row's own
    MLP output at position 0 (BOS's).

    The `mlp_output` mark moves onto the capped value: run before
    `sinkc-instrument-sinks`, the instrumentation's `mlp_norm` and
    `mlp_cos_bos` of that block measure what the block adds to the residual
    stream. A flattened MLP output (`[B*T, D]`) is capped as the block
    input's `[B, T, D]` and flattened back. `layer` and `norm` are required;
    a layer beyond the model is an error.
  }];
  let options = [
    Option<"layer", "layer", "int64_t", "-1",
           "The decoder block whose MLP output is capped (required)">,
    Option<"cosThreshold", "cos", "double", "0.98",
           "Rescale where the cosine with the reference is above this">,
    Option<"norm", "norm", "double", "-1",
           "The l2 norm of a rescaled MLP output (required)">,
    Option<"skipFirst", "skip-first", "int64_t", "3",
           "Positions 0 .. skip-first - 1 are never rescaled (at least 1)">,
    ListOption<"reference", "reference", "double",
               "The reference direction (d_model values); default: each "
               "row's MLP output at position 0">,
    Option<"referenceName", "reference-name", "std::string",
           "\"the reference direction\"",
           "How errors name the reference (sinkc: its --steer-vector)">,
  ];
  let dependentDialects = ["::sinkc::sink::SinkDialect",
                           "::sinkc::tfm::TfmDialect"];
}

def SelectLogits : Pass<"sinkc-select-logits", "::mlir::ModuleOp"> {
  let summary = "Compute the logits of the last position only";
  let description = [{
    `sinkc --logits=last`. Finds the entry function's `logits` output
    (`[B, T, V]`) and, back from it through per-position ops (cast,
    identity, and add/sub/mul/div with an operand of rank <= 1), the matmul
    of the `[B, T, D]` hidden states with a 2-D weight: the vocabulary
    projection. Its hidden-state operand is sliced to the last position
    (`[B, 1, D]`), and the ops after it and the function's result type
    follow (`[B, 1, V]`). An analysis run then pays for 1/T of the
    projection. When no such projection is found, the output itself is
    sliced (same result, no saving) with a warning. `all` changes nothing.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"main\"",
           "The model function">,
    Option<"positions", "positions", "std::string", "\"all\"",
           "Logits to keep: all or last">,
  ];
}

def FuseAttention : Pass<"sinkc-fuse-attention", "::mlir::ModuleOp"> {
  let summary = "Replace materialised attention by sink.attention";
  let description = [{
    Finds `softmax(matmul(Q, Kt) [* c | / c] [+ mask])` whose result is the
    left operand of exactly one `matmul(P, V)` (and otherwise only read by
    the attention metrics `sink.bos_mass`, `sink.head_bos_mass`,
    `sink.recv`) and replaces the chain by one `sink.attention`, which the
    runtime computes tiled, in O(T) memory. `c` must be a scalar constant
    and `K` is taken from `Kt` by folding the transpose; grouped-query keys
    and values repeated by `unsqueeze` + `expand` + `reshape` are read
    un-repeated.

    The mask must be proven, never dropped: `where(cond, 0, v)` or
    `where(not(cond), v, 0)` with `v <= -1e4`, where `cond` is an `and` tree
    of constant `true`, the causal comparison `less_or_equal(r[k], r[q])`
    (or `greater_or_equal` with the sides swapped) of one increasing `range`
    (or two with the same start and step) broadcast along the key and query
    axes or the lower triangle of an
    all-true square `constant_of_shape` (the op gets `causal`), at most one
    packed-sequence comparison `equal(a[b, 1, q, 1], c[b, 1, 1, k])` of i64
    tensors (the op gets them as `segments`), at most one i1
    `[B, 1, 1, S]` padding mask (the op gets it as `key_mask`) and at most
    one sliding window `greater(r[k], sub(r[q], w))` (the op gets `window`). Any other mask, scale,
    element type or extra user of the scores or probabilities leaves the
    attention materialised. The metrics are rewritten to read the op's
    column sums, which exist for causal attention only (a non-causal
    attention with metrics is left alone).
  }];
  let dependentDialects = ["::sinkc::sink::SinkDialect"];
}

def NarrowGatherTables
    : Pass<"sinkc-narrow-gather-tables", "::mlir::ModuleOp"> {
  let summary = "Store the tables that gathers read in the weights' type";
  let description = [{
    Runs on tfm, before the linalg lowering. A gather reads a few rows of
    its table per forward pass (an embedding: one row per token), so the
    table is stored as compactly as `weights-dtype` allows and only the
    gathered rows are widened:

    1. `gather(cast(T), i)`, the cast widening a float constant `T` (a
       bf16 checkpoint's embedding followed by `Cast(to=FLOAT)`), becomes
       `cast(gather(T, i))`. Exact, since widening is, and the run no
       longer widens the whole table on every forward (545 MB of f32 per
       forward for a [151936, 896] table).
    2. A float constant table of at least `min-elements` elements whose
       type is not `weights-dtype` (f16 or bf16) is replaced, for the
       gather, by a copy rounded to nearest even, and the result is cast
       back: `gather(T, i)` becomes `cast(gather(round(T), i))`. Other
       readers of `T` keep it. A table with a value outside f16's range
       (|x| >= 65520) is an error naming it. With `f32` (the default)
       tables keep their type: f32 ones stay f32 and 16-bit ones are not
       widened (the gather widens the rows it reads, exactly).
  }];
  let options = [
    Option<"weightsDType", "weights-dtype", "std::string", "\"f32\"",
           "Storage of the weights: f32, f16 or bf16">,
    Option<"minElements", "min-elements", "int64_t", "1024",
           "Tables with fewer elements keep their type">,
  ];
}

#endif // SINKC_TRANSFORMS_PASSES
