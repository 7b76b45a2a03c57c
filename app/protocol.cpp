#include "app/protocol.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "app/auth.hpp"
#include "app/ops.hpp"
#include "core/time.hpp"

namespace salesdesk::app {
namespace {

std::string type_error(std::string_view key, std::string_view want) {
  return std::string(key) + " must be " + std::string(want);
}

}  // namespace

std::string push_frame(std::string_view topic, std::string_view type, json::value data,
                       core::Seq seq) {
  return json::serialize(json::object{{"push", topic}, {"type", type}, {"data", std::move(data)},
                                      {"seq", seq}});
}

std::string batch_frame(std::string_view topic, const std::vector<std::string_view>& frames) {
  // Each frame is {"push":TOPIC,...,"seq":N} (push_frame): what follows the first member is the
  // inner push, and the last frame's closing ,"seq":N} closes the batch.
  const std::string head = "{\"push\":" + json::serialize(json::string(topic)) + ",";
  const std::string_view last = frames.back();
  const auto last_seq = last.rfind(",\"seq\":");
  if (last_seq == std::string_view::npos) throw std::logic_error("a push without its seq");
  std::string out = head + "\"type\":\"batch\",\"data\":{\"pushes\":[";
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].substr(0, head.size()) != head) throw std::logic_error("not a push of the topic");
    if (i > 0) out += ',';
    out += '{';
    out.append(frames[i].substr(head.size()));
  }
  out += "]}";
  out.append(last.substr(last_seq));
  return out;
}

// ---- declared arguments ----
Prepared Op::prepare(const json::object& given, const Caller& caller) const {
  check_args(given, args);
  return make(Args(given, args), caller);
}

void check_args(const json::object& given, const ArgSpecs& declared) {
  const Args a(given, declared);
  for (const ArgSpec& s : declared) {
    const json::value* v = given.if_contains(s.name);
    const bool present = v != nullptr && !v->is_null();
    if (s.required && !present && !(s.kind == ArgKind::id_or_null && v != nullptr)) {
      throw BadRequest(std::string(s.name) + " is required" +
                       (s.kind == ArgKind::id_or_null ? " (null for none)" : ""));
    }
    if (!present) continue;
    switch (s.kind) {
      case ArgKind::id:
      case ArgKind::id_or_null: (void)a.opt_id(s.name); break;
      case ArgKind::ids: (void)a.opt_ids(s.name); break;
      case ArgKind::integer:
      case ArgKind::limit: (void)a.opt_integer_in(s.name, s.min, s.max); break;
      case ArgKind::cursor: (void)a.cursor(s.name); break;
      case ArgKind::text: (void)a.opt_text(s.name); break;
      case ArgKind::boolean: (void)a.opt_boolean(s.name); break;
      case ArgKind::object:
        if (!v->is_object()) throw BadRequest(type_error(s.name, "an object"));
        break;
      case ArgKind::array:
        if (!v->is_array()) throw BadRequest(type_error(s.name, "an array"));
        break;
    }
  }
}

const ArgSpec& Args::spec(std::string_view key) const {
  if (declared_ != nullptr) {
    for (const ArgSpec& s : *declared_) {
      if (s.name == key) return s;
    }
  }
  throw std::logic_error("an operation reads the undeclared argument " + std::string(key));
}

std::optional<std::int64_t> Args::declared_integer(std::string_view key) const {
  const ArgSpec& s = spec(key);
  auto v = opt_integer_in(key, s.min, s.max);
  if (!v && s.kind == ArgKind::limit) return s.fallback;
  return v;  // a required one is present: check_args saw to it
}

// ---- Args ----
const json::value* Args::find(std::string_view key) const {
  if (declared_ != nullptr) (void)spec(key);
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::string Args::text(std::string_view key) const {
  auto v = opt_text(key);
  if (!v) throw BadRequest(std::string(key) + " is required");
  return *v;
}

std::optional<std::string> Args::opt_text(std::string_view key) const {
  const json::value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) throw BadRequest(type_error(key, "a string"));
  return std::string(v->get_string());
}

std::int64_t Args::integer(std::string_view key) const {
  auto v = opt_integer(key);
  if (!v) throw BadRequest(std::string(key) + " is required");
  return *v;
}

std::optional<std::int64_t> Args::opt_integer(std::string_view key) const {
  const json::value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_double()) {
    const double d = v->get_double();
    if (d >= -9e15 && d <= 9e15 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
      return static_cast<std::int64_t>(d);
    }
  }
  throw BadRequest(type_error(key, "an integer"));
}

std::int64_t Args::id(std::string_view key) const {
  auto v = opt_id(key);
  if (!v) throw BadRequest(std::string(key) + " is required");
  return *v;
}

