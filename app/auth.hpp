// Passwords, session tokens and the login throttle. Hashing is slow on purpose
// (PBKDF2-HMAC-SHA256, 120,000 iterations) and runs off the engine thread; the engine only
// ever sees the resulting hash, and only a SHA-256 digest of a token is journaled.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace salesdesk::app {

constexpr int pbkdf2_iterations = 120'000;
constexpr std::size_t token_bytes = 32;

// "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX"
std::string hash_password(const std::string& password);
bool verify_password(const std::string& password, const std::string& encoded);

std::string random_token();        // hex of token_bytes random bytes
std::string random_password();     // for the first admin when no password is given
std::string token_digest(const std::string& token);  // hex SHA-256

// Login throttling. An attempt is counted when it starts (before the slow hash), so a burst
// sent at once is throttled like a slow series. Three keys, each with its own allowance:
// - an (account, address) pair: after 5 failures each further try waits 30 s, doubling up to
//   15 min: one attacker is stopped without locking the account's owner out elsewhere;
// - an account from anywhere: after 20 failures each try waits 1 s, doubling up to 60 s: many
//   addresses guessing one password get a handful of tries a minute, and its owner waits at
//   most a minute;
// - an address: after 500 failures over any accounts (spraying), 5 min: an office behind one
//   address with a few mistyped passwords is never blocked.
// Failures are forgotten 15 minutes after the last one; a success clears its pair and account.
class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Allowance {
    int free_failures;
    std::chrono::seconds first_delay;
    std::chrono::seconds delay_max;
  };
  static constexpr Allowance per_pair{5, std::chrono::seconds{30}, std::chrono::minutes{15}};
  static constexpr Allowance per_account{20, std::chrono::seconds{1}, std::chrono::seconds{60}};
  static constexpr Allowance per_address{500, std::chrono::minutes{5}, std::chrono::minutes{5}};
  static constexpr std::chrono::minutes forget_after{15};
  static constexpr std::size_t entries_max = 100'000;

  // Starts an attempt: nullopt when it may go on (then counted as in flight until finish()),
  // else how long to wait.
  std::optional<std::chrono::seconds> begin(const std::string& username,
                                            const std::string& address, Clock::time_point now);
  void finish(const std::string& username, const std::string& address, bool good,
              Clock::time_point now);

 private:
  struct Entry {
    int failures = 0;   // counted failures, in-flight attempts included
    int in_flight = 0;  // of which still being checked
    Clock::time_point last{};
  };
  using Table = std::map<std::string, Entry>;
  static std::optional<std::chrono::seconds> wait(const Table& t, const std::string& key,
                                                  const Allowance& a, Clock::time_point now);
  void prune(Clock::time_point now);
  std::mutex mutex_;
  Table by_pair_;
  Table by_account_;
  Table by_address_;
};

}  // namespace salesdesk::app
