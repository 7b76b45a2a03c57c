#include "storage/hex.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace salesdesk::storage {

std::string to_hex(const unsigned char* data, std::size_t size) {
  if (size == 0) return {};
  std::string out(size * 2 + 1, '\0');  // OpenSSL writes a terminating NUL
  std::size_t written = 0;
  if (OPENSSL_buf2hexstr_ex(out.data(), out.size(), &written, data, size, '\0') != 1) {
    throw std::runtime_error("hex encoding failed");
  }
  out.resize(size * 2);
  // OpenSSL writes uppercase; hashes are shown and compared in lowercase everywhere.
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string to_hex(std::string_view bytes) {
  return to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::vector<unsigned char>> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  if (text.empty()) return std::vector<unsigned char>{};
  const std::string terminated(text);  // OpenSSL reads a C string
  std::vector<unsigned char> out(text.size() / 2);
  std::size_t length = 0;
  if (OPENSSL_hexstr2buf_ex(out.data(), out.size(), &length, terminated.c_str(), '\0') != 1) {
    return std::nullopt;
  }
  if (length != out.size()) return std::nullopt;  // a NUL inside ended OpenSSL's reading early
  return out;
}

}  // namespace salesdesk::storage
