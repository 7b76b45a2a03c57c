#include "core/conversation.hpp"

#include "core/state.hpp"
#include "tests/core/given.hpp"

using namespace salesdesk::test;

namespace {

PageId connect(Given& g, std::string external_id) {
  ConnectPage c{.channel = Channel::api,
                .external_id = std::move(external_id),
                .page_name = "Shop",
                .secret = "key"};
  return only<PageConnected>(g.must(admin_id, c)).page_id;
}

ReceiveMessage message(PageId page, std::string id, std::string user, std::string text) {
  return ReceiveMessage{.page_id = page,
                        .event = Inbound::message,
                        .external_message_id = std::move(id),
                        .external_user_id = std::move(user),
                        .customer_name = "Hoa",
                        .text = std::move(text)};
}

// Delivers a message and returns its conversation.
ConversationId deliver(Given& g, const ReceiveMessage& m) {
  g.must(system_actor, m);
  return conversation_of(g.state, m);
}

const Conversation& conv(const Given& g, ConversationId id) {
  const Conversation* c = g.state.conversations.find(id);
  REQUIRE(c != nullptr);
  return *c;
}

std::vector<ConversationId> ids_of(const InboxPage& page) {
  std::vector<ConversationId> out;
  for (const Conversation* c : page.items) out.push_back(c->id);
  return out;
}

InboxPage inbox(const Given& g, UserId viewer, InboxFilters f = {},
                InboxSort sort = InboxSort::activity, std::optional<Slot> after = {},
                std::size_t limit = 50) {
  return query_inbox(g.state, viewer, f, sort, after, limit);
}

}  // namespace

SCENARIO("a customer writes to a page") {
  Given g;
  const PageId page = connect(g, "shop");
  WHEN("a new channel identity sends its first message") {
    const Events events = g.must(system_actor, message(page, "m1", "psid-1", "Chào shop"));
    THEN("a customer card, a conversation and the message are recorded, in that order") {
      REQUIRE(events.size() == 3);
      CHECK(std::holds_alternative<CustomerCreated>(events[0].base()));
      CHECK(std::holds_alternative<ConversationStarted>(events[1].base()));
      CHECK(std::holds_alternative<MessageReceived>(events[2].base()));
      const Conversation& c = conv(g, 1);
      CHECK(c.page_id == page);
      CHECK(c.kind == ConversationKind::message);
      CHECK(g.state.customers.find(c.customer_id)->name == "Hoa");
      CHECK(c.has(flag_unread));
      CHECK(c.has(flag_unanswered));
      CHECK_FALSE(c.has(flag_closed));
      CHECK(c.waiting_since == g.now);
      CHECK(c.last_text == "Chào shop");
    }
    AND_WHEN("the same customer writes again, and the channel delivers a message twice") {
      g.now += 5000;
      const ConversationId again = deliver(g, message(page, "m2", "psid-1", "Còn hàng không?"));
      const Events repeat = g.must(system_actor, message(page, "m2", "psid-1", "Còn hàng không?"));
      THEN("it is the same conversation and customer; the repeat changes nothing") {
        CHECK(again == 1);
        CHECK(repeat.empty());
        CHECK(g.state.customers.by_id.size() == 1);
        CHECK(conv(g, 1).messages == 2);
        CHECK(conv(g, 1).waiting_since == t0);  // the oldest unanswered message
      }
    }
    THEN("another identity on the page, or the same id on another page, is another customer") {
      const PageId other = connect(g, "shop-2");
      CHECK(deliver(g, message(page, "m9", "psid-2", "hi")) == 2);
      CHECK(deliver(g, message(other, "m1", "psid-1", "hi")) == 3);
      CHECK(g.state.customers.by_id.size() == 3);
    }
  }
  WHEN("the customer leaves a phone in the text") {
    const ConversationId id =
        deliver(g, message(page, "m1", "psid-1", "Gọi em nhé 091 234 5678 hoặc +84 98 765 4321"));
    THEN("both phones are found, the conversation has a phone, the card keeps them") {
      CHECK(conv(g, id).has(flag_has_phone));
      CHECK(conv(g, id).phones == std::vector<std::string>{"0912345678", "0987654321"});
      const Customer* card = g.state.customers.find(conv(g, id).customer_id);
      CHECK(card->phones == std::vector<std::string>{"0912345678", "0987654321"});
      CHECK(g.state.customers.find_phone("0912345678") == card);
    }
  }
  WHEN("the channel names a phone that a customer card already has") {
    g.must(admin_id, CreateCustomer{"Hoa Nguyen", {"0912345678"}, ""});
    ReceiveMessage m = message(page, "m1", "psid-1", "hello");
    m.customer_phone = "+84912345678";
    const ConversationId id = deliver(g, m);
    THEN("the conversation belongs to that card, no second card is made") {
      CHECK(conv(g, id).customer_id == 1);
      CHECK(g.state.customers.by_id.size() == 1);
      CHECK(conv(g, id).has(flag_has_phone));
    }
  }
}