std::optional<std::int64_t> Args::opt_id(std::string_view key) const {
  try {
    return opt_integer_in(key, 1, id_max);
  } catch (const BadRequest&) {
    throw BadRequest(type_error(key, "a positive integer id"));
  }
}

std::int64_t Args::integer_in(std::string_view key, std::int64_t lo, std::int64_t hi) const {
  auto v = opt_integer_in(key, lo, hi);
  if (!v) throw BadRequest(std::string(key) + " is required");
  return *v;
}

std::optional<std::int64_t> Args::opt_integer_in(std::string_view key, std::int64_t lo,
                                                 std::int64_t hi) const {
  auto v = opt_integer(key);
  if (v && (*v < lo || *v > hi)) {
    throw BadRequest(std::string(key) + " must be between " + std::to_string(lo) + " and " +
                     std::to_string(hi));
  }
  return v;
}

std::size_t Args::limit(std::string_view key, std::size_t fallback, std::size_t max) const {
  auto v = opt_integer_in(key, 1, static_cast<std::int64_t>(max));
  return v ? static_cast<std::size_t>(*v) : fallback;
}

std::optional<std::int64_t> parse_id(std::string_view digits) {
  if (digits.empty() || digits[0] == '0') return std::nullopt;
  std::int64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || id > id_max / 10) return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (id > id_max) return std::nullopt;
  return id;
}

std::int64_t Args::cursor(std::string_view key) const {
  const json::value* v = find(key);
  if (v == nullptr) return 0;
  const auto bad = [&] {
    return BadRequest(std::string(key) + " is not a cursor this server gave");
  };
  if (!v->is_string()) throw bad();
  const std::string_view text = v->get_string();
  if (text.empty() || text.size() > cursor_bytes_max) throw bad();
  std::int64_t position = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || position > id_max / 10) throw bad();
    position = position * 10 + (c - '0');
  }
  if (position > id_max) throw bad();
  return position;
}

std::optional<bool> Args::opt_boolean(std::string_view key) const {
  const json::value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) throw BadRequest(type_error(key, "true or false"));
  return v->get_bool();
}

std::optional<std::vector<std::int64_t>> Args::opt_ids(std::string_view key) const {
  const json::value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) throw BadRequest(type_error(key, "an array of ids"));
  std::vector<std::int64_t> out;
  std::unordered_set<std::int64_t> seen;  // a frame of 1 MiB holds 150,000 ids: no n² here
  for (const json::value& x : v->get_array()) {
    if (!x.is_int64() || x.get_int64() < 1 || x.get_int64() > id_max) {
      throw BadRequest(type_error(key, "an array of ids"));
    }
    if (seen.insert(x.get_int64()).second) out.push_back(x.get_int64());
  }
  return out;
}

std::vector<std::int64_t> Args::ids(std::string_view key) const {
  auto v = opt_ids(key);
  if (!v) throw BadRequest(std::string(key) + " is required");
  return *std::move(v);
}

std::optional<core::Time> Args::opt_time(std::string_view key) const {
  auto text = opt_text(key);
  if (!text) return std::nullopt;
  auto t = core::parse_time(*text);
  if (!t) {
    throw BadRequest(type_error(key, "an ISO 8601 UTC time such as 2026-11-23T10:32:00.000Z"));
  }
  return t;
}

std::optional<core::TimeArg> Args::opt_time_arg(std::string_view key) const {
  auto text = opt_text(key);
  if (!text) return std::nullopt;
  auto t = core::parse_time_arg(*text);
  if (!t) {
    throw BadRequest(std::string(key) + " must be a time such as " +
                     std::string(core::time_arg_forms));
  }
  return t;
}

const json::object& Args::object(std::string_view key) const {
  const json::value* v = find(key);
  if (v == nullptr) throw BadRequest(std::string(key) + " is required");
  if (!v->is_object()) throw BadRequest(type_error(key, "an object"));
  return v->get_object();
}

// ---- public ----
const Op* find_op(std::string_view name) {
  for (const Module& m : modules()) {
    for (const Op& op : m.ops()) {
      if (op.name == name) return &op;
    }
  }
  return nullptr;
}

std::vector<std::string_view> op_names() {
  std::vector<std::string_view> out;
  for (const Module& m : modules()) {
    for (const Op& op : m.ops()) out.push_back(op.name);
  }
  out.push_back("subscribe");
  out.push_back("unsubscribe");
  return out;
}

json::object user_json(const core::User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"name", u.display_name},
          {"role", core::to_string(u.role)},
          {"presence", core::to_string(u.presence)},
          {"active", u.active},
          {"team_ids", ops::ids_json(u.team_ids)}};
}

