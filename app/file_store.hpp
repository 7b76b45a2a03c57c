// The files folder beside the journal (POST /api/files, GET /files/{sha256}): bytes kept under
// their SHA-256, written whole or not at all, and what an upload's bytes are, found from the
// bytes themselves (a client's Content-Type or file name is not believed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace salesdesk::app {

// What the bytes are: a MIME type, and the kind of attachment a message shows them as (image,
// video, audio, file).
struct Sniffed {
  std::string content_type;
  std::string kind;
};
// From the first bytes (magic numbers) and, for the zip-based office formats and plain text,
// the name's extension; anything unknown is application/octet-stream.
Sniffed sniff(std::string_view bytes, std::string_view name);

// Lower-case hex SHA-256 (OpenSSL).
std::string sha256_hex(std::string_view bytes);

// One file of a multipart/form-data body: the first part that has a file name.
struct Part {
  std::string name;
  std::string_view bytes;  // into the body
};
// nullopt when the body is not well-formed multipart with the boundary of `content_type`, or
// no part has a file name.
std::optional<Part> first_file_part(std::string_view content_type, std::string_view body);

// Content-Disposition for serving a stored file: inline (images, video, audio, PDF) or as an
// attachment, with the name as an RFC 6266 / 5987 UTF-8 filename* and an ASCII fallback.
std::string content_disposition(std::string_view name, bool inline_view);

class FileStore {
 public:
  explicit FileStore(std::string dir) : dir_(std::move(dir)) {}
  // The folder beside a journal file: "salesdesk.db" -> "salesdesk.db.files".
  static std::string beside(const std::string& journal_path) { return journal_path + ".files"; }
  const std::string& dir() const { return dir_; }
  std::string path(std::string_view sha256) const { return dir_ + "/" + std::string(sha256); }
  // Writes the bytes as path(sha256) (a temporary file, flushed to disk, then renamed), unless
  // they are there already; "" on success, else why not.
  std::string put(std::string_view sha256, std::string_view bytes) const;

 private:
  std::string dir_;
};

}  // namespace salesdesk::app
