//===- CliTest.cpp - Linked executables and sink-trace as subprocesses ----===//
//
// The fake models linked with libsinkrt.a exactly as sinkc links a compiled
// model, run as separate processes; and sink-trace on good, corrupt and
// foreign files, with golden outputs.
//
// Golden files live in test/unit/golden; after an intended change of the
// output, regenerate them with SINKRT_UPDATE_GOLDENS=1 and review the diff.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "sinkrt/TensorIO.h"
#include "sinkrt/TraceData.h"
#include "sinkrt/WeightsHash.h"

#include "FakeModels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sys/stat.h>

using ::testing::HasSubstr;
using ::testing::Not;
using testutil::RunResult;
using testutil::TempDir;

namespace {

const std::string kFakeLmEmbedded = SINKRT_FAKE_LM_EMBEDDED;
const std::string kFakeLmExternal = SINKRT_FAKE_LM_EXTERNAL;
const std::string kFakeGeneric = SINKRT_FAKE_GENERIC;
const std::string kSinkTrace = SINK_TRACE_EXE;
const std::string kGoldenDir = SINKRT_GOLDEN_DIR;

/// One line on stderr, prefixed with the program name.
void expectOneLineError(const RunResult &result, int exitCode,
                        const std::string &program,
                        const std::string &message) {
  EXPECT_EQ(result.exitCode, exitCode) << result.err;
  EXPECT_EQ(result.err.rfind(program + ": error: ", 0), 0u) << result.err;
  EXPECT_EQ(testutil::countLines(result.err), 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr(message));
}

void writeFakeWeights(const std::string &path) {
  sinkrt::WeightsFileHeaderBytes header = sinkrt::makeWeightsFileHeader(
      FAKE_WEIGHTS_SIZE,
      sinkrt::hashWeights(fake::kWeights, FAKE_WEIGHTS_SIZE));
  std::string content(reinterpret_cast<const char *>(header.data()),
                      header.size());
  content.resize(sinkrt::kWeightsFilePayloadOffset, '\0');
  content.append(reinterpret_cast<const char *>(fake::kWeights),
                 FAKE_WEIGHTS_SIZE);
  testutil::writeFile(path, content);
}

/// Prompts whose sinks cover every kind (see FakeModels.h).
const char kPrompts[] = "# golden prompts\n"
                        "256,104,105,10,45,120,33,97,98,99\n"
                        "256 60 38 34 10 0 7 255 92 33 62\n";

/// A deterministic two-record trace written by the linked executable.
std::string writeGoldenTrace(const TempDir &directory) {
  std::string prompts = directory.file("prompts.txt");
  testutil::writeFile(prompts, kPrompts);
  std::string trace = directory.file("golden.sinktrace");
  RunResult result = testutil::runProcess(
      {kFakeLmEmbedded, "--tokens-file", prompts, "--trace", trace});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  return trace;
}

/// sink-trace on the golden trace, written afresh for every test.
class SinkTraceOnGolden : public ::testing::Test {
protected:
  TempDir directory;
  std::string trace = writeGoldenTrace(directory);
};

void compareWithGolden(const std::string &actual, const std::string &name) {
  std::string path = kGoldenDir + "/" + name;
  if (std::getenv("SINKRT_UPDATE_GOLDENS")) {
    testutil::writeFile(path, actual);
    return;
  }
  ASSERT_TRUE(testutil::fileExists(path)) << path;
  EXPECT_EQ(actual, testutil::readFile(path))
      << "differs from " << path
      << "; set SINKRT_UPDATE_GOLDENS=1 to regenerate after an intended "
         "change";
}

} // namespace

