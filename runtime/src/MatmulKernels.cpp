//===- MatmulKernels.cpp - Products against compile-time packed weights ---===//
//
// The micro-kernels behind sinkrt_matmul_f32_packed (docs/codegen.md,
// "Products against weights"). sinkc writes every constant right-hand side
// B[K, N] of a product as panels Bp[N / NR][K][NR] and picks the kernel (and
// so NR) from the target's features at compile time; here each kernel keeps
// an MR x NR block of C in vector registers while it streams one panel,
// contiguous in K, and the rows of A broadcast one element at a time.
//
// The tile shapes follow the register files: AVX-512 has 32 zmm registers,
// so 12 x 32 uses 24 accumulators, 2 for the B row and 1 for the broadcast
// (the shape of ONNX Runtime's MLAS AVX-512 kernel); AVX2 has 16 ymm
// registers, so 6 x 16 uses 12 + 2 + 1; the portable kernel is 128-bit
// vectors, 8 x 8 (16 accumulators: AArch64 NEON has 32 q registers). At
// least 8 independent accumulator chains are needed to cover the FMA
// latency on two FMA ports.
//
// Every element of C is accumulated over k in ascending order by exactly one
// tile, whatever thread runs it, so results are bit-identical for any thread
// count.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/MatmulKernels.h"
#include "sinkrt/Abi.h"
#include "sinkrt/MemRef.h"
#include "sinkrt/Probes.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sinkrt {
namespace {

template <int W> using Vec = float __attribute__((ext_vector_type(W)));

/// C[0:mr, 0:NR] (+)= A[0:mr, 0:K] * B[0:K, 0:NR] for one panel. Rows past
/// `mr` compute on row 0 again and are not stored, so one instantiation
/// serves the remainder rows as well.
template <int MR, int NR, int W>
__attribute__((always_inline)) inline void
tile(const float *a, int64_t lda, int64_t strideAk, const float *b, float *c,
     int64_t ldc, int64_t k, int mr, bool accumulate) {
  constexpr int vectors = NR / W;
  static_assert(NR % W == 0, "panel width must be whole vectors");
  const float *rows[MR];
#pragma unroll
  for (int i = 0; i < MR; ++i)
    rows[i] = a + (i < mr ? i : 0) * lda;
  Vec<W> acc[MR][vectors];
#pragma unroll
  for (int i = 0; i < MR; ++i)
#pragma unroll
    for (int j = 0; j < vectors; ++j)
      acc[i][j] = 0.0f;
  for (int64_t kk = 0; kk < k; ++kk) {
    Vec<W> bRow[vectors];
#pragma unroll
    for (int j = 0; j < vectors; ++j)
      std::memcpy(&bRow[j], b + kk * NR + j * W, sizeof(bRow[j]));
#pragma unroll
    for (int i = 0; i < MR; ++i) {
      Vec<W> broadcast = rows[i][kk * strideAk];
#pragma unroll
      for (int j = 0; j < vectors; ++j)
        acc[i][j] += broadcast * bRow[j];
    }
  }
  for (int i = 0; i < mr; ++i)
#pragma unroll
    for (int j = 0; j < vectors; ++j) {
      float *out = c + i * ldc + j * W;
      Vec<W> value = acc[i][j];
      if (accumulate) {
        Vec<W> previous;
        std::memcpy(&previous, out, sizeof(previous));
        value += previous;
      }
      std::memcpy(out, &value, sizeof(value));
    }
}

/// All row tiles of the panels [firstPanel, endPanel), blocked for the
/// caches: K in blocks of 32 KiB of one panel (a whole panel of a K = 896
/// product is 112 KiB, and every row tile would re-read it from L2), and
/// panels in groups of 8 whose K blocks (256 KiB) stay in L2 while a row
/// tile of A, in L1, passes along them. Walking the panels of a group for
/// one row tile writes each row of C in one contiguous run instead of one
/// 128-byte piece per page of a 152 k-column C. C is carried from K block
/// to K block.
template <int MR, int NR, int W>
__attribute__((always_inline)) inline void
panels(const PackedMatmul &p, int64_t firstPanel, int64_t endPanel) {
  constexpr int64_t kBlock = (32 * 1024) / (NR * sizeof(float));
  constexpr int64_t panelGroup = 8;
  for (int64_t group = firstPanel; group < endPanel; group += panelGroup) {
    int64_t groupEnd = std::min(group + panelGroup, endPanel);
    for (int64_t k0 = 0; k0 < p.k; k0 += kBlock) {
      int64_t kc = std::min<int64_t>(kBlock, p.k - k0);
      bool accumulate = p.accumulate || k0 > 0;
      for (int64_t m = 0; m < p.m; m += MR) {
        int mr = static_cast<int>(std::min<int64_t>(MR, p.m - m));
        const float *a = p.a + m * p.lda + k0 * p.strideAk;
        for (int64_t panel = group; panel < groupEnd; ++panel)
          tile<MR, NR, W>(a, p.lda, p.strideAk,
                          p.b + panel * p.panelStride + k0 * NR,
                          p.c + panel * p.panelStrideC + m * p.ldc, p.ldc, kc,
                          mr, accumulate);
      }
    }
  }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512vl,fma"), min_vector_width(512))) void
panelsAvx512(const PackedMatmul &p, int64_t first, int64_t end) {
  panels<12, 32, 16>(p, first, end);
}

__attribute__((target("avx2,fma"), min_vector_width(256))) void
panelsAvx2(const PackedMatmul &p, int64_t first, int64_t end) {
  panels<6, 16, 8>(p, first, end);
}
#endif

void panelsPortable(const PackedMatmul &p, int64_t first, int64_t end) {
  panels<8, 8, 4>(p, first, end);
}

/// Any strides, no packing assumptions beyond the panel layout of the
/// indices: for operands whose layout the fast kernels do not take.
void panelsReference(const PackedMatmul &p, int64_t first, int64_t end) {
  for (int64_t panel = first; panel < end; ++panel)
    for (int64_t m = 0; m < p.m; ++m)
      for (int64_t j = 0; j < p.panelWidth; ++j) {
        float sum = 0.0f;
        for (int64_t kk = 0; kk < p.k; ++kk)
          sum += p.a[m * p.lda + kk * p.strideAk] *
                 p.b[panel * p.panelStride + kk * p.strideBk + j * p.strideBj];
        float &out = p.c[m * p.ldc + panel * p.panelStrideC + j * p.strideCj];
        out = p.accumulate ? out + sum : sum;
      }
}

using PanelsFn = void (*)(const PackedMatmul &, int64_t, int64_t);

struct LoopData {
  const PackedMatmul *problem;
  PanelsFn run;
};

void runChunk(void *data, int64_t begin, int64_t end) {
  auto *loop = static_cast<LoopData *>(data);
  loop->run(*loop->problem, begin, end);
}

[[noreturn]] void fatal(const char *message) {
  std::fprintf(stderr, "sinkrt: error: %s\n", message);
  std::fflush(stderr);
  std::_Exit(1);
}

} // namespace

bool matmulKernelSupported(int64_t kernel) {
  switch (kernel) {
  case kMatmulKernelPortable:
    return true;
#if defined(__x86_64__)
  case kMatmulKernelAvx2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case kMatmulKernelAvx512:
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
#endif
  default:
    return false;
  }
}

void runPackedMatmul(const PackedMatmul &problem, int64_t kernel,
                     ThreadPool *pool) {
  PanelsFn run = panelsReference;
  bool fastLayout = problem.strideBj == 1 &&
                    problem.strideBk == problem.panelWidth &&
                    problem.strideCj == 1 &&
                    problem.panelWidth == matmulKernelPanelWidth(kernel);
  if (fastLayout) {
    switch (kernel) {
    case kMatmulKernelPortable:
      run = panelsPortable;
      break;
#if defined(__x86_64__)
    case kMatmulKernelAvx2:
      run = panelsAvx2;
      break;
    case kMatmulKernelAvx512:
      run = panelsAvx512;
      break;
#endif
    default:
      break;
    }
  }
  if (problem.panels <= 0 || problem.m <= 0)
    return;
  LoopData data{&problem, run};
  if (pool)
    pool->parallelFor(problem.panels, runChunk, &data);
  else
    runChunk(&data, 0, problem.panels);
}

} // namespace sinkrt

