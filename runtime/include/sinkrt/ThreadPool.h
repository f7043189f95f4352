//===- ThreadPool.h - The pool behind sinkrt_parallel_for -------*- C++ -*-===//
//
// A fixed set of worker threads that runs one parallel loop at a time.
// Chunking is static and deterministic: [0, n) is cut into
// min(n, threads) contiguous chunks whose sizes differ by at most one (the
// first n % chunks chunks are one longer), and chunk i always runs on
// thread i (thread 0 is the caller). The same n and thread count therefore
// always give the same chunks on the same threads, so reductions the
// generated code does per chunk are reproducible run to run.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_THREADPOOL_H
#define SINKRT_THREADPOOL_H

#include "sinkrt/Status.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <vector>

namespace sinkrt {

struct Chunk {
  int64_t begin = 0;
  int64_t end = 0;
};

/// How many chunks a loop of n iterations gets on `threads` threads.
int64_t chunkCount(int64_t n, int threads);
/// The index-th of `chunks` chunks of [0, n).
Chunk chunkBounds(int64_t n, int64_t chunks, int64_t index);

using LoopBody = void (*)(void *data, int64_t begin, int64_t end);

inline constexpr int kMaxThreads = 1024;

class ThreadPool {
public:
  /// Starts threads - 1 workers (the caller is thread 0).
  static Expected<std::unique_ptr<ThreadPool>> create(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int threadCount() const { return static_cast<int>(workers.size()) + 1; }

  /// Runs body over [0, n); returns when every chunk has finished. Calls
  /// from several threads at once are not supported; a call from inside a
  /// loop body (which the ABI rules out) runs serially on the caller.
  void parallelFor(int64_t n, LoopBody body, void *data);

private:
  ThreadPool() = default;
  static void *workerMain(void *argument);
  void runWorker(int index);

  struct WorkerStart {
    ThreadPool *pool;
    int index;
  };

  /// Waits until `done()`: spins for a while (a forward pass starts a
  /// parallel loop every few microseconds, and a futex wake-up costs about
  /// as much as a small loop), then sleeps on `wakeUp` until notified.
  template <typename Done> void await(Done done, std::atomic<int> &sleepers);
  /// Wakes the threads asleep in await() on `sleepers`, if any.
  void notifySleepers(std::atomic<int> &sleepers);

  std::vector<pthread_t> workers;
  std::vector<std::unique_ptr<WorkerStart>> starts;
  std::mutex mutex;
  std::condition_variable wakeUp;
  /// Incremented for every loop (after its fields are written); workers run
  /// each generation once.
  std::atomic<uint64_t> generation{0};
  std::atomic<bool> shuttingDown{false};
  int64_t loopSize = 0;
  int64_t loopChunks = 0;
  LoopBody loopBody = nullptr;
  void *loopData = nullptr;
  /// Workers that have not yet finished the current generation.
  std::atomic<int> pendingWorkers{0};
  /// Threads asleep on wakeUp: workers between loops, or the caller waiting
  /// for the last chunks.
  std::atomic<int> sleepingWorkers{0};
  std::atomic<int> sleepingCaller{0};
  /// How long await() spins before it sleeps (SINKRT_SPIN_US, default 200).
  int64_t spinMicros = 200;
};

} // namespace sinkrt

#endif // SINKRT_THREADPOOL_H