TEST(Executable, MainComesFromTheRuntimeLibrary) {
  RunResult help = testutil::runProcess({kFakeLmEmbedded, "--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_THAT(help.out, HasSubstr("usage: fake-lm-embedded"));
  EXPECT_THAT(help.out, HasSubstr("Model 'fake lm'"));
  RunResult run =
      testutil::runProcess({kFakeLmEmbedded, "--tokens", "256,104,105"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("prompt: 3 tokens, next token "));
}

TEST(Executable, ErrorsArePrefixedOneLinersWithExitCodes) {
  expectOneLineError(
      testutil::runProcess({kFakeLmEmbedded, "--tokens", "256,260"}), 2,
      "fake-lm-embedded",
      "token id 260 at position 1 is out of range (vocabulary size 260)");
  expectOneLineError(testutil::runProcess({kFakeLmEmbedded, "--bogus"}), 2,
                     "fake-lm-embedded", "unknown option '--bogus'");
  expectOneLineError(testutil::runProcess({kFakeLmEmbedded, "--tokens", "1",
                                           "--trace", "/nonexistent/x"}),
                     1, "fake-lm-embedded", "cannot create '/nonexistent/x'");
  expectOneLineError(
      testutil::runProcess({kFakeLmEmbedded, "--tokens", "1"},
                           {{"FAKE_MODEL_FAULT", "unknown-probe"}}),
      1, "fake-lm-embedded", "probe 999");
}

TEST(Executable, ExternalWeightsLiveNextToTheExecutable) {
  TempDir directory;
  std::string executable = directory.file("model");
  testutil::copyFile(kFakeLmExternal, executable);
  expectOneLineError(testutil::runProcess({executable, "--tokens", "1"}), 1,
                     "model",
                     "cannot open weights file '" + executable + ".weights'");
  writeFakeWeights(executable + ".weights");
  RunResult ok = testutil::runProcess(
      {executable, "--tokens", "256,3", "--logits", directory.file("a.npy")});
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  // The same logits as the embedded build.
  RunResult embedded =
      testutil::runProcess({kFakeLmEmbedded, "--tokens", "256,3", "--logits",
                            directory.file("b.npy")});
  EXPECT_EQ(embedded.exitCode, 0);
  EXPECT_EQ(testutil::readFile(directory.file("a.npy")),
            testutil::readFile(directory.file("b.npy")));
  // A weights file for another model is refused.
  std::string other = directory.file("other.weights");
  std::string content = testutil::readFile(executable + ".weights");
  content[24] ^= 0x55; // the hash field
  testutil::writeFile(other, content);
  expectOneLineError(testutil::runProcess({executable, "--tokens", "1",
                                           "--weights-file", other}),
                     1, "model", "has hash");
}

TEST(Executable, UnreadableWeightsFile) {
  TempDir directory;
  ::chmod(directory.path().c_str(), 0755); // reachable for the test user
  std::string executable = directory.file("model");
  testutil::copyFile(kFakeLmExternal, executable);
  writeFakeWeights(executable + ".weights");
  ::chmod((executable + ".weights").c_str(), 0);
  RunResult result =
      testutil::runProcess({executable, "--tokens", "1"}, {}, true);
  expectOneLineError(result, 1, "model",
                     "cannot open weights file '" + executable +
                         ".weights' (the default next to the executable; use "
                         "--weights-file to name another): Permission denied");
}

TEST(Executable, UnwritableOutputDirectory) {
  TempDir directory;
  ::chmod(directory.path().c_str(), 0755);
  std::string readOnly = directory.file("ro");
  ::mkdir(readOnly.c_str(), 0555);
  // A copy, in case the build tree is not readable for the test user.
  std::string executable = directory.file("model");
  testutil::copyFile(kFakeLmEmbedded, executable);
  RunResult result = testutil::runProcess(
      {executable, "--tokens", "1", "--trace", readOnly + "/t.sinktrace"}, {},
      true);
  expectOneLineError(result, 1, "model",
                     "cannot create '" + readOnly +
                         "/t.sinktrace': Permission denied");
}

TEST(Executable, ThreadsGiveIdenticalResults) {
  TempDir directory;
  for (const char *threads : {"1", "2"}) {
    RunResult result = testutil::runProcess(
        {kFakeLmEmbedded, "--tokens", "256,1,2,3,4,5,6,7,8", "--threads",
         threads, "--logits", directory.file(std::string(threads) + ".npy"),
         "--trace", directory.file(std::string(threads) + ".sinktrace")});
    ASSERT_EQ(result.exitCode, 0) << result.err;
  }
  EXPECT_EQ(testutil::readFile(directory.file("1.npy")),
            testutil::readFile(directory.file("2.npy")));
  EXPECT_EQ(testutil::readFile(directory.file("1.sinktrace")),
            testutil::readFile(directory.file("2.sinktrace")));
}

TEST(Executable, StaticallyLinkedLikeSinkcDefault) {
#ifdef SINKRT_FAKE_LM_STATIC
  TempDir directory;
  std::string trace = directory.file("s.sinktrace");
  RunResult result = testutil::runProcess({SINKRT_FAKE_LM_STATIC, "--tokens",
                                           "256,104,105,10,45,120,33,97,98,99",
                                           "--threads", "3", "--trace", trace});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("1 primary and 3 secondary"));
#else
  GTEST_SKIP() << "no static fake model in sanitizer builds";
#endif
}

TEST(Executable, GenericModelThroughTensorFiles) {
  TempDir directory;
  std::vector<std::string> args = {kFakeGeneric};
  struct Input {
    sinkrt::DType dtype;
    std::vector<int64_t> shape;
  };
  std::vector<Input> inputs = {
      {sinkrt::DType::F32, {1, 3}}, {sinkrt::DType::F64, {1}},
      {sinkrt::DType::F16, {1}},    {sinkrt::DType::I64, {1}},
      {sinkrt::DType::I32, {1}},    {sinkrt::DType::I8, {1}},
      {sinkrt::DType::U8, {1}},     {sinkrt::DType::Bool, {1}}};
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto tensor = sinkrt::HostTensor::create(inputs[i].dtype, inputs[i].shape);
    ASSERT_TRUE(tensor);
    std::string path = directory.file("in" + std::to_string(i) + ".pb");
    ASSERT_TRUE(sinkrt::writeTensorProtoFile(path, *tensor, "in"));
    args.push_back("--input-pb");
    args.push_back(path);
  }
  args.push_back("--output-dir");
  args.push_back(directory.file("out"));
  RunResult result = testutil::runProcess(args);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  for (int i = 0; i < 8; ++i)
    EXPECT_TRUE(testutil::fileExists(
        directory.file("out/output_" + std::to_string(i) + ".pb")));
  // h_not of false is true.
  auto h = sinkrt::readTensorFile(directory.file("out/output_7.pb"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->tensor.data()[0], 1);
}

TEST_F(SinkTraceOnGolden, GoldenSummaryJsonAndCsv) {
  for (const char *command : {"summary", "json", "csv"}) {
    RunResult result = testutil::runProcess({kSinkTrace, command, trace});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_TRUE(result.err.empty());
    std::string extension = std::string(command) == "summary"
                                ? "summary.txt"
                                : std::string(command);
    compareWithGolden(result.out, "fake_lm." + extension);
  }
}

TEST(SinkTrace, PlotPngRendersEveryFigureWithRsvgConvert) {
  if (testutil::runProcess({"/bin/sh", "-c", "command -v rsvg-convert"})
          .exitCode != 0)
    GTEST_SKIP() << "rsvg-convert (Debian librsvg2-bin) is not installed";
  TempDir directory;
  std::string trace = writeGoldenTrace(directory);
  std::string out = directory.file("f.svg");
  RunResult result =
      testutil::runProcess({kSinkTrace, "plot", trace, "-o", out, "--png"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  for (const char *name : {"f", "f-heatmap", "f-heads", "f-hidden", "f-mlp"}) {
    std::string svg =
        testutil::readFile(directory.file(name + std::string(".svg")));
    std::string png =
        testutil::readFile(directory.file(name + std::string(".png")));
    EXPECT_THAT(
        result.out,
        HasSubstr("wrote " + directory.file(name + std::string(".png"))));
    // The signature, then IHDR: the width one pixel per SVG unit.
    ASSERT_GT(png.size(), 24u) << name;
    EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n") << name;
    auto byte = [&](size_t i) { return static_cast<unsigned char>(png[i]); };
    unsigned width = byte(16) << 24 | byte(17) << 16 | byte(18) << 8 | byte(19);
    size_t at = svg.find("width=\"");
    ASSERT_NE(at, std::string::npos) << name;
    EXPECT_EQ(width, std::stoul(svg.substr(at + 7))) << name;
  }
  for (const std::string &entry : directory.entries())
    EXPECT_THAT(entry, Not(HasSubstr(".tmp")));

  // Without the rasteriser: one line naming the package, exit 1, no PNG.
  TempDir other;
  std::string alone = writeGoldenTrace(other);
  RunResult missing = testutil::runProcess(
      {kSinkTrace, "plot", alone, "-o", other.file("g.svg"), "--png"},
      {{"PATH", "/nonexistent"}});
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(testutil::countLines(missing.err), 1) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("--png needs rsvg-convert (Debian package "
                                     "librsvg2-bin)"));
  for (const std::string &entry : other.entries())
    EXPECT_THAT(entry, Not(HasSubstr(".png")));
}

TEST_F(SinkTraceOnGolden, PlotWritesAnSvg) {
  RunResult result = testutil::runProcess({kSinkTrace, "plot", trace});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  std::string svgPath = directory.file("golden.svg");
  EXPECT_EQ(result.out, "wrote " + directory.file("golden-heatmap.svg") +
                            "\nwrote " + directory.file("golden-heads.svg") +
                            "\nwrote " + directory.file("golden-hidden.svg") +
                            "\nwrote " + directory.file("golden-mlp.svg") +
                            "\nwrote " + svgPath + "\n");
  for (const char *figure : {"heatmap", "heads", "hidden", "mlp"}) {
    std::string other = testutil::readFile(
        directory.file("golden-" + std::string(figure) + ".svg"));
    EXPECT_EQ(other.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u)
        << figure;
    EXPECT_THAT(other, HasSubstr("</svg>")) << figure;
  }
  std::string svg = testutil::readFile(svgPath);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_THAT(svg, HasSubstr("<polyline"));
  // The '!' of the prompt (position 6 of 10): recv 0.45 from 4 queries,
  // 0.45 x 4 / 10 of the layer's attention.
  EXPECT_THAT(svg,
              HasSubstr("layer 6 position 6 attention share 0.18 (recv 0.45)"));
  EXPECT_THAT(svg, HasSubstr("fake lm: record 0"));
  compareWithGolden(svg, "fake_lm.svg");

  RunResult second =
      testutil::runProcess({kSinkTrace, "plot", trace, "--record", "1", "-o",
                            directory.file("r1.svg")});
  ASSERT_EQ(second.exitCode, 0) << second.err;
  std::string svg1 = testutil::readFile(directory.file("r1.svg"));
  // Record 1 has '"', '<', '>' and '&' bytes among its tokens: escaped.
  EXPECT_THAT(svg1, HasSubstr("&lt;"));
  EXPECT_THAT(svg1, HasSubstr("&amp;"));
  EXPECT_THAT(svg1, Not(HasSubstr("'<'")));

  expectOneLineError(
      testutil::runProcess({kSinkTrace, "plot", trace, "--record", "2"}), 2,
      "sink-trace", "--record 2: the trace has 2 records");
  expectOneLineError(testutil::runProcess({kSinkTrace, "plot", trace, "-o",
                                           "/nonexistent/p.svg"}),
                     1, "sink-trace",
                     "cannot create '/nonexistent/p-heatmap.svg'");

  // --record all: the figures of every record, named by record.
  RunResult all = testutil::runProcess({kSinkTrace, "plot", trace, "--record",
                                        "all", "-o", directory.file("a.svg")});
  ASSERT_EQ(all.exitCode, 0) << all.err;
  EXPECT_EQ(testutil::countLines(all.out), 10) << all.out;
  for (const char *name : {"a-r0.svg", "a-r1.svg", "a-r0-heatmap.svg",
                           "a-r1-heatmap.svg", "a-r1-mlp.svg"})
    EXPECT_THAT(testutil::readFile(directory.file(name)), HasSubstr("</svg>"))
        << name;
}

TEST_F(SinkTraceOnGolden, ReportWritesOneHtmlFile) {
  RunResult result = testutil::runProcess({kSinkTrace, "report", trace});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  std::string htmlPath = directory.file("golden.html");
  EXPECT_EQ(result.out, "wrote " + htmlPath + "\n");
  std::string html = testutil::readFile(htmlPath);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("</html>"));
  // Self-contained: no scripts, nothing fetched.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
  EXPECT_THAT(html, HasSubstr("<h2>fake lm</h2>"));
  EXPECT_THAT(html,
              HasSubstr("Sink statistics over all records of this model"));
  EXPECT_THAT(html, HasSubstr("<tr data-position=\"6\" data-kind=\"secondary\" "
                              "data-creation=\"6\" data-lifetime=\"1\">"));
  // Two records, five figures each.
  size_t figures = 0;
  for (size_t at = html.find("<figure"); at != std::string::npos;
       at = html.find("<figure", at + 1))
    ++figures;
  EXPECT_EQ(figures, 10u);

  RunResult one =
      testutil::runProcess({kSinkTrace, "report", trace, trace, "--figures",
                            "1", "-o", directory.file("r.html")});
  ASSERT_EQ(one.exitCode, 0) << one.err;
  std::string twice = testutil::readFile(directory.file("r.html"));
  EXPECT_THAT(twice,
              HasSubstr("Figures are drawn for the first 1 records only"));

  expectOneLineError(testutil::runProcess({kSinkTrace, "report"}), 2,
                     "sink-trace", "report needs at least one trace file");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "report", trace, "--figures", "x"}), 2,
      "sink-trace", "--figures needs a count or 'all'");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "report", directory.file("none")}), 1,
      "sink-trace", "none");
}