using namespace sinkrt;

extern "C" void sinkrt_matmul_f32_packed(void *ctx, int64_t kernel,
                                         int64_t accumulate, int64_t rankA,
                                         const void *a, int64_t rankB,
                                         const void *b, int64_t rankC,
                                         const void *c) {
  if (rankA != 2 || rankB != 3 || rankC != 3)
    fatal("sinkrt_matmul_f32_packed: operands must be A[M, K], "
          "B[P, K, NR] and C[M, P, NR]");
  // Checked on every call rather than once: the generated code may call
  // from any thread, and the check is a few loads next to a whole product.
  if (!matmulKernelSupported(kernel)) {
    char message[256];
    std::snprintf(message, sizeof(message),
                  "this executable uses the %s matrix kernel, which this CPU "
                  "does not support; recompile with sinkc --cpu=<this CPU> "
                  "(or --matmul-kernel=portable)",
                  matmulKernelName(kernel));
    fatal(message);
  }
  MemRefView viewA = readMemRefDescriptor(a, 2);
  MemRefView viewB = readMemRefDescriptor(b, 3);
  MemRefView viewC = readMemRefDescriptor(c, 3);
  if (viewA.sizes[0] != viewC.sizes[0] || viewA.sizes[1] != viewB.sizes[1] ||
      viewB.sizes[0] != viewC.sizes[1] || viewB.sizes[2] != viewC.sizes[2])
    fatal("sinkrt_matmul_f32_packed: operand shapes do not match");
  PackedMatmul problem;
  problem.a = static_cast<const float *>(viewA.aligned) + viewA.offset;
  problem.b = static_cast<const float *>(viewB.aligned) + viewB.offset;
  problem.c = static_cast<float *>(viewC.aligned) + viewC.offset;
  problem.m = viewA.sizes[0];
  problem.k = viewA.sizes[1];
  problem.panels = viewB.sizes[0];
  problem.panelWidth = viewB.sizes[2];
  problem.lda = viewA.strides[0];
  problem.strideAk = viewA.strides[1];
  problem.panelStride = viewB.strides[0];
  problem.strideBk = viewB.strides[1];
  problem.strideBj = viewB.strides[2];
  problem.ldc = viewC.strides[0];
  problem.panelStrideC = viewC.strides[1];
  problem.strideCj = viewC.strides[2];
  problem.accumulate = accumulate != 0;
  auto *context = static_cast<RunContext *>(ctx);
  runPackedMatmul(problem, kernel, context ? context->pool : nullptr);
}
