//===- MatmulKernels.h - Products against packed weights --------*- C++ -*-===//
//
// The C++ side of sinkrt_matmul_{f32,f16,bf16}_packed (Abi.h): C[m, p, j]
// (+)= sum_k A[m, k] * B[p, k, j], B being a weight that sinkc packed into
// panels of j columns at compile time, stored as f32, f16 or bf16 (the
// product is computed in f32 either way). The kernel numbers and panel
// widths are part of the ABI: sinkc reads them from this header
// (lib/Codegen/Pipeline.cpp) and writes them into the generated code and the
// weights file.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_MATMULKERNELS_H
#define SINKRT_MATMULKERNELS_H

#include "sinkrt/HalfFloat.h"
#include "sinkrt/Text.h"
#include "sinkrt/ThreadPool.h"

#include <cstdint>

namespace sinkrt {

/// 128-bit vectors, 8 x 8 tiles: any target (NEON, SSE2, RVV-less RISC-V).
constexpr int64_t kMatmulKernelPortable = 0;
/// x86-64 AVX2 + FMA, 6 x 16 tiles.
constexpr int64_t kMatmulKernelAvx2 = 1;
/// x86-64 AVX-512F, 12 x 32 tiles.
constexpr int64_t kMatmulKernelAvx512 = 2;

/// How the packed weights are stored. The kernels widen every element to
/// f32 exactly, so a product over f16 or bf16 weights equals, bit for bit,
/// the f32 product over the widened values.
enum class WeightType : uint8_t { F32, F16, BF16 };

/// When a kernel widens f16 or bf16 weights to f32: in the register tile as
/// it streams them (`Inline`), or once per cache block of panels into an f32
/// buffer that every row tile of A then reads (`PerBlock`). `Auto` picks by
/// the number of rows (docs/codegen.md); the others are for benchmarks and
/// tests. The result is the same bits either way.
enum class Widening : uint8_t { Auto, Inline, PerBlock };

/// One product, with element strides (not bytes) of every operand.
struct PackedMatmul {
  const float *a = nullptr;
  /// Elements of `weightType`.
  const void *b = nullptr;
  WeightType weightType = WeightType::F32;
  float *c = nullptr;
  int64_t m = 0, k = 0, panels = 0, panelWidth = 0;
  int64_t lda = 0, strideAk = 1;
  int64_t panelStride = 0, strideBk = 0, strideBj = 1;
  int64_t ldc = 0, panelStrideC = 0, strideCj = 1;
  bool accumulate = false;
  Widening widening = Widening::Auto;
};

/// The kernels, for whoever needs all of them (sinkc's --matmul-kernel).
constexpr int64_t kMatmulKernels[] = {kMatmulKernelPortable, kMatmulKernelAvx2,
                                      kMatmulKernelAvx512};

/// The panel width a kernel reads (0 for an unknown kernel): the layout
/// sinkc packs the weights in.
constexpr int64_t matmulKernelPanelWidth(int64_t kernel) {
  switch (kernel) {
  case kMatmulKernelPortable:
    return 8;
  case kMatmulKernelAvx2:
    return 16;
  case kMatmulKernelAvx512:
    return 32;
  default:
    return 0;
  }
}

/// The kernel's name, as sinkc's --matmul-kernel spells it.
constexpr const char *matmulKernelName(int64_t kernel) {
  switch (kernel) {
  case kMatmulKernelPortable:
    return "portable";
  case kMatmulKernelAvx2:
    return "avx2";
  case kMatmulKernelAvx512:
    return "avx512";
  default:
    return "unknown";
  }
}

/// Whether this CPU can run the kernel on weights of the given type.
bool matmulKernelSupported(int64_t kernel,
                           WeightType weights = WeightType::F32);

/// The weight types as the ABI functions and sinkc spell them.
inline constexpr std::pair<WeightType, const char *> kWeightTypeNames[] = {
    {WeightType::F32, "f32"},
    {WeightType::F16, "f16"},
    {WeightType::BF16, "bf16"},
};

constexpr const char *weightTypeName(WeightType type) {
  return lookupName(kWeightTypeNames, type, "unknown");
}

/// Runs `problem` with `kernel` (the layout-agnostic reference loop when the
/// operands are not laid out as the kernel needs), split over the panels on
/// `pool` if given. The caller checks matmulKernelSupported.
void runPackedMatmul(const PackedMatmul &problem, int64_t kernel,
                     ThreadPool *pool);

} // namespace sinkrt

#endif // SINKRT_MATMULKERNELS_H
