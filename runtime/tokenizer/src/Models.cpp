//===- Models.cpp - tokenizer.json "model": BPE and Unigram ---------------===//

#include "Components.h"
#include "Unicode.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <queue>

namespace sinktok {

namespace {

/// Ids from 0 to the largest one, with the strings they stand for.
class Vocabulary {
public:
  void add(const std::string &token, int64_t id, const std::string &path) {
    if (id < 0 || id > std::numeric_limits<int32_t>::max())
      throwLoadError(path, "id " + std::to_string(id) + " of token '" + token +
                               "' is out of range");
    if (!ids.emplace(token, id).second)
      throwLoadError(path, "token '" + token + "' appears twice");
    if (static_cast<size_t>(id) >= tokens.size()) {
      tokens.resize(id + 1);
      present.resize(id + 1, false);
    }
    tokens[id] = token;
    present[id] = true;
  }
  void reserve(size_t count) { ids.reserve(count); }
  const int64_t *find(const std::string &token) const {
    auto found = ids.find(token);
    return found == ids.end() ? nullptr : &found->second;
  }
  const int64_t *find(std::string_view token) const {
    return find(std::string(token));
  }
  const std::string *token(int64_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= tokens.size() || !present[id])
      return nullptr;
    return &tokens[id];
  }
  int64_t size() const { return static_cast<int64_t>(tokens.size()); }

private:
  std::unordered_map<std::string, int64_t> ids;
  std::vector<std::string> tokens;
  std::vector<bool> present;
};

/// "<0x41>": the spelling of a byte-fallback token.
std::string byteToken(unsigned char byte) {
  char text[8];
  std::snprintf(text, sizeof(text), "<0x%02X>", byte);
  return text;
}

/// A bounded map from words to their ids: prompts repeat words, and merging
/// a word costs far more than looking it up.
class WordCache {
public:
  bool lookup(std::string_view word, std::vector<int64_t> &ids) const {
    std::lock_guard<std::mutex> lock(mutex);
    auto found = words.find(std::string(word));
    if (found == words.end())
      return false;
    ids.insert(ids.end(), found->second.begin(), found->second.end());
    return true;
  }
  void store(std::string_view word, const int64_t *begin,
             const int64_t *end) const {
    // Long words rarely repeat (a whole text, with no pre-tokenizer), and
    // would make the cache hold the text twice.
    if (word.size() > kMaxWordLength)
      return;
    std::lock_guard<std::mutex> lock(mutex);
    if (words.size() >= kCapacity)
      return;
    words.emplace(std::string(word), std::vector<int64_t>(begin, end));
  }

private:
  static constexpr size_t kCapacity = 100000;
  static constexpr size_t kMaxWordLength = 256;
  mutable std::mutex mutex;
  mutable std::unordered_map<std::string, std::vector<int64_t>> words;
};

class BpeModel : public Model {
public:
  BpeModel(const Json &json, const std::string &path);
  bool tokenize(std::string_view word,
                std::vector<int64_t> &ids) const override;
  const std::string *idToToken(int64_t id) const override {
    return vocab.token(id);
  }
  int64_t vocabSize() const override { return vocab.size(); }
  const char *typeName() const override { return "BPE"; }

private:
  struct Merge {
    uint32_t rank;
    uint32_t newId;
  };
  static uint64_t pairKey(int64_t left, int64_t right) {
    return static_cast<uint64_t>(left) << 32 | static_cast<uint64_t>(right);
  }
  void mergeWord(std::string_view word, std::vector<int64_t> &ids) const;

