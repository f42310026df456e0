// The stored ChatGPT login (reference §3.1): the record AIRelays keeps in auth.json or in the
// keyring, read tolerantly (id_token as a string or {"raw_jwt":…}, account id from the
// id_token claim when absent) and written the way AIRelays writes it, so a user can switch
// binaries in either direction. No I/O: time is passed in; in the io layer with jwt, whose
// claims it reads.
#pragma once

#include <airelays/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace airelays::auth_record {

struct Record {
  std::string id_token;
  std::string access_token;
  std::string refresh_token;
  std::string account_id;       // tokens.account_id, else the id_token claim
  std::string bound_account_id; // top-level field, else account_id
  std::string last_refresh;     // ISO-8601 with offset, as stored
};

// Parses a stored record; `where` names the file or keyring entry in the error.
Result<Record> parse(std::string_view text, const std::string& where);

// The record as JSON text: 2-space indented for the file, compact for the keyring.
std::string serialize(const Record& r, bool pretty);

// Has tokens the relay can use (an access or a refresh token).
bool authenticated(const Record& r);

// A record built from a fresh token set (login or refresh): all three tokens required,
// account_id re-derived from the id_token, bound to `bound_account_id` (login: the
// id_token's account), last_refresh = now.
Result<Record> build(std::string id_token, std::string access_token, std::string refresh_token,
                     std::string bound_account_id, double now_unix);

// "2026-11-22T07:12:38.928510+00:00" for a unix time.
std::string format_time(double unix_seconds);
// Unix seconds of an ISO-8601 timestamp with a UTC offset ("Z" or "±HH:MM"); nullopt for a
// naive or malformed one.
std::optional<double> parse_time(std::string_view text);

} // namespace airelays::auth_record
