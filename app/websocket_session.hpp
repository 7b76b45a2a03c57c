// One WebSocket connection (the CppCon 2018 chat server's shape): it keeps itself alive with
// shared_from_this, joins the hub on accept and leaves in its destructor, reads one frame at a
// time, and writes from a bounded queue with one write in flight. Under the WebSocket stream a
// CoalescingStream gathers the frames queued together (the replies and pushes of one engine
// batch) into one socket write. A client that cannot keep up (too many bytes waiting for its
// socket) is disconnected rather than allowed to grow memory.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/value.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "app/coalescing_stream.hpp"
#include "app/hub.hpp"
#include "app/protocol.hpp"
#include "app/services.hpp"

namespace salesdesk::app {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

class WebSocketSession : public Subscriber, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(beast::tcp_stream&& stream, Services& services, Caller caller,
                   ConnectionGate::Ticket ticket);
  ~WebSocketSession() override;

  void run(http::request<http::string_body> request);
  void send(Frames frames) override;
  void end(std::string reason) override;

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle(std::string_view text);
  void dispatch(const json::value& id, const Op& op, json::object args, std::string key);
  void check_session();
  void authorize_then_hash(const json::value& id, const Op& op, json::object args,
                           std::string key);
  void hash_and_submit(const json::value& id, const Op& op, json::object args, std::string key);
  void prepare_and_submit(const json::value& id, const Op& op, const json::object& args,
                          std::string key);
  struct Answer {
    json::value id;
    bool slow = false;
    Outcome outcome;
  };
  using Arrival = std::variant<Answer, Frames>;
  void arrived(Arrival arrival);  // any thread
  void write_arrivals();
  void topics(const json::value& id, std::string_view op, const json::object& args);
  void reply(const json::value& id, Outcome outcome);
  void reply_error(const json::value& id, core::Error error);
  void queue(std::shared_ptr<const std::string> frame);
  void write_front();
  void on_write(beast::error_code ec, std::size_t bytes);
  void do_close();

  websocket::stream<CoalescingStream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  Services& services_;
  Caller caller_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::mutex arrivals_mutex_;
  std::vector<Arrival> arrivals_;  // not yet queued for writing (under arrivals_mutex_)
  bool arrivals_posted_ = false;   // a write_arrivals is on its way (under arrivals_mutex_)
  std::size_t queued_bytes_ = 0;  // of the frames in queue_
  std::size_t in_flight_ = 0;
  std::size_t hashes_in_flight_ = 0;
  ConnectionGate::Ticket ticket_;
  bool joined_ = false;
  bool closing_ = false;
  std::string close_reason_;
};

}  // namespace salesdesk::app
