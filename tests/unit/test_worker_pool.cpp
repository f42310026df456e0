// WorkerPool: threads start only when work finds every started thread busy, never beyond the
// limit, and every queued job runs, including those queued when stop() is called.
#include <airelays/worker_pool.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>

using airelays::server::WorkerPool;

TEST_CASE("WorkerPool starts no thread until there is work, and reuses an idle one") {
  WorkerPool pool(8);
  CHECK(pool.threads() == 0);
  for (int i = 0; i < 5; ++i) {
    std::promise<void> done;
    pool.submit([&done] { done.set_value(); });
    done.get_future().wait();
    // Wait for the thread to be back waiting (it may still be returning from the job).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (pool.idle_threads() != pool.threads() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  CHECK(pool.threads() == 1); // the first thread served every job
}

TEST_CASE("WorkerPool grows to the limit under blocked jobs and runs every job") {
  WorkerPool pool(4);
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> started{0}, finished{0};
  for (int i = 0; i < 10; ++i) {
    pool.submit([&] {
      ++started;
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return release; });
      ++finished;
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (started < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  CHECK(started == 4); // four threads, each holding one job; six wait in the queue
  CHECK(pool.threads() == 4);
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  pool.stop(); // runs what is queued, then joins
  CHECK(finished == 10);
  CHECK(pool.threads() == 0);
}

TEST_CASE("WorkerPool drops work submitted after stop") {
  WorkerPool pool(2);
  pool.stop();
  std::atomic<bool> ran{false};
  pool.submit([&] { ran = true; });
  pool.stop();
  CHECK_FALSE(ran);
}

namespace {

// Touches `kib` KiB of stack below the caller and returns a sum of what it wrote.
[[gnu::noinline]] long deep(int kib) {
  volatile char buf[64 * 1024];
  long sum = 0;
  for (int i = 0; i < kib * 1024; i += 512) {
    buf[i] = static_cast<char>(i / 512);
    sum += buf[i];
  }
  return sum;
}

} // namespace

TEST_CASE("release_stack_below_caller leaves the caller's frames and later deep calls intact") {
  WorkerPool pool(1);
  std::promise<bool> result;
  pool.submit([&result] {
    long first = deep(64); // pages well below this frame, given back next
    volatile char mine[256];
    for (int i = 0; i < 256; ++i) {
      mine[i] = static_cast<char>(i);
    }
    airelays::server::release_stack_below_caller();
    bool kept = true;
    for (int i = 0; i < 256; ++i) {
      kept = kept && mine[i] == static_cast<char>(i);
    }
    result.set_value(kept && deep(64) == first); // the released pages work as new ones
  });
  CHECK(result.get_future().get());
  airelays::server::release_stack_below_caller(); // off a pool thread: nothing happens
}
