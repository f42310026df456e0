// The threads that serve connections. httplib's own pool starts every worker at once: 64
// threads (the `workers` default) sat idle in every relay, each with its stack and, once it
// allocated, its malloc arena. This pool starts a thread only when a job arrives and every
// started thread is busy, up to the limit, and keeps the threads it started (a burst's peak
// stays warm). A connection holds its thread for its whole keep-alive life, as before.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace airelays::server {

class WorkerPool {
public:
  explicit WorkerPool(size_t max_threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a job; it runs as soon as a thread is free (a new one when all are busy).
  void submit(std::function<void()> job);
  // Runs the jobs already queued, then joins every thread. Later submits are dropped.
  void stop();
  size_t threads() const;
  size_t idle_threads() const; // started and waiting for work

private:
  void run();

  const size_t m_max_threads;
  mutable std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<std::function<void()>> m_jobs;
  std::vector<std::thread> m_threads;
  size_t m_idle = 0;
  bool m_stopping = false;
};

// Gives the calling pool thread's stack pages below the caller's frame back to the system.
// A worker's stack keeps every page its deepest call ever touched; a stream's request set-up
// (parsing, the upstream call, the first events) goes ~10 KiB deeper than the stream's wait
// for its next event, where the thread then stays for the stream's life. Called once the
// stream's first bytes are out. Pages touched again later read as zero, as any new stack
// page. A no-op off Linux, on threads not started by a WorkerPool, and under ASan/TSan.
void release_stack_below_caller();

} // namespace airelays::server
