// The login throttle and the phone lookup limits, on a test clock.
#include "app/auth.hpp"

#include <doctest/doctest.h>

#include "app/lookups.hpp"

using namespace salesdesk::app;
using std::chrono::seconds;

namespace {

const LoginThrottle::Clock::time_point t0{};

}  // namespace

TEST_CASE("a burst of wrong passwords is throttled as it starts, not after hashing") {
  LoginThrottle throttle;
  int started = 0;
  for (int i = 0; i < 500; ++i) started += throttle.begin("lan", "10.0.0.1", t0) ? 0 : 1;
  CHECK(started == LoginThrottle::per_pair.free_failures);
  auto wait = throttle.begin("lan", "10.0.0.1", t0);
  REQUIRE(wait);
  CHECK(*wait == seconds{30});
}

TEST_CASE("one attacker does not lock the owner out elsewhere, nor the office's address") {
  LoginThrottle throttle;
  for (int i = 0; i < 5; ++i) {
    REQUIRE_FALSE(throttle.begin("lan", "attacker", t0));
    throttle.finish("lan", "attacker", false, t0);
  }
  CHECK(throttle.begin("lan", "attacker", t0));
  CHECK_FALSE(throttle.begin("lan", "office", t0));   // the owner, from elsewhere
  throttle.finish("lan", "office", true, t0);
  CHECK_FALSE(throttle.begin("minh", "attacker", t0));  // another account, the same address
}

TEST_CASE("delays grow per pair and per account, and failures are forgotten") {
  LoginThrottle throttle;
  const auto fail = [&](const char* address, LoginThrottle::Clock::time_point at) {
    if (throttle.begin("lan", address, at)) return false;
    throttle.finish("lan", address, false, at);
    return true;
  };
  for (int i = 0; i < 5; ++i) REQUIRE(fail("a", t0));
  CHECK_FALSE(fail("a", t0 + seconds{29}));
  CHECK(fail("a", t0 + seconds{30}));                   // the 6th after 30 s
  CHECK_FALSE(fail("a", t0 + seconds{30} + seconds{59}));
  CHECK(fail("a", t0 + seconds{30} + seconds{60}));     // then 60 s
  // Twenty failures from many addresses slow the account down for everyone, at most a minute.
  for (int i = 0; i < 13; ++i) REQUIRE(fail(("x" + std::to_string(i)).c_str(), t0 + seconds{100}));
  auto wait = throttle.begin("lan", "owner", t0 + seconds{100});
  REQUIRE(wait);
  CHECK(*wait <= seconds{60});
  CHECK_FALSE(throttle.begin("lan", "owner", t0 + seconds{100} + LoginThrottle::forget_after + seconds{1}));
}

TEST_CASE("phone lookups: a limit per window and an alert at the tenth miss") {
  std::vector<std::pair<salesdesk::core::UserId, int>> alerts;
  PhoneLookups lookups([&](salesdesk::core::UserId u, int misses) { alerts.emplace_back(u, misses); });
  const PhoneLookups::Clock::time_point t{};
  for (int i = 0; i < PhoneLookups::lookups_max; ++i) REQUIRE(lookups.take(7, t));
  CHECK_FALSE(lookups.take(7, t));
  CHECK(lookups.take(8, t));  // per user
  CHECK(lookups.take(7, t + PhoneLookups::window));
  for (int i = 0; i < 12; ++i) lookups.missed(7, t + PhoneLookups::window);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0] == std::pair<salesdesk::core::UserId, int>{7, 10});
}

TEST_CASE("a password hash checks the right password only, and a damaged one checks none") {
  const std::string stored = hash_password("correct horse");
  CHECK(verify_password("correct horse", stored));
  CHECK_FALSE(verify_password("correct horsE", stored));
  std::string damaged = stored;
  damaged.back() = 'z';  // not hex
  CHECK_FALSE(verify_password("correct horse", damaged));
  CHECK_FALSE(verify_password("correct horse", stored.substr(0, stored.size() - 1)));
  CHECK_FALSE(verify_password("correct horse", "pbkdf2-sha256$120000$zz$00"));
  CHECK(token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
