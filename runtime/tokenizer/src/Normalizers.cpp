//===- Normalizers.cpp - tokenizer.json "normalizer" ----------------------===//

#include "Components.h"
#include "Unicode.h"

namespace sinktok {

namespace {

class SequenceNormalizer : public Sequence<Normalizer> {
public:
  using Sequence::Sequence;
  void normalize(std::string &text) const override {
    for (const auto &part : parts)
      part->normalize(text);
  }
};

/// The Unicode normalizers, by their "type".
constexpr std::pair<const char *, NormalForm> kNormalForms[] = {
    {"NFC", NormalForm::NFC},
    {"NFD", NormalForm::NFD},
    {"NFKC", NormalForm::NFKC},
    {"NFKD", NormalForm::NFKD},
};

class UnicodeNormalizer : public Normalizer {
public:
  explicit UnicodeNormalizer(NormalForm form) : form(form) {}
  void normalize(std::string &text) const override {
    text = sinktok::normalize(text, form);
  }

private:
  NormalForm form;
};

class PrependNormalizer : public Normalizer {
public:
  explicit PrependNormalizer(std::string prefix) : prefix(std::move(prefix)) {}
  void normalize(std::string &text) const override {
    if (!text.empty())
      text.insert(0, prefix);
  }

private:
  std::string prefix;
};

class ReplaceNormalizer : public Normalizer {
public:
  ReplaceNormalizer(Pattern pattern, std::string content)
      : pattern(std::move(pattern)), content(std::move(content)) {}
  void normalize(std::string &text) const override {
    text = pattern.replaceAll(text, content);
  }

private:
  Pattern pattern;
  std::string content;
};

class LowercaseNormalizer : public Normalizer {
public:
  void normalize(std::string &text) const override { text = lowercase(text); }
};

class StripNormalizer : public Normalizer {
public:
  StripNormalizer(bool left, bool right) : left(left), right(right) {}
  void normalize(std::string &text) const override {
    size_t begin = 0, end = text.size();
    if (left)
      while (begin < end && isWhitespace(decodeUtf8(text, begin)))
        begin += utf8Length(static_cast<unsigned char>(text[begin]));
    if (right)
      while (end > begin) {
        size_t last = end - 1;
        while (last > begin &&
               (static_cast<unsigned char>(text[last]) & 0xC0) == 0x80)
          --last;
        if (!isWhitespace(decodeUtf8(text, last)))
          break;
        end = last;
      }
    text = text.substr(begin, end - begin);
  }

private:
  bool left, right;
};

/// StripAccents: removes the nonspacing marks (Mn); meant to follow NFD.
class StripAccentsNormalizer : public Normalizer {
public:
  void normalize(std::string &text) const override {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      size_t length = utf8Length(static_cast<unsigned char>(text[i]));
      if (!isNonspacingMark(decodeUtf8(text, i)))
        out.append(text, i, length);
      i += length;
    }
    text = std::move(out);
  }
};

} // namespace

std::unique_ptr<Normalizer> makeNormalizer(const Json &json,
                                           const std::string &path) {
  std::string type = getType(json, path);
  if (type == "Sequence")
    return makeSequence<SequenceNormalizer>(json, "normalizers", path,
                                            makeNormalizer);
  for (const auto &[name, form] : kNormalForms)
    if (type == name)
      return std::make_unique<UnicodeNormalizer>(form);
  if (type == "Prepend")
    return std::make_unique<PrependNormalizer>(
        getString(json, "prepend", path));
  if (type == "Replace")
    return std::make_unique<ReplaceNormalizer>(
        getPattern(json, path), getString(json, "content", path));
  if (type == "Lowercase")
    return std::make_unique<LowercaseNormalizer>();
  if (type == "Strip")
    return std::make_unique<StripNormalizer>(
        getBool(json, "strip_left", path, true),
        getBool(json, "strip_right", path, true));
  if (type == "StripAccents")
    return std::make_unique<StripAccentsNormalizer>();
  throwLoadError(joinPath(path, "type"),
                 "normalizer '" + type +
                     "' is not supported (supported: Sequence, NFC, NFD, "
                     "NFKC, NFKD, Prepend, Replace, Lowercase, Strip, "
                     "StripAccents)");
}

} // namespace sinktok
