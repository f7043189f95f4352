//===- sinkc-tokenize.cpp - Token ids of a text for a tokenizer.json ------===//
//
// Checks a tokenizer.json the way a compiled model will use it, without
// compiling one: the ids of a text (the model's --tokens syntax), the tokens
// with their text, a decode, and the throughput on a file. docs/tokenizers.md.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Text.h"
#include "sinktok/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

const char *const kUsage =
    R"(usage: sinkc-tokenize TOKENIZER.json [options] [TEXT]

Prints the ids Hugging Face's tokenizers gives TEXT, comma-separated (the
--tokens syntax of compiled models).

  --file F        tokenize the contents of F instead of TEXT
  --jsonl F       one JSON object per line with a "text" field; prints one
                  JSON line per input: {"ids": [...], "decoded": "...",
                  "roundtrip": "...", "texts": [...]} (decoded with and
                  roundtrip without special tokens; texts: each token's
                  bytes, escaped)
  --show          one line per token: position, id, its text (escaped)
  --no-special    leave out the post-processor's special tokens (BOS, ...)
  --decode IDS    print the decoded text of IDS instead
  --benchmark     with --file: print the time taken to tokenize it
)";

int usageError(const std::string &message) {
  std::fprintf(stderr, "sinkc-tokenize: error: %s (see --help)\n",
               message.c_str());
  return 2;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "sinkc-tokenize: error: %s\n", message.c_str());
  return 1;
}

bool readFile(const std::string &path, std::string &content) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return false;
  std::ostringstream buffer;
  buffer << file.rdbuf();
  content = buffer.str();
  return !file.bad();
}

std::string joinIds(const std::vector<int64_t> &ids) {
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i)
    text += (i ? "," : "") + std::to_string(ids[i]);
  return text;
}

} // namespace

int main(int argc, char **argv) {
  std::string tokenizerPath, text, filePath, jsonlPath, decodeIds;
  bool haveText = false, show = false, special = true, benchmark = false;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    auto value = [&](const char *name, std::string &slot) {
      if (i + 1 >= argc)
        return false;
      slot = argv[++i];
      (void)name;
      return true;
    };
    if (argument == "--help" || argument == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (argument == "--file") {
      if (!value("--file", filePath))
        return usageError("--file needs a file name");
    } else if (argument == "--jsonl") {
      if (!value("--jsonl", jsonlPath))
        return usageError("--jsonl needs a file name");
    } else if (argument == "--decode") {
      if (!value("--decode", decodeIds))
        return usageError("--decode needs ids");
    } else if (argument == "--show") {
      show = true;
    } else if (argument == "--no-special") {
      special = false;
    } else if (argument == "--benchmark") {
      benchmark = true;
    } else if (argument.size() > 1 && argument[0] == '-' && argument != "--") {
      return usageError("unknown option '" + argument + "'");
    } else if (tokenizerPath.empty()) {
      tokenizerPath = argument;
    } else if (!haveText) {
      text = argument;
      haveText = true;
    } else {
      return usageError("unexpected argument '" + argument + "'");
    }
  }
  if (tokenizerPath.empty())
    return usageError("no tokenizer.json given");
  int sources =
      haveText + !filePath.empty() + !jsonlPath.empty() + !decodeIds.empty();
  if (sources != 1)
    return usageError("give exactly one of TEXT, --file, --jsonl and --decode");
  if (benchmark && filePath.empty())
    return usageError("--benchmark needs --file");

  sinkrt::Expected<sinktok::Tokenizer> tokenizer =
      sinktok::Tokenizer::fromFile(tokenizerPath);
  if (!tokenizer)
    return fail(tokenizer.getError().message);

  if (!decodeIds.empty()) {
    std::vector<int64_t> ids;
    for (std::string_view field : sinkrt::splitFields(decodeIds, ',')) {
      std::optional<int64_t> id = sinkrt::parseInt64(field);
      if (!id)
        return usageError("--decode: '" + std::string(field) +
                          "' is not an integer id");
      ids.push_back(*id);
    }
    std::printf("%s\n", tokenizer->decode(ids).c_str());
    return 0;
  }

  if (!jsonlPath.empty()) {
    std::ifstream file(jsonlPath, std::ios::binary);
    if (!file)
      return fail("cannot open '" + jsonlPath + "'");
    std::string line;
    for (size_t lineNumber = 1; std::getline(file, line); ++lineNumber) {
      if (line.empty())
        continue;
      nlohmann::json input =
          nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!input.is_object() || !input.contains("text") ||
          !input["text"].is_string())
        return fail(jsonlPath + " line " + std::to_string(lineNumber) +
                    ": expected a JSON object with a string \"text\"");
      sinkrt::Expected<std::vector<int64_t>> ids =
          tokenizer->encode(input["text"].get<std::string>(), special);
      if (!ids)
        return fail(jsonlPath + " line " + std::to_string(lineNumber) + ": " +
                    ids.getError().message);
      nlohmann::json output;
      output["ids"] = *ids;
      output["decoded"] = tokenizer->decode(*ids);
      output["roundtrip"] = tokenizer->decode(*ids, /*skipSpecialTokens=*/true);
      nlohmann::json texts = nlohmann::json::array();
      for (const std::string &piece : tokenizer->tokenTexts(*ids))
        texts.push_back(sinkrt::escapeBytes(piece));
      output["texts"] = texts;
      std::cout << output.dump() << "\n";
    }
    return 0;
  }

  if (!filePath.empty() && !readFile(filePath, text))
    return fail("cannot read '" + filePath + "'");
  auto start = std::chrono::steady_clock::now();
  sinkrt::Expected<std::vector<int64_t>> ids = tokenizer->encode(text, special);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!ids)
    return fail(ids.getError().message);
  if (benchmark) {
    std::printf("bytes %zu tokens %zu seconds %.4f MB/s %.2f\n", text.size(),
                ids->size(), seconds, text.size() / seconds / 1e6);
    return 0;
  }
  if (!show) {
    std::printf("%s\n", joinIds(*ids).c_str());
    return 0;
  }
  std::vector<std::string> texts = tokenizer->tokenTexts(*ids);
  for (size_t i = 0; i < ids->size(); ++i)
    std::printf("%zu\t%lld\t'%s'\n", i, static_cast<long long>((*ids)[i]),
                sinkrt::escapeText(texts[i]).c_str());
  return 0;
}
