//===- ReplayMain.cpp - run a fuzz target over files, without libFuzzer ---===//
//
// In builds without SINKC_ENABLE_FUZZERS the fuzz targets are linked with
// this main instead of libFuzzer's: it feeds every file named on the command
// line (directories: every regular file in them, sorted) to
// LLVMFuzzerTestOneInput once. The test suite uses it to replay the seed
// corpus and the regression inputs of fixed bugs in every build.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <string>
#include <sys/stat.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool readFile(const std::string &path, std::vector<uint8_t> &bytes) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    return false;
  bytes.clear();
  uint8_t buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + n);
  bool ok = !std::ferror(file);
  std::fclose(file);
  return ok;
}

static void collect(const std::string &path, std::vector<std::string> &files) {
  struct stat status;
  if (::stat(path.c_str(), &status) != 0) {
    files.push_back(path); // reported as unreadable below
    return;
  }
  if (!S_ISDIR(status.st_mode)) {
    files.push_back(path);
    return;
  }
  std::vector<std::string> entries;
  if (DIR *dir = ::opendir(path.c_str())) {
    while (struct dirent *entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..")
        continue;
      entries.push_back(path + "/" + name);
    }
    ::closedir(dir);
  }
  std::sort(entries.begin(), entries.end());
  for (const std::string &entry : entries)
    collect(entry, files);
}

int main(int argc, char **argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') // libFuzzer-style flags are ignored
      collect(argv[i], files);
  std::vector<uint8_t> bytes;
  size_t replayed = 0;
  for (const std::string &file : files) {
    if (!readFile(file, bytes)) {
      std::fprintf(stderr, "%s: cannot read '%s'\n", argv[0], file.c_str());
      return 1;
    }
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    ++replayed;
  }
  std::printf("replayed %zu inputs\n", replayed);
  return replayed == 0 ? 1 : 0;
}
