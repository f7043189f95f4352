//===- Captures.cpp - Activation capture for offline analyses -------------===//
//
// Memory: during one model invocation every capture holds a copy of its
// whole state, B*T*width floats (the rows of the sinks are known only once
// every layer has been measured and the sequence classified); endRun frees
// them, so the transient peak is the sum over the manifest's captures of
// B*T*width*4 bytes. What stays is O(kept rows x width) per capture, and
// that is what the file holds.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Captures.h"

#include "sinkrt/Abi.h"
#include "sinkrt/AtomicFile.h"
#include "sinkrt/Probes.h"
#include "sinkrt/TensorIO.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <limits>

namespace sinkrt {

std::vector<CapturedToken> selectCapturedTokens(const TraceRecord &record,
                                                CaptureTokens tokens) {
  const int length = static_cast<int>(record.sinks.size());
  bool haveIds = static_cast<int>(record.tokens.size()) == length;
  std::vector<CapturedToken> selected;
  std::vector<SinkKind> kinds(static_cast<size_t>(length), SinkKind::None);
  for (const TokenSink &sink : record.sinks)
    if (sink.position >= 0 && sink.position < length)
      kinds[sink.position] = sink.kind;
  auto isSink = [&](int position) { return kinds[position] != SinkKind::None; };
  // Sinks in position order, with their ids.
  std::map<int, size_t> rowOfPosition;
  for (int position = 0; position < length; ++position) {
    if (!isSink(position))
      continue;
    CapturedToken row;
    row.position = position;
    row.token = haveIds ? record.tokens[position] : -1;
    row.kind = kinds[position];
    rowOfPosition[position] = selected.size();
    selected.push_back(row);
  }
  if (tokens == CaptureTokens::SinksMatched && haveIds) {
    // Per sink token id: its sinks and its non-sink positions, both
    // ascending; the j-th of each are partners (the earliest controls, so
    // that the choice is deterministic and independent of the prompt's
    // tail).
    std::map<int64_t, std::vector<int>> sinksOfId, othersOfId;
    for (int position = 0; position < length; ++position)
      if (isSink(position))
        sinksOfId[record.tokens[position]].push_back(position);
    for (int position = 0; position < length; ++position)
      if (!isSink(position) && sinksOfId.count(record.tokens[position]))
        othersOfId[record.tokens[position]].push_back(position);
    std::vector<CapturedToken> controls;
    for (const auto &[id, sinks] : sinksOfId) {
      const std::vector<int> &others = othersOfId[id];
      for (size_t j = 0; j < sinks.size() && j < others.size(); ++j) {
        CapturedToken control;
        control.position = others[j];
        control.token = id;
        control.kind = SinkKind::None;
        control.matchedTo = sinks[j];
        selected[rowOfPosition[sinks[j]]].matchedTo = others[j];
        controls.push_back(control);
      }
    }
    selected.insert(selected.end(), controls.begin(), controls.end());
    std::sort(selected.begin(), selected.end(),
              [](const CapturedToken &a, const CapturedToken &b) {
                return a.position < b.position;
              });
  }
  return selected;
}

static std::vector<StateCapture> sortedById(std::vector<StateCapture> list) {
  std::sort(
      list.begin(), list.end(),
      [](const StateCapture &a, const StateCapture &b) { return a.id < b.id; });
  return list;
}

CaptureCollector::CaptureCollector(const Manifest &manifest)
    : slots(sortedById(manifest.captures), "capture") {
  for (const Slot &slot : slots)
    kept.captures.push_back(slot.spec);
  kept.states.resize(slots.size());
}

void CaptureCollector::beginRun(int64_t batch, int64_t sequence) {
  std::lock_guard<std::mutex> lock(mutex);
  runBatch = batch;
  runSequence = sequence;
  slots.reset();
}

void CaptureCollector::receive(int64_t captureId, int64_t rank,
                               const void *descriptor) {
  if (!enabled)
    return;
  std::lock_guard<std::mutex> lock(mutex);
  slots.receive(captureId, rank, descriptor, [&](const StateCapture &spec) {
    return std::vector<int64_t>{runBatch, runSequence, spec.width};
  });
}

Status CaptureCollector::finishRun(int64_t batch, int64_t sequence) {
  if (!isEnabled())
    return Status::ok();
  std::lock_guard<std::mutex> lock(mutex);
  Status status = slots.finish([&](const Slot &slot) -> Status {
    std::vector<int64_t> expected = {batch, sequence, slot.spec.width};
    if (slot.tensor.shape != expected)
      return failure("%s has shape %s, expected %s",
                     reportSubject(slot.spec).c_str(),
                     shapeToString(slot.tensor.shape).c_str(),
                     shapeToString(expected).c_str());
    return Status::ok();
  });
  if (!status)
    return status;
  runBatch = batch;
  runSequence = sequence;
  return Status::ok();
}

void CaptureCollector::appendRows(int64_t recordIndex,
                                  const TraceRecord &record, int64_t row,
                                  const std::vector<CapturedToken> &tokens) {
  if (!isEnabled())
    return;
  for (const CapturedToken &token : tokens) {
    kept.record.push_back(recordIndex);
    kept.prompt.push_back(record.prompt);
    kept.batchRow.push_back(record.batchRow);
    kept.position.push_back(token.position);
    kept.token.push_back(token.token);
    kept.kind.push_back(static_cast<int8_t>(token.kind));
    kept.matchedTo.push_back(token.matchedTo);
  }
  for (size_t c = 0; c < slots.size(); ++c) {
    const Slot &slot = slots[c];
    auto width = static_cast<size_t>(slot.spec.width);
    std::vector<float> &states = kept.states[c];
    for (const CapturedToken &token : tokens) {
      const float *source =
          slot.tensor.as<float>() +
          (static_cast<size_t>(row) * static_cast<size_t>(runSequence) +
           static_cast<size_t>(token.position)) *
              width;
      states.insert(states.end(), source, source + width);
    }
  }
}

void CaptureCollector::endRun() {
  std::lock_guard<std::mutex> lock(mutex);
  slots.reset();
}

std::string capturesPathFor(const std::string &tracePath) {
  static const std::string kTraceExtension = ".sinktrace";
  std::string stem = tracePath;
  if (stem.size() > kTraceExtension.size() &&
      stem.compare(stem.size() - kTraceExtension.size(), kTraceExtension.size(),
                   kTraceExtension) == 0)
    stem.resize(stem.size() - kTraceExtension.size());
  return stem + ".captures.npz";
}

uint32_t crc32(const void *data, size_t size, uint32_t crc) {
  static const std::vector<uint32_t> table = [] {
    std::vector<uint32_t> entries(256);
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k)
        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      entries[n] = c;
    }
    return entries;
  }();
  const auto *bytes = static_cast<const unsigned char *>(data);
  crc = ~crc;
  for (size_t i = 0; i < size; ++i)
    crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

