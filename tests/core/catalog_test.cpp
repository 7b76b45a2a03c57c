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

TEST_CASE("upserting an existing status keeps its place") {
  Catalog c;
  evolve(c, StatusUpserted{"a", "A", true}, 0);
  evolve(c, StatusUpserted{"b", "B", false}, 0);
  evolve(c, StatusUpserted{"a", "A2", false}, 0);
  const auto in_order = c.statuses_in_order();
  REQUIRE(in_order.size() == 2);
  CHECK(in_order[0]->code == "a");
  CHECK(in_order[0]->name == "A2");
  CHECK_FALSE(in_order[0]->floats);
}
