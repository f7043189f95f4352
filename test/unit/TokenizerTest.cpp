//===- TokenizerTest.cpp - sinktok, component by component ----------------===//
//
// Each test builds a small tokenizer.json by hand and checks the ids the
// Hugging Face component of the same name gives (the behaviour the
// reference comparison in test/tokenizers checks on whole files).
//
//===----------------------------------------------------------------------===//

#include "sinktok/Tokenizer.h"
#include "Unicode.h"

#include <gtest/gtest.h>

using sinktok::Tokenizer;

namespace {

/// A tokenizer.json from its sections (JSON text; "null" when absent).
std::string tokenizerJson(const std::string &model,
                          const std::string &normalizer = "null",
                          const std::string &preTokenizer = "null",
                          const std::string &addedTokens = "[]",
                          const std::string &postProcessor = "null",
                          const std::string &decoder = "null") {
  return "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, "
         "\"added_tokens\": " +
         addedTokens + ", \"normalizer\": " + normalizer +
         ", \"pre_tokenizer\": " + preTokenizer +
         ", \"post_processor\": " + postProcessor +
         ", \"decoder\": " + decoder + ", \"model\": " + model + "}";
}

Tokenizer load(const std::string &json) {
  sinkrt::Expected<Tokenizer> tokenizer = Tokenizer::fromJson(json, "t.json");
  EXPECT_TRUE(tokenizer.isOk())
      << (tokenizer.isOk() ? "" : tokenizer.getError().message);
  if (!tokenizer)
    std::abort();
  return std::move(*tokenizer);
}

std::vector<int64_t> encode(const Tokenizer &tokenizer, const std::string &text,
                            bool special = true) {
  sinkrt::Expected<std::vector<int64_t>> ids = tokenizer.encode(text, special);
  EXPECT_TRUE(ids.isOk()) << (ids.isOk() ? "" : ids.getError().message);
  return ids ? *ids : std::vector<int64_t>{};
}

std::string loadError(const std::string &json) {
  sinkrt::Expected<Tokenizer> tokenizer = Tokenizer::fromJson(json, "t.json");
  EXPECT_FALSE(tokenizer.isOk());
  return tokenizer.isOk() ? "" : tokenizer.getError().message;
}

using Ids = std::vector<int64_t>;

const char *const kAbcVocab =
    R"("a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4, "abc": 5)";

std::string bpe(const std::string &vocab, const std::string &merges,
                const std::string &options = "") {
  return "{\"type\": \"BPE\", \"vocab\": {" + vocab + "}, \"merges\": [" +
         merges + "]" + (options.empty() ? "" : ", " + options) + "}";
}

} // namespace

TEST(TokenizerBpe, LowestRankMergesFirst) {
  // (b, c) has rank 0: "abc" is a + bc, then (a, bc) has no merge.
  Tokenizer first = load(tokenizerJson(bpe(kAbcVocab, R"("b c", "a b")")));
  EXPECT_EQ(encode(first, "abc"), (Ids{0, 4}));
  Tokenizer second = load(tokenizerJson(bpe(kAbcVocab, R"("a b", "b c")")));
  EXPECT_EQ(encode(second, "abc"), (Ids{3, 2}));
  Tokenizer chained =
      load(tokenizerJson(bpe(kAbcVocab, R"("a b", "b c", "ab c")")));
  EXPECT_EQ(encode(chained, "abcabc"), (Ids{5, 5}));
}

TEST(TokenizerBpe, EqualRanksMergeLeftmostFirst) {
  Tokenizer tokenizer = load(
      tokenizerJson(bpe(R"("a": 0, "aa": 1, "aaa": 2)", R"("a a", "aa a")")));
  // a a a: both pairs rank 0, the left one merges: aa + a, then aaa.
  EXPECT_EQ(encode(tokenizer, "aaa"), (Ids{2}));
  EXPECT_EQ(encode(tokenizer, "aaaa"), (Ids{1, 1}));
}

TEST(TokenizerBpe, BothMergeSpellingsAgree) {
  Tokenizer legacy = load(tokenizerJson(bpe(kAbcVocab, R"("b c", "a b")")));
  Tokenizer pairs =
      load(tokenizerJson(bpe(kAbcVocab, R"(["b", "c"], ["a", "b"])")));
  for (const char *text : {"abc", "cab", "bcab", "aabbcc"})
    EXPECT_EQ(encode(legacy, text), encode(pairs, text)) << text;
}

