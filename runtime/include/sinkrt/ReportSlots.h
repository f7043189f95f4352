//===- ReportSlots.h - Tensors the generated code reports -------*- C++ -*-===//
//
// What ProbeCollector and CaptureCollector share: the generated code reports
// one f32 tensor per probe or capture of the manifest and invocation, through
// sinkrt_probe or sinkrt_capture. Those calls cannot return an error, so the
// first one of an invocation is kept and reported when it finishes.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_REPORTSLOTS_H
#define SINKRT_REPORTSLOTS_H

#include "sinkrt/Manifest.h"
#include "sinkrt/Status.h"
#include "sinkrt/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sinkrt {

/// How messages name a probe or a capture: "probe 3 (recv of layer 2)".
std::string reportSubject(const ProbeSpec &probe);
std::string reportSubject(const StateCapture &capture);

/// The f32 tensor of one sinkrt_probe or sinkrt_capture call, checked:
/// `subject` names the call in messages, `received` says whether it already
/// reported in this invocation, and the rank must be that of `expected`. The
/// sizes of `expected` that the runtime knows (>= 0) are checked before the
/// data is read, so that a wrong shape is reported rather than read out of
/// bounds.
Expected<HostTensor> readReportedTensor(const std::string &subject,
                                        bool received, int64_t rank,
                                        const void *descriptor,
                                        const std::vector<int64_t> &expected);

/// A slot per probe or capture (`Spec`: ProbeSpec or StateCapture), in the
/// order given, with what the model reported for it in the current
/// invocation. Not thread-safe: the collectors lock around it.
template <typename Spec> class ReportSlots {
public:
  struct Slot {
    Spec spec;
    bool received = false;
    HostTensor tensor;
  };

  /// `call` names the ABI call in messages: "probe" or "capture".
  ReportSlots(const std::vector<Spec> &specs, const char *call) : call(call) {
    for (const Spec &spec : specs) {
      slotById[spec.id] = slots.size();
      slots.push_back(Slot{spec, false, HostTensor()});
    }
  }

  bool empty() const { return slots.empty(); }
  size_t size() const { return slots.size(); }
  const Slot &operator[](size_t index) const { return slots[index]; }
  typename std::vector<Slot>::const_iterator begin() const {
    return slots.begin();
  }
  typename std::vector<Slot>::const_iterator end() const { return slots.end(); }

  /// Starts over: nothing received, no tensor kept, no error.
  void reset() {
    firstError.reset();
    for (Slot &slot : slots) {
      slot.received = false;
      slot.tensor = HostTensor();
    }
  }

  /// Keeps the tensor that the model reported as `id`, checked against
  /// `expectedShape(spec)`; null, keeping the error, for an id the manifest
  /// does not list or a tensor that fails the checks.
  template <typename ShapeFn>
  const Slot *receive(int64_t id, int64_t rank, const void *descriptor,
                      ShapeFn expectedShape) {
    auto found = slotById.find(id);
    if (found == slotById.end()) {
      keepError(failure("the model reported %s %lld, which its manifest does "
                        "not list",
                        call, static_cast<long long>(id)));
      return nullptr;
    }
    Slot &slot = slots[found->second];
    Expected<HostTensor> tensor =
        readReportedTensor(reportSubject(slot.spec), slot.received, rank,
                           descriptor, expectedShape(slot.spec));
    if (!tensor) {
      keepError(tensor.takeError());
      return nullptr;
    }
    slot.received = true;
    slot.tensor = std::move(*tensor);
    return &slot;
  }

  /// The invocation's first error; else, in slot order, a slot that did not
  /// report or the first error of `eachReported(slot)`.
  template <typename SlotFn> Status finish(SlotFn eachReported) const {
    if (firstError)
      return *firstError;
    for (const Slot &slot : slots) {
      if (!slot.received)
        return failure("%s never reported", reportSubject(slot.spec).c_str());
      if (Status status = eachReported(slot); !status)
        return status;
    }
    return Status::ok();
  }

private:
  void keepError(Error error) {
    if (!firstError)
      firstError = std::move(error);
  }

  const char *call;
  std::vector<Slot> slots;
  std::map<int64_t, size_t> slotById;
  std::optional<Error> firstError;
};

} // namespace sinkrt

#endif // SINKRT_REPORTSLOTS_H