TEST(SinkTrace, UsageErrors) {
  RunResult help = testutil::runProcess({kSinkTrace, "--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_THAT(help.out, HasSubstr("usage: sink-trace summary|json|csv"));
  expectOneLineError(testutil::runProcess({kSinkTrace}), 2, "sink-trace",
                     "expected a command and a trace file");
  expectOneLineError(testutil::runProcess({kSinkTrace, "frob", "x"}), 2,
                     "sink-trace", "unknown command 'frob'");
  expectOneLineError(testutil::runProcess({kSinkTrace, "json", "x", "-y"}), 2,
                     "sink-trace", "unexpected argument '-y'");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "plot", "x", "--record", "a"}), 2,
      "sink-trace", "--record needs a record index");
}

TEST_F(SinkTraceOnGolden, StatsPoolTracesOfOneModel) {
  std::string copy = directory.file("copy.sinktrace");
  testutil::copyFile(trace, copy);
  RunResult text = testutil::runProcess({kSinkTrace, "stats", trace, copy});
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_THAT(text.out,
              HasSubstr("corpus: 2 trace file(s), 4 records, 42 positions"));
  compareWithGolden(text.out, "fake_lm.stats.txt");
  RunResult json =
      testutil::runProcess({kSinkTrace, "stats", "--format=json", trace});
  ASSERT_EQ(json.exitCode, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"files\": [\"" + trace + "\"]"));

  // Another model (here: the same trace renamed) cannot be pooled.
  sinkrt::Expected<sinkrt::TraceData> data = sinkrt::readTraceFile(trace);
  ASSERT_TRUE(data.isOk());
  data->model.name = "other lm";
  sinkrt::Expected<std::vector<uint8_t>> bytes = sinkrt::serializeTrace(*data);
  ASSERT_TRUE(bytes.isOk());
  std::string other = directory.file("other.sinktrace");
  testutil::writeFile(other, std::string(bytes->begin(), bytes->end()));
  expectOneLineError(testutil::runProcess({kSinkTrace, "stats", trace, other}),
                     1, "sink-trace",
                     "'" + other + "' is a trace of model 'other lm'");

  std::string content = testutil::readFile(trace);
  std::string truncated = directory.file("truncated.sinktrace");
  testutil::writeFile(truncated, content.substr(0, content.size() / 2));
  RunResult broken =
      testutil::runProcess({kSinkTrace, "stats", trace, truncated});
  expectOneLineError(broken, 1, "sink-trace", "'" + truncated + "': ");
  EXPECT_TRUE(broken.out.empty());
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "stats", trace, directory.file("no")}),
      1, "sink-trace", "No such file or directory");

  expectOneLineError(testutil::runProcess({kSinkTrace, "stats"}), 2,
                     "sink-trace", "stats needs at least one trace file");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "stats", "--format=csv", trace}), 2,
      "sink-trace", "--format must be text or json, got 'csv'");
  expectOneLineError(testutil::runProcess({kSinkTrace, "stats", "-x", trace}),
                     2, "sink-trace", "unexpected option '-x'");
}