  Vocabulary vocab;
  std::unordered_map<uint64_t, Merge> merges;
  std::optional<int64_t> unkId;
  std::string continuingSubwordPrefix, endOfWordSuffix;
  bool fuseUnk = false, byteFallback = false, ignoreMerges = false;
  int64_t byteIds[256];
  bool haveByteIds[256];
  WordCache cache;
};

std::optional<std::string> optionalString(const Json &json, const char *key,
                                          const std::string &path) {
  auto found = json.find(key);
  if (found == json.end() || found->is_null())
    return std::nullopt;
  if (!found->is_string())
    throwLoadError(joinPath(path, key), "expected a string or null");
  return found->get<std::string>();
}

BpeModel::BpeModel(const Json &json, const std::string &path) {
  auto dropout = json.find("dropout");
  if (dropout != json.end() && !dropout->is_null() &&
      !(dropout->is_number() && dropout->get<double>() == 0.0))
    throwLoadError(joinPath(path, "dropout"),
                   "BPE dropout is random and not supported for encoding; "
                   "set it to null");
  const Json &vocabJson = requireField(json, "vocab", path);
  std::string vocabPath = joinPath(path, "vocab");
  if (!vocabJson.is_object())
    throwLoadError(vocabPath, "expected an object of token: id");
  vocab.reserve(vocabJson.size());
  for (auto it = vocabJson.begin(); it != vocabJson.end(); ++it) {
    if (!it->is_number_integer())
      throwLoadError(joinPath(vocabPath, it.key()), "expected an integer id");
    vocab.add(it.key(), it->get<int64_t>(), joinPath(vocabPath, it.key()));
  }
  if (auto unk = optionalString(json, "unk_token", path)) {
    const int64_t *id = vocab.find(*unk);
    if (!id)
      throwLoadError(joinPath(path, "unk_token"),
                     "'" + *unk + "' is not in the vocabulary");
    unkId = *id;
  }
  continuingSubwordPrefix =
      optionalString(json, "continuing_subword_prefix", path).value_or("");
  endOfWordSuffix =
      optionalString(json, "end_of_word_suffix", path).value_or("");
  fuseUnk = getBool(json, "fuse_unk", path, false);
  byteFallback = getBool(json, "byte_fallback", path, false);
  ignoreMerges = getBool(json, "ignore_merges", path, false);
  for (int b = 0; b < 256; ++b) {
    const int64_t *id = vocab.find(byteToken(static_cast<unsigned char>(b)));
    haveByteIds[b] = id != nullptr;
    byteIds[b] = id ? *id : -1;
  }

  const Json &mergesJson = requireField(json, "merges", path);
  std::string mergesPath = joinPath(path, "merges");
  if (!mergesJson.is_array())
    throwLoadError(mergesPath, "expected an array");
  merges.reserve(mergesJson.size());
  uint32_t rank = 0;
  for (size_t i = 0; i < mergesJson.size(); ++i) {
    const Json &entry = mergesJson[i];
    std::string entryPath = indexPath(mergesPath, i);
    std::string left, right;
    // Two spellings: "a b" (older files) and ["a", "b"] (tokenizers >=
    // 0.20, which allows spaces inside tokens).
    if (entry.is_string()) {
      std::string line = entry.get<std::string>();
      if (line.rfind("#version", 0) == 0)
        continue;
      size_t space = line.find(' ');
      if (space == std::string::npos ||
          line.find(' ', space + 1) != std::string::npos)
        throwLoadError(entryPath, "merge '" + line +
                                      "' is not two tokens separated by "
                                      "one space");
      left = line.substr(0, space);
      right = line.substr(space + 1);
    } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() &&
               entry[1].is_string()) {
      left = entry[0].get<std::string>();
      right = entry[1].get<std::string>();
    } else {
      throwLoadError(entryPath, "expected \"a b\" or [\"a\", \"b\"]");
    }
    const int64_t *leftId = vocab.find(left);
    const int64_t *rightId = vocab.find(right);
    if (!leftId || !rightId)
      throwLoadError(entryPath, "token '" + (leftId ? right : left) +
                                    "' of the merge is not in the vocabulary");
    if (right.compare(0, continuingSubwordPrefix.size(),
                      continuingSubwordPrefix) != 0)
      throwLoadError(entryPath, "token '" + right +
                                    "' lacks the continuing subword "
                                    "prefix");
    std::string merged = left + right.substr(continuingSubwordPrefix.size());
    const int64_t *mergedId = vocab.find(merged);
    if (!mergedId)
      throwLoadError(entryPath,
                     "merged token '" + merged + "' is not in the vocabulary");
    // A repeated pair keeps its last rank, as Hugging Face's HashMap does.
    merges[pairKey(*leftId, *rightId)] = {rank,
                                          static_cast<uint32_t>(*mergedId)};
    ++rank;
  }
}

bool BpeModel::tokenize(std::string_view word,
                        std::vector<int64_t> &ids) const {
  if (word.empty())
    return true;
  if (ignoreMerges)
    if (const int64_t *id = vocab.find(word)) {
      ids.push_back(*id);
      return true;
    }
  if (cache.lookup(word, ids))
    return true;
  size_t first = ids.size();
  mergeWord(word, ids);
  cache.store(word, ids.data() + first, ids.data() + ids.size());
  // Characters without a token and without an unknown token are dropped,
  // as Hugging Face's BPE does.
  return true;
}

