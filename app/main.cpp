// salesdesk serve [--db PATH] [--listen HOST:PORT] [--demo] [--io-threads N] [--web DIR]
//                 [--metrics-token TOKEN] [--secure-cookie] [--max-connections N]
//                 [--snapshot-every-events N] [--snapshot-every-minutes M] [--test-clock]
//                 [--outbox-attempts N] [--outbox-backoff-ms MS] [--ws-idle-seconds N]
// Opens the journal, rebuilds the state, starts the engine and the HTTP/WebSocket listener,
// prints the ready line, and on SIGINT/SIGTERM stops accepting, finishes and acknowledges the
// commands in flight, closes the journal and exits 0.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <sys/resource.h>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/auth.hpp"
#include "app/demo.hpp"
#include "app/engine.hpp"
#include "app/hub.hpp"
#include "app/listener.hpp"
#include "app/outbox.hpp"
#include "app/page_secrets.hpp"
#include "app/services.hpp"

#ifndef SALESDESK_WEB_DIR
#define SALESDESK_WEB_DIR "app/web"
#endif

namespace {

using namespace salesdesk;

struct Options {
  std::string db = "salesdesk.db";
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  bool demo = false;
  std::int64_t demo_stream_s = 20;  // a simulated customer's message every ~N s (0: none)
  unsigned io_threads = std::max(1u, std::thread::hardware_concurrency() - 1);
  std::string web_root = SALESDESK_WEB_DIR;
  std::string metrics_token;
  bool secure_cookie = false;
  std::size_t max_connections = 10'000;
  app::SnapshotSchedule snapshots;
  bool test_clock = false;
  app::OutboxPolicy outbox;
  std::chrono::seconds ws_idle = app::ws_idle_timeout_default;
};

// Descriptors kept for the journal, logs and files beside the connections.
constexpr std::size_t descriptors_reserved = 64;
// One client address may hold this share of the connections (an office shares one address).
constexpr std::size_t connections_per_address_share = 4;

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "salesdesk: " << problem << "\n"
            << "usage: salesdesk serve [--db PATH] [--listen HOST:PORT] [--demo]"
               " [--demo-stream SECONDS] [--io-threads N] [--web DIR]\n"
               "                       [--metrics-token TOKEN] [--secure-cookie]"
               " [--max-connections N]\n"
               "                       [--snapshot-every-events N] [--snapshot-every-minutes M]"
               " [--test-clock]\n"
               "                       [--outbox-attempts N] [--outbox-backoff-ms MS]"
               " [--ws-idle-seconds N]\n";
  std::exit(2);
}

// A whole number >= 0 (0 turns a schedule off).
std::int64_t count(const std::string& flag, const std::string& text) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n < 0 || n > 1'000'000'000) {
    usage(flag + " wants a whole number from 0 to 1000000000");
  }
  return n;
}

// Where the web UI's files are by default: the source tree the binary was built from, else
// (an installed binary) share/salesdesk/web beside its bin/ directory.
std::string default_web_root() {
  std::error_code ec;
  if (std::filesystem::is_directory(SALESDESK_WEB_DIR, ec)) return SALESDESK_WEB_DIR;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return SALESDESK_WEB_DIR;
  return (exe.parent_path().parent_path() / "share" / "salesdesk" / "web").string();
}

Options parse(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "serve") usage("expected the command 'serve'");
  Options o;
  o.web_root = default_web_root();
  if (const char* web = std::getenv("SALESDESK_WEB_DIR")) o.web_root = web;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--db") {
      o.db = value();
    } else if (arg == "--listen") {
      const std::string listen = value();
      const auto colon = listen.rfind(':');
      if (colon == std::string::npos) usage("--listen wants HOST:PORT");
      o.host = listen.substr(0, colon);
      try {
        const int port = std::stoi(listen.substr(colon + 1));
        if (port < 0 || port > 65535) usage("port out of range");
        o.port = static_cast<unsigned short>(port);
      } catch (const std::exception&) {
        usage("--listen wants HOST:PORT");
      }
    } else if (arg == "--demo") {
      o.demo = true;
    } else if (arg == "--demo-stream") {
      o.demo_stream_s = count(arg, value());
    } else if (arg == "--io-threads") {
      o.io_threads = static_cast<unsigned>(std::max(1, std::atoi(value().c_str())));
    } else if (arg == "--web") {
      o.web_root = value();
    } else if (arg == "--metrics-token") {
      o.metrics_token = value();
    } else if (arg == "--secure-cookie") {
      o.secure_cookie = true;
    } else if (arg == "--max-connections") {
      const int n = std::atoi(value().c_str());
      if (n < 1) usage("--max-connections wants a positive number");
      o.max_connections = static_cast<std::size_t>(n);
    } else if (arg == "--snapshot-every-events") {
      o.snapshots.every_events = count(arg, value());
    } else if (arg == "--snapshot-every-minutes") {
      o.snapshots.every_ms = count(arg, value()) * 60'000;
    } else if (arg == "--outbox-attempts") {
      o.outbox.attempts =
          static_cast<int>(std::clamp<std::int64_t>(count(arg, value()), 1, 1000));
    } else if (arg == "--outbox-backoff-ms") {
      o.outbox.backoff = std::chrono::milliseconds(count(arg, value()));
    } else if (arg == "--test-clock") {
      o.test_clock = true;
    } else if (arg == "--ws-idle-seconds") {
      const std::int64_t n = count(arg, value());
      if (n < 2) usage("--ws-idle-seconds wants 2 or more");
      o.ws_idle = std::chrono::seconds(n);
    } else {
      usage("unknown option " + arg);
    }
  }
  return o;
}

