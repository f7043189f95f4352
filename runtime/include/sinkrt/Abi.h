/*===- Abi.h - Functions the runtime provides to generated code -*- C -*-===*\
|*                                                                          *|
|* The C side of docs/runtime-abi.md: what a sinkc-generated object calls.  *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#ifndef SINKRT_ABI_H
#define SINKRT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A measurement: `descriptor` is an f32 memref descriptor of rank `rank`,
 * batch-major. The runtime copies what it needs before returning. */
void sinkrt_probe(void *ctx, int64_t probe, int64_t rank,
                  const void *descriptor);

/* A per-token state for the captures file (sinkc --capture): `descriptor`
 * is an f32 memref descriptor of rank 3, [B, T, width], any strides, the
 * state of the manifest's `capture <capture> <layer> <state> <width>`
 * record. The runtime copies it before returning (only when the run writes
 * a trace) and keeps the rows of the tokens it selects. */
void sinkrt_capture(void *ctx, int64_t capture, int64_t rank,
                    const void *descriptor);

/* Runs body(data, begin, end) over [0, n) in contiguous chunks on the
 * runtime's thread pool and returns when all are done. Never nested. */
void sinkrt_parallel_for(void *ctx, int64_t n,
                         void (*body)(void *data, int64_t begin, int64_t end),
                         void *data);

/* C[m, p, j] (+)= sum_k A[m, k] * B[p, k, j]: a product against a weight
 * that sinkc packed at compile time into panels B[N / NR][K][NR]. A is an
 * f32 memref descriptor of rank 2 [M, K], B and C of rank 3 [P, K, NR] and
 * [M, P, NR] (any strides; the fast kernels want B and C's last two
 * dimensions contiguous). `kernel` is a kMatmulKernel* number of
 * sinkrt/MatmulKernels.h, chosen by sinkc from the target's features;
 * `accumulate` = 0 overwrites C. Splits the panels over the thread pool. A
 * CPU without the kernel's instructions ends the process with a message. */
void sinkrt_matmul_f32_packed(void *ctx, int64_t kernel, int64_t accumulate,
                              int64_t rankA, const void *a, int64_t rankB,
                              const void *b, int64_t rankC, const void *c);

/* The same product over weights stored as IEEE half (f16) or bfloat16: B is
 * a descriptor of 16-bit elements, widened to f32 inside the kernel (A, C
 * and the arithmetic stay f32), so the result is the f32 product over the
 * widened weights. The AVX2 kernel on f16 weights also needs F16C. */
void sinkrt_matmul_f16_packed(void *ctx, int64_t kernel, int64_t accumulate,
                              int64_t rankA, const void *a, int64_t rankB,
                              const void *b, int64_t rankC, const void *c);
void sinkrt_matmul_bf16_packed(void *ctx, int64_t kernel, int64_t accumulate,
                               int64_t rankA, const void *a, int64_t rankB,
                               const void *b, int64_t rankC, const void *c);

/* out[b, t] = cos(x[b, t, :], x[b, 0, :]) for an f32 memref descriptor x
 * of rank 3 [B, T, F] and out of rank 2 [B, T] (any strides): the cosine
 * of every token's state with BOS's, in one read of the state. Bit-identical
 * for any thread count; inconsistent shapes end the process with a "shape
 * check failed" message. */
void sinkrt_cosines_with_first(void *ctx, int64_t rank, const void *x,
                               int64_t outRank, const void *out);

/* sink.attention (docs/runtime-abi.md): scaled dot-product attention of
 * query [B,H,T,d] with key/value [B,Hkv,S,d] (f32) into output [B,H,T,d],
 * tiled, in O(T d) memory, on the thread pool. Each tensor is an unranked
 * memref, (rank, descriptor). flags: 1 causal (k <= q), 2 segments (i64
 * [B',T] and [B',S]: k visible only where the ids are equal), 4 column sums
 * (f32 [B,H,S], the per-head sums over q >= k of the normalised
 * probabilities), 8 key mask (i64 [B',S]: k visible only where non-zero).
 * Operands a flag does not select are ignored. window > 0: k visible only
 * where q - k < window (sliding window); 0: no window. */
void sinkrt_attention(void *ctx, int64_t queryRank, const void *query,
                      int64_t keyRank, const void *key, int64_t valueRank,
                      const void *value, int64_t querySegmentsRank,
                      const void *querySegments, int64_t keySegmentsRank,
                      const void *keySegments, int64_t keyMaskRank,
                      const void *keyMask, int64_t outputRank,
                      const void *output, int64_t columnSumsRank,
                      const void *columnSums, float scale, int64_t window,
                      int64_t flags);

/* Every buffer the generated code allocates (finalize-memref-to-llvm with
 * use-generic-functions). malloc/posix_memalign underneath, so outputs can be
 * released with free(); a failed allocation ends the process with
 * "<program>: error: out of memory: ..." and exit code 1 instead of handing
 * a null pointer to the generated code. The sizes are MLIR's index type,
 * 64-bit on every target: size_t here would misread the arguments on a
 * 32-bit target (ARMv7 passes an int64_t in a register pair). */
void *_mlir_memref_to_llvm_alloc(uint64_t size);
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size);
void _mlir_memref_to_llvm_free(void *memory);

#ifdef __cplusplus
}
#endif

#endif /* SINKRT_ABI_H */
