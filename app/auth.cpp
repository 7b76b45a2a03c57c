#include "app/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

#include "core/user.hpp"
#include "storage/hex.hpp"

namespace salesdesk::app {
namespace {

constexpr std::size_t salt_bytes = 16;
constexpr std::size_t derived_bytes = 32;
constexpr int min_iterations = 100'000;

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::vector<unsigned char> derive(const std::string& password,
                                  const std::vector<unsigned char>& salt, int iterations) {
  std::vector<unsigned char> out(derived_bytes);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return out;
}

}  // namespace

std::string hash_password(const std::string& password) {
  const auto salt = random_bytes(salt_bytes);
  const auto derived = derive(password, salt, pbkdf2_iterations);
  return "pbkdf2-sha256$" + std::to_string(pbkdf2_iterations) + "$" +
         storage::to_hex(salt.data(), salt.size()) + "$" +
         storage::to_hex(derived.data(), derived.size());
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
  const auto salt = storage::from_hex(std::string_view(encoded).substr(a + 1, b - a - 1));
  const auto expected = storage::from_hex(std::string_view(encoded).substr(b + 1));
  if (!salt || salt->empty() || !expected || expected->size() != derived_bytes) return false;
  const auto derived = derive(password, *salt, iterations);
  return CRYPTO_memcmp(derived.data(), expected->data(), derived_bytes) == 0;
}

std::string random_token() {
  const auto bytes = random_bytes(token_bytes);
  return storage::to_hex(bytes.data(), bytes.size());
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
  return storage::to_hex(out.data(), size);
}

namespace {

std::string pair_key(const std::string& account, const std::string& address) {
  return account + '\n' + address;
}

}  // namespace

std::optional<std::chrono::seconds> LoginThrottle::wait(const Table& t, const std::string& key,
                                                        const Allowance& a, Clock::time_point now) {
  auto it = t.find(key);
  if (it == t.end() || it->second.failures < a.free_failures) return std::nullopt;
  const int over = std::min(it->second.failures - a.free_failures, 20);
  const auto delay = std::min<std::chrono::seconds>(a.first_delay * (1LL << over), a.delay_max);
  const auto until = it->second.last + delay;
  if (now >= until) return std::nullopt;
  return std::chrono::ceil<std::chrono::seconds>(until - now);
}

// Forgets old failures; keeps memory bounded when someone tries many usernames.
void LoginThrottle::prune(Clock::time_point now) {
  for (Table* t : {&by_pair_, &by_account_, &by_address_}) {
    std::erase_if(*t, [&](const auto& kv) {
      return kv.second.in_flight == 0 && now - kv.second.last > forget_after;
    });
    if (t->size() >= entries_max) {
      std::erase_if(*t, [](const auto& kv) { return kv.second.in_flight == 0; });
    }
  }
}

std::optional<std::chrono::seconds> LoginThrottle::begin(const std::string& username,
                                                         const std::string& address,
                                                         Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (by_pair_.size() + by_account_.size() + by_address_.size() >= entries_max) prune(now);
  const std::string account = core::normalize_username(username);
  const std::string pair = pair_key(account, address);
  std::optional<std::chrono::seconds> longest;
  for (auto w : {wait(by_pair_, pair, per_pair, now), wait(by_account_, account, per_account, now),
                 wait(by_address_, address, per_address, now)}) {
    if (w && (!longest || *w > *longest)) longest = w;
  }
  if (longest) return longest;
  for (Entry* e : {&by_pair_[pair], &by_account_[account], &by_address_[address]}) {
    if (e->in_flight == 0 && now - e->last > forget_after) *e = Entry{};
    ++e->failures;
    ++e->in_flight;
    e->last = now;
  }
  return std::nullopt;
}

void LoginThrottle::finish(const std::string& username, const std::string& address, bool good,
                           Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const std::string account = core::normalize_username(username);
  const std::string pair = pair_key(account, address);
  for (auto [table, key] : {std::pair{&by_pair_, pair}, std::pair{&by_account_, account},
                            std::pair{&by_address_, address}}) {
    auto it = table->find(key);
    if (it == table->end()) continue;
    Entry& e = it->second;
    e.in_flight = std::max(0, e.in_flight - 1);
    if (good) {
      e.failures = std::max(0, e.failures - 1);  // this attempt was not a failure
      if (table != &by_address_) table->erase(it);
      continue;
    }
    e.last = std::max(e.last, now);
  }
}

}  // namespace salesdesk::app
