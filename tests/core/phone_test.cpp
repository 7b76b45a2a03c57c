#include "core/phone.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace salesdesk::core;

namespace {

std::string vn(std::string_view raw) {
  auto r = normalize_phone(raw, "VN");
  return r.ok() ? r.value() : "invalid";
}

std::string ua(std::string_view raw) {
  auto r = normalize_phone(raw, "UA");
  return r.ok() ? r.value() : "invalid";
}

}  // namespace

TEST_CASE("Vietnamese numbers in every common spelling become one national form") {
  for (const char* raw : {"+84 912 345 678", "84912345678", "0912.345.678", "0912345678",
                          "0912-345-678", "(091) 234 5678", "+84912345678", "0084912345678",
                          "912345678"}) {
    CAPTURE(raw);
    CHECK(vn(raw) == "0912345678");
  }
  CHECK(vn("+84 (0) 912 345 678") == "0912345678");  // the trunk 0 kept after the code
  CHECK(ua("+380 (0) 67 123 4567") == "0671234567");
  CHECK(vn("024 3825 1234") == "02438251234");   // a Hanoi landline
  CHECK(vn("+84 28 3822 1234") == "02838221234");  // a Ho Chi Minh City landline
}

TEST_CASE("old 11-digit Vietnamese mobiles are renumbered") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"01201234567", "0701234567"}, {"01211234567", "0791234567"}, {"01221234567", "0771234567"},
      {"01261234567", "0761234567"}, {"01281234567", "0781234567"}, {"01231234567", "0831234567"},
      {"01241234567", "0841234567"}, {"01251234567", "0851234567"}, {"01271234567", "0811234567"},
      {"01291234567", "0821234567"}, {"01621234567", "0321234567"}, {"01631234567", "0331234567"},
      {"01641234567", "0341234567"}, {"01651234567", "0351234567"}, {"01661234567", "0361234567"},
      {"01671234567", "0371234567"}, {"01681234567", "0381234567"}, {"01691234567", "0391234567"},
      {"01861234567", "0561234567"}, {"01881234567", "0581234567"}, {"01991234567", "0591234567"},
  };
  for (const auto& [old_number, new_number] : table) {
    CAPTURE(old_number);
    CHECK(vn(old_number) == new_number);
    CHECK(vn("+84" + old_number.substr(1)) == new_number);
    CHECK(renumber_vn(old_number) == new_number);
  }
  CHECK(vn("01301234567") == "invalid");  // 0130 was never a mobile prefix
  CHECK(renumber_vn("0912345678") == "0912345678");
}

TEST_CASE("Ukrainian numbers") {
  CHECK(ua("+380 67 123 4567") == "0671234567");
  CHECK(ua("380671234567") == "0671234567");
  CHECK(ua("067 123-45-67") == "0671234567");
  CHECK(ua("044 123 4567") == "0441234567");  // Kyiv landline
  CHECK(ua("0601234567") == "invalid");
}

TEST_CASE("numbers of another country keep their international form") {
  CHECK(vn("+380671234567") == "+380671234567");
  CHECK(ua("+84 912 345 678") == "+84912345678");
  CHECK(vn("+1 415 555 2671") == "+14155552671");
  CHECK(vn("+380 60 123 4567") == "invalid");  // a known country's plan still applies
}

TEST_CASE("what is not a phone is rejected, naming the field") {
  for (const char* raw : {"", "abc", "0912 345 67x", "12345", "0812", "+", "++84912345678",
                          "091234567890123", "0212345678", "1234567890123456"}) {
    CAPTURE(raw);
    CHECK(vn(raw) == "invalid");
  }
  auto r = normalize_phone("nope", "VN", "customer.phones[1]");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::bad_request);
  CHECK(r.error().message.find("customer.phones[1]") != std::string::npos);
  CHECK_FALSE(normalize_phone("0912345678", "FR").ok());
}

TEST_CASE("masking keeps the first 3 and last 3 digits") {
  CHECK(mask_phone("0912345678") == "091****678");
  CHECK(mask_phone("02438251234") == "024*****234");
  CHECK(mask_phone("+380671234567") == "+380******567");
  CHECK(mask_phone("12345") == "*****");
}

TEST_CASE("search prefixes are spelled as stored phones begin") {
  CHECK(phone_prefix("091", "VN") == "091");
  CHECK(phone_prefix("+84 91", "VN") == "091");
  CHECK(phone_prefix("+380", "VN") == "+380");
  CHECK(phone_prefix("09.12", "VN") == "0912");
  CHECK(phone_prefix("912", "VN") == "0912");
  CHECK(phone_prefix("lan", "VN").empty());
}

TEST_CASE("a normalised phone packs into 8 bytes and back, national zeros and '+' kept") {
  for (const char* phone : {"0912345678", "0323456789", "+380671234567", "0671234567", "+84912345678", "00912"}) {
    CAPTURE(phone);
    CHECK(phone_key(phone) != PhoneKey::none);
    CHECK(phone_text(phone_key(phone)) == phone);
  }
  CHECK(phone_key("0912345678") != phone_key("912345678"));
  CHECK(phone_key("0912345678") != phone_key("+0912345678"));
  CHECK(phone_key("") == PhoneKey::none);
  CHECK(phone_key("09123x") == PhoneKey::none);
  CHECK(phone_key("01234567890123456") == PhoneKey::none);  // 17 digits: no normalised phone is that long
  CHECK(phone_text(PhoneKey::none).empty());
}