void first_start(app::Engine& engine, bool demo) {
  const char* given = std::getenv("SALESDESK_ADMIN_PASSWORD");
  const std::string password = (given && *given) ? given : app::random_password();
  if (!engine.bootstrap(core::Secret{app::hash_password(password)})) return;
  if (!(given && *given)) {
    std::cout << "salesdesk: created user admin with password " << password
              << " (shown once; change it)" << std::endl;
  }
  if (demo) {
    app::add_demo_data(engine);
    std::cout << "salesdesk: demo users manager, lan, minh, olena, taras with password "
              << app::demo_password << std::endl;
  }
}

// Raises the soft descriptor limit to the hard one, and returns how many connections fit.
std::size_t connection_capacity(std::size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur == RLIM_INFINITY) return wanted;
  const auto usable = static_cast<std::size_t>(limit.rlim_cur);
  return std::min(wanted, usable > 2 * descriptors_reserved ? usable - descriptors_reserved
                                                            : descriptors_reserved);
}

int serve(const Options& o) {
  app::Metrics metrics;
  auto journal = storage::Journal::open(o.db, storage::OpenMode::read_write);
  app::TestClock test_clock;
  app::Clock clock = app::wall_clock;
  if (o.test_clock) {
    clock = [&test_clock] { return test_clock.now(); };
    std::cerr << "salesdesk: --test-clock: POST /test/clock moves this server's time forward;"
                 " for tests only, never in production" << std::endl;
  }
  app::Engine engine(std::move(journal), metrics, clock);
  engine.set_snapshot_schedule(o.snapshots);
  first_start(engine, o.demo);

  app::Hashing hashing;
  app::Hub hub;
  app::LoginThrottle throttle;
  const std::size_t capacity = connection_capacity(o.max_connections);
  app::ConnectionGate gate(capacity,
                           std::max<std::size_t>(1, capacity / connections_per_address_share));
  app::PhoneLookups lookups([&engine](core::UserId user, int misses) {
    app::report_hidden_lookups(engine, user, misses);
  });
  app::ImportStaging staging;
  app::JournalReader reader(o.db);
  app::Services services{engine, hub, metrics, throttle, hashing, gate, lookups, staging,
                         o.web_root, o.metrics_token, o.secure_cookie,
                         o.test_clock ? &test_clock : nullptr};
  services.reader = &reader;
  services.ws_idle_timeout = o.ws_idle;
  app::FileStore files(app::FileStore::beside(o.db));
  services.files = &files;
  app::Outbox outbox(engine, o.db, o.outbox);
  app::PageSecrets secrets;
  services.secrets = &secrets;
  engine.subscribe(hub);
  engine.subscribe(outbox);
  engine.subscribe(secrets);
  engine.start();
  outbox.start();
  // Declared after everything its handlers reach (sessions reach the hub, the engine and the
  // metrics), so that it is destroyed first: the handlers still pending at the stop (a client
  // that never read its close frame) end their sessions while those are alive.
  boost::asio::io_context ioc{static_cast<int>(o.io_threads)};

  const auto address = boost::asio::ip::make_address(o.host);
  auto listener = std::make_shared<app::Listener>(
      ioc, boost::asio::ip::tcp::endpoint{address, o.port}, services);
  listener->run();
  const auto bound = listener->local_endpoint();
  std::cout << "salesdesk listening on http://" << o.host << ":" << bound.port() << std::endl;

  app::DemoStream stream(ioc, engine, std::chrono::seconds(o.demo_stream_s));
  if (o.demo && o.demo_stream_s > 0) stream.start();

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  boost::asio::steady_timer deadline(ioc);
  std::thread stopper;
  signals.async_wait([&](boost::system::error_code, int) {
    listener->stop();
    stream.stop();
    // Finishing the engine blocks: do it off the network threads, which deliver its answers.
    stopper = std::thread([&] {
      outbox.stop();  // (an attempt under way ends within its timeout; the rest stays queued)
      engine.stop();
      reader.join();  // the reads of the last queries, answered while the network runs
      hub.end_all("server shutting down");
      boost::asio::post(ioc, [&] {
        deadline.expires_after(std::chrono::milliseconds(500));
        deadline.async_wait([&](boost::system::error_code) { ioc.stop(); });
      });
    });
  });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < o.io_threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  if (stopper.joinable()) stopper.join();
  hashing.join();
  std::cout << "salesdesk: stopped at seq " << engine.head() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  try {
    return serve(options);
  } catch (const storage::JournalError& e) {
    std::cerr << "salesdesk: " << e.what() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "salesdesk: " << e.what() << std::endl;
    return 1;
  }
}
