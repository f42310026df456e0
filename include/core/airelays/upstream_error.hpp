// The one classifier of upstream failures (reference §10 with DESIGN.md's statuses): an
// upstream HTTP error answer, a failure event inside the stream (`error`, `response.failed`)
// and a stream that ended early all become the client's ApiError here, with the same rules
// for the upstream's error object (message/type/code/param kept, safe extras passed on) and
// one Retry-After rule. The login errors the relay answers for the upstream live here too.
// Pure: the caller passes the time.
#pragma once

#include <airelays/api_error.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace airelays::upstream_error {

// An upstream HTTP answer with status >= 400 (other than a first 401): 4xx keep their status,
// 5xx → 502 upstream_error; the upstream's error object is kept (see upstream::http_error), a
// {"detail":…} text becomes the message; a 429 always carries Retry-After (retry_after(), else 1).
// `now`: epoch seconds, for resets_at.
api_error::ApiError from_http(int status, const std::string& body,
                              const std::string& retry_after_header, long now);

// A failure event's data: 429 for quota/rate codes (code kept, Retry-After when known), 400 for
// invalid requests, 502 otherwise; the incomplete_stream error when it carries no error at all.
api_error::ApiError from_event(const nlohmann::json& event_data);

// 502 incomplete_stream: "Upstream stream ended before response.completed."
api_error::ApiError incomplete_stream();

// Seconds until an upstream limit resets, from the first that says: the error object's
// resets_in_seconds, its resets_at (epoch seconds; only with `now`), the Retry-After header,
// "try again in 1.5s" / "in 250ms" in its message (rounded up, at least 1).
std::optional<long> retry_after(const nlohmann::json& error_obj, const std::string& header,
                                std::optional<long> now);

// 503 upstream_auth_missing "No ChatGPT login found. Run `airelays login` first." with
// x-airelays-upstream-auth: missing.
api_error::ApiError login_missing();

// 503 upstream_auth_rejected: the backend answered 401 again after a refresh.
api_error::ApiError auth_rejected();

} // namespace airelays::upstream_error
