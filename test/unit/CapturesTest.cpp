//===- CapturesTest.cpp - Activation capture ------------------------------===//
//
// The selection of sinks and matched controls on synthetic classifications,
// the collector's checks of what the model hands over, the .npz writer (read
// back with an independent ZIP walk and the runtime's .npy parser), and the
// whole path through runMain with a fake model that captures states.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Captures.h"

#include "sinkrt/Abi.h"
#include "sinkrt/MemRef.h"
#include "sinkrt/Probes.h"
#include "sinkrt/TensorIO.h"

#include "FakeModels.h"
#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>

using namespace sinkrt;
using ::testing::HasSubstr;

namespace {

/// A classified record: `tokens`, and the kinds of `sinks` (position ->
/// kind); every other position is no sink.
TraceRecord classified(std::vector<int64_t> tokens,
                       std::map<int, SinkKind> sinks) {
  TraceRecord record;
  record.tokens = std::move(tokens);
  record.sequenceLength = static_cast<int>(record.tokens.size());
  for (int position = 0; position < record.sequenceLength; ++position) {
    TokenSink sink;
    sink.position = position;
    sink.token = record.tokens[position];
    auto found = sinks.find(position);
    sink.kind = found == sinks.end() ? SinkKind::None : found->second;
    record.sinks.push_back(sink);
  }
  return record;
}

/// (position, token, kind, matchedTo) of every selected token.
struct Row {
  int position;
  int64_t token;
  SinkKind kind;
  int matchedTo;
  bool operator==(const Row &other) const {
    return position == other.position && token == other.token &&
           kind == other.kind && matchedTo == other.matchedTo;
  }
};

void PrintTo(const Row &row, std::ostream *out) {
  *out << "{" << row.position << ", " << row.token << ", "
       << sinkKindName(row.kind) << ", " << row.matchedTo << "}";
}

std::vector<Row> rows(const std::vector<CapturedToken> &tokens) {
  std::vector<Row> result;
  for (const CapturedToken &token : tokens)
    result.push_back(
        {token.position, token.token, token.kind, token.matchedTo});
  return result;
}

constexpr SinkKind P = SinkKind::Primary;
constexpr SinkKind S = SinkKind::Secondary;
constexpr SinkKind N = SinkKind::None;

} // namespace

TEST(CaptureSelection, SinksOnlyKeepsEveryClassifiedSinkInPositionOrder) {
  TraceRecord record =
      classified({256, 35, 7, 35, 8, 35}, {{0, P}, {3, S}, {1, S}});
  EXPECT_THAT(rows(selectCapturedTokens(record, CaptureTokens::Sinks)),
              testing::ElementsAre(Row{0, 256, P, -1}, Row{1, 35, S, -1},
                                   Row{3, 35, S, -1}));
}

TEST(CaptureSelection, MatchesEachSinkWithTheEarliestFreeSameIdPosition) {
  // Two '#' (35) sinks and three other '#': the first two are the
  // controls, the j-th matched to the j-th sink. BOS (256) has no other
  // occurrence: no control. Token 9 is a sink with one other 9, before it.
  TraceRecord record = classified({256, 35, 9, 35, 35, 9, 35, 35, 4},
                                  {{0, P}, {1, S}, {4, S}, {5, S}});
  EXPECT_THAT(rows(selectCapturedTokens(record, CaptureTokens::SinksMatched)),
              testing::ElementsAre(Row{0, 256, P, -1}, Row{1, 35, S, 3},
                                   Row{2, 9, N, 5}, Row{3, 35, N, 1},
                                   Row{4, 35, S, 6}, Row{5, 9, S, 2},
                                   Row{6, 35, N, 4}));
}

TEST(CaptureSelection, FewerControlsWhenThePromptHasFewer) {
  // Three sinks of id 10, one other 10: one pair, two sinks unmatched.
  TraceRecord record =
      classified({256, 10, 10, 10, 10, 3}, {{0, P}, {1, S}, {2, S}, {4, S}});
  EXPECT_THAT(rows(selectCapturedTokens(record, CaptureTokens::SinksMatched)),
              testing::ElementsAre(Row{0, 256, P, -1}, Row{1, 10, S, 3},
                                   Row{2, 10, S, -1}, Row{3, 10, N, 1},
                                   Row{4, 10, S, -1}));
}

