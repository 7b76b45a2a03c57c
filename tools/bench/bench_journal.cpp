// bench_journal: storage::Journal::append with group commit against raw batched SQLite inserts
// of the same rows, in the same run, on temp files in the same directory.
//
// Both sides: WAL + synchronous=FULL, the events table of schema/journal.sql (with its two
// indexes), one BEGIN IMMEDIATE ... COMMIT per batch, a statement prepared once. The raw side
// inserts rows whose payload and chain hash were computed before the clock started, with
// SQLITE_STATIC bindings: it is the floor the journal's encoding, hashing and copies sit on.
// Each repetition uses fresh files; the two sides alternate which one runs first. Each side of a
// repetition stops after --budget-s seconds (a slow disk, fsync at 4 ms instead of 0.4, would
// otherwise stretch batch 1 to minutes); rates are per event either way, and the table says
// when the budget cut a size short.
#include <sqlite3.h>

#include <iomanip>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include "core/event_codec.hpp"
#include "core/events.hpp"
#include "storage/journal.hpp"
#include "tools/bench/bench_common.hpp"

namespace {

using namespace salesdesk;
namespace bench = salesdesk::bench;

constexpr const char* usage =
    "usage: bench_journal [--reps N=7] [--batches-1 N=1000] [--batches-64 N=200] "
    "[--batches-512 N=60] [--budget-s 1.0] [--dir DIR]\n"
    "Appends batches of 1, 64 and 512 events through storage::Journal::append and inserts the\n"
    "same rows raw through SQLite; prints events/s of both and journal/raw.";

constexpr core::Time base_time = 1'780'000'000'000;  // 2026-05-28, a fixed instant

// A realistic event: alternately a settings change and a new user with a PBKDF2 hash.
storage::Pending make_event(std::int64_t i) {
  storage::Pending p;
  p.at = base_time + i;
  if (i % 2 == 0) {
    p.actor = 1;
    p.event = core::SettingsChanged{{core::SettingChange{"pool.batch_size", std::int64_t{1 + i % 1000}}}};
  } else {
    core::UserCreated u;
    u.user_id = i / 2 + 2;
    u.username = "sale" + std::to_string(u.user_id);
    u.display_name = "Sale Agent " + std::to_string(u.user_id);
    u.role = core::Role::sale;
    u.password_hash = core::Secret{
        "pbkdf2-sha256$120000$3f1c9a7be0d24c51a8e6f0b3d9c27e41$"
        "9b8e7d6c5f4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"};
    u.team_ids = {1 + i % 7};
    p.actor = 1;
    p.event = std::move(u);
  }
  return p;
}

struct RawRow {
  std::int64_t seq, at, actor, type;
  std::string stream, payload, hash;
};

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

void exec(sqlite3* db, const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

// Raw SQLite: the same table and pragmas, one transaction per batch, one prepared statement.
// Rates are over the batches written before the budget ran out (all of them on a normal disk).
struct Rate {
  double per_s = 0;
  bool capped = false;
};

Rate run_raw(const std::string& path, const std::vector<RawRow>& rows, std::size_t batch, double budget_s) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
        db, "open");
  exec(db, "PRAGMA journal_mode = WAL");
  exec(db, "PRAGMA synchronous = FULL");
  exec(db,
       "CREATE TABLE events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor INTEGER NOT NULL,"
       " type INTEGER NOT NULL, stream TEXT NOT NULL, payload BLOB NOT NULL, hash BLOB NOT NULL);"
       "CREATE INDEX events_stream ON events(stream, seq);"
       "CREATE INDEX events_at ON events(at);");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v3(db,
                           "INSERT INTO events(seq, at, actor, type, stream, payload, hash) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &insert, nullptr),
        db, "prepare");
  const auto start = bench::Clock::now();
  std::size_t done = 0;
  for (std::size_t first = 0; first < rows.size(); first += batch) {
    if (bench::seconds_since(start) > budget_s) break;
    exec(db, "BEGIN IMMEDIATE");
    const std::size_t end = std::min(rows.size(), first + batch);
    for (std::size_t i = first; i < end; ++i) {
      const RawRow& r = rows[i];
      sqlite3_bind_int64(insert, 1, r.seq);
      sqlite3_bind_int64(insert, 2, r.at);
      sqlite3_bind_int64(insert, 3, r.actor);
      sqlite3_bind_int64(insert, 4, r.type);
      sqlite3_bind_text(insert, 5, r.stream.data(), static_cast<int>(r.stream.size()), SQLITE_STATIC);
      sqlite3_bind_blob(insert, 6, r.payload.data(), static_cast<int>(r.payload.size()), SQLITE_STATIC);
      sqlite3_bind_blob(insert, 7, r.hash.data(), static_cast<int>(r.hash.size()), SQLITE_STATIC);
      check(sqlite3_step(insert), db, "insert");
      sqlite3_reset(insert);
    }
    exec(db, "COMMIT");
    done = end;
  }
  const double took = bench::seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return {static_cast<double>(done) / took, done < rows.size()};
}

