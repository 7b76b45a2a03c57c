#include "app/file_store.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace salesdesk::app {
namespace {

bool starts(std::string_view bytes, std::string_view magic, std::size_t at = 0) {
  return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
}

std::string lower_extension(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return ext;
}

// Text a person wrote (UTF-8, no NUL or other control bytes but tab and line ends).
bool plain_text(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b < 0x80) {
      if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') return false;
      ++i;
      continue;
    }
    const std::size_t n = (b & 0xE0) == 0xC0   ? 2
                          : (b & 0xF0) == 0xE0 ? 3
                          : (b & 0xF8) == 0xF0 ? 4
                                               : 0;
    if (n == 0 || i + n > bytes.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

bool attr_char(unsigned char ch) {
  return std::isalnum(ch) || std::strchr("!#$&+-.^_`|~", ch) != nullptr;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

Sniffed sniff(std::string_view b, std::string_view name) {
  if (starts(b, "\xFF\xD8\xFF")) return {"image/jpeg", "image"};
  if (starts(b, "\x89PNG\r\n\x1A\n")) return {"image/png", "image"};
  if (starts(b, "GIF87a") || starts(b, "GIF89a")) return {"image/gif", "image"};
  if (starts(b, "RIFF") && starts(b, "WEBP", 8)) return {"image/webp", "image"};
  if (starts(b, "RIFF") && starts(b, "WAVE", 8)) return {"audio/wav", "audio"};
  if (starts(b, "%PDF-")) return {"application/pdf", "file"};
  if (starts(b, "ftyp", 4)) {
    if (starts(b, "M4A", 8)) return {"audio/mp4", "audio"};
    if (starts(b, "qt", 8)) return {"video/quicktime", "video"};
    return {"video/mp4", "video"};
  }
  if (starts(b, "\x1A\x45\xDF\xA3")) return {"video/webm", "video"};
  if (starts(b, "OggS")) return {"audio/ogg", "audio"};
  if (starts(b, "ID3") || (b.size() > 1 && static_cast<unsigned char>(b[0]) == 0xFF &&
                           (static_cast<unsigned char>(b[1]) & 0xE0) == 0xE0)) {
    return {"audio/mpeg", "audio"};
  }
  const std::string ext = lower_extension(name);
  if (starts(b, "PK\x03\x04")) {
    if (ext == "docx") {
      return {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "file"};
    }
    if (ext == "xlsx") {
      return {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "file"};
    }
    if (ext == "pptx") {
      return {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "file"};
    }
    return {"application/zip", "file"};
  }
  if (starts(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) {  // the old Office formats
    if (ext == "doc") return {"application/msword", "file"};
    if (ext == "xls") return {"application/vnd.ms-excel", "file"};
    return {"application/octet-stream", "file"};
  }
  if (plain_text(b.substr(0, 64 * 1024))) {
    return {ext == "csv" ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8", "file"};
  }
  return {"application/octet-stream", "file"};
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

std::optional<Part> first_file_part(std::string_view content_type, std::string_view body) {
  constexpr std::string_view key = "boundary=";
  const auto at = content_type.find(key);
  if (content_type.rfind("multipart/form-data", 0) != 0 || at == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view boundary = content_type.substr(at + key.size());
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"') {
    boundary = boundary.substr(1, boundary.size() - 2);
  }
  if (boundary.empty() || boundary.size() > 70) return std::nullopt;
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next = "\r\n" + delimiter;
  if (body.substr(0, delimiter.size()) != delimiter) return std::nullopt;
  std::size_t pos = delimiter.size();
  while (body.substr(pos, 2) == "\r\n") {
    const std::size_t head_end = body.find("\r\n\r\n", pos + 2);
    if (head_end == std::string_view::npos) return std::nullopt;
    const std::string_view head = body.substr(pos + 2, head_end - pos - 2);
    const std::size_t content = head_end + 4;
    const std::size_t end = body.find(next, content);
    if (end == std::string_view::npos) return std::nullopt;
    // Content-Disposition: form-data; name="file"; filename="a.jpg"
    constexpr std::string_view filename = "filename=\"";
    if (const auto f = head.find(filename); f != std::string_view::npos) {
      const auto close = head.find('"', f + filename.size());
      if (close == std::string_view::npos) return std::nullopt;
      std::string name(head.substr(f + filename.size(), close - f - filename.size()));
      if (!name.empty()) return Part{std::move(name), body.substr(content, end - content)};
    }
    pos = end + next.size();
  }
  return std::nullopt;
}

std::string content_disposition(std::string_view name, bool inline_view) {
  std::string ascii;
  std::string encoded;
  static constexpr char hex[] = "0123456789ABCDEF";
  for (unsigned char ch : name) {
    ascii += (ch >= 0x20 && ch < 0x7F && ch != '"' && ch != '\\') ? static_cast<char>(ch) : '_';
    if (attr_char(ch)) {
      encoded += static_cast<char>(ch);
    } else {
      encoded += '%';
      encoded += hex[ch >> 4];
      encoded += hex[ch & 0xF];
    }
  }
  return std::string(inline_view ? "inline" : "attachment") + "; filename=\"" + ascii +
         "\"; filename*=UTF-8''" + encoded;
}

std::string FileStore::put(std::string_view sha256, std::string_view bytes) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return "cannot make " + dir_ + ": " + ec.message();
  const std::string target = path(sha256);
  if (std::filesystem::exists(target, ec)) return {};  // the same bytes, stored before
  static std::atomic<unsigned> counter{0};
  const std::string temporary = dir_ + "/.upload-" + std::to_string(::getpid()) + "-" +
                                std::to_string(counter++) + "-" + std::string(sha256);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return "cannot write " + temporary + ": " + std::strerror(errno);
  const bool written = write_all(fd, bytes) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    return "cannot store the file: " + why;
  }
  // The rename itself is durable once the folder is.
  if (const int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace salesdesk::app
