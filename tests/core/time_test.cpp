#include "core/time.hpp"

#include <doctest/doctest.h>

using namespace salesdesk::core;

TEST_CASE("times are ISO 8601 UTC with milliseconds") {
  CHECK(format_time(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_time(1'795'450'308'123) == "2026-11-23T16:11:48.123Z");
  CHECK(format_time(951'782'400'000) == "2000-02-29T00:00:00.000Z");
  CHECK(format_time(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("parsing accepts what format writes, and a few friendly variants") {
  for (Time t : {Time{0}, Time{1'795'450'308'123}, Time{951'782'400'000}, Time{4'102'444'799'999}}) {
    CAPTURE(t);
    CHECK(parse_time(format_time(t)) == t);
  }
  CHECK(parse_time("2026-11-23T16:11:48Z") == 1'795'450'308'000);
  CHECK(parse_time("2026-11-23T16:11:48.1Z") == 1'795'450'308'100);
  CHECK(parse_time("2026-11-23T16:11:48.123456Z") == 1'795'450'308'123);
  CHECK(parse_time("2026-11-23T16:11:48.123+00:00") == 1'795'450'308'123);
}

TEST_CASE("parsing rejects what is not a UTC time") {
  for (const char* bad : {"", "2026-11-23", "2026-11-23 16:25:08Z", "2026-11-23T16:11:48",
                          "2026-11-23T16:11:48+07:00", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                          "2026-11-23T24:00:00Z", "2026-11-23T16:11:48.Z", "20x6-11-23T16:25:08Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
}
