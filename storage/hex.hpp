// Hexadecimal text of bytes, lowercase, on OpenSSL's codec: the one place the project turns
// hashes, salts and digests into text and back.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salesdesk::storage {

std::string to_hex(std::string_view bytes);
std::string to_hex(const unsigned char* data, std::size_t size);
// The bytes of a hex text (either case); nullopt for an odd length or a non-hex character.
std::optional<std::vector<unsigned char>> from_hex(std::string_view text);

}  // namespace salesdesk::storage
