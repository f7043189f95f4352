//===- MatmulKernels.cpp - Products against compile-time packed weights ---===//
//
// The micro-kernels behind sinkrt_matmul_{f32,f16,bf16}_packed
// (docs/codegen.md, "Products against weights"). sinkc writes every constant
// right-hand side B[K, N] of a product as panels Bp[N / NR][K][NR] and picks
// the kernel (and so NR) from the target's features at compile time; here
// each kernel keeps an MR x NR block of C in vector registers while it
// streams one panel, contiguous in K, and the rows of A broadcast one element
// at a time. Panels stored as f16 or bf16 (sinkc --weights-dtype) are widened
// to f32 exactly, in the tile or once per cache block, and the arithmetic is
// the f32 kernel's.
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
template <int W> using VecU16 = uint16_t __attribute__((ext_vector_type(W)));
template <int W> using VecU32 = uint32_t __attribute__((ext_vector_type(W)));

template <int W> Vec<W> asFloats(VecU32<W> bits) {
  Vec<W> result;
  std::memcpy(&result, &bits, sizeof(result));
  return result;
}

template <int W> VecU32<W> asBits(Vec<W> value) {
  VecU32<W> result;
  std::memcpy(&result, &value, sizeof(result));
  return result;
}

/// W widened 16-bit elements.
template <int W>
__attribute__((always_inline)) inline VecU32<W> loadWide(const uint16_t *p) {
  VecU16<W> narrow;
  std::memcpy(&narrow, p, sizeof(narrow));
  return __builtin_convertvector(narrow, VecU32<W>);
}

/// How a kernel reads W weights as f32. `Storage` is the element type of
/// the packed panels.
struct F32Weights {
  using Storage = float;
  template <int W>
  __attribute__((always_inline)) static Vec<W> load(const float *p) {
    Vec<W> v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }
};

/// bf16 is the upper half of an f32: zero-extend and shift (vpmovzxwd +
/// vpslld on x86, ushll on NEON).
struct BF16Weights {
  using Storage = uint16_t;
  template <int W>
  __attribute__((always_inline)) static Vec<W> load(const uint16_t *p) {
    return asFloats<W>(loadWide<W>(p) << 16);
  }
};

/// IEEE half with integer operations only (halfToFloat on W lanes), for
/// targets without a conversion instruction (the ARMv7 and RISC-V
/// baselines). About ten vector operations per W elements: worth widening
/// once per block for all but the smallest products.
struct F16BitsWeights {
  using Storage = uint16_t;
  template <int W>
  __attribute__((always_inline)) static Vec<W> load(const uint16_t *p) {
    VecU32<W> half = loadWide<W>(p);
    VecU32<W> bits = (half & 0x7fffu) << 13;
    VecU32<W> exponent = bits & 0x0f800000u;
    bits += (127 - 15) << 23;
    // Comparisons give all-ones lanes, usable as masks.
    VecU32<W> special = (VecU32<W>)(exponent == 0x0f800000u);
    VecU32<W> tiny = (VecU32<W>)(exponent == 0u);
    bits += special & ((128 - 16) << 23);
    bits += tiny & (1u << 23);
    Vec<W> value =
        asFloats<W>(bits) - asFloats<W>(tiny & 0x38800000u); // 2^-14 where tiny
    return asFloats<W>(asBits<W>(value) | ((half & 0x8000u) << 16));
  }
};

#if defined(__x86_64__) || defined(__aarch64__)
/// IEEE half through the conversion instruction: F16C's vcvtph2ps on x86-64
/// (every AVX2 and AVX-512 CPU has it; only inlined into functions compiled
/// for f16c), fcvtl on AArch64 (part of the base architecture).
struct F16Weights {
  using Storage = uint16_t;
  template <int W>
  __attribute__((always_inline)) static Vec<W> load(const uint16_t *p) {
    using Halves = _Float16 __attribute__((ext_vector_type(W)));
    Halves h;
    std::memcpy(&h, p, sizeof(h));
    return __builtin_convertvector(h, Vec<W>);
  }
};
#endif

