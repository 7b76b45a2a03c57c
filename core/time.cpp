#include "core/time.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace salesdesk::core {
namespace {

// Howard Hinnant's civil-from-days and days-from-civil algorithms (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* first = text.data() + pos;
  auto [ptr, ec] = std::from_chars(first, first + len, out);
  return ec == std::errc{} && ptr == first + len;
}

}  // namespace

std::string format_time(Time t) {
  std::int64_t days = t / (86400 * ms_per_s);
  std::int64_t rem = t % (86400 * ms_per_s);
  if (rem < 0) {
    rem += 86400 * ms_per_s;
    days -= 1;
  }
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  const auto ms = static_cast<int>(rem % 1000);
  const auto secs = static_cast<int>(rem / 1000);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<long long>(y), m, d, secs / 3600, secs / 60 % 60, secs % 60, ms);
  return buf;
}

std::optional<Time> parse_time(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (!read_int(text, 0, 4, year) || !read_int(text, 5, 2, month) || !read_int(text, 8, 2, day) ||
      !read_int(text, 11, 2, hour) || !read_int(text, 14, 2, minute) ||
      !read_int(text, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    std::size_t digits = 0;
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 3; ++i) millis *= 10;
  }
  const std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "+00:00") return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month),
                                            static_cast<unsigned>(day));
  return ((days * 86400 + hour * 3600 + minute * 60 + second) * ms_per_s) + millis;
}

namespace {

constexpr std::int64_t offset_minutes_max = 14 * 60;  // the widest offset in use, UTC+14

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
std::optional<Time> wall_time(std::string_view date, const std::string& clock) {
  const auto t = parse_time(std::string(date) + "T" + clock + "Z");
  if (!t || format_time(*t).substr(0, 10) != date) return std::nullopt;
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


Time resolve_time_arg(const TimeArg& arg, std::int64_t offset_minutes, bool end_of_day) {
  constexpr Time ms_per_minute = 60 * ms_per_s;
  constexpr Time ms_per_day = 86400 * ms_per_s;
  const Time local = arg.wall + (arg.date_only && end_of_day ? ms_per_day - 1 : 0);
  return local - arg.offset_minutes.value_or(offset_minutes) * ms_per_minute;
}

}  // namespace salesdesk::core