/// BPE::merge_word and Word::merge_all of Hugging Face: characters (with
/// byte fallback and unknown-token fusion), then the merges applied lowest
/// rank first, leftmost first among equal ranks.
void BpeModel::mergeWord(std::string_view word,
                         std::vector<int64_t> &ids) const {
  struct Symbol {
    int64_t id;
    int prev, next;
    bool removed;
  };
  std::vector<Symbol> symbols;
  auto add = [&](int64_t id) {
    int index = static_cast<int>(symbols.size());
    symbols.push_back({id, index - 1, -1, false});
    if (index > 0)
      symbols[index - 1].next = index;
  };
  std::optional<int64_t> pendingUnk;
  std::string piece;
  for (size_t i = 0; i < word.size();) {
    size_t length = utf8Length(static_cast<unsigned char>(word[i]));
    bool isFirst = i == 0, isLast = i + length >= word.size();
    piece.assign(word.substr(i, length));
    i += length;
    if (!isFirst)
      piece.insert(0, continuingSubwordPrefix);
    if (isLast)
      piece += endOfWordSuffix;
    if (const int64_t *id = vocab.find(piece)) {
      if (pendingUnk) {
        add(*pendingUnk);
        pendingUnk.reset();
      }
      add(*id);
      continue;
    }
    if (byteFallback) {
      bool all = true;
      for (char c : piece)
        all = all && haveByteIds[static_cast<unsigned char>(c)];
      if (all) {
        for (char c : piece)
          add(byteIds[static_cast<unsigned char>(c)]);
        continue;
      }
    }
    if (unkId) {
      if (pendingUnk && !fuseUnk)
        add(*pendingUnk);
      pendingUnk = *unkId;
    }
  }
  if (pendingUnk)
    add(*pendingUnk);

  struct Candidate {
    uint32_t rank;
    int position;
    uint32_t newId;
    bool operator<(const Candidate &other) const {
      // std::priority_queue pops the largest: make that the lowest rank,
      // then the leftmost position.
      if (rank != other.rank)
        return rank > other.rank;
      return position > other.position;
    }
  };
  std::priority_queue<Candidate> queue;
  auto lookup = [&](int64_t left, int64_t right) -> const Merge * {
    auto found = merges.find(pairKey(left, right));
    return found == merges.end() ? nullptr : &found->second;
  };
  for (size_t i = 0; i + 1 < symbols.size(); ++i)
    if (const Merge *merge = lookup(symbols[i].id, symbols[i + 1].id))
      queue.push({merge->rank, static_cast<int>(i), merge->newId});
  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol &current = symbols[top.position];
    if (current.removed || current.next < 0)
      continue;
    Symbol &right = symbols[current.next];
    const Merge *merge = lookup(current.id, right.id);
    // A stale entry: one of the two symbols has merged since.
    if (!merge || merge->newId != top.newId)
      continue;
    current.id = top.newId;
    right.removed = true;
    current.next = right.next;
    if (right.next >= 0)
      symbols[right.next].prev = top.position;
    if (current.prev >= 0)
      if (const Merge *left = lookup(symbols[current.prev].id, current.id))
        queue.push({left->rank, current.prev, left->newId});
    if (current.next >= 0)
      if (const Merge *next = lookup(current.id, symbols[current.next].id))
        queue.push({next->rank, top.position, next->newId});
  }
  for (const Symbol &symbol : symbols)
    if (!symbol.removed)
      ids.push_back(symbol.id);
}

/// SentencePiece-style unigram model, decoded with Viterbi over the pieces
/// as Hugging Face's Unigram::encode_optimized (unknown characters fused).
class UnigramModel : public Model {
public:
  UnigramModel(const Json &json, const std::string &path);
  bool tokenize(std::string_view word,
                std::vector<int64_t> &ids) const override;
  const std::string *idToToken(int64_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= pieces.size())
      return nullptr;
    return &pieces[id];
  }
  int64_t vocabSize() const override {
    return static_cast<int64_t>(pieces.size());
  }
  const char *typeName() const override { return "Unigram"; }

private:
  /// A byte trie over the pieces: node 0 is the root.
  int child(int node, unsigned char byte) const {
    auto found = edges.find(static_cast<uint64_t>(node) << 8 | byte);
    return found == edges.end() ? -1 : found->second;
  }

  std::vector<std::string> pieces;
  std::vector<double> scores;
  std::unordered_map<std::string, int64_t> pieceIds;
  std::unordered_map<uint64_t, int> edges;
  std::vector<int64_t> nodePiece{-1};
  std::optional<int64_t> unkId;
  double minScore = std::numeric_limits<double>::infinity();
  bool byteFallback = false;
};

