//===- HalfFloatTest.cpp - f16 and bf16 conversions
//------------------------===//
//
// sinkrt/HalfFloat.h against the compiler's own _Float16 arithmetic (IEEE
// round to nearest even) and an exact bf16 rounding in double precision:
// every half bit pattern, every tie between neighbouring halves, and random
// floats of every magnitude.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/HalfFloat.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace sinkrt;

namespace {

uint16_t bitsOf(_Float16 half) {
  uint16_t bits;
  std::memcpy(&bits, &half, sizeof(bits));
  return bits;
}

_Float16 halfFromBits(uint16_t bits) {
  _Float16 half;
  std::memcpy(&half, &bits, sizeof(half));
  return half;
}

/// bf16 rounding computed on the two neighbouring candidates in double.
uint16_t referenceBFloat16(float value) {
  uint32_t bits = floatBits(value);
  uint16_t down = static_cast<uint16_t>(bits >> 16);
  uint16_t up = static_cast<uint16_t>(down + 1);
  // Past the largest finite bf16, IEEE rounding treats infinity as 2^128.
  double upValue = (up & 0x7fff) == 0x7f80
                       ? std::copysign(std::ldexp(1.0, 128), double(value))
                       : double(bfloat16ToFloat(up));
  double distanceDown =
      std::fabs(double(value) - double(bfloat16ToFloat(down)));
  double distanceUp = std::fabs(double(value) - upValue);
  if (distanceDown < distanceUp)
    return down;
  if (distanceUp < distanceDown)
    return up;
  return (down & 1) ? up : down;
}

TEST(HalfFloat, HalfToFloatIsExactForEveryBitPattern) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    uint16_t half = static_cast<uint16_t>(bits);
    float expected = static_cast<float>(halfFromBits(half));
    float actual = halfToFloat(half);
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(actual)) << std::hex << bits;
      continue;
    }
    ASSERT_EQ(floatBits(actual), floatBits(expected)) << std::hex << bits;
  }
}

TEST(HalfFloat, FloatToHalfRoundTripsEveryHalf) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    uint16_t half = static_cast<uint16_t>(bits);
    float value = halfToFloat(half);
    if (std::isnan(value)) {
      uint16_t back = floatToHalf(value);
      EXPECT_EQ(back & 0x7c00, 0x7c00) << std::hex << bits;
      EXPECT_NE(back & 0x03ff, 0) << std::hex << bits;
      continue;
    }
    ASSERT_EQ(floatToHalf(value), half) << std::hex << bits;
  }
}

TEST(HalfFloat, FloatToHalfRoundsTiesToEven) {
  // The midpoint between every two neighbouring finite halves of one sign
  // (exact in f32), and the floats right next to it.
  for (uint32_t bits = 0; bits < 0x7c00; ++bits) {
    float low = halfToFloat(static_cast<uint16_t>(bits));
    float high = halfToFloat(static_cast<uint16_t>(bits + 1));
    float middle = static_cast<float>((double(low) + double(high)) / 2);
    for (float value : {middle, std::nextafter(middle, 0.0f),
                        std::nextafter(middle, 1e9f), -middle}) {
      uint16_t expected = bitsOf(static_cast<_Float16>(value));
      ASSERT_EQ(floatToHalf(value), expected)
          << std::hexfloat << value << " between halves " << std::hex << bits;
    }
  }
}

TEST(HalfFloat, FloatToHalfMatchesTheCompilerOnRandomFloats) {
  std::mt19937 random(3);
  for (int i = 0; i < 4000000; ++i) {
    float value = floatFromBits(random());
    uint16_t expected = bitsOf(static_cast<_Float16>(value));
    uint16_t actual = floatToHalf(value);
    if (std::isnan(value)) {
      EXPECT_TRUE(std::isnan(halfToFloat(actual)));
      continue;
    }
    ASSERT_EQ(actual, expected) << std::hexfloat << value;
  }
}

TEST(HalfFloat, FloatToHalfOverflowsToInfinityFrom65520) {
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65519.99f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(floatToHalf(-1e9f), 0xfc00);
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
}

TEST(HalfFloat, BFloat16IsTheUpperHalfOfAFloat) {
  EXPECT_EQ(bfloat16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(0xc040), -3.0f);
  EXPECT_EQ(floatBits(bfloat16ToFloat(0x0001)), 0x00010000u);
  EXPECT_TRUE(std::isinf(bfloat16ToFloat(0x7f80)));
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(0x7fc0)));
}

TEST(HalfFloat, FloatToBFloat16RoundsToNearestEven) {
  std::mt19937 random(5);
  for (int i = 0; i < 4000000; ++i) {
    float value = floatFromBits(random());
    if (std::isnan(value)) {
      EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(value))));
      continue;
    }
    if (std::isinf(value))
      continue;
    ASSERT_EQ(floatToBFloat16(value), referenceBFloat16(value))
        << std::hexfloat << value;
  }
  // Ties: exactly between two bf16 values, to the even one.
  EXPECT_EQ(floatToBFloat16(floatFromBits(0x3f808000u)), 0x3f80);
  EXPECT_EQ(floatToBFloat16(floatFromBits(0x3f818000u)), 0x3f82);
  EXPECT_EQ(floatToBFloat16(std::numeric_limits<float>::infinity()), 0x7f80);
}

} // namespace
