#include "core/user.hpp"

#include "tests/core/given.hpp"

using namespace salesdesk::test;

SCENARIO("creating users") {
  Given g;
  const UserId manager = g.user("mai", Role::manager);
  const UserId sale = g.user("lan", Role::sale);

  WHEN("admin creates a user") {
    auto events = g.must(admin_id, CreateUser{"Minh", "Lê Văn Minh", Role::sale, Secret{"h"}, {}});
    THEN("the username is stored lower-case with the next id, inactive presence") {
      const auto& e = only<UserCreated>(events);
      CHECK(e.user_id == 4);
      CHECK(e.username == "minh");
      const User* u = g.state.users.find(4);
      REQUIRE(u != nullptr);
      CHECK(u->display_name == "Lê Văn Minh");
      CHECK(u->presence == Presence::offline);
      CHECK(u->active);
    }
    THEN("the same username in another case is a conflict") {
      CHECK(code_of(g.when(admin_id, CreateUser{"MINH", "x", Role::sale, Secret{"h"}, {}})) ==
            Code::conflict);
    }
  }
  THEN("a manager or a sale may not create users") {
    CHECK(code_of(g.when(manager, CreateUser{"x1", "x", Role::sale, Secret{"h"}, {}})) == Code::forbidden);
    CHECK(code_of(g.when(sale, CreateUser{"x1", "x", Role::sale, Secret{"h"}, {}})) == Code::forbidden);
  }
  THEN("an unknown actor is unauthorized") {
    CHECK(code_of(g.when(99, CreateUser{"x1", "x", Role::sale, Secret{"h"}, {}})) == Code::unauthorized);
  }
  THEN("bad usernames, names and teams are rejected") {
    CHECK(code_of(g.when(admin_id, CreateUser{"", "x", Role::sale, Secret{"h"}, {}})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, CreateUser{"a b", "x", Role::sale, Secret{"h"}, {}})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, CreateUser{std::string(65, 'a'), "x", Role::sale, Secret{"h"}, {}})) ==
          Code::bad_request);
    CHECK(code_of(g.when(admin_id, CreateUser{"ok", "", Role::sale, Secret{"h"}, {}})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, CreateUser{"ok", "x", Role::sale, Secret{"h"}, {7}})) == Code::not_found);
  }
}

SCENARIO("updating users") {
  Given g;
  const UserId sale = g.user("lan", Role::sale);
  g.login(sale, "d1");
  g.login(sale, "d2");

  WHEN("admin deactivates a logged-in sale") {
    auto events = g.must(admin_id, UpdateUser{sale, {}, {}, {}, false, {}});
    THEN("every session ends and the sale goes offline") {
      CHECK(count_of<UserUpdated>(events) == 1);
      CHECK(count_of<SessionEnded>(events) == 2);
      CHECK(count_of<PresenceChanged>(events) == 1);
      CHECK(g.state.users.sessions.empty());
      CHECK(g.state.users.find(sale)->presence == Presence::offline);
      CHECK(session_user(g.state, "d1") == nullptr);
    }
    THEN("the sale cannot log in again") {
      CHECK(code_of(g.when(system_actor, StartSession{sale, Secret{"d3"}})) == Code::unauthorized);
    }
  }
  WHEN("admin resets the password") {
    auto events = g.must(admin_id, UpdateUser{sale, {}, {}, Secret{"new"}, {}, {}});
    THEN("the hash changes and old sessions end") {
      CHECK(count_of<PasswordChanged>(events) == 1);
      CHECK(count_of<SessionEnded>(events) == 2);
      CHECK(g.state.users.find(sale)->password_hash == "new");
    }
  }
  THEN("an update that changes nothing appends nothing") {
    auto r = g.when(admin_id, UpdateUser{sale, std::string("lan name"), Role::sale, {}, true, {}});
    REQUIRE(r.ok());
    CHECK(r.value().empty());
  }
  THEN("the last active admin can be neither demoted nor deactivated") {
    CHECK(code_of(g.when(admin_id, UpdateUser{admin_id, {}, Role::sale, {}, {}, {}})) == Code::conflict);
    CHECK(code_of(g.when(admin_id, UpdateUser{admin_id, {}, {}, {}, false, {}})) == Code::conflict);
    const UserId second = g.user("boss", Role::admin);
    CHECK(g.when(admin_id, UpdateUser{second, {}, Role::manager, {}, {}, {}}).ok());
    CHECK(g.when(second, UpdateUser{admin_id, {}, {}, {}, false, {}}).ok());
  }
  THEN("unknown users and teams are not found; only admin may update") {
    CHECK(code_of(g.when(admin_id, UpdateUser{42, {}, {}, {}, {}, {}})) == Code::not_found);
    CHECK(code_of(g.when(admin_id, UpdateUser{sale, {}, {}, {}, {}, std::vector<TeamId>{5}})) ==
          Code::not_found);
    CHECK(code_of(g.when(sale, UpdateUser{sale, std::string("me"), {}, {}, {}, {}})) == Code::forbidden);
  }
}

