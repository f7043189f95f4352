//===- PreTokenizers.cpp - tokenizer.json "pre_tokenizer" -----------------===//

#include "ByteLevel.h"
#include "Components.h"
#include "Unicode.h"

#include <algorithm>
#include <functional>

namespace sinktok {

namespace {

/// Hugging Face's SplitDelimiterBehavior.
enum class Behavior {
  Removed,
  Isolated,
  MergedWithPrevious,
  MergedWithNext,
  Contiguous
};

struct Range {
  size_t start, end;
  bool isMatch;
};

/// The matches and the text between them, covering all of `text` (the
/// `find_matches` of Hugging Face's Pattern trait).
std::vector<Range>
coverText(size_t length, const std::vector<std::pair<size_t, size_t>> &found) {
  std::vector<Range> ranges;
  if (length == 0) {
    ranges.push_back({0, 0, false});
    return ranges;
  }
  size_t previous = 0;
  for (auto [start, end] : found) {
    if (previous != start)
      ranges.push_back({previous, start, false});
    ranges.push_back({start, end, true});
    previous = end;
  }
  if (previous != length)
    ranges.push_back({previous, length, false});
  return ranges;
}

/// A character predicate as a pattern: every matching character is a match
/// of its own, the characters between them one range.
std::vector<Range> coverByCharacter(std::string_view text,
                                    const std::function<bool(char32_t)> &test) {
  std::vector<Range> ranges;
  if (text.empty()) {
    ranges.push_back({0, 0, false});
    return ranges;
  }
  size_t lastOffset = 0;
  for (size_t i = 0; i < text.size();) {
    size_t length = utf8Length(static_cast<unsigned char>(text[i]));
    if (test(decodeUtf8(text, i))) {
      if (lastOffset < i)
        ranges.push_back({lastOffset, i, false});
      ranges.push_back({i, i + length, true});
      lastOffset = i + length;
    }
    i += length;
  }
  if (text.size() > lastOffset)
    ranges.push_back({lastOffset, text.size(), false});
  return ranges;
}

/// NormalizedString::split: which ranges become pieces (`isMatch` now
/// meaning "remove").
std::vector<Range> applyBehavior(std::vector<Range> ranges, Behavior behavior,
                                 bool invert) {
  if (invert)
    for (Range &range : ranges)
      range.isMatch = !range.isMatch;
  std::vector<Range> out;
  switch (behavior) {
  case Behavior::Isolated:
    for (Range range : ranges)
      out.push_back({range.start, range.end, false});
    break;
  case Behavior::Removed:
    out = std::move(ranges);
    break;
  case Behavior::Contiguous:
  case Behavior::MergedWithPrevious:
  case Behavior::MergedWithNext: {
    // Each range starts a part or joins the one before it: a range of the
    // same kind as its predecessor joins (Contiguous); a match joins the part
    // on its left (MergedWithPrevious) or, walking backwards, the part on its
    // right (MergedWithNext).
    bool backwards = behavior == Behavior::MergedWithNext;
    if (backwards)
      std::reverse(ranges.begin(), ranges.end());
    bool previousMatch = false;
    for (const Range &range : ranges) {
      bool joins = behavior == Behavior::Contiguous
                       ? range.isMatch == previousMatch
                       : range.isMatch && !previousMatch;
      if (joins && !out.empty()) {
        out.back().start = std::min(out.back().start, range.start);
        out.back().end = std::max(out.back().end, range.end);
      } else {
        out.push_back({range.start, range.end, false});
      }
      previousMatch = range.isMatch;
    }
    if (backwards)
      std::reverse(out.begin(), out.end());
    break;
  }
  }
  return out;
}

/// Replaces `piece` by its parts, dropping removed and empty ones.
void emitParts(const Piece &piece, const std::vector<Range> &ranges,
               std::vector<Piece> &out) {
  for (const Range &range : ranges) {
    if (range.isMatch || range.start == range.end)
      continue;
    out.push_back({piece.text.substr(range.start, range.end - range.start),
                   piece.atStart && range.start == 0});
  }
}

class SequencePreTokenizer : public Sequence<PreTokenizer> {
public:
  using Sequence::Sequence;
  void preTokenize(std::vector<Piece> &pieces) const override {
    for (const auto &part : parts)
      part->preTokenize(pieces);
  }
};

class SplitPreTokenizer : public PreTokenizer {
public:
  SplitPreTokenizer(Pattern pattern, Behavior behavior, bool invert)
      : pattern(std::move(pattern)), behavior(behavior), invert(invert) {}
  void preTokenize(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (const Piece &piece : pieces)
      emitParts(piece,
                applyBehavior(
                    coverText(piece.text.size(), pattern.findAll(piece.text)),
                    behavior, invert),
                out);
    pieces = std::move(out);
  }

private:
  Pattern pattern;
  Behavior behavior;
  bool invert;
};

/// Digits and WhitespaceSplit: a character class split.
class CharacterSplitPreTokenizer : public PreTokenizer {
public:
  CharacterSplitPreTokenizer(bool (*test)(char32_t), Behavior behavior)
      : test(test), behavior(behavior) {}
  void preTokenize(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (const Piece &piece : pieces)
      emitParts(
          piece,
          applyBehavior(coverByCharacter(piece.text, test), behavior, false),
          out);
    pieces = std::move(out);
  }

private:
  bool (*test)(char32_t);
  Behavior behavior;
};

constexpr const char *kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|"
    "\\s+(?!\\S)|\\s+";

class ByteLevelPreTokenizer : public PreTokenizer {
public:
  ByteLevelPreTokenizer(bool addPrefixSpace, std::shared_ptr<const Regex> regex)
      : addPrefixSpace(addPrefixSpace), regex(std::move(regex)) {}
  void preTokenize(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (Piece &piece : pieces) {
      if (addPrefixSpace && (piece.text.empty() || piece.text[0] != ' '))
        piece.text.insert(0, " ");
      if (regex)
        emitParts(piece,
                  applyBehavior(
                      coverText(piece.text.size(), regex->findAll(piece.text)),
                      Behavior::Isolated, false),
                  out);
      else if (!piece.text.empty())
        out.push_back(std::move(piece));
    }
    for (Piece &piece : out)
      piece.text = byteLevelEncode(piece.text);
    pieces = std::move(out);
  }

private:
  bool addPrefixSpace;
  std::shared_ptr<const Regex> regex;
};

class MetaspacePreTokenizer : public PreTokenizer {
public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme,
                        bool split)
      : replacement(std::move(replacement)), scheme(scheme), split(split) {
    replacementChar = decodeUtf8(this->replacement, 0);
  }
  void preTokenize(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (Piece &piece : pieces) {
      std::string replaced;
      for (char c : piece.text) {
        if (c == ' ')
          replaced += replacement;
        else
          replaced.push_back(c);
      }
      piece.text = std::move(replaced);
      bool startsWithReplacement =
          piece.text.compare(0, replacement.size(), replacement) == 0;
      if (!startsWithReplacement &&
          (scheme == PrependScheme::Always ||
           (scheme == PrependScheme::First && piece.atStart)))
        piece.text.insert(0, replacement);
      if (!split) {
        if (!piece.text.empty())
          out.push_back(std::move(piece));
        continue;
      }
      char32_t target = replacementChar;
      emitParts(piece,
                applyBehavior(coverByCharacter(
                                  piece.text,
                                  [target](char32_t c) { return c == target; }),
                              Behavior::MergedWithNext, false),
                out);
    }
    pieces = std::move(out);
  }

private:
  std::string replacement;
  char32_t replacementChar;
  PrependScheme scheme;
  bool split;
};

Behavior parseBehavior(const Json &json, const std::string &path) {
  std::string name = getString(json, "behavior", path);
  if (name == "Removed")
    return Behavior::Removed;
  if (name == "Isolated")
    return Behavior::Isolated;
  if (name == "MergedWithPrevious")
    return Behavior::MergedWithPrevious;
  if (name == "MergedWithNext")
    return Behavior::MergedWithNext;
  if (name == "Contiguous")
    return Behavior::Contiguous;
  throwLoadError(joinPath(path, "behavior"),
                 "unknown split behavior '" + name +
                     "' (expected Removed, Isolated, MergedWithPrevious, "
                     "MergedWithNext or Contiguous)");
}

} // namespace

