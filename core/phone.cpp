#include "core/phone.hpp"

#include <algorithm>
#include <array>
#include <regex>

namespace salesdesk::core {
namespace {

struct Plan {
  std::string_view country;
  std::string_view calling_code;
  std::regex fixed_line;
  std::regex mobile;
};

// National significant number patterns from libphonenumber's metadata (8.12.57).
const std::array<Plan, 2>& plans() {
  static const std::array<Plan, 2> table = {{
      {"VN", "84",
       std::regex("2(?:0[3-9]|1[0-689]|2[0-25-9]|3[2-9]|4[2-8]|5[124-9]|6[0-39]|7[0-7]|8[2-79]|"
                  "9[0-4679])\\d{7}"),
       std::regex("(?:5(?:2[238]|59)|89[6-9]|99[013-9])\\d{6}|(?:3\\d|5[689]|7[06-9]|8[1-8]|"
                  "9[0-8])\\d{7}")},
      {"UA", "380", std::regex("(?:3[1-8]|4[13-8]|5[1-7]|6[12459])\\d{7}"),
       std::regex("(?:39|50|6[36-8]|7[1-3]|9[1-9])\\d{7}")},
  }};
  return table;
}

const Plan* plan_for(std::string_view country) {
  for (const Plan& p : plans()) {
    if (p.country == country) return &p;
  }
  return nullptr;
}

bool valid_nsn(const Plan& p, const std::string& nsn) {
  return std::regex_match(nsn, p.mobile) || std::regex_match(nsn, p.fixed_line);
}

// The old VN mobile prefixes (national significant number, without the 0) and their new ones.
constexpr std::array<std::pair<std::string_view, std::string_view>, 21> vn_renumbering = {{
    {"120", "70"}, {"121", "79"}, {"122", "77"}, {"126", "76"}, {"128", "78"}, {"123", "83"},
    {"124", "84"}, {"125", "85"}, {"127", "81"}, {"129", "82"}, {"162", "32"}, {"163", "33"},
    {"164", "34"}, {"165", "35"}, {"166", "36"}, {"167", "37"}, {"168", "38"}, {"169", "39"},
    {"186", "56"}, {"188", "58"}, {"199", "59"},
}};

std::string renumber_vn_nsn(const std::string& nsn) {
  if (nsn.size() != 10) return nsn;
  for (const auto& [old_prefix, new_prefix] : vn_renumbering) {
    if (nsn.compare(0, 3, old_prefix) == 0) {
      return std::string(new_prefix) + nsn.substr(3);
    }
  }
  return nsn;
}

// Keeps the digits; a leading '+' (or "00") marks an international number. Separators people
// type (spaces, dots, dashes, brackets, slashes) are dropped; anything else makes it no phone.
std::optional<std::pair<bool, std::string>> clean(std::string_view raw) {
  std::string digits;
  bool international = false;
  bool seen_digit = false;
  for (char c : raw) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      seen_digit = true;
    } else if (c == '+' && !seen_digit && !international) {
      international = true;
    } else if (c != ' ' && c != '.' && c != '-' && c != '(' && c != ')' && c != '/' && c != '\t') {
      return std::nullopt;
    }
  }
  if (!international && digits.rfind("00", 0) == 0) {
    international = true;
    digits.erase(0, 2);
  }
  return std::make_pair(international, digits);
}

constexpr std::size_t e164_digits_min = 8;
constexpr std::size_t e164_digits_max = 15;

// A number that starts with a known calling code: the plan and its national significant number.
std::optional<std::pair<const Plan*, std::string>> split_international(const std::string& digits) {
  for (const Plan& p : plans()) {
    if (digits.rfind(p.calling_code, 0) == 0) {
      return std::make_pair(&p, digits.substr(p.calling_code.size()));
    }
  }
  return std::nullopt;
}

std::optional<std::string> national_nsn(const Plan& unit, const std::string& digits) {
  std::string nsn = digits;
  if (!nsn.empty() && nsn[0] == '0') {
    nsn.erase(0, 1);
  } else if (nsn.rfind(unit.calling_code, 0) == 0) {
    // "84912345678": the calling code without a '+', common in exported lists.
    std::string rest = nsn.substr(unit.calling_code.size());
    if (unit.country == "VN") rest = renumber_vn_nsn(rest);
    if (valid_nsn(unit, rest)) return rest;
  }
  if (unit.country == "VN") nsn = renumber_vn_nsn(nsn);
  if (valid_nsn(unit, nsn)) return nsn;
  return std::nullopt;
}

}  // namespace

