// The whole in-memory state of one unit: every aggregate's projection. Only evolve() changes it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/catalog.hpp"
#include "core/customer.hpp"
#include "core/events.hpp"
#include "core/lead.hpp"
#include "core/order.hpp"
#include "core/settings.hpp"
#include "core/system_message.hpp"
#include "core/team.hpp"
#include "core/user.hpp"

namespace salesdesk::core {

// Snapshots begin with this mark; a snapshot of another layout of the state is not loaded (the
// journal is replayed instead). Change the number whenever what State saves changes.
constexpr std::uint64_t state_format = 0x5344'5354'4154'0002;  // "SDSTAT" and the layout number

struct StaleStateFormat : std::runtime_error {
  StaleStateFormat() : std::runtime_error("the snapshot has another layout of the state") {}
};

struct State {
  Seq seq = 0;  // the last event folded in
  Users users;
  Teams teams;
  Settings settings;
  Catalog catalog;
  Customers customers;
  Orders orders;
  SystemMessages system_messages;
  Leads leads;

  template <class A>
  void save(A& ar) const {
    ar(state_format, seq, users, teams, settings, catalog, customers, orders, system_messages,
       leads);
  }
  template <class A>
  void load(A& ar) {
    std::uint64_t format = 0;
    ar(format);
    if (format != state_format) throw StaleStateFormat();
    ar(seq, users, teams, settings, catalog, customers, orders, system_messages, leads);
    rebuild_lead_indexes(*this);
  }
};

// Folds one event in. Never rejects: events are facts.
void evolve(State& s, const Event& e, Time at);

// The state as bytes (cereal portable binary), deterministic for equal states; used by snapshots
// and to compare a replayed state with a live one.
std::string encode_state(const State& s);
State decode_state(std::string_view bytes);

}  // namespace salesdesk::core
