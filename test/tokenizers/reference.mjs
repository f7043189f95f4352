// The Hugging Face reference for the tokenizer tests (docs/tokenizers.md):
// builds tokenizer.json files in the configuration of each model family with
// the npm package `tokenizers` (scripts/install-tokenizers.sh), and encodes a
// corpus with them.
//
//   node reference.mjs build FAMILY TRAIN.txt OUT.json
//   node reference.mjs encode TOKENIZER.json CORPUS.jsonl OUT.jsonl
//   node reference.mjs bench TOKENIZER.json TEXT_FILE
//
// `build` trains a small vocabulary on TRAIN.txt with the reference's own
// trainer (a word-level pre-tokenizer for training, as SentencePiece and the
// GPT-2 scripts do), then writes the file with the family's normalizer,
// pre-tokenizer, model options, added tokens, post-processor and decoder
// sections as the real tokenizer.json of that family has them.
//
// The package is found through SINKC_TOKENIZERS_DIR (default
// <repo>/.deps/tokenizers).
import { createRequire } from "module";
import fs from "fs";
import path from "path";
import { fileURLToPath } from "url";

const here = path.dirname(fileURLToPath(import.meta.url));
const depsDir =
  process.env.SINKC_TOKENIZERS_DIR || path.join(here, "..", "..", ".deps", "tokenizers");
const require = createRequire(path.join(depsDir, "package.json"));
let tk;
try {
  tk = require("tokenizers");
} catch (error) {
  console.error(`reference.mjs: cannot load the npm package tokenizers from ${depsDir} ` +
    `(${error.code ?? error.message}): run scripts/install-tokenizers.sh`);
  process.exit(1);
}

const SP = "\u2581";
const GPT2_REGEX =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const LLAMA3_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const byteLevel = (addPrefixSpace, useRegex, trimOffsets = true) => ({
  type: "ByteLevel", add_prefix_space: addPrefixSpace, trim_offsets: trimOffsets, use_regex: useRegex,
});
const split = (regex) => ({
  type: "Split", pattern: { Regex: regex }, behavior: "Isolated", invert: false,
});
const template = (bos) => ({
  type: "TemplateProcessing",
  single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
  pair: [
    { SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } },
    { SpecialToken: { id: bos, type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } },
  ],
  special_tokens: { [bos]: { id: bos, ids: [], tokens: [bos] } },
});
const special = (content, extra = {}) => ({
  content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...extra,
});
const llamaDecoder = {
  type: "Sequence",
  decoders: [
    { type: "Replace", pattern: { String: SP }, content: " " },
    { type: "ByteFallback" }, { type: "Fuse" },
    { type: "Strip", content: " ", start: 1, stop: 0 },
  ],
};
const metaspace = (scheme, splitWords) => ({
  type: "Metaspace", replacement: SP, prepend_scheme: scheme, split: splitWords,
});
// Llama 2's sections (SentencePiece converted, legacy): Prepend + Replace
// normalizer, no pre-tokenizer, byte_fallback, <unk>/<s>/</s> first, bytes
// next. Phi-3 has them too.
const llama2 = {
  train: { pre_tokenizer: metaspace("always", true) },
  prefix: ["<unk>", "<s>", "</s>"].map((t) => special(t)),
  byteFallback: true,
  model: { unk_token: "<unk>", fuse_unk: true, byte_fallback: true },
  normalizer: { type: "Sequence", normalizers: [
    { type: "Prepend", prepend: SP },
    { type: "Replace", pattern: { String: " " }, content: SP }] },
  pre_tokenizer: null,
  post_processor: template("<s>"),
  decoder: llamaDecoder,
};

