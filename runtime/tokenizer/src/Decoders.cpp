//===- Decoders.cpp - tokenizer.json "decoder" and "post_processor" -------===//

#include "ByteLevel.h"
#include "Components.h"
#include "Unicode.h"

namespace sinktok {

namespace {

class SequenceDecoder : public Sequence<Decoder> {
public:
  using Sequence::Sequence;
  void decodeChain(std::vector<std::string> &tokens,
                   DecodeMode &mode) const override {
    for (const auto &part : parts)
      part->decodeChain(tokens, mode);
  }
};

/// Characters back to bytes. Hugging Face joins all tokens into one string
/// (invalid UTF-8 replaced); a token with a character outside the map stays
/// as it is.
class ByteLevelDecoder : public Decoder {
public:
  void decodeChain(std::vector<std::string> &tokens,
                   DecodeMode &mode) const override {
    std::string joined;
    for (std::string &token : tokens) {
      std::string bytes;
      bool mapped = true;
      for (size_t i = 0; i < token.size() && mapped;) {
        int byte = byteLevelDecode(decodeUtf8(token, i));
        mapped = byte >= 0;
        bytes.push_back(static_cast<char>(byte));
        i += utf8Length(static_cast<unsigned char>(token[i]));
      }
      if (!mapped)
        bytes = token;
      if (mode.perToken)
        token = std::move(bytes);
      else
        joined += bytes;
    }
    if (!mode.perToken)
      tokens.assign(1, utf8Lossy(joined));
  }
};

class MetaspaceDecoder : public Decoder {
public:
  MetaspaceDecoder(std::string replacement, bool stripFirst)
      : replacement(std::move(replacement)), stripFirst(stripFirst) {}
  void decodeChain(std::vector<std::string> &tokens,
                   DecodeMode &) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string &token = tokens[i];
      for (size_t j = 0; j < token.size();) {
        if (token.compare(j, replacement.size(), replacement) == 0) {
          if (!(i == 0 && stripFirst))
            out.push_back(' ');
          j += replacement.size();
        } else {
          out.push_back(token[j++]);
        }
      }
      tokens[i] = std::move(out);
    }
  }

private:
  std::string replacement;
  bool stripFirst;
};