TEST(TokenizerBpe, ByteFallbackSpellsUnknownCharactersAsBytes) {
  std::string vocab =
      std::string(kAbcVocab) + R"(, "<0xC3>": 6, "<0xA9>": 7, "<unk>": 8)";
  Tokenizer tokenizer = load(tokenizerJson(
      bpe(vocab, "", R"("byte_fallback": true, "unk_token": "<unk>")")));
  EXPECT_EQ(encode(tokenizer, "a\xC3\xA9"), (Ids{0, 6, 7}));
  // No byte token for 'ü' (C3 BC): the unknown token stands for it.
  EXPECT_EQ(encode(tokenizer, "\xC3\xBC"
                              "b"),
            (Ids{8, 1}));
}

TEST(TokenizerBpe, UnknownCharactersFuseOnlyWithFuseUnk) {
  std::string vocab = std::string(kAbcVocab) + R"(, "<unk>": 6)";
  Tokenizer fused = load(tokenizerJson(
      bpe(vocab, "", R"("unk_token": "<unk>", "fuse_unk": true)")));
  EXPECT_EQ(encode(fused, "xxaxy"), (Ids{6, 0, 6}));
  Tokenizer separate = load(tokenizerJson(
      bpe(vocab, "", R"("unk_token": "<unk>", "fuse_unk": false)")));
  EXPECT_EQ(encode(separate, "xxaxy"), (Ids{6, 6, 0, 6, 6}));
  // Without an unknown token the characters are dropped.
  Tokenizer dropping = load(tokenizerJson(bpe(kAbcVocab, "")));
  EXPECT_EQ(encode(dropping, "xax"), (Ids{0}));
}

TEST(TokenizerBpe, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  // "abc" is in the vocabulary but no merge sequence reaches it.
  Tokenizer merging = load(tokenizerJson(bpe(kAbcVocab, R"("a b")")));
  EXPECT_EQ(encode(merging, "abc"), (Ids{3, 2}));
  Tokenizer ignoring = load(
      tokenizerJson(bpe(kAbcVocab, R"("a b")", R"("ignore_merges": true)")));
  EXPECT_EQ(encode(ignoring, "abc"), (Ids{5}));
}

TEST(TokenizerUnigram, ViterbiPicksTheBestScoringSegmentation) {
  std::string model = R"({"type": "Unigram", "unk_id": 0, "vocab": [
      ["<unk>", 0.0], ["a", -2.0], ["b", -2.0], ["c", -2.0],
      ["ab", -3.0], ["bc", -1.5], ["abc", -5.0]]})";
  Tokenizer tokenizer = load(tokenizerJson(model));
  // a+bc = -3.5 beats ab+c = -5, abc = -5, a+b+c = -6.
  EXPECT_EQ(encode(tokenizer, "abc"), (Ids{1, 5}));
  // Unknown characters in a row become one <unk>.
  EXPECT_EQ(encode(tokenizer, "xya"), (Ids{0, 1}));
}

TEST(TokenizerUnigram, WithoutUnkIdUnknownCharactersAreAnError) {
  Tokenizer tokenizer = load(tokenizerJson(
      R"({"type": "Unigram", "unk_id": null, "vocab": [["a", -1.0]]})"));
  EXPECT_EQ(encode(tokenizer, "aa"), (Ids{0, 0}));
  sinkrt::Expected<std::vector<int64_t>> ids = tokenizer.encode("ax");
  ASSERT_FALSE(ids.isOk());
  EXPECT_NE(ids.getError().message.find("has no token"), std::string::npos);
}

TEST(TokenizerNormalizers, UnicodeFormsLowercaseStripReplacePrepend) {
  EXPECT_EQ(sinktok::normalize("e\xCC\x81", sinktok::NormalForm::NFC),
            "\xC3\xA9");
  EXPECT_EQ(sinktok::normalize("\xEF\xAC\x81", sinktok::NormalForm::NFKC),
            "fi");
  EXPECT_EQ(sinktok::normalize("\xC3\xA9", sinktok::NormalForm::NFD),
            "e\xCC\x81");
  // Full mappings, no context: İ -> i + combining dot, Σ -> σ always.
  EXPECT_EQ(sinktok::lowercase("\xC4\xB0"
                               "A\xCE\xA3"),
            "i\xCC\x87"
            "a\xCF\x83");

  std::string vocab = R"("a": 0, "b": 1, "_": 2, "c": 3)";
  Tokenizer tokenizer =
      load(tokenizerJson(bpe(vocab, ""),
                         R"({"type": "Sequence", "normalizers": [
          {"type": "Strip", "strip_left": true, "strip_right": true},
          {"type": "Lowercase"},
          {"type": "Replace", "pattern": {"String": " "}, "content": "_"},
          {"type": "Prepend", "prepend": "c"}]})"));
  EXPECT_EQ(encode(tokenizer, " \xE2\x80\x83"
                              "A b\t"),
            (Ids{3, 0, 2, 1}));
  // Prepend leaves empty text alone.
  EXPECT_EQ(encode(tokenizer, "  "), (Ids{}));
}

