// The operation table, schema/protocol.json and schema/protocol.md must agree.
#include "app/protocol.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>

using namespace salesdesk;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

namespace json = boost::json;

// A schema with its $refs followed (to #/$defs/NAME).
const json::object& resolved(const json::object& defs, const json::object& schema) {
  const json::object* s = &schema;
  while (const auto* ref = s->if_contains("$ref")) {
    const std::string_view target = ref->as_string();
    s = &defs.at(target.substr(target.rfind('/') + 1)).as_object();
  }
  return *s;
}

bool has_type(const json::object& s, std::string_view type) {
  const auto* t = s.if_contains("type");
  if (t == nullptr) return false;
  if (t->is_string()) return t->as_string() == type;
  for (const json::value& one : t->as_array()) {
    if (one.as_string() == type) return true;
  }
  return false;
}

std::optional<std::int64_t> number(const json::object& s, std::string_view key) {
  const auto* v = s.if_contains(key);
  if (v == nullptr) return std::nullopt;
  return v->to_number<std::int64_t>();
}

bool is_id(const json::object& defs, const json::object& s) {
  return &resolved(defs, s) == &defs.at("id").as_object();
}

// Whether the schema of one argument says what the declaration says.
void check_against_schema(const json::object& defs, const app::ArgSpec& spec,
                          const json::object& schema) {
  using app::ArgKind;
  const json::object& s = resolved(defs, schema);
  switch (spec.kind) {
    case ArgKind::id: CHECK(is_id(defs, schema)); break;
    case ArgKind::id_or_null:
      CHECK((has_type(s, "integer") && has_type(s, "null") && number(s, "minimum") >= 1));
      break;
    case ArgKind::ids:
      CHECK(has_type(s, "array"));
      CHECK(is_id(defs, s.at("items").as_object()));
      break;
    case ArgKind::integer:
    case ArgKind::limit:
      CHECK(has_type(s, "integer"));
      CHECK(number(s, "minimum") == spec.min);
      CHECK(number(s, "maximum") == spec.max);
      if (spec.kind == ArgKind::limit) CHECK(number(s, "default") == spec.fallback);
      break;
    case ArgKind::cursor: CHECK(has_type(s, "string")); break;
    case ArgKind::text: {
      bool strings = has_type(s, "string");
      if (const auto* e = s.if_contains("enum")) {
        strings = true;
        for (const json::value& v : e->as_array()) strings = strings && v.is_string();
      }
      CHECK(strings);
      CHECK(number(s, "maxLength") ==
            (spec.max > 0 ? std::optional<std::int64_t>(spec.max) : std::nullopt));
      break;
    }
    case ArgKind::boolean: CHECK(has_type(s, "boolean")); break;
    case ArgKind::object: CHECK(has_type(s, "object")); break;
    case ArgKind::array: CHECK(has_type(s, "array")); break;
  }
}

// A value of the declared kind that the declaration lets through.
json::value plausible(const app::ArgSpec& spec) {
  using app::ArgKind;
  switch (spec.kind) {
    case ArgKind::id:
    case ArgKind::id_or_null: return 1;
    case ArgKind::ids: return json::array{1, 2};
    case ArgKind::integer:
    case ArgKind::limit: return spec.min;
    case ArgKind::cursor: return "1";
    case ArgKind::text: return "x";
    case ArgKind::boolean: return true;
    case ArgKind::object: return json::object{};
    case ArgKind::array: return json::array{};
  }
  return nullptr;
}

}  // namespace

TEST_CASE("every operation declares its arguments as schema/protocol.json documents them") {
  const auto schema = json::parse(read(SALESDESK_SCHEMA_DIR "/protocol.json"));
  const json::object& defs = schema.at("$defs").as_object();
  const json::object& ops = schema.at("ops").as_object();
  for (std::string_view name : app::op_names()) {
    const app::Op* op = app::find_op(name);
    if (op == nullptr) continue;  // subscribe and unsubscribe are the session's own
    CAPTURE(name);
    const json::object& args = resolved(defs, ops.at(name).at("args").as_object());
    const json::object none;
    const auto* props = args.if_contains("properties");
    const json::object& documented = props != nullptr ? props->as_object() : none;
    std::set<std::string> required;
    if (const auto* r = args.if_contains("required")) {
      for (const json::value& v : r->as_array()) required.insert(std::string(v.as_string()));
    }
    std::set<std::string> declared;
    for (const app::ArgSpec& spec : op->args) {
      const std::string field(spec.name);
      CAPTURE(field);
      declared.insert(field);
      REQUIRE_MESSAGE(documented.contains(field), "declared but not in the schema");
      CHECK(spec.required == required.contains(field));
      check_against_schema(defs, spec, documented.at(field).as_object());
    }
    for (const auto& [field, unused] : documented) {
      const std::string field_name(field);  // (clang 14 captures no structured binding)
      CAPTURE(field_name);
      CHECK_MESSAGE(declared.contains(field_name), "in the schema but not declared");
    }
  }
}

TEST_CASE("no operation reads an argument it did not declare") {
  const app::Caller caller{1, "digest", nullptr, nullptr};
  for (std::string_view name : app::op_names()) {
    const app::Op* op = app::find_op(name);
    if (op == nullptr || op->slow) continue;  // slow ops hash a password: tested over the wire
    CAPTURE(name);
    json::object all;
    for (const app::ArgSpec& spec : op->args) all[spec.name] = plausible(spec);
    // Every declared field given, then none: a BadRequest is fine, an undeclared read is not.
    for (const json::object& args : {all, json::object{}}) {
      try {
        (void)op->prepare(args, caller);
      } catch (const app::BadRequest&) {
      } catch (const std::logic_error& e) {
        FAIL_CHECK(std::string(e.what()));
      }
    }
  }
}