/// C[0:mr, 0:NR] (+)= A[0:mr, 0:K] * B[0:K, 0:NR] for one panel. Rows past
/// `mr` compute on row 0 again and are not stored, so one instantiation
/// serves the remainder rows as well. The weights are widened to f32 as
/// they are loaded; the accumulation is the same for every weight type.
template <int MR, int NR, int W, typename Weights>
__attribute__((always_inline)) inline void
tile(const float *a, int64_t lda, int64_t strideAk,
     const typename Weights::Storage *b, float *c, int64_t ldc, int64_t k,
     int mr, bool accumulate) {
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
      bRow[j] = Weights::template load<W>(b + kk * NR + j * W);
#pragma unroll
    for (int i = 0; i < MR; ++i) {
      Vec<W> broadcast = rows[i][kk * strideAk];
#pragma unroll
      for (int j = 0; j < vectors; ++j)
        acc[i][j] += broadcast * bRow[j];
    }
  }
  // Unrolled over all MR rows with the row count tested inside: an index
  // into `acc` that is not a constant made the compiler keep the
  // accumulators in memory, zeroed by a memset per tile (0.8 % of a
  // forward).
#pragma unroll
  for (int i = 0; i < MR; ++i)
#pragma unroll
    for (int j = 0; j < vectors; ++j) {
      if (i >= mr)
        continue;
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

/// tile() for a row tile of `mr` rows: the last row tile of a product whose
/// M is not a multiple of MR takes the smallest of MR, 8 and 4 rows that
/// holds it, instead of MR rows of which those past `mr` repeat row 0 (at
/// M = 256, 12-row tiles computed 264 rows). Every row's sum runs in the same
/// order in any tile height, so C does not change by a bit.
template <int MR, int NR, int W, typename Weights>
__attribute__((always_inline)) inline void
rowTile(const float *a, int64_t lda, int64_t strideAk,
        const typename Weights::Storage *b, float *c, int64_t ldc, int64_t k,
        int mr, bool accumulate) {
  if constexpr (MR > 4) {
    if (mr <= 4)
      return tile<4, NR, W, Weights>(a, lda, strideAk, b, c, ldc, k, mr,
                                     accumulate);
  }
  if constexpr (MR > 8) {
    if (mr <= 8)
      return tile<8, NR, W, Weights>(a, lda, strideAk, b, c, ldc, k, mr,
                                     accumulate);
  }
  tile<MR, NR, W, Weights>(a, lda, strideAk, b, c, ldc, k, mr, accumulate);
}

/// How a register tile walks the caches. `kBlockRows` is the number of rows
/// of B in a K block; it is the same for every weight type, so that the
/// order of the sums, and therefore every bit of C, does not depend on how
/// the weights are stored.
///
/// The default: K blocks of 32 KiB of f32 weights per panel, the next block
/// prefetched into L2 a share per row tile (Sapphire Rapids, 6x16 and 12x32
/// tiles: +8-11 % on the 0.5 B model's MLP and vocabulary products).
template <int NR> struct SmallBlocks {
  static constexpr int64_t kBlockRows = (32 * 1024) / (NR * 4);
  static constexpr bool kPrefetchNextBlock = true;
  static constexpr bool kPrefetchNextC = false;
};
#if defined(__x86_64__)
/// The 12x32 AVX-512 tile: K blocks of 1024 rows (128 KiB per panel), so
/// that C is read and written once per 1024 products instead of once per
/// 256 (a K = 896 product writes C once), without the next-block prefetch,
/// which at this block size is as large as a Zen 4 L2 (1 MiB), but with the
/// C rows of the next panel prefetched for writing. Zen 4, one thread, f32
/// weights: 256x896x4864 104 -> 111, 256x4864x896 106 -> 112, 256x896x896
/// 110 -> 115, 64x896x4864 97 -> 111 GFLOP/s (bench/README.md).
struct LargeBlocks {
  static constexpr int64_t kBlockRows = 1024;
  static constexpr bool kPrefetchNextBlock = false;
  static constexpr bool kPrefetchNextC = true;
};
#endif
constexpr int64_t kPanelGroup = 8;

/// This thread's buffer of at least `floats` floats for widened weights (the
/// f32 copy of one K block of a panel group: 256 KiB with SmallBlocks, 1 MiB
/// with LargeBlocks), allocated on first use and kept for the thread's life
/// (a product runs many times per forward). The generated code's allocator
/// ends the process with the runtime's out-of-memory message if it cannot.
float *conversionScratch(int64_t floats) {
  struct Buffer {
    void *data = nullptr;
    int64_t floats = 0;
    ~Buffer() { _mlir_memref_to_llvm_free(data); }
  };
  thread_local Buffer buffer;
  if (buffer.floats < floats) {
    _mlir_memref_to_llvm_free(buffer.data);
    buffer.data =
        _mlir_memref_to_llvm_aligned_alloc(64, floats * sizeof(float));
    buffer.floats = floats;
  }
  return static_cast<float *>(buffer.data);
}

/// Asks for share `share` of `shares` of the cache lines of K rows [k0,
/// k0 + kc) of the panels [group, groupEnd) to be brought into L2. The
/// weights are read once per product: without this, each K block's first
/// row tile waits for memory, which the hardware prefetchers, following
/// eight interleaved panel streams, do not hide. Spread over the row tiles of
/// the block before, the requests overlap with their arithmetic.
template <int NR, typename Storage>
__attribute__((always_inline)) inline void
prefetchBlockShare(const PackedMatmul &p, const Storage *b, int64_t group,
                   int64_t groupEnd, int64_t k0, int64_t kc, int64_t share,
                   int64_t shares) {
  constexpr int64_t kLine = 64;
  int64_t linesPerPanel =
      (kc * NR * static_cast<int64_t>(sizeof(Storage)) + kLine - 1) / kLine;
  int64_t lines = (groupEnd - group) * linesPerPanel;
  int64_t first = lines * share / shares, end = lines * (share + 1) / shares;
  int64_t panel = group + first / linesPerPanel;
  int64_t line = first % linesPerPanel;
  for (int64_t l = first; l < end; ++l) {
    const char *start =
        reinterpret_cast<const char *>(b + panel * p.panelStride + k0 * NR);
    __builtin_prefetch(start + line * kLine, /*rw=*/0, /*locality=*/2);
    if (++line == linesPerPanel) {
      line = 0;
      ++panel;
    }
  }
}

/// Asks for the `rows` rows of NR floats of C at `c` to be brought into L1
/// for writing.
template <int NR>
__attribute__((always_inline)) inline void
prefetchTileOfC(const float *c, int64_t ldc, int64_t rows) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t byte = 0; byte < NR * 4; byte += 64)
      __builtin_prefetch(reinterpret_cast<const char *>(c + i * ldc) + byte,
                         /*rw=*/1, /*locality=*/3);
}

