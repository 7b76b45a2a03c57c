#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace salesdesk::core {

char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t len = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xfffd;
  }
  char32_t cp = len == 1 ? c : c & (0xff >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  i += len;
  return cp;
}

namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Every accented Latin letter of Vietnamese, upper and lower case, by its base letter.
const std::unordered_map<char32_t, char>& vietnamese() {
  static const std::unordered_map<char32_t, char> table = [] {
    const std::array<std::pair<char, std::string_view>, 7> letters = {{
        {'a', "àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"},
        {'e', "èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ"},
        {'i', "ìíỉĩịÌÍỈĨỊ"},
        {'o', "òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"},
        {'u', "ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ"},
        {'y', "ỳýỷỹỵỲÝỶỸỴ"},
        {'d', "đĐ"},
    }};
    std::unordered_map<char32_t, char> out;
    for (const auto& [base, variants] : letters) {
      for (std::size_t i = 0; i < variants.size();) out.emplace(next_code_point(variants, i), base);
    }
    return out;
  }();
  return table;
}

char32_t lower_cyrillic(char32_t cp) {
  if (cp >= 0x410 && cp <= 0x42f) return cp + 0x20;  // А..Я
  if (cp >= 0x400 && cp <= 0x40f) return cp + 0x50;  // Ѐ..Џ, with Є І Ї
  if (cp == 0x490) return 0x491;                     // Ґ
  return cp;
}

bool is_word_char(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  }
  return cp != 0xfffd && !(cp >= 0x2000 && cp <= 0x206f) && cp != 0xa0 && cp != 0x3000;
}

}  // namespace

std::string fold(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = next_code_point(utf8, i);
    if (cp >= 'A' && cp <= 'Z') {
      out.push_back(static_cast<char>(cp - 'A' + 'a'));
      continue;
    }
    if (cp >= 0x80) {
      auto it = vietnamese().find(cp);
      if (it != vietnamese().end()) {
        out.push_back(it->second);
        continue;
      }
    }
    append_utf8(out, lower_cyrillic(cp));
  }
  return out;
}

std::vector<std::string> words(std::string_view utf8) {
  const std::string folded = fold(utf8);
  std::vector<std::string> out;
  std::string word;
  for (std::size_t i = 0; i < folded.size();) {
    const std::size_t start = i;
    const char32_t cp = next_code_point(folded, i);
    if (is_word_char(cp)) {
      word.append(folded, start, i - start);
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

namespace {

bool control(char32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

bool bidi_override(char32_t cp) {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

bool space(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200b) || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
         cp == 0xfeff;
}

}  // namespace

bool invisible(char32_t cp) {
  return cp == 0xad || cp == 0x34f || cp == 0x61c || cp == 0x115f || cp == 0x1160 || cp == 0x17b4 ||
         cp == 0x17b5 || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) || cp == 0x2028 ||
         cp == 0x2029 || (cp >= 0x2060 && cp <= 0x206f) || cp == 0x3164 || cp == 0xfeff ||
         cp == 0xffa0 || (cp >= 0xfff0 && cp <= 0xfff8) || (cp >= 0xe0000 && cp <= 0xe0fff);
}

bool clean_text(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = next_code_point(utf8, i);
    if (cp == 0xfffd || bidi_override(cp)) return false;
    if (control(cp) && cp != '\t' && cp != '\n') return false;
  }
  return true;
}

// A zero-width joiner is allowed only inside an emoji sequence (after a symbol): between
// letters it would make two names that look alike differ.
bool clean_name(std::string_view utf8) {
  char32_t previous = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = next_code_point(utf8, i);
    const bool emoji_joiner = cp == 0x200d && previous >= 0x2100;
    if (cp == 0xfffd || control(cp) || bidi_override(cp) || (invisible(cp) && !emoji_joiner)) {
      return false;
    }
    previous = cp;
  }
  return true;
}

bool blank(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size();) {
    if (!space(next_code_point(utf8, i))) return false;
  }
  return true;
}

}  // namespace salesdesk::core
