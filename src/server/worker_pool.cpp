// See worker_pool.hpp.
#include <airelays/worker_pool.hpp>

#include <algorithm>

namespace airelays::server {

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
