// libFuzzer target: raw bytes as they arrive on an HTTP connection. They are read with Beast's
// request parser under the server's limits (8 KiB of header, 1 MiB of body), request after
// request while the connection stays open, as HttpSession reads them. Each request that parses
// goes through what the routes do before they touch the engine: the bearer token or sd_session
// cookie, the same-origin check, an upload's multipart body and type, the WebSocket upgrade
// (Beast's handshake, over an in-memory stream), the login body, and the error response the
// server would send back. The raw bytes
// also go straight to the login-body and cookie parsers, so seeds of bare bodies and bare
// Cookie headers reach them without a request around them.
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "app/file_store.hpp"
#include "app/http_session.hpp"
#include "app/services.hpp"

namespace {

using namespace salesdesk;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

constexpr std::size_t header_bytes_max = 8 * 1024;
constexpr int requests_per_input_max = 8;

void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_http: %s\n", what);
  std::abort();
}

// Beast's server handshake as WebSocketSession::run sets it up; the reply (101 or an error)
// goes to the in-memory peer.
void accept(const http::request<http::string_body>& request) {
  boost::asio::io_context ioc;
  beast::test::stream peer(ioc);
  websocket::stream<beast::test::stream> ws(ioc);
  ws.next_layer().connect(peer);
  ws.read_message_max(app::ws_frame_bytes_max);
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "salesdesk");
  }));
  beast::error_code ec;
  ws.accept(request, ec);
}

void inspect(const http::request<http::string_body>& request) {
  const std::string token = app::request_token(request);
  const std::string cookie = app::cookie_value(request[http::field::cookie], "sd_session");
  expect(cookie.size() <= request[http::field::cookie].size(), "a cookie longer than its header");
  (void)app::same_origin(request);
  (void)app::parse_credentials(request.body());
  // An upload's body: the multipart file, its type from its bytes, the name served back.
  if (auto part = app::first_file_part(request[http::field::content_type], request.body())) {
    expect(part->bytes.size() <= request.body().size(), "a part larger than its body");
    (void)app::sniff(part->bytes, part->name);
    (void)app::content_disposition(part->name, true);
  }
  (void)app::sniff(request.body(), request.target());
  if (websocket::is_upgrade(request)) accept(request);
  std::ostringstream out;
  out << app::error_response(request.version(), request.keep_alive(), http::status::bad_request,
                             "bad_request", "username and password are required");
}

// Reads one request from `rest` as http::read would; false when the connection would end.
// After need_more, http::read reads from the socket before it puts again (Beast's parser asserts
// that it is given more than last time); the peer has sent everything, so that read is the end
// of the stream.
bool read_one(std::string_view& rest) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(header_bytes_max);
  parser.body_limit(app::http_body_bytes_max);
  parser.eager(true);
  beast::error_code ec;
  while (!parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec == http::error::need_more || (!ec && used == 0)) {
      if (!parser.got_some()) return false;
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return false;
    } else if (ec) {
      return false;
    }
  }
  inspect(parser.get());
  return parser.keep_alive();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)app::parse_credentials(bytes);
  (void)app::cookie_value(bytes, "sd_session");
  std::string_view rest = bytes;
  for (int i = 0; i < requests_per_input_max && !rest.empty(); ++i) {
    if (!read_one(rest)) break;
  }
  return 0;
}
