//===- Weights.cpp - Embedded and external model weights ------------------===//

#include "sinkrt/Weights.h"

#include "sinkrt/Text.h"
#include "sinkrt/WeightsHash.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
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

/// The number in a cgroup limit file ("max" or missing: no limit).
static uint64_t cgroupLimit(const char *path) {
  std::FILE *file = std::fopen(path, "r");
  if (!file)
    return UINT64_MAX;
  char text[64] = {};
  size_t length = std::fread(text, 1, sizeof(text) - 1, file);
  std::fclose(file);
  while (length && (text[length - 1] == '\n' || text[length - 1] == ' '))
    text[--length] = 0;
  std::optional<uint64_t> value = parseUInt64(std::string_view(text, length));
  return value ? *value : UINT64_MAX;
}

uint64_t availableMemory(std::string *source) {
  long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGESIZE);
  uint64_t physical =
      pages > 0 && pageSize > 0
          ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize)
          : UINT64_MAX;
  // cgroup v2, then v1 (whose "no limit" is a huge number, not "max").
  uint64_t limit = std::min(cgroupLimit("/sys/fs/cgroup/memory.max"),
                            cgroupLimit("/sys/fs/cgroup/memory/"
                                        "memory.limit_in_bytes"));
  if (source)
    *source =
        limit < physical ? "the cgroup's memory limit" : "physical memory";
  return std::min(physical, limit);
}

static std::string gigabytes(uint64_t bytes) {
  return formatString("%.2f GB", static_cast<double>(bytes) / 1e9);
}

Expected<LoadedWeights> loadWeights(const Manifest &manifest,
                                    const WeightsOptions &options) {
  // A model without weights gets a null pointer and needs no file.
  if (manifest.weightsSize == 0)
    return LoadedWeights();
  if (manifest.weightsSize > SIZE_MAX / 2)
    return failure("the manifest's weights size is implausible");
  std::string source = "--memory-limit";
  uint64_t limit =
      options.memoryLimit ? options.memoryLimit : availableMemory(&source);
  if (manifest.weightsSize > limit)
    return failure("the model's weights (%s) do not fit in the memory this "
                   "run may use (%s, %s): they would be read from the file "
                   "again for every layer; use a machine with more memory, "
                   "or compile with --weights-dtype=bf16 to halve them",
                   gigabytes(manifest.weightsSize).c_str(),
                   gigabytes(limit).c_str(), source.c_str());
  if (manifest.weightsEmbedded)
    return loadEmbedded(manifest, options);
  return loadExternal(manifest, options);
}

} // namespace sinkrt