TEST(SinkTrace, RejectsBrokenFilesCleanly) {
  TempDir directory;
  std::string good = testutil::readFile(writeGoldenTrace(directory));
  ASSERT_GT(good.size(), 1000u);
  std::vector<std::pair<std::string, std::string>> cases; // name, content
  cases.push_back({"empty", ""});
  cases.push_back({"short", "SKTR"});
  for (size_t cut : {size_t(4), size_t(8), size_t(64), good.size() / 3,
                     good.size() / 2, good.size() - 100, good.size() - 1})
    cases.push_back({"truncated" + std::to_string(cut), good.substr(0, cut)});
  std::string foreign = good;
  std::memcpy(&foreign[8], "ABCD", 4);
  cases.push_back({"foreign", foreign});
  std::mt19937 random(42);
  for (int i = 0; i < 6; ++i) {
    std::string flipped = good;
    // Root offset, vtable offsets and vector lengths are near the front.
    size_t position = i < 3 ? random() % 64 : random() % good.size();
    flipped[position] = static_cast<char>(flipped[position] ^ 0xff);
    cases.push_back({"flipped" + std::to_string(position), flipped});
  }
  std::string randomBytes(4096, '\0');
  for (char &c : randomBytes)
    c = static_cast<char>(random());
  cases.push_back({"random", randomBytes});
  std::string randomWithIdentifier = randomBytes;
  std::memcpy(&randomWithIdentifier[8], "SKTR", 4);
  cases.push_back({"random-with-identifier", randomWithIdentifier});
  cases.push_back(
      {"text", testutil::readFile(kGoldenDir + "/../FakeWeights.inc")});

  size_t rejected = 0;
  for (const auto &[name, content] : cases) {
    std::string path = directory.file(name + ".sinktrace");
    testutil::writeFile(path, content);
    for (const char *command : {"summary", "json", "csv", "plot"}) {
      RunResult result = testutil::runProcess({kSinkTrace, command, path});
      // A flipped float can leave a valid trace; anything else must fail
      // with exit code 1 and one line, never a crash.
      if (result.exitCode == 0 && name.rfind("flipped", 0) == 0)
        continue;
      ++rejected;
      EXPECT_EQ(result.exitCode, 1)
          << name << " " << command << ": " << result.err;
      EXPECT_EQ(testutil::countLines(result.err), 1) << name << result.err;
      EXPECT_EQ(result.err.rfind("sink-trace: error: '" + path + "': ", 0), 0u)
          << result.err;
      EXPECT_TRUE(result.out.empty()) << name;
    }
  }
  EXPECT_GE(rejected, (cases.size() - 6) * 4);
  RunResult missing =
      testutil::runProcess({kSinkTrace, "summary", directory.file("nope")});
  expectOneLineError(missing, 1, "sink-trace", "No such file or directory");
}

