// Times as the people at the unit type and read them. The journal keeps UTC milliseconds; the
// unit works on its own clock (setting unit.utc_offset_minutes, UTC+7 by default), so the CLI
// accepts a time with an offset, in UTC, or on the unit's clock, and shows both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "core/types.hpp"
#include "storage/journal.hpp"

namespace salesdesk::journal_cli {

using core::parse_time_arg;
using core::time_arg_forms;
using core::TimeArg;

// "+07:00", "-03:30", "+00:00".
std::string offset_text(std::int64_t minutes);
// A local day (days since 1970-01-01 on the unit's clock, as LeadClaimed keeps it) as a date.
std::string date_text(std::int64_t day);

// The unit's UTC offset over the journal's history: the setting's default until the first
// SettingsChanged of unit.utc_offset_minutes, then each change from its event's time on.
class UnitOffsets {
 public:
  UnitOffsets();  // the setting's default throughout, for a journal without changes
  static UnitOffsets read(const storage::Journal& journal);
  // The offset in force at a UTC instant, in minutes.
  std::int64_t at(core::Time utc) const;
  // The UTC instant of a wall-clock time on the unit's clock as it was then. A local time that
  // happened twice (the offset moved back) is its first instant; one that never happened (the
  // offset moved forward) is read with the offset before the change.
  core::Time utc_of_local(core::Time wall) const;
  // "2026-11-23T17:32:00.000+07:00".
  std::string local_text(core::Time utc) const;

 private:
  std::vector<std::pair<core::Time, std::int64_t>> changes_;  // (from, minutes), oldest first
};

// Which end of a whole day a date names: --from a date is its first millisecond, --until and
// --at a date its last one, so "--from D --until D" is the whole day D.
enum class DayEnd { first_ms, last_ms };

// The UTC instant an argument names; offsets matter only for an argument without an offset.
core::Time resolve(const TimeArg& arg, const UnitOffsets& offsets, DayEnd end);

}  // namespace salesdesk::journal_cli
