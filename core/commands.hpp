// Every command the engine accepts, and the single entry point that decides one.
#pragma once

#include <variant>

#include "core/events.hpp"
#include "core/state.hpp"

namespace salesdesk::core {

// Issued once by the engine on an empty journal: the first admin and the seeded catalog.
struct Bootstrap {
  Secret admin_password_hash;
};

// Every command: the engine's own bootstrap, then each area's (core/areas.hpp).
using Command = VariantOf<TypeList<Bootstrap>, AreaLists<Areas>::Commands>;

// Pure: reads the state, checks the rules, returns events or a named rejection. The actor is
// a user id, or system_actor for commands the engine issues itself.
Result<Events> decide(const State& s, UserId actor, const Command& c, Time now);

// The commands the engine issues to itself at `now` (as the system actor): each area's timers
// whose time has come. The engine decides them like any other command, so every effect is a
// journaled event.
std::vector<Command> due_commands(const State& s, Time now);

}  // namespace salesdesk::core