TEST(CaptureSelection, PositionZeroOnlyWhenItIsASink) {
  // Attention-only classification can leave BOS unflagged: it is not
  // captured then, and another BOS later is no control of anything.
  TraceRecord record = classified({256, 5, 256, 5}, {{1, S}});
  EXPECT_THAT(rows(selectCapturedTokens(record, CaptureTokens::SinksMatched)),
              testing::ElementsAre(Row{1, 5, S, 3}, Row{3, 5, N, 1}));
  // A record without sinks keeps nothing.
  EXPECT_TRUE(selectCapturedTokens(classified({1, 2, 3}, {}),
                                   CaptureTokens::SinksMatched)
                  .empty());
}

TEST(CaptureSelection, WithoutTokenIdsThereAreNoControls) {
  TraceRecord record = classified({256, 7, 7}, {{0, P}, {1, S}});
  record.tokens.clear();
  EXPECT_THAT(rows(selectCapturedTokens(record, CaptureTokens::SinksMatched)),
              testing::ElementsAre(Row{0, -1, P, -1}, Row{1, -1, S, -1}));
}

namespace {

/// The manifest of a model with probes and the given captures.
Manifest manifestWith(std::vector<StateCapture> captures) {
  Manifest manifest;
  manifest.modelName = "m";
  LanguageModelInfo lm;
  lm.layers = 4;
  manifest.languageModel = lm;
  manifest.probes.push_back({0, 0, Metric::Recv});
  manifest.captureSpec = "layers=1,states=hidden,tokens=sinks+matched";
  manifest.captures = std::move(captures);
  return manifest;
}

/// A [B, T, W] state laid out [W][B][T] behind an offset, as generated code
/// may hand it over (value(b, t, w) = 100 b + t + w / 10).
struct StridedState {
  std::vector<float> storage;
  std::vector<int64_t> words;

  StridedState(int64_t batch, int64_t sequence, int64_t width) {
    constexpr int64_t offset = 5;
    storage.assign(static_cast<size_t>(offset + batch * sequence * width),
                   -1.0f);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < sequence; ++t)
        for (int64_t w = 0; w < width; ++w)
          storage[offset + (w * batch + b) * sequence + t] = value(b, t, w);
    auto pointer = reinterpret_cast<intptr_t>(storage.data());
    words = {pointer, pointer,  offset, batch,           sequence,
             width,   sequence, 1,      batch * sequence};
  }
  static float value(int64_t b, int64_t t, int64_t w) {
    return 100.0f * b + t + 0.1f * w;
  }
};

} // namespace