json::value setting_json(const core::SettingValue& v) {
  return std::visit(
      [](const auto& x) -> json::value {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else {
          return json::value(x);
        }
      },
      v);
}

json::object settings_json(const core::Settings& s) {
  json::object out(s.all().size());  // room for every key: no rehash while filling it
  for (const auto& [key, value] : s.all()) out.emplace(key, setting_json(value));
  return out;
}

json::array problems_json(const std::vector<core::Problem>& problems) {
  json::array out;
  for (const core::Problem& p : problems) {
    out.push_back(
        json::object{{"row", p.row}, {"field", p.field}, {"value", p.value}, {"reason", p.reason}});
  }
  return out;
}

json::object error_json(const core::Error& e) {
  json::object out{{"code", core::to_string(e.code)}, {"message", e.message}};
  if (e.retry_after_s) out["retry_after_s"] = *e.retry_after_s;
  if (!e.invalid.empty()) out["invalid"] = problems_json(e.invalid);
  return out;
}

BatchPushList pushes_of(const core::State& s, const std::vector<Committed>& batch,
                        const Listened& listened) {
  BatchPushList out;
  const std::vector<Module>& all = modules();
  std::vector<Quiet> quiet(all.size());
  for (std::size_t m = 0; m < all.size(); ++m) {
    if (all[m].batch_pushes == nullptr) continue;
    for (Push& p : all[m].batch_pushes(s, batch, listened, quiet[m])) {
      out.pushes.push_back(std::move(p));
    }
  }
  out.event_start.reserve(batch.size());
  for (const Committed& c : batch) {
    out.event_start.push_back(out.pushes.size());
    for (std::size_t m = 0; m < all.size(); ++m) {
      if (all[m].event_pushes == nullptr || (quiet[m] && quiet[m](c))) continue;
      all[m].event_pushes(s, c, listened, out.pushes);
    }
  }
  return out;
}

namespace {

Undecodable undecodable(json::value id, std::string message) {
  return Undecodable{std::move(id), core::reject(core::Code::bad_request, std::move(message))};
}

// Infinity (1e999) or a long string would come back in the reply: not JSON, or an amplifier.
bool usable_id(const json::value& id) {
  if (id.is_null() || id.is_int64() || id.is_uint64()) return true;
  if (id.is_double()) return std::isfinite(id.get_double());
  return id.is_string() && id.get_string().size() <= request_id_bytes_max;
}

}  // namespace

std::variant<Decoded, Undecodable> decode_request(std::string_view text) {
  boost::system::error_code ec;
  json::value frame = json::parse(text, ec);
  if (ec || !frame.is_object()) return undecodable(nullptr, "a frame must be a JSON object");
  json::object& o = frame.get_object();
  json::value id = o.contains("id") ? o.at("id") : json::value(nullptr);
  if (!usable_id(id)) {
    return undecodable(nullptr, "id must be a finite number or a string of at most " +
                                    std::to_string(request_id_bytes_max) + " bytes");
  }
  const auto* op = o.if_contains("op");
  if (op == nullptr || !op->is_string()) return undecodable(nullptr, "op is required");
  Decoded d{std::move(id), std::string(op->get_string()), {}, {}};
  auto* args = o.if_contains("args");
  if (args != nullptr && !args->is_object() && !args->is_null()) {
    return undecodable(std::move(d.id), "args must be an object");
  }
  if (args != nullptr && args->is_object()) d.args = std::move(args->get_object());
  const auto* key = o.if_contains("key");
  if (key != nullptr && !key->is_string() && !key->is_null()) {
    return undecodable(std::move(d.id), "key must be a string");
  }
  if (key != nullptr && key->is_string()) {
    if (key->get_string().size() > idempotency_key_bytes_max) {
      return undecodable(std::move(d.id), "key is longer than " +
                                              std::to_string(idempotency_key_bytes_max) + " bytes");
    }
    d.key = std::string(key->get_string());
  }
  return d;
}

core::Result<bool> check_topics(const std::vector<std::string>& topics) {
  // A module's topic ending in ':' is a family: "conversation:" admits "conversation:12".
  const auto member = [](std::string_view family, const std::string& t) {
    if (family.empty() || family.back() != ':' || t.rfind(family, 0) != 0) return false;
    return parse_id(std::string_view(t).substr(family.size())).has_value();
  };
  const auto known = [&](const std::string& t) {
    for (const Module& m : modules()) {
      for (std::string_view topic : m.topics) {
        if (topic == t || member(topic, t)) return true;
      }
    }
    return false;
  };
  for (const std::string& t : topics) {
    if (!known(t)) return core::reject(core::Code::bad_request, "unknown topic " + t);
  }
  return true;
}

}  // namespace salesdesk::app