SCENARIO("sessions and presence") {
  Given g;
  const UserId sale = g.user("lan", Role::sale);

  WHEN("a sale logs in") {
    auto events = g.must(system_actor, StartSession{sale, Secret{"d1"}});
    THEN("a session starts and the sale is online") {
      CHECK(count_of<SessionStarted>(events) == 1);
      CHECK(g.state.users.find(sale)->presence == Presence::online);
      CHECK(session_user(g.state, "d1")->id == sale);
    }
    AND_WHEN("the sale logs in on a second device and logs out of the first") {
      g.login(sale, "d2");
      auto out = g.must(system_actor, EndSession{Secret{"d1"}});
      THEN("the sale stays online on the other session") {
        CHECK(count_of<PresenceChanged>(out) == 0);
        CHECK(g.state.users.find(sale)->presence == Presence::online);
      }
      AND_WHEN("the last session logs out") {
        auto last = g.must(system_actor, EndSession{Secret{"d2"}});
        THEN("the sale goes offline") {
          CHECK(count_of<PresenceChanged>(last) == 1);
          CHECK(g.state.users.find(sale)->presence == Presence::offline);
        }
      }
    }
    THEN("logging out twice is unauthorized the second time") {
      g.must(system_actor, EndSession{Secret{"d1"}});
      CHECK(code_of(g.when(system_actor, EndSession{Secret{"d1"}})) == Code::unauthorized);
    }
  }
  THEN("only the engine starts sessions") {
    CHECK(code_of(g.when(sale, StartSession{sale, Secret{"x"}})) == Code::forbidden);
    CHECK(code_of(g.when(system_actor, StartSession{77, Secret{"x"}})) == Code::unauthorized);
  }
  WHEN("a sale flips the at-work switch") {
    g.login(sale, "d1");
    auto away = g.must(sale, SetPresence{Presence::away});
    THEN("presence follows, and setting the same again appends nothing") {
      CHECK(only<PresenceChanged>(away).reason == "user");
      CHECK(g.state.users.find(sale)->presence == Presence::away);
      auto again = g.when(sale, SetPresence{Presence::away});
      REQUIRE(again.ok());
      CHECK(again.value().empty());
    }
  }
  WHEN("the grace period ends without a connection") {
    g.login(sale, "d1");
    auto expired = g.must(system_actor, ExpirePresence{sale});
    THEN("the sale is offline for reason grace, and a new connection brings them back") {
      CHECK(only<PresenceChanged>(expired).reason == "grace");
      auto resumed = g.must(system_actor, ResumePresence{sale});
      CHECK(only<PresenceChanged>(resumed).presence == Presence::online);
    }
    THEN("expiring again appends nothing") {
      auto again = g.when(system_actor, ExpirePresence{sale});
      REQUIRE(again.ok());
      CHECK(again.value().empty());
    }
  }
  THEN("a connection does not bring back a user who chose to be offline") {
    g.login(sale, "d1");
    g.must(sale, SetPresence{Presence::offline});
    auto r = g.when(system_actor, ResumePresence{sale});
    REQUIRE(r.ok());
    CHECK(r.value().empty());
  }
  THEN("timers are the engine's alone") {
    CHECK(code_of(g.when(sale, ExpirePresence{sale})) == Code::forbidden);
    CHECK(code_of(g.when(sale, ResumePresence{sale})) == Code::forbidden);
  }
}

