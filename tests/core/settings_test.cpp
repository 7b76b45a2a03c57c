#include "core/settings.hpp"

#include "tests/core/given.hpp"

using namespace salesdesk::test;

TEST_CASE("every protocol setting has its documented default") {
  const Settings s;
  const std::vector<std::pair<std::string, SettingValue>> expected = {
      {"pool.enabled", false},
      {"pool.float_after_minutes", std::int64_t{1440}},
      {"pool.float_all", false},
      {"pool.mask_phone", true},
      {"pool.allow_reveal", true},
      {"pool.reveal_cooldown_s", std::int64_t{30}},
      {"pool.reveal_ttl_s", std::int64_t{60}},
      {"pool.batch_size", std::int64_t{50}},
      {"pool.batch_window_s", std::int64_t{60}},
      {"pool.daily_claim_limit", std::int64_t{0}},
      {"pool.max_held_per_sale", std::int64_t{0}},
      {"pool.reclaim_cooldown_minutes", std::int64_t{0}},
      {"inbox.page_permissions", false},
      {"inbox.visibility", std::string{"all"}},
      {"inbox.auto_assign", false},
      {"inbox.auto_reassign", false},
      {"inbox.max_open_per_agent", std::int64_t{0}},
      {"inbox.reply_timeout_s", std::int64_t{0}},
      {"orders.default_source", std::monostate{}},
      {"orders.lock_source", false},
      {"orders.auto_draft", false},
      {"orders.auto_distribute", false},
      {"phone.country", std::string{"VN"}},
      {"unit.utc_offset_minutes", std::int64_t{420}},  // ours: the unit's local day (UTC+7)
      {"session.idle_minutes", std::int64_t{720}},     // ours: sessions end after 12 h unused
      {"session.lifetime_days", std::int64_t{30}},     // ours: and after 30 days in any case
  };
  CHECK(s.all().size() == expected.size());
  for (const auto& entry : expected) {
    const auto& key = entry.first;  // not a structured binding: clang's CAPTURE cannot take one
    CAPTURE(key);
    CHECK(s.get(key) == entry.second);
  }
}

TEST_CASE("validating settings") {
  SUBCASE("types") {
    CHECK(validate_setting("pool.enabled", true).ok());
    CHECK_FALSE(validate_setting("pool.enabled", std::int64_t{1}).ok());
    CHECK_FALSE(validate_setting("pool.batch_size", std::string("50")).ok());
    CHECK_FALSE(validate_setting("pool.batch_size", std::monostate{}).ok());
    CHECK_FALSE(validate_setting("inbox.visibility", true).ok());
  }
  SUBCASE("ranges") {
    CHECK(validate_setting("pool.batch_size", std::int64_t{1}).ok());
    CHECK(validate_setting("pool.batch_size", std::int64_t{1000}).ok());
    CHECK_FALSE(validate_setting("pool.batch_size", std::int64_t{0}).ok());
    CHECK_FALSE(validate_setting("pool.batch_size", std::int64_t{1001}).ok());
    CHECK_FALSE(validate_setting("pool.float_after_minutes", std::int64_t{-1}).ok());
    CHECK_FALSE(validate_setting("pool.reveal_ttl_s", std::int64_t{0}).ok());
    CHECK(validate_setting("pool.reveal_cooldown_s", std::int64_t{0}).ok());
  }
  SUBCASE("choices") {
    CHECK(validate_setting("inbox.visibility", std::string("self_assign")).ok());
    CHECK_FALSE(validate_setting("inbox.visibility", std::string("everyone")).ok());
    CHECK(validate_setting("phone.country", std::string("UA")).ok());
    CHECK_FALSE(validate_setting("phone.country", std::string("vn")).ok());
  }
  SUBCASE("optional text: a string, null, and empty meaning null") {
    CHECK(validate_setting("orders.default_source", std::string("fb")).ok());
    CHECK(validate_setting("orders.default_source", std::monostate{}).ok());
    auto empty = validate_setting("orders.default_source", std::string());
    REQUIRE(empty.ok());
    CHECK(std::holds_alternative<std::monostate>(empty.value()));
    CHECK_FALSE(validate_setting("orders.default_source", false).ok());
  }
  SUBCASE("unknown keys, with the key in the message") {
    auto r = validate_setting("pool.nope", true);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Code::bad_request);
    CHECK(r.error().message.find("pool.nope") != std::string::npos);
  }
}

SCENARIO("changing settings") {
  Given g;
  const UserId manager = g.user("mai", Role::manager);
  WHEN("admin changes two keys") {
    auto events = g.must(admin_id, UpdateSettings{{{"pool.enabled", true},
                                                   {"inbox.visibility", std::string("assigned_only")}}});
    THEN("one event carries both, and the state follows") {
      CHECK(only<SettingsChanged>(events).changes.size() == 2);
      CHECK(g.state.settings[setting::pool_enabled]);
      CHECK(g.state.settings[setting::inbox_visibility] == "assigned_only");
    }
  }
  THEN("one bad pair rejects the whole patch") {
    auto r = g.when(admin_id, UpdateSettings{{{"pool.enabled", true}, {"pool.batch_size", std::int64_t{0}}}});
    CHECK(code_of(r) == Code::bad_request);
    CHECK_FALSE(g.state.settings[setting::pool_enabled]);
  }
  THEN("values equal to the current ones append nothing") {
    auto r = g.when(admin_id, UpdateSettings{{{"pool.batch_size", std::int64_t{50}}}});
    REQUIRE(r.ok());
    CHECK(r.value().empty());
  }
  THEN("a key given twice, an empty patch, or a manager is refused") {
    CHECK(code_of(g.when(admin_id, UpdateSettings{{{"pool.enabled", true}, {"pool.enabled", false}}})) ==
          Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpdateSettings{{{"pool.batch_size", std::int64_t{50}},
                                                   {"pool.batch_size", std::int64_t{50}}}})) ==
          Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpdateSettings{})) == Code::bad_request);
    CHECK(code_of(g.when(manager, UpdateSettings{{{"pool.enabled", true}}})) == Code::forbidden);
  }
}

TEST_CASE("settings read through typed keys: a flag as a bool, a number as an integer") {
  Settings s;
  CHECK_FALSE(s[setting::pool_enabled]);
  CHECK(s[setting::pool_batch_size] == 50);
  CHECK(s[setting::inbox_visibility] == "all");
  CHECK(s[setting::orders_default_source].empty());
  s.set("pool.batch_size", std::int64_t{7});
  s.set("orders.default_source", std::string("facebook"));
  CHECK(s[setting::pool_batch_size] == 7);
  CHECK(s[setting::orders_default_source] == "facebook");
  // Every key of the table has its typed constant's kind (the table is built from them).
  for (const SettingDef& def : setting_defs()) {
    const SettingValue& v = s.get(def.key);
    switch (def.kind) {
      case SettingKind::boolean: CHECK(std::holds_alternative<bool>(v)); break;
      case SettingKind::integer: CHECK(std::holds_alternative<std::int64_t>(v)); break;
      case SettingKind::choice: CHECK(std::holds_alternative<std::string>(v)); break;
      case SettingKind::optional_text: CHECK_FALSE(std::holds_alternative<bool>(v)); break;
    }
  }
  CHECK(setting_defs().size() == 26);
}