/// The fake model run once over all prompts, and over the same prompts cut
/// into shards whose traces `sink-trace merge` joins: the same bytes.
TEST(SinkTrace, MergeShardsEqualsOneRun) {
  TempDir directory;
  const char *lines[] = {"256,104,105,10,45,120,33,97,98,99",
                         "256 60 38 34 10 0 7 255 92 33 62", "256,1,2,3",
                         "256,97,98,99,100,10,33", "256,200,201"};
  std::string all;
  for (const char *line : lines)
    all += std::string(line) + "\n";
  testutil::writeFile(directory.file("all.txt"), all);
  RunResult one = testutil::runProcess(
      {kFakeLmEmbedded, "--tokens-file", directory.file("all.txt"), "--trace",
       directory.file("one.sinktrace"), "--quiet"});
  ASSERT_EQ(one.exitCode, 0) << one.err;

  // Shards of 2, 2 and 1 prompts.
  std::vector<std::string> command = {kSinkTrace, "merge"};
  for (int shard = 0; shard < 3; ++shard) {
    std::string text;
    for (int i = 2 * shard; i < std::min(2 * shard + 2, 5); ++i)
      text += std::string(lines[i]) + "\n";
    std::string prompts = directory.file("shard-" + std::to_string(shard));
    testutil::writeFile(prompts, text);
    std::string trace = prompts + ".sinktrace";
    RunResult run = testutil::runProcess(
        {kFakeLmEmbedded, "--tokens-file", prompts, "--trace", trace});
    ASSERT_EQ(run.exitCode, 0) << run.err;
    command.push_back(trace);
  }
  command.push_back("-o");
  command.push_back(directory.file("merged.sinktrace"));
  RunResult merge = testutil::runProcess(command);
  ASSERT_EQ(merge.exitCode, 0) << merge.err;
  EXPECT_THAT(merge.out, HasSubstr("merged 3 traces (5 records) into"));
  EXPECT_EQ(testutil::readFile(directory.file("merged.sinktrace")),
            testutil::readFile(directory.file("one.sinktrace")));

  // summary and json of the shards read them merged.
  std::vector<std::string> shards(command.begin() + 2, command.end() - 2);
  for (const char *format : {"summary", "json", "csv"}) {
    std::vector<std::string> several = {kSinkTrace, format};
    several.insert(several.end(), shards.begin(), shards.end());
    RunResult fromShards = testutil::runProcess(several);
    RunResult fromOne = testutil::runProcess(
        {kSinkTrace, format, directory.file("one.sinktrace")});
    ASSERT_EQ(fromShards.exitCode, 0) << fromShards.err;
    EXPECT_EQ(fromShards.out, fromOne.out) << format;
  }
  // stats of the merged trace is stats of the shards (file names aside).
  RunResult statsMerged =
      testutil::runProcess({kSinkTrace, "stats", "--format=json",
                            directory.file("merged.sinktrace")});
  std::vector<std::string> statsCommand = {kSinkTrace, "stats",
                                           "--format=json"};
  statsCommand.insert(statsCommand.end(), shards.begin(), shards.end());
  RunResult statsShards = testutil::runProcess(statsCommand);
  ASSERT_EQ(statsMerged.exitCode, 0) << statsMerged.err;
  ASSERT_EQ(statsShards.exitCode, 0) << statsShards.err;
  auto withoutFiles = [](const std::string &json) {
    return json.substr(json.find("\"model\""));
  };
  EXPECT_EQ(withoutFiles(statsMerged.out), withoutFiles(statsShards.out));
}

