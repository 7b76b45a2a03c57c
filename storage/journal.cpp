#include "storage/journal.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>

#include "core/conversation.hpp"
#include "core/event_codec.hpp"
#include "storage/hex.hpp"
#include "storage/sqlite.hpp"

namespace salesdesk::storage {
namespace {

// schema/journal.sql, embedded at build time.
constexpr const char* journal_sql =
#include "journal_sql.inc"
    ;

constexpr std::size_t hash_bytes = 32;
constexpr core::Seq tail_check_rows = 1024;

struct Migration {
  int number = 0;
  std::string sql;
};

std::vector<Migration> parse_migrations(std::string_view text) {
  std::vector<Migration> out;
  constexpr std::string_view marker = "-- migration ";
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.rfind(marker, 0) == 0) {
      Migration m;
      std::from_chars(line.data() + marker.size(), line.data() + line.size(), m.number);
      out.push_back(std::move(m));
    } else if (!out.empty()) {
      out.back().sql.append(line).push_back('\n');
    }
    pos = end + 1;
  }
  return out;
}

void put_be(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (i * 8)) & 0xff));
}

// One context and one fetched algorithm per thread: OpenSSL 3 would otherwise look the
// algorithm up on every digest.
class Sha256 {
 public:
  Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (md_ == nullptr || ctx_ == nullptr) {
      throw JournalError("journal: cannot create a SHA-256 context");
    }
  }
  ~Sha256() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  std::string digest(std::initializer_list<std::string_view> parts) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    bool ok = EVP_DigestInit_ex(ctx_, md_, nullptr) == 1;
    for (std::string_view part : parts) {
      ok = ok && EVP_DigestUpdate(ctx_, part.data(), part.size()) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx_, out.data(), &size) == 1;
    if (!ok || size != hash_bytes) throw JournalError("journal: SHA-256 failed");
    return std::string(reinterpret_cast<const char*>(out.data()), size);
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

Sha256& thread_hasher() {
  thread_local Sha256 hasher;
  return hasher;
}

Row row_from(const sqlite::Statement& s) {
  return Row{s.column_int(0), s.column_int(1), s.column_int(2),
             static_cast<std::uint16_t>(s.column_int(3)), s.column_text(4), s.column_blob(5),
             s.column_blob(6)};
}

constexpr const char* select_rows =
    "SELECT seq, at, actor, type, stream, payload, hash FROM events ";

}  // namespace

std::string chain_hash(const std::string& previous, core::Seq seq, core::Time at,
                       core::UserId actor, std::uint16_t type, const std::string& stream,
                       const std::string& payload) {
  std::string fields;
  fields.reserve(8 * 3 + 2 + 8);
  put_be(fields, static_cast<std::uint64_t>(seq), 8);
  put_be(fields, static_cast<std::uint64_t>(at), 8);
  put_be(fields, static_cast<std::uint64_t>(actor), 8);
  put_be(fields, type, 2);
  put_be(fields, stream.size(), 4);
  std::string payload_size;
  put_be(payload_size, payload.size(), 4);
  return thread_hasher().digest({previous, fields, stream, payload_size, payload});
}

struct Journal::Impl {
  sqlite::Connection db;
  bool read_only;
  core::Seq head = 0;
  std::string last_hash = std::string(hash_bytes, '\0');
  sqlite::Statement insert_event;
  sqlite::Statement insert_key;
  sqlite::Statement select_key;
  sqlite::Statement select_range;
  sqlite::Statement select_trail;
  sqlite::Statement select_stream_back;
  sqlite::Statement select_fold;
  std::optional<sqlite::Statement> insert_words;     // a writer's
  mutable std::optional<sqlite::Statement> search;  // prepared on the first search

  Impl(const std::string& path, bool ro)
      : db(path, ro),
        read_only(ro),
        insert_event(prepare_schema(db, ro),
                     "INSERT INTO events(seq, at, actor, type, stream, payload, hash) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)"),
        insert_key(db, "INSERT INTO command_keys(actor, key, seq, result) VALUES (?, ?, ?, ?)"),
        select_key(db, "SELECT result FROM command_keys WHERE actor = ? AND key = ?"),
        select_range(db, std::string(select_rows) + "WHERE seq >= ? AND seq <= ? ORDER BY seq"),
        select_trail(db, std::string(select_rows) + "WHERE stream = ? OR actor = ? ORDER BY seq"),
        select_stream_back(db, std::string(select_rows) +
                                   "WHERE stream = ? AND seq < ? ORDER BY seq DESC"),
        select_fold(
            db,
            "SELECT seq, at, type, payload FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq") {
    if (!ro) insert_words.emplace(db, "INSERT INTO message_words(rowid, words) VALUES (?, ?)");
  }

