// The whole in-memory state of one unit: every aggregate's projection. Only evolve() changes it.
#pragma once

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
  void save(A& ar) const { ar(seq, users, teams, settings, catalog, customers, orders, system_messages, leads); }
  template <class A>
  void load(A& ar) {
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
