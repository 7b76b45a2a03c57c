// Automatic assignment (core/assignment.hpp): in turn per page, comments and live videos,
// reassignment, capacity, the sweep, the reply timeout, turning it off, and a restart.
#include "core/assignment.hpp"

#include "core/state.hpp"
#include "tests/core/given.hpp"

using namespace salesdesk::test;

namespace {

// A floor: one connected page, three sales logged in (online), automatic assignment on.
struct PageFloor : Given {
  PageId page = 0;
  std::vector<UserId> sales;
  int delivered = 0;

  explicit PageFloor(int n = 3, bool auto_assign = true) {
    ConnectPage c{.channel = Channel::facebook,
                  .external_id = "shop",
                  .page_name = "Shop",
                  .secret = "key",
                  .token = "token"};
    page = only<PageConnected>(must(admin_id, c)).page_id;
    for (int i = 0; i < n; ++i) {
      sales.push_back(user("sale" + std::to_string(i), Role::sale));
      login(sales.back(), "digest" + std::to_string(i));
    }
    if (auto_assign) set("inbox.auto_assign", true);
  }

  void set(const std::string& key, SettingValue value) {
    must(admin_id, UpdateSettings{{{key, std::move(value)}}});
  }
  void presence(UserId sale, Presence p) { must(sale, SetPresence{p}); }

  ReceiveMessage base(Inbound kind, const std::string& customer) {
    return ReceiveMessage{.page_id = page,
                          .event = kind,
                          .external_message_id = "m" + std::to_string(++delivered),
                          .external_user_id = customer,
                          .customer_name = customer,
                          .text = "hello"};
  }
  // A private message from `customer`; its conversation.
  ConversationId message(const std::string& customer) {
    const ReceiveMessage m = base(Inbound::message, customer);
    must(system_actor, m);
    return conversation_of(state, m);
  }
  // A comment on the post: a new thread, or (`thread`) a reply in one.
  ConversationId comment(const std::string& customer, const std::string& thread = "") {
    ReceiveMessage m = base(Inbound::comment, customer);
    m.post_id = "post-1";
    m.comment_id = thread;
    must(system_actor, m);
    return conversation_of(state, m);
  }
  ConversationId live_comment(const std::string& customer, const std::string& live = "live-1") {
    ReceiveMessage m = base(Inbound::livestream_comment, customer);
    m.live_id = live;
    must(system_actor, m);
    return conversation_of(state, m);
  }
  void reply(ConversationId id) { must(assignee(id), SendMessage{id, "Dạ"}); }

  const Conversation& conv(ConversationId id) const { return *state.conversations.find(id); }
  UserId assignee(ConversationId id) const { return conv(id).assignee_id; }
  std::string_view reason(ConversationId id) const { return reason_name(conv(id).assign_reason); }

  // What the engine's timers would run now, applied; the events they made.
  Events tick() {
    Events all;
    for (const Command& c : due_commands(state, now)) {
      for (Event& e : must(system_actor, c)) all.push_back(std::move(e));
    }
    return all;
  }
};

}  // namespace

SCENARIO("private messages are given in turn, and the customer stays with their sale") {
  PageFloor f;
  WHEN("three customers write for the first time") {
    const ConversationId a = f.message("an"), b = f.message("binh"), c = f.message("chi");
    THEN("each goes to the next online sale, and says why") {
      CHECK(f.assignee(a) == f.sales[0]);
      CHECK(f.assignee(b) == f.sales[1]);
      CHECK(f.assignee(c) == f.sales[2]);
      CHECK(f.reason(a) == "first_message");
      CHECK(f.conv(a).assigned_at == f.now);
    }
    AND_WHEN("the first customer writes again, after their sale has logged out") {
      f.must(system_actor, EndSession{Secret{"digest0"}});
      REQUIRE(f.state.users.find(f.sales[0])->presence == Presence::offline);
      const Events events = f.must(system_actor, f.base(Inbound::message, "an"));
      THEN("the conversation stays with that sale (no automatic reassignment)") {
        CHECK(count_of<ConversationAssigned>(events) == 0);
        CHECK(f.assignee(a) == f.sales[0]);
      }
      AND_THEN("a fourth customer goes round to the first sale still online") {
        CHECK(f.assignee(f.message("dung")) == f.sales[1]);
      }
    }
  }
  WHEN("a customer writes again while their conversation is still theirs") {
    const ConversationId a = f.message("an");
    const Events again = f.must(system_actor, f.base(Inbound::message, "an"));
    THEN("nothing is assigned again, and the turn does not move") {
      CHECK(count_of<ConversationAssigned>(again) == 0);
      CHECK(f.assignee(f.message("binh")) == f.sales[1]);
      CHECK(f.assignee(a) == f.sales[0]);
    }
  }
}