TEST(TokenizerPreTokenizers, SplitBehaviors) {
  // Merges glue pieces back together only inside one piece, so the ids show
  // where the pre-tokenizer cut.
  std::string vocab = R"("a": 0, "b": 1, "c": 2, "-": 3, "a-": 4, "b-": 5,
                         "-b": 6, "-c": 7, "--": 8, "-a": 9, "c-": 10)";
  std::string merges = R"("a -", "b -", "- b", "- c", "- -", "- a", "c -")";
  auto split = [&](const char *behavior) {
    return load(tokenizerJson(
        bpe(vocab, merges), "null",
        std::string(R"({"type": "Split", "pattern": {"String": "-"},
            "behavior": ")") +
            behavior + R"(", "invert": false})"));
  };
  EXPECT_EQ(encode(split("Isolated"), "a-b--c"), (Ids{0, 3, 1, 3, 3, 2}));
  EXPECT_EQ(encode(split("Removed"), "a-b--c"), (Ids{0, 1, 2}));
  EXPECT_EQ(encode(split("MergedWithPrevious"), "a-b--c"), (Ids{4, 5, 3, 2}));
  EXPECT_EQ(encode(split("MergedWithNext"), "a-b--c"), (Ids{0, 6, 3, 7}));
  EXPECT_EQ(encode(split("Contiguous"), "a-b--c"), (Ids{0, 3, 1, 8, 2}));
}

TEST(TokenizerPreTokenizers, RegexSplitWithUnicodeProperties) {
  // Letters and numbers by Unicode property: é and Devanagari digits.
  std::string vocab = "\"\xC3\xA9\": 0, \"x\": 1, \"\xC3\xA9x\": 2, "
                      "\"\xE0\xA5\xA7\": 3, \"\xE0\xA5\xA8\": 4, "
                      "\"\xE0\xA5\xA7\xE0\xA5\xA8\": 5, \" \": 6";
  Tokenizer tokenizer = load(tokenizerJson(
      bpe(vocab, "\"\xC3\xA9 x\", \"\xE0\xA5\xA7 \xE0\xA5\xA8\""), "null",
      R"({"type": "Split", "pattern": {"Regex": "\\p{L}+|\\p{N}"},
          "behavior": "Isolated", "invert": false})"));
  // "éx" stays one piece; each digit is its own piece.
  EXPECT_EQ(encode(tokenizer, "\xC3\xA9x \xE0\xA5\xA7\xE0\xA5\xA8"),
            (Ids{2, 6, 3, 4}));
}

TEST(TokenizerPreTokenizers, DigitsIndividuallyOrContiguous) {
  std::string vocab = R"("1": 0, "2": 1, "12": 2, "a": 3, "a1": 4)";
  std::string merges = R"("1 2", "a 1")";
  auto digits = [&](bool individual) {
    return load(tokenizerJson(
        bpe(vocab, merges), "null",
        std::string(R"({"type": "Digits", "individual_digits": )") +
            (individual ? "true" : "false") + "}"));
  };
  EXPECT_EQ(encode(digits(true), "a12"), (Ids{3, 0, 1}));
  EXPECT_EQ(encode(digits(false), "a12"), (Ids{3, 2}));
}