SCENARIO("comments and livestream comments") {
  Given g;
  const PageId page = connect(g, "shop");
  ReceiveMessage comment = message(page, "c1", "psid-1", "giá bao nhiêu?");
  comment.event = Inbound::comment;
  comment.post_id = "post-1";
  GIVEN("a comment starts a thread") {
    const ConversationId thread = deliver(g, comment);
    WHEN("another customer replies in that thread, and someone comments anew") {
      ReceiveMessage reply = comment;
      reply.external_message_id = "c2";
      reply.external_user_id = "psid-2";
      reply.comment_id = "c1";
      ReceiveMessage fresh = comment;
      fresh.external_message_id = "c3";
      THEN("the reply joins the thread's conversation, the new comment is another one") {
        CHECK(deliver(g, reply) == thread);
        CHECK(deliver(g, fresh) != thread);
        CHECK(conv(g, thread).kind == ConversationKind::comment);
        CHECK(conv(g, thread).post_id == "post-1");
      }
    }
  }
  WHEN("a customer comments twice on a live video, and once on another") {
    ReceiveMessage live = comment;
    live.event = Inbound::livestream_comment;
    live.live_id = "live-1";
    const ConversationId first = deliver(g, live);
    live.external_message_id = "c2";
    const ConversationId second = deliver(g, live);
    live.external_message_id = "c3";
    live.live_id = "live-2";
    const ConversationId other = deliver(g, live);
    THEN("one conversation per customer per live video, on the same customer card") {
      CHECK(first == second);
      CHECK(other != first);
      CHECK(conv(g, other).customer_id == conv(g, first).customer_id);
      CHECK(conv(g, first).kind == ConversationKind::livestream);
    }
    THEN("a livestream comment without its live video is refused") {
      live.live_id = "";
      live.external_message_id = "c9";
      CHECK(code_of(g.when(system_actor, live)) == Code::bad_request);
    }
  }
}

SCENARIO("deliveries that are refused") {
  Given g;
  const PageId page = connect(g, "shop");
  THEN("an unknown or disconnected page is not found") {
    CHECK(code_of(g.when(system_actor, message(99, "m", "u", "x"))) == Code::not_found);
    g.must(admin_id, DisconnectPage{page});
    CHECK(code_of(g.when(system_actor, message(page, "m", "u", "x"))) == Code::not_found);
  }
  THEN("a message without text or attachment, or with a bad one, is a bad request") {
    CHECK(code_of(g.when(system_actor, message(page, "m", "u", "  "))) == Code::bad_request);
    CHECK(code_of(g.when(system_actor, message(page, "", "u", "x"))) == Code::bad_request);
    CHECK(code_of(g.when(system_actor, message(page, "m", "", "x"))) == Code::bad_request);
    ReceiveMessage m = message(page, "m", "u", "");
    m.attachments = {{"image", "javascript:alert(1)", "", 0}};
    CHECK(code_of(g.when(system_actor, m)) == Code::bad_request);
    m.attachments = {{"virus", "https://x/a", "", 0}};
    CHECK(code_of(g.when(system_actor, m)) == Code::bad_request);
    m.attachments = {{"image", "https://cdn.example/a.jpg", "a.jpg", 10}};
    CHECK(g.when(system_actor, m).ok());
  }
  THEN("a user cannot pose as a channel") {
    CHECK(code_of(g.when(admin_id, message(page, "m", "u", "x"))) == Code::forbidden);
  }
  CHECK(g.state.conversations.by_id.empty());
}

