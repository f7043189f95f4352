//===- Captures.h - Activation capture for offline analyses -----*- C++ -*-===//
//
// A model compiled with `sinkc --capture` hands whole per-token states
// ([B, T, width] f32: block inputs, MLP inputs, MLP outputs) to the runtime
// through sinkrt_capture. The runtime keeps them only until the run's
// sequences are classified, then keeps the rows of the sink tokens and, on
// request, of matched controls (non-sink positions with a sink's token id),
// and writes those rows with an index next to the trace as one .npz file.
// docs/captures.md describes the selection and the file.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_CAPTURES_H
#define SINKRT_CAPTURES_H

#include "sinkrt/Manifest.h"
#include "sinkrt/ReportSlots.h"
#include "sinkrt/Status.h"
#include "sinkrt/TraceData.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace sinkrt {

/// One token of a record whose states the captures file keeps.
struct CapturedToken {
  int position = 0;
  /// -1 when the record has no token ids.
  int64_t token = -1;
  /// The token's classification; None for a matched control.
  SinkKind kind = SinkKind::None;
  /// The position of its partner in the same record: a control's sink, a
  /// sink's control; -1 for a sink without one (tokens=sinks, or no
  /// non-sink position with its id was left).
  int matchedTo = -1;
};

/// The tokens of a classified record that the captures keep, in position
/// order: every position the classification calls a sink (primary or
/// secondary; position 0 only when it is one), and with
/// CaptureTokens::SinksMatched, for every sink token id with k sinks, the
/// first min(k, n) of its n non-sink positions, the j-th of which is the
/// matched control of the j-th sink of that id.
std::vector<CapturedToken> selectCapturedTokens(const TraceRecord &record,
                                                CaptureTokens tokens);

/// The kept rows of every record so far: an index (one entry per row) and,
/// per capture of the manifest, the rows' states.
struct CaptureTable {
  /// The captures of the manifest, in id order: the columns.
  std::vector<StateCapture> captures;
  /// Index, one entry per row, rows ordered by record and position.
  std::vector<int64_t> record, prompt, batchRow, position, token, matchedTo;
  /// SinkKind: 0 for a matched control, 1 primary, 2 secondary.
  std::vector<int8_t> kind;
  /// Per capture (same order as `captures`), rows x width floats.
  std::vector<std::vector<float>> states;

  size_t rows() const { return position.size(); }
};

/// Receives the sinkrt_capture calls of one model invocation at a time and
/// keeps the selected rows of each. Errors of the generated code (unknown
/// ids, wrong shapes, repeats) cannot be returned to it, so the first one is
/// kept and reported by finishRun.
class CaptureCollector {
public:
  explicit CaptureCollector(const Manifest &manifest);

  bool hasCaptures() const { return !slots.empty(); }
  /// Without --trace nothing is kept (sinkrt_capture returns at once).
  void setEnabled(bool enabled) { this->enabled = enabled; }
  bool isEnabled() const { return enabled && hasCaptures(); }

  /// Starts an invocation over `batch` sequences of `sequence` tokens (-1:
  /// not known yet) and drops the states of the previous one.
  void beginRun(int64_t batch, int64_t sequence);
  void receive(int64_t captureId, int64_t rank, const void *descriptor);
  /// Checks that every capture reported once, [batch, sequence, width].
  Status finishRun(int64_t batch, int64_t sequence);
  /// Appends the rows of `tokens` of batch row `row` of the finished run as
  /// trace record `recordIndex`.
  void appendRows(int64_t recordIndex, const TraceRecord &record, int64_t row,
                  const std::vector<CapturedToken> &tokens);
  /// Frees the states of the finished run.
  void endRun();

  const CaptureTable &table() const { return kept; }

private:
  using Slot = ReportSlots<StateCapture>::Slot;

  /// In id order, the table's columns.
  ReportSlots<StateCapture> slots;
  bool enabled = false;
  CaptureTable kept;

  std::mutex mutex;
  int64_t runBatch = -1;
  int64_t runSequence = -1;
};

/// The captures file of a trace: `F.sinktrace` gives `F.captures.npz`, any
/// other name gets `.captures.npz` appended.
std::string capturesPathFor(const std::string &tracePath);

/// Writes the table atomically as a NumPy .npz archive (a ZIP file of .npy
/// members, stored uncompressed, deterministic: fixed timestamps, member
/// order as documented in docs/captures.md): `spec` and `model` (UTF-8
/// bytes), the index arrays `record`, `prompt`, `batch_row`, `position`,
/// `token` (int64), `kind` (int8), `is_sink` (bool), `matched_to` (int64),
/// and per capture `layer<L>.<state>` (float32 [rows, width]). Fails
/// without writing anything when the archive would need ZIP64 (a member
/// or the whole file of 4 GiB or more, or 65535 members or more).
Status writeCapturesFile(const std::string &path, const std::string &spec,
                         const std::string &modelName,
                         const CaptureTable &table);

/// The bytes of that archive, for tests (the same as the file).
Expected<std::string> renderCapturesArchive(const std::string &spec,
                                            const std::string &modelName,
                                            const CaptureTable &table);

/// CRC-32 (ISO-HDLC, zlib's crc32) of `size` bytes, continuing from `crc`
/// (0 to start).
uint32_t crc32(const void *data, size_t size, uint32_t crc = 0);

} // namespace sinkrt

#endif // SINKRT_CAPTURES_H
