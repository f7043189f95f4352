//===- Main.cpp - The entry point of every compiled model -----------------===//
//
// Its own object file in libsinkrt.a: linking model.o with the archive pulls
// this in for `main`, and it in turn pulls in the rest of the runtime.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Runner.h"

#include <climits>
#include <malloc.h>
#include <unistd.h>

extern "C" {
extern const char sinkc_manifest[];
void sinkc_entry(void **args);
// Absent when the model was compiled with --weights=external.
extern const unsigned char sinkc_weights[] __attribute__((weak));
}

/// The executable's own path, for the default <executable>.weights: the
/// kernel's answer when /proc is mounted, otherwise argv[0].
static std::string executablePath(const char *argv0) {
  char buffer[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (length > 0)
    return std::string(buffer, static_cast<size_t>(length));
  return argv0 ? argv0 : "";
}

int main(int argc, char **argv) {
  // The generated code allocates its intermediate tensors with malloc. Keep
  // all of them on the main heap and keep freed memory there, so later
  // layers and runs reuse pages instead of faulting in fresh mmap'ed ones for
  // every tensor: at T=1024 the attention scores are 32 MiB per layer, above
  // glibc's largest mmap threshold, and zeroing fresh pages took more than
  // half of the run time. glibc still falls back to mmap when the heap
  // cannot grow. One arena: worker threads' buffers come from the same heap.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_ARENA_MAX, 1);
  sinkrt::ModelBinding model;
  model.manifest = sinkc_manifest;
  model.entry = sinkc_entry;
  model.embeddedWeights = sinkc_weights;
  model.executablePath = executablePath(argc > 0 ? argv[0] : nullptr);
  return sinkrt::runMain(argc, argv, model);
}
