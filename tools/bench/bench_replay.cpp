// bench_replay: rebuilding the state from a journal of 1,000,000 events with storage::replay,
// against a raw `SELECT * FROM events` scan of the same file in the same run.
//
// The journal is written through storage::Journal::append in big batches (not timed): a few
// thousand users (UserCreated), then a mix of PresenceChanged, SessionStarted, SessionEnded and
// SettingsChanged. Then, several times and in rotating order, it times:
//   raw     sqlite3 `SELECT * FROM events`, every column read in place (the baseline)
//   lean    sqlite3 `SELECT seq, at, type, payload`, the columns replay reads (the floor)
//   fold    Journal::fold with an empty visitor (what replay reads, without copies)
//   decode  Journal::fold + core::decode_payload per row
//   replay  storage::replay(journal, 0, false): fold + decode + core::evolve
// and prints the medians, replay events/s against the 1,000,000 events/s target, and replay/raw.
// Each stage is also timed by the thread's CPU time, which a busy shared machine inflates far
// less than the wall clock (preemption is not counted); the target is judged on the wall clock.
#include <sqlite3.h>
#include <time.h>

#include <iomanip>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/event_codec.hpp"
#include "core/events.hpp"
#include "core/state.hpp"
#include "storage/journal.hpp"
#include "tools/bench/bench_common.hpp"

namespace {

using namespace salesdesk;
namespace bench = salesdesk::bench;

constexpr const char* usage =
    "usage: bench_replay [--events N=1000000] [--users N=5000] [--reps N=5] [--batch N=20000]\n"
    "                    [--db PATH]  (an existing journal is reused as is; a new one is kept)\n"
    "                    [--snapshot-at SEQ]  (saves a snapshot of the state at SEQ first)\n"
    "With --reps 0 it only writes the journal (and the snapshot), for tools/bench/restart.sh.\n"
    "Builds a journal of N events (not timed), then times storage::replay over it against a raw\n"
    "SELECT * FROM events scan; prints events/s and replay/raw.";

constexpr core::Time base_time = 1'780'000'000'000;
constexpr double target_events_per_s = 1'000'000.0;

std::string hex64(std::mt19937_64& rng) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (char& c : out) c = digits[rng() & 0xf];
  return out;
}

// Writes the journal: users first, then the mix, in batches of `batch` events.
void generate(const std::string& path, std::int64_t events, std::int64_t users, std::size_t batch) {
  auto journal = storage::Journal::open(path, storage::OpenMode::read_write);
  std::mt19937_64 rng(20260528);
  std::vector<std::pair<core::UserId, std::string>> open_sessions;
  std::vector<storage::Pending> pending;
  pending.reserve(batch);
  core::Time at = base_time;
  const auto flush = [&] {
    journal->append(pending, {});
    pending.clear();
  };
  for (std::int64_t i = 0; i < events; ++i) {
    storage::Pending p;
    p.at = (at += 1 + static_cast<core::Time>(rng() % 50));
    p.actor = core::system_actor;
    if (i < users) {
      core::UserCreated u;
      u.user_id = i + 1;
      u.username = i == 0 ? "admin" : "sale" + std::to_string(i + 1);
      u.display_name = i == 0 ? "Administrator" : "Sale Agent " + std::to_string(i + 1);
      u.role = i == 0 ? core::Role::admin : (i % 20 == 0 ? core::Role::manager : core::Role::sale);
      u.password_hash = core::Secret{"pbkdf2-sha256$120000$" + hex64(rng).substr(0, 32) + "$" + hex64(rng)};
      u.team_ids = {1 + i % 10};
      p.event = std::move(u);
    } else {
      const core::UserId user = 1 + static_cast<core::UserId>(rng() % static_cast<std::uint64_t>(users));
      const unsigned roll = static_cast<unsigned>(rng() % 100);
      if (roll < 40) {
        static const core::Presence presences[] = {core::Presence::online, core::Presence::away,
                                                   core::Presence::offline};
        static const char* reasons[] = {"login", "user", "grace", "reconnect", "logout"};
        p.actor = user;
        p.event = core::PresenceChanged{user, presences[rng() % 3], reasons[rng() % 5]};
      } else if (roll < 65 || (roll < 85 && open_sessions.empty())) {
        std::string digest = hex64(rng);
        open_sessions.emplace_back(user, digest);
        p.event = core::SessionStarted{user, core::Secret{std::move(digest)}};
      } else if (roll < 85) {
        const std::size_t k = rng() % open_sessions.size();
        std::swap(open_sessions[k], open_sessions.back());
        auto [who, digest] = std::move(open_sessions.back());
        open_sessions.pop_back();
        p.actor = who;
        p.event = core::SessionEnded{who, core::Secret{std::move(digest)}, "logout"};
      } else {
        p.actor = 1;
        p.event = core::SettingsChanged{
            {core::SettingChange{"pool.batch_size", std::int64_t{1 + static_cast<std::int64_t>(rng() % 1000)}},
             core::SettingChange{"inbox.visibility",
                                 std::string(rng() % 2 ? "all" : "assigned_only")}}};
      }
    }
    pending.push_back(std::move(p));
    if (pending.size() == batch) flush();
  }
  if (!pending.empty()) flush();
}

