//===- Weights.h - Embedded and external model weights ----------*- C++ -*-===//

#ifndef SINKRT_WEIGHTS_H
#define SINKRT_WEIGHTS_H

#include "sinkrt/Manifest.h"
#include "sinkrt/Status.h"

#include <string>

namespace sinkrt {

/// The weights a model runs with: the embedded blob, or a read-only mapping
/// of the external weights file that lives as long as this object.
class LoadedWeights {
public:
  LoadedWeights() = default;
  LoadedWeights(LoadedWeights &&other) noexcept;
  LoadedWeights &operator=(LoadedWeights &&other) noexcept;
  LoadedWeights(const LoadedWeights &) = delete;
  LoadedWeights &operator=(const LoadedWeights &) = delete;
  ~LoadedWeights();

  /// The pointer handed to sinkc_entry; null for a model without weights.
  const void *data() const { return payload; }
  size_t size() const { return payloadSize; }

  static LoadedWeights embedded(const void *data, size_t size);
  static LoadedWeights mapped(void *mapping, size_t mappingSize,
                              const void *payload, size_t payloadSize);

private:
  const void *payload = nullptr;
  size_t payloadSize = 0;
  void *mapping = nullptr;
  size_t mappingSize = 0;
};

struct WeightsOptions {
  /// The linked-in sinkc_weights, or null when the model has none.
  const unsigned char *embedded = nullptr;
  /// Where to look for external weights.
  std::string externalPath;
  /// Whether --weights-file named the file (the message says so).
  bool pathFromCommandLine = false;
  /// Recompute the payload hash instead of trusting the header's.
  bool verifyPayloadHash = false;
  /// The memory the run may use; 0: availableMemory().
  uint64_t memoryLimit = 0;
};

/// The memory this process can count on: physical memory, or less when a
/// cgroup (a container, a Slurm job) limits it; `source` says which.
uint64_t availableMemory(std::string *source = nullptr);

/// Finds and checks the weights the manifest describes: embedded weights
/// must be linked in (and 64-byte aligned); an external file must have the
/// right magic, version, payload size and hash, and hold the whole payload.
/// Weights larger than the memory limit are refused: mapped, they would be
/// read from the file again for every layer of every run.
Expected<LoadedWeights> loadWeights(const Manifest &manifest,
                                    const WeightsOptions &options);

} // namespace sinkrt

#endif // SINKRT_WEIGHTS_H
