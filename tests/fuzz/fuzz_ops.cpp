// libFuzzer target: every operation's argument decoding, run through to what the engine does
// with the result. An input is "<op name>\n<args as JSON>". The args are prepared for an admin,
// a manager and a sale of a small unit (unit.hpp), in that order; a query's closure runs against
// the unit, a command is decided and, when accepted, its events are folded into a copy of the
// unit, rendered into the result, turned into pushes and round-tripped through the journal's
// codec.
//
// A BadRequest from prepare is the expected rejection. Any other exception is a finding: from
// prepare or decide it would end a network thread or the engine; from a query or a rendering the
// engine logs "bug" and answers internal.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "app/engine.hpp"
#include "app/lookups.hpp"
#include "app/protocol.hpp"
#include "core/commands.hpp"
#include "core/event_codec.hpp"
#include "core/user.hpp"
#include "tests/fuzz/json_mutator.hpp"
#include "tests/fuzz/unit.hpp"

namespace {

using namespace salesdesk;
namespace json = boost::json;

void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_ops: %s\n", what);
  std::abort();
}

std::optional<json::object> parse_args(std::string_view text) {
  if (text.empty()) return json::object{};
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::nullopt;
  if (v.is_null()) return json::object{};
  if (!v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

// users.create and users.update hash a password (PBKDF2, 120,000 iterations) in prepare, a
// tenth of a second each: the password is checked here, then made one that check_password
// rejects (users.create, so every other field is still decoded) or dropped (users.update).
void tame_password(std::string_view op, json::object& args) {
  json::value* password = args.if_contains("password");
  if (password == nullptr || !password->is_string()) return;
  (void)core::check_password(std::string(password->get_string()));
  if (op == "users.create") {
    *password = "";
  } else {
    args.erase("password");
  }
}

// The journal stores each event as its type and payload; replay must read back the same bytes.
void round_trip(const core::Event& e) {
  const std::string payload = core::encode_payload(e);
  const core::Event back = core::decode_payload(core::event_type(e), payload);
  expect(core::encode_payload(back) == payload, "an event does not survive the journal codec");
  (void)core::payload_json(e);
}

void publish(const core::State& s, const std::vector<app::Committed>& batch) {
  const app::Listened all = [](const std::string&) { return true; };
  const app::BatchPushList list = app::pushes_of(s, batch, all);
  expect(list.event_start.size() == batch.size(), "pushes without their events");
  for (const app::Push& p : list.pushes) {
    expect(!p.text.empty(), "an empty push");
    if (p.audience) (void)p.audience(batch.front().actor);
  }
}

// The state the callers' commands build up within one input: a copy of the unit made at the
// first accepted command (copying the unit's leads costs milliseconds under ASan, so one input
// pays for at most one copy), and each later caller's command decided against what the earlier
// ones left (the same request from three users, a repeat included).
struct Scratch {
  std::optional<core::State> state;
  const core::State& current(const fuzz::Unit& u) const { return state ? *state : u.state; }
};

void execute(const fuzz::Unit& u, const app::CommandRequest& c, Scratch& scratch) {
  auto decided = core::decide(scratch.current(u), c.actor, c.command, u.now);
  if (!decided) {
    (void)app::error_json(decided.error());
    return;
  }
  if (!scratch.state) scratch.state = u.state;
  core::State& after = *scratch.state;
  std::vector<app::Committed> batch;
  for (const core::Event& e : decided.value()) {
    core::evolve(after, e, u.now);
    round_trip(e);
    batch.push_back(app::Committed{after.seq + static_cast<core::Seq>(batch.size()) + 1, u.now, c.actor, e});
  }
  after.seq += static_cast<core::Seq>(batch.size());
  if (c.render) expect(!c.render(after, decided.value()).empty(), "an empty result");
  publish(after, batch);
}

void answer(const fuzz::Unit& u, const app::QueryRequest& q) {
  app::Volatile local;  // a fresh engine's: no draw windows yet
  app::QueryContext context{u.now, local};
  auto result = q.timed ? q.timed(u.state, context) : q.query(u.state);
  if (result) {
    expect(!result.value().empty(), "an empty answer");
  } else {
    (void)app::error_json(result.error());
  }
}

void run(const fuzz::Unit& u, const app::Op& op, const json::object& args, const app::Caller& caller,
         Scratch& scratch) {
  std::optional<app::Prepared> prepared;
  try {
    prepared = op.prepare(args, caller);
  } catch (const app::BadRequest&) {
    return;
  }
  if (const auto* q = std::get_if<app::QueryRequest>(&*prepared)) return answer(u, *q);
  execute(u, std::get<app::CommandRequest>(*prepared), scratch);
}

// A chunked import stages rows per user and batch id until its final chunk, and a batch id
// that has ended is refused from then on, in a process-wide table. So that no input depends on
// the ones before it, a batch id gets a suffix unique to this execution (only ids far below the
// 128-byte limit, so the length checks decide as they would), and every batch an input opened
// is ended after it.
void fresh_batch_id(json::object& args) {
  static std::uint64_t executions = 0;
  json::value* batch = args.if_contains("batch");
  if (batch == nullptr || !batch->is_object()) return;
  json::value* id = batch->get_object().if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty() || id->get_string().size() > 100) return;
  id->get_string().append("~" + std::to_string(++executions));
}

void end_staged_import(const json::object& args, const std::array<app::Caller, 3>& callers) {
  const json::value* batch = args.if_contains("batch");
  if (batch == nullptr || !batch->is_object()) return;
  const json::value* id = batch->get_object().if_contains("id");
  if (id == nullptr || !id->is_string()) return;
  const json::object end{{"leads", json::array{}}, {"batch", {{"id", id->get_string()}, {"final", true}}}};
  for (const app::Caller& caller : callers) {
    try {
      (void)app::find_op("leads.import")->prepare(end, caller);
    } catch (const app::BadRequest&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Unit& u = fuzz::unit();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view name = input.substr(0, newline);
  const app::Op* op = app::find_op(name);
  if (op == nullptr) return -1;  // not an op: keep it out of the corpus
  auto args = parse_args(newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1));
  if (!args) return -1;
  if (op->slow) tame_password(name, *args);
  if (name == "leads.import") fresh_batch_id(*args);
  // The server's per-user limit on phone lookups, fresh for each input: a sale's typed phones
  // go through the hidden-number check, and no input finds the limit used up by earlier ones.
  app::PhoneLookups lookups;
  auto callers = u.callers;
  for (app::Caller& caller : callers) caller.lookups = &lookups;
  Scratch scratch;
  for (const app::Caller& caller : callers) run(u, *op, *args, caller, scratch);
  if (name == "leads.import") end_staged_import(*args, callers);
  return 0;
}

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned seed) {
  static const fuzz::JsonMutator mutator(SALESDESK_FUZZ_DICT);
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names;
    for (std::string_view name : app::op_names()) {
      if (app::find_op(name) != nullptr) names.emplace_back(name);
    }
    return names;
  }();
  return fuzz::mutate_input(mutator, ops, true, data, size, max_size, seed);
}
