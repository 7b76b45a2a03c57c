// Text as people search it: case- and accent-insensitive words. "Nguyễn Thị Lan" is found by
// "nguyen", "THI" or "lan"; "Олена" by "олена". Pure UTF-8 handling, no locale.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace salesdesk::core {

// Lower-case, Vietnamese tone and vowel marks removed (đ -> d), Cyrillic lower-cased.
std::string fold(std::string_view utf8);

// The folded words of a text: runs of letters and digits.
std::vector<std::string> words(std::string_view utf8);

// True if the text is valid UTF-8 without control characters other than tab and newline.
bool clean_text(std::string_view utf8);

}  // namespace salesdesk::core
