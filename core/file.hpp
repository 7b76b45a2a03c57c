// Stored files (SPEC.md section 4, "Working a conversation": images and files sent from the
// chat). The bytes live in the server's files folder beside the journal, named by their
// SHA-256; the journal records who stored which bytes under which name, so a file's type and
// name are known without reading it, and a message may only name a file that was stored.
#pragma once

#include <cereal/cereal.hpp>
#include <string>
#include <unordered_map>

#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

// ---- stream ----
inline std::string file_stream(const std::string& sha256) { return "file:" + sha256; }

// ---- events ----
// A user stored these bytes (an upload); the same bytes stored again by another name, or by
// another user, are recorded again (who stored what), and kept once.
struct FileStored {
  static constexpr std::uint16_t type_id = 200;
  static constexpr const char* name = "FileStored";
  std::string sha256;  // lower-case hex
  std::string file_name;
  std::string content_type;  // as found from the bytes, not as the client said
  std::int64_t size = 0;
  UserId by = 0;
  std::string stream() const { return file_stream(sha256); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(sha256), CEREAL_NVP(file_name), CEREAL_NVP(content_type), CEREAL_NVP(size),
       CEREAL_NVP(by));
  }
};

// ---- state ----
struct StoredFile {
  std::string name;  // the name it was first stored under
  std::string content_type;
  std::int64_t size = 0;
  UserId by = 0;
  Time at = 0;
  template <class A>
  void serialize(A& ar) {
    ar(name, content_type, size, by, at);
  }
};

struct Files {
  std::unordered_map<std::string, StoredFile> by_sha256;
  const StoredFile* find(const std::string& sha256) const;
  template <class A>
  void serialize(A& ar) {
    ar(by_sha256);
  }
};

// ---- evolve ----
void evolve(Files& files, const FileStored& e, Time at);

// ---- commands and decide ----
constexpr std::int64_t file_bytes_max = 25 * 1024 * 1024;
constexpr std::size_t file_name_bytes_max = 255;

// Issued by the upload route once the bytes are safely in the files folder.
struct StoreFile {
  std::string sha256{};
  std::string file_name{};
  std::string content_type{};
  std::int64_t size = 0;
};

Result<Events> decide(const State& s, UserId actor, const StoreFile& c, Time now);

// ---- queries ----
// "/files/" and the 64 lower-case hex digits of a SHA-256, or "" when `url` is not such a path.
std::string file_of_url(std::string_view url);
bool is_sha256_hex(std::string_view text);

// This aggregate as an area of the state (core/areas.hpp registers it).
struct FileArea {
  using EventTypes = TypeList<FileStored>;
  using CommandTypes = TypeList<StoreFile>;
  Files files;
  static constexpr auto projection = &FileArea::files;
};

}  // namespace salesdesk::core
