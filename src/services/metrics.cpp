// Counters, gauges and histograms for GET /metrics, rendered in the Prometheus text
// exposition format (version 0.0.4): one # HELP and # TYPE line per metric family, samples
// sorted by labels, histogram buckets cumulative with a final +Inf (see metrics.hpp).
#include <airelays/metrics.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace airelays::metrics {

namespace {

// Upper bounds, in seconds, of the histogram buckets: upstream calls take from tens of
// milliseconds (models) to minutes (long generations).
constexpr double k_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                2.5,   5,    10,    30,   60,  120,  300};
constexpr size_t k_bucket_count = sizeof(k_buckets) / sizeof(k_buckets[0]);

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string format_labels(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) {
    return {};
  }
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    out += (first ? "" : ",") + k + "=\"" + escape_label(v) + "\"";
    first = false;
  }
  if (!extra.empty()) {
    out += (first ? "" : ",") + extra;
  }
  return out + "}";
}

std::string format_value(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string bound_label(double b) { return "le=\"" + format_value(b) + "\""; }

} // namespace

void Registry::inc(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(m_mutex);
  m_counters[name][labels] += v;
}

void Registry::set(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(m_mutex);
  m_gauges[name][labels] = v;
}

void Registry::add(const std::string& name, const Labels& labels, double delta) {
  std::lock_guard lock(m_mutex);
  m_gauges[name][labels] += delta;
}

void Registry::observe(const std::string& name, const Labels& labels, double seconds) {
  std::lock_guard lock(m_mutex);
  Histogram& h = m_histograms[name][labels];
  if (h.counts.empty()) {
    h.counts.assign(k_bucket_count, 0);
  }
  for (size_t i = 0; i < k_bucket_count; ++i) {
    if (seconds <= k_buckets[i]) {
      h.counts[i] += 1;
      break;
    }
  }
  h.sum += seconds;
  h.count += 1;
}

void Registry::describe(const std::string& name, const std::string& help) {
  std::lock_guard lock(m_mutex);
  m_help[name] = help;
}

double Registry::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(m_mutex);
  for (const auto* family : {&m_counters, &m_gauges}) {
    auto it = family->find(name);
    if (it != family->end()) {
      auto jt = it->second.find(labels);
      if (jt != it->second.end()) {
        return jt->second;
      }
    }
  }
  auto it = m_histograms.find(name);
  if (it != m_histograms.end()) {
    auto jt = it->second.find(labels);
    if (jt != it->second.end()) {
      return jt->second.count;
    }
  }
  return 0;
}

std::string Registry::render() const {
  std::lock_guard lock(m_mutex);
  std::ostringstream out;
  auto header = [&](const std::string& name, const char* type) {
    auto help = m_help.find(name);
    out << "# HELP " << name << ' ' << (help != m_help.end() ? help->second : name) << '\n';
    out << "# TYPE " << name << ' ' << type << '\n';
  };
  for (const auto& [name, series] : m_counters) {
    header(name, "counter");
    for (const auto& [labels, v] : series) {
      out << name << format_labels(labels) << ' ' << format_value(v) << '\n';
    }
  }
  for (const auto& [name, series] : m_gauges) {
    header(name, "gauge");
    for (const auto& [labels, v] : series) {
      out << name << format_labels(labels) << ' ' << format_value(v) << '\n';
    }
  }
  for (const auto& [name, series] : m_histograms) {
    header(name, "histogram");
    for (const auto& [labels, h] : series) {
      double cumulative = 0;
      for (size_t i = 0; i < k_bucket_count; ++i) {
        cumulative += h.counts[i];
        out << name << "_bucket" << format_labels(labels, bound_label(k_buckets[i])) << ' '
            << format_value(cumulative) << '\n';
      }
      out << name << "_bucket" << format_labels(labels, "le=\"+Inf\"") << ' '
          << format_value(h.count) << '\n';
      out << name << "_sum" << format_labels(labels) << ' ' << format_value(h.sum) << '\n';
      out << name << "_count" << format_labels(labels) << ' ' << format_value(h.count) << '\n';
    }
  }
  return out.str();
}

} // namespace airelays::metrics