TEST(TokenizerPreTokenizers, MetaspacePrependSchemes) {
  std::string vocab = "\"\xE2\x96\x81\": 0, \"a\": 1, \"\xE2\x96\x81"
                      "a\": 2, "
                      "\"<s>\": 3";
  std::string merges = "\"\xE2\x96\x81 a\"";
  std::string added = R"([{"id": 3, "content": "<s>", "single_word": false,
      "lstrip": false, "rstrip": false, "normalized": false,
      "special": true}])";
  auto metaspace = [&](const char *scheme) {
    return load(tokenizerJson(
        bpe(vocab, merges), "null",
        std::string(R"({"type": "Metaspace", "replacement": "\u2581",
            "prepend_scheme": ")") +
            scheme + R"(", "split": true})",
        added));
  };
  EXPECT_EQ(encode(metaspace("always"), "a a"), (Ids{2, 2}));
  EXPECT_EQ(encode(metaspace("never"), "a a"), (Ids{1, 2}));
  // "first": only the piece at the start of the text gets the prefix, not
  // the one after an added token.
  EXPECT_EQ(encode(metaspace("first"), "a<s>a"), (Ids{2, 3, 1}));
  EXPECT_EQ(encode(metaspace("always"), "a<s>a"), (Ids{2, 3, 2}));
}

TEST(TokenizerAddedTokens, MatchedBeforePreTokenizationWithStripRules) {
  std::string vocab = R"("a": 0, "b": 1, " ": 2, "<x>": 3, "<y>": 4,
                         "word": 5, "<w>": 6)";
  std::string added = R"([
    {"id": 3, "content": "<x>", "single_word": false, "lstrip": true,
     "rstrip": false, "normalized": false, "special": true},
    {"id": 4, "content": "<y>", "single_word": false, "lstrip": false,
     "rstrip": true, "normalized": false, "special": true},
    {"id": 6, "content": "<w>", "single_word": true, "lstrip": false,
     "rstrip": false, "normalized": false, "special": false}])";
  Tokenizer tokenizer =
      load(tokenizerJson(bpe(vocab, ""), "null", "null", added));
  // lstrip eats the spaces before <x>, rstrip those after <y>.
  EXPECT_EQ(encode(tokenizer, "a  <x> b"), (Ids{0, 3, 2, 1}));
  EXPECT_EQ(encode(tokenizer, "a <y>  b"), (Ids{0, 2, 4, 1}));
  // single_word: not inside a word ('<', 'w', '>' have no tokens here).
  EXPECT_EQ(encode(tokenizer, "a <w> b"), (Ids{0, 2, 6, 2, 1}));
  EXPECT_EQ(encode(tokenizer, "a<w>b"), (Ids{0, 1}));
}

TEST(TokenizerAddedTokens, NormalizedTokensMatchTheNormalizedText) {
  std::string vocab = R"("h": 0, "i": 1, "hi": 2)";
  std::string added = R"([{"id": 2, "content": "HI", "single_word": false,
      "lstrip": false, "rstrip": false, "normalized": true,
      "special": false}])";
  Tokenizer tokenizer = load(
      tokenizerJson(bpe(vocab, ""), R"({"type": "Lowercase"})", "null", added));
  EXPECT_EQ(encode(tokenizer, "hHiI"), (Ids{0, 2, 1}));
}

TEST(TokenizerPostProcessor, TemplateAddsBosUnlessAskedNotTo) {
  std::string vocab = R"("<s>": 0, "a": 1)";
  std::string post = R"({"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}}],
      "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [0],
      "tokens": ["<s>"]}}})";
  Tokenizer tokenizer =
      load(tokenizerJson(bpe(vocab, ""), "null", "null", "[]", post));
  EXPECT_EQ(encode(tokenizer, "aa"), (Ids{0, 1, 1}));
  EXPECT_EQ(encode(tokenizer, "aa", /*special=*/false), (Ids{1, 1}));
  EXPECT_EQ(tokenizer.leadingSpecialIds(), (Ids{0}));
}

TEST(TokenizerDecoders, ByteLevelRoundTripsAndTokenTextsConcatenate) {
  // Byte-level: 'Ġ' is the space, "Ã©" the two bytes of 'é'.
  std::string vocab =
      "\"\xC4\xA0\": 0, \"h\": 1, \"\xC3\x83\": 2, \"\xC2\xA9\": 3";
  Tokenizer tokenizer =
      load(tokenizerJson(bpe(vocab, ""), "null",
                         R"({"type": "ByteLevel", "add_prefix_space": false,
          "trim_offsets": true, "use_regex": true})",
                         "[]", "null", R"({"type": "ByteLevel"})"));
  Ids ids = encode(tokenizer, "h \xC3\xA9");
  EXPECT_EQ(ids, (Ids{1, 0, 2, 3}));
  EXPECT_EQ(tokenizer.decode(ids), "h \xC3\xA9");
  std::vector<std::string> texts = tokenizer.tokenTexts(ids);
  EXPECT_EQ(texts, (std::vector<std::string>{"h", " ", "\xC3", "\xA9"}));
  // Half a character decodes to U+FFFD.
  EXPECT_EQ(tokenizer.decode({1, 2}), "h\xEF\xBF\xBD");
}

