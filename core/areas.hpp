// The registry of core's areas, in order: adding an area is its own files plus one line here
// (and its operations' lines in app/modules.cpp). Each area is a struct beside its aggregate:
// - EventTypes, CommandTypes: its events and commands (joined into core::Event, core::Command);
// - a member and `projection`, a pointer to it: its part of core::State (s.users, s.leads);
// - optional static hooks: fold(s, e, at) when its events fold against the whole state (else
//   evolve(s.<member>, e, at)), react(s, e) to another area's event, loaded(s) after a snapshot
//   is read, due(s, now, out) for its timers (commands the engine issues to itself), and
//   observe(s, e, at) for another area's event before it folds (the state as the event found it).
// The journal stores an event by its type id, never by its place here; a new area goes at the
// end, and the layout of snapshots changes with this list (core::state_format).
#pragma once

#include "core/catalog.hpp"
#include "core/conversation.hpp"
#include "core/customer.hpp"
#include "core/file.hpp"
#include "core/lead.hpp"
#include "core/order.hpp"
#include "core/page.hpp"
#include "core/report.hpp"
#include "core/settings.hpp"
#include "core/system_message.hpp"
#include "core/team.hpp"
#include "core/user.hpp"

namespace salesdesk::core {

using Areas = TypeList<UserArea, TeamArea, SettingsArea, CatalogArea, CustomerArea, OrderArea,
                       SystemMessageArea, LeadArea, PageArea, ConversationArea, FileArea,
                       ReportArea>;

template <class List>
struct AreaLists;
template <class... A>
struct AreaLists<TypeList<A...>> {
  using Events = typename JoinedTypes<typename A::EventTypes...>::type;
  using Commands = typename JoinedTypes<typename A::CommandTypes...>::type;
  // The state: every area's part, each a base (so its projection is s.<name>).
  struct Parts : A... {};
};

}  // namespace salesdesk::core
