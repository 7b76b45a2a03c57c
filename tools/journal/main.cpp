// salesdesk-journal: verify, dump, trail, replay and stats over a journal file, opened
// read-only so it works beside a running server. It folds with the very same core::evolve as
// the server (storage::replay), so what it shows is what the server would rebuild.
//
// Every option a command does not take is an error (exit 2), never ignored: a silently dropped
// --from once made a trail look filtered when it was not. Values are checked before the journal
// is opened, so a typo costs nothing.
#include <boost/json.hpp>
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_codec.hpp"
#include "core/time.hpp"
#include "storage/journal.hpp"
#include "tools/journal/local_time.hpp"
#include "tools/journal/readable.hpp"

namespace {

namespace json = boost::json;
using namespace salesdesk;
using journal_cli::DayEnd;
using journal_cli::TimeArg;
using journal_cli::UnitOffsets;

// What an option's value must be.
enum class Kind { path, number, time, event_type };

struct Option {
  std::string_view name;
  Kind kind;
};

struct Command {
  std::string_view name;
  std::vector<Option> options;
};

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"verify", {{"db", Kind::path}}},
      {"dump", {{"db", Kind::path}, {"from", Kind::number}, {"to", Kind::number},
                {"type", Kind::event_type}}},
      {"trail", {{"db", Kind::path}, {"lead", Kind::number}, {"conversation", Kind::number},
                 {"order", Kind::number}, {"customer", Kind::number}, {"user", Kind::number},
                 {"from", Kind::time}, {"until", Kind::time}}},
      {"replay", {{"db", Kind::path}, {"until", Kind::number}, {"at", Kind::time}}},
      {"stats", {{"db", Kind::path}}},
  };
  return table;
}

void print_usage(std::ostream& out, bool with_times) {
  out << "usage:\n"
      << "  salesdesk-journal verify --db PATH\n"
      << "  salesdesk-journal dump --db PATH [--from SEQ] [--to SEQ] [--type TYPE]\n"
      << "  salesdesk-journal trail --db PATH (--lead ID | --conversation ID | --order ID |\n"
      << "                          --customer ID | --user ID) [--from TIME] [--until TIME]\n"
      << "  salesdesk-journal replay --db PATH [--until SEQ | --at TIME]\n"
      << "  salesdesk-journal stats --db PATH\n";
  if (!with_times) {
    out << "salesdesk-journal --help says which times TIME may be.\n";
    return;
  }
  out << "TIME is one of " << journal_cli::time_arg_forms << ".\n"
      << "A time without an offset is on the unit's clock (setting unit.utc_offset_minutes as\n"
      << "it was then); --from and --until are inclusive; a date as --at or --until is the end\n"
      << "of that day, as --from its start.\n";
}

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "salesdesk-journal: " << problem << "\n";
  print_usage(std::cerr, false);
  std::exit(2);
}

using Flags = std::map<std::string, std::string, std::less<>>;

std::string option_list(const Command& c) {
  std::string out;
  for (const Option& o : c.options) out += (out.empty() ? "--" : ", --") + std::string(o.name);
  return out;
}

const Command& find_command(std::string_view name) {
  for (const Command& c : commands()) {
    if (c.name == name) return c;
  }
  usage("unknown command " + std::string(name));
}

const Option* find_option(const Command& c, std::string_view name) {
  for (const Option& o : c.options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

std::optional<std::int64_t> parse_number(const std::string& text) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end || v < 0) return std::nullopt;
  return v;
}

// A value that does not fit its option is a usage error naming what was expected.
void check_value(const Option& o, const std::string& value) {
  const std::string flag = "--" + std::string(o.name);
  switch (o.kind) {
    case Kind::path:
      if (value.empty()) usage(flag + " must name a file");
      return;
    case Kind::number:
      if (!parse_number(value)) usage(flag + " must be a non-negative integer, not " + value);
      return;
    case Kind::time:
      if (!journal_cli::parse_time_arg(value)) {
        usage(flag + ": \"" + value + "\" is not a time; give " +
              std::string(journal_cli::time_arg_forms));
      }
      return;
    case Kind::event_type:
      if (!core::event_type_by_name(value)) usage("unknown event type " + value);
      return;
  }
}

Flags parse_flags(const Command& c, int argc, char** argv) {
  Flags flags;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) usage("unexpected argument " + arg);
    const Option* o = find_option(c, arg.substr(2));
    if (o == nullptr) {
      usage("unknown option " + arg + " for " + std::string(c.name) + " (it takes " +
            option_list(c) + ")");
    }
    if (i + 1 >= argc) usage(arg + " needs a value");
    if (!flags.emplace(arg.substr(2), argv[++i]).second) usage(arg + " is given twice");
    check_value(*o, flags.at(arg.substr(2)));
  }
  if (!flags.contains("db")) usage("--db PATH is required");
  return flags;
}

