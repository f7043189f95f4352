//===- Tokenizer.cpp - The tokenizer.json pipeline ------------------------===//
//
// Encoding follows Hugging Face's TokenizerImpl::encode: added tokens that
// are not normalized are found in the raw text, the rest is normalized and
// searched for the normalized added tokens, what remains is pre-tokenized
// and each piece run through the model; the post-processor's template adds
// the special tokens.
//
//===----------------------------------------------------------------------===//

#include "sinktok/Tokenizer.h"

#include "Components.h"
#include "Unicode.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sinktok {

namespace {

struct AddedToken {
  std::string content;
  int64_t id = -1;
  bool singleWord = false, lstrip = false, rstrip = false;
  bool normalized = true, special = false;
};

/// A stretch of the text: either an added token (`addedId` >= 0) or text
/// still to be tokenized.
struct Segment {
  std::string text;
  int64_t addedId = -1;
  bool atStart = false;
};

/// Leftmost-longest search for a set of added tokens, as the Aho-Corasick
/// automaton Hugging Face builds (MatchKind::LeftmostLongest). Prompts hold
/// few added tokens and files define at most a few thousand, so candidates
/// bucketed by first byte and tried longest first are fast enough.
class AddedTokenMatcher {
public:
  void add(std::string pattern, size_t token) {
    if (pattern.empty())
      return;
    auto &bucket = buckets[static_cast<unsigned char>(pattern[0])];
    bucket.push_back({std::move(pattern), token});
  }
  void finish() {
    for (auto &bucket : buckets)
      std::sort(bucket.begin(), bucket.end(),
                [](const Entry &a, const Entry &b) {
                  if (a.pattern.size() != b.pattern.size())
                    return a.pattern.size() > b.pattern.size();
                  return a.token < b.token;
                });
  }
  bool empty() const {
    for (const auto &bucket : buckets)
      if (!bucket.empty())
        return false;
    return true;
  }
  /// The next match at or after `from`: (start, length, token).
  bool next(std::string_view text, size_t from, size_t &start, size_t &length,
            size_t &token) const {
    for (size_t i = from; i < text.size(); ++i) {
      for (const Entry &entry : buckets[static_cast<unsigned char>(text[i])]) {
        if (text.compare(i, entry.pattern.size(), entry.pattern) == 0) {
          start = i;
          length = entry.pattern.size();
          token = entry.token;
          return true;
        }
      }
    }
    return false;
  }

private:
  struct Entry {
    std::string pattern;
    size_t token;
  };
  std::vector<Entry> buckets[256];
};

bool endsWithWord(std::string_view text) {
  if (text.empty())
    return false;
  size_t last = text.size() - 1;
  while (last > 0 && (static_cast<unsigned char>(text[last]) & 0xC0) == 0x80)
    --last;
  return isWordCharacter(decodeUtf8(text, last));
}

bool startsWithWord(std::string_view text) {
  return !text.empty() && isWordCharacter(decodeUtf8(text, 0));
}

} // namespace

class Pipeline {
public:
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> preTokenizer;
  std::unique_ptr<Model> model;
  std::unique_ptr<Decoder> decoder;
  Template postProcessor;
  std::vector<AddedToken> added;
  std::unordered_map<int64_t, size_t> addedById;
  AddedTokenMatcher rawMatcher, normalizedMatcher;
  std::optional<size_t> truncation;
  bool truncateLeft = false;

  void load(const Json &json);
  void splitOnAddedTokens(const Segment &segment,
                          const AddedTokenMatcher &matcher,
                          std::vector<Segment> &out) const;
  std::vector<std::string> tokenStrings(const std::vector<int64_t> &ids,
                                        bool skipSpecial,
                                        std::vector<size_t> *kept) const;
};

