// bench_load: a WebSocket load generator for the salesdesk server (and for bench_echo_server,
// its baseline). It opens C connections to ws://HOST:PORT/ws with `Authorization: Bearer TOKEN`,
// keeps F requests in flight on each, and sends the durable command
//   {"id": K, "op": "settings.update", "args": {"patch": {"pool.batch_size": N}}}
// with N = 1 + K mod 1000: K is global and at most C*F <= 1000 requests are in flight, so two
// commands in flight never carry the same N and every command changes the setting, i.e. really
// appends an event (the seq span of the replies checks it). After a warm-up it counts, for a
// fixed duration, acknowledged commands (ok:true) and their latencies (queued -> reply read).
//
// --op orders sends orders.create instead (one product line of the --demo catalog, 5,000 phones
// in turn). --op claims sends pool.claim: connection i claims the lead ids FIRST+i, FIRST+i+C,
// FIRST+i+2C, ... up to LAST (--first-lead, --last-lead), each as the sale of line i of
// --tokens FILE, so every claim is of a distinct pooled lead and wins. A connection that runs
// out of ids stops; the measured window then ends at the first such moment (duration= on the
// RESULT line says how long it really was, and a warning says so). With --wrap 1 it starts its
// stride again instead (for the echo server, which keeps no state).
// --op claims-setup prepares a server for --op claims, as admin, over one WebSocket: it creates
// --sales sales (users.create), imports --leads unowned leads (chunked leads.import, 100,000 a
// batch), sets pool.enabled and pool.float_all, waits until the last lead is in the pool, logs
// every sale in (POST /api/login) and writes their tokens to --tokens FILE, one a line.
//
// Without --token it logs in first with POST /api/login (Beast HTTP) as --user, with --password
// or $SALESDESK_ADMIN_PASSWORD. Talks to loopback addresses only. The last line is
//   RESULT label=L rate=R p50_ms=X p99_ms=Y acked=A errors=E total=T seq_span=S duration=D
//          connections=C inflight=F reply_bytes=B pushes=P
// (acked, errors, seq_span: inside the window; total: every reply of the run, for CPU/command;
// reply_bytes: the mean size of the acknowledged replies). With --subscribe TOPIC every
// connection subscribes to TOPIC first; pushes are read, and counted (pushes=, the whole run).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <deque>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tools/bench/bench_common.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
namespace bench = salesdesk::bench;

constexpr const char* usage =
    "usage: bench_load --port PORT [--host 127.0.0.1] [--token TOKEN | --user admin --password PW]\n"
    "                  [--connections 64] [--inflight 8] [--duration 10] [--warmup 2]\n"
    "                  [--threads 1] [--label NAME] [--op settings|orders|claims|claims-setup]\n"
    "                  [--tokens FILE] [--first-lead 1] [--last-lead N] [--wrap 1]   (claims)\n"
    "                  [--leads 300000] [--sales 64] [--chunk 5000]          (claims-setup, writes --tokens)\n"
    "                  [--show-reply 1]   (prints the first reply frame on stderr)\n"
    "                  [--subscribe TOPIC] (every connection subscribes first, e.g. pool)\n"
    "Sends settings.update (or orders.create, for a server started with --demo; or pool.claim)\n"
    "commands over C WebSocket connections with F in flight each and prints acknowledged\n"
    "commands/s and p50/p99 latency over the measured window.";

struct Config {
  std::string host;
  unsigned short port = 0;
  std::string token;
  int connections = 64;
  int inflight = 8;
  double duration = 10;
  double warmup = 2;
  int threads = 1;
  std::string label;
  std::string op = "settings";
  std::vector<std::string> tokens;  // claims: one per sale; connection i uses tokens[i % size]
  std::int64_t first_lead = 1, last_lead = 0;
  bool wrap = false;        // claims: start the range again when it runs out (for the echo server)
  bool show_reply = false;  // print the first reply frame on stderr (to compare shapes)
  std::string subscribe;    // a topic every connection subscribes to before the load starts
};

