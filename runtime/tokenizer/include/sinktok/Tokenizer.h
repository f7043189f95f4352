//===- Tokenizer.h - Hugging Face tokenizer.json in C++ ---------*- C++ -*-===//
//
// Reads a Hugging Face `tokenizer.json` and encodes text into exactly the ids
// the `tokenizers` library gives (docs/tokenizers.md lists the supported
// models, normalizers, pre-tokenizers, post-processors and decoders; anything
// else is refused when the file is loaded, never silently approximated).
//
// The library throws no exceptions through its interface: every failure is a
// sinkrt::Error whose one-line message names the file and the JSON field.
// Unicode normalization and character properties come from ICU, regular
// expressions from PCRE2 (with Unicode properties), JSON from nlohmann-json.
//
//===----------------------------------------------------------------------===//

#ifndef SINKTOK_TOKENIZER_H
#define SINKTOK_TOKENIZER_H

#include "sinkrt/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sinktok {

using sinkrt::Error;
using sinkrt::Expected;

class Pipeline;

class Tokenizer {
public:
  /// Parses the text of a tokenizer.json; `source` (usually the file name)
  /// prefixes every error message.
  static Expected<Tokenizer> fromJson(std::string_view json,
                                      const std::string &source);
  /// Reads and parses a tokenizer.json file.
  static Expected<Tokenizer> fromFile(const std::string &path);

  Tokenizer(Tokenizer &&) noexcept;
  Tokenizer &operator=(Tokenizer &&) noexcept;
  ~Tokenizer();

  /// The ids of `text` (valid UTF-8, else a BadInput error), with the
  /// post-processor's special tokens (BOS, ...) when `addSpecialTokens`, as
  /// Hugging Face's `encode(text, add_special_tokens)`.
  Expected<std::vector<int64_t>> encode(std::string_view text,
                                        bool addSpecialTokens = true) const;

  /// Hugging Face's `decode(ids, skip_special_tokens)`: the decoder applied
  /// to the tokens' strings (invalid UTF-8 becomes U+FFFD). Ids outside the
  /// vocabulary are skipped, as Hugging Face does.
  std::string decode(const std::vector<int64_t> &ids,
                     bool skipSpecialTokens = false) const;

  /// What each token contributes to decode(ids), as raw bytes: one string
  /// per id, whose concatenation is decode(ids) whenever that is valid UTF-8.
  /// A token may hold part of a UTF-8 character (byte-level and byte-fallback
  /// tokens); callers escape such bytes for display.
  std::vector<std::string> tokenTexts(const std::vector<int64_t> &ids) const;

  /// The vocabulary string of `id` (added tokens included); empty when the id
  /// is unknown.
  std::string idToToken(int64_t id) const;

  /// One more than the largest id the tokenizer can produce (model vocabulary
  /// and added tokens).
  int64_t vocabSize() const;

  /// The ids the post-processor puts before a prompt (usually just BOS).
  const std::vector<int64_t> &leadingSpecialIds() const;

  /// "BPE" or "Unigram".
  std::string modelType() const;

private:
  explicit Tokenizer(std::unique_ptr<Pipeline> pipeline);
  std::unique_ptr<Pipeline> pipeline;
};

} // namespace sinktok

#endif // SINKTOK_TOKENIZER_H
