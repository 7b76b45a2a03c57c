// Passwords, session tokens and the login throttle. Hashing is slow on purpose
// (PBKDF2-HMAC-SHA256, 120,000 iterations) and runs off the engine thread; the engine only
// ever sees the resulting hash, and only a SHA-256 digest of a token is journaled.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
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
std::string hex(const unsigned char* data, std::size_t size);

// Repeated failed logins for one username or one address answer 429 for a while.
class LoginThrottle {
 public:
  static constexpr int failures_per_user_max = 5;
  static constexpr int failures_per_address_max = 50;  // an office shares one address
  static constexpr std::size_t entries_max = 100'000;
  static constexpr std::chrono::seconds window{300};

  bool blocked(const std::string& username, const std::string& address);
  void failed(const std::string& username, const std::string& address);
  void succeeded(const std::string& username);

 private:
  struct Entry {
    int failures = 0;
    std::chrono::steady_clock::time_point since;
  };
  bool over(std::map<std::string, Entry>& m, const std::string& k, int max,
            std::chrono::steady_clock::time_point now);
  void prune(std::chrono::steady_clock::time_point now);
  std::mutex mutex_;
  std::map<std::string, Entry> by_user_;
  std::map<std::string, Entry> by_address_;
};

}  // namespace salesdesk::app