double thread_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The lean floor: only the columns replay reads, each looked at in place.
double lean_scan(const std::string& path, std::int64_t& rows_out) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path);
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT seq, at, type, payload FROM events ORDER BY seq", -1, &s, nullptr) != SQLITE_OK) {
    throw std::runtime_error(sqlite3_errmsg(db));
  }
  const auto start = bench::Clock::now();
  std::int64_t rows = 0;
  std::uint64_t sum = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    ++rows;
    sum += static_cast<std::uint64_t>(sqlite3_column_int64(s, 0) + sqlite3_column_int64(s, 1) +
                                      sqlite3_column_int64(s, 2));
    const auto* payload = static_cast<const unsigned char*>(sqlite3_column_blob(s, 3));
    sum += static_cast<std::uint64_t>(sqlite3_column_bytes(s, 3)) + (payload ? payload[0] : 0);
  }
  const double took = bench::seconds_since(start);
  sqlite3_finalize(s);
  sqlite3_close(db);
  if (rows > 0 && sum == 0) throw std::runtime_error("lean scan read nothing");
  rows_out = rows;
  return took;
}

// The baseline: step every row of SELECT * FROM events and look at every column in place.
double raw_scan(const std::string& path, std::int64_t& rows_out) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path);
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT * FROM events", -1, &s, nullptr) != SQLITE_OK) {
    throw std::runtime_error(sqlite3_errmsg(db));
  }
  const auto start = bench::Clock::now();
  std::int64_t rows = 0;
  std::uint64_t sum = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    ++rows;
    sum += static_cast<std::uint64_t>(sqlite3_column_int64(s, 0) + sqlite3_column_int64(s, 1) +
                                      sqlite3_column_int64(s, 2) + sqlite3_column_int64(s, 3));
    const auto* stream = sqlite3_column_text(s, 4);
    sum += static_cast<std::uint64_t>(sqlite3_column_bytes(s, 4)) + (stream ? stream[0] : 0);
    const auto* payload = static_cast<const unsigned char*>(sqlite3_column_blob(s, 5));
    sum += static_cast<std::uint64_t>(sqlite3_column_bytes(s, 5)) + (payload ? payload[0] : 0);
    const auto* hash = static_cast<const unsigned char*>(sqlite3_column_blob(s, 6));
    sum += static_cast<std::uint64_t>(sqlite3_column_bytes(s, 6)) + (hash ? hash[0] : 0);
  }
  const double took = bench::seconds_since(start);
  sqlite3_finalize(s);
  sqlite3_close(db);
  // Uses every value read, so that no column access can be optimised away.
  if (rows > 0 && sum == 0) throw std::runtime_error("raw scan read nothing");
  rows_out = rows;
  return took;
}

