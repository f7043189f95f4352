//===- TokenizerFuzzer.cpp - libFuzzer target: tokenizers and prompts -----===//
//
// The first byte selects what the rest is (selector values modulo 3):
//   0  a tokenizer.json: parsed, then used on a fixed multilingual text
//   1  a text: encoded, decoded and split into token texts by three fixed
//      tokenizers (byte-level BPE with a regex split and added tokens,
//      Llama-style BPE with byte fallback, Metaspace Unigram)
//   2  a --prompts-file (plain lines and JSON Lines)
// None of them may crash or fail a sanitizer check, whatever the bytes.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Tokens.h"
#include "sinktok/Tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace {

constexpr const char *kSampleText =
    "Hello, world! 12 + 35 = 47\n\t\xe4\xbd\xa0\xe5\xa5\xbd "
    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 e\xcc\x81 "
    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 <s> <|x|>  end ";

constexpr const char *kByteLevel = R"({
  "added_tokens": [{"id": 9, "content": "<|x|>", "special": true,
    "normalized": false, "lstrip": true, "rstrip": true, "single_word": false}],
  "normalizer": {"type": "NFC"},
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex":
      "(?i:'s|'t)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     "behavior": "Isolated", "invert": false},
    {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<|x|>", "type_id": 0}},
               {"Sequence": {"id": "A", "type_id": 0}}],
    "special_tokens": {"<|x|>": {"id": "<|x|>", "ids": [9]}}},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "vocab": {"H": 0, "e": 1, "l": 2, "o": 3, "He": 4,
    "ll": 5, "Hell": 6, "Hello": 7, "\u0120": 8, "<|x|>": 9},
    "merges": ["H e", "l l", "He ll", "Hell o"], "ignore_merges": true}})";

constexpr const char *kLlama = R"({
  "normalizer": {"type": "Sequence", "normalizers": [
    {"type": "Prepend", "prepend": "\u2581"},
    {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
  "decoder": {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true,
    "byte_fallback": true, "vocab": {"<unk>": 0, "<0xC3>": 1, "<0xA9>": 2,
    "\u2581": 3, "a": 4, "\u2581a": 5}, "merges": [["\u2581", "a"]]}})";

constexpr const char *kUnigram = R"({
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"},
    {"type": "Lowercase"}, {"type": "Strip"}]},
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
    {"type": "Digits", "individual_digits": true},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first"}]},
  "decoder": {"type": "Metaspace", "replacement": "\u2581",
    "prepend_scheme": "first"},
  "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": true,
    "vocab": [["<unk>", 0], ["\u2581", -1], ["a", -2], ["\u2581a", -1.5],
              ["<0xE4>", -5], ["1", -3]]}})";

void exercise(const sinktok::Tokenizer &tokenizer, std::string_view text) {
  for (bool special : {true, false}) {
    auto ids = tokenizer.encode(text, special);
    if (!ids)
      continue;
    (void)tokenizer.decode(*ids, false);
    (void)tokenizer.decode(*ids, true);
    (void)tokenizer.tokenTexts(*ids);
  }
  // Ids the tokenizer never produces, as a model's arg-max may be.
  std::vector<int64_t> odd = {-1, 0, 1, tokenizer.vocabSize(), 1 << 30};
  (void)tokenizer.decode(odd, false);
  (void)tokenizer.tokenTexts(odd);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view rest(reinterpret_cast<const char *>(data + 1), size - 1);
  switch (data[0] % 3) {
  case 0: {
    auto tokenizer = sinktok::Tokenizer::fromJson(rest, "fuzz.json");
    if (tokenizer)
      exercise(*tokenizer, kSampleText);
    break;
  }
  case 1: {
    static const std::vector<sinktok::Tokenizer> tokenizers = [] {
      std::vector<sinktok::Tokenizer> loaded;
      for (const char *json : {kByteLevel, kLlama, kUnigram}) {
        auto tokenizer = sinktok::Tokenizer::fromJson(json, "fixed.json");
        if (!tokenizer)
          __builtin_trap(); // The fixed files must load.
        loaded.push_back(std::move(*tokenizer));
      }
      return loaded;
    }();
    for (const sinktok::Tokenizer &tokenizer : tokenizers)
      exercise(tokenizer, rest);
    break;
  }
  case 2: {
    auto prompts = sinkrt::parsePromptsFile(rest, "fuzz.jsonl");
    (void)sinkrt::jsonStringField(rest, "text");
    (void)prompts;
    break;
  }
  }
  return 0;
}