TEST_F(SinkTraceOnGolden, MergeRefusals) {
  sinkrt::Expected<sinkrt::TraceData> data = sinkrt::readTraceFile(trace);
  ASSERT_TRUE(data.isOk());
  auto write = [&](const sinkrt::TraceData &changed, const std::string &name) {
    sinkrt::Expected<std::vector<uint8_t>> bytes =
        sinkrt::serializeTrace(changed);
    EXPECT_TRUE(bytes.isOk());
    std::string path = directory.file(name);
    testutil::writeFile(path, std::string(bytes->begin(), bytes->end()));
    return path;
  };
  std::string out = directory.file("all.sinktrace");

  sinkrt::TraceData otherWeights = *data;
  otherWeights.model.weightsHash ^= 1;
  std::string weights = write(otherWeights, "weights.sinktrace");
  RunResult refused =
      testutil::runProcess({kSinkTrace, "merge", trace, weights, "-o", out});
  expectOneLineError(refused, 1, "sink-trace",
                     "'" + weights + "' is a trace of model");
  EXPECT_THAT(refused.err,
              HasSubstr("merge joins the traces of one executable"));
  EXPECT_FALSE(testutil::fileExists(out));

  sinkrt::TraceData newer = *data;
  newer.schemaVersion = 2;
  std::string version = write(newer, "version.sinktrace");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "merge", trace, version, "-o", out}), 1,
      "sink-trace",
      "'" + version + "' has trace schema version 2, but '" + trace +
          "' has version 1");

  sinkrt::TraceData spec = *data;
  spec.records[1].instrumentSpec = "layers=0";
  std::string specPath = write(spec, "spec.sinktrace");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "merge", trace, specPath, "-o", out}),
      1, "sink-trace", "'" + specPath + "' record 1 was compiled with");

  sinkrt::TraceData tau = *data;
  tau.records[0].rules.tau = 0.5f;
  std::string tauPath = write(tau, "tau.sinktrace");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "merge", trace, tauPath, "-o", out}), 1,
      "sink-trace",
      "'" + tauPath + "' record 0 was instrumented or classified with");
  // summary of several traces refuses the same way.
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "summary", trace, weights}), 1,
      "sink-trace", "merge joins the traces of one executable");
  EXPECT_FALSE(testutil::fileExists(out));

  expectOneLineError(testutil::runProcess({kSinkTrace, "merge", trace}), 2,
                     "sink-trace", "merge needs an output file");
  expectOneLineError(testutil::runProcess({kSinkTrace, "merge", "-o", out}), 2,
                     "sink-trace", "merge needs at least one trace file");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "merge", trace, "-o", out, "-o", out}),
      2, "sink-trace", "-o given twice");
  std::string content = testutil::readFile(trace);
  std::string truncated = directory.file("truncated.sinktrace");
  testutil::writeFile(truncated, content.substr(0, content.size() - 3));
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "merge", trace, truncated, "-o", out}),
      1, "sink-trace", "'" + truncated + "': ");
  expectOneLineError(testutil::runProcess({kSinkTrace, "merge", trace, "-o",
                                           "/nonexistent/all.sinktrace"}),
                     1, "sink-trace", "cannot create '/nonexistent/");
  EXPECT_FALSE(testutil::fileExists(out));
}