SCENARIO("answering, echoes and the flags") {
  Given g;
  const PageId page = connect(g, "shop");
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  const UserId boss = g.user("boss", Role::manager);
  const ConversationId id = deliver(g, message(page, "m1", "psid-1", "hi"));
  THEN("a sale must take the conversation before replying; first take wins") {
    CHECK(code_of(g.when(lan, SendMessage{id, "Dạ", {}})) == Code::not_assignee);
    g.must(lan, TakeConversation{id});
    CHECK(code_of(g.when(minh, TakeConversation{id})) == Code::already_assigned);
    CHECK(g.when(lan, TakeConversation{id}).value().empty());
    CHECK(code_of(g.when(minh, SendMessage{id, "Dạ", {}})) == Code::not_assignee);
    CHECK(code_of(g.when(boss, TakeConversation{id})) == Code::forbidden);
    g.now += 60'000;
    g.must(lan, SendMessage{id, "Dạ shop chào chị", {}});
    const Conversation& c = conv(g, id);
    CHECK_FALSE(c.has(flag_unanswered));
    CHECK_FALSE(c.has(flag_unread));
    CHECK(c.waiting_since == 0);
    CHECK(c.last_text == "Dạ shop chào chị");
    CHECK(c.last_at == g.now);
  }
  THEN("a manager reassigns: the previous sale loses the right to reply at once") {
    g.must(lan, TakeConversation{id});
    g.must(boss, AssignConversation{id, minh});
    CHECK(code_of(g.when(lan, SendMessage{id, "x", {}})) == Code::not_assignee);
    CHECK(g.when(minh, SendMessage{id, "x", {}}).ok());
    CHECK(g.when(boss, SendMessage{id, "x", {}}).ok());
    CHECK(code_of(g.when(lan, AssignConversation{id, lan})) == Code::forbidden);
    g.must(boss, AssignConversation{id, 0});
    CHECK(conv(g, id).assignee_id == 0);
  }
  THEN("an echo from another tool answers the customer but is not anyone's message") {
    ReceiveMessage echo = message(page, "e1", "psid-1", "sent from the phone app");
    echo.event = Inbound::echo;
    const Events events = g.must(system_actor, echo);
    const MessageSent& sent = only<MessageSent>(events);
    CHECK(sent.outside);
    CHECK(sent.author_id == 0);
    CHECK_FALSE(conv(g, id).has(flag_unanswered));
    CHECK(conv(g, id).has(flag_unread));
    CHECK(g.must(system_actor, echo).empty());  // an echo delivered twice
  }
  THEN("a closed conversation reopens when the customer writes again, and needs processing") {
    g.must(lan, TakeConversation{id});
    g.must(lan, MarkConversation{id, true, true});
    g.must(lan, CloseConversation{id});
    CHECK(conv(g, id).has(flag_closed));
    CHECK(conv(g, id).has(flag_processed));
    CHECK(code_of(g.when(minh, ReopenConversation{id})) == Code::not_assignee);
    deliver(g, message(page, "m2", "psid-1", "hello again"));
    CHECK_FALSE(conv(g, id).has(flag_closed));
    CHECK_FALSE(conv(g, id).has(flag_processed));
    CHECK(conv(g, id).has(flag_unread));
  }
  THEN("marking what is already so changes nothing; marking nothing is a bad request") {
    CHECK(g.when(boss, MarkConversation{id, false, std::nullopt}).value().empty());
    CHECK(code_of(g.when(boss, MarkConversation{id, std::nullopt, std::nullopt})) ==
          Code::bad_request);
  }
}