struct Stage {
  const char* name;
  std::vector<double> seconds, cpu_seconds;
};

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv, usage);
  const std::int64_t events = flags.integer("events", 1'000'000);
  const std::int64_t users = flags.integer("users", 5000);
  const int reps = static_cast<int>(flags.integer("reps", 5));
  const auto batch = static_cast<std::size_t>(flags.integer("batch", 20000));
  const std::string db_flag = flags.text("db", "");
  const std::int64_t snapshot_at = flags.integer("snapshot-at", 0);
  flags.done();
  if (reps < 0 || users < 1 || events <= users || batch < 1) flags.fail("bad sizes");
  if (snapshot_at < 0 || snapshot_at > events) flags.fail("bad --snapshot-at");

  bench::print_machine();
  bench::ScratchDir scratch("bench-replay");
  const std::string path = db_flag.empty() ? scratch.file("replay.db") : db_flag;

  bool reused = false;
  {
    std::unique_ptr<storage::Journal> existing;
    if (!db_flag.empty() && std::filesystem::exists(db_flag)) {
      existing = storage::Journal::open(path, storage::OpenMode::read_only);
      reused = existing->head() > 0;
    }
  }
  if (!reused) {
    const auto start = bench::Clock::now();
    generate(path, events, users, batch);
    std::cout << "generated " << events << " events (" << users << " users) through Journal::append in "
              << std::fixed << std::setprecision(1) << bench::seconds_since(start) << " s (not timed)\n";
  }

  if (snapshot_at > 0) {
    auto writable = storage::Journal::open(path, storage::OpenMode::read_write);
    writable->save_snapshot(storage::replay(*writable, snapshot_at, false));
    std::cout << "saved a snapshot at seq " << snapshot_at << "\n";
  }
  if (reps == 0) return 0;

  auto journal = storage::Journal::open(path, storage::OpenMode::read_only);
  const core::Seq head = journal->head();
  std::cout << "journal " << path << ": " << head << " events, "
            << std::filesystem::file_size(path) / (1024 * 1024) << " MiB; " << reps
            << " repetitions, medians\n";

  Stage raw{"raw SELECT * FROM events", {}, {}};
  Stage lean{"raw SELECT seq, at, type, payload", {}, {}};
  Stage fold{"Journal::fold, empty visitor", {}, {}};
  Stage decode{"Journal::fold + decode_payload", {}, {}};
  Stage full{"storage::replay (fold+decode+evolve)", {}, {}};
  std::vector<double> ratios, lean_ratios;
  std::size_t users_seen = 0, sessions_seen = 0;

  for (int rep = 0; rep < reps; ++rep) {
    double raw_s = 0, lean_s = 0, full_s = 0;
    // Rotate the order so that drift on a noisy machine does not favour one stage.
    for (int k = 0; k < 5; ++k) {
      const double cpu_start = thread_cpu_s();
      Stage* stage = nullptr;
      switch ((k + rep) % 5) {
        case 0: {
          std::int64_t rows = 0;
          raw_s = raw_scan(path, rows);
          if (rows != head) throw std::runtime_error("raw scan saw a different row count");
          raw.seconds.push_back(raw_s);
          stage = &raw;
          break;
        }
        case 1: {
          std::int64_t rows = 0;
          lean_s = lean_scan(path, rows);
          if (rows != head) throw std::runtime_error("lean scan saw a different row count");
          lean.seconds.push_back(lean_s);
          stage = &lean;
          break;
        }
        case 2: {
          std::int64_t rows = 0;
          const auto start = bench::Clock::now();
          journal->fold(1, 0, [&](const storage::Journal::Fold&) { ++rows; });
          fold.seconds.push_back(bench::seconds_since(start));
          if (rows != head) throw std::runtime_error("fold saw a different row count");
          stage = &fold;
          break;
        }
        case 3: {
          std::size_t decoded = 0;
          const auto start = bench::Clock::now();
          journal->fold(1, 0, [&](const storage::Journal::Fold& row) {
            decoded += core::decode_payload(row.type, row.payload).index();
          });
          decode.seconds.push_back(bench::seconds_since(start));
          if (decoded == 0) throw std::runtime_error("nothing decoded");
          stage = &decode;
          break;
        }
        case 4: {
          const auto start = bench::Clock::now();
          const core::State state = storage::replay(*journal, 0, false);
          full_s = bench::seconds_since(start);
          full.seconds.push_back(full_s);
          if (state.seq != head) throw std::runtime_error("replay stopped early");
          users_seen = state.users.by_id.size();
          sessions_seen = state.users.sessions.size();
          stage = &full;
          break;
        }
      }
      stage->cpu_seconds.push_back(thread_cpu_s() - cpu_start);
    }
    ratios.push_back(raw_s / full_s);  // replay rate over raw rate
    lean_ratios.push_back(lean_s / full_s);
  }

  const auto rate = [&](const Stage& s) { return static_cast<double>(head) / bench::median(s.seconds); };
  const auto cpu_rate = [&](const Stage& s) { return static_cast<double>(head) / bench::median(s.cpu_seconds); };
  std::cout << "state after replay: " << users_seen << " users, " << sessions_seen << " open sessions\n";
  std::cout << std::left << std::setw(40) << "stage" << std::right << std::setw(14) << "median s"
            << std::setw(16) << "events/s" << std::setw(14) << "us/event" << std::setw(18) << "events/CPU-s" << "\n";
  for (const Stage* s : {&raw, &lean, &fold, &decode, &full}) {
    const double m = bench::median(s->seconds);
    std::cout << std::left << std::setw(40) << s->name << std::right << std::fixed << std::setprecision(3)
              << std::setw(14) << m << std::setprecision(0) << std::setw(16) << rate(*s)
              << std::setprecision(3) << std::setw(14) << m * 1e6 / static_cast<double>(head) << std::setprecision(0)
              << std::setw(18) << cpu_rate(*s) << "\n";
  }
  const double replay_rate = rate(full);
  std::cout << std::setprecision(3) << "replay/raw ratio (median of per-repetition ratios): "
            << bench::median(ratios) << "; replay/lean: " << bench::median(lean_ratios) << "\n"
            << std::setprecision(0) << "replay: " << replay_rate << " events/s, target >= "
            << target_events_per_s << ": " << (replay_rate >= target_events_per_s ? "met" : "NOT met")
            << "\n"
            << "replay by CPU time (preemption excluded): " << cpu_rate(full) << " events per CPU-second\n";
  return 0;
}
