// One HTTP connection: reads requests with a 1 MiB body limit, answers the routes of
// PROTOCOL.md section 2, and hands a /ws upgrade to a WebSocketSession once the caller's
// session is known.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "app/services.hpp"

namespace salesdesk::app {

namespace beast = boost::beast;
namespace http = beast::http;

using Response = http::response<http::string_body>;

// One upload in flight, counted while it lasts (Services::uploads_in_flight).
class UploadTicket {
 public:
  explicit UploadTicket(std::atomic<int>* count) : count_(count) {}
  UploadTicket(const UploadTicket&) = delete;
  UploadTicket& operator=(const UploadTicket&) = delete;
  ~UploadTicket();

 private:
  std::atomic<int>* count_;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, Services& services,
              ConnectionGate::Ticket ticket);
  void run();

 private:
  void do_read();
  void on_header(beast::error_code ec, std::size_t bytes);
  void read_body();
  void on_read(beast::error_code ec, std::size_t bytes);
  // Whether a failed read was answered or the connection closed (true), or there is none.
  bool read_failed(beast::error_code ec);
  void route(http::request<http::string_body>&& request);
  void upgrade(http::request<http::string_body>&& request);
  void login(const http::request<http::string_body>& request);
  void logout(const http::request<http::string_body>& request);
  // How to answer a request whose answer comes later.
  struct Reply {
    unsigned version;
    bool keep_alive;
    bool secure;  // the session cookie gets the Secure attribute
  };
  bool from_loopback() const;
  bool secure_request(const http::request<http::string_body>& request) const;
  void start_session(const std::string& username, core::UserId id, bool good, Reply reply);
  void metrics(const http::request<http::string_body>& request);
  // POST /webhooks/api/{page_id} (app/http_webhooks.cpp).
  void api_webhook(const http::request<http::string_body>& request, std::string_view page);
  void session_status(const http::request<http::string_body>& request);
  // A delivery whose signature `secret` verified: parsed (400), then the command, taken only
  // if the page still has that secret when it is decided.
  void accept(core::PageId page, const std::string& body, std::string secret, unsigned version,
              bool keep_alive);
  void alarm_signature(core::PageId page, bool missing);
  void advance_clock(const http::request<http::string_body>& request);
  // POST /api/files and GET /files/{sha256} (app/http_files.cpp).
  void begin_upload();
  void upload_file(const http::request<http::string_body>& request);
  void serve_file(const http::request<http::string_body>& request, std::string_view sha256);
  void send_file(http::response<http::file_body> response);
  void refuse_malformed(beast::error_code ec);
  void send(Response response);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
  // Reads a T from the committed state (on the engine thread) and continues with it on this
  // connection's strand; nullopt when the engine is too busy to ask or the read failed.
  template <class T, class Read>
  void ask(Read read, std::function<void(std::optional<T>)> then) {
    auto self = shared_from_this();
    auto answered = [self, then](std::optional<T> value) mutable {
      boost::asio::post(self->stream_.get_executor(),
                        [then = std::move(then), value = std::move(value)]() mutable {
                          then(std::move(value));
                        });
    };
    if (!services_.engine.submit(read_state<T>(std::move(read), std::move(answered)))) {
      then(std::nullopt);
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Services& services_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string address_;
  ConnectionGate::Ticket ticket_;  // handed on to the WebSocketSession on upgrade
  std::optional<UploadTicket> upload_;  // while an upload is read and stored
  core::UserId upload_user_ = 0;        // who is uploading (checked before the body is read)
};

// The body of POST /api/login, or nullopt when it is not {"username":string,"password":string}.
struct Credentials {
  std::string username;
  std::string password;
};
std::optional<Credentials> parse_credentials(std::string_view body);

// Helpers shared by the routes (and later by webhooks).
Response json_response(unsigned version, bool keep_alive, http::status status,
                       const std::string& body);
Response error_response(unsigned version, bool keep_alive, http::status status,
                        std::string_view code, std::string_view message);
// The bearer token of a request: "Authorization: Bearer T", else the sd_session cookie.
std::string request_token(const http::request<http::string_body>& request);
// The value of cookie `name` in a Cookie header, or "".
std::string cookie_value(std::string_view header, std::string_view name);
// A browser's upgrade must come from the page's own origin.
bool same_origin(const http::request<http::string_body>& request);

}  // namespace salesdesk::app