SCENARIO("who sees a conversation") {
  Given g;
  const PageId page = connect(g, "shop");
  const PageId other = connect(g, "other");
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  const UserId boss = g.user("boss", Role::manager);
  const ConversationId mine = deliver(g, message(page, "m1", "u1", "a"));
  const ConversationId theirs = deliver(g, message(page, "m2", "u2", "b"));
  const ConversationId free = deliver(g, message(page, "m3", "u3", "c"));
  const ConversationId elsewhere = deliver(g, message(other, "m4", "u4", "d"));
  g.must(lan, TakeConversation{mine});
  g.must(minh, TakeConversation{theirs});
  const auto sees = [&](UserId u, ConversationId c) {
    return may_see_conversation(g.state, u, conv(g, c));
  };
  WHEN("visibility is all") {
    THEN("everyone with page access sees everything") {
      CHECK(sees(lan, theirs));
      CHECK(ids_of(inbox(g, lan)).size() == 4);
    }
  }
  WHEN("visibility is assigned_only") {
    g.must(admin_id, UpdateSettings{{{"inbox.visibility", std::string("assigned_only")}}});
    THEN("a sale sees only their own; a manager sees all") {
      CHECK(ids_of(inbox(g, lan)) == std::vector<ConversationId>{mine});
      CHECK_FALSE(sees(lan, free));
      CHECK(code_of(g.when(lan, TakeConversation{free})) == Code::forbidden);
      CHECK(code_of(g.when(lan, MarkConversation{theirs, true, {}})) == Code::forbidden);
      CHECK(ids_of(inbox(g, boss)).size() == 4);
      CHECK(count_inbox(g.state, lan).all == 1);
    }
  }
  WHEN("visibility is self_assign") {
    g.must(admin_id, UpdateSettings{{{"inbox.visibility", std::string("self_assign")}}});
    THEN("a sale sees their own and the unassigned") {
      CHECK(ids_of(inbox(g, lan)) == std::vector<ConversationId>{elsewhere, free, mine});
      CHECK(g.when(lan, TakeConversation{free}).ok());
      CHECK_FALSE(sees(lan, theirs));
    }
  }
  WHEN("page permissions are on and the sale has only the first page") {
    g.must(admin_id, UpdateSettings{{{"inbox.page_permissions", true}}});
    g.must(admin_id, SetPageAccess{page, {lan}, std::nullopt});
    THEN("the other page's conversations are invisible, even to a manager without it") {
      CHECK_FALSE(sees(lan, elsewhere));
      CHECK(ids_of(inbox(g, lan)).size() == 3);
      CHECK(ids_of(inbox(g, boss)).empty());
      CHECK(ids_of(inbox(g, admin_id)).size() == 4);
      CHECK(code_of(g.when(boss, AssignConversation{mine, minh})) == Code::forbidden);
      g.must(admin_id, SetPageAccess{page, {lan, boss}, std::nullopt});
      CHECK(code_of(g.when(boss, AssignConversation{mine, minh})) == Code::bad_request);
      const InboxCounts counts = count_inbox(g.state, lan);
      CHECK(counts.all == 3);
      CHECK(counts.mine == 1);
      CHECK(counts.unassigned == 1);
      CHECK(counts.unread_by_page.at(page) == 3);
      CHECK_FALSE(counts.unread_by_page.contains(other));
    }
  }
}

