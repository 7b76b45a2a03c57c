#include "core/page.hpp"

#include "core/state.hpp"
#include "tests/core/given.hpp"

using namespace salesdesk::test;

namespace {

ConnectPage api_page(std::string external_id, std::string name = "Shop") {
  return ConnectPage{.channel = Channel::api,
                     .external_id = std::move(external_id),
                     .page_name = std::move(name),
                     .secret = "signing-key"};
}

PageId connect(Given& g, ConnectPage c) {
  return only<PageConnected>(g.must(admin_id, std::move(c))).page_id;
}

void permissions_on(Given& g) {
  g.must(admin_id, UpdateSettings{{{"inbox.page_permissions", true}}});
}

}  // namespace

SCENARIO("connecting pages") {
  Given g;
  const UserId sale = g.user("lan", Role::sale);
  WHEN("admin connects an API page") {
    ConnectPage c = api_page("shop-1");
    c.token = "send-token";
    c.callback_url = "https://crm.example/hook";
    const PageId id = connect(g, c);
    THEN("it is page 1, connected, with its credentials kept for the server") {
      const Page* p = g.state.pages.find(id);
      REQUIRE(p != nullptr);
      CHECK(id == 1);
      CHECK(p->connected);
      CHECK(p->secret == "signing-key");
      CHECK(p->token == "send-token");
      CHECK(p->callback_url == "https://crm.example/hook");
      CHECK(g.state.pages.find_external(Channel::api, "shop-1") == p);
    }
    THEN("the same channel id cannot be connected twice; another channel's can") {
      CHECK(code_of(g.when(admin_id, api_page("shop-1"))) == Code::conflict);
      ConnectPage zalo = api_page("shop-1");
      zalo.channel = Channel::zalo;
      CHECK(g.when(admin_id, zalo).ok());
    }
    AND_WHEN("it is disconnected and connected again") {
      g.must(admin_id, DisconnectPage{id});
      CHECK_FALSE(g.state.pages.find(id)->connected);
      CHECK(code_of(g.when(admin_id, DisconnectPage{id})) == Code::conflict);
      ConnectPage again = api_page("shop-1", "Shop again");
      again.secret = "new-key";
      const PageId back = connect(g, again);
      THEN("it is the same page, with the new name and secret, and its access kept") {
        CHECK(back == id);
        CHECK(g.state.pages.by_id.size() == 1);
        CHECK(g.state.pages.find(id)->connected);
        CHECK(g.state.pages.find(id)->name == "Shop again");
        CHECK(g.state.pages.find(id)->secret == "new-key");
      }
    }
  }
  THEN("only admin connects, updates, disconnects and grants") {
    CHECK(code_of(g.when(sale, api_page("x"))) == Code::forbidden);
    const PageId id = connect(g, api_page("x"));
    CHECK(code_of(g.when(sale, UpdatePage{.page_id = id, .page_name = "Mine"})) == Code::forbidden);
    CHECK(code_of(g.when(sale, DisconnectPage{id})) == Code::forbidden);
    CHECK(code_of(g.when(sale, SetPageAccess{id, {sale}, {}})) == Code::forbidden);
  }
  THEN("bad fields are refused with their name") {
    auto refused = [&](ConnectPage c, std::string_view field) {
      auto r = g.when(admin_id, c);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == Code::bad_request);
      CHECK(r.error().message.find(field) != std::string::npos);
    };
    refused(api_page(""), "external_id");
    refused(api_page("x", ""), "name");
    refused(api_page("x", "a\nb"), "name");
    ConnectPage c = api_page("x");
    c.secret = "";
    refused(c, "secret");
    c = api_page("x");
    c.callback_url = "ftp://example";
    refused(c, "callback_url");
    c.callback_url = "https://";
    refused(c, "callback_url");
    c.callback_url = "https://a b";
    refused(c, "callback_url");
    c = api_page("x");
    c.api_base = std::string("https://") + std::string(page_url_bytes_max, 'a');
    refused(c, "api_base");
  }
}

SCENARIO("updating a page") {
  Given g;
  ConnectPage c = api_page("shop");
  c.callback_url = "https://crm.example/hook";
  const PageId id = connect(g, c);
  WHEN("admin changes the name and the token, and removes the callback") {
    g.must(admin_id,
           UpdatePage{.page_id = id, .page_name = "Tea shop", .token = "t2", .callback_url = ""});
    THEN("what was given changed, the rest stayed") {
      const Page* p = g.state.pages.find(id);
      CHECK(p->name == "Tea shop");
      CHECK(p->token == "t2");
      CHECK(p->callback_url.empty());
      CHECK(p->secret == "signing-key");
    }
  }
  THEN("a secret cannot be emptied, an unknown page is not found") {
    CHECK(code_of(g.when(admin_id, UpdatePage{.page_id = id, .secret = ""})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, UpdatePage{.page_id = 9, .page_name = "x"})) == Code::not_found);
  }
}