TEST_CASE("every operation has a schema and a line in protocol.md, and nothing else does") {
  const auto schema = boost::json::parse(read(SALESDESK_SCHEMA_DIR "/protocol.json"));
  const auto& ops = schema.at("ops").as_object();
  const std::string doc = read(SALESDESK_SCHEMA_DIR "/protocol.md");
  std::set<std::string> served;
  for (std::string_view name : app::op_names()) {
    CAPTURE(name);
    served.insert(std::string(name));
    REQUIRE(ops.contains(name));
    const auto& op = ops.at(name).as_object();
    CHECK(op.contains("args"));
    CHECK(op.contains("result"));
    CHECK(op.contains("roles"));
    CHECK(doc.find("`" + std::string(name) + "`") != std::string::npos);
  }
  for (const auto& [key, op] : ops) {
    const std::string name(key);
    CAPTURE(name);
    CHECK(served.contains(name));
  }
}

TEST_CASE("the settings schema lists exactly the settings the server has") {
  const auto schema = boost::json::parse(read(SALESDESK_SCHEMA_DIR "/protocol.json"));
  const auto& props = schema.at("$defs").at("settings").at("properties").as_object();
  CHECK(props.size() == core::setting_defs().size());
  for (const core::SettingDef& def : core::setting_defs()) {
    CAPTURE(def.key);
    CHECK(props.contains(def.key));
  }
}

TEST_CASE("argument parsing names the field that is wrong") {
  const boost::json::object args{{"user_id", "seven"}, {"name", 5}, {"active", "yes"}};
  app::Args a(args);
  try {
    (void)a.integer("user_id");
    FAIL("expected BadRequest");
  } catch (const app::BadRequest& e) {
    CHECK(std::string(e.what()).find("user_id") != std::string::npos);
  }
  CHECK_THROWS_AS((void)a.opt_text("name"), app::BadRequest);
  CHECK_THROWS_AS((void)a.opt_boolean("active"), app::BadRequest);
  CHECK_THROWS_AS((void)a.text("missing"), app::BadRequest);
  CHECK_FALSE(a.opt_text("missing").has_value());
}

TEST_CASE("request frames: ids that cannot be echoed, keys over the limit, bad JSON") {
  const auto error_of = [](std::string_view text) {
    auto d = app::decode_request(text);
    REQUIRE(std::holds_alternative<app::Undecodable>(d));
    return std::get<app::Undecodable>(d);
  };
  CHECK(error_of(R"({"id":1e999,"op":"me"})").id.is_null());
  CHECK(error_of(R"({"id":-1e999,"op":"me"})").id.is_null());
  CHECK(error_of(R"({"id":")" + std::string(129, 'x') + R"(","op":"me"})").id.is_null());
  CHECK(error_of("not json").error.code == core::Code::bad_request);
  const auto long_key = error_of(R"({"id":7,"op":"me","key":")" + std::string(129, 'k') + R"("})");
  CHECK(long_key.id == 7);
  CHECK(long_key.error.message.find("128") != std::string::npos);
  auto ok = app::decode_request(R"({"id":")" + std::string(128, 'x') + R"(","op":"me","key":")" +
                                std::string(128, 'k') + R"("})");
  REQUIRE(std::holds_alternative<app::Decoded>(ok));
  CHECK(std::get<app::Decoded>(ok).key.size() == 128);
}

TEST_CASE("cursors, limits and ids are range-checked at decoding") {
  const auto bad = [](const char* text, auto read) {
    const auto args = boost::json::parse(text).as_object();
    CHECK_THROWS_AS(read(app::Args(args)), app::BadRequest);
  };
  bad(R"({"cursor":"-100000"})", [](const app::Args& a) { return a.cursor("cursor"); });
  bad(R"({"cursor":-1})", [](const app::Args& a) { return a.cursor("cursor"); });
  bad(R"({"cursor":"99999999999999999999999"})", [](const app::Args& a) { return a.cursor("cursor"); });
  bad(R"({"limit":0})", [](const app::Args& a) { return a.limit("limit", 100, 500); });
  bad(R"({"limit":501})", [](const app::Args& a) { return a.limit("limit", 100, 500); });
  for (const char* id : {R"({"lead_id":0})", R"({"lead_id":-1})", R"({"lead_id":1e300})",
                         R"({"lead_id":9007199254740992})", R"({"lead_id":"7"})", R"({"lead_id":true})"}) {
    CAPTURE(id);
    bad(id, [](const app::Args& a) { return a.id("lead_id"); });
  }
  const auto args = boost::json::parse(R"({"cursor":"42","limit":7,"lead_id":9007199254740991})").as_object();
  const app::Args a(args);
  CHECK(a.cursor("cursor") == 42);
  CHECK(a.limit("limit", 100, 500) == 7);
  CHECK(a.id("lead_id") == 9007199254740991);
}

TEST_CASE("a setting given as a double outside int64 is refused, not cast") {
  const app::Op* op = app::find_op("settings.update");
  REQUIRE(op != nullptr);
  for (const char* patch : {R"({"patch":{"pool.batch_size":1e300}})", R"({"patch":{"pool.batch_size":-1e19}})"}) {
    CAPTURE(patch);
    const auto args = boost::json::parse(patch).as_object();
    CHECK_THROWS_AS(op->prepare(args, app::Caller{1, "digest", nullptr}), app::BadRequest);
  }
}