SCENARIO("finding conversations") {
  Given g;
  const PageId a = connect(g, "a");
  const PageId b = connect(g, "b");
  const UserId lan = g.user("lan", Role::sale);
  std::vector<ConversationId> ids;
  for (int i = 0; i < 6; ++i) {
    g.now += 1000;
    ids.push_back(deliver(g, message(i % 2 == 0 ? a : b, "m" + std::to_string(i),
                                     "u" + std::to_string(i), "hi " + std::to_string(i))));
  }
  // The oldest conversation gets an answer last: the newest activity; the customer of the
  // second writes again.
  g.now += 1000;
  g.must(lan, TakeConversation{ids[0]});
  g.must(lan, SendMessage{ids[0], "reply", {}});
  g.now += 1000;
  deliver(g, message(b, "m9", "u1", "again"));
  THEN("newest activity first, across pages, paged by cursor without repeats or gaps") {
    const InboxPage first = inbox(g, admin_id, {}, InboxSort::activity, {}, 4);
    CHECK(ids_of(first) == std::vector<ConversationId>{ids[1], ids[0], ids[5], ids[4]});
    REQUIRE(first.next);
    const InboxPage second = inbox(g, admin_id, {}, InboxSort::activity, first.next, 4);
    CHECK(ids_of(second) == std::vector<ConversationId>{ids[3], ids[2]});
    CHECK_FALSE(second.next);
  }
  THEN("the filters: page, unanswered, assignee, unassigned, customer, time") {
    CHECK(ids_of(inbox(g, admin_id, {.page_ids = {a}})) ==
          std::vector<ConversationId>{ids[0], ids[4], ids[2]});
    CHECK(ids_of(inbox(g, admin_id, {.unanswered = false})) == std::vector<ConversationId>{ids[0]});
    CHECK(ids_of(inbox(g, admin_id, {.assignee_id = lan})) == std::vector<ConversationId>{ids[0]});
    CHECK(ids_of(inbox(g, admin_id, {.unassigned = true})).size() == 5);
    const CustomerId customer = conv(g, ids[3]).customer_id;
    CHECK(ids_of(inbox(g, admin_id, {.customer_id = customer})) ==
          std::vector<ConversationId>{ids[3]});
    CHECK(ids_of(inbox(g, admin_id, {.since = t0 + 5000, .until = t0 + 6000})) ==
          std::vector<ConversationId>{ids[5], ids[4]});
    CHECK(ids_of(inbox(g, admin_id, {.kind = ConversationKind::comment})).empty());
  }
  THEN("longest waiting first: the answered one is not waiting") {
    const InboxPage waiting = inbox(g, admin_id, {}, InboxSort::waiting, {}, 3);
    CHECK(ids_of(waiting) == std::vector<ConversationId>{ids[1], ids[2], ids[3]});
    const InboxPage rest = inbox(g, admin_id, {}, InboxSort::waiting, waiting.next, 3);
    CHECK(ids_of(rest) == std::vector<ConversationId>{ids[4], ids[5]});
  }
  THEN("a snapshot keeps the conversations, rebuilds the indexes and remembers what was seen") {
    const State back = decode_state(encode_state(g.state));
    CHECK(encode_state(back) == encode_state(g.state));
    CHECK(ids_of(query_inbox(back, admin_id, {}, InboxSort::activity, {}, 50)) ==
          ids_of(inbox(g, admin_id)));
    CHECK(back.conversations.seen.contains(seen_key(b, "m9")));
    CHECK(conversation_of(back, message(b, "m1", "u1", "x")) == ids[1]);
  }
}

TEST_CASE("phones are found in what customers write") {
  const auto vn = [](std::string_view text) { return find_phones(text, "VN"); };
  CHECK(vn("sdt 0912345678 nha") == std::vector<std::string>{"0912345678"});
  CHECK(vn("0912.345.678") == std::vector<std::string>{"0912345678"});
  CHECK(vn("(+84) 912-345-678") == std::vector<std::string>{"0912345678"});
  CHECK(vn("01623456789") == std::vector<std::string>{"0323456789"});
  CHECK(vn("0912345678 0987654321") == std::vector<std::string>{"0912345678", "0987654321"});
  CHECK(vn("0912345678,0912345678") == std::vector<std::string>{"0912345678"});
  CHECK(vn("mã SP0912345678 giá 150000").empty());
  CHECK(vn("giá 150.000 đ, 2 cái").empty());
  CHECK(vn("").empty());
  CHECK(find_phones("мій номер 067 123 45 67", "UA") == std::vector<std::string>{"0671234567"});
}
