//===- Regex.h - PCRE2 regular expressions for sinktok ----------*- C++ -*-===//
//
// Hugging Face compiles `Regex` patterns with Oniguruma; PCRE2 with UTF and
// UCP gives the same matches for the patterns tokenizers use (\p{L}, \p{N},
// \s, lookahead, (?i:...)). The one difference, \s not matching U+0085 in
// PCRE2, is patched in the pattern (see Regex.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SINKTOK_REGEX_H
#define SINKTOK_REGEX_H

#include "sinkrt/Status.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinktok {

class Regex {
public:
  /// Compiles `pattern`; the error names the pattern and PCRE2's reason.
  static sinkrt::Expected<std::shared_ptr<const Regex>>
  compile(const std::string &pattern);
  ~Regex();

  /// Byte ranges of the successive non-overlapping matches in valid UTF-8
  /// `text`, as Oniguruma's find_iter reports them (an empty match right
  /// after the previous one is retried one character later).
  std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const;

private:
  Regex() = default;
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace sinktok

#endif // SINKTOK_REGEX_H
