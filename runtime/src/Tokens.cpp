//===- Tokens.cpp - Prompts from the command line -------------------------===//

#include "sinkrt/Tokens.h"

#include "sinkrt/Text.h"

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

Expected<std::vector<TokenSequence>> parseTokensFile(std::string_view content,
                                                     const std::string &path) {
  std::vector<TokenSequence> prompts;
  size_t lineNumber = 0;
  size_t position = 0;
  while (position < content.size()) {
    size_t newline = content.find('\n', position);
    size_t end = newline == std::string_view::npos ? content.size() : newline;
    std::string_view line = content.substr(position, end - position);
    position = end + 1;
    ++lineNumber;
    size_t comment = line.find('#');
    if (comment != std::string_view::npos)
      line = line.substr(0, comment);
    bool blank = true;
    for (char c : line)
      blank = blank && isSpace(c);
    if (blank)
      continue;
    Expected<TokenSequence> tokens = parseTokenList(line);
    if (!tokens)
      return withContext(
          tokens.takeError(),
          formatString("'%s' line %zu", path.c_str(), lineNumber));
    prompts.push_back(std::move(*tokens));
  }
  if (prompts.empty())
    return badInput("'%s' contains no prompts", path.c_str());
  return prompts;
}

Expected<TokenSequence> tokensFromPrompt(std::string_view text,
                                         const LanguageModelInfo &model) {
  if (!model.isByteLevel())
    return badInput("--prompt needs a byte-level model (tokenizer=bytes); "
                    "this model has tokenizer=%s, give token ids with "
                    "--tokens or --tokens-file",
                    model.tokenizer.c_str());
  if (text.empty())
    return badInput("empty prompt: --prompt needs some text");
  TokenSequence tokens;
  if (model.bos >= 0)
    tokens.push_back(model.bos);
  for (char c : text)
    tokens.push_back(static_cast<unsigned char>(c));
  return tokens;
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