TEST_CASE("password rule") {
  CHECK_FALSE(check_password("1234567").ok());
  CHECK(check_password("12345678").ok());
  CHECK_FALSE(check_password(std::string(257, 'x')).ok());
}

TEST_CASE("bootstrap runs once") {
  Given g;
  CHECK(g.state.users.find(admin_id)->role == Role::admin);
  CHECK(code_of(g.when(system_actor, Bootstrap{Secret{"x"}})) == Code::conflict);
  CHECK(code_of(g.when(admin_id, Bootstrap{Secret{"x"}})) == Code::forbidden);
}

SCENARIO("sessions expire when idle or past their lifetime") {
  Given g;
  const UserId sale = g.user("lan", Role::sale);
  g.login(sale, "d1");
  const Session& session = g.state.users.sessions.at("d1");
  constexpr Time minute = 60'000;
  THEN("the defaults are 12 hours idle and 30 days in all") {
    CHECK(g.state.settings[setting::session_idle_minutes] == 720);
    CHECK(g.state.settings[setting::session_lifetime_days] == 30);
    CHECK_FALSE(g.when(admin_id, UpdateSettings{{{"session.idle_minutes", std::int64_t{0}}}}).ok());
  }
  THEN("a connected session is never idle; an unconnected one is after the idle time") {
    CHECK(session_expiry(g.state, session, g.now, true, g.now + 721 * minute).empty());
    CHECK(session_expiry(g.state, session, g.now, false, g.now + 719 * minute).empty());
    CHECK(session_expiry(g.state, session, g.now, false, g.now + 720 * minute) == "idle");
    CHECK(session_expiry(g.state, session, g.now + 600 * minute, false, g.now + 721 * minute).empty());
  }
  THEN("past its lifetime a session ends even while connected") {
    CHECK(session_expiry(g.state, session, g.now, true, g.now + 30 * 1440 * minute) == "lifetime");
  }
  WHEN("the engine expires it") {
    auto events = g.must(system_actor, ExpireSession{Secret{"d1"}, "idle"});
    THEN("the session ends on record with its reason and the user goes offline") {
      CHECK(std::get<SessionEnded>(events.front().base()).reason == "idle");
      CHECK(session_user(g.state, "d1") == nullptr);
      CHECK(g.state.users.find(sale)->presence == Presence::offline);
      CHECK(g.when(system_actor, ExpireSession{Secret{"d1"}, "idle"}).value().empty());
    }
  }
  THEN("expiry is the engine's alone") {
    CHECK(code_of(g.when(sale, ExpireSession{Secret{"d1"}, "idle"})) == Code::forbidden);
  }
}

TEST_CASE("names refuse invisible and direction characters") {
  Given g;
  for (const char* bad : {"\u202enimda", "ad\u200bmin", "bell\u0007", "c1\u0085", "two\nlines", "   ", ""}) {
    CAPTURE(bad);
    CHECK(code_of(g.when(admin_id, CreateUser{"u1", bad, Role::sale, Secret{"h"}, {}})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, CreateTeam{bad})) == Code::bad_request);
  }
  g.must(admin_id, CreateUser{"u1", "Nguyễn Thị Lan 🌸", Role::sale, Secret{"h"}, {}});
  g.must(admin_id, CreateTeam{"Đội Hà Nội 👩‍💻"});
}
