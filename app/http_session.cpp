#include "app/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "app/protocol.hpp"
#include "app/websocket_session.hpp"

namespace salesdesk::app {
namespace {

constexpr std::chrono::seconds http_timeout{30};
constexpr std::string_view cookie_name = "sd_session";

std::string_view content_type(std::string_view path) {
  const auto dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

constexpr const char* web_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "media-src 'self' https:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

Response static_file(const Services& services, const http::request<http::string_body>& req) {
  std::string target(req.target().substr(0, req.target().find('?')));
  if (target.find("..") != std::string::npos || target.find('\\') != std::string::npos ||
      target.empty() || target[0] != '/') {
    return error_response(req.version(), req.keep_alive(), http::status::bad_request,
                          "bad_request", "bad path");
  }
  if (target.back() == '/') target += "index.html";
  const std::string path = services.web_root + target;
  auto body = read_file(path);
  if (!body) {
    return error_response(req.version(), req.keep_alive(), http::status::not_found, "not_found",
                          "no such page");
  }
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, content_type(path));
  res.set(http::field::cache_control, "no-cache");
  // The UI runs only its own scripts and styles; customers' images may come from anywhere
  // over https (their attachments), and nothing may frame it.
  res.set("Content-Security-Policy", web_policy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "same-origin");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(*body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();
  return res;
}

std::string_view host_of_origin(std::string_view origin) {
  const auto scheme = origin.find("://");
  return scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
}

}  // namespace

std::string cookie_value(std::string_view header, std::string_view name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return {};
}

Response json_response(unsigned version, bool keep_alive, http::status status,
                       const std::string& body) {
  Response res{status, version};
  res.set(http::field::server, "salesdesk");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = body;
  res.prepare_payload();
  return res;
}

Response error_response(unsigned version, bool keep_alive, http::status status,
                        std::string_view code, std::string_view message) {
  return json_response(version, keep_alive, status,
                       json::serialize(json::object{
                           {"error", json::object{{"code", code}, {"message", message}}}}));
}

std::string request_token(const http::request<http::string_body>& request) {
  const auto auth = request[http::field::authorization];
  constexpr std::string_view bearer = "Bearer ";
  if (auth.size() > bearer.size() && auth.substr(0, bearer.size()) == bearer) {
    return std::string(auth.substr(bearer.size()));
  }
  return cookie_value(request[http::field::cookie], cookie_name);
}

bool same_origin(const http::request<http::string_body>& request) {
  const auto origin = request[http::field::origin];
  if (origin.empty()) return true;  // not a browser: bearer tokens are not sent by pages
  return host_of_origin(origin) == request[http::field::host];
}

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, Services& services,
                         ConnectionGate::Ticket ticket)
    : stream_(std::move(socket)), services_(services), address_(ticket.address()),
      ticket_(std::move(ticket)) {}

void HttpSession::run() {
  boost::asio::dispatch(stream_.get_executor(),
                        beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

// The headers first: an upload (POST /api/files) gets its larger body limit only once its
// caller is known; every other request reads its body at once, up to 1 MiB.
void HttpSession::do_read() {
  parser_.emplace();
  // (Beast checks a Content-Length against the limit with the headers: the larger one here,
  // the right one once the target is known.)
  parser_->body_limit(upload_body_bytes_max);
  parser_->header_limit(http_header_bytes_max);
  stream_.expires_after(http_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

void HttpSession::on_header(beast::error_code ec, std::size_t) {
  if (read_failed(ec)) return;
  const auto& req = parser_->get();
  const std::string_view target = req.target().substr(0, req.target().find('?'));
  if (target == "/api/files" && req.method() == http::verb::post) return begin_upload();
  const auto length = parser_->content_length();
  if (length && *length > http_body_bytes_max) {
    return void(read_failed(http::error::body_limit));
  }
  parser_->body_limit(http_body_bytes_max);
  read_body();
}

void HttpSession::read_body() {
  stream_.expires_after(http_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (read_failed(ec)) return;
  route(parser_->release());
}

bool HttpSession::read_failed(beast::error_code ec) {
  if (!ec) return false;
  if (ec == http::error::body_limit) {
    const auto& req = parser_->get();
    const bool upload = upload_.has_value() ||
                        req.target().substr(0, req.target().find('?')) == "/api/files";
    upload_.reset();
    send(error_response(11, false, http::status::payload_too_large, "too_large",
                        upload ? "a file has at most 25 MiB" : "the body is larger than 1 MiB"));
    return true;
  }
  upload_.reset();
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == boost::asio::error::operation_aborted || ec == boost::asio::error::connection_reset) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return true;
  }
  refuse_malformed(ec);
  return true;
}

// A request Beast could not parse is answered, not dropped: 431 for headers over the limit,
// 400 for anything else (a bad request line, an unsupported version, two Content-Lengths).
void HttpSession::refuse_malformed(beast::error_code ec) {
  if (ec == http::error::header_limit) {
    return send(error_response(11, false, http::status::request_header_fields_too_large,
                               "too_large", "the request headers are larger than 8 KiB"));
  }
  const bool parse_error =
      ec.category() == beast::error_code(http::error::bad_version).category() &&
      ec != http::error::partial_message && ec != http::error::short_read;
  if (!parse_error) {  // the client went away or the network failed: nobody to answer
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  send(error_response(11, false, http::status::bad_request, "bad_request",
                      "malformed HTTP request: " + ec.message()));
}

void HttpSession::route(http::request<http::string_body>&& req) {
  const std::string_view target = req.target().substr(0, req.target().find('?'));
  const auto method = req.method();
  if (target == "/ws") return upgrade(std::move(req));
  if (target == "/api/login" && method == http::verb::post) return login(req);
  if (target == "/api/logout" && method == http::verb::post) return logout(req);
  if (target == "/api/session" && method == http::verb::get) return session_status(req);
  if (target == "/healthz" && method == http::verb::get) {
    return send(json_response(
        req.version(), req.keep_alive(), http::status::ok,
        json::serialize(json::object{{"ok", true}, {"seq", services_.engine.head()}})));
  }
  if (target == "/metrics" && method == http::verb::get) return metrics(req);
  if (target == "/test/clock" && method == http::verb::post && services_.test_clock != nullptr) {
    return advance_clock(req);
  }
  if (target == "/api/files" && method == http::verb::post) return upload_file(req);
  constexpr std::string_view files = "/files/";
  if (target.rfind(files, 0) == 0 && method == http::verb::get) {
    return serve_file(req, target.substr(files.size()));
  }
  constexpr std::string_view api_hook = "/webhooks/api/";
  if (target.rfind(api_hook, 0) == 0 && method == http::verb::post) {
    return api_webhook(req, target.substr(api_hook.size()));
  }
  if (target.rfind("/api/", 0) == 0 || target.rfind("/webhooks/", 0) == 0) {
    return send(error_response(req.version(), req.keep_alive(), http::status::not_found,
                               "not_found", "no such route"));
  }
  if (method == http::verb::get || method == http::verb::head) {
    return send(static_file(services_, req));
  }
  send(error_response(req.version(), req.keep_alive(), http::status::method_not_allowed,
                      "bad_request", "method not allowed"));
}

// Whether the client is on this machine (a local proxy, Prometheus, a test).
bool HttpSession::from_loopback() const {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(address_, ec);
  return !ec && address.is_loopback();
}

// Over TLS the cookie must be Secure. The server itself speaks plain HTTP, so that is either
// --secure-cookie or a TLS proxy on this machine saying X-Forwarded-Proto: https (a header
// from anyone else is not believed).
bool HttpSession::secure_request(const http::request<http::string_body>& req) const {
  if (services_.secure_cookie) return true;
  return from_loopback() && beast::iequals(req["X-Forwarded-Proto"], "https");
}

// /metrics tells how busy the server is and who is connected: loopback clients only (a local
// Prometheus), unless --metrics-token is set, then whoever sends it as a bearer token.
void HttpSession::metrics(const http::request<http::string_body>& req) {
  const bool allowed = services_.metrics_token.empty()
                           ? from_loopback()
                           : request_token(req) == services_.metrics_token;
  if (!allowed) {
    return send(error_response(req.version(), req.keep_alive(), http::status::forbidden,
                               "forbidden", "metrics are served to loopback or with the token"));
  }
  services_.metrics.staged_import_bytes = services_.staging.bytes();
  Response res = json_response(req.version(), req.keep_alive(), http::status::ok,
                               services_.metrics.render());
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  send(std::move(res));
}

// POST /test/clock {"advance_ms":N} (a server started with --test-clock, loopback clients only):
// moves the engine's time forward by N ms, runs its timers at once, and answers once their
// batch is committed and its pushes handed to the connections: {"now":ms,"seq":head}.
void HttpSession::advance_clock(const http::request<http::string_body>& req) {
  if (!from_loopback()) {
    return send(error_response(req.version(), req.keep_alive(), http::status::forbidden,
                               "forbidden", "the test clock answers loopback clients only"));
  }
  boost::system::error_code ec;
  const json::value body = json::parse(req.body(), ec);
  const json::value* step =
      body.is_object() ? body.get_object().if_contains("advance_ms") : nullptr;
  if (step == nullptr || !step->is_int64() || step->get_int64() < 0 ||
      step->get_int64() > test_clock_step_ms_max) {
    return send(error_response(
        req.version(), req.keep_alive(), http::status::bad_request, "bad_request",
        "advance_ms must be a whole number from 0 to " + std::to_string(test_clock_step_ms_max)));
  }
  services_.test_clock->advance(step->get_int64());
  auto self = shared_from_this();
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto done = [self, version, keep_alive](Outcome outcome) {
    boost::asio::post(self->stream_.get_executor(), [self, version, keep_alive, outcome] {
      const json::object answer{{"now", self->services_.test_clock->now()}, {"seq", outcome.seq}};
      self->send(json_response(version, keep_alive, http::status::ok, json::serialize(answer)));
    });
  };
  try {
    services_.engine.run_timers(done);
  } catch (const std::logic_error&) {
    send(error_response(version, false, http::status::service_unavailable, "internal",
                        "the server is stopping"));
  }
}

void HttpSession::upgrade(http::request<http::string_body>&& req) {
  if (!beast::websocket::is_upgrade(req)) {
    return send(error_response(req.version(), req.keep_alive(), http::status::bad_request,
                               "bad_request", "expected a WebSocket upgrade"));
  }
  if (!same_origin(req)) {
    return send(error_response(req.version(), false, http::status::forbidden, "forbidden",
                               "cross-origin WebSocket upgrade refused"));
  }
  const std::string digest = token_digest(request_token(req));
  auto request = std::make_shared<http::request<http::string_body>>(std::move(req));
  ask<core::UserId>(
      [digest](const core::State& s) {
        const core::User* u = core::session_user(s, digest);
        return u == nullptr ? core::UserId{0} : u->id;
      },
      [self = shared_from_this(), digest, request](std::optional<core::UserId> found) {
        const core::UserId user = found.value_or(0);
        if (user == 0) {
          return self->send(error_response(request->version(), false, http::status::unauthorized,
                                           "unauthorized", "log in first"));
        }
        std::make_shared<WebSocketSession>(std::move(self->stream_), self->services_,
                                           Caller{user, digest, &self->services_.lookups,
                                                  &self->services_.staging,
                                                  self->services_.reader},
                                           std::move(self->ticket_))
            ->run(std::move(*request));
      });
}

// Whether the request's token or cookie names a live session: how the web UI knows, without an
// error in the browser's console, whether to show the login or open the socket.
void HttpSession::session_status(const http::request<http::string_body>& req) {
  const std::string digest = token_digest(request_token(req));
  ask<bool>([digest](const core::State& s) { return core::session_user(s, digest) != nullptr; },
            [self = shared_from_this(), version = req.version(),
             keep = req.keep_alive()](std::optional<bool> signed_in) {
              if (!signed_in) {
                return self->send(error_response(version, keep,
                                                 http::status::service_unavailable,
                                                 "rate_limited", "the server is busy"));
              }
              self->send(json_response(version, keep, http::status::ok,
                                       json::serialize(json::object{{"signed_in", *signed_in}})));
            });
}

void HttpSession::send(Response response) {
  const bool keep_alive = response.keep_alive();
  auto shared = std::make_shared<Response>(std::move(response));
  http::async_write(
      stream_, *shared,
      [self = shared_from_this(), shared, keep_alive](beast::error_code ec, std::size_t n) {
        self->on_write(keep_alive, ec, n);
      });
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) return;
  if (!keep_alive) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  do_read();
}

}  // namespace salesdesk::app
