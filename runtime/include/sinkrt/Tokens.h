//===- Tokens.h - Prompts from the command line -----------------*- C++ -*-===//

#ifndef SINKRT_TOKENS_H
#define SINKRT_TOKENS_H

#include "sinkrt/Manifest.h"
#include "sinkrt/Status.h"

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

/// --prompt TEXT for a byte-level model: [bos] + the UTF-8 bytes of TEXT
/// (without bos when the model has none).
Expected<TokenSequence> tokensFromPrompt(std::string_view text,
                                         const LanguageModelInfo &model);

/// Every id must lie in [0, vocab); the message names the offending id,
/// its position, `where` (e.g. "prompt 2"; may be empty) and the
/// vocabulary size.
Status validateTokens(const TokenSequence &tokens, const std::string &where,
                      int64_t vocab);

} // namespace sinkrt

#endif // SINKRT_TOKENS_H