  // Puts a message's words in the text index under its seq (nothing for other events).
  static void index_words(sqlite::Statement& insert, core::Seq seq, const core::Event& e) {
    const std::string words = core::searchable_words(e);
    if (words.empty()) return;
    sqlite::Use use(insert);
    insert.bind(1, seq);
    insert.bind(2, words);
    insert.step();
  }

  // Migration 2 on a journal that has messages already: their words, from their events.
  static void fill_words(sqlite::Connection& db) {
    sqlite::Statement insert(db, "INSERT INTO message_words(rowid, words) VALUES (?, ?)");
    sqlite::Statement messages(db, "SELECT seq, type, payload FROM events WHERE type IN (?, ?)");
    messages.bind(1, std::int64_t{core::MessageReceived::type_id});
    messages.bind(2, std::int64_t{core::MessageSent::type_id});
    while (messages.step()) {
      const auto type = static_cast<std::uint16_t>(messages.column_int(1));
      index_words(insert, messages.column_int(0),
                  core::decode_payload(type, messages.column_view(2)));
    }
  }

  // Runs before any statement is prepared: pragmas and migrations.
  static sqlite::Connection& prepare_schema(sqlite::Connection& db, bool ro) {
    if (ro) {
      db.exec("PRAGMA query_only = ON");
      return db;
    }
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    // Debian builds SQLite with SECURE_DELETE, which overwrites deleted content with zeros:
    // pruning an old snapshot of a million leads wrote ~120 MB of zeros on the engine thread.
    // It protects nothing here: the journal never deletes an event, and every byte of a
    // snapshot is derived from the events that stay.
    db.exec("PRAGMA secure_delete = OFF");
    migrate(db);
    return db;
  }

  static int user_version(sqlite::Connection& db) {
    sqlite::Statement s(db, "PRAGMA user_version");
    return s.step() ? static_cast<int>(s.column_int(0)) : 0;
  }

  static void migrate(sqlite::Connection& db) {
    const int current = user_version(db);
    for (const Migration& m : parse_migrations(journal_sql)) {
      if (m.number <= current) continue;
      sqlite::Transaction tx(db);
      db.exec(m.sql);
      if (m.number == 2) fill_words(db);
      db.exec("PRAGMA user_version = " + std::to_string(m.number));
      tx.commit();
    }
  }

