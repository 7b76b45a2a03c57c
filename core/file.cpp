#include "core/file.hpp"

#include <algorithm>

#include "core/customer.hpp"
#include "core/state.hpp"

namespace salesdesk::core {

const StoredFile* Files::find(const std::string& sha256) const {
  auto it = by_sha256.find(sha256);
  return it == by_sha256.end() ? nullptr : &it->second;
}

void evolve(Files& files, const FileStored& e, Time at) {
  files.by_sha256.try_emplace(e.sha256, StoredFile{e.file_name, e.content_type, e.size, e.by, at});
}

Result<Events> decide(const State& s, UserId actor, const StoreFile& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  if (!is_sha256_hex(c.sha256)) {
    return reject(Code::bad_request, "sha256 must be 64 lower-case hex digits");
  }
  if (auto ok = check_name(c.file_name, "name", file_name_bytes_max, true); !ok) {
    return ok.error();
  }
  if (c.size < 1 || c.size > file_bytes_max) {
    return reject(Code::bad_request, "a file has 1 byte to 25 MiB");
  }
  if (c.content_type.empty() || c.content_type.size() > 100) {
    return reject(Code::bad_request, "content_type is required");
  }
  return Events{FileStored{c.sha256, c.file_name, c.content_type, c.size, actor}};
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char ch) {
           return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
         });
}

std::string file_of_url(std::string_view url) {
  constexpr std::string_view prefix = "/files/";
  if (url.substr(0, prefix.size()) != prefix) return {};
  const std::string_view rest = url.substr(prefix.size());
  return is_sha256_hex(rest) ? std::string(rest) : std::string();
}

}  // namespace salesdesk::core