/// All row tiles of the panels [firstPanel, endPanel), blocked for the
/// caches as `Blocking` says: K in blocks of `Blocking::kBlockRows` rows of
/// one panel (with SmallBlocks 32 KiB: a whole panel of a K = 896 product is
/// 112 KiB, and every row tile would re-read it from L2), and panels in
/// groups of 8 whose K blocks stay in L2 while a row tile of A, in L1,
/// passes along them. Walking the panels of a group for one row tile writes
/// each row of C in one contiguous run instead of one 128-byte piece per page
/// of a 152 k-column C. C is carried from K block to K block.
template <int MR, int NR, int W, typename Blocking, typename Weights,
          Widening widen>
__attribute__((always_inline)) inline void
panels(const PackedMatmul &p, int64_t firstPanel, int64_t endPanel) {
  using Storage = typename Weights::Storage;
  constexpr int64_t kBlock = Blocking::kBlockRows;
  const auto *b = static_cast<const Storage *>(p.b);
  float *scratch = widen == Widening::PerBlock
                       ? conversionScratch(kPanelGroup * kBlock * NR)
                       : nullptr;
  for (int64_t group = firstPanel; group < endPanel; group += kPanelGroup) {
    int64_t groupEnd = std::min(group + kPanelGroup, endPanel);
    for (int64_t k0 = 0; k0 < p.k; k0 += kBlock) {
      int64_t kc = std::min<int64_t>(kBlock, p.k - k0);
      bool accumulate = p.accumulate || k0 > 0;
      if constexpr (widen == Widening::PerBlock) {
        for (int64_t panel = group; panel < groupEnd; ++panel) {
          const Storage *from = b + panel * p.panelStride + k0 * NR;
          float *to = scratch + (panel - group) * kBlock * NR;
          for (int64_t i = 0; i < kc * NR; i += W) {
            Vec<W> v = Weights::template load<W>(from + i);
            std::memcpy(to + i, &v, sizeof(v));
          }
        }
      }
      // The block after this one: the next K block of the group, else the
      // first of the next group.
      int64_t nextGroup = group, nextK0 = k0 + kBlock;
      if (nextK0 >= p.k) {
        nextGroup = groupEnd;
        nextK0 = 0;
      }
      int64_t nextGroupEnd = std::min(nextGroup + kPanelGroup, endPanel);
      int64_t nextKc = std::min<int64_t>(kBlock, p.k - nextK0);
      int64_t rowTiles = (p.m + MR - 1) / MR;
      for (int64_t m = 0; m < p.m; m += MR) {
        int mr = static_cast<int>(std::min<int64_t>(MR, p.m - m));
        if constexpr (Blocking::kPrefetchNextBlock)
          if (nextGroup < endPanel)
            prefetchBlockShare<NR>(p, b, nextGroup, nextGroupEnd, nextK0,
                                   nextKc, m / MR, rowTiles);
        const float *a = p.a + m * p.lda + k0 * p.strideAk;
        for (int64_t panel = group; panel < groupEnd; ++panel) {
          float *c = p.c + panel * p.panelStrideC + m * p.ldc;
          if constexpr (Blocking::kPrefetchNextC) {
            // The tile after this one: the next panel's rows, else the
            // first panel's rows of the next row tile.
            if (panel + 1 < groupEnd)
              prefetchTileOfC<NR>(c + p.panelStrideC, p.ldc, mr);
            else if (m + MR < p.m)
              prefetchTileOfC<NR>(p.c + group * p.panelStrideC +
                                      (m + MR) * p.ldc,
                                  p.ldc, std::min<int64_t>(MR, p.m - m - MR));
          }
          if constexpr (widen == Widening::PerBlock)
            rowTile<MR, NR, W, F32Weights>(
                a, p.lda, p.strideAk, scratch + (panel - group) * kBlock * NR,
                c, p.ldc, kc, mr, accumulate);
          else
            rowTile<MR, NR, W, Weights>(a, p.lda, p.strideAk,
                                        b + panel * p.panelStride + k0 * NR, c,
                                        p.ldc, kc, mr, accumulate);
        }
      }
    }
  }
}

