// The relay's HTTP client, and the only module that includes curl. A blocking call for small
// exchanges (issuer token calls, models, usage) and a streaming transfer pumped on the
// caller's thread for /responses (see DESIGN.md, "Streaming without losing real status
// codes").
#pragma once

#include <airelays/error.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace airelays::http_client {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;
  HeaderList headers;
  std::string body;
  long connect_timeout_ms = 10000;
  long timeout_ms = 60000; // whole transfer; 0 = none
};

// Why a transfer failed before an HTTP response was complete.
enum class Failure { none, dns, connect, tls, timeout, aborted, other };

struct Response {
  int status = 0;
  HeaderList headers; // names lower-cased
  std::string body;
  Failure failure = Failure::none; // set when status == 0
  std::string error;               // curl's text for failures (never contains secrets)

  std::string header(const std::string& lower_name) const;
};

// Must be called once in main() before threads start.
void global_init();
void global_cleanup();

// Performs a blocking request. Transport failures come back as status 0 with `failure` set.
Response perform(const Request& request);

// Percent-encodes a string for application/x-www-form-urlencoded and query strings.
std::string url_encode(const std::string& s);

} // namespace airelays::http_client
