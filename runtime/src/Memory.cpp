//===- Memory.cpp - The generated code's allocator ------------------------===//
//
// sinkc lowers memref allocations to these functions (MLIR's
// finalize-memref-to-llvm{use-generic-functions}) instead of calling malloc
// directly: a model whose buffer sizes come from its inputs can ask for
// more memory than there is, and a null pointer from malloc would otherwise
// be written through (a crash at best). Here a failed allocation ends the
// process with the runtime's usual one-line error and exit code 1. Buffers
// still come from malloc, so the runtime frees returned outputs with free().
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Abi.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

[[noreturn]] static void outOfMemory(uint64_t size) {
  // Any thread may get here (parallel loop bodies allocate as well). No
  // output file has been written for this run: outputs are written after
  // the model returns, and atomically.
  std::fflush(stdout);
  std::fprintf(stderr,
               "%s: error: out of memory: the model asked for a buffer of %llu "
               "bytes\n",
               program_invocation_short_name,
               static_cast<unsigned long long>(size));
  std::fflush(stderr);
  std::_Exit(1);
}

// The sizes are the generated code's 64-bit index type on every target (see
// Abi.h); on a 32-bit target a size beyond the address space fails here.
extern "C" void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  if (size > SIZE_MAX)
    outOfMemory(size);
  void *memory = std::malloc(static_cast<size_t>(size));
  if (!memory && size != 0)
    outOfMemory(size);
  return memory;
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                    uint64_t size) {
  if (size > SIZE_MAX)
    outOfMemory(size);
  // posix_memalign, unlike aligned_alloc, takes any size; its alignment
  // must be a power of two of at least sizeof(void *).
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  void *memory = nullptr;
  if (::posix_memalign(&memory, static_cast<size_t>(alignment),
                       static_cast<size_t>(size)) != 0)
    outOfMemory(size);
  return memory;
}

extern "C" void _mlir_memref_to_llvm_free(void *memory) { std::free(memory); }
