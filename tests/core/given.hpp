// Given/when/then support for decide tests: a state built by folding events, commands decided
// against it, and the resulting events applied so the next step sees them.
#pragma once

#include <doctest/doctest.h>

#include "core/commands.hpp"

namespace salesdesk::test {

using namespace salesdesk::core;

constexpr Time t0 = 1'795'000'000'000;  // 2026-11-18
constexpr UserId admin_id = 1;

struct Given {
  State state;
  Time now = t0;

  // A fresh unit: the bootstrap's admin (id 1) and the seeded statuses.
  Given() { must(system_actor, Bootstrap{Secret{"admin-hash"}}); }

  Result<Events> when(UserId actor, const Command& c) const { return decide(state, actor, c, now); }

  // Decides and applies; the command must succeed.
  Events must(UserId actor, const Command& c) {
    auto r = decide(state, actor, c, now);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    for (const Event& e : r.value()) evolve(state, e, now);
    return r.value();
  }

  UserId user(const std::string& username, Role role, std::vector<TeamId> teams = {}) {
    must(admin_id, CreateUser{username, username + " name", role, Secret{"hash-" + username}, teams});
    return state.users.find_username(username)->id;
  }

  void login(UserId id, const std::string& digest) { must(system_actor, StartSession{id, Secret{digest}}); }
};

inline Code code_of(const Result<Events>& r) {
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

template <class T>
const T& only(const Events& events) {
  REQUIRE(events.size() == 1);
  const T* e = std::get_if<T>(&events.front().base());
  REQUIRE(e != nullptr);
  return *e;
}

template <class T>
std::size_t count_of(const Events& events) {
  std::size_t n = 0;
  for (const Event& e : events) n += std::holds_alternative<T>(e.base()) ? 1 : 0;
  return n;
}

}  // namespace salesdesk::test
