// See worker_pool.hpp.
#include <airelays/worker_pool.hpp>

#include <algorithm>
#include <cstdint>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define AIRELAYS_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AIRELAYS_SANITIZED 1
#endif
#if defined(__linux__) && !defined(AIRELAYS_SANITIZED)
#define AIRELAYS_RELEASE_STACK 1
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace airelays::server {

namespace {

#ifdef AIRELAYS_RELEASE_STACK
// This pool thread's stack, [low, high) without its guard page; 0 on other threads.
thread_local uintptr_t t_stack_low = 0;
thread_local uintptr_t t_stack_high = 0;
#endif

void note_stack() {
#ifdef AIRELAYS_RELEASE_STACK
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) {
    return;
  }
  void* addr = nullptr;
  size_t size = 0;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    t_stack_low = reinterpret_cast<uintptr_t>(addr);
    t_stack_high = t_stack_low + size;
  }
  pthread_attr_destroy(&attr);
#endif
}

} // namespace

void release_stack_below_caller() {
#ifdef AIRELAYS_RELEASE_STACK
  // This function's frame; below it only its own locals and madvise's frame, which the
  // margin keeps (with the red zone).
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (here <= t_stack_low || here >= t_stack_high) {
    return; // not a pool thread (t_stack_low is 0), or not on its stack
  }
  constexpr uintptr_t k_margin = 1024;
  static const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  uintptr_t cut = (here - k_margin) & ~(page - 1);
  if (cut > t_stack_low) {
    ::madvise(reinterpret_cast<void*>(t_stack_low), cut - t_stack_low, MADV_DONTNEED);
  }
#endif
}

WorkerPool::WorkerPool(size_t max_threads) : m_max_threads(std::max<size_t>(1, max_threads)) {}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      return;
    }
    m_jobs.push_back(std::move(job));
    // Idle threads will each take one job: start another only when the queue outgrows them.
    if (m_jobs.size() > m_idle && m_threads.size() < m_max_threads) {
      m_threads.emplace_back([this] { run(); });
    }
  }
  // Woken after the lock is released: a thread woken under it found the mutex still held,
  // slept on it again and needed a second wake (two more futex calls and a context switch
  // per connection handed over by the parking thread).
  m_ready.notify_one();
}

void WorkerPool::run() {
  note_stack();
  std::unique_lock lock(m_mutex);
  for (;;) {
    ++m_idle;
    m_ready.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
    --m_idle;
    if (m_jobs.empty()) {
      return; // stopping, nothing left to run
    }
    auto job = std::move(m_jobs.front());
    m_jobs.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void WorkerPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    threads.swap(m_threads);
  }
  m_ready.notify_all();
  for (auto& t : threads) {
    t.join();
  }
}

size_t WorkerPool::threads() const {
  std::lock_guard lock(m_mutex);
  return m_threads.size();
}

size_t WorkerPool::idle_threads() const {
  std::lock_guard lock(m_mutex);
  return m_idle;
}

} // namespace airelays::server