SCENARIO("who may be given a conversation automatically") {
  PageFloor f(4);
  WHEN("one sale is away, one is offline, and a manager is online") {
    f.presence(f.sales[1], Presence::away);
    f.presence(f.sales[2], Presence::offline);
    const UserId manager = f.user("mai", Role::manager);
    f.login(manager, "digest-m");
    THEN("only the online sales are given conversations, in turn") {
      std::vector<UserId> got;
      for (const char* who : {"a", "b", "c", "d"}) got.push_back(f.assignee(f.message(who)));
      CHECK(got == std::vector<UserId>{f.sales[0], f.sales[3], f.sales[0], f.sales[3]});
      CHECK_FALSE(eligible(f.state, manager, f.page));
      CHECK_FALSE(eligible(f.state, f.sales[1], f.page));
    }
  }
  WHEN("sales work only on the pages granted to them, and one page is granted to one sale") {
    f.set("inbox.page_permissions", true);
    f.must(admin_id, SetPageAccess{f.page, {f.sales[2]}, std::nullopt});
    THEN("every conversation of the page goes to that sale") {
      for (const char* who : {"a", "b", "c"}) CHECK(f.assignee(f.message(who)) == f.sales[2]);
    }
  }
  WHEN("a sale is deactivated") {
    UpdateUser off;
    off.user_id = f.sales[0];
    off.active = false;
    f.must(admin_id, off);
    THEN("they are never chosen") {
      for (const char* who : {"a", "b", "c"}) CHECK(f.assignee(f.message(who)) != f.sales[0]);
    }
  }
  WHEN("nobody is online") {
    for (UserId s : f.sales) f.presence(s, Presence::offline);
    const ConversationId a = f.message("an");
    THEN("the conversation stays unassigned, and no timer has work") {
      CHECK(f.assignee(a) == 0);
      CHECK(f.tick().empty());
    }
  }
}

SCENARIO("capacity: inbox.max_open_per_agent") {
  PageFloor f(2);
  f.set("inbox.max_open_per_agent", std::int64_t{2});
  WHEN("four customers write") {
    for (const char* who : {"a", "b", "c", "d"}) f.message(who);
    THEN("each sale has two, at the limit") {
      CHECK(f.state.conversations.open_of_user.at(f.sales[0]) == 2);
      CHECK(f.state.conversations.open_of_user.at(f.sales[1]) == 2);
    }
    AND_WHEN("a fifth writes") {
      const ConversationId e = f.message("e");
      THEN("it waits unassigned, in the sweep's queue") {
        CHECK(f.assignee(e) == 0);
        CHECK(f.tick().empty());
        CHECK(f.state.conversations.waiting_by_page.at({f.page, false}).size() == 1);
      }
      AND_WHEN("the second sale closes one of theirs") {
        f.must(f.sales[1], CloseConversation{2});
        const Events swept = f.tick();
        THEN("the sweep gives the waiting conversation to that sale at once") {
          REQUIRE(count_of<ConversationAssigned>(swept) == 1);
          CHECK(f.assignee(e) == f.sales[1]);
          CHECK(f.reason(e) == "sweep");
          CHECK(f.state.conversations.waiting_by_page.at({f.page, false}).empty());
        }
      }
    }
    AND_WHEN(
        "the first sale closes one, a new customer fills the room, and the closed one's "
        "customer writes again") {
      f.must(f.sales[0], CloseConversation{1});
      CHECK(f.assignee(f.message("e")) == f.sales[0]);
      f.must(system_actor, f.base(Inbound::message, "a"));
      THEN("it reopens with its own sale, even above the limit") {
        CHECK(f.assignee(1) == f.sales[0]);
        CHECK(f.state.conversations.open_of_user.at(f.sales[0]) == 3);
      }
    }
  }
  WHEN("the limit is 0") {
    f.set("inbox.max_open_per_agent", std::int64_t{0});
    for (int i = 0; i < 10; ++i) f.message("c" + std::to_string(i));
    THEN("there is none: five each") {
      CHECK(f.state.conversations.open_of_user.at(f.sales[0]) == 5);
      CHECK(f.state.conversations.open_of_user.at(f.sales[1]) == 5);
    }
  }
}

