// The operation table, schema/protocol.json and schema/protocol.md must agree.
#include "app/protocol.hpp"

#include <doctest/doctest.h>

#include <fstream>
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

}  // namespace

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
  for (const auto& [name, op] : ops) {
    CAPTURE(std::string(name));
    CHECK(served.contains(std::string(name)));
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