// Shared, read by every connection; times are fixed once every connection is open.
struct Run {
  std::atomic<std::int64_t> next_id{0};
  std::atomic<int> connected{0};
  std::atomic<int> failed{0};
  std::atomic<int> finished{0};
  bench::Clock::time_point window_start{}, window_end{};
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> exhausted_at{INT64_MAX};  // claims: when a connection first ran out of ids
};

// One reply read inside the window; counted at the end, when the window's real end is known.
struct Reply {
  bench::Clock::time_point at;
  std::uint32_t latency_us;
  std::uint32_t bytes;
  std::int64_t seq;  // -1: ok:false
};

struct Stats {
  std::vector<Reply> replies;   // inside the window
  std::int64_t total = 0;       // every reply read, warm-up and drain included
  std::int64_t pushes = 0;      // every push read
  std::map<std::string, std::int64_t> error_codes;
};

std::int64_t parse_int_after(const std::string& text, std::string_view key, std::size_t from = 0) {
  const std::size_t at = text.find(key, from);
  if (at == std::string::npos) return -1;
  std::int64_t v = -1;
  const char* first = text.data() + at + key.size();
  std::from_chars(first, text.data() + text.size(), v);
  return v;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& ioc, const Config& cfg, Run& run, Stats& stats, int index)
      : ws_(asio::make_strand(ioc)), cfg_(cfg), run_(run), stats_(stats), index_(index),
        next_lead_(cfg.first_lead + index) {}

  void start(const tcp::endpoint& endpoint) {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(ws_).async_connect(endpoint, beast::bind_front_handler(&Connection::on_connect, shared_from_this()));
  }

  // Called on this connection's strand once every connection is open.
  void begin() {
    if (!cfg_.subscribe.empty()) {
      // Its reply (id "sub") and the pushes that follow are read and not counted.
      queue_.push_back("{\"id\":\"sub\",\"op\":\"subscribe\",\"args\":{\"topics\":[\"" + cfg_.subscribe + "\"]}}");
      if (queue_.size() == 1) do_write();
    }
    for (int i = 0; i < cfg_.inflight; ++i) send_one();
  }

  void finish() {
    if (closed_) return;
    closed_ = true;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
      self->run_.finished.fetch_add(1);
    });
  }

  // Called on this connection's strand when the window is over: close now if nothing is in
  // flight (a claims connection that ran out of ids), else after the last reply.
  void drain() {
    if (sent_at_.empty()) finish();
  }

  auto executor() { return ws_.get_executor(); }

 private:
  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect", ec);
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    const std::string auth =
        "Bearer " + (cfg_.tokens.empty() ? cfg_.token : cfg_.tokens[static_cast<std::size_t>(index_) % cfg_.tokens.size()]);
    ws_.set_option(websocket::stream_base::decorator([auth](websocket::request_type& req) {
      req.set(http::field::authorization, auth);
      req.set(http::field::user_agent, "bench_load");
    }));
    ws_.async_handshake(cfg_.host + ":" + std::to_string(cfg_.port), "/ws",
                        beast::bind_front_handler(&Connection::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail("handshake", ec);
    ws_.text(true);
    run_.connected.fetch_add(1);
    do_read();
  }

  void fail(const char* what, beast::error_code ec) {
    if (run_.stopping.load() || closed_) return;
    std::cerr << "bench_load: " << what << ": " << ec.message() << std::endl;
    run_.failed.fetch_add(1);
  }

  void send_one() {
    if (run_.stopping.load() || closed_) return;
    if (cfg_.op == "claims" && next_lead_ > cfg_.last_lead && cfg_.wrap) next_lead_ = cfg_.first_lead + index_;
    if (cfg_.op == "claims" && next_lead_ > cfg_.last_lead) {
      // Out of ids: the measured window ends here at the latest.
      const std::int64_t now = bench::Clock::now().time_since_epoch().count();
      std::int64_t seen = run_.exhausted_at.load();
      while (now < seen && !run_.exhausted_at.compare_exchange_weak(seen, now)) {
      }
      return;
    }
    const std::int64_t id = run_.next_id.fetch_add(1, std::memory_order_relaxed);
    char frame[256];
    // orders.create: 5,000 phones in turn, so early orders also create the customer card and
    // later ones find it; one product line from the --demo catalog.
    // pool.claim: this connection's next lead id (its own stride of the range).
    int n = 0;
    if (cfg_.op == "claims") {
      n = std::snprintf(frame, sizeof frame, "{\"id\":%lld,\"op\":\"pool.claim\",\"args\":{\"lead_id\":%lld}}",
                        static_cast<long long>(id), static_cast<long long>(next_lead_));
      next_lead_ += cfg_.connections;
    } else {
      n = cfg_.op == "orders"
        ? std::snprintf(frame, sizeof frame,
                        "{\"id\":%lld,\"op\":\"orders.create\",\"args\":{\"phone\":\"091%07lld\","
                        "\"name\":\"Bench %lld\",\"items\":[{\"sku\":\"TRA-XANH\",\"qty\":%lld}]}}",
                        static_cast<long long>(id), static_cast<long long>(id % 5000),
                        static_cast<long long>(id % 5000), static_cast<long long>(1 + id % 3))
        : std::snprintf(frame, sizeof frame,
                        "{\"id\":%lld,\"op\":\"settings.update\",\"args\":{\"patch\":{\"pool.batch_size\":%lld}}}",
                        static_cast<long long>(id), static_cast<long long>(1 + id % 1000));
    }
    sent_at_.emplace(id, bench::Clock::now());
    queue_.emplace_back(frame, static_cast<std::size_t>(n));
    if (queue_.size() == 1) do_write();
  }

  void do_write() {
    ws_.async_write(asio::buffer(queue_.front()), beast::bind_front_handler(&Connection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return fail("write", ec);
    queue_.pop_front();
    if (!queue_.empty()) do_write();
  }

  void do_read() { ws_.async_read(buffer_, beast::bind_front_handler(&Connection::on_read, shared_from_this())); }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      if (ec != websocket::error::closed) fail("read", ec);
      return;
    }
    const auto now = bench::Clock::now();
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle(text, now);
    do_read();
  }

  // Replies of both servers begin {"id":K,"ok":... and end with "seq":N}; pushes have no id.
  void handle(const std::string& text, bench::Clock::time_point now) {
    if (text.rfind("{\"id\":", 0) != 0) {
      if (text.rfind("{\"push\":", 0) == 0) ++stats_.pushes;
      return;
    }
    const std::int64_t id = parse_int_after(text, "{\"id\":");
    const auto it = sent_at_.find(id);
    if (it == sent_at_.end()) return;
    const auto sent = it->second;
    sent_at_.erase(it);
    const bool ok = text.find("\"ok\":true") != std::string::npos;
    if (cfg_.show_reply && stats_.total == 0 && index_ == 0) std::cerr << "bench_load: first reply: " << text << std::endl;
    ++stats_.total;
    if (now >= run_.window_start && now < run_.window_end) {
      const auto latency = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count());
      if (ok) {
        const std::size_t at = text.rfind("\"seq\":");
        const std::int64_t seq = at == std::string::npos ? 0 : parse_int_after(text, "\"seq\":", at);
        stats_.replies.push_back({now, latency, static_cast<std::uint32_t>(text.size()), seq});
      } else {
        stats_.replies.push_back({now, latency, static_cast<std::uint32_t>(text.size()), -1});
        boost::system::error_code jec;
        const json::value v = json::parse(text, jec);
        std::string code = "unparsed";
        if (!jec && v.is_object() && v.as_object().contains("error")) {
          const json::value& error = v.as_object().at("error");
          code = error.is_object() && error.as_object().contains("code") ? json::serialize(error.as_object().at("code"))
                                                                         : json::serialize(error);
        }
        ++stats_.error_codes[code];
      }
    }
    if (run_.stopping.load()) {
      if (sent_at_.empty()) finish();
      return;
    }
    send_one();
  }

  websocket::stream<beast::tcp_stream> ws_;
  const Config& cfg_;
  Run& run_;
  Stats& stats_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::unordered_map<std::int64_t, bench::Clock::time_point> sent_at_;
  bool closed_ = false;
  int index_ = 0;
  std::int64_t next_lead_ = 0;
};

