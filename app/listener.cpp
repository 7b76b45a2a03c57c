#include "app/listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <iostream>

#include "app/http_session.hpp"

namespace salesdesk::app {

Listener::Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
                   Services& services)
    : ioc_(ioc), acceptor_(boost::asio::make_strand(ioc)), backoff_(acceptor_.get_executor()),
      services_(services) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(boost::asio::socket_base::max_listen_connections);
}

void Listener::run() { do_accept(); }

void Listener::stop() {
  boost::asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(boost::asio::make_strand(ioc_),
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
  if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec == boost::asio::error::no_descriptors || ec == boost::asio::error::no_buffer_space ||
      ec == boost::asio::error::no_memory) {
    // Out of descriptors: accepting again at once would spin a core. Wait for some to close.
    services_.metrics.accept_backoffs += 1;
    backoff_.expires_after(accept_backoff);
    backoff_.async_wait(
        [self = shared_from_this()](boost::system::error_code) { self->do_accept(); });
    return;
  }
  if (!ec) admit(std::move(socket));
  do_accept();
}

void Listener::admit(boost::asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  const std::string address = ec ? "unknown" : endpoint.address().to_string();
  auto ticket = services_.gate.admit(address);
  if (!ticket) return refuse(std::move(socket));
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  std::make_shared<HttpSession>(std::move(socket), services_, std::move(*ticket))->run();
}

// One best-effort write of a complete 503 on a non-blocking socket, then close: a refused
// client learns why, and the server never waits on it.
void Listener::refuse(boost::asio::ip::tcp::socket socket) {
  static const std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nRetry-After: 5\r\nContent-Length: 73\r\n\r\n"
      "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many connections, retry\"}}";
  services_.metrics.refused_connections += 1;
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(boost::asio::buffer(answer), ec);
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

std::optional<ConnectionGate::Ticket> ConnectionGate::admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  std::size_t& mine = by_address_[address];
  if (open_ >= max_ || mine >= per_address_max_) {
    if (mine == 0) by_address_.erase(address);
    return std::nullopt;
  }
  ++open_;
  ++mine;
  return std::optional<Ticket>(std::in_place, this, address);
}

void ConnectionGate::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  --open_;
  auto it = by_address_.find(address);
  if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
}

std::size_t ConnectionGate::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace salesdesk::app