SCENARIO("post comments go round whoever writes them; live videos are given by customer") {
  PageFloor f;
  WHEN("one customer starts three comment threads, and replies in the first") {
    const ConversationId t1 = f.comment("an"), t2 = f.comment("an"), t3 = f.comment("an");
    const Events reply = f.must(system_actor, [&] {
      ReceiveMessage m = f.base(Inbound::comment, "binh");
      m.post_id = "post-1";
      m.comment_id = "m1";
      return m;
    }());
    THEN("each thread went to the next sale; the reply stays in its thread with its sale") {
      CHECK(f.assignee(t1) == f.sales[0]);
      CHECK(f.assignee(t2) == f.sales[1]);
      CHECK(f.assignee(t3) == f.sales[2]);
      CHECK(f.reason(t2) == "comment_rotation");
      CHECK(count_of<ConversationAssigned>(reply) == 0);
      CHECK(f.assignee(t1) == f.sales[0]);
    }
  }
  WHEN("two customers comment on a live video, and comment again") {
    const ConversationId an = f.live_comment("an"), binh = f.live_comment("binh");
    f.live_comment("an");
    f.live_comment("an");
    THEN("each customer's first comment went in turn; later comments stay") {
      CHECK(f.assignee(an) == f.sales[0]);
      CHECK(f.assignee(binh) == f.sales[1]);
      CHECK(f.reason(an) == "livestream_customer");
      CHECK(f.assignee(f.live_comment("chi")) == f.sales[2]);
    }
    AND_WHEN("the first customer then writes a private message") {
      const ConversationId m = f.message("an");
      THEN("it follows them to their live sale, and the turn does not move") {
        CHECK(f.assignee(m) == f.sales[0]);
        CHECK(f.reason(m) == "livestream_customer");
        CHECK(f.assignee(f.message("dung")) == f.sales[2]);
      }
    }
    AND_WHEN("the customer comments on the next live video") {
      const ConversationId next = f.live_comment("an", "live-2");
      THEN("it is a first comment on that live, given in turn") {
        CHECK(next != an);
        CHECK(f.assignee(next) == f.sales[2]);
      }
    }
  }
}

SCENARIO("automatic reassignment when a customer's sale is offline (inbox.auto_reassign)") {
  PageFloor f;
  f.set("inbox.auto_reassign", true);
  const ConversationId a = f.message("an");
  const ConversationId live = f.live_comment("binh");
  const ConversationId thread = f.comment("chi");
  REQUIRE(f.assignee(a) == f.sales[0]);
  REQUIRE(f.assignee(live) == f.sales[1]);
  REQUIRE(f.assignee(thread) == f.sales[2]);
  WHEN("the first and second sales log out and their customers write again") {
    f.must(system_actor, EndSession{Secret{"digest0"}});
    f.must(system_actor, EndSession{Secret{"digest1"}});
    f.must(system_actor, f.base(Inbound::message, "an"));
    f.live_comment("binh");
    THEN("both move to the sale still online, with the reason and who had them") {
      CHECK(f.assignee(a) == f.sales[2]);
      CHECK(f.reason(a) == "offline_reassign");
      CHECK(f.assignee(live) == f.sales[2]);
    }
  }
  WHEN("the comment thread's sale logs out and someone replies in it") {
    f.must(system_actor, EndSession{Secret{"digest2"}});
    ReceiveMessage m = f.base(Inbound::comment, "dung");
    m.post_id = "post-1";
    m.comment_id = std::string(f.conv(thread).thread_id());
    f.must(system_actor, m);
    THEN("comments are not reassigned") { CHECK(f.assignee(thread) == f.sales[2]); }
  }
  WHEN("the sale is only away") {
    f.presence(f.sales[0], Presence::away);
    f.must(system_actor, f.base(Inbound::message, "an"));
    THEN("the customer stays with them") { CHECK(f.assignee(a) == f.sales[0]); }
  }
  WHEN("everyone is offline when the customer writes again") {
    for (UserId s : f.sales) f.presence(s, Presence::offline);
    const Events events = f.must(system_actor, f.base(Inbound::message, "an"));
    THEN("the conversation becomes unassigned, on record, so that it is swept later") {
      const Events last{events.back()};
      const auto& moved = only<ConversationAssigned>(last);
      CHECK(moved.assignee_id == 0);
      CHECK(moved.previous_id == f.sales[0]);
      CHECK(moved.reason == "offline_reassign");
      AND_WHEN("a sale comes back") {
        f.presence(f.sales[1], Presence::online);
        f.tick();
        THEN("the sweep gives it to them") { CHECK(f.assignee(a) == f.sales[1]); }
      }
    }
  }
}

