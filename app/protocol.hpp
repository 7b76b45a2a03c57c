// The JSON codec of the WebSocket protocol (PROTOCOL.md sections 3 and 4): the table of
// operations, each turning its args into a typed command or query for the engine, and the
// renderings of state into results and pushes. Sessions never touch state; this file only
// builds closures that the engine runs on its own thread.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/engine.hpp"
#include "app/import_staging.hpp"
#include "app/journal_reader.hpp"
#include "app/lookups.hpp"
#include "core/state.hpp"
#include "core/time.hpp"

namespace salesdesk::app {

namespace json = boost::json;

class Hub;
class Subscriber;

// Thrown by argument parsing; becomes a bad_request reply.
struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Who is asking: the session's user and the digest of its token.
struct Caller {
  core::UserId user_id = 0;
  std::string token_digest;
  PhoneLookups* lookups = nullptr;   // the server's; none in tests that do not need it
  ImportStaging* staging = nullptr;  // the server's chunked imports
  JournalReader* reader = nullptr;   // reads of the journal off the engine thread
  Hub* hub = nullptr;                // for what a connection does that is not journaled
  Subscriber* connection = nullptr;  // the caller's connection in the hub
};

using Prepared = std::variant<CommandRequest, QueryRequest>;
// A command's result as the protocol shows it, from the state right after its events.
using JsonRender = std::function<json::value(const core::State&, const core::Events&)>;

// ---- the arguments of an operation, declared once ----
// What kind of value an argument is. The declaration is checked against schema/protocol.json
// (tests/app/protocol_test.cpp) and applied to every request before the op reads its args.
enum class ArgKind {
  id,          // an integer id, 1 .. id_max
  id_or_null,  // an id, or null for "none" (present when required)
  ids,         // an array of ids
  integer,     // an integer in [min, max]
  limit,       // a page size, 1 .. max; `fallback` when absent
  cursor,      // an opaque paging cursor this server gave (a string)
  text,        // a string; `max` is its documented longest (0 = none), checked by core
  boolean,
  object,
  array,
};

struct ArgSpec {
  std::string_view name;
  ArgKind kind{};
  bool required = false;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t fallback = 0;
};
using ArgSpecs = std::vector<ArgSpec>;

// Short names for declarations: {arg::id("lead_id"), arg::opt_text("note", core::x_max)}.
namespace arg {
constexpr ArgSpec id(std::string_view n) { return {n, ArgKind::id, true, 0, 0, 0}; }
constexpr ArgSpec opt_id(std::string_view n) { return {n, ArgKind::id, false, 0, 0, 0}; }
constexpr ArgSpec id_or_null(std::string_view n) {
  return {n, ArgKind::id_or_null, true, 0, 0, 0};
}
constexpr ArgSpec ids(std::string_view n) { return {n, ArgKind::ids, true, 0, 0, 0}; }
constexpr ArgSpec opt_ids(std::string_view n) { return {n, ArgKind::ids, false, 0, 0, 0}; }
constexpr ArgSpec integer(std::string_view n, std::int64_t lo, std::int64_t hi) {
  return {n, ArgKind::integer, true, lo, hi, 0};
}
constexpr ArgSpec opt_integer(std::string_view n, std::int64_t lo, std::int64_t hi) {
  return {n, ArgKind::integer, false, lo, hi, 0};
}
constexpr ArgSpec limit(std::int64_t fallback, std::int64_t hi) {
  return {"limit", ArgKind::limit, false, 1, hi, fallback};
}
constexpr ArgSpec cursor(std::string_view n = "cursor") {
  return {n, ArgKind::cursor, false, 0, 0, 0};
}
constexpr ArgSpec text(std::string_view n, std::size_t longest = 0) {
  return {n, ArgKind::text, true, 0, static_cast<std::int64_t>(longest), 0};
}
constexpr ArgSpec opt_text(std::string_view n, std::size_t longest = 0) {
  return {n, ArgKind::text, false, 0, static_cast<std::int64_t>(longest), 0};
}
constexpr ArgSpec opt_boolean(std::string_view n) {
  return {n, ArgKind::boolean, false, 0, 0, 0};
}
constexpr ArgSpec object(std::string_view n) { return {n, ArgKind::object, true, 0, 0, 0}; }
constexpr ArgSpec opt_object(std::string_view n) {
  return {n, ArgKind::object, false, 0, 0, 0};
}
constexpr ArgSpec array(std::string_view n) { return {n, ArgKind::array, true, 0, 0, 0}; }
constexpr ArgSpec opt_array(std::string_view n) { return {n, ArgKind::array, false, 0, 0, 0}; }
}  // namespace arg

class Args;
using Prepare = Prepared (*)(const Args& args, const Caller& caller);

struct Op {
  Op(std::string_view name, bool slow, Prepare make, ArgSpecs args,
     core::Roles roles = core::everyone)
      : name(name), slow(slow), make(make), args(std::move(args)), roles(roles) {}

