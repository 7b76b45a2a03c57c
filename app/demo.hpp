// Demo data for `salesdesk serve --demo` on an empty journal: teams and users to log in as, a
// small tea shop's catalog (products TRA-XANH, CA-PHE, MAT-ONG, AM-TRA, combo QUA-TET, sources,
// warehouses), three pages (an API channel, a Facebook page, a Zalo OA, granted to the teams),
// two customers and three orders, eight leads and the pool turned on with float_all (so leads of
// floating statuses enter it at once). Later features (conversations) add theirs here.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <random>
#include <string>

#include "app/engine.hpp"

namespace salesdesk::app {

constexpr const char* demo_password = "demo-pass-1";
// The signing key of the demo API page (`tea-shop`), for signed webhooks in a demo.
constexpr const char* demo_api_secret = "demo-api-secret";

// Applies the demo commands through the engine (journaled like any other command).
void add_demo_data(Engine& engine);

// A simulated customer stream, so a newcomer sees the UI move: about every `mean` (jittered
// from half to one and a half of it) a customer of the demo's API page writes, through the
// command the page's webhook submits. It runs only on the demo's own journal (its first page
// is the demo API page with the demo secret): never on a journal with real data.
class DemoStream {
 public:
  DemoStream(boost::asio::io_context& ioc, Engine& engine, std::chrono::milliseconds mean);
  void start();
  void stop();  // before the io_context is left to finish

 private:
  void next();
  void write();
  boost::asio::steady_timer timer_;
  Engine& engine_;
  std::chrono::milliseconds mean_;
  std::mt19937_64 random_{std::random_device{}()};
  std::uint64_t sent_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace salesdesk::app