// POST /api/login; returns the token.
std::string login(const Config& cfg, const std::string& user, const std::string& password) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint{asio::ip::make_address(cfg.host), cfg.port});
  http::request<http::string_body> req{http::verb::post, "/api/login", 11};
  req.set(http::field::host, cfg.host + ":" + std::to_string(cfg.port));
  req.set(http::field::content_type, "application/json");
  req.body() = json::serialize(json::object{{"username", user}, {"password", password}});
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  if (res.result() != http::status::ok) {
    throw std::runtime_error("login failed: " + std::to_string(res.result_int()) + " " + res.body());
  }
  return std::string(json::parse(res.body()).at("token").as_string());
}

// ---- claims-setup: a blocking WebSocket client, one request at a time (or pipelined) ----
class SyncWs {
 public:
  SyncWs(const Config& cfg, const std::string& token) : ws_(ioc_) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint{asio::ip::make_address(cfg.host), cfg.port});
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer " + token);
      req.set(http::field::user_agent, "bench_load");
    }));
    ws_.handshake(cfg.host + ":" + std::to_string(cfg.port), "/ws");
    ws_.text(true);
  }
  ~SyncWs() {
    beast::error_code ec;
    ws_.close(websocket::close_code::normal, ec);
  }
  // Sends a request; returns its id.
  std::int64_t send(std::string_view op, json::object args) {
    const std::int64_t id = ++next_id_;
    ws_.write(asio::buffer(json::serialize(json::object{{"id", id}, {"op", op}, {"args", std::move(args)}})));
    return id;
  }
  // Reads until the reply to `id` (pushes and other replies are skipped); throws on ok:false.
  json::object wait(std::int64_t id) {
    for (;;) {
      beast::flat_buffer buffer;
      ws_.read(buffer);
      json::value v = json::parse(beast::buffers_to_string(buffer.data()));
      if (!v.is_object() || !v.as_object().contains("id") || v.as_object().at("id") != json::value(id)) continue;
      json::object& o = v.as_object();
      if (!o.at("ok").as_bool()) throw std::runtime_error("reply " + json::serialize(o));
      return o.contains("result") ? o.at("result").as_object() : json::object{};
    }
  }
  json::object call(std::string_view op, json::object args) { return wait(send(op, std::move(args))); }

 private:
  asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  std::int64_t next_id_ = 0;
};

