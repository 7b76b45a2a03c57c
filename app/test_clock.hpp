// The clock of a server started with --test-clock: the wall clock plus an offset that a test
// moves forward (POST /test/clock), so that a test sees a float, a cooldown or a window end
// without sleeping through it. Time still passes as usual in between; it never goes back.
#pragma once

#include <atomic>
#include <chrono>

#include "core/types.hpp"

namespace salesdesk::app {

// The furthest one request may move the clock (a week).
constexpr core::Time test_clock_step_ms_max = 7LL * 24 * 3600 * 1000;

inline core::Time wall_clock() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

class TestClock {
 public:
  core::Time now() const { return wall_clock() + offset_.load(); }
  void advance(core::Time ms) { offset_ += ms; }

 private:
  std::atomic<core::Time> offset_{0};
};

}  // namespace salesdesk::app
