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
