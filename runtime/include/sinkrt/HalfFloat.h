//===- HalfFloat.h - f16 and bf16 conversions without hardware --*- C++ -*-===//
//
// Header-only so that the compiler (which rounds weights to f16 or bf16 when
// it packs them) and the runtime (whose kernels widen them back) share one
// definition. Bit manipulation and one float add or subtract each: exact on
// any target, with or without F16C, and fast enough to convert a
// checkpoint's hundreds of millions of weights at compile time (APFloat
// takes about a hundred times longer per element).
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_HALFFLOAT_H
#define SINKRT_HALFFLOAT_H

#include <cstdint>
#include <cstring>

namespace sinkrt {

inline uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

inline float floatFromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// The f32 value of an IEEE binary16 bit pattern (subnormals, infinities
/// and NaN included).
inline float halfToFloat(uint16_t half) {
  // Shift exponent and mantissa into place and rebias the exponent; an
  // all-ones exponent (Inf, NaN) stays all-ones, and a subnormal becomes a
  // normal float of exponent 2^-14 minus 2^-14, which a float subtraction
  // gives exactly (no f32 subnormal is ever formed, so flush-to-zero FPUs
  // such as ARMv7 NEON get it right too).
  uint32_t bits = static_cast<uint32_t>(half & 0x7fffu) << 13;
  uint32_t exponent = bits & 0x0f800000u;
  bits += (127 - 15) << 23;
  float value;
  if (exponent == 0x0f800000u) {
    value = floatFromBits(bits + ((128 - 16) << 23));
  } else if (exponent == 0) {
    value = floatFromBits(bits + (1u << 23)) - floatFromBits(113u << 23);
  } else {
    value = floatFromBits(bits);
  }
  return floatFromBits(floatBits(value) |
                       (static_cast<uint32_t>(half & 0x8000u) << 16));
}

/// The f32 value of a bfloat16 bit pattern: its upper half.
inline float bfloat16ToFloat(uint16_t bf16) {
  return floatFromBits(static_cast<uint32_t>(bf16) << 16);
}

/// `value` rounded to the nearest IEEE binary16, ties to even. Magnitudes
/// from 65520 up give infinity (the rounding of IEEE arithmetic; callers
/// that must not overflow check for it), NaN stays a quiet NaN.
inline uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint32_t sign = bits & 0x80000000u;
  bits ^= sign;
  uint16_t half;
  if (bits >= (127u + 16) << 23) {
    // 2^16 and up, Inf or NaN: all exponent bits set.
    half = bits > 0x7f800000u ? 0x7e00 : 0x7c00;
  } else if (bits < 113u << 23) {
    // Below 2^-14: a subnormal half or zero. Adding 0.5 puts the 10
    // mantissa bits at the bottom of the float, rounded to nearest even by
    // the addition itself.
    float magic = floatFromBits(((127 - 15) + (23 - 10) + 1) << 23);
    half = static_cast<uint16_t>(floatBits(floatFromBits(bits) + magic) -
                                 floatBits(magic));
  } else {
    // Rebias the exponent and round the 13 dropped bits to nearest even; a
    // carry out of the mantissa correctly bumps the exponent (to infinity
    // from 65520 up).
    uint32_t odd = (bits >> 13) & 1u;
    bits += ((15u - 127u) << 23) + 0xfffu + odd;
    half = static_cast<uint16_t>(bits >> 13);
  }
  return static_cast<uint16_t>(half | (sign >> 16));
}

/// `value` rounded to the nearest bfloat16, ties to even; NaN stays a quiet
/// NaN, and only magnitudes within half an ulp of FLT_MAX become infinity.
inline uint16_t floatToBFloat16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

} // namespace sinkrt

#endif // SINKRT_HALFFLOAT_H
