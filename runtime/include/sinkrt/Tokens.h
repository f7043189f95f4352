//===- Tokens.h - Prompts from the command line -----------------*- C++ -*-===//

#ifndef SINKRT_TOKENS_H
#define SINKRT_TOKENS_H

#include "sinkrt/Manifest.h"
#include "sinkrt/Status.h"
#include "sinkrt/TextTokenizer.h"

#include <string_view>
#include <vector>

namespace sinkrt {

using TokenSequence = std::vector<int64_t>;

/// One prompt given as ids separated by commas and/or whitespace
/// ("1,2,3", "1, 2 3"). Rejects empty prompts, empty ids ("1,,2") and
/// non-numeric ids.
Expected<TokenSequence> parseTokenList(std::string_view text);

/// A --tokens-file: one prompt per line in the --tokens syntax; '#' starts a
/// comment that runs to the end of the line; lines that are blank after
/// removing comments are skipped. Errors name the line.
Expected<std::vector<TokenSequence>> parseTokensFile(std::string_view content,
                                                     const std::string &path);

/// --prompt TEXT: for a byte-level model [bos] + the UTF-8 bytes of TEXT
/// (without bos when the model has none); for a model with a tokenizer.json
/// (`tokenizer` non-null) the ids it gives, special tokens included.
Expected<TokenSequence> tokensFromPrompt(std::string_view text,
                                         const LanguageModelInfo &model,
                                         const TextTokenizer *tokenizer);

/// A --prompts-file: one text prompt per line. A line that starts with '{'
/// is a JSON object whose string field "text" is the prompt (JSON Lines, so
/// prompts can hold newlines); a trailing '\r' is dropped from plain lines;
/// blank lines are skipped. Errors name the file and line.
Expected<std::vector<std::string>> parsePromptsFile(std::string_view content,
                                                    const std::string &path);

/// The string field `key` of the JSON object on one line (escapes decoded,
/// \u surrogate pairs joined); other fields may be any JSON value.
Expected<std::string> jsonStringField(std::string_view line,
                                      std::string_view key);

/// Every id must lie in [0, vocab); the message names the offending id,
/// its position, `where` (e.g. "prompt 2"; may be empty) and the
/// vocabulary size.
Status validateTokens(const TokenSequence &tokens, const std::string &where,
                      int64_t vocab);

} // namespace sinkrt

#endif // SINKRT_TOKENS_H
