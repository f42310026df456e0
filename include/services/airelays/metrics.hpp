// Process-wide counters and histograms for GET /metrics (Prometheus text format). Thread-safe;
// owned by the server's state and passed to whoever records.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace airelays::metrics {

using Labels = std::map<std::string, std::string>;

class Registry {
public:
  // Adds v to the counter name{labels}.
  void inc(const std::string& name, const Labels& labels = {}, double v = 1.0);
  // Sets the gauge name{labels}.
  void set(const std::string& name, const Labels& labels, double v);
  // Adds delta (may be negative) to the gauge name{labels}.
  void add(const std::string& name, const Labels& labels, double delta);
  // Records a sample in the histogram name{labels} (seconds).
  void observe(const std::string& name, const Labels& labels, double seconds);
  // Sets the one-line # HELP text of a metric.
  void describe(const std::string& name, const std::string& help);
  // The current value of a counter or gauge (0 when unknown).
  double value(const std::string& name, const Labels& labels = {}) const;
  // Everything in the Prometheus text exposition format.
  std::string render() const;

private:
  struct Histogram {
    std::vector<double> counts; // per bucket of k_buckets, cumulative at render
    double sum = 0;
    double count = 0;
  };
  mutable std::mutex m_mutex;
  std::map<std::string, std::map<Labels, double>> m_counters;
  std::map<std::string, std::map<Labels, double>> m_gauges;
  std::map<std::string, std::map<Labels, Histogram>> m_histograms;
  std::map<std::string, std::string> m_help;
};

} // namespace airelays::metrics
