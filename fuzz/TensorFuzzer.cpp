//===- TensorFuzzer.cpp - libFuzzer target: the runtime's input readers ---===//
//
// The first byte selects a reader of the runtime, the rest is its input:
//   0  .npy (--input-pb FILE.npy)          1  ONNX TensorProto (--input-pb)
//   2  the manifest parser                 3  --tokens-file / --tokens
// (selector values are taken modulo 4). None of them may crash, whatever the
// bytes.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Manifest.h"
#include "sinkrt/TensorIO.h"
#include "sinkrt/Tokens.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const unsigned char *bytes = data + 1;
  size_t length = size - 1;
  std::string_view text(reinterpret_cast<const char *>(bytes), length);
  switch (data[0] % 4) {
  case 0:
    (void)sinkrt::parseNpy(bytes, length);
    break;
  case 1:
    (void)sinkrt::parseTensorProto(bytes, length);
    break;
  case 2:
    (void)sinkrt::parseManifest(text);
    break;
  case 3: {
    auto prompts = sinkrt::parseTokensFile(text, "fuzz.txt");
    if (prompts)
      for (const auto &prompt : *prompts)
        (void)sinkrt::validateTokens(prompt, "prompt", 256);
    (void)sinkrt::parseTokenList(text);
    break;
  }
  }
  return 0;
}