// Per family: the sections of its tokenizer.json, how to train the vocabulary,
// and the tokens the vocabulary starts with (specials, bytes).
const FAMILIES = {
  // GPT-2: byte-level BPE with the regex inside ByteLevel; legacy "a b" merges.
  gpt2: {
    train: { pre_tokenizer: byteLevel(false, true) },
    byteLevel: true,
    legacyMerges: true,
    appended: [special("<|endoftext|>", { normalized: true })],
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, true, false),
    decoder: byteLevel(true, true),
  },
  // Llama 3: Split with the cl100k-style regex, then ByteLevel without one;
  // ignore_merges; BOS from the template.
  llama3: {
    train: { pre_tokenizer: { type: "Sequence", pretokenizers: [split(LLAMA3_REGEX), byteLevel(false, false)] } },
    byteLevel: true,
    model: { ignore_merges: true },
    appended: ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
      "<|end_header_id|>", "<|eot_id|>"].map((t) => special(t)),
    normalizer: null,
    pre_tokenizer: { type: "Sequence", pretokenizers: [split(LLAMA3_REGEX), byteLevel(false, false)] },
    post_processor: { type: "Sequence", processors: [byteLevel(true, true, false), template("<|begin_of_text|>")] },
    decoder: byteLevel(true, true),
  },
  // Qwen2: NFC, Split with Qwen's regex (single digits), ByteLevel; no BOS.
  qwen2: {
    train: { normalizer: { type: "NFC" }, pre_tokenizer: { type: "Sequence", pretokenizers: [split(QWEN2_REGEX), byteLevel(false, false)] } },
    byteLevel: true,
    appended: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"].map((t) => special(t)),
    normalizer: { type: "NFC" },
    pre_tokenizer: { type: "Sequence", pretokenizers: [split(QWEN2_REGEX), byteLevel(false, false, false)] },
    post_processor: byteLevel(false, false, false),
    decoder: byteLevel(false, false, false),
  },
  // Llama 2: the sections above; legacy "a b" merges.
  llama2: { ...llama2, legacyMerges: true },
  // Mistral (v0.3 style, legacy=false): Metaspace pre-tokenizer with
  // prepend_scheme "first" and no split; Metaspace decoder.
  mistral: {
    train: { pre_tokenizer: metaspace("first", true) },
    prefix: ["<unk>", "<s>", "</s>"].map((t) => special(t)),
    byteFallback: true,
    appended: ["[INST]", "[/INST]"].map((t) => special(t)),
    model: { unk_token: "<unk>", fuse_unk: true, byte_fallback: true },
    normalizer: null,
    pre_tokenizer: metaspace("first", false),
    post_processor: template("<s>"),
    decoder: { type: "Sequence", decoders: [metaspace("first", false), { type: "ByteFallback" }, { type: "Fuse" }] },
  },
  // Gemma: Replace " " -> "▁" only (no prefix), byte_fallback, <bos> template.
  gemma: {
    train: { pre_tokenizer: metaspace("never", true) },
    prefix: ["<pad>", "<eos>", "<bos>", "<unk>"].map((t) => special(t)),
    byteFallback: true,
    appended: ["<start_of_turn>", "<end_of_turn>"].map((t) => special(t)),
    model: { unk_token: "<unk>", fuse_unk: true, byte_fallback: true },
    normalizer: { type: "Replace", pattern: { String: " " }, content: SP },
    pre_tokenizer: null,
    post_processor: template("<bos>"),
    decoder: { type: "Sequence", decoders: [
      { type: "Replace", pattern: { String: SP }, content: " " },
      { type: "ByteFallback" }, { type: "Fuse" }] },
  },
  // Phi-3: Llama 2's sections plus chat tokens that strip the whitespace
  // after them (rstrip), and one non-special single_word/lstrip token.
  phi3: {
    ...llama2,
    appended: [
      special("<|endoftext|>"),
      special("<|assistant|>", { rstrip: true }),
      special("<|user|>", { rstrip: true }),
      special("<|end|>", { rstrip: true }),
      special("<|system|>", { rstrip: true }),
      { content: "<mask>", single_word: true, lstrip: true, rstrip: false, normalized: false, special: false },
    ],
  },
  // T5/ALBERT-like SentencePiece Unigram: NFKC, collapsed spaces, Metaspace
  // (always, split), byte_fallback, unk_id 0.
  unigram: {
    unigram: true,
    train: { normalizer: { type: "NFKC" }, pre_tokenizer: metaspace("always", true) },
    normalizer: { type: "Sequence", normalizers: [
      { type: "NFKC" }, { type: "Replace", pattern: { Regex: " {2,}" }, content: " " }] },
    pre_tokenizer: metaspace("always", true),
    post_processor: null,
    decoder: { type: "Sequence", decoders: [metaspace("always", true), { type: "ByteFallback" }, { type: "Fuse" }] },
  },
  // NFKC + Lowercase + Strip, individual Digits, ByteLevel with a prefix
  // space: the remaining normalizers and pre-tokenizers of the issue.
  nfkc_digits: {
    train: {
      normalizer: { type: "Sequence", normalizers: [{ type: "NFKC" }, { type: "Lowercase" }, { type: "Strip", strip_left: true, strip_right: true }] },
      pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: true }, byteLevel(true, true)] },
    },
    byteLevel: true,
    appended: [special("<|endoftext|>"), { content: "[MASK]", single_word: false, lstrip: true, rstrip: true, normalized: true, special: false }],
    normalizer: { type: "Sequence", normalizers: [{ type: "NFKC" }, { type: "Lowercase" }, { type: "Strip", strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: true }, byteLevel(true, true)] },
    post_processor: byteLevel(true, true),
    decoder: byteLevel(true, true),
  },
};

function train(family, trainText) {
  const base = {
    version: "1.0", truncation: null, padding: null, added_tokens: [],
    normalizer: family.train.normalizer ?? null,
    pre_tokenizer: family.train.pre_tokenizer ?? null,
    post_processor: null, decoder: null,
    model: family.unigram
      ? { type: "Unigram", unk_id: null, vocab: [], byte_fallback: false }
      : { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null,
          end_of_word_suffix: null, fuse_unk: false, byte_fallback: false,
          ignore_merges: false, vocab: {}, merges: [] },
  };
  const tokenizer = tk.Tokenizer.fromString(JSON.stringify(base));
  tokenizer.train([trainText]);
  const out = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR || "/tmp", "sinktok-")), "t.json");
  tokenizer.save(out);
  const trained = JSON.parse(fs.readFileSync(out, "utf8"));
  fs.rmSync(path.dirname(out), { recursive: true });
  return trained.model;
}

