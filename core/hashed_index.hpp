// A map from text keys to values that holds a 64-bit hash of each key instead of the key: 16 to
// 24 bytes a slot where a std::string key took 32 plus its bytes and its node. The key itself is
// kept by the caller elsewhere (a conversation keeps its channel ids), so every lookup says how
// to tell whether the value found is the one for its key. A key whose hash another key already
// holds (at a million keys, a new key has one chance in 2 x 10^13) goes to a small exact map:
// lookups stay exact.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace salesdesk::core {

// FNV-1a, 64 bits (the index is rebuilt when a state loads, so only its spread matters).
struct Fnv64 {
  std::uint64_t operator()(std::string_view bytes) const {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char b : bytes) {
      h ^= b;
      h *= 0x100000001b3ULL;
    }
    return h;
  }
};

template <class V, class Hash = Fnv64>
class HashedIndex {
 public:
  // The value for `key`, or nullptr; `is_key(value)` tells whether a value is for this key.
  template <class IsKey>
  const V* find(std::string_view key, IsKey is_key) const {
    if (auto it = hashed_.find(Hash{}(key)); it != hashed_.end() && is_key(it->second)) {
      return &it->second;
    }
    if (collided_.empty()) return nullptr;
    auto it = collided_.find(key);
    return it == collided_.end() ? nullptr : &it->second;
  }
  template <class IsKey>
  V* find(std::string_view key, IsKey is_key) {
    return const_cast<V*>(std::as_const(*this).find(key, is_key));
  }
  // Adds the value for `key` unless the key has one; false when it had.
  template <class IsKey>
  bool insert(std::string_view key, const V& value, IsKey is_key) {
    auto [it, added] = hashed_.try_emplace(Hash{}(key), value);
    if (added) return true;
    if (is_key(it->second)) return false;
    return collided_.try_emplace(std::string(key), value).second;
  }
  void clear() {
    hashed_.clear();
    collided_.clear();
  }
  std::size_t size() const { return hashed_.size() + collided_.size(); }
  std::size_t collided() const { return collided_.size(); }
  // Every value, in no particular order.
  template <class F>
  void for_each(F f) const {
    for (const auto& [hash, value] : hashed_) f(value);
    for (const auto& [key, value] : collided_) f(value);
  }

 private:
  boost::unordered_flat_map<std::uint64_t, V> hashed_;
  std::map<std::string, V, std::less<>> collided_;
};

}  // namespace salesdesk::core
