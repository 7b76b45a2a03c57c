// salesdesk-journal: verify, dump, trail, replay and stats over a journal file, opened
// read-only so it works beside a running server. It folds with the very same core::evolve as
// the server (storage::replay), so what it shows is what the server would rebuild.
#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "core/event_codec.hpp"
#include "core/time.hpp"
#include "storage/journal.hpp"

namespace {

namespace json = boost::json;
using namespace salesdesk;

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "salesdesk-journal: " << problem << "\n"
            << "usage:\n"
            << "  salesdesk-journal verify --db PATH\n"
            << "  salesdesk-journal dump --db PATH [--from SEQ] [--to SEQ] [--type TYPE]\n"
            << "  salesdesk-journal trail --db PATH (--lead ID | --conversation ID | --order ID |"
               " --customer ID | --user ID)\n"
            << "  salesdesk-journal replay --db PATH [--until SEQ | --at TIME]\n"
            << "  salesdesk-journal stats --db PATH\n";
  std::exit(2);
}

using Flags = std::map<std::string, std::string>;

Flags parse_flags(int argc, char** argv) {
  Flags flags;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) usage("bad argument " + arg);
    flags[arg.substr(2)] = argv[++i];
  }
  if (!flags.contains("db")) usage("--db PATH is required");
  return flags;
}

std::int64_t number_flag(const Flags& flags, const std::string& name, std::int64_t fallback) {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  try {
    std::size_t used = 0;
    const std::int64_t v = std::stoll(it->second, &used);
    if (used != it->second.size() || v < 0) throw std::invalid_argument(name);
    return v;
  } catch (const std::exception&) {
    usage("--" + name + " must be a non-negative integer");
  }
}

std::string hex(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

json::object row_json(const storage::Row& row) {
  const core::Event e = core::decode_payload(row.type, row.payload);
  return {{"seq", row.seq},
          {"at", core::format_time(row.at)},
          {"actor", row.actor},
          {"type", core::event_name(e)},
          {"stream", row.stream},
          {"hash", hex(row.hash)},
          {"payload", json::parse(core::payload_json(e))}};
}

int verify(const storage::Journal& journal) {
  const storage::VerifyReport r = journal.verify();
  if (r.ok) {
    std::cout << "ok " << r.events << " events" << std::endl;
    return 0;
  }
  std::cout << "bad seq " << r.first_bad_seq << ": " << r.problem << std::endl;
  return 1;
}

int dump(const storage::Journal& journal, const Flags& flags) {
  std::optional<std::uint16_t> type;
  if (auto it = flags.find("type"); it != flags.end()) {
    type = core::event_type_by_name(it->second);
    if (!type) usage("unknown event type " + it->second);
  }
  journal.read(number_flag(flags, "from", 1), number_flag(flags, "to", 0), [&](const storage::Row& row) {
    if (type && row.type != *type) return;
    std::cout << json::serialize(row_json(row)) << '\n';
  });
  std::cout.flush();
  return 0;
}

int trail(const storage::Journal& journal, const Flags& flags) {
  static const char* kinds[] = {"lead", "conversation", "order", "customer", "user"};
  std::string stream;
  std::optional<core::UserId> actor;
  for (const char* kind : kinds) {
    if (!flags.contains(kind)) continue;
    const std::int64_t id = number_flag(flags, kind, 0);
    stream = std::string(kind) + ":" + std::to_string(id);
    if (std::string(kind) == "user") actor = id;
  }
  if (stream.empty()) usage("trail needs --lead, --conversation, --order, --customer or --user");
  const core::State names = storage::replay(journal, 0, true);
  journal.read_trail(stream, actor, [&](const storage::Row& row) {
    json::object line = row_json(row);
    const core::User* u = names.users.find(row.actor);
    line["actor_name"] = row.actor == core::system_actor ? "system" : (u ? u->username : "?");
    std::cout << json::serialize(line) << '\n';
  });
  std::cout.flush();
  return 0;
}

constexpr std::size_t pool_ids_max = 10'000;

// What was in the pool: every lead, oldest in the pool first (the first 10,000 listed).
json::object pool_json(const core::State& s) {
  json::array leads;
  for (const auto& [entered, id] : s.leads.pool) {
    if (leads.size() >= pool_ids_max) break;
    const core::Lead& l = *s.leads.find(id);
    leads.push_back(json::object{{"lead_id", id},
                                 {"entered_pool_at", core::format_time(entered)},
                                 {"owner_id", l.owner_id},
                                 {"status", s.leads.text(l.status)}});
  }
  return {{"count", s.leads.pool.size()}, {"leads", std::move(leads)}, {"truncated", s.leads.pool.size() > pool_ids_max}};
}

int replay(const storage::Journal& journal, const Flags& flags) {
  core::Seq until = number_flag(flags, "until", 0);
  if (auto it = flags.find("at"); it != flags.end()) {
    if (flags.contains("until")) usage("give --until or --at, not both");
    auto t = core::parse_time(it->second);
    if (!t) usage("--at wants an ISO 8601 UTC time such as 2026-11-23T10:32:00Z");
    until = journal.seq_at(*t);
  }
  const core::State s = until == 0 && (flags.contains("at") || flags.contains("until"))
                            ? core::State{}
                            : storage::replay(journal, until, true);
  std::size_t active = 0;
  for (const core::User& u : s.users.by_id) active += u.active ? 1 : 0;
  json::object settings;
  for (const auto& [key, value] : s.settings.all()) {
    settings[key] = std::visit(
        [](const auto& x) -> json::value {
          if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) {
            return nullptr;
          } else {
            return json::value(x);
          }
        },
        value);
  }
  json::object out{{"seq", s.seq},
                   {"users", s.users.by_id.size()},
                   {"active_users", active},
                   {"sessions", s.users.sessions.size()},
                   {"teams", s.teams.by_id.size()},
                   {"statuses", s.catalog.statuses.size()},
                   {"products", s.catalog.products.size()},
                   {"customers", s.customers.by_id.size()},
                   {"orders", s.orders.by_id.size()},
                   {"open_system_messages", s.system_messages.open()},
                   {"leads", s.leads.by_id.size()},
                   {"pool", pool_json(s)},
                   {"settings", settings},
                   {"state_digest", storage::state_digest(s)}};
  std::cout << json::serialize(out) << std::endl;
  return 0;
}

int stats(const storage::Journal& journal) {
  const storage::JournalStats st = journal.stats();
  json::object by_type;
  for (const auto& [type, count] : st.by_type) {
    by_type[std::string(core::event_name_by_type(type).value_or("unknown"))] = count;
  }
  json::object out{{"events", st.events},
                   {"head", journal.head()},
                   {"first_at", st.events ? json::value(core::format_time(st.first_at)) : nullptr},
                   {"last_at", st.events ? json::value(core::format_time(st.last_at)) : nullptr},
                   {"by_type", by_type},
                   {"command_keys", st.command_keys},
                   {"snapshots", st.snapshots}};
  std::cout << json::serialize(out) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("a command is required");
  const std::string command = argv[1];
  const Flags flags = parse_flags(argc, argv);
  try {
    auto journal = storage::Journal::open(flags.at("db"), storage::OpenMode::read_only);
    if (command == "verify") return verify(*journal);
    if (command == "dump") return dump(*journal, flags);
    if (command == "trail") return trail(*journal, flags);
    if (command == "replay") return replay(*journal, flags);
    if (command == "stats") return stats(*journal);
    usage("unknown command " + command);
  } catch (const std::exception& e) {
    std::cerr << "salesdesk-journal: " << e.what() << std::endl;
    return 1;
  }
}
