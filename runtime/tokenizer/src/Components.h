//===- Components.h - The stages of a tokenizer.json ------------*- C++ -*-===//
//
// Normalizers, pre-tokenizers, models, post-processors and decoders, each
// reproducing the Hugging Face `tokenizers` component of the same JSON type.
// Built from the JSON by the make* functions, which throw LoadError (caught
// in Tokenizer::fromJson and turned into a sinkrt::Error; exceptions never
// leave the library).
//
//===----------------------------------------------------------------------===//

#ifndef SINKTOK_COMPONENTS_H
#define SINKTOK_COMPONENTS_H

#include "Regex.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sinktok {

using Json = nlohmann::json;

/// A malformed or unsupported tokenizer.json: `path` is the JSON field
/// ("model.merges[3]"), `message` what is wrong with it.
struct LoadError {
  std::string path;
  std::string message;
};

[[noreturn]] void throwLoadError(const std::string &path,
                                 const std::string &message);

/// Typed access to JSON fields; a missing or mistyped field throws a
/// LoadError naming it.
const Json &requireField(const Json &object, const char *key,
                         const std::string &path);
std::string getString(const Json &object, const char *key,
                      const std::string &path);
/// The field's value, `fallback` when it is absent or null.
bool getBool(const Json &object, const char *key, const std::string &path,
             bool fallback);
int64_t getInt(const Json &object, const char *key, const std::string &path);
/// The "type" of a component object ("Sequence", "BPE", ...).
std::string getType(const Json &object, const std::string &path);
std::string joinPath(const std::string &path, const std::string &field);
std::string indexPath(const std::string &path, size_t index);

/// The parts of a "Sequence" component: the elements of its array field
/// `key`, each made by `make(element, elementPath)`.
template <typename Part>
std::vector<Part>
makeSequenceParts(const Json &json, const char *key, const std::string &path,
                  Part (*make)(const Json &, const std::string &)) {
  const Json &list = requireField(json, key, path);
  std::string listPath = joinPath(path, key);
  if (!list.is_array())
    throwLoadError(listPath, "expected an array");
  std::vector<Part> parts;
  for (size_t i = 0; i < list.size(); ++i)
    parts.push_back(make(list[i], indexPath(listPath, i)));
  return parts;
}

/// A "Sequence" component: parts of its own kind, which the derived class
/// runs in order through that kind's method.
template <typename Component> class Sequence : public Component {
public:
  explicit Sequence(std::vector<std::unique_ptr<Component>> parts)
      : parts(std::move(parts)) {}

protected:
  std::vector<std::unique_ptr<Component>> parts;
};

/// The "Sequence" component `json`: a `SequenceT` (a Sequence<Component>)
/// over the parts that `make` makes from its array field `key`.
template <typename SequenceT, typename Component>
std::unique_ptr<Component> makeSequence(
    const Json &json, const char *key, const std::string &path,
    std::unique_ptr<Component> (*make)(const Json &, const std::string &)) {
  return std::make_unique<SequenceT>(makeSequenceParts(json, key, path, make));
}

/// A "pattern" object: {"String": "..."} or {"Regex": "..."}.
struct Pattern {
  std::string literal;
  std::shared_ptr<const Regex> regex;
  /// Matches of the pattern in `text` (non-overlapping, left to right).
  std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const;
  /// `text` with every match replaced by `content`.
  std::string replaceAll(std::string_view text, std::string_view content) const;
};
/// The "pattern" field of the component `json` (Split, Replace).
Pattern getPattern(const Json &json, const std::string &path);

/// One pre-tokenized piece of the (normalized) text. `atStart`: the piece
/// begins where the original text begins (Metaspace's prepend_scheme
/// "first" looks at that).
struct Piece {
  std::string text;
  bool atStart = false;
};

/// The settings shared by the Metaspace pre-tokenizer and decoder.
enum class PrependScheme { Always, First, Never };
struct MetaspaceOptions {
  std::string replacement;
  PrependScheme scheme = PrependScheme::Always;
  bool split = true;
};
MetaspaceOptions parseMetaspaceOptions(const Json &json,
                                       const std::string &path);

class Normalizer {
public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string &text) const = 0;
};
std::unique_ptr<Normalizer> makeNormalizer(const Json &json,
                                           const std::string &path);

class PreTokenizer {
public:
  virtual ~PreTokenizer() = default;
  /// Splits (and may rewrite) every piece; pieces that become empty are
  /// dropped, as in Hugging Face.
  virtual void preTokenize(std::vector<Piece> &pieces) const = 0;
};
std::unique_ptr<PreTokenizer> makePreTokenizer(const Json &json,
                                               const std::string &path);

class Model {
public:
  virtual ~Model() = default;
  /// Appends the ids of one pre-tokenized word; false when a character has
  /// no token and the model no unknown token to stand for it (a Unigram
  /// model without unk_id, where Hugging Face fails the encoding too).
  virtual bool tokenize(std::string_view word,
                        std::vector<int64_t> &ids) const = 0;
  /// The vocabulary string of `id`, or null.
  virtual const std::string *idToToken(int64_t id) const = 0;
  virtual int64_t vocabSize() const = 0;
  virtual const char *typeName() const = 0;
};
std::unique_ptr<Model> makeModel(const Json &json, const std::string &path);

/// The special-token ids a post-processor puts around a single sequence.
struct Template {
  std::vector<int64_t> before, after;
};
/// Reads "post_processor" into the ids for a single sequence (pairs are not
/// used by prompts).
Template makeTemplate(const Json &json, const std::string &path);

/// How a decoder chain is run: as Hugging Face's decode (one string,
/// `perToken` false), or keeping one raw-byte string per token, for showing
/// tokens (see Tokenizer::tokenTexts).
struct DecodeMode {
  bool perToken = false;
  /// A Fuse decoder ran: in per-token mode the tokens still stand for one
  /// string, so Strip trims only its ends.
  bool fused = false;
};

class Decoder {
public:
  virtual ~Decoder() = default;
  virtual void decodeChain(std::vector<std::string> &tokens,
                           DecodeMode &mode) const = 0;
};
std::unique_ptr<Decoder> makeDecoder(const Json &json, const std::string &path);

} // namespace sinktok

#endif // SINKTOK_COMPONENTS_H