/// `sink-trace diff` of the golden prompts run with two attention
/// thresholds: '!' (recv 0.45 in layer 6) is a sink at epsilon 0.3, not at
/// 0.5.
TEST_F(SinkTraceOnGolden, DiffShowsTheSinksOfOtherThresholds) {
  std::string strict = directory.file("strict.sinktrace");
  RunResult run = testutil::runProcess(
      {kFakeLmEmbedded, "--tokens-file", directory.file("prompts.txt"),
       "--epsilon", "0.5", "--trace", strict, "--quiet"});
  ASSERT_EQ(run.exitCode, 0) << run.err;

  RunResult text = testutil::runProcess({kSinkTrace, "diff", trace, strict});
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_TRUE(text.err.empty()) << text.err;
  EXPECT_THAT(text.out, HasSubstr("model B: the same model and weights\n"));
  EXPECT_THAT(text.out,
              HasSubstr("epsilon 0.5, min_queries 4, criteria cos+attn, "
                        "early_layers 2, late_index 6 -- other rules\n"));
  EXPECT_THAT(text.out,
              HasSubstr("record 0 (prompt 0, 10 tokens): 0 sinks gained, 1 "
                        "lost, 0 changed\n"));
  EXPECT_THAT(text.out,
              HasSubstr("  lost            6     33 '!'          secondary "
                        "none              6         -          1          "
                        "-\n"));
  EXPECT_THAT(text.out,
              HasSubstr("record 1 (prompt 1, 11 tokens): no differences\n"));
  EXPECT_THAT(text.out, HasSubstr("  sinks lost: 0 primary, 1 secondary\n"));

  RunResult json = testutil::runProcess(
      {kSinkTrace, "diff", "--format=json", trace, strict});
  ASSERT_EQ(json.exitCode, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"files\": {\"a\": \"" + trace +
                                  "\", \"b\": \"" + strict + "\"}"));
  EXPECT_THAT(json.out,
              HasSubstr("{\"change\": \"lost\", \"position\": 6, \"token\": "
                        "33, \"text\": \"!\""));

  // The other way round, '!' is gained.
  RunResult reverse = testutil::runProcess({kSinkTrace, "diff", strict, trace});
  ASSERT_EQ(reverse.exitCode, 0) << reverse.err;
  EXPECT_THAT(reverse.out,
              HasSubstr("  sinks gained: 0 primary, 1 secondary\n"));
}