/// AddedVocabulary::find_matches: the text around and between added
/// tokens, honouring single_word, lstrip and rstrip.
void Pipeline::splitOnAddedTokens(const Segment &segment,
                                  const AddedTokenMatcher &matcher,
                                  std::vector<Segment> &out) const {
  const std::string &text = segment.text;
  if (matcher.empty() || text.empty()) {
    out.push_back(segment);
    return;
  }
  auto emitText = [&](size_t begin, size_t end) {
    out.push_back(
        {text.substr(begin, end - begin), -1, segment.atStart && begin == 0});
  };
  size_t startOffset = 0, from = 0;
  size_t matchStart, matchLength, tokenIndex;
  while (matcher.next(text, from, matchStart, matchLength, tokenIndex)) {
    size_t start = matchStart, stop = matchStart + matchLength;
    from = stop;
    const AddedToken &token = added[tokenIndex];
    if (token.singleWord) {
      bool spaceBefore =
          start == 0 || !endsWithWord(std::string_view(text).substr(0, start));
      bool spaceAfter = stop == text.size() ||
                        !startsWithWord(std::string_view(text).substr(stop));
      if (!spaceBefore || !spaceAfter)
        continue;
    }
    if (token.lstrip) {
      size_t newStart = start;
      while (newStart > 0) {
        size_t previous = newStart - 1;
        while (previous > 0 &&
               (static_cast<unsigned char>(text[previous]) & 0xC0) == 0x80)
          --previous;
        if (!isWhitespace(decodeUtf8(text, previous)))
          break;
        newStart = previous;
      }
      start = std::max(newStart, startOffset);
    }
    if (token.rstrip)
      while (stop < text.size() && isWhitespace(decodeUtf8(text, stop)))
        stop += utf8Length(static_cast<unsigned char>(text[stop]));
    if (startOffset < start)
      emitText(startOffset, start);
    out.push_back({text.substr(start, stop - start), token.id, false});
    startOffset = stop;
  }
  if (startOffset != text.size())
    emitText(startOffset, text.size());
}

std::vector<std::string>
Pipeline::tokenStrings(const std::vector<int64_t> &ids, bool skipSpecial,
                       std::vector<size_t> *kept) const {
  std::vector<std::string> tokens;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto found = addedById.find(ids[i]);
    if (found != addedById.end()) {
      if (skipSpecial && added[found->second].special)
        continue;
      tokens.push_back(added[found->second].content);
    } else if (const std::string *token = model->idToToken(ids[i])) {
      tokens.push_back(*token);
    } else {
      continue;
    }
    if (kept)
      kept->push_back(i);
  }
  return tokens;
}

