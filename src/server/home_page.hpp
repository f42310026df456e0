// The relay's home page (GET /): one self-contained HTML document — no scripts, no external
// styles or fonts — that tells the person who opened it what is running and how to point a
// client at it: version, login state, relay-token state, the base URL and setup snippet, the
// limits. It never contains the relay token or anything from the ChatGPT login beyond its
// state (private to the server layer).
#pragma once

#include <airelays/http_types.hpp>
#include <airelays/services.hpp>

#include <string>

namespace airelays::server {

using services::Services;

// The page for a request that reached GET / (its Host header picks the base URL shown).
std::string home_page(Services& state, const http::Request& req);

} // namespace airelays::server
