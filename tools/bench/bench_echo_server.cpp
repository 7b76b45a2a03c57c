// bench_echo_server: the baseline of bench_load. A bare Beast WebSocket server with the real
// server's network shape (an acceptor on a strand, a strand and TCP_NODELAY per connection, an
// HTTP read then the upgrade, one read at a time, a write queue with one write in flight) that
// parses every text frame with Boost.JSON and answers {"id": ID, "ok": true, "result": R,
// "seq": N} with the frame's id, a counter for seq and R of the shape and size the real server
// answers the frame's op with: settings.update {"settings": {...all 26 keys...}}; orders.create
// {"order": {...one line...}}; pool.claim {"lead": {...}} for the frame's lead_id; any other op
// the settings. It does no authentication, no engine hand-off, no journal: the difference to the
// real server's rate is what those cost.
//
//   bench_echo_server [--listen 127.0.0.1:0] [--io-threads 1]
// prints "bench_echo_server listening on http://HOST:PORT" when ready; SIGINT/SIGTERM stop it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench/bench_common.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr std::size_t frame_bytes_max = 1024 * 1024;   // as app/services.hpp
constexpr std::size_t write_queue_max = 4096;          // as app/services.hpp

std::atomic<std::int64_t> next_seq{0};

// The settings object the real server renders for settings.update (PROTOCOL.md defaults).
json::object settings_result() {
  json::object s;
  s["pool.enabled"] = false;
  s["pool.float_after_minutes"] = 1440;
  s["pool.float_all"] = false;
  s["pool.mask_phone"] = true;
  s["pool.allow_reveal"] = true;
  s["pool.reveal_cooldown_s"] = 30;
  s["pool.reveal_ttl_s"] = 60;
  s["pool.batch_size"] = 50;
  s["pool.batch_window_s"] = 60;
  s["pool.daily_claim_limit"] = 0;
  s["pool.max_held_per_sale"] = 0;
  s["pool.reclaim_cooldown_minutes"] = 0;
  s["inbox.page_permissions"] = false;
  s["inbox.visibility"] = "all";
  s["inbox.auto_assign"] = false;
  s["inbox.auto_reassign"] = false;
  s["inbox.max_open_per_agent"] = 0;
  s["inbox.reply_timeout_s"] = 0;
  s["orders.default_source"] = nullptr;
  s["orders.lock_source"] = false;
  s["orders.auto_draft"] = false;
  s["orders.auto_distribute"] = false;
  s["phone.country"] = "VN";
  s["session.idle_minutes"] = 720;
  s["session.lifetime_days"] = 30;
  s["unit.utc_offset_minutes"] = 420;
  return s;
}

// The real server's reply to orders.create for a --demo catalog line (app/protocol_commerce.cpp
// order_json), with the frame's phone and name.
json::object order_result(std::int64_t seq, const json::object& args) {
  const json::value* phone = args.if_contains("phone");
  const json::value* name = args.if_contains("name");
  const std::string now = "2026-11-23T18:52:35.887Z";
  json::object line{{"kind", "product"}, {"sku", "TRA-XANH"}, {"name", "Trà xanh Thái Nguyên 100g"}, {"qty", 1},
                    {"price", 85000}, {"discount_amount", 0}, {"total", 85000}};
  json::object order{{"id", seq},
                     {"number", "ORD-" + std::to_string(1'000'000 + seq).substr(1)},
                     {"status", "new"},
                     {"total", 85000},
                     {"phone", phone ? *phone : json::value("")},
                     {"name", name ? *name : json::value("")},
                     {"address", ""},
                     {"source", nullptr},
                     {"warehouse", nullptr},
                     {"note", ""},
                     {"customer_id", 3},
                     {"created_by", 1},
                     {"assignee_id", nullptr},
                     {"lead_id", nullptr},
                     {"conversation_id", nullptr},
                     {"created_at", now},
                     {"updated_at", now},
                     {"lines", json::array{std::move(line)}}};
  return json::object{{"order", std::move(order)}};
}

