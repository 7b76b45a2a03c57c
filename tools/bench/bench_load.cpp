// bench_load: a WebSocket load generator for the salesdesk server (and for bench_echo_server,
// its baseline). It opens C connections to ws://HOST:PORT/ws with `Authorization: Bearer TOKEN`,
// keeps F requests in flight on each, and sends the durable command
//   {"id": K, "op": "settings.update", "args": {"patch": {"pool.batch_size": N}}}
// with N = 1 + K mod 1000: K is global and at most C*F <= 1000 requests are in flight, so two
// commands in flight never carry the same N and every command changes the setting, i.e. really
// appends an event (the seq span of the replies checks it). After a warm-up it counts, for a
// fixed duration, acknowledged commands (ok:true) and their latencies (queued -> reply read).
//
// Without --token it logs in first with POST /api/login (Beast HTTP) as --user, with --password
// or $SALESDESK_ADMIN_PASSWORD. Talks to loopback addresses only. The last line is
//   RESULT label=L rate=R p50_ms=X p99_ms=Y acked=A errors=E total=T seq_span=S duration=D
//          connections=C inflight=F
// (acked, errors, seq_span: inside the window; total: every reply of the run, for CPU/command).
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
    "                  [--threads 1] [--label NAME] [--op settings|orders]\n"
    "Sends settings.update (or orders.create, for a server started with --demo) commands over C\n"
    "WebSocket connections with F in flight each and prints acknowledged commands/s and p50/p99\n"
    "latency over the measured window.";

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
};

struct Stats {
  std::int64_t acked = 0;       // ok:true replies read inside the window
  std::int64_t errors = 0;      // ok:false replies inside the window
  std::int64_t min_seq = INT64_MAX, max_seq = 0;
  std::int64_t total = 0;       // every reply read, warm-up and drain included
  std::vector<std::uint32_t> latency_us;
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
  Connection(asio::io_context& ioc, const Config& cfg, Run& run, Stats& stats)
      : ws_(asio::make_strand(ioc)), cfg_(cfg), run_(run), stats_(stats) {}

  void start(const tcp::endpoint& endpoint) {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(ws_).async_connect(endpoint, beast::bind_front_handler(&Connection::on_connect, shared_from_this()));
  }

  // Called on this connection's strand once every connection is open.
  void begin() {
    for (int i = 0; i < cfg_.inflight; ++i) send_one();
  }

  void finish() {
    if (closed_) return;
    closed_ = true;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
      self->run_.finished.fetch_add(1);
    });
  }

  auto executor() { return ws_.get_executor(); }

 private:
  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect", ec);
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    const std::string auth = "Bearer " + cfg_.token;
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
    const std::int64_t id = run_.next_id.fetch_add(1, std::memory_order_relaxed);
    char frame[256];
    // orders.create: 5,000 phones in turn, so early orders also create the customer card and
    // later ones find it; one product line from the --demo catalog.
    const int n = cfg_.op == "orders"
        ? std::snprintf(frame, sizeof frame,
                        "{\"id\":%lld,\"op\":\"orders.create\",\"args\":{\"phone\":\"091%07lld\","
                        "\"name\":\"Bench %lld\",\"items\":[{\"sku\":\"TRA-XANH\",\"qty\":%lld}]}}",
                        static_cast<long long>(id), static_cast<long long>(id % 5000),
                        static_cast<long long>(id % 5000), static_cast<long long>(1 + id % 3))
        : std::snprintf(frame, sizeof frame,
                        "{\"id\":%lld,\"op\":\"settings.update\",\"args\":{\"patch\":{\"pool.batch_size\":%lld}}}",
                        static_cast<long long>(id), static_cast<long long>(1 + id % 1000));
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
    if (text.rfind("{\"id\":", 0) != 0) return;
    const std::int64_t id = parse_int_after(text, "{\"id\":");
    const auto it = sent_at_.find(id);
    if (it == sent_at_.end()) return;
    const auto sent = it->second;
    sent_at_.erase(it);
    const bool ok = text.find("\"ok\":true") != std::string::npos;
    ++stats_.total;
    if (now >= run_.window_start && now < run_.window_end) {
      if (ok) {
        ++stats_.acked;
        stats_.latency_us.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count()));
        const std::size_t at = text.rfind("\"seq\":");
        if (at != std::string::npos) {
          const std::int64_t seq = parse_int_after(text, "\"seq\":", at);
          stats_.min_seq = std::min(stats_.min_seq, seq);
          stats_.max_seq = std::max(stats_.max_seq, seq);
        }
      } else {
        ++stats_.errors;
        boost::system::error_code jec;
        const json::value v = json::parse(text, jec);
        std::string code = "unparsed";
        if (!jec && v.is_object() && v.as_object().contains("error")) {
          code = json::serialize(v.as_object().at("error"));
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
  flags.done();
  if (cfg.op != "settings" && cfg.op != "orders") flags.fail("--op is settings or orders");
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

  try {
    if (cfg.token.empty()) {
      if (password.empty()) flags.fail("give --token, or --password / $SALESDESK_ADMIN_PASSWORD to log in");
      cfg.token = login(cfg, user, password);
    }

    asio::io_context ioc{cfg.threads};
    Run run;
    std::vector<Stats> stats(static_cast<std::size_t>(cfg.connections));
    std::vector<std::shared_ptr<Connection>> conns;
    const tcp::endpoint endpoint{asio::ip::make_address(cfg.host), cfg.port};
    for (int i = 0; i < cfg.connections; ++i) {
      conns.push_back(std::make_shared<Connection>(ioc, cfg, run, stats[static_cast<std::size_t>(i)]));
      conns.back()->start(endpoint);
    }

    // A timer drives the phases: wait for every connection, then start, then stop.
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
        timer.expires_at(run.window_end);
        return timer.async_wait(phase);
      }
      if (!run.stopping) {
        // The window is over: stop sending, let the replies in flight arrive, close.
        run.stopping = true;
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

    Stats all;
    for (Stats& s : stats) {
      all.acked += s.acked;
      all.errors += s.errors;
      all.total += s.total;
      all.min_seq = std::min(all.min_seq, s.min_seq);
      all.max_seq = std::max(all.max_seq, s.max_seq);
      all.latency_us.insert(all.latency_us.end(), s.latency_us.begin(), s.latency_us.end());
      for (auto& [code, n] : s.error_codes) all.error_codes[code] += n;
    }
    std::sort(all.latency_us.begin(), all.latency_us.end());
    const double rate = static_cast<double>(all.acked) / cfg.duration;
    const double p50 = bench::percentile_sorted(all.latency_us, 50) / 1000.0;
    const double p99 = bench::percentile_sorted(all.latency_us, 99) / 1000.0;
    const std::int64_t span = all.acked > 0 ? all.max_seq - all.min_seq + 1 : 0;
    for (auto& [code, n] : all.error_codes) std::cerr << "bench_load: " << n << " x error " << code << "\n";
    std::cout << std::fixed << std::setprecision(3) << "RESULT label=" << cfg.label << " rate=" << std::setprecision(1)
              << rate << std::setprecision(3) << " p50_ms=" << p50 << " p99_ms=" << p99 << " acked=" << all.acked
              << " errors=" << all.errors << " total=" << all.total << " seq_span=" << span << " duration=" << cfg.duration
              << " connections=" << cfg.connections << " inflight=" << cfg.inflight << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "bench_load: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
