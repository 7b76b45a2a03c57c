#include "app/journal_reader.hpp"

#include <doctest/doctest.h>

#include <future>
#include <vector>

#include "tests/temp_dir.hpp"

using namespace salesdesk;

TEST_CASE("reads beyond the reader's queue are refused at once as rate_limited") {
  test::TempDir t("reader-test");
  const std::string path = t.db();
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
  test::TempDir t("reader-test");
  app::JournalReader reader((t.dir / "missing" / "j.db").string());
  std::promise<core::Code> refused;
  reader.run([](const storage::Journal&) { FAIL("read without a journal"); },
             [&refused](core::Error e) { refused.set_value(e.code); });
  CHECK(refused.get_future().get() == core::Code::internal);
}
