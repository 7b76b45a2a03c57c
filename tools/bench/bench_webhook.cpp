// bench_webhook: the generic API channel's webhook ingest (issue 10 item 12) against its
// baseline, durable `leads.note` commands over WebSocket, with the same number of concurrent
// senders, on the same server, in the same run.
//
// Against a running salesdesk on loopback (tools/bench/webhook.sh starts one on a fresh journal)
// it logs in as admin (POST /api/login), connects an API page with a known secret and imports
// one lead per sender. Then, for each repetition, two phases of --warmup + --duration seconds:
//   notes:    S threads, each on its own WebSocket, send leads.note on their own lead, one in
//             flight, and count the acknowledged replies (each appends a LeadNoted);
//   webhook:  S threads, each on its own keep-alive HTTP connection, POST signed `message`
//             deliveries (new message ids; 2,000 customers, so new and known conversations mix)
//             and count the 200 answers (each appends at least a MessageReceived).
// Each phase prints a RESULT line (rate, p50 and p99 latency); the end prints the medians and
// the ratio webhook/notes (target >= 0.5). Talks to 127.0.0.1 only; every phase stops by time.
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/api/api_channel.hpp"
#include "tools/bench/bench_common.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
namespace bench = salesdesk::bench;
using tcp = asio::ip::tcp;

constexpr const char* usage =
    "usage: bench_webhook --port N [--password P] [--senders 32] [--duration 5] [--warmup 1]\n"
    "                     [--reps 3]\n"
    "Webhook ingest against leads.note, S senders each, on a salesdesk at 127.0.0.1:PORT.\n"
    "The admin password defaults to $SALESDESK_ADMIN_PASSWORD.";

constexpr const char* host = "127.0.0.1";
constexpr const char* page_secret = "bench-webhook-secret";
constexpr int customers = 2000;
// Leads per sender, noted in turn: leads.note answers with the lead's notes, so a lead noted
// thousands of times would make the baseline slower than a floor's notes are.
constexpr int leads_per_sender = 200;

struct Config {
  unsigned short port = 0;
  std::string password;
  int senders = 32;
  double duration = 5;
  double warmup = 1;
  int reps = 3;
};

// One phase's figures: acknowledged requests inside the window and their latencies.
struct Tally {
  std::int64_t acked = 0;
  std::int64_t errors = 0;
  std::vector<double> latencies_ms;
};

std::string http_post(const Config& cfg, const std::string& target, const std::string& body) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint{asio::ip::make_address(host), cfg.port});
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  if (res.result() != http::status::ok) {
    throw std::runtime_error(target + ": " + std::to_string(res.result_int()) + " " + res.body());
  }
  return res.body();
}

// A WebSocket with the admin's token, answering one request at a time.
class Socket {
 public:
  Socket(const Config& cfg, const std::string& token) : ws_(ioc_) {
    ws_.next_layer().connect(tcp::endpoint{asio::ip::make_address(host), cfg.port});
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& r) {
      r.set(http::field::authorization, "Bearer " + token);
    }));
    ws_.handshake(host, "/ws");
  }
  ~Socket() {
    beast::error_code ec;
    ws_.close(websocket::close_code::normal, ec);
  }
  // Sends a request and returns its reply (pushes are never subscribed to here).
  json::object call(const std::string& op, json::object args) {
    const json::object frame{{"id", ++id_}, {"op", op}, {"args", std::move(args)}};
    ws_.write(asio::buffer(json::serialize(frame)));
    beast::flat_buffer buffer;
    ws_.read(buffer);
    return json::parse(beast::buffers_to_string(buffer.data())).as_object();
  }

 private:
  asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  std::int64_t id_ = 0;
};

json::object must(json::object reply, const std::string& op) {
  if (!reply["ok"].as_bool()) throw std::runtime_error(op + ": " + json::serialize(reply));
  return reply["result"].as_object();
}

struct Floor {
  std::string token;
  std::int64_t page_id = 0;
  std::vector<std::int64_t> leads;
};

Floor set_up(const Config& cfg) {
  Floor f;
  const json::object login{{"username", "admin"}, {"password", cfg.password}};
  f.token = std::string(
      json::parse(http_post(cfg, "/api/login", json::serialize(login))).at("token").as_string());
  Socket admin(cfg, f.token);
  const json::object page{{"channel", "api"},
                          {"external_id", "bench-" + std::to_string(::getpid())},
                          {"name", "Bench"},
                          {"secret", page_secret}};
  f.page_id = must(admin.call("pages.connect", page), "pages.connect")["page"].at("id").as_int64();
  json::array rows;
  for (int i = 0; i < cfg.senders * leads_per_sender; ++i) {
    char phone[16];
    std::snprintf(phone, sizeof phone, "09%08d", 10'000'000 + i);
    rows.push_back(json::object{{"phone", phone}, {"name", "Bench " + std::to_string(i)}});
  }
  const json::object ids = must(admin.call("leads.import", {{"leads", rows}}), "leads.import");
  for (const json::value& id : ids.at("ids").as_array()) f.leads.push_back(id.as_int64());
  return f;
}

