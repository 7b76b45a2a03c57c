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
constexpr std::string_view offset_key = "unit.utc_offset_minutes";

}  // namespace

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
