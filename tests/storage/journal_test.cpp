#include "storage/journal.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/event_codec.hpp"
#include "core/state.hpp"
#include "storage/hex.hpp"
#include "tests/temp_dir.hpp"

using namespace salesdesk;
using storage::Journal;
using storage::OpenMode;
using storage::Pending;

namespace {

// A journal file in a fresh temporary directory, removed at the end of the test.
struct TempJournal {
  test::TempDir tmp{"journal-test"};
  std::string path = tmp.db();
  std::unique_ptr<Journal> open(OpenMode mode = OpenMode::read_write) const {
    return Journal::open(path, mode);
  }
  // Runs SQL on the file behind the journal's back, as an attacker or a broken disk would.
  void tamper(const std::string& sql) const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    INFO(sql << " -> " << (error ? error : "ok"));
    sqlite3_free(error);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
};

std::vector<Pending> teams(int first, int count, core::Time at = 1000) {
  std::vector<Pending> out;
  for (int i = first; i < first + count; ++i) {
    out.push_back(Pending{at + i, 1, core::TeamCreated{i, "team " + std::to_string(i)}});
  }
  return out;
}

std::vector<std::string> team_names(const Journal& j) {
  std::vector<std::string> out;
  j.read(1, 0, [&](const storage::Row& row) {
    const auto e = core::decode_payload(row.type, row.payload);
    out.push_back(std::get<core::TeamCreated>(e.base()).team_name);
  });
  return out;
}

}  // namespace

SCENARIO("appending and reading back") {
  TempJournal t;
  auto j = t.open();
  CHECK(j->head() == 0);
  WHEN("two batches are appended") {
    CHECK(j->append(teams(1, 3), {}) == 3);
    CHECK(j->append(teams(4, 2), {{1, "k1", R"({"ok":1})"}}) == 5);
    THEN("rows come back in order with contiguous seqs and their fields") {
      std::vector<core::Seq> seqs;
      j->read(1, 0, [&](const storage::Row& r) {
        seqs.push_back(r.seq);
        CHECK(r.actor == 1);
        CHECK(r.type == core::TeamCreated::type_id);
        CHECK(r.stream == "team:" + std::to_string(r.seq));
        CHECK(r.hash.size() == 32);
      });
      CHECK(seqs == std::vector<core::Seq>{1, 2, 3, 4, 5});
      CHECK(team_names(*j).back() == "team 5");
    }
    THEN("a range and a stream can be read alone") {
      int n = 0;
      j->read(2, 3, [&](const storage::Row&) { ++n; });
      CHECK(n == 2);
      std::vector<core::Seq> trail;
      j->read_trail("team:4", std::nullopt, [&](const storage::Row& r) { trail.push_back(r.seq); });
      CHECK(trail == std::vector<core::Seq>{4});
    }
    THEN("the idempotency key is found for its actor only") {
      CHECK(j->find_key(1, "k1") == std::optional<std::string>(R"({"ok":1})"));
      CHECK_FALSE(j->find_key(2, "k1").has_value());
      CHECK_FALSE(j->find_key(1, "k2").has_value());
    }
    THEN("the chain verifies, and a reopened journal continues it") {
      CHECK(j->verify().ok);
      CHECK(j->verify().events == 5);
      j.reset();
      auto again = t.open();
      CHECK(again->head() == 5);
      CHECK(again->append(teams(6, 1), {}) == 6);
      CHECK(again->verify().ok);
    }
    THEN("seq_at finds the last event at or before a time") {
      CHECK(j->seq_at(1003) == 3);
      CHECK(j->seq_at(999) == 0);
      CHECK(j->seq_at(99999) == 5);
    }
  }
}

