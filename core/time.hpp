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

// A time as people type it (filters, the journal CLI): its date and time of day, and the offset
// if one was written.
struct TimeArg {
  Time wall = 0;                               // the written date and time, counted as if UTC
  std::optional<std::int64_t> offset_minutes;  // nullopt: the unit's local time
  bool date_only = false;                      // "2026-11-23": the whole local day
};

// The forms parse_time_arg accepts, for error messages.
extern const std::string_view time_arg_forms;

// YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.fff]] (a space may stand for the T) followed by Z,
// +HH:MM, +HHMM, +HH (or -), or by nothing for the unit's local time. Anything else: nullopt.
std::optional<TimeArg> parse_time_arg(std::string_view text);

// The UTC instant of an argument for a unit `offset_minutes` east of UTC (an argument with its
// own offset keeps it). A date is its first millisecond, or its last one with `end_of_day`.
Time resolve_time_arg(const TimeArg& arg, std::int64_t offset_minutes, bool end_of_day);

}  // namespace salesdesk::core
