//===- TextTokenizer.h - Tokenizers the runtime can call --------*- C++ -*-===//
//
// A model compiled with `sinkc --tokenizer=FILE.json` embeds the file as
// `sinkc_tokenizer_json` and is linked with libsinktok, which defines
// `sinkrt_load_tokenizer`. Both are weak here, so the core runtime (and its
// cross-compiled copies) builds and links without ICU and PCRE2.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_TEXTTOKENIZER_H
#define SINKRT_TEXTTOKENIZER_H

#include "sinkrt/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkrt {

class TextTokenizer {
public:
  virtual ~TextTokenizer() = default;
  /// The ids of one prompt, special tokens (BOS, ...) included.
  virtual Expected<std::vector<int64_t>>
  encode(std::string_view text) const = 0;
  /// What each id contributes to the decoded text, as raw bytes (may hold
  /// part of a UTF-8 character).
  virtual std::vector<std::string>
  tokenTexts(const std::vector<int64_t> &ids) const = 0;
  /// One more than the largest id the tokenizer produces.
  virtual int64_t vocabSize() const = 0;
};

} // namespace sinkrt

// libsinktok defines sinkrt_load_tokenizer itself, strongly.
#ifdef SINKTOK_DEFINES_LOADER
#define SINKRT_TOKENIZER_WEAK
#else
#define SINKRT_TOKENIZER_WEAK __attribute__((weak))
#endif

extern "C" {
/// The tokenizer.json text sinkc embedded (NUL-terminated), or null.
extern const char sinkc_tokenizer_json[] __attribute__((weak));
/// Parses a tokenizer.json (`size` bytes at `json`). On failure returns null
/// and sets `*error` to a one-line message that starts with `source`.
sinkrt::TextTokenizer *
sinkrt_load_tokenizer(const char *json, size_t size, const char *source,
                      std::string *error) SINKRT_TOKENIZER_WEAK;
}

#endif // SINKRT_TEXTTOKENIZER_H
