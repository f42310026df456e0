// The browser flow's loopback callback listener (see oauth_login.hpp): binds
// 127.0.0.1:<callback_port> (port 0 = any, for tests) and the same port on ::1 when it can, checks
// `state`, exchanges the code while the browser waits, and answers with a success or an error page;
// /cancel ends the login. One of the two places httplib is used (the other is the server wiring),
// so it is part of the HTTP module (include/httpd/airelays/httpd.hpp), not of the services layer.
#include "login_head_gate.hpp"
#include "oauth_login_browser.hpp"

#include <airelays/oauth_login.hpp>
#include <airelays/text.hpp>

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace airelays::oauth_login {

namespace {

std::string page(const std::string& title, const std::string& heading, const std::string& text) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title +
         "</title></head><body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\">"
         "<h1 id=\"result\">" +
         heading + "</h1><p id=\"detail\">" + text::html_escape(text) + "</p></body></html>";
}

void send_page(httplib::Response& res, int status, const std::string& html) {
  res.status = status;
  res.set_header("Connection", "close");
  res.set_header("Cache-Control", "no-store");
  res.set_content(html, "text/html; charset=utf-8");
}

std::string error_page(const std::string& code, const std::string& message) {
  return page("airelays sign-in error", "Sign-in failed",
              message + " (" + code + ") Return to the terminal for details.");
}

// The user-facing error for ?error=E&error_description=D.
std::string callback_error(const std::string& error, const std::string& description) {
  if (error == "access_denied" &&
      description.find("missing_codex_entitlement") != std::string::npos) {
    return "Codex is not enabled for your ChatGPT workspace (missing entitlement). Contact your "
           "workspace administrator, or sign in with another account.";
  }
  return "Login failed: " + error + (description.empty() ? "" : ": " + description);
}

// The listeners' socket options: SO_REUSEADDR only. httplib's default, SO_REUSEPORT, would let
// two logins share the port silently; SO_REUSEADDR still fails when anyone listens there, yet
// binds over connections a previous login left in TIME_WAIT (which carry these options too).
void reuse_address_only(int fd) {
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

class CallbackListener final : public BrowserLogin {
  // A few local connections that trickle their request head must not keep the browser's
  // callback waiting (issue 14): heads wait in the gate, not in a worker, and one not whole
  // within the relay's head deadline is closed; a peer silent for the read timeout is dropped.
  static constexpr size_t k_listener_threads = 64;
  static constexpr std::chrono::seconds k_head_deadline{10};
  static constexpr std::chrono::seconds k_read_timeout{2};

public:
  explicit CallbackListener(Settings s) : m_settings(std::move(s)), m_pkce(make_pkce()) {}

  ~CallbackListener() override { shutdown(); }

  Status bind() {
    int port = m_settings.callback_port;
    m_server.set_socket_options(reuse_address_only);
    m_server6.set_socket_options(reuse_address_only);
    bool ok = port == 0 ? (port = m_server.bind_to_any_port("127.0.0.1")) > 0
                        : m_server.bind_to_port("127.0.0.1", port);
    if (!ok) {
      return make_error(
          "airelays could not bind localhost:" + std::to_string(m_settings.callback_port) +
          " for browser login. Another login flow may already be using that port. "
          "Retry later or use `airelays login --device`.");
    }
    m_redirect = "http://localhost:" + std::to_string(port) + "/auth/callback";
    m_url = authorize_url(m_settings, m_pkce, m_redirect);
    routes(m_server);
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    // ::1 as well, best effort (no IPv6, or ::1 held by another program: IPv4 only), because
    // some browsers resolve `localhost` to ::1 first.
    if (m_server6.bind_to_port("::1", port)) {
      routes(m_server6);
      m_thread6 = std::thread([this] { m_server6.listen_after_bind(); });
    }
    return ok_status();
  }

  const std::string& url() const override { return m_url; }
  const std::string& redirect_uri() const override { return m_redirect; }

  Result<Tokens> wait(const CancelFlag& cancel, const Notify& notify) override {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(m_settings.timeout_seconds);
    std::unique_lock lock(m_mutex);
    while (!m_result) {
      flush_notices(lock, notify);
      if (cancel.load()) {
        return make_error("Login cancelled.", ExitCode::aborted);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return make_error(
            "Browser login did not complete within " +
            std::to_string(std::max(1, m_settings.timeout_seconds / 60)) +
            " minute(s). Run `airelays login` again, or use `airelays login --device`.");
      }
      m_cv.wait_for(lock, std::chrono::milliseconds(100));
    }
    flush_notices(lock, notify);
    auto result = std::move(*m_result);
    lock.unlock();
    shutdown(); // answers already written: stop() lets in-flight handlers finish
    return result;
  }

private:
  void flush_notices(std::unique_lock<std::mutex>& lock, const Notify& notify) {
    auto notices = std::move(m_notices);
    m_notices.clear();
    lock.unlock();
    for (const auto& n : notices) {
      if (notify) {
        notify(n);
      }
    }
    lock.lock();
  }

  void shutdown() {
    if (m_thread.joinable()) {
      m_server.stop();
      m_thread.join();
    }
    if (m_thread6.joinable()) {
      m_server6.stop();
      m_thread6.join();
    }
    m_server.stop_gate();
    m_server6.stop_gate();
  }

  void finish(Result<Tokens> r) {
    std::lock_guard lock(m_mutex);
    if (!m_result) {
      m_result.emplace(std::move(r));
    }
    m_cv.notify_all();
  }

  // True for the first callback only (check and claim at once): two callbacks arriving
  // together must not both exchange the single-use code.
  bool claim() {
    std::lock_guard lock(m_mutex);
    bool first = !m_result.has_value() && !m_exchanging;
    m_exchanging = true;
    return first;
  }

  void notice(std::string text) {
    std::lock_guard lock(m_mutex);
    m_notices.push_back(std::move(text));
    m_cv.notify_all();
  }

  void routes(detail::GatedServer& server) {
    server.Get("/auth/callback", [this](const httplib::Request& req, httplib::Response& res) {
      on_callback(req, res);
    });
    server.Get("/cancel", [this](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Connection", "close");
      if (req.get_param_value("state") != m_pkce.state) { // a web page cannot end the login
        res.status = 400;
        res.set_content("State mismatch", "text/plain; charset=utf-8");
        return;
      }
      res.set_content("Login cancelled", "text/plain; charset=utf-8");
      finish(make_error("Login cancelled (the login listener was asked to stop)."));
    });
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) {
        res.set_content(res.status == 404 ? "Not Found" : "Error", "text/plain; charset=UTF-8");
      }
    });
  }

  void on_callback(const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("state") != m_pkce.state) {
      res.status = 400;
      res.set_content("State mismatch", "text/plain; charset=utf-8");
      notice("Ignored a sign-in callback whose state does not match this login (an old or "
             "foreign sign-in tab?). Still waiting; open the URL printed above.");
      return;
    }
    if (!claim()) {
      send_page(res, 200, page("airelays", "Sign-in already handled", "Return to the terminal."));
      return;
    }
    if (req.has_param("error")) {
      std::string message =
          callback_error(req.get_param_value("error"), req.get_param_value("error_description"));
      send_page(res, 200, error_page(req.get_param_value("error"), message));
      finish(make_error(message));
      return;
    }
    std::string code = req.get_param_value("code");
    if (code.empty()) {
      std::string message = "Missing authorization code. Sign-in could not be completed.";
      send_page(res, 200, error_page("missing_authorization_code", message));
      finish(make_error(message));
      return;
    }
    exchange(code, res);
  }

  void exchange(const std::string& code, httplib::Response& res) {
    {
      std::lock_guard lock(m_mutex);
      m_exchanging = true;
    }
    auto tokens = exchange_code(m_settings, code, m_redirect, m_pkce.verifier);
    if (tokens) {
      auto ws = check_workspace(m_settings, *tokens);
      if (!ws) {
        tokens = ws.error();
      }
    }
    if (!tokens) {
      send_page(res, 200, error_page("token_exchange_failed", tokens.error().message));
    } else {
      send_page(res, 200,
                page("Signed in to airelays", "Signed in to airelays",
                     "You may now close this page and return to the terminal."));
    }
    finish(std::move(tokens));
  }

  Settings m_settings;
  Pkce m_pkce;
  std::string m_redirect;
  std::string m_url;
  detail::GatedServer m_server{k_listener_threads, k_head_deadline, k_read_timeout};  // 127.0.0.1
  detail::GatedServer m_server6{k_listener_threads, k_head_deadline, k_read_timeout}; // ::1
  std::thread m_thread;
  std::thread m_thread6;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::optional<Result<Tokens>> m_result;
  std::vector<std::string> m_notices;
  bool m_exchanging = false;
};

} // namespace

Result<std::unique_ptr<BrowserLogin>> start_browser_login(const Settings& s) {
  auto listener = std::make_unique<CallbackListener>(s);
  auto bound = listener->bind();
  if (!bound) {
    return bound.error();
  }
  return std::unique_ptr<BrowserLogin>(std::move(listener));
}

} // namespace airelays::oauth_login
