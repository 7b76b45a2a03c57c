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

// The message of a refusal in a UA unit, or "accepted".
std::string why(std::string_view raw) {
  auto r = normalize_phone(raw, "UA", "leads[3].phone");
  return r.ok() ? "accepted" : r.error().message;
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
    const std::string& number = old_number;  // (clang 14 captures no structured binding)
    CAPTURE(number);
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

TEST_CASE("a foreign phone after 00 or + must be valid for its own country (issue 8)") {
  // +1 numbers have 10 digits after the code; libphonenumber finds +1 251155919 invalid.
  CHECK(ua("001251155919") == "invalid");
  CHECK(vn("001251155919") == "invalid");
  CHECK(ua("+1251155919") == "invalid");
  auto r = normalize_phone("001251155919", "UA", "leads[3].phone");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::bad_request);
  CHECK(r.error().message ==
        "leads[3].phone is not a valid phone number: a number of country code +1 has 10 digits "
        "after it");
}

TEST_CASE("valid foreign phones are accepted with 00 and +, in E.164 form") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"+1 415 555 2671", "+14155552671"},     {"001 (415) 555-2671", "+14155552671"},
      {"+1 1 415 555 2671", "+14155552671"},   {"+1 876 927 1234", "+18769271234"},  // Jamaica
      {"+44 20 7946 0958", "+442079460958"},   {"0044 (0) 20 7946 0958", "+442079460958"},
      {"+48 512 345 678", "+48512345678"},     {"0048 512-345-678", "+48512345678"},
      {"+49 30 123456", "+4930123456"},        {"0049 (0) 1512 3456789", "+4915123456789"},
      {"+7 912 345-67-89", "+79123456789"},    {"007 8 912 345 67 89", "+79123456789"},
      {"+7 701 123 4567", "+77011234567"},     {"0036 06 20 123 4567", "+36201234567"},
      {"+39 06 6982 1234", "+390669821234"},   {"+373 69 123 456", "+37369123456"},
      {"0040 721 234 567", "+40721234567"},    {"+90 532 123 45 67", "+905321234567"},
      {"+998 90 123 45 67", "+998901234567"},  {"+20 (0) 10 1234 5678", "+201012345678"},
  };
  for (const auto& [raw, e164] : table) {
    const std::string& number = raw;
    CAPTURE(number);
    CHECK(ua(raw) == e164);
  }
  for (const auto& [raw, e164] : std::vector<std::pair<std::string, std::string>>{
           {"+86 138 0013 8000", "+8613800138000"}, {"0086 138-0013-8000", "+8613800138000"},
           {"+66 81 234 5678", "+66812345678"},     {"0082 10-1234-5678", "+821012345678"},
           {"+81 90 1234 5678", "+819012345678"},   {"00855 12 345 678", "+85512345678"},
           {"+65 9123 4567", "+6591234567"},        {"00 1 604 555 0123", "+16045550123"}}) {
    const std::string& number = raw;
    CAPTURE(number);
    CHECK(vn(raw) == e164);
  }
}

TEST_CASE("foreign phones are refused with the reason: code, length, digits, kind, E.164") {
  const std::string bad = "leads[3].phone is not a valid phone number: ";
  CHECK(why("+999 123 456 789") == bad + "no country has calling code +9, +99 or +999");
  CHECK(why("+80 1234 5678") == bad + "no country has calling code +8, +80 or +801");
  CHECK(why("+0 123 4567") == bad + "a country calling code never starts with 0");
  CHECK(why("+44 20 7946 09581") ==
        bad + "a number of country code +44 has 9 or 10 digits after it");
  CHECK(why("+43 1") == bad + "a number of country code +43 has from 4 to 13 digits after it");
  // NANP area codes never start with 0 or 1; Chinese numbers never with 0.
  CHECK(why("+1 051 234 5678") == bad + "not a valid number for country code +1");
  CHECK(why("+1 151 234 5678") == bad + "not a valid number for country code +1");
  CHECK(why("+86 038 0013 8000") == bad + "not a valid number for country code +86");
  CHECK(why("0048 012 345 678") == bad + "not a valid number for country code +48");
  CHECK(why("+380 60 123 4567") == bad + "not a valid number for country code +380");
  // Toll-free and premium numbers are no customer's phone, here as at home.
  CHECK(why("+1 800 234 5678") == bad + "not a valid number for country code +1");
  CHECK(why("00 800 1234 5678") == bad + "country code +800 has no mobile or landline numbers");
  // libphonenumber takes German numbers of 15 digits after +49; E.164 caps them at 15 in all.
  CHECK(why("+49 30 1234567890123") ==
        bad + "a number of country code +49 has from 5 to 13 digits after it");
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
