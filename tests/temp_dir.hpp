// A fresh directory under /tmp for one test, removed with everything in it at scope end.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace salesdesk::test {

struct TempDir {
  std::filesystem::path dir;
  explicit TempDir(const std::string& name) {
    std::string pattern = "/tmp/salesdesk-" + name + "-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
    dir = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // The path of a journal file in it.
  std::string db() const { return (dir / "j.db").string(); }
};

}  // namespace salesdesk::test