TEST_CASE("verify names the first row whose any column was changed") {
  const std::vector<std::string> edits = {
      "UPDATE events SET at = at + 1 WHERE seq = 3",
      "UPDATE events SET actor = 9 WHERE seq = 3",
      "UPDATE events SET type = 21 WHERE seq = 3",
      "UPDATE events SET stream = 'team:99' WHERE seq = 3",
      "UPDATE events SET payload = payload || x'00' WHERE seq = 3",
      "UPDATE events SET hash = zeroblob(32) WHERE seq = 3",
      "UPDATE events SET seq = 30 WHERE seq = 3",
      "DELETE FROM events WHERE seq = 3",
  };
  for (const std::string& edit : edits) {
    CAPTURE(edit);
    TempJournal t;
    t.open()->append(teams(1, 5), {});
    t.tamper(edit);
    const auto report = t.open(OpenMode::read_only)->verify();
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad_seq == 3);
  }
}

TEST_CASE("a payload byte flipped in place is caught by the chain") {
  TempJournal t;
  t.open()->append(teams(1, 4), {});
  t.tamper("UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), 'team 2', 'team X') AS BLOB) WHERE seq = 2");
  CHECK(t.open(OpenMode::read_only)->verify().first_bad_seq == 2);
}

TEST_CASE("a tampered tail stops a read-write open; a read-only open still reports it") {
  TempJournal t;
  t.open()->append(teams(1, 3), {});
  t.tamper("UPDATE events SET actor = 5 WHERE seq = 3");
  CHECK_THROWS_AS(t.open(), storage::JournalError);
  CHECK(t.open(OpenMode::read_only)->verify().first_bad_seq == 3);
}