SCENARIO("the sweep: nobody waits once someone can take them") {
  PageFloor f(2);
  for (UserId s : f.sales) f.presence(s, Presence::offline);
  const ConversationId first = f.message("an");
  f.now += 1000;
  const ConversationId second = f.message("binh");
  f.now += 1000;
  const ConversationId third = f.comment("chi");
  REQUIRE(f.assignee(first) == 0);
  WHEN("a sale comes online with room for two") {
    f.set("inbox.max_open_per_agent", std::int64_t{2});
    f.presence(f.sales[1], Presence::online);
    const Events swept = f.tick();
    THEN("the two longest-waiting are theirs, the third still waits") {
      CHECK(count_of<ConversationAssigned>(swept) == 2);
      CHECK(f.assignee(first) == f.sales[1]);
      CHECK(f.assignee(second) == f.sales[1]);
      CHECK(f.assignee(third) == 0);
      CHECK(f.reason(first) == "sweep");
      CHECK(f.tick().empty());
    }
    AND_WHEN("the other logs in") {
      f.login(f.sales[0], "digest-again");
      f.tick();
      THEN("they get the third") { CHECK(f.assignee(third) == f.sales[0]); }
    }
  }
  WHEN("a conversation was answered while it waited unassigned") {
    f.must(admin_id, SendMessage{first, "Chào chị"});
    f.presence(f.sales[0], Presence::online);
    f.tick();
    THEN("only those still waiting are swept") {
      CHECK(f.assignee(first) == 0);
      CHECK(f.assignee(second) == f.sales[0]);
      CHECK(f.assignee(third) == f.sales[0]);
    }
  }
  WHEN("automatic assignment is off when the sale comes online") {
    f.set("inbox.auto_assign", false);
    f.presence(f.sales[0], Presence::online);
    THEN("nothing is swept") { CHECK(f.tick().empty()); }
    AND_WHEN("it is turned on") {
      f.set("inbox.auto_assign", true);
      f.tick();
      THEN("the waiting ones are given out") { CHECK(f.assignee(first) == f.sales[0]); }
    }
  }
}

