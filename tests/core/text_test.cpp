#include "core/text.hpp"

#include <doctest/doctest.h>

using namespace salesdesk::core;

TEST_CASE("folding ignores case and Vietnamese marks, lower-cases Cyrillic") {
  CHECK(fold("Nguyễn Thị Lan") == "nguyen thi lan");
  CHECK(fold("ĐẶNG VĂN ĐỨC") == "dang van duc");
  CHECK(fold("Phạm Hồng Ưng Ỳ") == "pham hong ung y");
  CHECK(fold("Олена Коваль") == "олена коваль");
  CHECK(fold("ЄВГЕН ЇЖАК ІРИНА ҐАНОК") == "євген їжак ірина ґанок");
  CHECK(fold("plain ascii 123") == "plain ascii 123");
}

TEST_CASE("words split on anything that is not a letter or a digit") {
  CHECK(words("Nguyễn Thị-Lan, (VIP) 2024") == std::vector<std::string>{"nguyen", "thi", "lan", "vip", "2024"});
  CHECK(words("  ").empty());
  CHECK(words("Тарас—Бойко") == std::vector<std::string>{"тарас", "бойко"});
}

TEST_CASE("clean text refuses broken UTF-8 and control characters") {
  CHECK(clean_text("Hà Nội\tline\nnext"));
  CHECK_FALSE(clean_text(std::string("bad \xff byte")));
  CHECK_FALSE(clean_text(std::string("nul \0 inside", 12)));
  CHECK_FALSE(clean_text("bell \x07"));
}

TEST_CASE("names are on one line with nothing invisible; texts refuse direction overrides") {
  CHECK(clean_name("Nguyễn Thị Lan"));
  CHECK(clean_name("Олена 🌸"));
  CHECK(clean_name("Lan 👩\u200d💻"));  // a joiner inside an emoji sequence
  for (const char* bad : {"\u202enimda", "ad\u200dmin", "ad\u200bmin", "\ufeffadmin", "a\u00adb", "x\u2066y",
                          "tab\there", "two\nlines", "c1\u0085", "\u3164"}) {
    CAPTURE(bad);
    CHECK_FALSE(clean_name(bad));
  }
  CHECK(clean_text("two\nlines\tand a tab"));
  CHECK_FALSE(clean_text("\u202enimda"));
  CHECK_FALSE(clean_text("c1\u0085"));
  CHECK(blank(""));
  CHECK(blank(" \t\n\u00a0\u3000"));
  CHECK_FALSE(blank(" a "));
}