// Runs `send` on S threads until the window ends, timing each acknowledged request inside it.
Tally run_phase(const Config& cfg,
                const std::function<std::function<bool()>(int sender)>& make_sender) {
  std::vector<Tally> tallies(static_cast<std::size_t>(cfg.senders));
  const auto start = bench::Clock::now();
  const auto window_from = start + std::chrono::duration<double>(cfg.warmup);
  const auto window_to = window_from + std::chrono::duration<double>(cfg.duration);
  std::vector<std::thread> threads;
  for (int i = 0; i < cfg.senders; ++i) {
    threads.emplace_back([&, i] {
      Tally& t = tallies[static_cast<std::size_t>(i)];
      const std::function<bool()> send = make_sender(i);
      while (bench::Clock::now() < window_to) {
        const auto sent = bench::Clock::now();
        const bool ok = send();
        const auto got = bench::Clock::now();
        if (sent < window_from || got > window_to) continue;
        if (!ok) {
          ++t.errors;
          continue;
        }
        ++t.acked;
        t.latencies_ms.push_back(std::chrono::duration<double, std::milli>(got - sent).count());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Tally all;
  for (Tally& t : tallies) {
    all.acked += t.acked;
    all.errors += t.errors;
    all.latencies_ms.insert(all.latencies_ms.end(), t.latencies_ms.begin(), t.latencies_ms.end());
  }
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  return all;
}

std::function<bool()> note_sender(const Config& cfg, const Floor& f, int i) {
  auto socket = std::make_shared<Socket>(cfg, f.token);
  auto n = std::make_shared<std::int64_t>(0);
  const std::size_t senders = static_cast<std::size_t>(cfg.senders);
  return [socket, n, senders, i, &f] {
    const std::int64_t k = ++*n;
    const std::size_t index =
        static_cast<std::size_t>(i) + senders * static_cast<std::size_t>(k % leads_per_sender);
    const json::object args{{"lead_id", f.leads.at(index)},
                            {"text", "Gọi lại lúc " + std::to_string(k)}};
    return socket->call("leads.note", args)["ok"].as_bool();
  };
}

// A keep-alive connection POSTing signed deliveries, each a new message id.
std::function<bool()> webhook_sender(const Config& cfg, const Floor& f, int i, int rep) {
  auto ioc = std::make_shared<asio::io_context>();
  auto stream = std::make_shared<beast::tcp_stream>(*ioc);
  stream->connect(tcp::endpoint{asio::ip::make_address(host), cfg.port});
  const std::string target = "/webhooks/api/" + std::to_string(f.page_id);
  auto n = std::make_shared<std::int64_t>(0);
  return [ioc, stream, target, i, rep, n] {
    const std::int64_t k = ++*n;
    const int customer = static_cast<int>((static_cast<std::int64_t>(i) * 7919 + k) % customers);
    const json::object body{
        {"event", "message"},
        {"message_id",
         "r" + std::to_string(rep) + "-s" + std::to_string(i) + "-" + std::to_string(k)},
        {"customer", json::object{{"id", "c" + std::to_string(customer)},
                                  {"name", "Khách " + std::to_string(customer)}}},
        {"text", "Shop ơi còn hàng không ạ? " + std::to_string(k)}};
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, host);
    req.set(http::field::content_type, "application/json");
    req.body() = json::serialize(body);
    req.set(salesdesk::adapters::api::signature_header,
            salesdesk::adapters::api::sign(page_secret, req.body()));
    req.keep_alive(true);
    req.prepare_payload();
    http::write(*stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(*stream, buffer, res);
    return res.result() == http::status::ok;
  };
}

void print(const char* label, const Tally& t, double duration) {
  std::printf("RESULT label=%s rate=%.1f p50_ms=%.3f p99_ms=%.3f acked=%lld errors=%lld\n", label,
              static_cast<double>(t.acked) / duration, bench::percentile_sorted(t.latencies_ms, 50),
              bench::percentile_sorted(t.latencies_ms, 99), static_cast<long long>(t.acked),
              static_cast<long long>(t.errors));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv, usage);
  Config cfg;
  cfg.port = static_cast<unsigned short>(flags.integer("port", 0));
  const char* env = std::getenv("SALESDESK_ADMIN_PASSWORD");
  cfg.password = flags.text("password", env != nullptr ? env : "");
  cfg.senders = static_cast<int>(flags.integer("senders", 32));
  cfg.duration = flags.number("duration", 5);
  cfg.warmup = flags.number("warmup", 1);
  cfg.reps = static_cast<int>(flags.integer("reps", 3));
  flags.done();
  if (cfg.port == 0 || cfg.password.empty() || cfg.senders < 1 || cfg.duration <= 0) {
    flags.fail("--port and a password are required; --senders and --duration must be positive");
  }
  try {
    const Floor floor = set_up(cfg);
    std::vector<double> notes, webhooks, ratios;
    for (int rep = 1; rep <= cfg.reps; ++rep) {
      const Tally n = run_phase(cfg, [&](int i) { return note_sender(cfg, floor, i); });
      print("notes", n, cfg.duration);
      const Tally w = run_phase(cfg, [&](int i) { return webhook_sender(cfg, floor, i, rep); });
      print("webhook", w, cfg.duration);
      notes.push_back(static_cast<double>(n.acked) / cfg.duration);
      webhooks.push_back(static_cast<double>(w.acked) / cfg.duration);
      ratios.push_back(notes.back() > 0 ? webhooks.back() / notes.back() : 0);
    }
    const double ratio = bench::median(ratios);
    std::printf(
        "medians: webhook %.1f messages/s, leads.note %.1f commands/s, %d senders each\n"
        "webhook/notes ratio (median of the per-repetition ratios): %.2f, target >= 0.5: "
        "%s\n",
        bench::median(webhooks), bench::median(notes), cfg.senders, ratio,
        ratio >= 0.5 ? "met" : "NOT met");
  } catch (const std::exception& e) {
    std::cerr << "bench_webhook: " << e.what() << std::endl;
    return 1;
  }
}
