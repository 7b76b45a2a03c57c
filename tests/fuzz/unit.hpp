// A small unit for the op target to run against: an admin, a manager and sales in two teams
// (one of them deactivated), the demo's tea-shop catalog, customers with notes, orders in several
// statuses, leads owned, floated into the pool, claimed, revealed, noted and called, and a system
// message. Built once per process by deciding and evolving core commands, as the engine would.
#pragma once

#include <array>

#include "app/protocol.hpp"
#include "core/state.hpp"

namespace salesdesk::fuzz {

struct Unit {
  core::State state;
  core::Time now = 0;                 // the engine's clock for every fuzzed request
  std::array<app::Caller, 3> callers;  // admin, manager, sale
  app::ImportStaging staging;          // theirs
};

// The same unit every call (built on the first); aborts if a command of the build is rejected.
const Unit& unit();

}  // namespace salesdesk::fuzz