MetaspaceOptions parseMetaspaceOptions(const Json &json,
                                       const std::string &path) {
  MetaspaceOptions options;
  options.replacement = getString(json, "replacement", path);
  const std::string &replacement = options.replacement;
  if (replacement.empty() ||
      findInvalidUtf8(replacement) != std::string::npos ||
      utf8Length(static_cast<unsigned char>(replacement[0])) !=
          replacement.size())
    throwLoadError(joinPath(path, "replacement"), "expected one character");
  auto found = json.find("prepend_scheme");
  bool hasScheme = found != json.end() && !found->is_null();
  if (hasScheme) {
    std::string name = getString(json, "prepend_scheme", path);
    if (name == "always")
      options.scheme = PrependScheme::Always;
    else if (name == "first")
      options.scheme = PrependScheme::First;
    else if (name == "never")
      options.scheme = PrependScheme::Never;
    else
      throwLoadError(joinPath(path, "prepend_scheme"),
                     "expected always, first or never, not '" + name + "'");
  }
  // Files written before prepend_scheme existed say add_prefix_space.
  if (!getBool(json, "add_prefix_space", path, true)) {
    if (hasScheme && options.scheme != PrependScheme::Never)
      throwLoadError(joinPath(path, "add_prefix_space"),
                     "add_prefix_space false contradicts prepend_scheme");
    options.scheme = PrependScheme::Never;
  }
  options.split = getBool(json, "split", path, true);
  return options;
}