UnigramModel::UnigramModel(const Json &json, const std::string &path) {
  const Json &vocabJson = requireField(json, "vocab", path);
  std::string vocabPath = joinPath(path, "vocab");
  if (!vocabJson.is_array() || vocabJson.empty())
    throwLoadError(vocabPath, "expected a non-empty array of [piece, score]");
  for (size_t i = 0; i < vocabJson.size(); ++i) {
    const Json &entry = vocabJson[i];
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() ||
        !entry[1].is_number())
      throwLoadError(indexPath(vocabPath, i), "expected [piece, score]");
    std::string piece = entry[0].get<std::string>();
    double score = entry[1].get<double>();
    // Later duplicates shadow earlier ones, as in Hugging Face's map.
    pieceIds[piece] = static_cast<int64_t>(i);
    pieces.push_back(piece);
    scores.push_back(score);
    minScore = std::min(minScore, score);
    int node = 0;
    for (char c : piece) {
      uint64_t key =
          static_cast<uint64_t>(node) << 8 | static_cast<unsigned char>(c);
      auto [it, inserted] =
          edges.emplace(key, static_cast<int>(nodePiece.size()));
      if (inserted)
        nodePiece.push_back(-1);
      node = it->second;
    }
    nodePiece[node] = static_cast<int64_t>(i);
  }
  auto unk = json.find("unk_id");
  if (unk != json.end() && !unk->is_null()) {
    if (!unk->is_number_integer() || unk->get<int64_t>() < 0 ||
        unk->get<int64_t>() >= static_cast<int64_t>(pieces.size()))
      throwLoadError(joinPath(path, "unk_id"),
                     "expected an id inside the vocabulary");
    unkId = unk->get<int64_t>();
  }
  byteFallback = getBool(json, "byte_fallback", path, false);
}

bool UnigramModel::tokenize(std::string_view word,
                            std::vector<int64_t> &ids) const {
  if (word.empty())
    return true;
  // Hugging Face's K_UNK_PENALTY.
  const double unkScore = minScore - 10.0;
  struct Node {
    int64_t id = -1;
    double score = 0;
    int64_t start = -1;
  };
  size_t size = word.size();
  std::vector<Node> best(size + 1);
  for (size_t start = 0; start < size;) {
    double scoreHere = best[start].score;
    size_t charLength = utf8Length(static_cast<unsigned char>(word[start]));
    bool haveSingleCharacter = false;
    int node = 0;
    for (size_t end = start; end < size; ++end) {
      node = child(node, static_cast<unsigned char>(word[end]));
      if (node < 0)
        break;
      int64_t piece = nodePiece[node];
      if (piece < 0)
        continue;
      // Hugging Face looks the piece up by its text, so a duplicated piece
      // resolves to its last id.
      int64_t id = pieceIds.at(pieces[piece]);
      Node &target = best[end + 1];
      double candidate = scores[id] + scoreHere;
      if (target.start < 0 || candidate > target.score) {
        target = {id, candidate, static_cast<int64_t>(start)};
      }
      if (end + 1 - start == charLength)
        haveSingleCharacter = true;
    }
    if (!haveSingleCharacter) {
      Node &target = best[start + charLength];
      double candidate = unkScore + scoreHere;
      if (target.start < 0 || candidate > target.score)
        target = {unkId.value_or(-1), candidate, static_cast<int64_t>(start)};
    }
    start += charLength;
  }
  // Back from the end; runs of unknown characters become one token.
  std::vector<std::pair<size_t, size_t>> spans;
  std::vector<bool> unknown;
  for (size_t end = size; end > 0;) {
    const Node &node = best[end];
    size_t start = static_cast<size_t>(node.start);
    bool isUnk = node.id < 0 || (unkId && node.id == *unkId);
    if (isUnk && !unknown.empty() && unknown.back())
      spans.back().first = start;
    else {
      spans.emplace_back(start, end);
      unknown.push_back(isUnk);
    }
    end = start;
  }
  for (size_t i = spans.size(); i-- > 0;) {
    std::string_view text =
        word.substr(spans[i].first, spans[i].second - spans[i].first);
    auto found = pieceIds.find(std::string(text));
    if (found != pieceIds.end()) {
      ids.push_back(found->second);
      continue;
    }
    if (byteFallback) {
      std::vector<int64_t> bytes;
      for (char c : text) {
        auto byte = pieceIds.find(byteToken(static_cast<unsigned char>(c)));
        if (byte == pieceIds.end())
          break;
        bytes.push_back(byte->second);
      }
      if (bytes.size() == text.size()) {
        ids.insert(ids.end(), bytes.begin(), bytes.end());
        continue;
      }
    }
    // Without an unknown token Hugging Face fails the whole encoding.
    if (!unkId)
      return false;
    ids.push_back(*unkId);
  }
  return true;
}

} // namespace

std::unique_ptr<Model> makeModel(const Json &json, const std::string &path) {
  if (!json.is_object())
    throwLoadError(path, "expected a JSON object");
  std::string type;
  auto found = json.find("type");
  if (found != json.end()) {
    type = getString(json, "type", path);
  } else {
    // Files from before the "type" tag: tell the models apart by shape.
    auto vocab = json.find("vocab");
    if (json.contains("merges"))
      type = "BPE";
    else if (vocab != json.end() && vocab->is_array())
      type = "Unigram";
  }
  if (type == "BPE")
    return std::make_unique<BpeModel>(json, path);
  if (type == "Unigram")
    return std::make_unique<UnigramModel>(json, path);
  throwLoadError(joinPath(path, "type"),
                 "model '" + type +
                     "' is not supported (supported: BPE, Unigram)");
}

} // namespace sinktok
