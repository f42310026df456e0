// Collecting or streaming an opened generation (see generation_stream.hpp).
#include "generation_stream.hpp"

namespace airelays::server {

using nlohmann::json;

GenerationJob::GenerationJob(Services& state, GenerationRoute r, std::shared_ptr<json> annotations)
    : route(r), m_state(state), m_annotations(std::move(annotations)) {}

expansion::Context GenerationJob::context() const {
  return {m_state.files.get(), m_state.conversations.get()};
}

void GenerationJob::start_chat(std::string id) {
  m_chat.emplace(std::move(id), created, model, include_usage);
}

void GenerationJob::start_completions(std::string id) {
  m_completions.emplace(std::move(id), created, model, include_usage);
}

void GenerationJob::start_messages(std::string id) { m_messages.emplace(std::move(id), messages); }

void GenerationJob::restart(upstream::Opened&& opened) {
  stream = std::move(opened.stream);
  head = std::move(opened.head);
  m_acc = responses::ResponseAccumulator{};
}

std::variant<json, api_error::ApiError> GenerationJob::collect() {
  for (const auto& ev : head) {
    m_acc.feed(ev);
  }
  head.clear();
  while (auto ev = stream->next()) {
    m_acc.feed(*ev);
  }
  if (stream->error() && !m_acc.succeeded()) {
    return *stream->error();
  }
  return m_acc.finish();
}

void GenerationJob::record(const json& response) {
  // Only a Responses client can name this response again (previous_response_id, or its
  // conversation); a chat client never sees the upstream's resp_ id.
  if (route == GenerationRoute::responses) {
    expansion::record(context(), plan, response);
  }
  if (response.is_object()) {
    auto usage = response.find("usage");
    if (usage != response.end()) {
      (*m_annotations)["usage"] = *usage;
    }
    auto id = response.find("id");
    if (id != response.end() && id->is_string()) {
      (*m_annotations)["upstream_response_id"] = *id;
    }
  }
}

std::string GenerationJob::translate(const sse::Event& event) {
  m_acc.feed(event);
  if (m_chat) {
    return m_chat->feed(event);
  }
  if (m_completions) {
    return m_completions->feed(event);
  }
  if (m_messages) {
    return m_messages->feed(event);
  }
  return sse::format(event); // /v1/responses: the upstream's event verbatim
}

bool GenerationJob::translator_done() const {
  if (m_chat || m_completions || m_messages) {
    return (m_chat && m_chat->done()) || (m_completions && m_completions->done()) ||
           (m_messages && m_messages->done());
  }
  // /v1/responses ends at its terminal event: whatever the upstream does after it (more
  // bytes, a dropped connection) must not add an `error` event SDKs would throw on.
  return m_acc.succeeded() || m_acc.failed();
}

// What to write when the upstream stream is over and the translator has not ended yet.
std::string GenerationJob::end_text() {
  const auto& failure = stream->error();
  if (m_chat) {
    return failure ? m_chat->fail(*failure) : m_chat->finish();
  }
  if (m_completions) {
    return failure ? m_completions->fail(*failure) : m_completions->finish();
  }
  if (m_messages) {
    return failure ? m_messages->fail(*failure) : m_messages->finish();
  }
  if (failure) {
    return api_error::responses_sse_event(*failure);
  }
  if (m_acc.succeeded() || m_acc.failed()) {
    return {};
  }
  return api_error::responses_sse_event(responses::incomplete_stream_error());
}

bool GenerationJob::finish_stream(const char* outcome) {
  (*m_annotations)["stream_outcome"] = outcome;
  if (m_acc.succeeded()) {
    auto final_response = m_acc.finish();
    if (auto* r = std::get_if<json>(&final_response)) {
      record(*r);
    }
  }
  stream.reset(); // closes the upstream transfer now, not when the server drops the job
  return std::string(outcome) == "completed";
}

bool GenerationJob::pump_to(http::ChunkSink& sink) {
  // Nothing above catches inside httplib's content provider: an exception escaping here
  // would end the process. It ends this stream only, with an in-band error.
  try {
    return pump(sink);
  } catch (const std::exception& e) {
    return fail_internally(sink, e.what());
  } catch (...) {
    return fail_internally(sink, "unknown exception");
  }
}

bool GenerationJob::fail_internally(http::ChunkSink& sink, const char* what) noexcept {
  try {
    (*m_annotations)["stream_outcome"] = "internal_error";
    (*m_annotations)["internal_error"] = what;
    stream.reset();
    if (!translator_done()) { // never an error after a terminal event or [DONE]
      auto e = api_error::make(500, "Internal error while writing the stream; it was ended.",
                               std::string("internal_error"));
      sink.write(m_chat          ? m_chat->fail(e)
                 : m_completions ? m_completions->fail(e)
                                 : api_error::responses_sse_event(e));
    }
  } catch (...) { // the sink itself is broken: the stream just ends
  }
  return false;
}

bool GenerationJob::pump(http::ChunkSink& sink) {
  stream->set_abort_check([this, &sink] { return m_state.stopping.load() || !sink.is_writable(); });
  // Events that arrived together leave in one write; whatever is gathered is written before
  // waiting for the upstream, so nothing is held back.
  std::string out;
  auto flush = [&sink, &out] {
    bool ok = out.empty() || sink.write(out);
    out.clear();
    return ok;
  };
  for (const auto& ev : head) {
    out += translate(ev);
  }
  head.clear();
  while (!translator_done()) {
    if (!stream->next_is_ready() && !flush()) {
      return finish_stream("client_gone");
    }
    auto ev = stream->next();
    if (!ev) {
      break;
    }
    out += translate(*ev);
  }
  if (stream->aborted() && !m_state.stopping.load()) {
    return finish_stream("client_gone");
  }
  if (!translator_done()) {
    out += end_text(); // the finish or in-band error goes with the last events
  }
  if (!flush()) {
    return finish_stream("client_gone");
  }
  bool ok = m_chat          ? m_chat->succeeded()
            : m_completions ? m_completions->succeeded()
            : m_messages    ? m_messages->succeeded()
                            : m_acc.succeeded() && !stream->error();
  return finish_stream(ok ? "completed" : "failed");
}

} // namespace airelays::server
