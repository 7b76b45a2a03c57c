// The whole in-memory state of one unit: every area's projection. Only evolve() changes it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/events.hpp"

namespace salesdesk::core {

// Snapshots begin with this mark; a snapshot of another layout of the state is not loaded (the
// journal is replayed instead). Change the number whenever what State saves changes.
constexpr std::uint64_t state_format = 0x5344'5354'4154'000B;  // "SDSTAT" and the layout number

struct StaleStateFormat : std::runtime_error {
  StaleStateFormat() : std::runtime_error("the snapshot has another layout of the state") {}
};

// Every area's projection is a part of the state (core/areas.hpp): s.users, s.leads, ...
struct State : AreaLists<Areas>::Parts {
  Seq seq = 0;  // the last event folded in

  // Calls f(part) for every area's part, in the registry's order.
  template <class F>
  void each_part(F&& f) {
    for_each_type(Areas{}, [&]<class A>() { f(static_cast<A&>(*this)); });
  }
  template <class F>
  void each_part(F&& f) const {
    for_each_type(Areas{}, [&]<class A>() { f(static_cast<const A&>(*this)); });
  }

  template <class A>
  void save(A& ar) const {
    ar(state_format, seq);
    each_part([&](const auto& part) { ar(part.*part.projection); });
  }
  template <class A>
  void load(A& ar) {
    std::uint64_t format = 0;
    ar(format);
    if (format != state_format) throw StaleStateFormat();
    ar(seq);
    each_part([&](auto& part) { ar(part.*part.projection); });
    for_each_type(Areas{}, [&]<class Area>() {
      if constexpr (requires { Area::loaded(*this); }) Area::loaded(*this);
    });
  }
};

// Folds one event in. Never rejects: events are facts.
void evolve(State& s, const Event& e, Time at);

// The state as bytes (cereal portable binary), deterministic for equal states; used by snapshots
// and to compare a replayed state with a live one.
std::string encode_state(const State& s);
State decode_state(std::string_view bytes);

}  // namespace salesdesk::core
