#include "app/file_store.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace salesdesk::app;

TEST_CASE("a file's type is found from its bytes, not its name") {
  CHECK(sniff("\xFF\xD8\xFF\xE0 jpeg", "photo.png").content_type == "image/jpeg");
  CHECK(sniff("\x89PNG\r\n\x1A\n....", "x").kind == "image");
  CHECK(sniff("GIF89a...", "x").content_type == "image/gif");
  CHECK(sniff(std::string("RIFF\0\0\0\0WEBPVP8 ", 16), "x").content_type == "image/webp");
  CHECK(sniff("%PDF-1.7\n", "invoice.exe").content_type == "application/pdf");
  CHECK(sniff(std::string("\0\0\0\x18"
                          "ftypmp42",
                          12),
              "clip")
            .content_type == "video/mp4");
  CHECK(sniff("ID3\x04...", "song").kind == "audio");
  CHECK(sniff("PK\x03\x04....", "báo giá.XLSX").content_type ==
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  CHECK(sniff("PK\x03\x04....", "a.jpg").content_type == "application/zip");
  CHECK(sniff("Đơn hàng 12\nship 30k\n", "note.txt").content_type == "text/plain; charset=utf-8");
  // HTML is text served as text (never as a page of this origin), an executable is bytes.
  CHECK(sniff("<html><script>alert(1)</script>", "a.html").content_type ==
        "text/plain; charset=utf-8");
  CHECK(sniff(std::string("MZ\x90\0\x03\0", 6), "a.pdf").content_type ==
        "application/octet-stream");
}

TEST_CASE("sha256_hex is SHA-256 (FIPS 180-2 example)") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the first file of a multipart body") {
  const std::string type = "multipart/form-data; boundary=XyZ";
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hoá đơn.pdf\"\r\n"
      "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\nbytes\r\n--XyZ--\r\n";
  auto part = first_file_part(type, body);
  REQUIRE(part);
  CHECK(part->name == "hoá đơn.pdf");
  CHECK(part->bytes == "%PDF-1.4\r\nbytes");
  CHECK_FALSE(first_file_part("multipart/form-data; boundary=Other", body));
  CHECK_FALSE(first_file_part("text/plain", body));
  CHECK_FALSE(first_file_part(type,
                              "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                              "x\r\n--XyZ--\r\n"));  // no file in it
  CHECK_FALSE(first_file_part(type,
                              "--XyZ\r\nContent-Disposition: form-data; "
                              "filename=\"a\"\r\n\r\nno end"));
  CHECK(first_file_part("multipart/form-data; boundary=\"XyZ\"", body));
}

TEST_CASE("Content-Disposition keeps a UTF-8 name and gives an ASCII fallback") {
  CHECK(content_disposition("Ảnh 1.png", true) ==
        "inline; filename=\"___nh 1.png\"; filename*=UTF-8''%E1%BA%A2nh%201.png");
  CHECK(content_disposition("a\"b.txt", false) ==
        "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt");
}

TEST_CASE("a stored file is written whole under its hash, once") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("salesdesk-files-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  FileStore store(dir.string());
  const std::string bytes = "%PDF-1.4 price list";
  const std::string sha = sha256_hex(bytes);
  CHECK(store.put(sha, bytes).empty());
  CHECK(store.put(sha, bytes).empty());  // again: nothing to do
  std::ifstream in(store.path(sha), std::ios::binary);
  std::stringstream read;
  read << in.rdbuf();
  CHECK(read.str() == bytes);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  CHECK(entries == 1);  // no temporary file left behind
  CHECK(FileStore::beside("/var/lib/salesdesk/shop.db") == "/var/lib/salesdesk/shop.db.files");
  std::filesystem::remove_all(dir);
}
