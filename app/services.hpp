// What every network session shares: the engine, the hub, metrics, the login throttle, the
// pools for password hashing, the connection gate and the server's configuration.
#pragma once

#include <atomic>
#include <chrono>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <string>

#include "app/auth.hpp"
#include "app/engine.hpp"
#include "app/file_store.hpp"
#include "app/hub.hpp"
#include "app/import_staging.hpp"
#include "app/journal_reader.hpp"
#include "app/lookups.hpp"
#include "app/metrics.hpp"
#include "app/page_secrets.hpp"
#include "app/test_clock.hpp"

namespace salesdesk::app {

constexpr std::size_t http_body_bytes_max = 1024 * 1024;
constexpr std::size_t http_header_bytes_max = 8 * 1024;
constexpr std::size_t ws_frame_bytes_max = 1024 * 1024;
// A connection that has sent nothing for this long is pinged at half of it and closed at the
// end: a phone that lost its network is noticed in 20 s, and its user's presence grace
// (presence_grace_ms) starts then (--ws-idle-seconds changes it, for tests).
constexpr std::chrono::seconds ws_idle_timeout_default{20};
constexpr std::size_t write_queue_depth_max = 4096;
// Bytes a connection may have waiting for its socket before it counts as too slow to keep up
// (a single larger reply is still sent; the check is made before each frame is queued).
constexpr std::size_t write_buffer_bytes_max = 16 * 1024 * 1024;
constexpr std::size_t requests_in_flight_max = 1024;
// Password hashes one WebSocket connection may have queued (users.create, users.update).
constexpr std::size_t hashes_in_flight_max = 2;
// Uploads (POST /api/files, up to 25 MiB each, held in memory) read at once by the server.
constexpr int uploads_in_flight_max = 8;
// An upload's body: the file (core::file_bytes_max) and a multipart envelope around it.
constexpr std::uint64_t upload_body_bytes_max = 25 * 1024 * 1024 + 64 * 1024;

// Password hashing (PBKDF2, slow on purpose) off the network threads. Logins have their own
// pool, so an admin creating users never delays a login; each pool has a bound on queued work,
// beyond which the request is refused as busy rather than queued.
struct Hashing {
  static constexpr int login_threads = 2;
  static constexpr int queued_logins_max = 64;
  static constexpr int queued_admin_max = 16;
  boost::asio::thread_pool logins{login_threads};
  boost::asio::thread_pool admin{1};
  std::atomic<int> queued_logins{0};
  std::atomic<int> queued_admin{0};
  void join() {
    logins.join();
    admin.join();
  }
};

// Open TCP connections, counted globally and per client address. A connection over either cap
// is refused at once with a 503, so that idle sockets cannot exhaust the descriptors that
// /healthz, logins and WebSockets need.
class ConnectionGate {
 public:
  ConnectionGate(std::size_t max, std::size_t per_address_max)
      : max_(max), per_address_max_(per_address_max) {}
  // Holds one admitted connection; releases it when destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(ConnectionGate* gate, std::string address) : gate_(gate), address_(std::move(address)) {}
    Ticket(Ticket&& o) noexcept
        : gate_(std::exchange(o.gate_, nullptr)), address_(std::move(o.address_)) {}
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket() {
      if (gate_ != nullptr) gate_->release(address_);
    }
    const std::string& address() const { return address_; }

   private:
    ConnectionGate* gate_ = nullptr;
    std::string address_;
  };
  // A ticket, or nullopt when the connection must be refused.
  std::optional<Ticket> admit(const std::string& address);
  std::size_t open() const;

 private:
  void release(const std::string& address);
  const std::size_t max_;
  const std::size_t per_address_max_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::map<std::string, std::size_t> by_address_;
};

// When a page's webhook last raised a system message for a bad signature: at most one a
// minute per page, so a flood of forged requests cannot flood the journal.
class WebhookAlarms {
 public:
  static constexpr std::chrono::seconds every{60};
  // True (and remembered) when the page has had no alarm within `every`.
  bool due(core::PageId page, std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto [it, fresh] = last_.try_emplace(page, now);
    if (!fresh && now - it->second < every) return false;
    it->second = now;
    return true;
  }

 private:
  std::mutex mutex_;
  std::map<core::PageId, std::chrono::steady_clock::time_point> last_;
};

struct Services {
  Engine& engine;
  Hub& hub;
  Metrics& metrics;
  LoginThrottle& throttle;
  Hashing& hashing;
  ConnectionGate& gate;
  PhoneLookups& lookups;
  ImportStaging& staging;
  std::string web_root;
  std::string metrics_token;  // "" = /metrics answers loopback clients only
  bool secure_cookie = false; // the session cookie gets Secure (served over TLS or a TLS proxy)
  TestClock* test_clock = nullptr;  // --test-clock: POST /test/clock moves it (tests only)
  std::chrono::seconds ws_idle_timeout = ws_idle_timeout_default;
  WebhookAlarms alarms{};
  JournalReader* reader = nullptr;  // conversations' messages, read off the engine thread
  FileStore* files = nullptr;       // the files folder beside the journal
  PageSecrets* secrets = nullptr;   // the API pages' secrets, for webhooks
  std::atomic<int> uploads_in_flight{0};
};

}  // namespace salesdesk::app