TEST_F(SinkTraceOnGolden, DiffOfATraceWithItselfAndRefusals) {
  RunResult same = testutil::runProcess({kSinkTrace, "diff", trace, trace});
  ASSERT_EQ(same.exitCode, 0) << same.err;
  EXPECT_THAT(same.out,
              HasSubstr("record 0 (prompt 0, 10 tokens): no differences\n"
                        "\nrecord 1 (prompt 1, 11 tokens): no differences\n"));
  EXPECT_THAT(same.out,
              HasSubstr("totals: 2 records, 0 with sink changes, 0 with any "
                        "difference\n"));

  // Other prompts: the second prompt's fourth token differs.
  std::string prompts = directory.file("other.txt");
  testutil::writeFile(prompts, "256,104,105,10,45,120,33,97,98,99\n"
                               "256 60 38 35 10 0 7 255 92 33 62\n");
  std::string other = directory.file("other.sinktrace");
  RunResult run = testutil::runProcess(
      {kFakeLmEmbedded, "--tokens-file", prompts, "--trace", other, "--quiet"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  RunResult refused = testutil::runProcess({kSinkTrace, "diff", trace, other});
  expectOneLineError(refused, 1, "sink-trace",
                     "record 1 differs in its tokens: position 3 is token 35 "
                     "in '" +
                         other + "', but 34 in '" + trace +
                         "'; diff compares runs over the same token sequences");
  EXPECT_TRUE(refused.out.empty());

  // One prompt only: another number of records.
  std::string single = directory.file("single.sinktrace");
  run = testutil::runProcess({kFakeLmEmbedded, "--tokens",
                              "256,104,105,10,45,120,33,97,98,99", "--trace",
                              single, "--quiet"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  expectOneLineError(testutil::runProcess({kSinkTrace, "diff", trace, single}),
                     1, "sink-trace",
                     "'" + single + "' has 1 records, but '" + trace +
                         "' has 2");

  std::string content = testutil::readFile(trace);
  std::string truncated = directory.file("truncated.sinktrace");
  testutil::writeFile(truncated, content.substr(0, content.size() / 2));
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "diff", trace, truncated}), 1,
      "sink-trace", "'" + truncated + "': ");

  expectOneLineError(testutil::runProcess({kSinkTrace, "diff", trace}), 2,
                     "sink-trace",
                     "diff needs two trace files (A and B), got 1");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "diff", trace, trace, trace}), 2,
      "sink-trace", "diff needs two trace files (A and B), got 3");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "diff", "--format=csv", trace, trace}),
      2, "sink-trace", "--format must be text or json");
  expectOneLineError(
      testutil::runProcess({kSinkTrace, "diff", "-x", trace, trace}), 2,
      "sink-trace", "unexpected option '-x'");
}