std::string renumber_vn(std::string_view national) {
  if (national.size() != 11 || national[0] != '0') return std::string(national);
  return "0" + renumber_vn_nsn(std::string(national.substr(1)));
}

Result<std::string> normalize_phone(std::string_view raw, std::string_view country,
                                    std::string_view field) {
  const auto bad = [&] {
    return reject(Code::bad_request, std::string(field) + " is not a valid phone number");
  };
  const Plan* unit = plan_for(country);
  auto cleaned = clean(raw);
  if (unit == nullptr || !cleaned || cleaned->second.empty()) return bad();
  const auto& [international, digits] = *cleaned;
  if (!international) {
    auto nsn = national_nsn(*unit, digits);
    if (!nsn) return bad();
    return "0" + *nsn;
  }
  if (auto split = split_international(digits)) {
    const Plan& plan = *split->first;
    std::string nsn = split->second;
    // "+84 (0) 912 345 678": people often keep the trunk 0 after the calling code.
    if (nsn.size() > 1 && nsn[0] == '0') nsn.erase(0, 1);
    if (plan.country == "VN") nsn = renumber_vn_nsn(nsn);
    if (!valid_nsn(plan, nsn)) return bad();
    if (&plan == unit) return "0" + nsn;
    return "+" + std::string(plan.calling_code) + nsn;
  }
  // Another country: kept in international form when it is a plausible E.164 number.
  if (digits.size() < e164_digits_min || digits.size() > e164_digits_max || digits[0] == '0') {
    return bad();
  }
  return "+" + digits;
}

namespace {

constexpr int key_length_shift = 54;
constexpr std::uint64_t key_international = std::uint64_t{1} << 59;
constexpr std::uint64_t key_value_mask = (std::uint64_t{1} << key_length_shift) - 1;
constexpr std::size_t key_digits_max = 16;

}  // namespace

PhoneKey phone_key(std::string_view normalised) {
  const bool international = !normalised.empty() && normalised[0] == '+';
  const std::string_view digits = normalised.substr(international ? 1 : 0);
  if (digits.empty() || digits.size() > key_digits_max) return PhoneKey::none;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return PhoneKey::none;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return PhoneKey{value | (std::uint64_t{digits.size()} << key_length_shift) | (international ? key_international : 0)};
}

std::string phone_text(PhoneKey phone) {
  const auto key = static_cast<std::uint64_t>(phone);
  const auto length = static_cast<std::size_t>((key >> key_length_shift) & 31);
  if (length == 0) return {};
  std::string out(length, '0');
  std::uint64_t value = key & key_value_mask;
  for (std::size_t i = length; i-- > 0 && value > 0; value /= 10) out[i] = static_cast<char>('0' + value % 10);
  return (key & key_international) != 0 ? "+" + out : out;
}

std::string mask_phone(std::string_view phone) {
  std::string out(phone);
  std::size_t seen = 0;
  const std::size_t total = static_cast<std::size_t>(
      std::count_if(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; }));
  if (total <= 6) return std::string(phone.size(), '*');
  for (char& c : out) {
    if (c < '0' || c > '9') continue;
    ++seen;
    if (seen > 3 && seen <= total - 3) c = '*';
  }
  return out;
}

std::string phone_prefix(std::string_view raw, std::string_view country) {
  const Plan* unit = plan_for(country);
  auto cleaned = clean(raw);
  if (unit == nullptr || !cleaned) return {};
  const auto& [international, digits] = *cleaned;
  if (international) {
    if (digits.rfind(unit->calling_code, 0) == 0) return "0" + digits.substr(unit->calling_code.size());
    return "+" + digits;
  }
  // People often leave out the trunk 0: "912" is how "0912..." begins.
  return digits.empty() || digits[0] == '0' ? digits : "0" + digits;
}

}  // namespace salesdesk::core