TEST_CASE("a failed append leaves nothing half-written") {
  TempJournal t;
  auto j = t.open();
  j->append(teams(1, 2), {});
  // The disk "fails" on the 4th row of the next batch.
  t.tamper("CREATE TRIGGER fail_seq4 BEFORE INSERT ON events WHEN NEW.seq = 4 "
           "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  CHECK_THROWS_AS(j->append(teams(3, 5), {{1, "k", "{}"}}), storage::JournalError);
  CHECK(j->head() == 2);
  CHECK(team_names(*j).size() == 2);
  CHECK_FALSE(j->find_key(1, "k").has_value());
  t.tamper("DROP TRIGGER fail_seq4");
  CHECK(j->append(teams(3, 5), {}) == 7);
  CHECK(j->verify().ok);
}

TEST_CASE("events numbered by the engine are appended only when their seqs follow the head") {
  TempJournal t;
  auto j = t.open();
  j->append(teams(1, 2), {});
  const auto numbered = [](std::vector<core::Seq> seqs) {
    std::vector<storage::Committed> out;
    for (core::Seq seq : seqs) {
      out.push_back(storage::Committed{seq, 5000, 1, core::TeamCreated{seq, "numbered"}});
    }
    return out;
  };
  CHECK_THROWS_AS(j->append(numbered({4, 5}), {}), std::logic_error);     // a gap
  CHECK_THROWS_AS(j->append(numbered({3, 3}), {}), std::logic_error);     // a repeat
  CHECK_THROWS_AS(j->append(numbered({2, 3}), {}), std::logic_error);     // behind the head
  CHECK(j->head() == 2);
  CHECK(team_names(*j).size() == 2);
  CHECK(j->append(numbered({3, 4}), {{1, "k", "{}"}}) == 4);
  CHECK(team_names(*j) == std::vector<std::string>{"team 1", "team 2", "numbered", "numbered"});
  CHECK(j->find_key(1, "k").has_value());
  CHECK(j->verify().ok);
}

TEST_CASE("a duplicate idempotency key fails the whole batch") {
  TempJournal t;
  auto j = t.open();
  j->append(teams(1, 1), {{1, "k", "{}"}});
  CHECK_THROWS_AS(j->append(teams(2, 1), {{1, "k", "{}"}}), storage::JournalError);
  CHECK(j->head() == 1);
}

TEST_CASE("read-only opening works beside a writer and refuses to write") {
  TempJournal t;
  auto writer = t.open();
  writer->append(teams(1, 2), {});
  auto reader = t.open(OpenMode::read_only);
  CHECK(reader->head() == 2);
  writer->append(teams(3, 1), {});
  int rows = 0;
  reader->read(1, 0, [&](const storage::Row&) { ++rows; });
  CHECK(rows == 3);
  CHECK_THROWS_AS(reader->append(teams(9, 1), {}), storage::JournalError);
}

TEST_CASE("migrations set the schema version once") {
  TempJournal t;
  t.open()->append(teams(1, 1), {});
  auto j = t.open();  // a second open must not re-run migration 1 (it would fail on CREATE TABLE)
  CHECK(j->head() == 1);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(t.path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(sqlite3_column_int(s, 0) == 2);
  sqlite3_finalize(s);
  sqlite3_close(db);
}

namespace {

Pending inbound(core::ConversationId c, core::MessageId m, std::string text) {
  return Pending{1000 + m, 0, core::MessageReceived{c, m, "ext-" + std::to_string(m), std::move(text), {}, {}}};
}

Pending outbound(core::ConversationId c, core::MessageId m, std::string text) {
  return Pending{1000 + m, 3, core::MessageSent{c, m, 3, false, "", std::move(text), {}}};
}

}  // namespace

SCENARIO("message text is searched by folded word prefixes, newest first") {
  TempJournal t;
  auto j = t.open();
  j->append({inbound(1, 1, "Giao hàng tận nơi không shop?"), outbound(1, 2, "Dạ có ạ, phí ship 30k"),
             inbound(2, 3, "Доставка до Києва?"), inbound(3, 4, "giao hang HN"),
             Pending{1100, 1, core::TeamCreated{1, "giao hàng team"}}},
            {});
  const auto search = [&j](std::vector<std::string> words, std::size_t limit = 10) {
    return j->search_messages(words, limit);
  };
  THEN("every word must be there, each as the start of a word, without marks or case") {
    CHECK(search({"giao", "hang"}) == std::vector<std::string>{"conversation:3", "conversation:1"});
    CHECK(search({"gia"}) == std::vector<std::string>{"conversation:3", "conversation:1"});
    CHECK(search({"tan", "noi"}) == std::vector<std::string>{"conversation:1"});
    CHECK(search({"ship", "30k"}) == std::vector<std::string>{"conversation:1"});
    CHECK(search({"доставка", "києва"}) == std::vector<std::string>{"conversation:2"});
    CHECK(search({"hang", "kiev"}).empty());
    CHECK(search({"team"}).empty());  // only messages are indexed
    CHECK(search({}).empty());
  }
  THEN("a conversation is listed once, and no more than asked for") {
    j->append({inbound(1, 5, "giao lúc 5h")}, {});
    CHECK(search({"giao"}) == std::vector<std::string>{"conversation:1", "conversation:3"});
    CHECK(search({"giao"}, 1) == std::vector<std::string>{"conversation:1"});
  }
  THEN("a reader beside the writer finds what was committed") {
    auto reader = t.open(OpenMode::read_only);
    CHECK(reader->search_messages({"giao"}, 10).size() == 2);
  }
}

TEST_CASE("a journal from before the text index gets its messages' words on opening") {
  TempJournal t;
  t.open()->append({inbound(7, 1, "Còn size M không?"), outbound(7, 2, "còn ạ")}, {});
  // The journal as migration 1 left it.
  t.tamper("DROP TABLE message_words; PRAGMA user_version = 1;");
  auto j = t.open();
  CHECK(j->search_messages({"size", "m"}, 10) == std::vector<std::string>{"conversation:7"});
  CHECK(j->search_messages({"con"}, 10) == std::vector<std::string>{"conversation:7"});
}

namespace {

std::string hex(const std::string& bytes) { return storage::to_hex(bytes); }

std::string sha256(const std::string& bytes) {
  std::string out(32, '\0');
  unsigned size = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()), &size, EVP_sha256(), nullptr) == 1);
  return out;
}

}  // namespace

