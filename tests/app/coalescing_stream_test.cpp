// The layer under the WebSocket stream that sends the frames queued together in one write.
#include "app/coalescing_stream.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <memory>
#include <string>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
using Layer = salesdesk::app::CoalescingStream<beast::test::stream>;

namespace {

struct Pair {
  net::io_context ioc;
  Layer layer{ioc};
  beast::test::stream peer{ioc};
  std::shared_ptr<int> owner = std::make_shared<int>(0);
  std::vector<beast::error_code> results;

  Pair() {
    layer.next_layer().connect(peer);
    layer.keep_alive(owner);
  }
  // Queues one write of `text` (which must outlive the run) through the layer.
  void write(const std::string& text) {
    net::async_write(layer, net::buffer(text),
                     [this](beast::error_code ec, std::size_t) { results.push_back(ec); });
  }
  void run() {
    ioc.restart();
    ioc.run();
  }
  std::size_t socket_writes() { return layer.next_layer().nwrite(); }
};

}  // namespace

TEST_CASE("frames written while held complete at once and leave in one write, in order") {
  Pair p;
  const std::string a = "one ", b = "two ", c = "three";
  p.layer.hold();
  p.write(a);
  p.write(b);
  p.write(c);
  p.run();
  CHECK(p.results.size() == 3);  // each write completed...
  CHECK(p.socket_writes() == 0);  // ...and nothing reached the socket yet
  CHECK(p.layer.buffered() == a.size() + b.size() + c.size());
  p.layer.release();
  p.run();
  CHECK(p.socket_writes() == 1);
  CHECK(p.peer.str() == "one two three");
  CHECK(p.layer.buffered() == 0);
}

TEST_CASE("without a hold a write leaves at once; what comes meanwhile leaves together next") {
  Pair p;
  const std::string a = "first|", b = "second|", c = "third";
  p.write(a);  // starts a socket write of its own
  p.write(b);  // both wait behind it
  p.write(c);
  p.run();
  CHECK(p.results.size() == 3);
  CHECK(p.socket_writes() == 2);
  CHECK(p.peer.str() == "first|second|third");
}

TEST_CASE("a socket that fails ends every later write with the error, and nothing is kept") {
  net::io_context ioc;
  beast::test::fail_count fail_at_once(0);  // the socket's first write fails
  Layer layer(ioc, fail_at_once);
  auto owner = std::make_shared<int>(0);
  layer.keep_alive(owner);
  std::vector<beast::error_code> results;
  const std::string a = "lost", b = "also lost";
  const auto done = [&](beast::error_code ec, std::size_t) { results.push_back(ec); };
  net::async_write(layer, net::buffer(a), done);  // accepted before the socket said no
  ioc.run();
  net::async_write(layer, net::buffer(b), done);
  ioc.restart();
  ioc.run();
  REQUIRE(results.size() == 2);
  CHECK_FALSE(results[0]);
  CHECK(results[1] == beast::test::error::test_failure);
  CHECK(layer.buffered() == 0);
  CHECK(layer.next_layer().nwrite() == 1);  // nothing more was tried
}