// The real server's reply to pool.claim (app/protocol_pool.cpp lead_json) for the frame's lead.
json::object lead_result(const json::object& args) {
  const json::value* id = args.if_contains("lead_id");
  const std::int64_t lead = id && id->is_int64() ? id->as_int64() : 0;
  char phone[16];
  std::snprintf(phone, sizeof phone, "09%lld%07lld", static_cast<long long>((lead / 10'000'000) % 9),
                static_cast<long long>(lead % 10'000'000));
  return json::object{{"lead", json::object{{"id", lead},
                                            {"phone", phone},
                                            {"name", "Bench Lead " + std::to_string(lead)},
                                            {"source", "bench"},
                                            {"product", ""},
                                            {"status", "new"},
                                            {"owner_id", 2},
                                            {"last_action_at", "2026-11-23T18:52:02.297Z"},
                                            {"in_pool", false},
                                            {"entered_pool_at", nullptr}}}};
}

const json::object& settings_template() {
  static const json::object s = settings_result();
  return s;
}

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  explicit WsSession(beast::tcp_stream&& stream) : ws_(std::move(stream)) {}

  void run(http::request<http::string_body> req) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(frame_bytes_max);
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec) {
    if (!ec) do_read();
  }
  void do_read() { ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this())); }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return;
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle(text);
    do_read();
  }

  void handle(const std::string& text) {
    boost::system::error_code ec;
    json::value frame = json::parse(text, ec);
    json::object reply;
    if (ec || !frame.is_object() || !frame.get_object().contains("op")) {
      reply = json::object{{"id", nullptr},
                           {"ok", false},
                           {"error", json::object{{"code", "bad_request"}, {"message", "not a request"}}}};
    } else {
      const json::object& o = frame.get_object();
      const std::int64_t seq = next_seq.fetch_add(1, std::memory_order_relaxed) + 1;
      const json::value* op = o.if_contains("op");
      const json::value* args_value = o.if_contains("args");
      static const json::object no_args;
      const json::object& args = args_value && args_value->is_object() ? args_value->get_object() : no_args;
      reply = json::object{{"id", o.contains("id") ? o.at("id") : json::value(nullptr)}, {"ok", true}};
      if (op && op->is_string() && op->get_string() == "pool.claim") {
        reply["result"] = lead_result(args);
      } else if (op && op->is_string() && op->get_string() == "orders.create") {
        reply["result"] = order_result(seq, args);
      } else {
        reply["result"] = json::object{{"settings", settings_template()}};
      }
      reply["seq"] = seq;
    }
    queue(std::make_shared<const std::string>(json::serialize(reply)));
  }

  void queue(std::shared_ptr<const std::string> frame) {
    if (queue_.size() >= write_queue_max) {
      beast::get_lowest_layer(ws_).close();
      return;
    }
    queue_.push_back(std::move(frame));
    if (queue_.size() > 1) return;
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front()), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    queue_.pop_front();
    if (queue_.empty()) return;
    ws_.async_write(asio::buffer(*queue_.front()), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  explicit HttpSession(tcp::socket&& socket) : stream_(std::move(socket)) {}
  void run() {
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, req_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

 private:
  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return;
    if (websocket::is_upgrade(req_)) {
      stream_.expires_never();
      std::make_shared<WsSession>(std::move(stream_))->run(std::move(req_));
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(http::status::not_found, req_.version());
    res->set(http::field::content_type, "application/json");
    res->body() = R"({"error":{"code":"not_found","message":"bench_echo_server only speaks WebSocket"}})";
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, const tcp::endpoint& endpoint) : ioc_(ioc), acceptor_(asio::make_strand(ioc)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  void run() { do_accept(); }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<HttpSession>(std::move(socket))->run();
    }
    do_accept();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  salesdesk::bench::Flags flags(argc, argv, "usage: bench_echo_server [--listen 127.0.0.1:0] [--io-threads 1]");
  const std::string listen = flags.text("listen", "127.0.0.1:0");
  const int threads = static_cast<int>(flags.integer("io-threads", 1));
  flags.done();
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || threads < 1) flags.fail("--listen wants HOST:PORT");
  const std::string host = listen.substr(0, colon);
  const auto port = static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)));
  boost::system::error_code address_ec;
  if (!asio::ip::make_address(host, address_ec).is_loopback() || address_ec) {
    flags.fail("--listen must be a loopback address (127.0.0.1)");
  }

  try {
    asio::io_context ioc{threads};
    auto listener = std::make_shared<Listener>(ioc, tcp::endpoint{asio::ip::make_address(host), port});
    listener->run();
    std::cout << "bench_echo_server listening on http://" << host << ":" << listener->port() << std::endl;
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    std::cout << "bench_echo_server: answered " << next_seq.load() << " frames" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "bench_echo_server: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
