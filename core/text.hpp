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

// True if the text is valid UTF-8 without control characters other than tab and newline, and
// without the bidirectional overrides and isolates that make a text read other than it is
// stored (U+202A..U+202E, U+2066..U+2069).
bool clean_text(std::string_view utf8);

// True if a name is clean text on one line with nothing invisible in it: no tab or newline, no
// bidirectional marks, zero-width spaces or joiners, word joiners, soft hyphens, byte order
// marks or Hangul fillers. "\u202Enimda" would show as "admin".
bool clean_name(std::string_view utf8);

// True if the text has nothing but white space (any Unicode space) or is empty.
bool blank(std::string_view utf8);

// Decodes the code point at `i` and moves `i` past it; an invalid byte is U+FFFD.
char32_t next_code_point(std::string_view utf8, std::size_t& i);

// Characters that show nothing: zero-width spaces and joiners, direction marks, word joiners,
// soft hyphens, byte order marks, fillers.
bool invisible(char32_t cp);

}  // namespace salesdesk::core
