//===- ThreadPoolTest.cpp - Deterministic parallel loops ------------------===//

#include "sinkrt/ThreadPool.h"

#include "sinkrt/Abi.h"
#include "sinkrt/Probes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <pthread.h>
#include <set>
#include <thread>
#include <vector>

using namespace sinkrt;

TEST(Chunking, SplitsIntoNearlyEqualContiguousChunks) {
  EXPECT_EQ(chunkCount(0, 4), 0);
  EXPECT_EQ(chunkCount(3, 4), 3);
  EXPECT_EQ(chunkCount(10, 4), 4);
  // 10 over 4: the first 10 % 4 = 2 chunks get one more.
  std::vector<std::pair<int64_t, int64_t>> expected = {
      {0, 3}, {3, 6}, {6, 8}, {8, 10}};
  for (int64_t i = 0; i < 4; ++i) {
    Chunk chunk = chunkBounds(10, 4, i);
    EXPECT_EQ(chunk.begin, expected[i].first);
    EXPECT_EQ(chunk.end, expected[i].second);
  }
}

TEST(Chunking, CoversEveryIndexOnceForManySizes) {
  for (int threads = 1; threads <= 9; ++threads) {
    for (int64_t n = 1; n <= 100; ++n) {
      int64_t chunks = chunkCount(n, threads);
      int64_t next = 0;
      for (int64_t i = 0; i < chunks; ++i) {
        Chunk chunk = chunkBounds(n, chunks, i);
        ASSERT_EQ(chunk.begin, next);
        ASSERT_GT(chunk.end, chunk.begin);
        next = chunk.end;
      }
      ASSERT_EQ(next, n);
    }
  }
  // No overflow near the top of int64.
  Chunk last = chunkBounds(INT64_MAX, 3, 2);
  EXPECT_EQ(last.end, INT64_MAX);
}

namespace {
struct Recorder {
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  std::set<pthread_t> threads;
  std::vector<std::atomic<int>> hits;
  explicit Recorder(size_t n) : hits(n) {}
};

void record(void *data, int64_t begin, int64_t end) {
  auto *recorder = static_cast<Recorder *>(data);
  for (int64_t i = begin; i < end; ++i)
    recorder->hits[i]++;
  std::lock_guard<std::mutex> lock(recorder->mutex);
  recorder->chunks.emplace_back(begin, end);
  recorder->threads.insert(pthread_self());
}
} // namespace

TEST(ThreadPool, RunsEveryIndexOnceOnSeveralThreads) {
  auto pool = ThreadPool::create(4);
  ASSERT_TRUE(pool);
  EXPECT_EQ((*pool)->threadCount(), 4);
  Recorder recorder(1000);
  (*pool)->parallelFor(1000, record, &recorder);
  for (auto &hit : recorder.hits)
    ASSERT_EQ(hit.load(), 1);
  EXPECT_EQ(recorder.chunks.size(), 4u);
  EXPECT_EQ(recorder.threads.size(), 4u);
}

TEST(ThreadPool, SameSizeAndThreadsGiveTheSameChunks) {
  auto pool = ThreadPool::create(3);
  ASSERT_TRUE(pool);
  std::set<std::pair<int64_t, int64_t>> first;
  for (int repeat = 0; repeat < 50; ++repeat) {
    Recorder recorder(100);
    (*pool)->parallelFor(100, record, &recorder);
    std::set<std::pair<int64_t, int64_t>> chunks(recorder.chunks.begin(),
                                                 recorder.chunks.end());
    if (repeat == 0)
      first = chunks;
    ASSERT_EQ(chunks, first);
  }
  EXPECT_EQ(first, (std::set<std::pair<int64_t, int64_t>>{
                       {0, 34}, {34, 67}, {67, 100}}));
}

namespace {
/// Sums in float per chunk, in chunk order: only reproducible if the
/// chunks are.
struct ChunkSums {
  std::vector<float> values;
  std::vector<float> partial;
  int64_t chunks;
};
void sumChunk(void *data, int64_t begin, int64_t end) {
  auto *sums = static_cast<ChunkSums *>(data);
  float sum = 0;
  for (int64_t i = begin; i < end; ++i)
    sum += sums->values[i];
  auto n = static_cast<int64_t>(sums->values.size());
  for (int64_t index = 0; index < sums->chunks; ++index)
    if (chunkBounds(n, sums->chunks, index).begin == begin)
      sums->partial[index] = sum;
}
} // namespace

TEST(ThreadPool, FloatReductionsAreReproducible) {
  std::vector<float> values(10007);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = 1.0f / static_cast<float>(i + 1);
  auto pool = ThreadPool::create(4);
  ASSERT_TRUE(pool);
  float reference = 0;
  for (int repeat = 0; repeat < 20; ++repeat) {
    ChunkSums sums{values, std::vector<float>(4), 4};
    (*pool)->parallelFor(static_cast<int64_t>(values.size()), sumChunk, &sums);
    float total = 0;
    for (float partial : sums.partial)
      total += partial;
    if (repeat == 0)
      reference = total;
    ASSERT_EQ(total, reference);
  }
}

TEST(ThreadPool, SmallAndEmptyLoops) {
  auto pool = ThreadPool::create(8);
  ASSERT_TRUE(pool);
  Recorder empty(1);
  (*pool)->parallelFor(0, record, &empty);
  (*pool)->parallelFor(-5, record, &empty);
  EXPECT_TRUE(empty.chunks.empty());
  Recorder three(3);
  (*pool)->parallelFor(3, record, &three);
  EXPECT_EQ(three.chunks.size(), 3u);
}

namespace {
struct Nested {
  ThreadPool *pool;
  std::atomic<int> innerCalls{0};
  std::atomic<int> innerIterations{0};
};
void countInner(void *data, int64_t begin, int64_t end) {
  auto *nested = static_cast<Nested *>(data);
  nested->innerCalls++;
  nested->innerIterations += static_cast<int>(end - begin);
}
void runInner(void *data, int64_t, int64_t) {
  auto *nested = static_cast<Nested *>(data);
  nested->pool->parallelFor(10, countInner, data);
}
} // namespace

TEST(ThreadPool, NestedLoopsRunSeriallyInsteadOfDeadlocking) {
  auto pool = ThreadPool::create(3);
  ASSERT_TRUE(pool);
  Nested nested{pool->get()};
  (*pool)->parallelFor(3, runInner, &nested);
  EXPECT_EQ(nested.innerCalls.load(), 3); // one serial inner loop per chunk
  EXPECT_EQ(nested.innerIterations.load(), 30);
  // The pool is still usable afterwards, in parallel again.
  Recorder recorder(9);
  (*pool)->parallelFor(9, record, &recorder);
  EXPECT_EQ(recorder.chunks.size(), 3u);
}

TEST(ThreadPool, RejectsBadThreadCounts) {
  EXPECT_FALSE(ThreadPool::create(0));
  EXPECT_FALSE(ThreadPool::create(kMaxThreads + 1));
}

TEST(ParallelFor, GoesThroughTheContextsPool) {
  auto pool = ThreadPool::create(2);
  ASSERT_TRUE(pool);
  RunContext context{pool->get(), nullptr};
  Recorder recorder(10);
  sinkrt_parallel_for(&context, 10, record, &recorder);
  EXPECT_EQ(recorder.chunks.size(), 2u);
  // Without a context the loop still runs, serially.
  Recorder serial(10);
  sinkrt_parallel_for(nullptr, 10, record, &serial);
  EXPECT_EQ(serial.chunks.size(), 1u);
}