TEST(TokenizerDecoders, LlamaChainStripsTheFirstSpaceOnly) {
  std::string vocab = "\"\xE2\x96\x81"
                      "a\": 0, \"<0xC3>\": 1, "
                      "\"<0xA9>\": 2, \"<0xFF>\": 3";
  std::string decoder = R"({"type": "Sequence", "decoders": [
      {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
      {"type": "ByteFallback"}, {"type": "Fuse"},
      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]})";
  Tokenizer tokenizer = load(
      tokenizerJson(bpe(vocab, ""), "null", "null", "[]", "null", decoder));
  EXPECT_EQ(tokenizer.decode({0, 0, 1, 2}), "a a\xC3\xA9");
  EXPECT_EQ(tokenizer.tokenTexts({0, 0, 1, 2}),
            (std::vector<std::string>{"a", " a", "\xC3", "\xA9"}));
  // An invalid byte run: one U+FFFD per byte token.
  EXPECT_EQ(tokenizer.decode({3, 1}), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(TokenizerUnicode, LossyDecodingReplacesMaximalSubparts) {
  EXPECT_EQ(sinktok::utf8Lossy("a\xE2\x82z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(sinktok::utf8Lossy("\xFF\xC3"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(sinktok::utf8Lossy("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(sinktok::findInvalidUtf8("ok\xED\xA0\x80"), 2u);
}

TEST(Tokenizer, InvalidUtf8TextIsBadInput) {
  Tokenizer tokenizer = load(tokenizerJson(bpe(kAbcVocab, "")));
  sinkrt::Expected<std::vector<int64_t>> ids = tokenizer.encode("a\xC3");
  ASSERT_FALSE(ids.isOk());
  EXPECT_EQ(ids.getError().kind, sinkrt::ErrorKind::BadInput);
  EXPECT_EQ(ids.getError().message, "text is not valid UTF-8 (byte 1)");
}

TEST(Tokenizer, MalformedFilesNameTheField) {
  EXPECT_EQ(loadError("{"),
            "t.json: not valid JSON: parse error at line 1, column 2: "
            "syntax error while parsing object key - unexpected end of "
            "input; expected string literal");
  EXPECT_EQ(loadError("[]"), "t.json: expected a JSON object at the top level");
  EXPECT_EQ(loadError("{}"), "t.json: model: missing");
  EXPECT_EQ(loadError(tokenizerJson(bpe(kAbcVocab, R"("a x")"))),
            "t.json: model.merges[0]: token 'x' of the merge is not in the "
            "vocabulary");
  EXPECT_EQ(loadError(tokenizerJson(bpe(kAbcVocab, R"("a b c")"))),
            "t.json: model.merges[0]: merge 'a b c' is not two tokens "
            "separated by one space");
  EXPECT_EQ(loadError(tokenizerJson(bpe(kAbcVocab, "", R"("unk_token": "?")"))),
            "t.json: model.unk_token: '?' is not in the vocabulary");
  EXPECT_EQ(loadError(tokenizerJson(R"({"type": "WordPiece"})")),
            "t.json: model.type: model 'WordPiece' is not supported "
            "(supported: BPE, Unigram)");
  EXPECT_EQ(
      loadError(
          tokenizerJson(bpe(kAbcVocab, ""), R"({"type": "Precompiled"})")),
      "t.json: normalizer.type: normalizer 'Precompiled' is not supported "
      "(supported: Sequence, NFC, NFD, NFKC, NFKD, Prepend, Replace, "
      "Lowercase, Strip, StripAccents)");
  EXPECT_EQ(
      loadError(tokenizerJson(bpe(kAbcVocab, ""), "null",
                              R"({"type": "Split", "pattern": {"Regex": "(a"},
                    "behavior": "Isolated"})")),
      "t.json: pre_tokenizer.pattern.Regex: invalid regular expression "
      "'(a': missing closing parenthesis");
  EXPECT_EQ(loadError(tokenizerJson(bpe(R"("a": "zero")", ""))),
            "t.json: model.vocab.a: expected an integer id");
}
