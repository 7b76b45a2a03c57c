// Demo data for `salesdesk serve --demo` on an empty journal: a few teams and users to log in as.
// Later features (pages, leads, conversations, orders) add theirs here.
#pragma once

#include <string>

#include "app/engine.hpp"

namespace salesdesk::app {

constexpr const char* demo_password = "demo-pass-1";

// Applies the demo commands through the engine (journaled like any other command).
void add_demo_data(Engine& engine);

}  // namespace salesdesk::app
