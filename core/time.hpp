// ISO 8601 UTC with milliseconds, the protocol's only time format. Pure arithmetic, no clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace salesdesk::core {

// 2026-11-23T16:31:48.123Z
std::string format_time(Time t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z" (and "+00:00" for Z); anything else is nullopt.
std::optional<Time> parse_time(std::string_view text);

}  // namespace salesdesk::core