SCENARIO("the reply timeout (inbox.reply_timeout_s)") {
  PageFloor f;
  f.set("inbox.reply_timeout_s", std::int64_t{60});
  const ConversationId a = f.message("an");
  REQUIRE(f.assignee(a) == f.sales[0]);
  WHEN("the sale does not answer for 59 seconds") {
    f.now += 59'000;
    THEN("nothing moves") { CHECK(f.tick().empty()); }
  }
  WHEN("the sale has not answered after 60 seconds") {
    f.now += 60'000;
    const Events moved = f.tick();
    THEN("the conversation goes to the next sale, with the reason") {
      const auto& e = only<ConversationAssigned>(moved);
      CHECK(e.assignee_id == f.sales[1]);
      CHECK(e.previous_id == f.sales[0]);
      CHECK(e.reason == "reply_timeout");
      CHECK(f.conv(a).timed_out() == std::vector<UserId>{f.sales[0]});
    }
    AND_WHEN("nobody answers, again and again") {
      std::vector<UserId> chain{f.sales[0], f.assignee(a)};
      for (int i = 0; i < 4; ++i) {
        f.now += 60'000;
        f.tick();
        chain.push_back(f.assignee(a));
      }
      THEN("each sale has it once in a round, and it never stays with the one who let it wait") {
        CHECK(std::vector<UserId>(chain.begin(), chain.begin() + 3) ==
              std::vector<UserId>{f.sales[0], f.sales[1], f.sales[2]});
        for (std::size_t i = 1; i < chain.size(); ++i) CHECK(chain[i] != chain[i - 1]);
      }
    }
    AND_WHEN("the new sale answers in time") {
      f.now += 30'000;
      f.reply(a);
      f.now += 60'000;
      THEN("it stays with them, and the round is over") {
        CHECK(f.tick().empty());
        CHECK(f.assignee(a) == f.sales[1]);
        CHECK(f.conv(a).timed_out().empty());
      }
    }
  }
  WHEN("the only other sales are offline") {
    f.presence(f.sales[1], Presence::offline);
    f.presence(f.sales[2], Presence::offline);
    f.now += 120'000;
    THEN("it stays with its sale") {
      CHECK(count_of<ConversationAssigned>(f.tick()) == 0);
      CHECK(f.assignee(a) == f.sales[0]);
    }
  }
  WHEN("a manager gives it to a sale late") {
    f.now += 50'000;
    f.must(admin_id, AssignConversation{a, f.sales[2]});
    f.now += 30'000;
    THEN("that sale has the whole timeout from then") {
      CHECK(f.tick().empty());
      f.now += 30'000;
      CHECK(count_of<ConversationAssigned>(f.tick()) == 1);
    }
  }
}

SCENARIO("take and manual assignment, with and without rotation") {
  WHEN("rotation is off (seed 002: Tắt chế độ xoay vòng)") {
    PageFloor f(3, false);
    f.set("inbox.reply_timeout_s", std::int64_t{60});
    const ConversationId a = f.message("an");
    f.now += 600'000;
    THEN("nothing is assigned automatically, and take and assign still work") {
      CHECK(f.assignee(a) == 0);
      CHECK(f.tick().empty());
      f.must(f.sales[1], TakeConversation{a});
      CHECK(f.assignee(a) == f.sales[1]);
      CHECK(f.reason(a) == "take");
      f.must(admin_id, AssignConversation{a, f.sales[2]});
      CHECK(f.reason(a) == "assign");
      f.now += 600'000;
      CHECK(f.tick().empty());
    }
  }
  WHEN("a sale takes a conversation the rotation has just given to another") {
    PageFloor f;
    const ConversationId a = f.message("an");
    const auto r = f.when(f.sales[2], TakeConversation{a});
    THEN("the take is refused: exactly one sale has it") {
      CHECK(code_of(r) == Code::already_assigned);
      CHECK(f.assignee(a) == f.sales[0]);
    }
  }
  WHEN("a sale takes an unassigned conversation before the sweep") {
    PageFloor f;
    for (UserId s : f.sales) f.presence(s, Presence::offline);
    const ConversationId a = f.message("an");
    f.presence(f.sales[1], Presence::online);
    f.must(f.sales[1], TakeConversation{a});
    f.presence(f.sales[0], Presence::online);
    THEN("the sweep finds nothing to give; the take stands") {
      CHECK(f.tick().empty());
      CHECK(f.assignee(a) == f.sales[1]);
    }
  }
}

SCENARIO("the rotation survives a restart") {
  PageFloor f;
  f.message("an");
  f.message("binh");
  WHEN("the state is saved and loaded, as a snapshot does") {
    State restored = decode_state(encode_state(f.state));
    THEN("the next sale in turn is the same, and so are the open counts") {
      CHECK(Turns(restored).next(f.page) == f.sales[2]);
      CHECK(Turns(f.state).next(f.page) == f.sales[2]);
      CHECK(restored.conversations.open_of_user == f.state.conversations.open_of_user);
      CHECK(restored.conversations.last_in_turn == f.state.conversations.last_in_turn);
    }
  }
}

TEST_CASE("reasons are kept as small codes, and read back") {
  for (std::string_view r : assign_reasons) CHECK(reason_name(reason_code(r)) == r);
  CHECK(reason_code("whatever") == 0);
  CHECK(reason_name(0).empty());
  CHECK(is_automatic("sweep"));
  CHECK_FALSE(is_automatic("take"));
}