namespace {

/// The pieces of the archive in file order; `owned` keeps the bytes that
/// are not the table's own (headers, derived arrays).
struct ArchivePieces {
  std::deque<std::string> owned;
  std::vector<ByteSpan> pieces;
  uint64_t size = 0;

  const std::string &own(std::string bytes) {
    owned.push_back(std::move(bytes));
    return owned.back();
  }
  void add(const void *data, size_t size) {
    pieces.push_back({data, size});
    this->size += size;
  }
  void add(const std::string &bytes) { add(bytes.data(), bytes.size()); }
};

void putLittleEndian(std::string &out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

/// MS-DOS date of 1980-01-01, time 00:00: ZIP's epoch, for reproducible
/// files (the same run gives the same bytes).
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr uint16_t kDosTime = 0;
/// ZIP 2.0, what stored members without ZIP64 need.
constexpr uint16_t kZipVersion = 20;
constexpr uint64_t kZip32Limit = std::numeric_limits<uint32_t>::max();

struct Member {
  std::string name;
  uint32_t crc = 0;
  uint64_t size = 0;
  uint64_t offset = 0;
};

/// The fields from "version needed to extract" to "extra field length",
/// which a member's local header and its central directory entry share.
void putSharedHeaderFields(std::string &out, const Member &member) {
  putLittleEndian(out, kZipVersion, 2);
  putLittleEndian(out, 0, 2); // flags
  putLittleEndian(out, 0, 2); // stored
  putLittleEndian(out, kDosTime, 2);
  putLittleEndian(out, kDosDate, 2);
  putLittleEndian(out, member.crc, 4);
  putLittleEndian(out, member.size, 4);
  putLittleEndian(out, member.size, 4);
  putLittleEndian(out, member.name.size(), 2);
  putLittleEndian(out, 0, 2); // extra field
}

Expected<ArchivePieces> planArchive(const std::string &spec,
                                    const std::string &modelName,
                                    const CaptureTable &table) {
  ArchivePieces archive;
  std::vector<Member> members;
  size_t rows = table.rows();
  // The first error ends the archive: the members after it are not added.
  Status status;
  auto addMember = [&](const std::string &name, DType dtype,
                       std::vector<int64_t> shape, const void *data,
                       size_t bytes) {
    if (!status)
      return;
    Member member;
    member.name = name + ".npy";
    member.offset = archive.size;
    const std::string &npy = archive.own(npyHeader(dtype, shape));
    member.size = npy.size() + bytes;
    member.crc = crc32(data, bytes, crc32(npy.data(), npy.size()));
    if (member.size >= kZip32Limit || archive.size >= kZip32Limit) {
      status = failure("the captures file would need ZIP64 (more than 4 GiB, "
                       "member '%s' of %llu bytes at offset %llu), which this "
                       "runtime does not write: capture fewer layers, states "
                       "or prompts per run",
                       member.name.c_str(),
                       static_cast<unsigned long long>(member.size),
                       static_cast<unsigned long long>(member.offset));
      return;
    }
    std::string local;
    putLittleEndian(local, 0x04034b50, 4);
    putSharedHeaderFields(local, member);
    local += member.name;
    archive.add(archive.own(std::move(local)));
    archive.add(npy);
    if (bytes)
      archive.add(data, bytes);
    members.push_back(member);
  };
  auto addText = [&](const std::string &name, const std::string &text) {
    const std::string &bytes = archive.own(text);
    addMember(name, DType::U8, {static_cast<int64_t>(bytes.size())},
              bytes.data(), bytes.size());
  };
  auto addIndex = [&](const std::string &name, const auto &values,
                      DType dtype) {
    addMember(name, dtype, {static_cast<int64_t>(rows)}, values.data(),
              values.size() * dtypeSize(dtype));
  };
  std::string isSink;
  for (int8_t kind : table.kind)
    isSink.push_back(kind != 0 ? 1 : 0);
  const std::string &isSinkBytes = archive.own(std::move(isSink));
  addText("spec", spec);
  addText("model", modelName);
  addIndex("record", table.record, DType::I64);
  addIndex("prompt", table.prompt, DType::I64);
  addIndex("batch_row", table.batchRow, DType::I64);
  addIndex("position", table.position, DType::I64);
  addIndex("token", table.token, DType::I64);
  addIndex("kind", table.kind, DType::I8);
  addIndex("is_sink", isSinkBytes, DType::Bool);
  addIndex("matched_to", table.matchedTo, DType::I64);
  for (size_t c = 0; status && c < table.captures.size(); ++c) {
    const StateCapture &capture = table.captures[c];
    const std::vector<float> &states = table.states[c];
    addMember(formatString("layer%d.%s", capture.layer,
                           captureStateName(capture.state)),
              DType::F32,
              {static_cast<int64_t>(rows), static_cast<int64_t>(capture.width)},
              states.data(), states.size() * sizeof(float));
  }
  if (!status)
    return status.takeError();

  uint64_t directoryOffset = archive.size;
  std::string directory;
  for (const Member &member : members) {
    putLittleEndian(directory, 0x02014b50, 4);
    putLittleEndian(directory, kZipVersion, 2); // made by (MS-DOS attributes)
    putSharedHeaderFields(directory, member);
    putLittleEndian(directory, 0, 2); // comment
    putLittleEndian(directory, 0, 2); // disk
    putLittleEndian(directory, 0, 2); // internal attributes
    putLittleEndian(directory, 0, 4); // external attributes
    putLittleEndian(directory, member.offset, 4);
    directory += member.name;
  }
  if (directoryOffset + directory.size() >= kZip32Limit)
    return failure("the captures file would need ZIP64 (more than 4 GiB), "
                   "which this runtime does not write: capture fewer "
                   "layers, states or prompts per run");
  std::string end;
  putLittleEndian(end, 0x06054b50, 4);
  putLittleEndian(end, 0, 2);
  putLittleEndian(end, 0, 2);
  putLittleEndian(end, members.size(), 2);
  putLittleEndian(end, members.size(), 2);
  putLittleEndian(end, directory.size(), 4);
  putLittleEndian(end, directoryOffset, 4);
  putLittleEndian(end, 0, 2); // comment
  archive.add(archive.own(std::move(directory)));
  archive.add(archive.own(std::move(end)));
  return archive;
}

} // namespace

Expected<std::string> renderCapturesArchive(const std::string &spec,
                                            const std::string &modelName,
                                            const CaptureTable &table) {
  Expected<ArchivePieces> archive = planArchive(spec, modelName, table);
  if (!archive)
    return archive.takeError();
  std::string bytes;
  bytes.reserve(static_cast<size_t>(archive->size));
  for (const ByteSpan &piece : archive->pieces)
    bytes.append(static_cast<const char *>(piece.data), piece.size);
  return bytes;
}

Status writeCapturesFile(const std::string &path, const std::string &spec,
                         const std::string &modelName,
                         const CaptureTable &table) {
  Expected<ArchivePieces> archive = planArchive(spec, modelName, table);
  if (!archive)
    return withContext(archive.takeError(), "'" + path + "'");
  Expected<AtomicFileWriter> writer = AtomicFileWriter::create(path);
  if (!writer)
    return writer.takeError();
  for (const ByteSpan &piece : archive->pieces)
    if (Status status = writer->write(piece.data, piece.size); !status)
      return status;
  return writer->commit();
}

} // namespace sinkrt

extern "C" void sinkrt_capture(void *ctx, int64_t capture, int64_t rank,
                               const void *descriptor) {
  sinkrt::collectorOf(ctx, &sinkrt::RunContext::captures, "capture", capture)
      .receive(capture, rank, descriptor);
}