  void load_head() {
    sqlite::Statement s(db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
    if (s.step()) {
      head = s.column_int(0);
      last_hash = s.column_blob(1);
    }
  }

  // Recomputes the last rows' hashes: a torn or edited tail stops the server at start.
  void check_tail() {
    if (head == 0) return;
    const core::Seq from = std::max<core::Seq>(1, head - tail_check_rows);
    sqlite::Statement s(db, std::string(select_rows) + "WHERE seq >= ? ORDER BY seq");
    s.bind(1, from - 1);
    std::optional<Row> previous;
    while (s.step()) {
      Row row = row_from(s);
      if (row.seq == from - 1) {
        previous = std::move(row);
        continue;
      }
      const std::string prev_hash = previous ? previous->hash : std::string(hash_bytes, '\0');
      const core::Seq expected = previous ? previous->seq + 1 : 1;
      if (row.seq != expected ||
          row.hash != chain_hash(prev_hash, row.seq, row.at, row.actor, row.type, row.stream,
                                 row.payload)) {
        throw JournalError("journal: hash chain broken at seq " + std::to_string(row.seq));
      }
      previous = std::move(row);
    }
  }
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;

std::unique_ptr<Journal> Journal::open(const std::string& path, OpenMode mode) {
  auto impl = std::make_unique<Impl>(path, mode == OpenMode::read_only);
  impl->load_head();
  if (mode == OpenMode::read_write) impl->check_tail();
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

core::Seq Journal::head() const { return impl_->head; }

template <class Rows>
core::Seq Journal::append_rows(const Rows& events, const std::vector<KeyRecord>& keys) {
  Impl& j = *impl_;
  if (j.read_only) throw JournalError("journal: opened read-only");
  if (events.empty() && keys.empty()) return j.head;
  sqlite::Transaction tx(j.db);
  core::Seq seq = j.head;
  std::string hash = j.last_hash;
  for (const auto& p : events) {
    ++seq;
    const std::uint16_t type = core::event_type(p.event);
    const std::string stream = core::event_stream(p.event);
    const std::string payload = core::encode_payload(p.event);
    hash = chain_hash(hash, seq, p.at, p.actor, type, stream, payload);
    sqlite::Use use(j.insert_event);
    j.insert_event.bind(1, seq);
    j.insert_event.bind(2, p.at);
    j.insert_event.bind(3, p.actor);
    j.insert_event.bind(4, std::int64_t{type});
    j.insert_event.bind(5, stream);
    j.insert_event.bind_blob(6, payload);
    j.insert_event.bind_blob(7, hash);
    j.insert_event.step();
    Impl::index_words(*j.insert_words, seq, p.event);
  }
  for (const KeyRecord& k : keys) {
    sqlite::Use use(j.insert_key);
    j.insert_key.bind(1, k.actor);
    j.insert_key.bind(2, k.key);
    j.insert_key.bind(3, seq);
    j.insert_key.bind(4, k.result);
    j.insert_key.step();
  }
  tx.commit();
  j.head = seq;
  j.last_hash = std::move(hash);
  return seq;
}

core::Seq Journal::append(const std::vector<Pending>& events, const std::vector<KeyRecord>& keys) {
  return append_rows(events, keys);
}

core::Seq Journal::append(const std::vector<Committed>& events,
                          const std::vector<KeyRecord>& keys) {
  core::Seq expected = impl_->head;
  for (const Committed& c : events) {
    if (c.seq != ++expected) {
      throw std::logic_error("journal: event numbered " + std::to_string(c.seq) + ", expected " +
                             std::to_string(expected));
    }
  }
  return append_rows(events, keys);
}

void Journal::read(core::Seq from, core::Seq to,
                   const std::function<void(const Row&)>& visit) const {
  sqlite::Statement& s = impl_->select_range;
  sqlite::Use use(s);
  s.bind(1, from);
  s.bind(2, to == 0 ? INT64_MAX : to);
  while (s.step()) visit(row_from(s));
}

void Journal::fold(core::Seq from, core::Seq to,
                   const std::function<void(const Fold&)>& visit) const {
  sqlite::Statement& s = impl_->select_fold;
  sqlite::Use use(s);
  s.bind(1, from);
  s.bind(2, to == 0 ? INT64_MAX : to);
  while (s.step()) {
    visit(Fold{s.column_int(0), s.column_int(1), static_cast<std::uint16_t>(s.column_int(2)),
               s.column_view(3)});
  }
}

void Journal::read_trail(const std::string& stream, std::optional<core::UserId> actor,
                         const std::function<void(const Row&)>& visit) const {
  sqlite::Statement& s = impl_->select_trail;
  sqlite::Use use(s);
  s.bind(1, stream);
  s.bind(2, actor.value_or(-1));
  while (s.step()) visit(row_from(s));
}

void Journal::read_stream_back(const std::string& stream, core::Seq before,
                               const std::function<bool(const Row&)>& visit) const {
  sqlite::Statement& s = impl_->select_stream_back;
  sqlite::Use use(s);
  s.bind(1, stream);
  s.bind(2, before);
  while (s.step()) {
    if (!visit(row_from(s))) break;
  }
}

std::vector<std::string> Journal::search_messages(const std::vector<std::string>& words,
                                                  std::size_t limit) const {
  std::vector<std::string> out;
  if (words.empty() || limit == 0) return out;
  // Every word as a prefix: "gia" finds "giá" (the index holds folded words) and "giao".
  // Folded words are letters and digits only, so quoting them is enough.
  std::string match;
  for (const std::string& w : words) {
    if (!match.empty()) match.push_back(' ');
    match += "\"" + w + "\"*";
  }
  if (!impl_->search) {
    impl_->search.emplace(impl_->db,
                          "SELECT e.stream FROM message_words w JOIN events e ON e.seq = w.rowid "
                          "WHERE message_words MATCH ? ORDER BY w.rowid DESC LIMIT ?");
  }
  sqlite::Statement& s = *impl_->search;
  sqlite::Use use(s);
  s.bind(1, match);
  s.bind(2, static_cast<std::int64_t>(search_rows_max));
  while (s.step() && out.size() < limit) {
    std::string stream = s.column_text(0);
    if (std::find(out.begin(), out.end(), stream) == out.end()) out.push_back(std::move(stream));
  }
  return out;
}

JournalStats Journal::stats() const {
  JournalStats out;
  sqlite::Statement range(
      impl_->db, "SELECT count(*), coalesce(min(at), 0), coalesce(max(at), 0) FROM events");
  if (range.step()) {
    out.events = range.column_int(0);
    out.first_at = range.column_int(1);
    out.last_at = range.column_int(2);
  }
  sqlite::Statement types(impl_->db,
                          "SELECT type, count(*) FROM events GROUP BY type ORDER BY type");
  while (types.step()) {
    out.by_type.emplace_back(static_cast<std::uint16_t>(types.column_int(0)), types.column_int(1));
  }
  sqlite::Statement keys(impl_->db, "SELECT count(*) FROM command_keys");
  if (keys.step()) out.command_keys = keys.column_int(0);
  sqlite::Statement snaps(impl_->db, "SELECT count(*) FROM snapshots");
  if (snaps.step()) out.snapshots = snaps.column_int(0);
  return out;
}

core::Seq Journal::seq_at(core::Time at) const {
  sqlite::Statement s(impl_->db, "SELECT max(seq) FROM events WHERE at <= ?");
  s.bind(1, at);
  return s.step() ? s.column_int(0) : 0;
}

std::optional<std::string> Journal::find_key(core::UserId actor, const std::string& key) const {
  sqlite::Statement& s = impl_->select_key;
  sqlite::Use use(s);
  s.bind(1, actor);
  s.bind(2, key);
  if (!s.step()) return std::nullopt;
  return s.column_text(0);
}

VerifyReport Journal::verify() const {
  VerifyReport report;
  std::string previous(hash_bytes, '\0');
  core::Seq expected = 1;
  read(1, 0, [&](const Row& row) {
    if (!report.ok) return;
    if (row.seq != expected) {
      report = {false, report.events, expected, "missing seq " + std::to_string(expected)};
      return;
    }
    if (row.hash != chain_hash(previous, row.seq, row.at, row.actor, row.type, row.stream,
                               row.payload)) {
      report = {false, report.events, row.seq, "hash mismatch"};
      return;
    }
    try {
      (void)core::decode_payload(row.type, row.payload);
    } catch (const core::DecodeError& e) {
      report = {false, report.events, row.seq, e.what()};
      return;
    }
    previous = row.hash;
    ++expected;
    ++report.events;
  });
  return report;
}

void Journal::save_snapshot(const core::State& state, std::size_t keep) {
  Impl& j = *impl_;
  if (j.read_only) throw JournalError("journal: opened read-only");
  const std::string bytes = core::encode_state(state);
  sqlite::Statement s(j.db,
                      "INSERT OR REPLACE INTO snapshots(seq, state_hash, state) VALUES (?, ?, ?)");
  s.bind(1, state.seq);
  s.bind_blob(2, thread_hasher().digest({bytes}));
  s.bind_blob(3, bytes);
  s.step();
  sqlite::Statement prune(j.db,
                          "DELETE FROM snapshots WHERE seq NOT IN "
                          "(SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)");
  prune.bind(1, static_cast<std::int64_t>(std::max<std::size_t>(keep, 1)));
  prune.step();
}

std::optional<Snapshot> Journal::load_snapshot(core::Seq max_seq) const {
  sqlite::Statement s(impl_->db,
                      "SELECT seq, state_hash, state FROM snapshots WHERE seq <= ? "
                      "ORDER BY seq DESC LIMIT 1");
  s.bind(1, max_seq);
  if (!s.step()) return std::nullopt;
  const std::string bytes = s.column_blob(2);
  if (thread_hasher().digest({bytes}) != s.column_blob(1)) {
    throw JournalError("journal: snapshot at seq " + std::to_string(s.column_int(0)) +
                       " does not match its hash");
  }
  Snapshot snap{s.column_int(0), {}};
  try {
    snap.state = core::decode_state(bytes);
  } catch (const core::StaleStateFormat&) {
    return std::nullopt;  // written by another version: the journal is replayed from the start
  }
  if (snap.state.seq != snap.seq) throw JournalError("journal: snapshot seq mismatch");
  return snap;
}

core::Seq Journal::latest_snapshot_seq() const {
  sqlite::Statement s(impl_->db, "SELECT coalesce(max(seq), 0) FROM snapshots");
  return s.step() ? s.column_int(0) : 0;
}

std::string state_digest(const core::State& state) {
  return to_hex(thread_hasher().digest({core::encode_state(state)}));
}

core::State replay(const Journal& journal, core::Seq until, bool use_snapshot) {
  const core::Seq last = until == 0 ? journal.head() : std::min(until, journal.head());
  core::State state;
  if (use_snapshot) {
    if (auto snap = journal.load_snapshot(last)) state = std::move(snap->state);
  }
  journal.fold(state.seq + 1, last, [&](const Journal::Fold& row) {
    core::evolve(state, core::decode_payload(row.type, row.payload), row.at);
    state.seq = row.seq;
  });
  return state;
}

}  // namespace salesdesk::storage
