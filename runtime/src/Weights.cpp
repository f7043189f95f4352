//===- Weights.cpp - Embedded and external model weights ------------------===//

#include "sinkrt/Weights.h"

#include "sinkrt/WeightsHash.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sinkrt {

LoadedWeights::LoadedWeights(LoadedWeights &&other) noexcept {
  *this = std::move(other);
}

LoadedWeights &LoadedWeights::operator=(LoadedWeights &&other) noexcept {
  if (this != &other) {
    if (mapping)
      ::munmap(mapping, mappingSize);
    payload = other.payload;
    payloadSize = other.payloadSize;
    mapping = other.mapping;
    mappingSize = other.mappingSize;
    other.payload = nullptr;
    other.payloadSize = 0;
    other.mapping = nullptr;
    other.mappingSize = 0;
  }
  return *this;
}

LoadedWeights::~LoadedWeights() {
  if (mapping)
    ::munmap(mapping, mappingSize);
}

LoadedWeights LoadedWeights::embedded(const void *data, size_t size) {
  LoadedWeights weights;
  weights.payload = data;
  weights.payloadSize = size;
  return weights;
}

LoadedWeights LoadedWeights::mapped(void *mapping, size_t mappingSize,
                                    const void *payload, size_t payloadSize) {
  LoadedWeights weights;
  weights.mapping = mapping;
  weights.mappingSize = mappingSize;
  weights.payload = payload;
  weights.payloadSize = payloadSize;
  return weights;
}

static std::string hex64(uint64_t value) {
  return formatString("%016llx", static_cast<unsigned long long>(value));
}

static Expected<LoadedWeights> loadEmbedded(const Manifest &manifest,
                                            const WeightsOptions &options) {
  if (!options.embedded)
    return failure("the model expects %llu bytes of embedded weights, but "
                   "none are linked into the executable",
                   static_cast<unsigned long long>(manifest.weightsSize));
  if (reinterpret_cast<uintptr_t>(options.embedded) % 64 != 0)
    return failure("the embedded weights are not 64-byte aligned");
  if (options.verifyPayloadHash) {
    uint64_t hash = hashWeights(options.embedded, manifest.weightsSize);
    if (hash != manifest.weightsHash)
      return failure("the embedded weights hash to %s but the manifest "
                     "says %s",
                     hex64(hash).c_str(), hex64(manifest.weightsHash).c_str());
  }
  return LoadedWeights::embedded(options.embedded, manifest.weightsSize);
}

static Expected<LoadedWeights> loadExternal(const Manifest &manifest,
                                            const WeightsOptions &options) {
  const std::string &path = options.externalPath;
  const char *hint = options.pathFromCommandLine
                         ? ""
                         : " (the default next to the executable; use "
                           "--weights-file to name another)";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return failure("cannot open weights file '%s'%s: %s", path.c_str(), hint,
                   std::strerror(errno));
  struct stat status;
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    return failure("weights file '%s' is not a regular file", path.c_str());
  }
  auto fileSize = static_cast<uint64_t>(status.st_size);
  unsigned char headerBytes[kWeightsFileHeaderSize];
  ssize_t headerRead = fileSize >= kWeightsFileHeaderSize
                           ? ::pread(fd, headerBytes, sizeof(headerBytes), 0)
                           : 0;
  if (headerRead != static_cast<ssize_t>(sizeof(headerBytes))) {
    ::close(fd);
    return failure("weights file '%s' is too short for a weights header "
                   "(%llu bytes)",
                   path.c_str(), static_cast<unsigned long long>(fileSize));
  }
  WeightsFileHeader header = parseWeightsFileHeader(headerBytes);
  Error mismatch;
  bool bad = true;
  if (!header.magicMatches)
    mismatch =
        failure("'%s' is not a sinkc weights file (bad magic)", path.c_str());
  else if (header.version != kWeightsFileVersion)
    mismatch = failure("weights file '%s' has format version %u, expected %u",
                       path.c_str(), header.version, kWeightsFileVersion);
  else if (header.payloadSize != manifest.weightsSize)
    mismatch = failure(
        "weights file '%s' holds %llu bytes of weights but the model expects "
        "%llu (weights of a different model?)",
        path.c_str(), static_cast<unsigned long long>(header.payloadSize),
        static_cast<unsigned long long>(manifest.weightsSize));
  else if (header.payloadHash != manifest.weightsHash)
    mismatch = failure("weights file '%s' has hash %s but the model expects "
                       "%s (weights of a different build?)",
                       path.c_str(), hex64(header.payloadHash).c_str(),
                       hex64(manifest.weightsHash).c_str());
  else if (fileSize < kWeightsFilePayloadOffset ||
           fileSize - kWeightsFilePayloadOffset < header.payloadSize)
    mismatch = failure("weights file '%s' is truncated: %llu bytes, expected "
                       "%llu",
                       path.c_str(), static_cast<unsigned long long>(fileSize),
                       static_cast<unsigned long long>(
                           kWeightsFilePayloadOffset + header.payloadSize));
  else
    bad = false;
  if (bad) {
    ::close(fd);
    return mismatch;
  }
  void *mapping = ::mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErrno = errno;
  ::close(fd);
  if (mapping == MAP_FAILED)
    return failure("cannot map weights file '%s': %s", path.c_str(),
                   std::strerror(mapErrno));
  LoadedWeights weights = LoadedWeights::mapped(
      mapping, fileSize,
      static_cast<unsigned char *>(mapping) + kWeightsFilePayloadOffset,
      manifest.weightsSize);
  if (options.verifyPayloadHash) {
    uint64_t hash = hashWeights(weights.data(), weights.size());
    if (hash != manifest.weightsHash)
      return failure("the weights in '%s' hash to %s but the model expects "
                     "%s (the file is corrupt)",
                     path.c_str(), hex64(hash).c_str(),
                     hex64(manifest.weightsHash).c_str());
  }
  return weights;
}

Expected<LoadedWeights> loadWeights(const Manifest &manifest,
                                    const WeightsOptions &options) {
  // A model without weights gets a null pointer and needs no file.
  if (manifest.weightsSize == 0)
    return LoadedWeights();
  if (manifest.weightsSize > SIZE_MAX / 2)
    return failure("the manifest's weights size is implausible");
  if (manifest.weightsEmbedded)
    return loadEmbedded(manifest, options);
  return loadExternal(manifest, options);
}

} // namespace sinkrt
