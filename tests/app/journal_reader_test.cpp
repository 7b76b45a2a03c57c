#include "app/journal_reader.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <vector>

using namespace salesdesk;

namespace {

// A journal file in a fresh temporary directory, removed at the end of the test.
struct TempDir {
  std::filesystem::path dir;
  TempDir() {
    char pattern[] = "/tmp/salesdesk-reader-test-XXXXXX";
    dir = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST_CASE("reads beyond the reader's queue are refused at once as rate_limited") {
  TempDir t;
  const std::string path = (t.dir / "j.db").string();
  storage::Journal::open(path, storage::OpenMode::read_write);  // created, migrated
  app::JournalReader reader(path, 3);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  std::vector<core::Code> refusals;
  const auto refused = [&refusals](core::Error e) { refusals.push_back(e.code); };
  int done = 0;
  // The first read holds the thread; three more wait; the fifth finds the queue full.
  reader.run(
      [&started, released](const storage::Journal&) {
        started.set_value();
        released.wait();
      },
      refused);
  started.get_future().wait();
  for (int i = 0; i < 3; ++i) reader.run([&done](const storage::Journal&) { ++done; }, refused);
  reader.run([&done](const storage::Journal&) { ++done; }, refused);
  CHECK(refusals == std::vector<core::Code>{core::Code::rate_limited});
  release.set_value();
  reader.join();
  CHECK(done == 3);
}

TEST_CASE("a journal the reader cannot open refuses the read as internal") {
  TempDir t;
  app::JournalReader reader((t.dir / "missing" / "j.db").string());
  std::promise<core::Code> refused;
  reader.run([](const storage::Journal&) { FAIL("read without a journal"); },
             [&refused](core::Error e) { refused.set_value(e.code); });
  CHECK(refused.get_future().get() == core::Code::internal);
}