SCENARIO("snapshots") {
  TempJournal t;
  auto j = t.open();
  j->append(teams(1, 10), {});
  WHEN("a snapshot is saved at seq 6 and more events follow") {
    j->save_snapshot(storage::replay(*j, 6, false));
    j->append(teams(11, 4), {});
    THEN("replay from the snapshot equals replay from the start") {
      const auto fresh = storage::replay(*j, 0, false);
      const auto fast = storage::replay(*j, 0, true);
      CHECK(fast.seq == 14);
      CHECK(storage::state_digest(fast) == storage::state_digest(fresh));
      CHECK(fast.teams.by_id.size() == 14);
    }
    THEN("a replay to before the snapshot does not use it") {
      const auto early = storage::replay(*j, 4, true);
      CHECK(early.seq == 4);
      CHECK(early.teams.by_id.size() == 4);
    }
    THEN("a corrupted snapshot is refused") {
      t.tamper("UPDATE snapshots SET state = state || x'00'");
      CHECK_THROWS_AS(storage::replay(*j, 0, true), storage::JournalError);
    }
    THEN("a snapshot of another layout of the state (an older version's) is passed over: the journal is replayed") {
      std::string bytes = core::encode_state(storage::replay(*j, 6, false));
      bytes[7] = static_cast<char>(bytes[7] ^ 0x7f);  // the layout number, the mark's last byte
      t.tamper("UPDATE snapshots SET state = x'" + hex(bytes) + "', state_hash = x'" + hex(sha256(bytes)) + "'");
      CHECK_FALSE(j->load_snapshot(14).has_value());
      const auto state = storage::replay(*j, 0, true);
      CHECK(state.seq == 14);
      CHECK(storage::state_digest(state) == storage::state_digest(storage::replay(*j, 0, false)));
    }
  }
}

TEST_CASE("replay stops at the requested seq") {
  TempJournal t;
  auto j = t.open();
  j->append(teams(1, 5), {});
  CHECK(storage::replay(*j, 3, false).teams.by_id.size() == 3);
  CHECK(storage::replay(*j, 0, false).teams.by_id.size() == 5);
  CHECK(storage::replay(*j, 50, false).seq == 5);
}

TEST_CASE("chain hashes depend on every field") {
  const std::string prev(32, '\0');
  const std::string base = storage::chain_hash(prev, 1, 2, 3, 4, "s", "p");
  CHECK(base != storage::chain_hash(std::string(32, '\1'), 1, 2, 3, 4, "s", "p"));
  CHECK(base != storage::chain_hash(prev, 9, 2, 3, 4, "s", "p"));
  CHECK(base != storage::chain_hash(prev, 1, 9, 3, 4, "s", "p"));
  CHECK(base != storage::chain_hash(prev, 1, 2, 9, 4, "s", "p"));
  CHECK(base != storage::chain_hash(prev, 1, 2, 3, 9, "s", "p"));
  CHECK(base != storage::chain_hash(prev, 1, 2, 3, 4, "sp", ""));
  CHECK(base != storage::chain_hash(prev, 1, 2, 3, 4, "s", "q"));
}

TEST_CASE("hex text of bytes, lowercase, and back") {
  CHECK(storage::to_hex(std::string("\x00\x01\xab\xff", 4)) == "0001abff");
  CHECK(storage::to_hex(std::string()) == "");
  CHECK(storage::from_hex("0001abff") == std::vector<unsigned char>{0x00, 0x01, 0xab, 0xff});
  CHECK(storage::from_hex("0001ABFF") == std::vector<unsigned char>{0x00, 0x01, 0xab, 0xff});
  CHECK(storage::from_hex("") == std::vector<unsigned char>{});
  CHECK_FALSE(storage::from_hex("abc"));  // odd length
  CHECK_FALSE(storage::from_hex("zz"));
  CHECK_FALSE(storage::from_hex("0g"));
  CHECK_FALSE(storage::from_hex(std::string_view("00\0" "0", 4)));
}

TEST_CASE("a journal keeps its two newest snapshots") {
  TempJournal t;
  auto j = t.open();
  j->append(teams(1, 9), {});
  for (core::Seq at : {3, 6, 9}) j->save_snapshot(storage::replay(*j, at, false));
  CHECK(j->latest_snapshot_seq() == 9);
  CHECK(j->load_snapshot(8)->seq == 6);
  CHECK_FALSE(j->load_snapshot(5));  // the snapshot at 3 is gone
  CHECK(j->stats().snapshots == 2);
  CHECK(storage::state_digest(storage::replay(*j, 0, true)) ==
        storage::state_digest(storage::replay(*j, 0, false)));
}
