//===- Tokens.cpp - Prompts from the command line -------------------------===//

#include "sinkrt/Tokens.h"

#include "sinkrt/Text.h"

#include <algorithm>
#include <cstring>

namespace sinkrt {

static bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

Expected<TokenSequence> parseTokenList(std::string_view text) {
  TokenSequence tokens;
  size_t position = 0;
  bool expectId = false; // After a comma, an id must follow.
  auto skipSpaces = [&] {
    while (position < text.size() && isSpace(text[position]))
      ++position;
  };
  skipSpaces();
  while (position < text.size()) {
    if (text[position] == ',')
      return badInput("empty token id at character %zu of '%s'", position + 1,
                      escapeBytes(text).c_str());
    size_t start = position;
    while (position < text.size() && text[position] != ',' &&
           !isSpace(text[position]))
      ++position;
    std::string_view field = text.substr(start, position - start);
    std::optional<int64_t> id = parseInt64(field);
    if (!id)
      return badInput("token id '%s' is not an integer",
                      escapeBytes(field).c_str());
    tokens.push_back(*id);
    expectId = false;
    skipSpaces();
    if (position < text.size() && text[position] == ',') {
      ++position;
      expectId = true;
      skipSpaces();
    }
  }
  if (expectId)
    return badInput("trailing ',' in token list '%s'",
                    escapeBytes(text).c_str());
  if (tokens.empty())
    return badInput("empty prompt: no token ids given");
  return tokens;
}

static bool isBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), isSpace);
}

/// "'PATH' line N" for the line at `index` (from 0) of a prompts file, the
/// context of errors about it.
static std::string lineContext(const std::string &path, size_t index) {
  return formatString("'%s' line %zu", path.c_str(), index + 1);
}

Expected<std::vector<TokenSequence>> parseTokensFile(std::string_view content,
                                                     const std::string &path) {
  std::vector<TokenSequence> prompts;
  std::vector<std::string_view> lines = splitFields(content, '\n');
  for (size_t index = 0; index < lines.size(); ++index) {
    std::string_view line = lines[index].substr(0, lines[index].find('#'));
    if (isBlank(line))
      continue;
    Expected<TokenSequence> tokens = parseTokenList(line);
    if (!tokens)
      return withContext(tokens.takeError(), lineContext(path, index));
    prompts.push_back(std::move(*tokens));
  }
  if (prompts.empty())
    return badInput("'%s' contains no prompts", path.c_str());
  return prompts;
}

Expected<TokenSequence> tokensFromPrompt(std::string_view text,
                                         const LanguageModelInfo &model,
                                         const TextTokenizer *tokenizer) {
  if (!model.isByteLevel() && !tokenizer)
    return badInput("text prompts need a model compiled with --tokenizer "
                    "(bytes or a tokenizer.json); this model has "
                    "tokenizer=%s, give token ids with --tokens or "
                    "--tokens-file",
                    model.tokenizer.c_str());
  if (text.empty())
    return badInput("empty prompt: --prompt needs some text");
  if (tokenizer) {
    Expected<std::vector<int64_t>> ids = tokenizer->encode(text);
    if (!ids)
      return ids.takeError();
    if (ids->empty())
      return badInput("the prompt has no tokens");
    return TokenSequence(ids->begin(), ids->end());
  }
  TokenSequence tokens;
  if (model.bos >= 0)
    tokens.push_back(model.bos);
  for (char c : text)
    tokens.push_back(static_cast<unsigned char>(c));
  return tokens;
}

namespace {

/// Just enough JSON to read one object per line: values are skipped by
/// structure, strings decoded. Errors say what was expected where.
class JsonLineReader : TextScanner {
public:
  using TextScanner::TextScanner;

