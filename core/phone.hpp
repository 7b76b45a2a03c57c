// Phone numbers: one normaliser for the whole product (SPEC.md section 5 "Phones").
// A number of the unit's country becomes its national form ("0912345678"); a number of another
// country, dialled with "00" or "+", keeps its E.164 form ("+380671234567"). Validity follows
// the numbering plans of Google's libphonenumber (mobile and fixed line only): the VN and UA
// patterns and those of the countries met most are copied here, every other calling code is
// checked by the lengths and first digits of its numbers, and tests/core/phone_corpus_test.py
// cross-checks all of it against python3-phonenumbers. Old 11-digit Vietnamese mobiles are
// renumbered (the 2018 change). Masking keeps 3 and 3 digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace salesdesk::core {

// The unit's country as in the setting phone.country: "VN" or "UA".
// Returns the normalised phone or bad_request naming `field` (and, for a number dialled with
// "00" or "+", why: an unknown calling code, a length or digits the country does not use).
Result<std::string> normalize_phone(std::string_view raw, std::string_view country,
                                    std::string_view field = "phone");

// The 2018 renumbering of an 11-digit national VN mobile ("01623456789" -> "0323456789");
// anything else is returned unchanged.
std::string renumber_vn(std::string_view national);

// "0912345678" -> "091****678": the first 3 and last 3 digits stay, the rest become '*'.
std::string mask_phone(std::string_view phone);

// A normalised phone in 8 bytes, for the indexes that hold one per lead: the digits as a number,
// their count (national forms start with a 0) and whether it is international. phone_key takes
// what normalize_phone returned and phone_text gives it back; anything else is PhoneKey::none.
enum class PhoneKey : std::uint64_t { none = 0 };
PhoneKey phone_key(std::string_view normalised);
std::string phone_text(PhoneKey key);

// The digits of a search prefix as a stored phone would begin ("+84 91" -> "091" in VN).
std::string phone_prefix(std::string_view raw, std::string_view country);

}  // namespace salesdesk::core
