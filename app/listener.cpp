#include "app/listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <iostream>

#include "app/http_session.hpp"

namespace salesdesk::app {

Listener::Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
                   Services& services)
    : ioc_(ioc), acceptor_(boost::asio::make_strand(ioc)), services_(services) {
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
  if (!ec) {
    boost::asio::ip::tcp::no_delay nodelay(true);
    socket.set_option(nodelay, ec);
    std::make_shared<HttpSession>(std::move(socket), services_)->run();
  }
  do_accept();
}

}  // namespace salesdesk::app