// A distinct valid Vietnamese mobile per index (090..098 + 7 digits).
std::string bench_phone(std::int64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "09%lld%07lld", static_cast<long long>((i / 10'000'000) % 9),
                static_cast<long long>(i % 10'000'000));
  return buf;
}

int claims_setup(const Config& cfg, std::int64_t leads, int sales, int chunk, const std::string& tokens_path) {
  const auto started = bench::Clock::now();
  SyncWs admin(cfg, cfg.token);
  const std::string password = "bench-sale-password";
  // The sales: users.create hashes each password (PBKDF2) off the network threads, at most
  // two at a time per connection (the server refuses a third as rate_limited).
  constexpr int hashes_at_once = 2;
  for (int first = 0; first < sales; first += hashes_at_once) {
    std::vector<std::int64_t> pending;
    for (int i = first; i < std::min(sales, first + hashes_at_once); ++i) {
      pending.push_back(admin.send("users.create", {{"username", "bench-sale-" + std::to_string(i + 1)},
                                                    {"password", password},
                                                    {"name", "Bench Sale " + std::to_string(i + 1)},
                                                    {"role", "sale"}}));
    }
    for (std::int64_t id : pending) admin.wait(id);
  }
  const double users_s = bench::seconds_since(started);

  // The leads: unowned, status new (it floats), in chunks staged per 100,000-row batch.
  const auto import_started = bench::Clock::now();
  const auto batch_rows = static_cast<std::int64_t>(100'000);
  std::int64_t last_id = 0;
  for (std::int64_t first = 0; first < leads; first += batch_rows) {
    const std::int64_t end = std::min(leads, first + batch_rows);
    const std::string batch_id = "bench-" + std::to_string(first / batch_rows);
    for (std::int64_t from = first; from < end; from += chunk) {
      const std::int64_t to = std::min(end, from + chunk);
      json::array rows;
      rows.reserve(static_cast<std::size_t>(to - from));
      for (std::int64_t i = from; i < to; ++i) {
        rows.push_back(json::object{{"phone", bench_phone(i)}, {"name", "Bench Lead " + std::to_string(i + 1)}, {"source", "bench"}});
      }
      json::object result = admin.call(
          "leads.import", {{"leads", std::move(rows)}, {"batch", json::object{{"id", batch_id}, {"final", to == end}}}});
      if (to == end) {
        const json::array& ids = result.at("ids").as_array();
        last_id = ids.back().as_int64();
        if (static_cast<std::int64_t>(ids.size()) != end - first) throw std::runtime_error("import returned too few ids");
      }
    }
  }
  const double import_s = bench::seconds_since(import_started);
  if (last_id != leads) {
    std::cerr << "bench_load: the leads are " << last_id - leads + 1 << ".." << last_id
              << "; claims-setup wants a server without leads" << std::endl;
    return 1;
  }

  // Floating: the engine floats at most 10,000 a tick (200 ms); wait for the last lead.
  const auto float_started = bench::Clock::now();
  admin.call("settings.update", {{"patch", json::object{{"pool.enabled", true}, {"pool.float_all", true}}}});
  for (;;) {
    const json::object page = admin.call("leads.list", {{"in_pool", true}, {"cursor", std::to_string(leads - 1)}, {"limit", 1}});
    if (!page.at("items").as_array().empty()) break;
    if (bench::seconds_since(float_started) > 90) throw std::runtime_error("the leads did not float within 90 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double float_s = bench::seconds_since(float_started);

  // The sales log in (PBKDF2 per login, on the server's slow pool).
  const auto login_started = bench::Clock::now();
  std::FILE* out = std::fopen(tokens_path.c_str(), "w");
  if (out == nullptr) throw std::runtime_error("cannot write " + tokens_path);
  for (int i = 0; i < sales; ++i) {
    std::fprintf(out, "%s\n", login(cfg, "bench-sale-" + std::to_string(i + 1), password).c_str());
  }
  std::fclose(out);
  const double login_s = bench::seconds_since(login_started);
  std::cout << std::fixed << std::setprecision(2) << "SETUP leads=" << leads << " sales=" << sales
            << " users_s=" << users_s << " import_s=" << import_s << " import_rate="
            << std::setprecision(0) << static_cast<double>(leads) / import_s << std::setprecision(2)
            << " float_s=" << float_s << " float_rate=" << std::setprecision(0) << static_cast<double>(leads) / float_s
            << std::setprecision(2) << " login_s=" << login_s << " total_s=" << bench::seconds_since(started) << std::endl;
  return 0;
}

std::vector<std::string> read_tokens(const std::string& path) {
  std::vector<std::string> tokens;
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) throw std::runtime_error("cannot read " + path);
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    std::string t = line;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    if (!t.empty()) tokens.push_back(t);
  }
  std::fclose(f);
  if (tokens.empty()) throw std::runtime_error(path + " has no tokens");
  return tokens;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv, usage);
  Config cfg;
  cfg.host = flags.text("host", "127.0.0.1");
  cfg.port = static_cast<unsigned short>(flags.integer("port", 0));
  cfg.token = flags.text("token", "");
  const std::string user = flags.text("user", "admin");
  const char* env_password = std::getenv("SALESDESK_ADMIN_PASSWORD");
  const std::string password = flags.text("password", env_password ? env_password : "");
  cfg.connections = static_cast<int>(flags.integer("connections", 64));
  cfg.inflight = static_cast<int>(flags.integer("inflight", 8));
  cfg.duration = flags.number("duration", 10);
  cfg.warmup = flags.number("warmup", 2);
  cfg.threads = static_cast<int>(flags.integer("threads", 1));
  cfg.label = flags.text("label", "run");
  cfg.op = flags.text("op", "settings");
  const std::string tokens_path = flags.text("tokens", "");
  cfg.first_lead = flags.integer("first-lead", 1);
  cfg.last_lead = flags.integer("last-lead", 0);
  const std::int64_t setup_leads = flags.integer("leads", 300'000);
  const int setup_sales = static_cast<int>(flags.integer("sales", 64));
  const int setup_chunk = static_cast<int>(flags.integer("chunk", 5000));
  cfg.show_reply = flags.integer("show-reply", 0) != 0;
  cfg.wrap = flags.integer("wrap", 0) != 0;
  cfg.subscribe = flags.text("subscribe", "");
  if (cfg.subscribe.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) flags.fail("bad --subscribe");
  flags.done();
  if (cfg.op != "settings" && cfg.op != "orders" && cfg.op != "claims" && cfg.op != "claims-setup") {
    flags.fail("--op is settings, orders, claims or claims-setup");
  }
  if (cfg.port == 0) flags.fail("--port is required");
  boost::system::error_code address_ec;
  const auto address = asio::ip::make_address(cfg.host, address_ec);
  if (address_ec || !address.is_loopback()) flags.fail("--host must be a loopback address (127.0.0.1)");
  if (cfg.connections < 1 || cfg.inflight < 1 || cfg.duration <= 0 || cfg.warmup < 0 || cfg.threads < 1) {
    flags.fail("bad sizes");
  }
  if (cfg.op == "settings" && static_cast<long long>(cfg.connections) * cfg.inflight > 1000) {
    flags.fail("connections x inflight must stay <= 1000 so that every command changes the setting");
  }
  if (cfg.op == "claims" && (cfg.first_lead < 1 || cfg.last_lead < cfg.first_lead)) {
    flags.fail("--op claims wants --first-lead A --last-lead B with 1 <= A <= B");
  }
  if (cfg.op == "claims-setup" && (setup_leads < 1 || setup_sales < 1 || setup_chunk < 1 || setup_chunk > 10'000 ||
                                   tokens_path.empty())) {
    flags.fail("--op claims-setup wants --tokens FILE, --leads >= 1, --sales >= 1, --chunk 1..10000");
  }

  try {
    if (cfg.op == "claims" && !tokens_path.empty()) cfg.tokens = read_tokens(tokens_path);
    if (cfg.token.empty() && cfg.tokens.empty()) {
      if (password.empty()) flags.fail("give --token, or --password / $SALESDESK_ADMIN_PASSWORD to log in");
      cfg.token = login(cfg, user, password);
    }
    if (cfg.op == "claims-setup") return claims_setup(cfg, setup_leads, setup_sales, setup_chunk, tokens_path);

    asio::io_context ioc{cfg.threads};
    Run run;
    std::vector<Stats> stats(static_cast<std::size_t>(cfg.connections));
    std::vector<std::shared_ptr<Connection>> conns;
    const tcp::endpoint endpoint{asio::ip::make_address(cfg.host), cfg.port};
    for (int i = 0; i < cfg.connections; ++i) {
      conns.push_back(std::make_shared<Connection>(ioc, cfg, run, stats[static_cast<std::size_t>(i)], i));
      conns.back()->start(endpoint);
    }

    // A timer drives the phases: wait for every connection, then start, then stop (at the end of
    // the window, or earlier when a claims connection ran out of lead ids).
    asio::steady_timer timer(ioc);
    const auto setup_deadline = bench::Clock::now() + std::chrono::seconds(20);
    std::function<void(beast::error_code)> phase;
    phase = [&](beast::error_code) {
      const auto now = bench::Clock::now();
      if (!run.started) {
        if (run.failed.load() > 0 || now > setup_deadline) {
          std::cerr << "bench_load: only " << run.connected.load() << " of " << cfg.connections
                    << " connections opened" << std::endl;
          run.stopping = true;
          ioc.stop();
          return;
        }
        if (run.connected.load() < cfg.connections) {
          timer.expires_after(std::chrono::milliseconds(10));
          return timer.async_wait(phase);
        }
        run.window_start = now + std::chrono::duration_cast<bench::Clock::duration>(std::chrono::duration<double>(cfg.warmup));
        run.window_end = run.window_start + std::chrono::duration_cast<bench::Clock::duration>(std::chrono::duration<double>(cfg.duration));
        run.started = true;
        for (auto& c : conns) asio::post(c->executor(), [c] { c->begin(); });
        timer.expires_after(std::chrono::milliseconds(50));
        return timer.async_wait(phase);
      }
      if (!run.stopping) {
        if (now < run.window_end && run.exhausted_at.load() == INT64_MAX) {
          timer.expires_after(std::chrono::milliseconds(50));
          return timer.async_wait(phase);
        }
        // The window is over: stop sending, let the replies in flight arrive, close.
        run.stopping = true;
        for (auto& c : conns) asio::post(c->executor(), [c] { c->drain(); });
        timer.expires_after(std::chrono::seconds(5));
        return timer.async_wait(phase);
      }
      ioc.stop();  // drain deadline reached
    };
    timer.expires_after(std::chrono::milliseconds(1));
    timer.async_wait(phase);

    // Ends the run early once every connection has closed after the window.
    asio::steady_timer watcher(ioc);
    std::function<void(beast::error_code)> watch;
    watch = [&](beast::error_code) {
      if (run.stopping && run.finished.load() == cfg.connections) return ioc.stop();
      watcher.expires_after(std::chrono::milliseconds(20));
      watcher.async_wait(watch);
    };
    watcher.expires_after(std::chrono::milliseconds(20));
    watcher.async_wait(watch);

    std::vector<std::thread> pool;
    for (int i = 1; i < cfg.threads; ++i) pool.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    if (!run.started) return 1;

    // The window ends at its planned end, or when the first claims connection ran out of ids.
    auto window_end = run.window_end;
    const std::int64_t exhausted = run.exhausted_at.load();
    if (exhausted != INT64_MAX) {
      const bench::Clock::time_point at{bench::Clock::duration{exhausted}};
      if (at <= run.window_start) {
        std::cerr << "bench_load: the lead ids ran out during the warm-up; give a wider --first-lead..--last-lead"
                  << std::endl;
        return 1;
      }
      if (at < window_end) {
        window_end = at;
        std::cerr << "bench_load: WARNING: the lead ids ran out "
                  << std::chrono::duration<double>(run.window_end - at).count()
                  << " s before the end of the window; the window was shortened" << std::endl;
      }
    }
    const double duration = std::chrono::duration<double>(window_end - run.window_start).count();
    std::int64_t acked = 0, errors = 0, total = 0, pushes = 0, min_seq = INT64_MAX, max_seq = 0;
    double reply_bytes = 0;
    std::vector<std::uint32_t> latency_us;
    std::map<std::string, std::int64_t> error_codes;
    for (Stats& s : stats) {
      total += s.total;
      pushes += s.pushes;
      for (auto& [code, n] : s.error_codes) error_codes[code] += n;
      for (const Reply& r : s.replies) {
        if (r.at >= window_end) continue;
        if (r.seq < 0) {
          ++errors;
          continue;
        }
        ++acked;
        reply_bytes += r.bytes;
        latency_us.push_back(r.latency_us);
        min_seq = std::min(min_seq, r.seq);
        max_seq = std::max(max_seq, r.seq);
      }
    }
    std::sort(latency_us.begin(), latency_us.end());
    const double rate = static_cast<double>(acked) / duration;
    const double p50 = bench::percentile_sorted(latency_us, 50) / 1000.0;
    const double p99 = bench::percentile_sorted(latency_us, 99) / 1000.0;
    const std::int64_t span = acked > 0 ? max_seq - min_seq + 1 : 0;
    for (auto& [code, n] : error_codes) std::cerr << "bench_load: " << n << " x error " << code << "\n";
    std::cout << std::fixed << std::setprecision(3) << "RESULT label=" << cfg.label << " rate=" << std::setprecision(1)
              << rate << std::setprecision(3) << " p50_ms=" << p50 << " p99_ms=" << p99 << " acked=" << acked
              << " errors=" << errors << " total=" << total << " seq_span=" << span << " duration=" << duration
              << " connections=" << cfg.connections << " inflight=" << cfg.inflight << std::setprecision(0)
              << " reply_bytes=" << (acked > 0 ? reply_bytes / static_cast<double>(acked) : 0.0) << " pushes=" << pushes
              << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "bench_load: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
