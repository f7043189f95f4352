//===- Regex.cpp - PCRE2 regular expressions for sinktok ------------------===//

#include "Regex.h"

#include "Unicode.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace sinktok {

struct Regex::Impl {
  pcre2_code *code = nullptr;
  ~Impl() { pcre2_code_free(code); }
};

Regex::~Regex() = default;

/// Oniguruma's \s is the White_Space property, which includes U+0085 (NEXT
/// LINE); PCRE2's \s under UCP is the Z categories plus the ASCII spaces,
/// without it. Add it wherever the pattern says \s (inside a class too) and
/// exclude it for \S outside a class.
static std::string patchWhitespaceClasses(const std::string &pattern) {
  std::string out;
  bool inClass = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char next = pattern[++i];
      if (next == 's')
        out += inClass ? "\\s\\x{85}" : "[\\s\\x{85}]";
      else if (next == 'S' && !inClass)
        out += "[^\\s\\x{85}]";
      else
        out += {c, next};
      continue;
    }
    if (c == '[' && !inClass) {
      inClass = true;
      out.push_back(c);
      // A ']' right after '[' or '[^' is a literal.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^')
        out.push_back(pattern[++i]);
      if (i + 1 < pattern.size() && pattern[i + 1] == ']')
        out.push_back(pattern[++i]);
      continue;
    }
    if (c == ']' && inClass)
      inClass = false;
    out.push_back(c);
  }
  return out;
}

sinkrt::Expected<std::shared_ptr<const Regex>>
Regex::compile(const std::string &pattern) {
  std::string patched = patchWhitespaceClasses(pattern);
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  pcre2_code *code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(patched.data()),
                    patched.size(), PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK,
                    &errorCode, &errorOffset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    return sinkrt::badInput("invalid regular expression '%s': %s",
                            pattern.c_str(),
                            reinterpret_cast<const char *>(message));
  }
  // The JIT makes the pre-tokenizer regexes several times faster; without it
  // (unsupported CPU, no executable memory) the interpreter gives the same
  // matches.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  std::shared_ptr<Regex> regex(new Regex());
  regex->impl = std::make_unique<Impl>();
  regex->impl->code = code;
  return std::shared_ptr<const Regex>(std::move(regex));
}

std::vector<std::pair<size_t, size_t>>
Regex::findAll(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> matches;
  pcre2_match_data *data =
      pcre2_match_data_create_from_pattern(impl->code, nullptr);
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t position = 0;
  while (position <= text.size()) {
    // The text was validated once by the tokenizer; PCRE2 need not check it
    // again for every match.
    int result = pcre2_match(impl->code, subject, text.size(), position,
                             PCRE2_NO_UTF_CHECK, data, nullptr);
    if (result < 0)
      break;
    PCRE2_SIZE *vector = pcre2_get_ovector_pointer(data);
    size_t start = vector[0], end = vector[1];
    matches.emplace_back(start, end);
    if (end > start) {
      position = end;
      continue;
    }
    if (end >= text.size())
      break;
    position = end + utf8Length(static_cast<unsigned char>(text[end]));
  }
  pcre2_match_data_free(data);
  return matches;
}

} // namespace sinktok