TEST(CaptureCollector, KeepsTheSelectedRowsHonouringStrides) {
  CaptureCollector collector(manifestWith(
      {{3, 1, CaptureState::MlpOut, 2}, {1, 1, CaptureState::Hidden, 3}}));
  collector.setEnabled(true);
  collector.beginRun(2, 4);
  StridedState hidden(2, 4, 3), mlp(2, 4, 2);
  collector.receive(1, 3, hidden.words.data());
  collector.receive(3, 3, mlp.words.data());
  Status finished = collector.finishRun(2, 4);
  ASSERT_TRUE(finished) << finished.getError().message;
  TraceRecord record = classified({256, 7, 8, 7}, {{0, P}, {1, S}});
  record.prompt = 4;
  record.batchRow = 1;
  collector.appendRows(
      9, record, 1, selectCapturedTokens(record, CaptureTokens::SinksMatched));
  collector.endRun();

  const CaptureTable &table = collector.table();
  // Columns in id order, whatever the manifest's order.
  ASSERT_EQ(table.captures.size(), 2u);
  EXPECT_EQ(table.captures[0].id, 1);
  EXPECT_EQ(table.captures[1].id, 3);
  ASSERT_EQ(table.rows(), 3u);
  EXPECT_EQ(table.position, (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(table.token, (std::vector<int64_t>{256, 7, 7}));
  EXPECT_EQ(table.kind, (std::vector<int8_t>{1, 2, 0}));
  EXPECT_EQ(table.matchedTo, (std::vector<int64_t>{-1, 3, 1}));
  EXPECT_EQ(table.record, (std::vector<int64_t>{9, 9, 9}));
  EXPECT_EQ(table.prompt, (std::vector<int64_t>{4, 4, 4}));
  EXPECT_EQ(table.batchRow, (std::vector<int64_t>{1, 1, 1}));
  std::vector<float> expectedHidden, expectedMlp;
  for (int64_t position : {0, 1, 3}) {
    for (int64_t w = 0; w < 3; ++w)
      expectedHidden.push_back(StridedState::value(1, position, w));
    for (int64_t w = 0; w < 2; ++w)
      expectedMlp.push_back(StridedState::value(1, position, w));
  }
  EXPECT_EQ(table.states[0], expectedHidden);
  EXPECT_EQ(table.states[1], expectedMlp);
}

TEST(CaptureCollector, ReportsWhatTheModelGotWrong) {
  StridedState state(1, 4, 3);
  auto run = [&](auto report) {
    CaptureCollector collector(manifestWith({{0, 2, CaptureState::Hidden, 3}}));
    collector.setEnabled(true);
    collector.beginRun(1, 4);
    report(collector);
    Status status = collector.finishRun(1, 4);
    return status ? std::string() : status.getError().message;
  };
  EXPECT_EQ(run([](CaptureCollector &) {}),
            "capture 0 (hidden of layer 2) never reported");
  EXPECT_EQ(
      run([&](CaptureCollector &c) { c.receive(7, 3, state.words.data()); }),
      "the model reported capture 7, which its manifest does not list");
  EXPECT_EQ(run([&](CaptureCollector &c) {
              c.receive(0, 3, state.words.data());
              c.receive(0, 3, state.words.data());
            }),
            "capture 0 (hidden of layer 2) reported twice in one run");
  EXPECT_EQ(
      run([&](CaptureCollector &c) { c.receive(0, 2, state.words.data()); }),
      "capture 0 (hidden of layer 2) has rank 2, expected 3");
  StridedState wide(1, 4, 5);
  EXPECT_EQ(
      run([&](CaptureCollector &c) { c.receive(0, 3, wide.words.data()); }),
      "capture 0 (hidden of layer 2) has shape [1, 4, 5], expected "
      "[1, 4, 3]");
}

TEST(CaptureCollector, KeepsNothingWhenDisabled) {
  CaptureCollector collector(manifestWith({{0, 2, CaptureState::Hidden, 3}}));
  EXPECT_FALSE(collector.isEnabled());
  collector.beginRun(1, 4);
  // Without --trace nothing is read, not even a wrong id.
  collector.receive(7, 3, nullptr);
  EXPECT_TRUE(collector.finishRun(1, 4));
  TraceRecord record = classified({256, 1, 2, 3}, {{0, P}});
  collector.appendRows(0, record, 0,
                       selectCapturedTokens(record, CaptureTokens::Sinks));
  EXPECT_EQ(collector.table().rows(), 0u);
}

TEST(Captures, PathNextToTheTrace) {
  EXPECT_EQ(capturesPathFor("out/run.sinktrace"), "out/run.captures.npz");
  EXPECT_EQ(capturesPathFor("run.trace"), "run.trace.captures.npz");
  EXPECT_EQ(capturesPathFor(".sinktrace"), ".sinktrace.captures.npz");
}

TEST(Captures, Crc32IsZlibs) {
  EXPECT_EQ(crc32("123456789", 9), 0xcbf43926u);
  EXPECT_EQ(crc32("", 0), 0u);
  // In pieces as in one.
  EXPECT_EQ(crc32("6789", 4, crc32("12345", 5)), 0xcbf43926u);
}

namespace {

uint64_t readLittleEndian(const std::string &bytes, size_t offset, int size) {
  uint64_t value = 0;
  for (int i = 0; i < size; ++i)
    value |=
        static_cast<uint64_t>(static_cast<unsigned char>(bytes.at(offset + i)))
        << (8 * i);
  return value;
}

/// The members of a stored ZIP archive, walked through its central
/// directory, each checked against its local header and CRC.
std::vector<std::pair<std::string, std::string>>
readZip(const std::string &archive) {
  std::vector<std::pair<std::string, std::string>> members;
  size_t end = archive.size() - 22;
  EXPECT_EQ(readLittleEndian(archive, end, 4), 0x06054b50u);
  uint64_t count = readLittleEndian(archive, end + 10, 2);
  uint64_t directorySize = readLittleEndian(archive, end + 12, 4);
  size_t entry = readLittleEndian(archive, end + 16, 4);
  EXPECT_EQ(entry + directorySize, end);
  for (uint64_t i = 0; i < count; ++i) {
    EXPECT_EQ(readLittleEndian(archive, entry, 4), 0x02014b50u);
    EXPECT_EQ(readLittleEndian(archive, entry + 10, 2), 0u); // stored
    uint32_t crc = readLittleEndian(archive, entry + 16, 4);
    size_t size = readLittleEndian(archive, entry + 20, 4);
    EXPECT_EQ(readLittleEndian(archive, entry + 24, 4), size);
    size_t nameLength = readLittleEndian(archive, entry + 28, 2);
    size_t local = readLittleEndian(archive, entry + 42, 4);
    std::string name = archive.substr(entry + 46, nameLength);
    EXPECT_EQ(readLittleEndian(archive, local, 4), 0x04034b50u);
    EXPECT_EQ(readLittleEndian(archive, local + 14, 4), crc);
    EXPECT_EQ(archive.substr(local + 30, nameLength), name);
    size_t data =
        local + 30 + nameLength + readLittleEndian(archive, local + 28, 2);
    std::string content = archive.substr(data, size);
    EXPECT_EQ(crc32(content.data(), content.size()), crc) << name;
    members.emplace_back(name, content);
    entry += 46 + nameLength;
  }
  return members;
}

HostTensor npy(const std::string &content) {
  Expected<HostTensor> tensor = parseNpy(
      reinterpret_cast<const unsigned char *>(content.data()), content.size());
  EXPECT_TRUE(tensor) << (tensor ? "" : tensor.getError().message);
  return tensor ? std::move(*tensor) : HostTensor();
}

CaptureTable sampleTable() {
  CaptureTable table;
  table.captures = {{0, 2, CaptureState::Hidden, 3},
                    {1, 3, CaptureState::MlpInput, 2}};
  table.record = {0, 0, 1};
  table.prompt = {0, 0, 1};
  table.batchRow = {0, 0, 0};
  table.position = {0, 4, 2};
  table.token = {256, 35, 35};
  table.kind = {1, 2, 0};
  table.matchedTo = {-1, -1, 3};
  table.states = {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {-1, -2, -3, -4, -5, -6}};
  return table;
}

} // namespace

TEST(CapturesFile, IsAStoredZipOfNpyMembersInTheDocumentedOrder) {
  Expected<std::string> archive =
      renderCapturesArchive("layers=2-3,states=hidden,mlp_input,tokens=sinks",
                            "tiny model", sampleTable());
  ASSERT_TRUE(archive) << archive.getError().message;
  auto members = readZip(*archive);
  std::vector<std::string> names;
  for (const auto &[name, content] : members)
    names.push_back(name);
  EXPECT_THAT(names, testing::ElementsAre(
                         "spec.npy", "model.npy", "record.npy", "prompt.npy",
                         "batch_row.npy", "position.npy", "token.npy",
                         "kind.npy", "is_sink.npy", "matched_to.npy",
                         "layer2.hidden.npy", "layer3.mlp_input.npy"));
  HostTensor spec = npy(members[0].second);
  EXPECT_EQ(spec.dtype, DType::U8);
  EXPECT_EQ(
      std::string(reinterpret_cast<const char *>(spec.data()), spec.byteSize()),
      "layers=2-3,states=hidden,mlp_input,tokens=sinks");
  HostTensor position = npy(members[5].second);
  EXPECT_EQ(position.dtype, DType::I64);
  EXPECT_EQ(position.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(
      std::vector<int64_t>(position.as<int64_t>(), position.as<int64_t>() + 3),
      (std::vector<int64_t>{0, 4, 2}));
  HostTensor kind = npy(members[7].second);
  EXPECT_EQ(kind.dtype, DType::I8);
  HostTensor isSink = npy(members[8].second);
  EXPECT_EQ(isSink.dtype, DType::Bool);
  EXPECT_EQ(std::vector<uint8_t>(isSink.data(), isSink.data() + 3),
            (std::vector<uint8_t>{1, 1, 0}));
  HostTensor hidden = npy(members[10].second);
  EXPECT_EQ(hidden.dtype, DType::F32);
  EXPECT_EQ(hidden.shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(hidden.as<float>()[7], 8.0f);
  HostTensor mlp = npy(members[11].second);
  EXPECT_EQ(mlp.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(mlp.as<float>()[5], -6.0f);

  // Deterministic: the same table gives the same bytes.
  Expected<std::string> again =
      renderCapturesArchive("layers=2-3,states=hidden,mlp_input,tokens=sinks",
                            "tiny model", sampleTable());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *archive);
}

TEST(CapturesFile, EmptyTablesGiveEmptyArrays) {
  CaptureTable table;
  table.captures = {{0, 0, CaptureState::MlpOut, 4}};
  table.states.resize(1);
  Expected<std::string> archive = renderCapturesArchive("s", "m", table);
  ASSERT_TRUE(archive) << archive.getError().message;
  auto members = readZip(*archive);
  ASSERT_EQ(members.size(), 11u);
  EXPECT_EQ(npy(members[10].second).shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(npy(members[3].second).shape, (std::vector<int64_t>{0}));
}

TEST(CapturesFile, IsWrittenAtomically) {
  testutil::TempDir directory;
  std::string path = directory.file("run.captures.npz");
  ASSERT_TRUE(writeCapturesFile(path, "s", "m", sampleTable()));
  Expected<std::string> archive =
      renderCapturesArchive("s", "m", sampleTable());
  ASSERT_TRUE(archive);
  EXPECT_EQ(testutil::readFile(path), *archive);
  EXPECT_EQ(directory.entries(),
            (std::vector<std::string>{"run.captures.npz"}));
  Status missing =
      writeCapturesFile(directory.file("no/such.npz"), "s", "m", sampleTable());
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.getError().message, HasSubstr("no/such.npz"));
}

namespace {

/// fake-lm that also captures: hidden (width 3) and mlp_out (width 2) of
/// layer 6, value(b, t, w) of StridedState plus 1000 for mlp_out.
constexpr char kCaptureRecords[] =
    "captures sinks+matched "
    "layers=6,states=hidden,mlp_out,tokens=sinks%2Bmatched\n"
    "capture 0 6 hidden 3\n"
    "capture 1 6 mlp_out 2\n"
    "end\n";

void capturingEntry(void **args) {
  fake::fakeLmEntry(args);
  void *tokens = args[1];
  void *ctx = args[5];
  int64_t batch = static_cast<int64_t *>(tokens)[3];
  int64_t sequence = static_cast<int64_t *>(tokens)[4];
  StridedState hidden(batch, sequence, 3), mlp(batch, sequence, 2);
  for (float &value : mlp.storage)
    value += 1000.0f;
  sinkrt_capture(ctx, 0, 3, hidden.words.data());
  sinkrt_capture(ctx, 1, 3, mlp.words.data());
}

} // namespace

TEST(CapturesRun, WritesTheSinksAndMatchedControlsNextToTheTrace) {
  std::string manifest = fake::kLmManifestEmbedded;
  manifest.replace(manifest.find("end\n"), 4, kCaptureRecords);
  ModelBinding model = fake::embeddedLm();
  model.manifest = manifest.c_str();
  model.entry = capturingEntry;
  testutil::TempDir directory;
  // '!' (33) flags by attention only where at least 4 queries see it: at 1
  // and 4 of 9 positions, not at 8. '\n' (10) is a sink wherever it is.
  std::string trace = directory.file("run.sinktrace");
  testutil::RunResult result = testutil::runInProcess(
      model, {"fake-lm", "--tokens", "256,33,104,10,33,105,10,97,33", "--trace",
              trace});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out,
              HasSubstr("captures: " + directory.file("run.captures.npz") +
                        " (6 tokens x 2 states: 1 primary and 4 secondary "
                        "sink tokens, 1 matched controls (4 sinks without "
                        "one: too few other positions with their token "
                        "id))\n"));
  auto members =
      readZip(testutil::readFile(directory.file("run.captures.npz")));
  ASSERT_EQ(members.size(), 12u);
  HostTensor position = npy(members[5].second);
  EXPECT_EQ(
      std::vector<int64_t>(position.as<int64_t>(),
                           position.as<int64_t>() + position.elementCount()),
      (std::vector<int64_t>{0, 1, 3, 4, 6, 8}));
  HostTensor matched = npy(members[9].second);
  EXPECT_EQ(
      std::vector<int64_t>(matched.as<int64_t>(),
                           matched.as<int64_t>() + matched.elementCount()),
      (std::vector<int64_t>{-1, 8, -1, -1, -1, 1}));
  EXPECT_EQ(members[10].first, "layer6.hidden.npy");
  HostTensor hidden = npy(members[10].second);
  EXPECT_EQ(hidden.shape, (std::vector<int64_t>{6, 3}));
  EXPECT_EQ(hidden.as<float>()[5 * 3 + 2], StridedState::value(0, 8, 2));
  HostTensor mlp = npy(members[11].second);
  EXPECT_EQ(mlp.as<float>()[1 * 2 + 1], 1000.0f + StridedState::value(0, 1, 1));

  // Without --trace, no file; --quiet prints nothing about it.
  testutil::TempDir quiet;
  result = testutil::runInProcess(model, {"fake-lm", "--tokens", "256,33,104",
                                          "--quiet", "--trace",
                                          quiet.file("q.sinktrace")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(quiet.entries(),
            (std::vector<std::string>{"q.captures.npz", "q.sinktrace"}));
  result = testutil::runInProcess(model, {"fake-lm", "--tokens", "256,33,104"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, testing::Not(HasSubstr("captures")));
}
