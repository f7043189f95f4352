//===- ThreadPool.cpp - The pool behind sinkrt_parallel_for ---------------===//

#include "sinkrt/ThreadPool.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sched.h>

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
  // Benchmarks on an idle machine may want longer spins, a loaded machine
  // none (0 sleeps at once).
  if (const char *spin = std::getenv("SINKRT_SPIN_US")) {
    char *end = nullptr;
    long long micros = std::strtoll(spin, &end, 10);
    if (end == spin || *end != '\0' || micros < 0 || micros > 1000000)
      return badInput("SINKRT_SPIN_US must be 0-1000000 microseconds, not '%s'",
                      spin);
    pool->spinMicros = micros;
  }
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
  shuttingDown.store(true);
  {
    std::lock_guard<std::mutex> lock(mutex);
  }
  wakeUp.notify_all();
  for (pthread_t thread : workers)
    pthread_join(thread, nullptr);
}

void *ThreadPool::workerMain(void *argument) {
  auto *start = static_cast<WorkerStart *>(argument);
  start->pool->runWorker(start->index);
  return nullptr;
}

static inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield");
#endif
}

template <typename Done>
void ThreadPool::await(Done done, std::atomic<int> &sleepers) {
  // Waking a sleeping thread takes a futex round trip, 50-100 microseconds
  // in a VM: longer than many of a forward pass's parallel loops, and paid
  // by every loop if the workers sleep in the serial gaps between loops. So
  // wait up to spinMicros spinning; yield every few spins so that, on a
  // loaded machine, a runnable thread (the one that would finish the loop)
  // gets the core instead of the spinner.
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::microseconds(spinMicros);
  for (int i = 1;; ++i) {
    if (done())
      return;
    cpuRelax();
    if (i % 64 == 0) {
      if (Clock::now() >= deadline)
        break;
      sched_yield();
    }
  }
  std::unique_lock<std::mutex> lock(mutex);
  // Dekker-style handshake with notify(): either the notifier sees this
  // sleeper, or this thread sees the notifier's change in done().
  sleepers.fetch_add(1);
  wakeUp.wait(lock, done);
  sleepers.fetch_sub(1);
}

void ThreadPool::notifySleepers(std::atomic<int> &sleepers) {
  if (sleepers.load() == 0)
    return;
  {
    std::lock_guard<std::mutex> lock(mutex);
  }
  wakeUp.notify_all();
}

void ThreadPool::runWorker(int index) {
  uint64_t seenGeneration = 0;
  while (true) {
    await(
        [&] {
          return shuttingDown.load(std::memory_order_acquire) ||
                 generation.load(std::memory_order_acquire) != seenGeneration;
        },
        sleepingWorkers);
    if (shuttingDown.load(std::memory_order_acquire))
      return;
    seenGeneration = generation.load(std::memory_order_acquire);
    int64_t n = loopSize, chunks = loopChunks;
    if (index < chunks) {
      Chunk chunk = chunkBounds(n, chunks, index);
      LoopBodyScope scope;
      loopBody(loopData, chunk.begin, chunk.end);
    }
    // Every worker acknowledges every generation, even without a chunk, so
    // that none can still be reading the loop fields when the next starts.
    if (pendingWorkers.fetch_sub(1, std::memory_order_acq_rel) == 1)
      notifySleepers(sleepingCaller);
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
  loopSize = n;
  loopChunks = chunks;
  loopBody = body;
  loopData = data;
  pendingWorkers.store(static_cast<int>(workers.size()),
                       std::memory_order_relaxed);
  generation.fetch_add(1); // publishes the fields above
  notifySleepers(sleepingWorkers);
  Chunk first = chunkBounds(n, chunks, 0);
  {
    LoopBodyScope scope;
    body(data, first.begin, first.end);
  }
  await([&] { return pendingWorkers.load(std::memory_order_acquire) == 0; },
        sleepingCaller);
}

} // namespace sinkrt
