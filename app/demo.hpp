// Demo data for `salesdesk serve --demo` on an empty journal: teams and users to log in as, a
// small tea shop's catalog (products TRA-XANH, CA-PHE, MAT-ONG, AM-TRA, combo QUA-TET, sources,
// warehouses), three pages (an API channel, a Facebook page, a Zalo OA, granted to the teams),
// two customers and three orders, eight leads and the pool turned on with float_all (so leads of
// floating statuses enter it at once). Later features (conversations) add theirs here.
#pragma once

#include <string>

#include "app/engine.hpp"

namespace salesdesk::app {

constexpr const char* demo_password = "demo-pass-1";
// The signing key of the demo API page (`tea-shop`), for signed webhooks in a demo.
constexpr const char* demo_api_secret = "demo-api-secret";

// Applies the demo commands through the engine (journaled like any other command).
void add_demo_data(Engine& engine);

}  // namespace salesdesk::app