std::unique_ptr<PreTokenizer> makePreTokenizer(const Json &json,
                                               const std::string &path) {
  std::string type = getType(json, path);
  if (type == "Sequence")
    return makeSequence<SequencePreTokenizer>(json, "pretokenizers", path,
                                              makePreTokenizer);
  if (type == "Split")
    return std::make_unique<SplitPreTokenizer>(
        getPattern(json, path), parseBehavior(json, path),
        getBool(json, "invert", path, false));
  if (type == "Digits")
    return std::make_unique<CharacterSplitPreTokenizer>(
        isNumeric, getBool(json, "individual_digits", path, false)
                       ? Behavior::Isolated
                       : Behavior::Contiguous);
  if (type == "WhitespaceSplit")
    return std::make_unique<CharacterSplitPreTokenizer>(isWhitespace,
                                                        Behavior::Removed);
  if (type == "ByteLevel") {
    std::shared_ptr<const Regex> regex;
    if (getBool(json, "use_regex", path, true)) {
      sinkrt::Expected<std::shared_ptr<const Regex>> compiled =
          Regex::compile(kGpt2Pattern);
      if (!compiled)
        throwLoadError(path, compiled.getError().message);
      regex = *compiled;
    }
    return std::make_unique<ByteLevelPreTokenizer>(
        getBool(json, "add_prefix_space", path, true), std::move(regex));
  }
  if (type == "Metaspace") {
    MetaspaceOptions options = parseMetaspaceOptions(json, path);
    return std::make_unique<MetaspacePreTokenizer>(
        options.replacement, options.scheme, options.split);
  }
  throwLoadError(joinPath(path, "type"),
                 "pre-tokenizer '" + type +
                     "' is not supported (supported: Sequence, Split, "
                     "ByteLevel, Metaspace, Digits, WhitespaceSplit)");
}

} // namespace sinktok