using PanelsFn = void (*)(const PackedMatmul &, int64_t, int64_t);

/// Products of at most this many row tiles widen f16 and bf16 weights in
/// the tile, larger ones once per block. Measured on the 896 x 4864 MLP
/// product (AVX-512, one core): in the tile up to M = 64 (128 against 116-122
/// GFLOP/s at M = 64), per block from M = 96 (146 against 135).
constexpr int64_t kInlineWideningRowTiles = 4;

/// One kernel's functions: f32 weights, and f16 and bf16 weights widened in
/// the tile or per block.
struct KernelFunctions {
  int64_t rows; // MR
  PanelsFn f32, f16Inline, f16PerBlock, bf16Inline, bf16PerBlock;
};

/// The instantiations of one register tile, compiled with `Target`'s
/// attributes (a class, so that the attributes reach every member).
#define SINKRT_KERNEL_FUNCTIONS(NAME, ATTRIBUTES, MR, NR, W, BLOCKING, F16)    \
  struct NAME {                                                                \
    template <typename Weights, Widening widen>                                \
    ATTRIBUTES static void run(const PackedMatmul &p, int64_t first,           \
                               int64_t end) {                                  \
      panels<MR, NR, W, BLOCKING, Weights, widen>(p, first, end);              \
    }                                                                          \
    static KernelFunctions functions() {                                       \
      return {MR,                                                              \
              run<F32Weights, Widening::Inline>,                               \
              run<F16, Widening::Inline>,                                      \
              run<F16, Widening::PerBlock>,                                    \
              run<BF16Weights, Widening::Inline>,                              \
              run<BF16Weights, Widening::PerBlock>};                           \
    }                                                                          \
  };

