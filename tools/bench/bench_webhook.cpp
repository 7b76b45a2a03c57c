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
//
// With --against unassigned (issue 12), the baseline is the webhook itself with automatic
// assignment off, and the measured phase the same deliveries with it on: 30 sales logged in and
// kept online by open WebSockets, every delivery from a new customer, so that every message
// starts a conversation the rotation gives to a sale (target ratio >= 0.8).
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
    "                     [--reps 3] [--against notes|unassigned]\n"
    "Webhook ingest against leads.note (or, with --against unassigned, auto-assigned ingest\n"
    "against unassigned), S senders each, on a salesdesk at 127.0.0.1:PORT.\n"
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
  bool against_unassigned = false;
};

constexpr int sales_at_work = 30;

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

// Sales at work: their WebSockets stay open on one thread, reading (so that they answer the
// server's pings), which keeps them online for the rotation.
class SalesAtWork {
 public:
  SalesAtWork(const Config& cfg, const std::vector<std::string>& tokens) {
    for (const std::string& token : tokens) {
      auto sale = std::make_unique<Sale>(ioc_);
      sale->ws.next_layer().connect(tcp::endpoint{asio::ip::make_address(host), cfg.port});
      sale->ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& r) {
        r.set(http::field::authorization, "Bearer " + token);
      }));
      sale->ws.handshake(host, "/ws");
      read(*sale);
      sales_.push_back(std::move(sale));
    }
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~SalesAtWork() {
    ioc_.stop();
    thread_.join();
  }

 private:
  struct Sale {
    explicit Sale(asio::io_context& ioc) : ws(ioc) {}
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buffer;
  };
  void read(Sale& sale) {
    sale.ws.async_read(sale.buffer, [this, &sale](beast::error_code ec, std::size_t) {
      if (ec) return;
      sale.buffer.consume(sale.buffer.size());
      read(sale);
    });
  }
  asio::io_context ioc_;
  std::vector<std::unique_ptr<Sale>> sales_;
  std::thread thread_;
};

struct Floor {
  std::string token;
  std::int64_t page_id = 0;
  // With --against unassigned: the baseline's page, which no sale may work on, so that its
  // waiting conversations are not swept to the sales once rotation is on.
  std::int64_t plain_page_id = 0;
  std::vector<std::int64_t> leads;
  std::unique_ptr<SalesAtWork> sales;
};

std::string login(const Config& cfg, const std::string& username, const std::string& password) {
  const json::object body{{"username", username}, {"password", password}};
  return std::string(
      json::parse(http_post(cfg, "/api/login", json::serialize(body))).at("token").as_string());
}

