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
