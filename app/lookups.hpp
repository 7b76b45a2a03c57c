// Full-phone lookups, per user (SPEC.md section 3: a masked phone must never reach a client that
// has not revealed it, not even through a search). Trying the 10,000 fillers of 091****678
// against orders.by_phone would find the number, so for the users from whom numbers may be
// hidden (sales, with masking on): a lookup of a number hidden from them answers as if nothing
// matched and counts as a miss; lookups are limited to lookups_max per window; and the
// misses_alert-th miss in a window records a system message for admin.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>

#include "core/types.hpp"

namespace salesdesk::app {

class PhoneLookups {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int lookups_max = 60;
  static constexpr int misses_alert = 10;
  static constexpr std::chrono::minutes window{10};
  using Alert = std::function<void(core::UserId user, int misses)>;

  explicit PhoneLookups(Alert alert = {}) : alert_(std::move(alert)) {}
  // Counts one lookup; false when the user is over the limit.
  bool take(core::UserId user, Clock::time_point now);
  // A lookup found a number hidden from the user.
  void missed(core::UserId user, Clock::time_point now);

 private:
  struct Count {
    Clock::time_point since{};
    int lookups = 0;
    int misses = 0;
  };
  Count& current(core::UserId user, Clock::time_point now);
  std::mutex mutex_;
  std::map<core::UserId, Count> by_user_;
  Alert alert_;
};

class Engine;
// Records the system message for admin about a user's lookups of hidden numbers.
void report_hidden_lookups(Engine& engine, core::UserId user, int misses);

}  // namespace salesdesk::app
