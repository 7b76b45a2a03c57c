#include "core/team.hpp"

#include "tests/core/given.hpp"

using namespace salesdesk::test;

SCENARIO("teams") {
  Given g;
  const UserId sale = g.user("lan", Role::sale);
  WHEN("admin creates a team") {
    auto events = g.must(admin_id, CreateTeam{"Telesales"});
    THEN("it gets the next id") {
      CHECK(only<TeamCreated>(events).team_id == 1);
      CHECK(g.state.teams.find(1)->name == "Telesales");
    }
    THEN("the same name in another case is a conflict") {
      CHECK(code_of(g.when(admin_id, CreateTeam{"TELESALES"})) == Code::conflict);
    }
    THEN("users can be put in it") {
      CHECK(g.when(admin_id, CreateUser{"minh", "Minh", Role::sale, Secret{"h"}, {1}}).ok());
    }
  }
  THEN("names must be given and short; only admin creates teams") {
    CHECK(code_of(g.when(admin_id, CreateTeam{""})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, CreateTeam{std::string(201, 'x')})) == Code::bad_request);
    CHECK(code_of(g.when(sale, CreateTeam{"Mine"})) == Code::forbidden);
  }
}
