//===- RuntimeHook.cpp - sinktok behind the runtime's TextTokenizer -------===//
//
// Defines the strong sinkrt_load_tokenizer that the runtime declares weak;
// sinkc links this member in (-Wl,--undefined) for models compiled with a
// tokenizer.json.
//
//===----------------------------------------------------------------------===//

#define SINKTOK_DEFINES_LOADER
#include "sinkrt/TextTokenizer.h"
#include "sinktok/Tokenizer.h"

namespace {

class HuggingFaceTokenizer : public sinkrt::TextTokenizer {
public:
  explicit HuggingFaceTokenizer(sinktok::Tokenizer tokenizer)
      : tokenizer(std::move(tokenizer)) {}
  sinkrt::Expected<std::vector<int64_t>>
  encode(std::string_view text) const override {
    return tokenizer.encode(text);
  }
  std::vector<std::string>
  tokenTexts(const std::vector<int64_t> &ids) const override {
    return tokenizer.tokenTexts(ids);
  }
  int64_t vocabSize() const override { return tokenizer.vocabSize(); }

private:
  sinktok::Tokenizer tokenizer;
};

} // namespace

extern "C" sinkrt::TextTokenizer *sinkrt_load_tokenizer(const char *json,
                                                        size_t size,
                                                        const char *source,
                                                        std::string *error) {
  sinkrt::Expected<sinktok::Tokenizer> tokenizer =
      sinktok::Tokenizer::fromJson(std::string_view(json, size), source);
  if (!tokenizer) {
    *error = tokenizer.getError().message;
    return nullptr;
  }
  return new HuggingFaceTokenizer(std::move(*tokenizer));
}