SCENARIO("page access") {
  Given g;
  const TeamId team = only<TeamCreated>(g.must(admin_id, CreateTeam{"Hanoi"})).team_id;
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale, {team});
  const UserId boss = g.user("boss", Role::manager);
  const PageId shop = connect(g, api_page("shop"));
  const PageId other = connect(g, api_page("other"));
  g.must(admin_id, SetPageAccess{shop, {lan}, std::vector<TeamId>{}});
  g.must(admin_id, SetPageAccess{other, {}, std::vector<TeamId>{team}});
  WHEN("inbox.page_permissions is off") {
    THEN("everyone may work on every page") {
      CHECK(may_access_page(g.state, lan, other));
      CHECK(may_access_page(g.state, boss, shop));
      CHECK(pages_of(g.state, minh).size() == 2);
    }
  }
  WHEN("it is on") {
    permissions_on(g);
    THEN("a user works on the pages granted to them or to their team; admin on all") {
      CHECK(may_access_page(g.state, lan, shop));
      CHECK_FALSE(may_access_page(g.state, lan, other));
      CHECK(may_access_page(g.state, minh, other));
      CHECK_FALSE(may_access_page(g.state, minh, shop));
      CHECK(pages_of(g.state, admin_id).size() == 2);
    }
    THEN("a manager is no exception") {
      CHECK_FALSE(may_access_page(g.state, boss, shop));
      CHECK(pages_of(g.state, boss).empty());
    }
    THEN("a page that does not exist is nobody's") {
      CHECK_FALSE(may_access_page(g.state, admin_id, 99));
    }
    AND_WHEN("the grants are set again without team_ids") {
      g.must(admin_id, SetPageAccess{other, {lan}, std::nullopt});
      THEN("the users are replaced and the teams kept") {
        CHECK(may_access_page(g.state, lan, other));
        CHECK(may_access_page(g.state, minh, other));
      }
    }
  }
  THEN("unknown users and teams, and repeats, are refused") {
    CHECK(code_of(g.when(admin_id, SetPageAccess{shop, {77}, std::nullopt})) == Code::not_found);
    CHECK(code_of(g.when(admin_id, SetPageAccess{shop, {}, std::vector<TeamId>{5}})) ==
          Code::not_found);
    CHECK(code_of(g.when(admin_id, SetPageAccess{shop, {lan, lan}, std::nullopt})) ==
          Code::bad_request);
    CHECK(code_of(g.when(admin_id, SetPageAccess{42, {lan}, std::nullopt})) == Code::not_found);
  }
}

SCENARIO("merged-page views") {
  Given g;
  const UserId lan = g.user("lan", Role::sale);
  const PageId a = connect(g, api_page("a"));
  const PageId b = connect(g, api_page("b"));
  const PageId c = connect(g, api_page("c"));
  WHEN("a sale saves a view of two pages") {
    g.must(lan, SaveInboxView{"Hanoi", {a, b}});
    THEN("it is theirs, and saving the name again replaces it") {
      CHECK(views_of(g.state, lan).at("Hanoi") == std::vector<PageId>{a, b});
      CHECK(views_of(g.state, admin_id).empty());
      g.must(lan, SaveInboxView{"Hanoi", {c}});
      CHECK(views_of(g.state, lan).at("Hanoi") == std::vector<PageId>{c});
    }
    AND_WHEN("access to one page is taken away") {
      g.must(admin_id, SetPageAccess{a, {lan}, std::nullopt});
      permissions_on(g);
      THEN("the view shows only what the sale may still work on") {
        CHECK(views_of(g.state, lan).at("Hanoi") == std::vector<PageId>{a});
      }
      THEN("a page the sale may not work on cannot be put in a view, as if it did not exist") {
        auto r = g.when(lan, SaveInboxView{"More", {a, b}});
        CHECK(code_of(r) == Code::not_found);
        CHECK(r.error().message == "no page " + std::to_string(b));
      }
    }
    AND_WHEN("it is deleted") {
      g.must(lan, DeleteInboxView{"Hanoi"});
      THEN("it is gone, and deleting it again is not found") {
        CHECK(views_of(g.state, lan).empty());
        CHECK(code_of(g.when(lan, DeleteInboxView{"Hanoi"})) == Code::not_found);
      }
    }
  }
  THEN("a view needs a name and pages, without repeats, and a user has at most 50") {
    CHECK(code_of(g.when(lan, SaveInboxView{"", {a}})) == Code::bad_request);
    CHECK(code_of(g.when(lan, SaveInboxView{"x", {}})) == Code::bad_request);
    CHECK(code_of(g.when(lan, SaveInboxView{"x", {a, a}})) == Code::bad_request);
    CHECK(code_of(g.when(lan, SaveInboxView{"x", {99}})) == Code::not_found);
    for (std::size_t i = 0; i < views_per_user_max; ++i) {
      g.must(lan, SaveInboxView{"v" + std::to_string(i), {a}});
    }
    CHECK(code_of(g.when(lan, SaveInboxView{"one more", {a}})) == Code::bad_request);
    CHECK(g.when(lan, SaveInboxView{"v0", {b}}).ok());
  }
}

TEST_CASE("pages survive a snapshot") {
  Given g;
  const UserId lan = g.user("lan", Role::sale);
  const PageId id = connect(g, api_page("shop"));
  g.must(admin_id, SetPageAccess{id, {lan}, std::nullopt});
  g.must(lan, SaveInboxView{"Mine", {id}});
  const State back = decode_state(encode_state(g.state));
  CHECK(encode_state(back) == encode_state(g.state));
  CHECK(back.pages.find_external(Channel::api, "shop")->id == id);
  CHECK(back.pages.find(id)->secret == "signing-key");
  CHECK(views_of(back, lan).at("Mine") == std::vector<PageId>{id});
}
