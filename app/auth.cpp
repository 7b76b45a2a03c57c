#include "app/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>
#include <vector>

#include "core/user.hpp"

namespace salesdesk::app {
namespace {

constexpr std::size_t salt_bytes = 16;
constexpr std::size_t derived_bytes = 32;
constexpr int min_iterations = 100'000;

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return out;
}

std::vector<unsigned char> unhex(const std::string& text) {
  std::vector<unsigned char> out;
  if (text.size() % 2 != 0) return out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    out.push_back(static_cast<unsigned char>(std::stoi(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<unsigned char> derive(const std::string& password, const std::vector<unsigned char>& salt,
                                  int iterations) {
  std::vector<unsigned char> out(derived_bytes);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return out;
}

}  // namespace

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

std::string hash_password(const std::string& password) {
  const auto salt = random_bytes(salt_bytes);
  const auto derived = derive(password, salt, pbkdf2_iterations);
  return "pbkdf2-sha256$" + std::to_string(pbkdf2_iterations) + "$" + hex(salt.data(), salt.size()) +
         "$" + hex(derived.data(), derived.size());
}

bool verify_password(const std::string& password, const std::string& encoded) {
  const std::string prefix = "pbkdf2-sha256$";
  if (encoded.rfind(prefix, 0) != 0) return false;
  const auto a = encoded.find('$', prefix.size());
  const auto b = a == std::string::npos ? a : encoded.find('$', a + 1);
  if (b == std::string::npos) return false;
  int iterations = 0;
  try {
    iterations = std::stoi(encoded.substr(prefix.size(), a - prefix.size()));
  } catch (const std::exception&) {
    return false;
  }
  if (iterations < min_iterations) return false;
  const auto salt = unhex(encoded.substr(a + 1, b - a - 1));
  const auto expected = unhex(encoded.substr(b + 1));
  if (salt.empty() || expected.size() != derived_bytes) return false;
  const auto derived = derive(password, salt, iterations);
  return CRYPTO_memcmp(derived.data(), expected.data(), derived_bytes) == 0;
}

std::string random_token() {
  const auto bytes = random_bytes(token_bytes);
  return hex(bytes.data(), bytes.size());
}

std::string random_password() {
  static constexpr char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (unsigned char b : random_bytes(16)) out.push_back(alphabet[b % (sizeof alphabet - 1)]);
  return out;
}

std::string token_digest(const std::string& token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (EVP_Digest(token.data(), token.size(), out.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return hex(out.data(), size);
}

bool LoginThrottle::over(std::map<std::string, Entry>& m, const std::string& k, int max,
                         std::chrono::steady_clock::time_point now) {
  auto it = m.find(k);
  if (it == m.end()) return false;
  if (now - it->second.since > window) {
    m.erase(it);
    return false;
  }
  return it->second.failures >= max;
}

// Keeps memory bounded when someone tries many usernames.
void LoginThrottle::prune(std::chrono::steady_clock::time_point now) {
  for (auto* m : {&by_user_, &by_address_}) {
    if (m->size() < entries_max) continue;
    std::erase_if(*m, [&](const auto& kv) { return now - kv.second.since > window; });
    if (m->size() >= entries_max) m->clear();
  }
}

bool LoginThrottle::blocked(const std::string& username, const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const bool user_over =
      over(by_user_, core::normalize_username(username), failures_per_user_max, now);
  const bool address_over = over(by_address_, address, failures_per_address_max, now);
  return user_over || address_over;
}

void LoginThrottle::failed(const std::string& username, const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  prune(now);
  for (auto* entry : {&by_user_[core::normalize_username(username)], &by_address_[address]}) {
    if (entry->failures == 0) entry->since = now;
    ++entry->failures;
  }
}

void LoginThrottle::succeeded(const std::string& username) {
  std::lock_guard lock(mutex_);
  by_user_.erase(core::normalize_username(username));
}

}  // namespace salesdesk::app