#if defined(__x86_64__)
SINKRT_KERNEL_FUNCTIONS(Avx512Kernel,
                        __attribute__((target("avx512f,avx512vl,fma,f16c"),
                                       min_vector_width(512))),
                        12, 32, 16, LargeBlocks, F16Weights)
SINKRT_KERNEL_FUNCTIONS(Avx2Kernel,
                        __attribute__((target("avx2,fma,f16c"),
                                       min_vector_width(256))),
                        6, 16, 8, SmallBlocks<16>, F16Weights)
#endif
#if defined(__aarch64__)
SINKRT_KERNEL_FUNCTIONS(PortableKernel, , 8, 8, 4, SmallBlocks<8>, F16Weights)
#else
SINKRT_KERNEL_FUNCTIONS(PortableKernel, , 8, 8, 4, SmallBlocks<8>,
                        F16BitsWeights)
#endif
#undef SINKRT_KERNEL_FUNCTIONS

/// One weight of any type, widened.
float weightAt(const PackedMatmul &p, int64_t index) {
  switch (p.weightType) {
  case WeightType::F16:
    return halfToFloat(static_cast<const uint16_t *>(p.b)[index]);
  case WeightType::BF16:
    return bfloat16ToFloat(static_cast<const uint16_t *>(p.b)[index]);
  case WeightType::F32:
    break;
  }
  return static_cast<const float *>(p.b)[index];
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
                 weightAt(p, panel * p.panelStride + kk * p.strideBk +
                                 j * p.strideBj);
        float &out = p.c[m * p.ldc + panel * p.panelStrideC + j * p.strideCj];
        out = p.accumulate ? out + sum : sum;
      }
}

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

bool matmulKernelSupported(int64_t kernel,
                           [[maybe_unused]] WeightType weights) {
  switch (kernel) {
  case kMatmulKernelPortable:
    return true;
#if defined(__x86_64__)
  case kMatmulKernelAvx2:
    // F16C came with Ivy Bridge, before AVX2, but it is a separate CPUID
    // bit: checked only where the f16 weights need it.
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           (weights != WeightType::F16 || __builtin_cpu_supports("f16c"));
  case kMatmulKernelAvx512:
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
#endif
  default:
    return false;
  }
}

