#include "core/catalog.hpp"

#include "tests/core/given.hpp"

using namespace salesdesk::test;

TEST_CASE("a new unit has the seeded workflow statuses, in order, with their float ticks") {
  Given g;
  const auto statuses = g.state.catalog.statuses_in_order();
  REQUIRE(statuses.size() == 7);
  const std::vector<std::pair<std::string, bool>> expected = {
      {"new", true},     {"no_answer", true},     {"busy", true},   {"call_back", false},
      {"refused", true}, {"wrong_number", false}, {"ordered", false}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(statuses[i]->code == expected[i].first);
    CHECK(statuses[i]->floats == expected[i].second);
  }
}

SCENARIO("keeping the catalog") {
  Given g;
  const UserId manager = g.user("mai", Role::manager);
  WHEN("admin upserts a status, products, a combo, a source and a warehouse") {
    g.must(admin_id, UpsertStatus{"hot", "Hot lead", true});
    g.must(admin_id, UpsertStatus{"new", "Fresh", false});
    g.must(admin_id, UpsertProduct{"TEA", "Trà xanh", 50000});
    g.must(admin_id, UpsertProduct{"CUP", "Cốc", 20000});
    g.must(admin_id, UpsertCombo{"GIFT", "Gift", 60000, {{"TEA", 1}, {"CUP", 2}}});
    g.must(admin_id, UpsertSource{"fb", "Facebook", "facebook"});
    g.must(admin_id, UpsertWarehouse{"HN", "Hà Nội"});
    THEN("a new status goes last and an existing one keeps its place") {
      const auto in_order = g.state.catalog.statuses_in_order();
      CHECK(in_order.back()->code == "hot");
      CHECK(in_order.front()->name == "Fresh");
      CHECK_FALSE(in_order.front()->floats);
    }
    THEN("an upsert replaces a product's name and price") {
      g.must(admin_id, UpsertProduct{"TEA", "Trà xanh loại 1", 55000});
      CHECK(g.state.catalog.products.at("TEA").price == 55000);
      CHECK(g.state.catalog.products.size() == 2);
    }
    THEN("everything is there") {
      CHECK(g.state.catalog.combos.at("GIFT").items.size() == 2);
      CHECK(g.state.catalog.sources.at("fb").channel == "facebook");
      CHECK(g.state.catalog.warehouses.contains("HN"));
    }
  }
  THEN("only admin keeps the catalog") {
    CHECK(code_of(g.when(manager, UpsertProduct{"TEA", "Tea", 1})) == Code::forbidden);
    CHECK(code_of(g.when(manager, UpsertStatus{"x", "X", false})) == Code::forbidden);
  }
  THEN("bad codes, names, prices, items and channels are refused") {
    CHECK(code_of(g.when(admin_id, UpsertProduct{"", "Tea", 1})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertProduct{"TE A", "Tea", 1})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertProduct{std::string(65, 'A'), "Tea", 1})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertProduct{"TEA", "", 1})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertProduct{"TEA", "Tea", -1})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertProduct{"TEA", "Tea", price_max + 1})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertCombo{"C", "C", 1, {}})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertCombo{"C", "C", 1, {{"NOPE", 1}}})) == Code::bad_request);
    g.must(admin_id, UpsertProduct{"TEA", "Tea", 1});
    CHECK(code_of(g.when(admin_id, UpsertCombo{"C", "C", 1, {{"TEA", 0}}})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertSource{"s", "S", "myspace"})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpsertWarehouse{"w", ""})) == Code::bad_request);
  }
  THEN("a default source must exist") {
    CHECK(code_of(g.when(admin_id, UpdateSettings{{{"orders.default_source", std::string("fb")}}})) ==
          Code::bad_request);
    g.must(admin_id, UpsertSource{"fb", "Facebook", "facebook"});
    CHECK(g.when(admin_id, UpdateSettings{{{"orders.default_source", std::string("fb")}}}).ok());
  }
}