/// "<0x41>" tokens back to bytes; runs of them that are not valid UTF-8
/// become one U+FFFD per byte.
class ByteFallbackDecoder : public Decoder {
public:
  void decodeChain(std::vector<std::string> &tokens,
                   DecodeMode &mode) const override {
    std::vector<std::string> out;
    std::string pending;
    size_t pendingCount = 0;
    auto flush = [&] {
      if (pendingCount == 0)
        return;
      if (findInvalidUtf8(pending) == std::string::npos)
        out.push_back(pending);
      else
        for (size_t i = 0; i < pendingCount; ++i)
          out.push_back("\xEF\xBF\xBD");
      pending.clear();
      pendingCount = 0;
    };
    for (std::string &token : tokens) {
      int byte = parseByteToken(token);
      if (byte >= 0 && mode.perToken) {
        out.push_back(std::string(1, static_cast<char>(byte)));
        continue;
      }
      if (byte >= 0) {
        pending.push_back(static_cast<char>(byte));
        ++pendingCount;
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    tokens = std::move(out);
  }

private:
  static int parseByteToken(const std::string &token) {
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>')
      return -1;
    int value = 0;
    for (int i = 3; i < 5; ++i) {
      char c = token[i];
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
    return value;
  }
};

class FuseDecoder : public Decoder {
public:
  void decodeChain(std::vector<std::string> &tokens,
                   DecodeMode &mode) const override {
    if (mode.perToken) {
      mode.fused = true;
      return;
    }
    std::string joined;
    for (const std::string &token : tokens)
      joined += token;
    tokens.assign(1, std::move(joined));
  }
};

/// Removes up to `start` leading and `stop` trailing `content` characters
/// from every token (after Fuse: from the whole text).
class StripDecoder : public Decoder {
public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content(std::move(content)), start(start), stop(stop) {}
  void decodeChain(std::vector<std::string> &tokens,
                   DecodeMode &mode) const override {
    if (!mode.perToken || !mode.fused) {
      for (std::string &token : tokens) {
        stripFront(token, start);
        stripBack(token, stop);
      }
      return;
    }
    size_t remaining = start;
    for (size_t i = 0; i < tokens.size() && remaining > 0; ++i) {
      remaining = stripFront(tokens[i], remaining);
      if (!tokens[i].empty())
        break;
    }
    remaining = stop;
    for (size_t i = tokens.size(); i-- > 0 && remaining > 0;) {
      remaining = stripBack(tokens[i], remaining);
      if (!tokens[i].empty())
        break;
    }
  }

private:
  /// Strips up to `count` copies; returns how many more could go.
  size_t stripFront(std::string &token, size_t count) const {
    size_t cut = 0;
    while (count > 0 && token.compare(cut, content.size(), content) == 0 &&
           cut < token.size()) {
      cut += content.size();
      --count;
    }
    token.erase(0, cut);
    return count;
  }
  size_t stripBack(std::string &token, size_t count) const {
    while (count > 0 && token.size() >= content.size() &&
           token.compare(token.size() - content.size(), content.size(),
                         content) == 0) {
      token.resize(token.size() - content.size());
      --count;
    }
    return count;
  }
  std::string content;
  size_t start, stop;
};

class ReplaceDecoder : public Decoder {
public:
  ReplaceDecoder(Pattern pattern, std::string content)
      : pattern(std::move(pattern)), content(std::move(content)) {}
  void decodeChain(std::vector<std::string> &tokens,
                   DecodeMode &) const override {
    for (std::string &token : tokens)
      token = pattern.replaceAll(token, content);
  }

private:
  Pattern pattern;
  std::string content;
};

/// The classic BPE decoder: the end-of-word suffix becomes a space (nothing
/// on the last token).
class BpeDecoder : public Decoder {
public:
  explicit BpeDecoder(std::string suffix) : suffix(std::move(suffix)) {}
  void decodeChain(std::vector<std::string> &tokens,
                   DecodeMode &) const override {
    if (suffix.empty())
      return;
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string replacement = i + 1 == tokens.size() ? "" : " ";
      std::string &token = tokens[i];
      for (size_t at = token.find(suffix); at != std::string::npos;
           at = token.find(suffix, at + replacement.size())) {
        token.replace(at, suffix.size(), replacement);
      }
    }
  }

private:
  std::string suffix;
};

size_t getCount(const Json &json, const char *key, const std::string &path) {
  int64_t value = getInt(json, key, path);
  if (value < 0)
    throwLoadError(joinPath(path, key), "expected a count >= 0");
  return static_cast<size_t>(value);
}

} // namespace

std::unique_ptr<Decoder> makeDecoder(const Json &json,
                                     const std::string &path) {
  std::string type = getType(json, path);
  if (type == "Sequence")
    return makeSequence<SequenceDecoder>(json, "decoders", path, makeDecoder);
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    MetaspaceOptions options = parseMetaspaceOptions(json, path);
    return std::make_unique<MetaspaceDecoder>(
        options.replacement, options.scheme != PrependScheme::Never);
  }
  if (type == "ByteFallback")
    return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse")
    return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    std::string content = getString(json, "content", path);
    if (content.empty())
      throwLoadError(joinPath(path, "content"), "expected a character");
    return std::make_unique<StripDecoder>(
        content, getCount(json, "start", path), getCount(json, "stop", path));
  }
  if (type == "Replace")
    return std::make_unique<ReplaceDecoder>(getPattern(json, path),
                                            getString(json, "content", path));
  if (type == "BPEDecoder") {
    auto suffix = json.find("suffix");
    return std::make_unique<BpeDecoder>(suffix == json.end() ||
                                                suffix->is_null()
                                            ? "</w>"
                                            : getString(json, "suffix", path));
  }
  throwLoadError(joinPath(path, "type"),
                 "decoder '" + type +
                     "' is not supported (supported: Sequence, ByteLevel, "
                     "Metaspace, ByteFallback, Fuse, Strip, Replace, "
                     "BPEDecoder)");
}