  // Checks args against the declaration (missing, wrong type, out of range: BadRequest),
  // then turns them into a typed request. An op that reads an argument it did not declare
  // is a bug (std::logic_error).
  Prepared prepare(const json::object& args, const Caller& caller) const;

  std::string_view name;
  bool slow = false;  // parsing hashes a password: run it off the network threads
  Prepare make;
  ArgSpecs args;  // every argument it reads, once
  // For a slow op: the roles checked before any hashing (the command checks again).
  core::Roles roles = core::everyone;
};

const Op* find_op(std::string_view name);
std::vector<std::string_view> op_names();

// Renderings shared by results, pushes and HTTP answers.
json::object user_json(const core::User& u);
json::object settings_json(const core::Settings& s);
json::value setting_json(const core::SettingValue& v);
json::object error_json(const core::Error& e);
json::array problems_json(const std::vector<core::Problem>& problems);
// A lead as `viewer` may see it (the phone masked where it must be).
json::object lead_json(const core::State& s, core::UserId viewer, const core::Lead& l);
// The push of who has a conversation open: `viewers` {"conversation_id","viewers":[{"user_id",
// "name"}]} on conversation:{id}.
std::string viewers_frame(std::string_view topic, std::int64_t conversation,
                          const std::vector<std::pair<core::UserId, std::string>>& viewers,
                          core::Seq seq);
// A note (on a lead, a customer card) as `viewer` may see it: a hidden number in it masked.
json::object note_json(const core::State& s, core::UserId viewer, const core::Note& n);

// The largest id, cursor position or count a request may name: every integer that reaches an
// index is range-checked here, at decoding, never where it is used.
constexpr std::int64_t id_max = 9'007'199'254'740'991;  // 2^53 - 1, exact in every JSON reader
constexpr std::size_t cursor_bytes_max = 32;

// An id written in a path, a topic or a cursor: digits without a leading zero, 1 .. id_max.
std::optional<std::int64_t> parse_id(std::string_view digits);

// Reads args with clear errors: a missing field, a wrong type, an out-of-range number.
class Args {
 public:
  explicit Args(const json::object& o) : o_(o) {}
  // Args of an op: reading a field the op did not declare throws std::logic_error.
  Args(const json::object& o, const ArgSpecs& declared) : o_(o), declared_(&declared) {}
  // What the declaration says of `key` (std::logic_error when it says nothing).
  const ArgSpec& spec(std::string_view key) const;
  // The value of an integer or a limit as declared: its range (and fallback) come from there.
  std::optional<std::int64_t> declared_integer(std::string_view key) const;
  const json::object& raw() const { return o_; }
  // A positive id (1 .. id_max).
  std::int64_t id(std::string_view key) const;
  std::optional<std::int64_t> opt_id(std::string_view key) const;
  // An integer in [lo, hi]; the message names both bounds.
  std::int64_t integer_in(std::string_view key, std::int64_t lo, std::int64_t hi) const;
  std::optional<std::int64_t> opt_integer_in(std::string_view key, std::int64_t lo,
                                             std::int64_t hi) const;
  // A page size: `fallback` when absent, else 1 .. max.
  std::size_t limit(std::string_view key, std::size_t fallback, std::size_t max) const;
  // An opaque paging cursor this server gave (a string), decoded to the position after which
  // the next page starts; 0 when absent.
  std::int64_t cursor(std::string_view key) const;
  std::string text(std::string_view key) const;
  std::optional<std::string> opt_text(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  std::optional<std::int64_t> opt_integer(std::string_view key) const;
  std::optional<bool> opt_boolean(std::string_view key) const;
  // An array of ids, each once (repeats dropped), in the order given.
  std::vector<std::int64_t> ids(std::string_view key) const;
  std::optional<std::vector<std::int64_t>> opt_ids(std::string_view key) const;
  std::optional<core::Time> opt_time(std::string_view key) const;  // ISO 8601 UTC
  // A time as people type it: a date, an offset, or the unit's local time (core::TimeArg).
  std::optional<core::TimeArg> opt_time_arg(std::string_view key) const;
  const json::object& object(std::string_view key) const;

 private:
  const json::value* find(std::string_view key) const;
  const json::object& o_;
  const ArgSpecs* declared_ = nullptr;
};

// Applies a declaration: throws BadRequest for the first argument that is missing, of the
// wrong type or out of its range.
void check_args(const json::object& args, const ArgSpecs& declared);

using Listened = std::function<bool(const std::string& topic)>;

// One push, addressed to one user, or to the subscribers of the topic that the audience admits.
struct Push {
  std::string topic;
  std::optional<core::UserId> to;                   // one user only
  std::string text;                                 // the whole frame, serialised once
  std::function<bool(core::UserId)> audience = {};  // empty = every subscriber
};

std::string push_frame(std::string_view topic, std::string_view type, json::value data,
                       core::Seq seq);
// Several pushes of one topic (frames of push_frame) as one frame, in order, its seq the last
// one's: {"push":TOPIC,"type":"batch","data":{"pushes":[{"type","data","seq"}, ...]},"seq":SEQ}.
std::string batch_frame(std::string_view topic, const std::vector<std::string_view>& frames);

// ---- modules: one area of the protocol each (app/modules.cpp lists them) ----
// What subscribers should hear about one committed event; only topics `listened` admits are
// rendered, so an event nobody listens to costs nothing.
using EventPushes = void (*)(const core::State& s, const Committed& c, const Listened& listened,
                             std::vector<Push>& out);
// Pushes about a whole committed batch, sent before those of its events; `quiet` may be set to
// the events whose own pushes of this module they replace.
using Quiet = std::function<bool(const Committed&)>;
using BatchPushes = std::vector<Push> (*)(const core::State& s, const std::vector<Committed>& batch,
                                          const Listened& listened, Quiet& quiet);

struct Module {
  std::string_view name;
  const std::vector<Op>& (*ops)();       // its operations
  std::vector<std::string_view> topics;  // the topics it owns (clients subscribe to these)
  EventPushes event_pushes = nullptr;
  BatchPushes batch_pushes = nullptr;
};

// The registry: every module of the server, in order. The dispatcher (find_op), the topics
// (check_topics) and the hub (pushes_of) read it and know no area.
const std::vector<Module>& modules();

// Every push of a committed batch, in order (the batch's own first, then each event's in turn),
// and where each event's pushes start.
struct BatchPushList {
  std::vector<Push> pushes;
  std::vector<std::size_t> event_start;  // index in pushes, one per event of the batch
};
BatchPushList pushes_of(const core::State& s, const std::vector<Committed>& batch,
                        const Listened& listened);

// One pool.query row as `viewer` may see it (also measured by tools/bench/bench_pool).
json::object pool_row(const core::State& s, core::UserId viewer, const core::Lead& l);

// One request frame, decoded and checked (PROTOCOL.md section 3): the id to echo (a string of at
// most request_id_bytes_max bytes or a finite number), the op, its args and the idempotency key
// (at most idempotency_key_bytes_max bytes). A frame that cannot be answered properly fails with
// the id it had, or null when even the id was unusable.
constexpr std::size_t request_id_bytes_max = 128;
struct Decoded {
  json::value id;
  std::string op;
  json::object args;
  std::string key;
};
struct Undecodable {
  json::value id;
  core::Error error;
};
std::variant<Decoded, Undecodable> decode_request(std::string_view text);

// Topics a client may subscribe to; the error names the first unknown one.
core::Result<bool> check_topics(const std::vector<std::string>& topics);

}  // namespace salesdesk::app