// The journal: the same rows go in as core events; payload and hash are computed inside append.
Rate run_journal(const std::string& path, const std::vector<std::vector<storage::Pending>>& batches,
                 std::size_t total, double budget_s) {
  auto journal = storage::Journal::open(path, storage::OpenMode::read_write);
  const auto start = bench::Clock::now();
  std::size_t done = 0;
  for (const auto& b : batches) {
    if (bench::seconds_since(start) > budget_s) break;
    journal->append(b, {});
    done += b.size();
  }
  const double took = bench::seconds_since(start);
  if (journal->head() != static_cast<core::Seq>(done)) throw std::runtime_error("journal head mismatch");
  return {static_cast<double>(done) / took, done < total};
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv, usage);
  const int reps = static_cast<int>(flags.integer("reps", 7));
  const std::vector<std::pair<std::size_t, std::size_t>> sizes = {
      {1, static_cast<std::size_t>(flags.integer("batches-1", 1000))},
      {64, static_cast<std::size_t>(flags.integer("batches-64", 200))},
      {512, static_cast<std::size_t>(flags.integer("batches-512", 60))}};
  const std::string dir_flag = flags.text("dir", "");
  const double budget_s = flags.number("budget-s", 1.0);
  flags.done();
  if (reps < 1) flags.fail("--reps must be at least 1");
  if (budget_s <= 0) flags.fail("--budget-s must be positive");

  bench::print_machine();
  const auto scratch = std::make_unique<bench::ScratchDir>("bench-journal");
  const std::string dir = dir_flag.empty() ? scratch->path() : dir_flag;
  std::cout << "files in " << dir << " (WAL, synchronous=FULL), " << reps << " repetitions, medians\n";

  // Every row both sides write, computed once: the journal gets the events, raw SQLite the rows.
  std::size_t most = 0;
  for (auto [batch, count] : sizes) most = std::max(most, batch * count);
  std::vector<storage::Pending> events;
  std::vector<RawRow> rows;
  std::string hash(32, '\0');
  for (std::size_t i = 0; i < most; ++i) {
    events.push_back(make_event(static_cast<std::int64_t>(i)));
    const auto& p = events.back();
    RawRow r{static_cast<std::int64_t>(i + 1), p.at, p.actor, core::event_type(p.event),
             core::event_stream(p.event), core::encode_payload(p.event), {}};
    r.hash = hash = storage::chain_hash(hash, r.seq, r.at, r.actor, static_cast<std::uint16_t>(r.type),
                                        r.stream, r.payload);
    rows.push_back(std::move(r));
  }

  std::cout << std::left << std::setw(7) << "batch" << std::right << std::setw(10) << "events"
            << std::setw(16) << "journal ev/s" << std::setw(16) << "raw ev/s" << std::setw(10)
            << "ratio" << "   (target ratio >= 0.50)\n";
  bool all_met = true;
  for (auto [batch, count] : sizes) {
    const std::size_t total = batch * count;
    std::vector<std::vector<storage::Pending>> batches;
    for (std::size_t first = 0; first < total; first += batch) {
      batches.emplace_back(events.begin() + static_cast<std::ptrdiff_t>(first),
                           events.begin() + static_cast<std::ptrdiff_t>(first + batch));
    }
    const std::vector<RawRow> these(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(total));
    std::vector<double> journal_rates, raw_rates, ratios;
    int capped = 0;
    for (int rep = 0; rep < reps; ++rep) {
      const std::string jpath = dir + "/journal-" + std::to_string(batch) + ".db";
      const std::string rpath = dir + "/raw-" + std::to_string(batch) + ".db";
      bench::remove_db(jpath);
      bench::remove_db(rpath);
      Rate j, r;
      if (rep % 2 == 0) {
        j = run_journal(jpath, batches, total, budget_s);
        r = run_raw(rpath, these, batch, budget_s);
      } else {
        r = run_raw(rpath, these, batch, budget_s);
        j = run_journal(jpath, batches, total, budget_s);
      }
      capped += (j.capped ? 1 : 0) + (r.capped ? 1 : 0);
      journal_rates.push_back(j.per_s);
      raw_rates.push_back(r.per_s);
      ratios.push_back(j.per_s / r.per_s);
      bench::remove_db(jpath);
      bench::remove_db(rpath);
    }
    const double ratio = bench::median(ratios);
    all_met = all_met && ratio >= 0.5;
    std::cout << std::left << std::setw(7) << batch << std::right << std::setw(10) << total
              << std::fixed << std::setprecision(0) << std::setw(16) << bench::median(journal_rates)
              << std::setw(16) << bench::median(raw_rates) << std::setprecision(2) << std::setw(10)
              << ratio << "   (ratio = median of per-repetition ratios; " << "spread "
              << *std::min_element(ratios.begin(), ratios.end()) << ".."
              << *std::max_element(ratios.begin(), ratios.end()) << ")";
    if (capped > 0) std::cout << " [" << capped << " of " << 2 * reps << " runs cut at " << budget_s << " s]";
    std::cout << "\n";
  }
  std::cout << "target journal/raw >= 0.50 at every batch size: " << (all_met ? "met" : "NOT met") << "\n";
  return 0;
}
