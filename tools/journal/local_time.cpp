#include "tools/journal/local_time.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <limits>

#include "core/event_codec.hpp"
#include "core/settings.hpp"
#include "core/time.hpp"

namespace salesdesk::journal_cli {
namespace {

constexpr core::Time ms_per_minute = 60 * core::ms_per_s;
constexpr core::Time ms_per_day = 86400 * core::ms_per_s;
constexpr std::int64_t offset_minutes_max = 14 * 60;  // the widest offset in use, UTC+14
constexpr std::string_view offset_key = "unit.utc_offset_minutes";

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int two_digits(std::string_view s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

// "YYYY-MM-DD" with digits where digits belong; whether the day exists is checked later.
bool date_shape(std::string_view d) {
  return d.size() == 10 && d[4] == '-' && d[7] == '-' && all_digits(d.substr(0, 4)) &&
         all_digits(d.substr(5, 2)) && all_digits(d.substr(8, 2));
}

// "Z", "+07:00", "+0700", "+07", "-03:00": minutes east of UTC.
std::optional<std::int64_t> parse_offset(std::string_view z) {
  if (z == "Z" || z == "z") return 0;
  if (z.size() < 3 || (z[0] != '+' && z[0] != '-') || !all_digits(z.substr(1, 2))) {
    return std::nullopt;
  }
  std::string_view rest = z.substr(3);
  if (rest.size() == 3 && rest[0] == ':') rest.remove_prefix(1);
  if (!rest.empty() && (rest.size() != 2 || !all_digits(rest))) return std::nullopt;
  const std::int64_t extra = rest.empty() ? 0 : two_digits(rest);
  const std::int64_t minutes = two_digits(z.substr(1, 2)) * 60 + extra;
  if (extra > 59 || minutes > offset_minutes_max) return std::nullopt;
  return z[0] == '-' ? -minutes : minutes;
}

// The date and time of day counted as if UTC. core::parse_time does the calendar; a day that
// does not exist (2026-02-30) would roll over there, so the date must come back unchanged.
std::optional<core::Time> wall_time(std::string_view date, const std::string& clock) {
  const auto t = core::parse_time(std::string(date) + "T" + clock + "Z");
  if (!t || core::format_time(*t).substr(0, 10) != date) return std::nullopt;
  return t;
}

// "HH:MM[:SS[.fff]]" at the start of text: the clock as "HH:MM:SS[.fff]" and its length.
std::optional<std::pair<std::string, std::size_t>> parse_clock(std::string_view text) {
  if (text.size() < 5 || text[2] != ':' || !all_digits(text.substr(0, 2)) ||
      !all_digits(text.substr(3, 2)) || two_digits(text) > 23 || two_digits(text.substr(3)) > 59) {
    return std::nullopt;
  }
  std::string clock(text.substr(0, 5));
  std::size_t pos = 5;
  if (pos < text.size() && text[pos] == ':') {
    if (text.size() < 8 || !all_digits(text.substr(6, 2)) || two_digits(text.substr(6)) > 59) {
      return std::nullopt;
    }
    pos = 8;
  }
  clock += pos == 8 ? std::string(text.substr(5, 3)) : std::string(":00");
  if (pos < text.size() && text[pos] == '.') {
    std::size_t end = pos + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end == pos + 1) return std::nullopt;
    clock += text.substr(pos, end - pos);
    pos = end;
  }
  return std::pair{clock, pos};
}

}  // namespace

const std::string_view time_arg_forms =
    "2026-11-23T10:32:00Z, 2026-11-23T10:32:00.123Z, 2026-11-23T17:32:00+07:00 "
    "(or +0700, -03:00), 2026-11-23T17:32:00 or 2026-11-23 17:32 (the unit's local time), or "
    "2026-11-23 (a whole day on the unit's clock)";

std::optional<TimeArg> parse_time_arg(std::string_view text) {
  if (text.size() < 10 || !date_shape(text.substr(0, 10))) return std::nullopt;
  const std::string_view date = text.substr(0, 10);
  if (text.size() == 10) {
    const auto wall = wall_time(date, "00:00:00");
    if (!wall) return std::nullopt;
    return TimeArg{*wall, std::nullopt, true};
  }
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  const auto clock = parse_clock(text.substr(11));
  if (!clock) return std::nullopt;
  const std::string_view zone = text.substr(11 + clock->second);
  std::optional<std::int64_t> offset;
  if (!zone.empty()) {
    offset = parse_offset(zone);
    if (!offset) return std::nullopt;
  }
  const auto wall = wall_time(date, clock->first);
  if (!wall) return std::nullopt;
  return TimeArg{*wall, offset, false};
}

std::string offset_text(std::int64_t minutes) {
  const std::int64_t a = minutes < 0 ? -minutes : minutes;
  char buf[48];  // room for any int64, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", minutes < 0 ? '-' : '+',
                static_cast<long long>(a / 60), static_cast<long long>(a % 60));
  return buf;
}

std::string date_text(std::int64_t day) {
  return core::format_time(day * ms_per_day).substr(0, 10);
}

UnitOffsets::UnitOffsets() {
  const core::SettingDef* def = core::find_setting(offset_key);
  assert(def != nullptr);
  changes_.emplace_back(std::numeric_limits<core::Time>::min(),
                        std::get<std::int64_t>(def->default_value));
}

UnitOffsets UnitOffsets::read(const storage::Journal& journal) {
  UnitOffsets out;
  journal.fold(1, 0, [&](const storage::Journal::Fold& row) {
    if (row.type != core::SettingsChanged::type_id) return;
    const core::Event e = core::decode_payload(row.type, row.payload);
    for (const core::SettingChange& c : std::get<core::SettingsChanged>(e.base()).changes) {
      const auto* minutes = std::get_if<std::int64_t>(&c.value);
      if (c.key == offset_key && minutes != nullptr) out.changes_.emplace_back(row.at, *minutes);
    }
  });
  // Rows are in seq order; a server clock that stepped back could break time order.
  std::stable_sort(out.changes_.begin(), out.changes_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::int64_t UnitOffsets::at(core::Time utc) const {
  auto it = std::upper_bound(changes_.begin(), changes_.end(), utc,
                             [](core::Time t, const auto& change) { return t < change.first; });
  assert(it != changes_.begin());
  return std::prev(it)->second;
}

core::Time UnitOffsets::utc_of_local(core::Time wall) const {
  std::optional<core::Time> before_gap;
  for (std::size_t i = 0; i < changes_.size(); ++i) {
    const core::Time utc = wall - changes_[i].second * ms_per_minute;
    const bool last = i + 1 == changes_.size();
    if (utc >= changes_[i].first && (last || utc < changes_[i + 1].first)) return utc;
    if (!last && utc >= changes_[i + 1].first) before_gap = utc;
  }
  assert(before_gap.has_value());
  return *before_gap;
}

std::string UnitOffsets::local_text(core::Time utc) const {
  const std::int64_t minutes = at(utc);
  std::string text = core::format_time(utc + minutes * ms_per_minute);
  text.pop_back();  // the "Z"
  return text + offset_text(minutes);
}

core::Time resolve(const TimeArg& arg, const UnitOffsets& offsets, DayEnd end) {
  if (arg.date_only) {
    if (end == DayEnd::first_ms) return offsets.utc_of_local(arg.wall);
    return offsets.utc_of_local(arg.wall + ms_per_day) - 1;
  }
  if (arg.offset_minutes) return arg.wall - *arg.offset_minutes * ms_per_minute;
  return offsets.utc_of_local(arg.wall);
}

}  // namespace salesdesk::journal_cli