Floor set_up(const Config& cfg) {
  Floor f;
  f.token = login(cfg, "admin", cfg.password);
  Socket admin(cfg, f.token);
  const json::object page{{"channel", "api"},
                          {"external_id", "bench-" + std::to_string(::getpid())},
                          {"name", "Bench"},
                          {"secret", page_secret}};
  f.page_id = must(admin.call("pages.connect", page), "pages.connect")["page"].at("id").as_int64();
  if (cfg.against_unassigned) {
    std::vector<std::string> tokens;
    json::array everyone;
    const std::string password = "bench-sale-password";
    for (int i = 0; i < sales_at_work; ++i) {
      const std::string name = "bench-sale-" + std::to_string(i);
      const json::object user{
          {"username", name}, {"password", password}, {"name", name}, {"role", "sale"}};
      everyone.push_back(
          must(admin.call("users.create", user), "users.create")["user"].at("id").as_int64());
      tokens.push_back(login(cfg, name, password));
    }
    f.sales = std::make_unique<SalesAtWork>(cfg, tokens);
    json::object plain = page;
    plain["external_id"] = "bench-plain-" + std::to_string(::getpid());
    f.plain_page_id =
        must(admin.call("pages.connect", plain), "pages.connect")["page"].at("id").as_int64();
    must(admin.call("pages.set_access", {{"page_id", f.page_id}, {"user_ids", everyone}}),
         "pages.set_access");
    const json::object patch{{"inbox.page_permissions", true}};
    must(admin.call("settings.update", {{"patch", patch}}), "settings.update");
    return f;
  }
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

// A keep-alive connection POSTing signed deliveries, each a new message id; from 2,000
// customers, or (`phase` not empty) each from a new customer of that phase.
std::function<bool()> webhook_sender(const Config& cfg, const Floor& f, int i, int rep,
                                     const std::string& phase = "") {
  auto ioc = std::make_shared<asio::io_context>();
  auto stream = std::make_shared<beast::tcp_stream>(*ioc);
  stream->connect(tcp::endpoint{asio::ip::make_address(host), cfg.port});
  auto n = std::make_shared<std::int64_t>(0);
  auto page = phase.starts_with("unassigned") ? f.plain_page_id : f.page_id;
  const std::string target = "/webhooks/api/" + std::to_string(page);
  return [ioc, stream, target, i, rep, n, phase] {
    const std::int64_t k = ++*n;
    const std::string id =
        "r" + std::to_string(rep) + "-s" + std::to_string(i) + "-" + std::to_string(k);
    const std::string customer =
        phase.empty() ? std::to_string((static_cast<std::int64_t>(i) * 7919 + k) % customers)
                      : phase + "-" + id;
    const json::object body{
        {"event", "message"},
        {"message_id", phase + id},
        {"customer", json::object{{"id", "c" + customer}, {"name", "Khách " + customer}}},
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

// One side's rates over the repetitions.
struct Rates {
  const char* label;
  const char* unit;
  const std::vector<double>& per_rep;
};

// The medians of both sides and the median of the per-repetition ratios, against the target.
void print_medians(const Rates& measured, const Rates& baseline, const std::vector<double>& ratios,
                   double target) {
  const double ratio = bench::median(ratios);
  std::printf("medians: %s %.1f %s, %s %.1f %s\n", measured.label, bench::median(measured.per_rep),
              measured.unit, baseline.label, bench::median(baseline.per_rep), baseline.unit);
  std::printf("%s/%s ratio (median of the per-repetition ratios): %.2f, target >= %.1f: %s\n",
              measured.label, baseline.label, ratio, target, ratio >= target ? "met" : "NOT met");
}

// The same deliveries with automatic assignment off and on, on one server. The state grows as
// the run goes (every delivery is a new customer, and later deliveries are slower for it), so
// each repetition alternates one-second slices of each (off-on, then on-off, ...) for the
// duration of a phase each, and compares the sums.
int compare_assignment(const Config& cfg, const Floor& floor) {
  // A fresh admin connection for each call: one left idle through a phase would be closed by
  // the server (it pings idle connections, and this one does not read between calls).
  const auto admin_call = [&](const std::string& op, json::object args) {
    return must(Socket(cfg, floor.token).call(op, std::move(args)), op);
  };
  const auto unassigned = [&] {
    return admin_call("inbox.counts", {}).at("unassigned").as_int64();
  };
  Config slice = cfg;
  slice.duration = 1;
  slice.warmup = 0.2;
  const int slices = std::max(1, static_cast<int>(cfg.duration));
  std::vector<double> plain, assigned, ratios;
  for (int rep = 1; rep <= cfg.reps; ++rep) {
    Tally sums[2];
    std::int64_t waiting[2] = {0, 0};
    for (int k = 0; k < 2 * slices; ++k) {
      const bool on = (k % 4 == 1 || k % 4 == 2);  // off on on off off on ...
      admin_call("settings.update", {{"patch", json::object{{"inbox.auto_assign", on}}}});
      const std::string phase = (on ? "assigned-" : "unassigned-") + std::to_string(k);
      const std::int64_t before = unassigned();
      const Tally t =
          run_phase(slice, [&](int i) { return webhook_sender(cfg, floor, i, rep, phase); });
      waiting[on] += unassigned() - before;
      sums[on].acked += t.acked;
      sums[on].errors += t.errors;
      sums[on].latencies_ms.insert(sums[on].latencies_ms.end(), t.latencies_ms.begin(),
                                   t.latencies_ms.end());
    }
    for (const bool on : {false, true}) {
      std::sort(sums[on].latencies_ms.begin(), sums[on].latencies_ms.end());
      print(on ? "assigned" : "unassigned", sums[on], slices);
    }
    // With rotation every new conversation went to a sale; without, each waits.
    std::printf("conversations left unassigned: %lld without rotation, %lld with it\n",
                static_cast<long long>(waiting[0]), static_cast<long long>(waiting[1]));
    plain.push_back(static_cast<double>(sums[0].acked) / slices);
    assigned.push_back(static_cast<double>(sums[1].acked) / slices);
    ratios.push_back(plain.back() > 0 ? assigned.back() / plain.back() : 0);
  }
  print_medians({"auto-assigned", "messages/s", assigned}, {"unassigned", "messages/s", plain},
                ratios, 0.8);
  return 0;
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
  const std::string against = flags.text("against", "notes");
  cfg.against_unassigned = against == "unassigned";
  flags.done();
  if (against != "notes" && !cfg.against_unassigned) flags.fail("--against notes|unassigned");
  if (cfg.port == 0 || cfg.password.empty() || cfg.senders < 1 || cfg.duration <= 0) {
    flags.fail("--port and a password are required; --senders and --duration must be positive");
  }
  try {
    const Floor floor = set_up(cfg);
    if (cfg.against_unassigned) return compare_assignment(cfg, floor);
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
    print_medians({"webhook", "messages/s", webhooks}, {"leads.note", "commands/s", notes}, ratios,
                  0.5);
  } catch (const std::exception& e) {
    std::cerr << "bench_webhook: " << e.what() << std::endl;
    return 1;
  }
}