void Pipeline::load(const Json &json) {
  if (!json.is_object())
    throwLoadError("", "expected a JSON object at the top level");
  model = makeModel(requireField(json, "model", ""), "model");
  auto optional = [&](const char *key) -> const Json * {
    auto found = json.find(key);
    return found == json.end() || found->is_null() ? nullptr : &*found;
  };
  if (const Json *value = optional("normalizer"))
    normalizer = makeNormalizer(*value, "normalizer");
  if (const Json *value = optional("pre_tokenizer"))
    preTokenizer = makePreTokenizer(*value, "pre_tokenizer");
  if (const Json *value = optional("post_processor"))
    postProcessor = makeTemplate(*value, "post_processor");
  if (const Json *value = optional("decoder"))
    decoder = makeDecoder(*value, "decoder");
  if (const Json *value = optional("truncation")) {
    // Truncation changes the ids of long prompts, so it is honoured.
    int64_t maxLength = getInt(*value, "max_length", "truncation");
    if (maxLength < 0)
      throwLoadError("truncation.max_length", "expected a length >= 0");
    truncation = static_cast<size_t>(maxLength);
    auto direction = value->find("direction");
    if (direction != value->end() && !direction->is_null()) {
      std::string name = getString(*value, "direction", "truncation");
      if (name != "Left" && name != "Right")
        throwLoadError("truncation.direction", "expected Left or Right");
      truncateLeft = name == "Left";
    }
  }
  if (const Json *value = optional("padding")) {
    // One prompt is its own longest; only a fixed length would pad it.
    const Json *strategy = value->is_object() && value->contains("strategy")
                               ? &(*value)["strategy"]
                               : nullptr;
    if (!strategy || !(strategy->is_string() &&
                       strategy->get<std::string>() == "BatchLongest"))
      throwLoadError("padding.strategy",
                     "only BatchLongest padding is supported (a fixed "
                     "length would pad every prompt); set padding to null");
  }
  if (const Json *list = optional("added_tokens")) {
    if (!list->is_array())
      throwLoadError("added_tokens", "expected an array");
    for (size_t i = 0; i < list->size(); ++i) {
      const Json &entry = (*list)[i];
      std::string path = indexPath("added_tokens", i);
      AddedToken token;
      token.id = getInt(entry, "id", path);
      if (token.id < 0)
        throwLoadError(joinPath(path, "id"), "expected an id >= 0");
      token.content = getString(entry, "content", path);
      if (token.content.empty())
        throwLoadError(joinPath(path, "content"), "empty added token");
      token.special = getBool(entry, "special", path, false);
      token.singleWord = getBool(entry, "single_word", path, false);
      token.lstrip = getBool(entry, "lstrip", path, false);
      token.rstrip = getBool(entry, "rstrip", path, false);
      token.normalized = getBool(entry, "normalized", path, !token.special);
      addedById[token.id] = added.size();
      added.push_back(std::move(token));
    }
  }
  for (size_t i = 0; i < added.size(); ++i) {
    const AddedToken &token = added[i];
    if (!token.normalized) {
      rawMatcher.add(token.content, i);
      continue;
    }
    // Normalized added tokens are searched for in the normalized text, so
    // in their normalized spelling.
    std::string content = token.content;
    if (normalizer)
      normalizer->normalize(content);
    normalizedMatcher.add(content, i);
  }
  rawMatcher.finish();
  normalizedMatcher.finish();
}

Tokenizer::Tokenizer(std::unique_ptr<Pipeline> pipeline)
    : pipeline(std::move(pipeline)) {}
Tokenizer::Tokenizer(Tokenizer &&) noexcept = default;
Tokenizer &Tokenizer::operator=(Tokenizer &&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Expected<Tokenizer> Tokenizer::fromJson(std::string_view text,
                                        const std::string &source) {
  auto pipeline = std::make_unique<Pipeline>();
  try {
    Json json = Json::parse(text.begin(), text.end());
    pipeline->load(json);
  } catch (const LoadError &error) {
    if (error.path.empty())
      return sinkrt::badInput("%s: %s", source.c_str(), error.message.c_str());
    return sinkrt::badInput("%s: %s: %s", source.c_str(), error.path.c_str(),
                            error.message.c_str());
  } catch (const nlohmann::json::parse_error &error) {
    // what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 5: ..."; the bracketed tag means nothing to a user.
    std::string message = error.what();
    size_t tag = message.find("] ");
    if (tag != std::string::npos)
      message.erase(0, tag + 2);
    // The message quotes the bytes read last, which may be the invalid
    // UTF-8 that stopped the parser.
    return sinkrt::badInput("%s: not valid JSON: %s", source.c_str(),
                            utf8Lossy(message).c_str());
  } catch (const std::exception &error) {
    return sinkrt::badInput("%s: malformed tokenizer file: %s", source.c_str(),
                            error.what());
  }
  return Tokenizer(std::move(pipeline));
}

Expected<Tokenizer> Tokenizer::fromFile(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return sinkrt::badInput("cannot open tokenizer '%s'", path.c_str());
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad())
    return sinkrt::badInput("cannot read tokenizer '%s'", path.c_str());
  return fromJson(content.str(), path);
}

