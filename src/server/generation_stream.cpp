// Collecting or streaming an opened generation (see generation_stream.hpp).
#include "generation_stream.hpp"

namespace airelays::server {

using nlohmann::json;

GenerationJob::GenerationJob(Services& state, std::unique_ptr<dialect::Dialect> d,
                             std::shared_ptr<json> annotations)
    : m_state(state), m_dialect(std::move(d)), m_annotations(std::move(annotations)) {}

expansion::Context GenerationJob::context() const {
  return {m_state.files.get(), m_state.conversations.get()};
}

void GenerationJob::start(const dialect::Plan& p, const std::string& id) {
  m_translator = m_dialect->stream(p, id, created);
}

void GenerationJob::restart(upstream::Opened&& opened) {
  stream = std::move(opened.stream);
  head = std::move(opened.head);
  m_acc = responses::ResponseAccumulator{};
}

std::variant<json, api_error::ApiError> GenerationJob::collect() {
  for (auto& ev : head) {
    m_acc.feed(std::move(ev));
  }
  head.clear();
  while (auto ev = stream->next()) {
    m_acc.feed(std::move(*ev));
  }
  if (stream->error() && !m_acc.succeeded()) {
    return *stream->error();
  }
  return m_acc.take();
}

void GenerationJob::record(const json& response) {
  // Only a Responses client can name this response again (previous_response_id, or its
  // conversation); a chat client never sees the upstream's resp_ id.
  if (m_dialect->records()) {
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

std::string GenerationJob::translate(sse::Event&& raw) {
  // An event the translator ignores or passes through by its type is not parsed for it; the
  // accumulator of a stored response then parses only what that response needs.
  if (auto out = m_translator->feed_unparsed(raw)) {
    if (m_dialect->records()) {
      m_acc.feed(std::move(raw));
    }
    return std::move(*out);
  }
  auto ev = dialect::UpstreamEvent(std::move(raw));
  std::string out = m_translator->feed(ev);
  note_terminal(ev);
  if (m_dialect->records()) {
    m_acc.feed(std::move(ev)); // last: it takes the tree
  }
  return out;
}

// Usage and ids come from the terminal event; nothing else is rebuilt for them.
void GenerationJob::note_terminal(const dialect::UpstreamEvent& event) {
  if (!event.success() || !event.data.is_object() || m_terminal) {
    return;
  }
  auto r = event.data.find("response");
  m_terminal = r != event.data.end() && r->is_object() ? *r : json::object();
}

bool GenerationJob::finish_stream(const char* outcome) {
  (*m_annotations)["stream_outcome"] = outcome;
  if (!m_dialect->records() && m_terminal) {
    record(*m_terminal);
  } else if (m_acc.succeeded()) {
    auto final_response = m_acc.take();
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
    if (!m_translator->done()) { // never an error after a terminal event or [DONE]
      sink.write(m_translator->fail(
          api_error::make(500, "Internal error while writing the stream; it was ended.",
                          std::string("internal_error"))));
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
  for (auto& ev : head) {
    out += translate(std::move(ev));
  }
  head.clear();
  while (!m_translator->done()) {
    if (!stream->next_is_ready() && !flush()) {
      return finish_stream("client_gone");
    }
    auto ev = stream->next();
    if (!ev) {
      break;
    }
    out += translate(std::move(*ev));
  }
  if (stream->aborted() && !m_state.stopping.load()) {
    return finish_stream("client_gone");
  }
  if (!m_translator->done()) { // the finish or in-band error goes with the last events
    const auto& failure = stream->error();
    out += failure ? m_translator->fail(*failure) : m_translator->finish();
  }
  if (!flush()) {
    return finish_stream("client_gone");
  }
  return finish_stream(m_translator->succeeded() ? "completed" : "failed");
}

} // namespace airelays::server