namespace {

/// The fast kernel for a layout that it takes, or null.
PanelsFn selectPanels(const PackedMatmul &problem, int64_t kernel) {
  bool fastLayout = problem.strideBj == 1 &&
                    problem.strideBk == problem.panelWidth &&
                    problem.strideCj == 1 &&
                    problem.panelWidth == matmulKernelPanelWidth(kernel);
  if (!fastLayout)
    return nullptr;
  KernelFunctions functions;
  switch (kernel) {
  case kMatmulKernelPortable:
    functions = PortableKernel::functions();
    break;
#if defined(__x86_64__)
  case kMatmulKernelAvx2:
    functions = Avx2Kernel::functions();
    break;
  case kMatmulKernelAvx512:
    functions = Avx512Kernel::functions();
    break;
#endif
  default:
    return nullptr;
  }
  // Widening once per block costs a store and a load per vector but is
  // shared by every row tile; in the tile it costs one or two vector
  // operations per vector of weights for each row tile (ten without a
  // conversion instruction). So: in the tile for a few row tiles (one token
  // at a time, short prompts), per block for long prompts.
  Widening widening = problem.widening;
  if (widening == Widening::Auto)
    widening = problem.m <= kInlineWideningRowTiles * functions.rows
                   ? Widening::Inline
                   : Widening::PerBlock;
  bool inlined = widening == Widening::Inline;
  switch (problem.weightType) {
  case WeightType::F32:
    return functions.f32;
  case WeightType::F16:
    return inlined ? functions.f16Inline : functions.f16PerBlock;
  case WeightType::BF16:
    return inlined ? functions.bf16Inline : functions.bf16PerBlock;
  }
  return nullptr;
}

/// Reads the descriptors of one ABI call into a problem; `name` is the ABI
/// function for messages.
PackedMatmul describeCall(const char *name, int64_t kernel, WeightType type,
                          int64_t accumulate, int64_t rankA, const void *a,
                          int64_t rankB, const void *b, int64_t rankC,
                          const void *c) {
  char message[256];
  if (rankA != 2 || rankB != 3 || rankC != 3) {
    std::snprintf(message, sizeof(message),
                  "%s: operands must be A[M, K], B[P, K, NR] and C[M, P, NR]",
                  name);
    fatal(message);
  }
  // Checked on every call rather than once: the generated code may call
  // from any thread, and the check is a few loads next to a whole product.
  if (!matmulKernelSupported(kernel, type)) {
    std::snprintf(message, sizeof(message),
                  "this executable uses the %s matrix kernel%s, which this CPU "
                  "does not support; recompile with sinkc --cpu=<this CPU> "
                  "(or --matmul-kernel=portable)",
                  matmulKernelName(kernel),
                  type == WeightType::F16 ? " on f16 weights" : "");
    fatal(message);
  }
  MemRefView viewA = readMemRefDescriptor(a, 2);
  MemRefView viewB = readMemRefDescriptor(b, 3);
  MemRefView viewC = readMemRefDescriptor(c, 3);
  if (viewA.sizes[0] != viewC.sizes[0] || viewA.sizes[1] != viewB.sizes[1] ||
      viewB.sizes[0] != viewC.sizes[1] || viewB.sizes[2] != viewC.sizes[2]) {
    std::snprintf(message, sizeof(message), "%s: operand shapes do not match",
                  name);
    fatal(message);
  }
  PackedMatmul problem;
  problem.a = static_cast<const float *>(viewA.aligned) + viewA.offset;
  size_t weightBytes = type == WeightType::F32 ? 4 : 2;
  problem.b = static_cast<const char *>(viewB.aligned) +
              viewB.offset * static_cast<int64_t>(weightBytes);
  problem.weightType = type;
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
  return problem;
}

} // namespace

void runPackedMatmul(const PackedMatmul &problem, int64_t kernel,
                     ThreadPool *pool) {
  PanelsFn run = selectPanels(problem, kernel);
  if (!run)
    run = panelsReference;
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

namespace {

void runCall(const char *name, void *ctx, int64_t kernel, WeightType type,
             int64_t accumulate, int64_t rankA, const void *a, int64_t rankB,
             const void *b, int64_t rankC, const void *c) {
  PackedMatmul problem = describeCall(name, kernel, type, accumulate, rankA, a,
                                      rankB, b, rankC, c);
  auto *context = static_cast<RunContext *>(ctx);
  runPackedMatmul(problem, kernel, context ? context->pool : nullptr);
}

} // namespace

extern "C" void sinkrt_matmul_f32_packed(void *ctx, int64_t kernel,
                                         int64_t accumulate, int64_t rankA,
                                         const void *a, int64_t rankB,
                                         const void *b, int64_t rankC,
                                         const void *c) {
  runCall("sinkrt_matmul_f32_packed", ctx, kernel, WeightType::F32, accumulate,
          rankA, a, rankB, b, rankC, c);
}

extern "C" void sinkrt_matmul_f16_packed(void *ctx, int64_t kernel,
                                         int64_t accumulate, int64_t rankA,
                                         const void *a, int64_t rankB,
                                         const void *b, int64_t rankC,
                                         const void *c) {
  runCall("sinkrt_matmul_f16_packed", ctx, kernel, WeightType::F16, accumulate,
          rankA, a, rankB, b, rankC, c);
}

extern "C" void sinkrt_matmul_bf16_packed(void *ctx, int64_t kernel,
                                          int64_t accumulate, int64_t rankA,
                                          const void *a, int64_t rankB,
                                          const void *b, int64_t rankC,
                                          const void *c) {
  runCall("sinkrt_matmul_bf16_packed", ctx, kernel, WeightType::BF16,
          accumulate, rankA, a, rankB, b, rankC, c);
}
