// A state driven as the engine drives it, for the seeded simulations: commands decided, every
// event through the journal's codec (so a simulation also proves each payload round-trips),
// folded, and kept as a journal that replays into a fresh state.
#pragma once

#include <utility>
#include <vector>

#include "core/event_codec.hpp"
#include "core/state.hpp"
#include "tests/core/given.hpp"

namespace salesdesk::test {

struct Journaled {
  State state;
  Time now = t0;
  std::vector<std::pair<Event, Time>> journal;

  // Decides and, when accepted, applies and journals each event, calling
  // `before_fold(event)` first with the state it folds into.
  template <class BeforeFold>
  Result<Events> apply(UserId actor, const Command& c, BeforeFold before_fold) {
    auto r = decide(state, actor, c, now);
    if (!r.ok()) return r;
    for (const Event& e : r.value()) {
      Event stored = decode_payload(event_type(e), encode_payload(e));
      before_fold(stored);
      evolve(state, stored, now);
      journal.emplace_back(std::move(stored), now);
    }
    return r;
  }
  Result<Events> apply(UserId actor, const Command& c) {
    return apply(actor, c, [](const Event&) {});
  }

  // The journal folded into a fresh state is the live state, byte for byte, and so is the live
  // state through a snapshot's round trip (its indexes rebuilt); returns the restored state.
  State check_replay() const {
    State replayed;
    for (const auto& [e, at] : journal) evolve(replayed, e, at);
    CHECK(encode_state(replayed) == encode_state(state));
    State restored = decode_state(encode_state(state));
    CHECK(encode_state(restored) == encode_state(state));
    return restored;
  }
};

}  // namespace salesdesk::test
