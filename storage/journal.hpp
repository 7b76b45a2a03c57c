// The append-only journal on SQLite (DESIGN.md "Events"): WAL, synchronous=FULL, a SHA-256
// hash chain over every row, the idempotency keys of applied commands, optional snapshots.
// <sqlite3.h> stays out of this header; the interface is narrow enough to put another log
// (PostgreSQL, Kafka) behind it one day.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/state.hpp"

namespace salesdesk::storage {

// A broken environment: the journal cannot be opened, read or written.
struct JournalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One journal row as stored.
struct Row {
  core::Seq seq = 0;
  core::Time at = 0;
  core::UserId actor = 0;
  std::uint16_t type = 0;
  std::string stream;
  std::string payload;
  std::string hash;  // 32 raw bytes
};

// An event to append; seq and hash are assigned by the journal.
struct Pending {
  core::Time at = 0;
  core::UserId actor = 0;
  core::Event event;
};

// An event with the seq it is committed at: what the engine appends (its seqs must follow the
// head, one by one) and what its post-commit subscribers then receive.
struct Committed {
  core::Seq seq = 0;
  core::Time at = 0;
  core::UserId actor = 0;
  core::Event event;
};

// The first result of a command sent with an idempotency key.
struct KeyRecord {
  core::UserId actor = 0;
  std::string key;
  std::string result;
};

struct VerifyReport {
  bool ok = true;
  core::Seq events = 0;
  core::Seq first_bad_seq = 0;
  std::string problem;
};

struct JournalStats {
  core::Seq events = 0;
  core::Time first_at = 0;
  core::Time last_at = 0;
  std::vector<std::pair<std::uint16_t, std::int64_t>> by_type;
  std::int64_t command_keys = 0;
  std::int64_t snapshots = 0;
};

struct Snapshot {
  core::Seq seq = 0;
  core::State state;
};

enum class OpenMode { read_write, read_only };

// The chain hash of one row given the previous row's hash.
std::string chain_hash(const std::string& previous, core::Seq seq, core::Time at,
                       core::UserId actor, std::uint16_t type, const std::string& stream,
                       const std::string& payload);

// Snapshots kept in the journal: the newest and the one before it.
constexpr std::size_t snapshots_kept = 2;
// How many matching messages a text search reads at most (the newest).
constexpr std::size_t search_rows_max = 5000;

class Journal {
 public:
  // Opens. read_write creates and migrates the file and checks the tail of the chain (a torn or
  // edited tail refuses to start); read_only works beside a running server and checks nothing.
  static std::unique_ptr<Journal> open(const std::string& path, OpenMode mode);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // The last seq: this journal's own appends move it; a read_only journal keeps the head it
  // opened with (what the server appends later is read all the same, but not counted here).
  core::Seq head() const;

  // Appends a whole batch and its keys in one transaction; returns the new head. On failure
  // nothing is written, the journal's own view is unchanged, and JournalError is thrown.
  core::Seq append(const std::vector<Pending>& events, const std::vector<KeyRecord>& keys);
  // The same for events whose seqs the caller has numbered already (head + 1, head + 2, ...);
  // a gap or repeat is a bug and throws std::logic_error before anything is written.
  core::Seq append(const std::vector<Committed>& events, const std::vector<KeyRecord>& keys);

  // Rows from..to inclusive (to = 0: to the head), in order.
  void read(core::Seq from, core::Seq to, const std::function<void(const Row&)>& visit) const;
  // What replay needs of rows from..to (to = 0: to the head), without copying: the view is
  // valid only during the call.
  struct Fold {
    core::Seq seq;
    core::Time at;
    std::uint16_t type;
    std::string_view payload;
  };
  void fold(core::Seq from, core::Seq to, const std::function<void(const Fold&)>& visit) const;

  // Rows of one stream, in order; with an actor, also every row that actor wrote.
  void read_trail(const std::string& stream, std::optional<core::UserId> actor,
                  const std::function<void(const Row&)>& visit) const;
  // Rows of one stream below `before`, newest first, while `visit` returns true (the stream
  // index walks backwards: a page of a long conversation costs its rows, not the stream's).
  void read_stream_back(const std::string& stream, core::Seq before,
                        const std::function<bool(const Row&)>& visit) const;
  // The last seq whose time is <= at (0 if none).
  core::Seq seq_at(core::Time at) const;
  // The streams (conversations) of the newest messages whose text holds every one of `words`
  // (folded, each a prefix of a word of the text), newest first, each once, at most `limit`,
  // from at most search_rows_max matching messages.
  std::vector<std::string> search_messages(const std::vector<std::string>& words,
                                           std::size_t limit) const;

  std::optional<std::string> find_key(core::UserId actor, const std::string& key) const;

  JournalStats stats() const;

  // Walks the whole chain: contiguous seqs, every hash recomputed.
  VerifyReport verify() const;

  // Saves the state as a snapshot at its seq, and keeps only the `keep` newest snapshots.
  void save_snapshot(const core::State& state, std::size_t keep = snapshots_kept);
  // The newest snapshot at or below `max_seq`; its state hash is checked. A snapshot of another
  // layout of the state (core::state_format) is not loaded: nullopt, and the caller replays.
  std::optional<Snapshot> load_snapshot(core::Seq max_seq) const;
  core::Seq latest_snapshot_seq() const;

 private:
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  template <class Rows>
  core::Seq append_rows(const Rows& events, const std::vector<KeyRecord>& keys);
  std::unique_ptr<Impl> impl_;
};

// Hex SHA-256 of the state's bytes: equal states have equal digests.
std::string state_digest(const core::State& state);

// Folds rows into a state with the same evolve() the server uses (recovery and tools share it).
// Starts from the newest snapshot at or below `until` when use_snapshot is set.
core::State replay(const Journal& journal, core::Seq until, bool use_snapshot);

}  // namespace salesdesk::storage