// Values were checked by parse_flags; these only read them.
std::int64_t number_flag(const Flags& flags, std::string_view name, std::int64_t fallback) {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : *parse_number(it->second);
}

std::optional<TimeArg> time_flag(const Flags& flags, std::string_view name) {
  auto it = flags.find(name);
  if (it == flags.end()) return std::nullopt;
  return journal_cli::parse_time_arg(it->second);
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

// Payloads read as in a trail, but without names or local times: those need a replay and a
// pass over the whole journal, and dump stays a plain stream of rows.
int dump(const storage::Journal& journal, const Flags& flags) {
  std::optional<std::uint16_t> type;
  if (auto it = flags.find("type"); it != flags.end()) type = core::event_type_by_name(it->second);
  const core::Seq from = number_flag(flags, "from", 1);
  journal.read(from, number_flag(flags, "to", 0), [&](const storage::Row& row) {
    if (type && row.type != *type) return;
    std::cout << json::serialize(journal_cli::row_json(row, {})) << '\n';
  });
  std::cout.flush();
  return 0;
}

constexpr std::array<std::string_view, 5> trail_kinds = {"lead", "conversation", "order",
                                                         "customer", "user"};

// The stream a trail follows, and for a user also every row the user wrote.
struct TrailTarget {
  std::string stream;
  std::optional<core::UserId> actor;
};

TrailTarget trail_target(const Flags& flags) {
  std::optional<TrailTarget> target;
  for (std::string_view kind : trail_kinds) {
    if (!flags.contains(kind)) continue;
    if (target) usage("trail follows one of --lead, --conversation, --order, --customer, --user");
    const std::int64_t id = number_flag(flags, kind, 0);
    target = TrailTarget{std::string(kind) + ":" + std::to_string(id),
                         kind == "user" ? std::optional<core::UserId>(id) : std::nullopt};
  }
  if (!target) usage("trail needs --lead, --conversation, --order, --customer or --user");
  return *target;
}

// Rows with from <= at <= until: both ends inclusive, as replay --at includes its instant.
struct Window {
  core::Time from = std::numeric_limits<core::Time>::min();
  core::Time until = std::numeric_limits<core::Time>::max();
};

Window trail_window(const Flags& flags, const UnitOffsets& offsets) {
  Window w;
  if (auto arg = time_flag(flags, "from")) w.from = resolve(*arg, offsets, DayEnd::first_ms);
  if (auto arg = time_flag(flags, "until")) w.until = resolve(*arg, offsets, DayEnd::last_ms);
  if (w.from > w.until) {
    usage("--from " + core::format_time(w.from) + " is after --until " +
          core::format_time(w.until));
  }
  return w;
}

// A conversation's trail also follows the orders made from it (an automatic draft among them).
std::vector<std::string> related_streams(const core::State& s, const std::string& stream) {
  std::vector<std::string> out;
  for (const core::Order& o : s.orders.by_id) {
    if (o.conversation_id != 0 && core::conversation_stream(o.conversation_id) == stream) {
      out.push_back(core::order_stream(o.id));
    }
  }
  return out;
}

int trail(const storage::Journal& journal, const Flags& flags) {
  const TrailTarget target = trail_target(flags);
  const UnitOffsets offsets = UnitOffsets::read(journal);
  const Window window = trail_window(flags, offsets);
  const core::State names = storage::replay(journal, 0, true);
  const journal_cli::Explain explain{&names, &offsets};
  const auto print = [&](const storage::Row& row) {
    if (row.at < window.from || row.at > window.until) return;
    std::cout << json::serialize(journal_cli::row_json(row, explain)) << '\n';
  };
  const std::vector<std::string> related = related_streams(names, target.stream);
  if (related.empty()) {
    journal.read_trail(target.stream, target.actor, print);  // streamed: a user's may be long
  } else {
    std::vector<storage::Row> rows;
    const auto keep = [&rows](const storage::Row& row) { rows.push_back(row); };
    journal.read_trail(target.stream, target.actor, keep);
    for (const std::string& stream : related) journal.read_trail(stream, std::nullopt, keep);
    std::sort(rows.begin(), rows.end(),
              [](const storage::Row& a, const storage::Row& b) { return a.seq < b.seq; });
    for (const storage::Row& row : rows) print(row);
  }
  std::cout.flush();
  return 0;
}

// Where a replay stops: the last seq to fold (0 with `empty`: nothing; 0 otherwise: the head)
// and, for --at, the instant asked for.
struct ReplayPoint {
  core::Seq until = 0;
  bool empty = false;
  std::optional<core::Time> requested;
};

ReplayPoint replay_point(const storage::Journal& journal, const Flags& flags) {
  if (auto arg = time_flag(flags, "at")) {
    // The offsets in force over time are read only when the time does not carry one.
    const UnitOffsets offsets = arg->offset_minutes ? UnitOffsets{} : UnitOffsets::read(journal);
    const core::Time t = resolve(*arg, offsets, DayEnd::last_ms);
    const core::Seq seq = journal.seq_at(t);
    return {seq, seq == 0, t};
  }
  const core::Seq seq = number_flag(flags, "until", 0);
  return {seq, seq == 0 && flags.contains("until"), std::nullopt};
}

// A time on the unit's clock as of the replayed state.
std::string local_text(const core::State& s, core::Time utc) {
  const std::int64_t minutes = s.settings[core::setting::unit_utc_offset_minutes];
  std::string text = core::format_time(utc + minutes * 60 * core::ms_per_s);
  text.pop_back();  // the "Z"
  return text + journal_cli::offset_text(minutes);
}

json::value user_name(const core::State& s, core::UserId id) {
  const core::User* u = s.users.find(id);
  return u ? json::value(u->username) : json::value(nullptr);
}

json::object pooled_json(const core::State& s, core::Time entered, const core::Lead& l) {
  const std::string& status = s.leads.text(l.status);
  const auto known = s.catalog.statuses.find(status);
  return {{"lead_id", l.id},
          {"name", l.name},
          {"status", status},
          {"status_name", known == s.catalog.statuses.end() ? json::value(nullptr)
                                                            : json::value(known->second.name)},
          {"source", s.leads.text(l.source)},
          {"product", s.leads.text(l.product)},
          {"owner_id", l.owner_id ? json::value(l.owner_id) : json::value(nullptr)},
          {"owner_name", user_name(s, l.owner_id)},
          {"entered_pool_at", core::format_time(entered)},
          {"entered_pool_at_local", local_text(s, entered)}};
}

constexpr std::size_t pool_ids_max = 10'000;

// What was in the pool: every lead, oldest in the pool first (the first 10,000 listed).
json::object pool_json(const core::State& s) {
  json::array leads;
  for (const auto& [entered, id] : s.leads.pool) {
    if (leads.size() >= pool_ids_max) break;
    leads.push_back(pooled_json(s, entered, *s.leads.find(id)));
  }
  return {{"count", s.leads.pool.size()},
          {"leads", std::move(leads)},
          {"truncated", s.leads.pool.size() > pool_ids_max}};
}

// When the replayed state stood: its last event's time, and the instant --at asked for.
void add_times(json::object& out, const storage::Journal& journal, const core::State& s,
               const ReplayPoint& point) {
  std::optional<core::Time> last;
  if (s.seq > 0) journal.read(s.seq, s.seq, [&](const storage::Row& row) { last = row.at; });
  out["at"] = last ? json::value(core::format_time(*last)) : json::value(nullptr);
  out["at_local"] = last ? json::value(local_text(s, *last)) : json::value(nullptr);
  if (point.requested) {
    out["requested_at"] = core::format_time(*point.requested);
    out["requested_at_local"] = local_text(s, *point.requested);
  }
  const std::int64_t minutes = s.settings[core::setting::unit_utc_offset_minutes];
  out["utc_offset"] = journal_cli::offset_text(minutes);
}

// What the inbox held: open conversations per page and per sale, and the longest waiting ones
// (a customer's unanswered message, oldest first; the first 100 listed).
constexpr std::size_t waiting_listed_max = 100;

struct InboxTally {
  std::int64_t open = 0;
  std::int64_t unassigned = 0;
  std::int64_t unanswered = 0;
  void add(const core::Conversation& c) {
    ++open;
    unassigned += c.assignee_id == 0 ? 1 : 0;
    unanswered += c.has(core::flag_unanswered) ? 1 : 0;
  }
  json::object json() const {
    return {{"open", open}, {"unassigned", unassigned}, {"unanswered", unanswered}};
  }
};

json::object waiting_json(const core::State& s, const core::Conversation& c) {
  const core::Customer* customer = s.customers.find(c.customer_id);
  return {{"conversation_id", c.id},
          {"page_id", c.page_id},
          {"customer_name", customer ? json::value(customer->name) : json::value(nullptr)},
          {"assignee_id", c.assignee_id ? json::value(c.assignee_id) : json::value(nullptr)},
          {"assignee_name", user_name(s, c.assignee_id)},
          {"waiting_since", core::format_time(c.waiting_since)},
          {"waiting_since_local", local_text(s, c.waiting_since)}};
}

json::object inbox_json(const core::State& s) {
  InboxTally all;
  std::map<core::PageId, InboxTally> pages;
  std::map<core::UserId, InboxTally> sales;
  std::vector<const core::Conversation*> waiting;
  for (const core::Conversation& c : s.conversations.by_id) {
    if (c.has(core::flag_closed)) continue;
    all.add(c);
    pages[c.page_id].add(c);
    if (c.assignee_id != 0) sales[c.assignee_id].add(c);
    if (c.waiting_since != 0) waiting.push_back(&c);
  }
  std::sort(waiting.begin(), waiting.end(), [](const auto* a, const auto* b) {
    return std::pair(a->waiting_since, a->id) < std::pair(b->waiting_since, b->id);
  });
  json::object out = all.json();
  out["conversations"] = s.conversations.by_id.size();
  json::array by_page;
  for (const auto& [id, tally] : pages) {
    json::object row{{"page_id", id}, {"name", s.pages.find(id)->name}};
    for (auto& [key, value] : tally.json()) row[key] = value;
    by_page.push_back(std::move(row));
  }
  json::array by_sale;
  for (const auto& [id, tally] : sales) {
    json::object row{{"user_id", id}, {"username", user_name(s, id)}};
    for (auto& [key, value] : tally.json()) row[key] = value;
    by_sale.push_back(std::move(row));
  }
  json::array longest;
  for (const core::Conversation* c : waiting) {
    if (longest.size() >= waiting_listed_max) break;
    longest.push_back(waiting_json(s, *c));
  }
  out["by_page"] = std::move(by_page);
  out["by_assignee"] = std::move(by_sale);
  out["waiting"] = std::move(longest);
  out["waiting_truncated"] = waiting.size() > waiting_listed_max;
  return out;
}

json::object counts_json(const core::State& s) {
  std::size_t active = 0;
  for (const core::User& u : s.users.by_id) active += u.active ? 1 : 0;
  return {{"users", s.users.by_id.size()},
          {"active_users", active},
          {"sessions", s.users.sessions.size()},
          {"teams", s.teams.by_id.size()},
          {"statuses", s.catalog.statuses.size()},
          {"products", s.catalog.products.size()},
          {"customers", s.customers.by_id.size()},
          {"orders", s.orders.by_id.size()},
          {"open_system_messages", s.system_messages.open()},
          {"leads", s.leads.by_id.size()}};
}

int replay(const storage::Journal& journal, const Flags& flags) {
  const ReplayPoint point = replay_point(journal, flags);
  const core::State s = point.empty ? core::State{} : storage::replay(journal, point.until, true);
  json::object out{{"seq", s.seq}};
  add_times(out, journal, s, point);
  for (auto& [key, value] : counts_json(s)) out[key] = value;
  json::object settings;
  for (const auto& [key, value] : s.settings.all()) {
    settings[key] = journal_cli::setting_json(value);
  }
  out["pool"] = pool_json(s);
  out["inbox"] = inbox_json(s);
  out["settings"] = std::move(settings);
  out["state_digest"] = storage::state_digest(s);
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

int run(std::string_view command, const storage::Journal& journal, const Flags& flags) {
  if (command == "verify") return verify(journal);
  if (command == "dump") return dump(journal, flags);
  if (command == "trail") return trail(journal, flags);
  if (command == "replay") return replay(journal, flags);
  return stats(journal);
}

// What the option table cannot say: the choices that exclude each other.
void check_combinations(std::string_view command, const Flags& flags) {
  if (command == "replay" && flags.contains("until") && flags.contains("at")) {
    usage("give --until or --at, not both");
  }
  if (command == "trail") trail_target(flags);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("a command is required");
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(std::cout, true);
    return 0;
  }
  const Command& command = find_command(name);
  const Flags flags = parse_flags(command, argc, argv);
  check_combinations(command.name, flags);
  try {
    auto journal = storage::Journal::open(flags.at("db"), storage::OpenMode::read_only);
    return run(command.name, *journal, flags);
  } catch (const std::exception& e) {
    std::cerr << "salesdesk-journal: " << e.what() << std::endl;
    return 1;
  }
}
