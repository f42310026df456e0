// The Prometheus text a scraper reads from GET /metrics.
#include <airelays/metrics.hpp>

#include <doctest/doctest.h>

using airelays::metrics::Registry;

namespace {
bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}
} // namespace

TEST_CASE("metrics::Registry renders counters with HELP, TYPE and sorted labels") {
  Registry r;
  r.describe("airelays_http_requests_total", "Requests answered");
  r.inc("airelays_http_requests_total", {{"status", "200"}, {"route", "/v1/models"}});
  r.inc("airelays_http_requests_total", {{"status", "200"}, {"route", "/v1/models"}});
  r.inc("airelays_http_requests_total", {{"status", "401"}, {"route", "/v1/models"}});
  std::string text = r.render();
  CHECK(has_line(text, "# HELP airelays_http_requests_total Requests answered"));
  CHECK(has_line(text, "# TYPE airelays_http_requests_total counter"));
  CHECK(has_line(text, R"(airelays_http_requests_total{route="/v1/models",status="200"} 2)"));
  CHECK(has_line(text, R"(airelays_http_requests_total{route="/v1/models",status="401"} 1)"));
  CHECK(r.value("airelays_http_requests_total", {{"route", "/v1/models"}, {"status", "200"}}) == 2);
}

TEST_CASE("metrics::Registry gauges go up and down") {
  Registry r;
  r.add("in_flight", {}, 1);
  r.add("in_flight", {}, 1);
  r.add("in_flight", {}, -1);
  CHECK(r.value("in_flight") == 1);
  r.set("blocked", {}, 3);
  std::string text = r.render();
  CHECK(has_line(text, "# TYPE in_flight gauge"));
  CHECK(has_line(text, "in_flight 1"));
  CHECK(has_line(text, "blocked 3"));
}

TEST_CASE("metrics::Registry histograms are cumulative with +Inf, sum and count") {
  Registry r;
  r.observe("lat", {{"route", "x"}}, 0.003);
  r.observe("lat", {{"route", "x"}}, 0.3);
  r.observe("lat", {{"route", "x"}}, 1000);
  std::string text = r.render();
  CHECK(has_line(text, "# TYPE lat histogram"));
  CHECK(has_line(text, R"(lat_bucket{route="x",le="0.005"} 1)"));
  CHECK(has_line(text, R"(lat_bucket{route="x",le="0.25"} 1)"));
  CHECK(has_line(text, R"(lat_bucket{route="x",le="0.5"} 2)"));
  CHECK(has_line(text, R"(lat_bucket{route="x",le="300"} 2)"));
  CHECK(has_line(text, R"(lat_bucket{route="x",le="+Inf"} 3)"));
  CHECK(has_line(text, R"(lat_count{route="x"} 3)"));
  CHECK(text.find(R"(lat_sum{route="x"} 1000.303)") != std::string::npos);
  CHECK(r.value("lat", {{"route", "x"}}) == 3);
}

TEST_CASE("metrics::Registry escapes label values") {
  Registry r;
  r.inc("c", {{"path", "a\"b\\c\nd"}});
  CHECK(r.render().find(R"(c{path="a\"b\\c\nd"} 1)") != std::string::npos);
}

TEST_CASE("metrics::Registry value of an unknown series is 0") {
  Registry r;
  CHECK(r.value("nothing") == 0);
  CHECK(r.render().empty());
}