function build(name, trainText, outPath) {
  const family = FAMILIES[name];
  if (!family) throw new Error(`unknown family '${name}' (known: ${Object.keys(FAMILIES).join(", ")})`);
  const trained = train(family, trainText);
  const added = [];
  let model;
  if (family.unigram) {
    // <unk> first and every byte after it, as SentencePiece exports have them.
    const pieces = [["<unk>", 0.0]];
    for (let b = 0; b < 256; ++b)
      pieces.push([`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, 0.0]);
    const taken = new Set(pieces.map((p) => p[0]));
    for (const [piece, score] of trained.vocab) if (!taken.has(piece)) pieces.push([piece, score]);
    model = { type: "Unigram", unk_id: 0, vocab: pieces, byte_fallback: true };
    added.push({ id: 0, ...special("<unk>") });
  } else {
    const vocab = {};
    let next = 0;
    for (const token of family.prefix ?? []) {
      vocab[token.content] = next;
      added.push({ id: next++, ...token });
    }
    if (family.byteFallback)
      for (let b = 0; b < 256; ++b)
        vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = next++;
    const trainedTokens = Object.entries(trained.vocab).sort((a, b) => a[1] - b[1]);
    for (const [token] of trainedTokens) if (!(token in vocab)) vocab[token] = next++;
    // Every byte has a token in real byte-level vocabularies.
    if (family.byteLevel)
      for (const c of tk.byteLevelAlphabet()) if (!(c in vocab)) vocab[c] = next++;
    for (const token of family.appended ?? []) {
      vocab[token.content] = next;
      added.push({ id: next++, ...token });
    }
    let merges = trained.merges;
    if (family.legacyMerges) merges = merges.map(([a, b]) => `${a} ${b}`);
    model = {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false,
      ...(family.model ?? {}), vocab, merges,
    };
  }
  const ids = Object.fromEntries(added.map((t) => [t.content, t.id]));
  const fillIds = (section) => {
    if (!section) return section;
    const copy = JSON.parse(JSON.stringify(section));
    const visit = (node) => {
      if (node && node.type === "TemplateProcessing")
        for (const [key, value] of Object.entries(node.special_tokens)) value.ids = [ids[key]];
      for (const child of node?.processors ?? []) visit(child);
    };
    visit(copy);
    return copy;
  };
  const result = {
    version: "1.0", truncation: null, padding: null, added_tokens: added,
    normalizer: family.normalizer, pre_tokenizer: family.pre_tokenizer,
    post_processor: fillIds(family.post_processor), decoder: family.decoder, model,
  };
  const text = JSON.stringify(result, null, 1);
  tk.Tokenizer.fromString(text); // The reference must accept what it is given.
  fs.writeFileSync(outPath, text);
}

async function encode(tokenizerPath, corpusPath, outPath) {
  const tokenizer = tk.Tokenizer.fromFile(tokenizerPath);
  const lines = fs.readFileSync(corpusPath, "utf8").split("\n").filter((l) => l.length);
  const out = [];
  for (const line of lines) {
    const { text } = JSON.parse(line);
    const encoding = await tokenizer.encode(text, null, { addSpecialTokens: true });
    const ids = encoding.getIds();
    const decoded = await tokenizer.decode(ids, false);
    const roundtrip = await tokenizer.decode(ids, true);
    out.push(JSON.stringify({ ids, decoded, roundtrip }));
  }
  fs.writeFileSync(outPath, out.join("\n") + "\n");
}

async function bench(tokenizerPath, textPath) {
  const tokenizer = tk.Tokenizer.fromFile(tokenizerPath);
  const text = fs.readFileSync(textPath, "utf8");
  const start = process.hrtime.bigint();
  const encoding = await tokenizer.encode(text, null, { addSpecialTokens: true });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = Buffer.byteLength(text);
  console.log(`bytes ${bytes} tokens ${encoding.getLength()} seconds ${seconds.toFixed(4)} MB/s ${(bytes / seconds / 1e6).toFixed(2)}`);
}

const [command, ...args] = process.argv.slice(2);
try {
  if (command === "build" && args.length === 3) build(...args);
  else if (command === "encode" && args.length === 3) await encode(...args);
  else if (command === "bench" && args.length === 2) await bench(...args);
  else if (command === "families") console.log(Object.keys(FAMILIES).join(" "));
  else {
    console.error("usage: reference.mjs build FAMILY TRAIN.txt OUT.json | encode TOKENIZER.json CORPUS.jsonl OUT.jsonl | bench TOKENIZER.json TEXT | families");
    process.exit(2);
  }
} catch (error) {
  console.error(`reference.mjs: ${error.message ?? error}`);
  process.exit(1);
}
