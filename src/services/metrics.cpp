// Counters and histograms for /metrics. Placeholder until the serve capability lands.
#include <airelays/metrics.hpp>

namespace airelays::metrics {

void Registry::inc(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(m_mutex);
  m_counters[name][labels] += v;
}
void Registry::set(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(m_mutex);
  m_gauges[name][labels] = v;
}
void Registry::observe(const std::string& name, const Labels& labels, double seconds) {
  (void)name;
  (void)labels;
  (void)seconds;
}
double Registry::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(m_mutex);
  auto it = m_counters.find(name);
  if (it != m_counters.end()) {
    auto jt = it->second.find(labels);
    if (jt != it->second.end()) {
      return jt->second;
    }
  }
  return 0;
}
std::string Registry::render() const { return {}; }

} // namespace airelays::metrics