static std::vector<int64_t> idList(const Json &json, const std::string &path) {
  if (!json.is_array())
    throwLoadError(path, "expected an array of ids");
  std::vector<int64_t> ids;
  for (size_t i = 0; i < json.size(); ++i) {
    if (!json[i].is_number_integer() || json[i].get<int64_t>() < 0)
      throwLoadError(indexPath(path, i), "expected a token id");
    ids.push_back(json[i].get<int64_t>());
  }
  return ids;
}

/// [token, id] of BertProcessing and RobertaProcessing.
static int64_t specialPairId(const Json &json, const char *key,
                             const std::string &path) {
  const Json &pair = requireField(json, key, path);
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() ||
      !pair[1].is_number_integer() || pair[1].get<int64_t>() < 0)
    throwLoadError(joinPath(path, key), "expected [token, id]");
  return pair[1].get<int64_t>();
}

Template makeTemplate(const Json &json, const std::string &path) {
  Template result;
  if (json.is_null())
    return result;
  std::string type = getType(json, path);
  if (type == "ByteLevel")
    return result; // Only offsets change.
  if (type == "Sequence") {
    for (const Template &inner :
         makeSequenceParts(json, "processors", path, makeTemplate)) {
      result.before.insert(result.before.begin(), inner.before.begin(),
                           inner.before.end());
      result.after.insert(result.after.end(), inner.after.begin(),
                          inner.after.end());
    }
    return result;
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    result.before.push_back(specialPairId(json, "cls", path));
    result.after.push_back(specialPairId(json, "sep", path));
    return result;
  }
  if (type != "TemplateProcessing")
    throwLoadError(joinPath(path, "type"),
                   "post-processor '" + type +
                       "' is not supported (supported: TemplateProcessing, "
                       "ByteLevel, Sequence, BertProcessing, "
                       "RobertaProcessing)");
  const Json &single = requireField(json, "single", path);
  std::string singlePath = joinPath(path, "single");
  const Json &special = requireField(json, "special_tokens", path);
  std::string specialPath = joinPath(path, "special_tokens");
  if (!single.is_array())
    throwLoadError(singlePath, "expected an array");
  if (!special.is_object())
    throwLoadError(specialPath, "expected an object");
  bool sawSequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const Json &piece = single[i];
    std::string piecePath = indexPath(singlePath, i);
    if (piece.is_object() && piece.contains("Sequence")) {
      if (sawSequence)
        throwLoadError(piecePath, "the single template names the sequence "
                                  "twice");
      sawSequence = true;
      continue;
    }
    if (!piece.is_object() || !piece.contains("SpecialToken"))
      throwLoadError(piecePath, "expected {\"SpecialToken\": ...} or "
                                "{\"Sequence\": ...}");
    std::string name = getString(piece["SpecialToken"], "id",
                                 joinPath(piecePath, "SpecialToken"));
    auto found = special.find(name);
    if (found == special.end())
      throwLoadError(specialPath,
                     "'" + name + "' is used by the template but not defined");
    std::vector<int64_t> ids =
        idList(requireField(*found, "ids", joinPath(specialPath, name)),
               joinPath(joinPath(specialPath, name), "ids"));
    std::vector<int64_t> &side = sawSequence ? result.after : result.before;
    side.insert(side.end(), ids.begin(), ids.end());
  }
  if (!sawSequence)
    throwLoadError(singlePath, "the template has no {\"Sequence\": ...}");
  return result;
}

} // namespace sinktok
