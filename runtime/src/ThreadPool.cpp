//===- ThreadPool.cpp - The pool behind sinkrt_parallel_for ---------------===//

#include "sinkrt/ThreadPool.h"

#include <cstring>

namespace sinkrt {

/// Set while a thread runs a chunk. The ABI forbids nested parallel loops;
/// should generated code nest one anyway, it runs serially instead of
/// deadlocking on workers that are busy with the outer loop.
static thread_local bool insideLoopBody = false;

namespace {
struct LoopBodyScope {
  LoopBodyScope() { insideLoopBody = true; }
  ~LoopBodyScope() { insideLoopBody = false; }
};
} // namespace

int64_t chunkCount(int64_t n, int threads) {
  if (n <= 0)
    return 0;
  return n < threads ? n : threads;
}

Chunk chunkBounds(int64_t n, int64_t chunks, int64_t index) {
  int64_t base = n / chunks;
  int64_t longer = n % chunks;
  Chunk chunk;
  chunk.begin = index * base + (index < longer ? index : longer);
  chunk.end = chunk.begin + base + (index < longer ? 1 : 0);
  return chunk;
}

Expected<std::unique_ptr<ThreadPool>> ThreadPool::create(int threads) {
  if (threads < 1 || threads > kMaxThreads)
    return badInput("thread count must be between 1 and %d", kMaxThreads);
  std::unique_ptr<ThreadPool> pool(new ThreadPool());
  for (int index = 1; index < threads; ++index) {
    pool->starts.push_back(
        std::make_unique<WorkerStart>(WorkerStart{pool.get(), index}));
    pthread_t thread;
    int result = pthread_create(&thread, nullptr, &ThreadPool::workerMain,
                                pool->starts.back().get());
    if (result != 0)
      return failure("cannot start worker thread %d of %d: %s", index, threads,
                     std::strerror(result));
    pool->workers.push_back(thread);
  }
  return pool;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    shuttingDown = true;
  }
  workReady.notify_all();
  for (pthread_t thread : workers)
    pthread_join(thread, nullptr);
}

void *ThreadPool::workerMain(void *argument) {
  auto *start = static_cast<WorkerStart *>(argument);
  start->pool->runWorker(start->index);
  return nullptr;
}

void ThreadPool::runWorker(int index) {
  uint64_t seenGeneration = 0;
  while (true) {
    int64_t n, chunks;
    LoopBody body;
    void *data;
    {
      std::unique_lock<std::mutex> lock(mutex);
      workReady.wait(
          lock, [&] { return shuttingDown || generation != seenGeneration; });
      if (shuttingDown)
        return;
      seenGeneration = generation;
      n = loopSize;
      chunks = loopChunks;
      body = loopBody;
      data = loopData;
    }
    if (index < chunks) {
      Chunk chunk = chunkBounds(n, chunks, index);
      LoopBodyScope scope;
      body(data, chunk.begin, chunk.end);
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (--pendingWorkers == 0)
        workDone.notify_one();
    }
  }
}

void ThreadPool::parallelFor(int64_t n, LoopBody body, void *data) {
  int64_t chunks = chunkCount(n, threadCount());
  if (chunks == 0)
    return;
  if (chunks == 1 || insideLoopBody) {
    body(data, 0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    loopSize = n;
    loopChunks = chunks;
    loopBody = body;
    loopData = data;
    // Every worker acknowledges every generation, even without a chunk, so
    // that none can still be reading the loop fields when the next starts.
    pendingWorkers = static_cast<int>(workers.size());
    ++generation;
  }
  workReady.notify_all();
  Chunk first = chunkBounds(n, chunks, 0);
  {
    LoopBodyScope scope;
    body(data, first.begin, first.end);
  }
  std::unique_lock<std::mutex> lock(mutex);
  workDone.wait(lock, [&] { return pendingWorkers == 0; });
}

} // namespace sinkrt