  Expected<std::string> stringField(std::string_view key) {
    skipSpaces();
    if (!consume('{'))
      return error("expected '{'");
    std::optional<std::string> found;
    skipSpaces();
    if (consume('}'))
      return missing(key);
    while (true) {
      Expected<std::string> name = readKey();
      if (!name)
        return name.takeError();
      skipSpaces();
      if (*name == key) {
        if (position >= text.size() || text[position] != '"')
          return badInput("\"%s\" is not a string", std::string(key).c_str());
        Expected<std::string> value = readString();
        if (!value)
          return value.takeError();
        found = std::move(*value);
      } else if (Status skipped = skipValue(0); !skipped) {
        return skipped.takeError();
      }
      skipSpaces();
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return error("expected ',' or '}'");
    }
    skipSpaces();
    if (position != text.size())
      return error("unexpected text after the object");
    if (!found)
      return missing(key);
    return *found;
  }

private:
  Error error(const char *what) {
    return badInput("not a JSON object: %s at character %zu", what,
                    position + 1);
  }
  Error missing(std::string_view key) {
    return badInput("the JSON object has no \"%s\" field",
                    std::string(key).c_str());
  }
  void skipSpaces() { skip(" \t\r\n"); }
  Expected<unsigned> readHex4() {
    if (position + 4 > text.size())
      return error("truncated \\u escape");
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      int digit = hexDigitValue(text[position++]);
      if (digit < 0)
        return error("bad \\u escape");
      value = value * 16 + static_cast<unsigned>(digit);
    }
    return value;
  }
  Expected<std::string> readString() {
    if (!consume('"'))
      return error("expected a string");
    std::string out;
    while (position < text.size()) {
      char c = text[position++];
      if (c == '"')
        return out;
      if (static_cast<unsigned char>(c) < 0x20)
        return error("control character inside a string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (position >= text.size())
        break;
      // The escapes of one character (RFC 8259, section 7) and what they
      // stand for; \u follows.
      constexpr std::string_view kEscapes = "\"\\/bfnrt";
      constexpr std::string_view kEscaped = "\"\\/\b\f\n\r\t";
      char escape = text[position++];
      if (size_t index = kEscapes.find(escape);
          index != std::string_view::npos) {
        out.push_back(kEscaped[index]);
        continue;
      }
      if (escape != 'u')
        return error("bad escape");
      Expected<unsigned> unit = readHex4();
      if (!unit)
        return unit.takeError();
      unsigned codePoint = *unit;
      if (codePoint >= 0xD800 && codePoint < 0xDC00) {
        if (!(consume('\\') && consume('u')))
          return error("unpaired surrogate");
        Expected<unsigned> low = readHex4();
        if (!low)
          return low.takeError();
        if (*low < 0xDC00 || *low >= 0xE000)
          return error("unpaired surrogate");
        codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (*low - 0xDC00);
      } else if (codePoint >= 0xDC00 && codePoint < 0xE000) {
        return error("unpaired surrogate");
      }
      appendUtf8(out, codePoint);
    }
    return error("unterminated string");
  }
  /// A member's name and the colon after it.
  Expected<std::string> readKey() {
    skipSpaces();
    Expected<std::string> name = readString();
    if (!name)
      return name.takeError();
    skipSpaces();
    if (!consume(':'))
      return error("expected ':'");
    return name;
  }
  Status skipValue(int depth) {
    if (depth > 64)
      return error("nested too deeply");
    skipSpaces();
    if (position >= text.size())
      return error("expected a value");
    char c = text[position];
    if (c == '"') {
      Expected<std::string> skipped = readString();
      return skipped ? Status::ok() : Status(skipped.takeError());
    }
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++position;
      skipSpaces();
      if (consume(close))
        return Status::ok();
      while (true) {
        if (c == '{') {
          if (Expected<std::string> name = readKey(); !name)
            return name.takeError();
        }
        if (Status inner = skipValue(depth + 1); !inner)
          return inner;
        skipSpaces();
        if (consume(','))
          continue;
        if (consume(close))
          return Status::ok();
        return error("expected ',' or a closing bracket");
      }
    }
    // Numbers, true, false, null: a run of their characters.
    size_t start = position;
    while (position < text.size() &&
           std::strchr("+-0123456789.eEtruefalsn", text[position]))
      ++position;
    if (position == start)
      return error("expected a value");
    return Status::ok();
  }
};

} // namespace

Expected<std::string> jsonStringField(std::string_view line,
                                      std::string_view key) {
  return JsonLineReader(line).stringField(key);
}

Expected<std::vector<std::string>> parsePromptsFile(std::string_view content,
                                                    const std::string &path) {
  std::vector<std::string> prompts;
  std::vector<std::string_view> lines = splitFields(content, '\n');
  for (size_t index = 0; index < lines.size(); ++index) {
    std::string_view line = lines[index];
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (isBlank(line))
      continue;
    if (line[line.find_first_not_of(" \t")] != '{') {
      prompts.emplace_back(line);
      continue;
    }
    Expected<std::string> text = jsonStringField(line, "text");
    if (!text)
      return withContext(text.takeError(), lineContext(path, index));
    if (text->empty())
      return badInput("%s: empty prompt", lineContext(path, index).c_str());
    prompts.push_back(std::move(*text));
  }
  if (prompts.empty())
    return badInput("'%s' contains no prompts", path.c_str());
  return prompts;
}

Status validateTokens(const TokenSequence &tokens, const std::string &where,
                      int64_t vocab) {
  std::string prompt = where.empty() ? "" : " of " + where;
  if (tokens.empty())
    return badInput("empty prompt%s", prompt.c_str());
  for (size_t position = 0; position < tokens.size(); ++position)
    if (tokens[position] < 0 || tokens[position] >= vocab)
      return badInput("token id %lld at position %zu%s is out of range "
                      "(vocabulary size %lld)",
                      static_cast<long long>(tokens[position]), position,
                      prompt.c_str(), static_cast<long long>(vocab));
  return Status::ok();
}

} // namespace sinkrt
