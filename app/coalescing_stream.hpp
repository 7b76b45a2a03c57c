// A stream layer under the WebSocket stream that sends many frames in one socket write. A write
// to it copies the bytes into a buffer and completes at once (posted, never inline); the buffer
// goes out in one write when the owner releases its hold, or at once when nothing holds it. Bytes
// written while a socket write is in flight go out in the next one, in order. So the replies and
// pushes a connection gets from one engine batch cost one sendmsg, not one per frame.
//
// Every write, including Beast's own control frames (pong, close), passes through the buffer, so
// at most one socket write is ever in flight. A socket error ends every later write with that
// error. The owner (the session) gives it a weak pointer to itself: a socket write in flight
// keeps the owner, and so this layer and its buffer, alive until it completes.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <memory>
#include <string>
#include <utility>

namespace salesdesk::app {

template <class NextLayer>
class CoalescingStream {
 public:
  using executor_type = typename NextLayer::executor_type;
  using next_layer_type = NextLayer;

  template <class... Args>
  explicit CoalescingStream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  NextLayer& next_layer() noexcept { return next_; }
  const NextLayer& next_layer() const noexcept { return next_; }

  // Who a socket write in flight keeps alive (set once, before the first write).
  void keep_alive(std::weak_ptr<void> owner) { owner_ = std::move(owner); }
  // While held, writes gather in the buffer; release sends what gathered.
  void hold() { held_ = true; }
  void release() {
    held_ = false;
    flush();
  }
  // Bytes accepted but not yet written to the socket (a slow reader makes this grow).
  std::size_t buffered() const { return pending_.size() + sending_.size(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return next_.async_read_some(buffers, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& data) {
          std::size_t n = 0;
          if (!error_) {
            for (auto b : boost::beast::buffers_range_ref(data)) {
              pending_.append(static_cast<const char*>(b.data()), b.size());
              n += b.size();
            }
            flush();
          }
          auto ex = boost::asio::get_associated_executor(handler, get_executor());
          boost::asio::post(ex, boost::beast::bind_front_handler(std::move(handler), error_, n));
        },
        token, buffers);
  }

 private:
  void flush() {
    if (held_ || writing_ || pending_.empty() || error_) return;
    writing_ = true;
    sending_.swap(pending_);
    boost::asio::async_write(
        next_, boost::asio::buffer(sending_),
        [this, keep = owner_.lock()](boost::beast::error_code ec, std::size_t) {
          writing_ = false;
          sending_.clear();
          if (ec) {
            error_ = ec;
            pending_.clear();
            return;
          }
          flush();
        });
  }

  NextLayer next_;
  std::weak_ptr<void> owner_;
  std::string pending_;  // accepted, waiting for the socket
  std::string sending_;  // in the socket write in flight
  bool held_ = false;
  bool writing_ = false;
  boost::beast::error_code error_;
};

// The WebSocket stream's teardown (closing handshake done, socket shut down) is the next
// layer's; Beast finds these by argument-dependent lookup.
template <class NextLayer>
void teardown(boost::beast::role_type role, CoalescingStream<NextLayer>& s,
              boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, s.next_layer(), ec);
}

template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, CoalescingStream<NextLayer>& s,
                    TeardownHandler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, s.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace salesdesk::app
