//===- ReportSlots.cpp - Tensors the generated code reports ---------------===//

#include "sinkrt/ReportSlots.h"

#include "sinkrt/MemRef.h"

namespace sinkrt {

std::string reportSubject(const ProbeSpec &probe) {
  return formatString("probe %lld (%s of layer %d)",
                      static_cast<long long>(probe.id),
                      metricName(probe.metric), probe.layer);
}

std::string reportSubject(const StateCapture &capture) {
  return formatString("capture %lld (%s of layer %d)",
                      static_cast<long long>(capture.id),
                      captureStateName(capture.state), capture.layer);
}

Expected<HostTensor> readReportedTensor(const std::string &subject,
                                        bool received, int64_t rank,
                                        const void *descriptor,
                                        const std::vector<int64_t> &expected) {
  if (received)
    return failure("%s reported twice in one run", subject.c_str());
  auto expectedRank = static_cast<int64_t>(expected.size());
  if (rank != expectedRank || !descriptor)
    return failure("%s has rank %lld, expected %lld", subject.c_str(),
                   static_cast<long long>(rank),
                   static_cast<long long>(expectedRank));
  MemRefView view = readMemRefDescriptor(descriptor, rank);
  for (size_t d = 0; d < expected.size(); ++d)
    if (expected[d] >= 0 && view.sizes[d] != expected[d])
      return failure("%s has shape %s, expected %s", subject.c_str(),
                     shapeToString(view.sizes).c_str(),
                     shapeToString(expected).c_str());
  Expected<HostTensor> dense = copyMemRefToTensor(view, DType::F32);
  if (!dense)
    return withContext(dense.takeError(), subject);
  return dense;
}

} // namespace sinkrt