Expected<std::vector<int64_t>> Tokenizer::encode(std::string_view text,
                                                 bool addSpecialTokens) const {
  const Pipeline &p = *pipeline;
  size_t invalid = findInvalidUtf8(text);
  if (invalid != std::string_view::npos)
    return sinkrt::badInput("text is not valid UTF-8 (byte %zu)", invalid);
  std::vector<Segment> raw, segments;
  p.splitOnAddedTokens({std::string(text), -1, true}, p.rawMatcher, raw);
  for (Segment &segment : raw) {
    if (segment.addedId >= 0) {
      segments.push_back(std::move(segment));
      continue;
    }
    if (p.normalizer)
      p.normalizer->normalize(segment.text);
    p.splitOnAddedTokens(segment, p.normalizedMatcher, segments);
  }
  std::vector<int64_t> ids;
  std::vector<Piece> pieces;
  for (Segment &segment : segments) {
    if (segment.addedId >= 0) {
      ids.push_back(segment.addedId);
      continue;
    }
    pieces.clear();
    if (!segment.text.empty())
      pieces.push_back({std::move(segment.text), segment.atStart});
    if (p.preTokenizer)
      p.preTokenizer->preTokenize(pieces);
    for (const Piece &piece : pieces)
      if (!p.model->tokenize(piece.text, ids))
        return sinkrt::badInput(
            "'%s' has no token and the model has no unknown token",
            piece.text.c_str());
  }
  const Template &post = p.postProcessor;
  if (p.truncation) {
    size_t special =
        addSpecialTokens ? post.before.size() + post.after.size() : 0;
    size_t limit = *p.truncation > special ? *p.truncation - special : 0;
    if (ids.size() > limit) {
      if (p.truncateLeft)
        ids.erase(ids.begin(), ids.end() - limit);
      else
        ids.resize(limit);
    }
  }
  if (addSpecialTokens) {
    ids.insert(ids.begin(), post.before.begin(), post.before.end());
    ids.insert(ids.end(), post.after.begin(), post.after.end());
  }
  return ids;
}

std::string Tokenizer::decode(const std::vector<int64_t> &ids,
                              bool skipSpecialTokens) const {
  std::vector<std::string> tokens =
      pipeline->tokenStrings(ids, skipSpecialTokens, nullptr);
  std::string text;
  if (!pipeline->decoder) {
    for (size_t i = 0; i < tokens.size(); ++i)
      text += (i ? " " : "") + tokens[i];
    return text;
  }
  DecodeMode mode;
  pipeline->decoder->decodeChain(tokens, mode);
  for (const std::string &token : tokens)
    text += token;
  return text;
}

std::vector<std::string>
Tokenizer::tokenTexts(const std::vector<int64_t> &ids) const {
  std::vector<size_t> kept;
  std::vector<std::string> tokens = pipeline->tokenStrings(ids, false, &kept);
  if (pipeline->decoder) {
    DecodeMode mode;
    mode.perToken = true;
    pipeline->decoder->decodeChain(tokens, mode);
  } else {
    for (size_t i = 1; i < tokens.size(); ++i)
      tokens[i].insert(0, " ");
  }
  std::vector<std::string> texts(ids.size());
  for (size_t i = 0; i < kept.size() && i < tokens.size(); ++i)
    texts[kept[i]] = std::move(tokens[i]);
  return texts;
}

std::string Tokenizer::idToToken(int64_t id) const {
  auto found = pipeline->addedById.find(id);
  if (found != pipeline->addedById.end())
    return pipeline->added[found->second].content;
  const std::string *token = pipeline->model->idToToken(id);
  return token ? *token : std::string();
}

int64_t Tokenizer::vocabSize() const {
  int64_t size = pipeline->model->vocabSize();
  for (const auto &token : pipeline->added)
    size = std::max(size, token.id + 1);
  for (int64_t id : pipeline->postProcessor.before)
    size = std::max(size, id + 1);
  for (int64_t id : pipeline->postProcessor.after)
    size = std::max(size, id + 1);
  return size;
}

const std::vector<int64_t> &Tokenizer::leadingSpecialIds() const {
  return pipeline->postProcessor.before;
}

std::string Tokenizer::modelType() const { return pipeline->model->typeName(); }

} // namespace sinktok
