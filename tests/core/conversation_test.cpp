#include "core/conversation.hpp"

#include "core/file.hpp"
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
      CHECK(conv(g, id).phones() == std::vector<std::string>{"0912345678", "0987654321"});
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
        CHECK(conv(g, thread).post_id() == "post-1");
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

SCENARIO("the inbox counts kept as tallies agree with a walk of every conversation") {
  Given g;
  const std::vector<PageId> pages{connect(g, "a"), connect(g, "b"), connect(g, "c")};
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  const UserId boss = g.user("boss", Role::manager);
  const std::vector<UserId> users{admin_id, lan, minh, boss};
  g.must(admin_id, SetPageAccess{pages[0], {lan, minh, boss}, std::nullopt});
  g.must(admin_id, SetPageAccess{pages[1], {lan}, std::nullopt});
  // The counts as a person would take them: every open conversation the viewer may see.
  const auto walked = [&g](UserId viewer) {
    InboxCounts out;
    for (const Conversation& c : g.state.conversations.by_id) {
      if (c.has(flag_closed) || !may_see_conversation(g.state, viewer, c)) continue;
      ++out.all;
      out.mine += c.assignee_id == viewer ? 1 : 0;
      out.unassigned += c.assignee_id == 0 ? 1 : 0;
      if (c.has(flag_unread)) ++out.unread_by_page[c.page_id];
    }
    return out;
  };
  std::uint64_t seed = 42;
  const auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  int disagreements = 0;
  for (int step = 0; step < 600; ++step) {
    g.now += 1000;
    const std::size_t known = g.state.conversations.by_id.size();
    const auto id = static_cast<ConversationId>(known == 0 ? 0 : 1 + next(known));
    const UserId who = users[next(users.size())];
    // A command that may be refused (another's conversation, one this user may not see).
    const auto attempt = [&g](UserId actor, const Command& c) {
      if (g.when(actor, c).ok()) g.must(actor, c);
    };
    switch (known == 0 ? 0 : next(7)) {
      case 0:
        deliver(g, message(pages[next(3)], "m" + std::to_string(step),
                           "u" + std::to_string(next(40)), "x"));
        break;
      case 1: attempt(who, TakeConversation{id}); break;
      case 2: attempt(admin_id, AssignConversation{id, users[next(users.size())]}); break;
      case 3: attempt(who, CloseConversation{id}); break;
      case 4: attempt(who, ReopenConversation{id}); break;
      case 5: attempt(who, MarkConversation{id, next(2) == 0, {}}); break;
      default: attempt(who, SendMessage{.conversation_id = id, .text = "ok"}); break;
    }
    if (step % 50 == 0) {
      const char* modes[] = {"all", "assigned_only", "self_assign"};
      g.must(admin_id, UpdateSettings{{{"inbox.visibility", std::string(modes[next(3)])},
                                       {"inbox.page_permissions", next(2) == 0}}});
    }
    for (UserId u : users) {
      const InboxCounts a = count_inbox(g.state, u);
      const InboxCounts b = walked(u);
      const bool same = a.all == b.all && a.mine == b.mine && a.unassigned == b.unassigned &&
                        a.unread_by_page == b.unread_by_page;
      disagreements += same ? 0 : 1;
    }
  }
  CHECK(disagreements == 0);
  CHECK(g.state.conversations.by_id.size() > 20);
  THEN("a snapshot round trip rebuilds the same counts") {
    const State back = decode_state(encode_state(g.state));
    for (UserId u : users) {
      CHECK(count_inbox(back, u).all == count_inbox(g.state, u).all);
      CHECK(count_inbox(back, u).unread_by_page == count_inbox(g.state, u).unread_by_page);
    }
  }
}

namespace {

// The problems of a projection's indexes against a walk of its conversations ("" = none): each
// ordered index holds exactly its conversations in slot order, each customer's conversations
// are found, and so is each conversation by what a channel delivers.
std::string index_problems(const Conversations& cs, const std::vector<ReceiveMessage>& sent,
                           const std::vector<ConversationId>& landed) {
  std::map<PageId, std::vector<Slot>> by_page, waiting;
  std::map<UserId, std::vector<Slot>> by_assignee;
  std::map<TagId, std::vector<Slot>> by_tag;
  std::map<CustomerId, std::vector<ConversationId>> by_customer;
  for (const Conversation& c : cs.by_id) {
    by_page[c.page_id].push_back({c.last_at, c.id});
    by_assignee[c.assignee_id].push_back({c.last_at, c.id});
    // (the waiting index is by page and whether the conversation has a sale: 2 page + 1 if so)
    if (c.waiting_since != 0) {
      waiting[2 * c.page_id + (c.assignee_id != 0)].push_back({c.waiting_since, c.id});
    }
    for (TagId t : c.tags()) by_tag[t].push_back({c.last_at, c.id});
    by_customer[c.customer_id].push_back(c.id);
  }
  const auto slots = [](const auto& index, auto slot_of) {
    std::map<std::int64_t, std::vector<Slot>> out;
    for (const auto& [key, set] : index) {
      for (const auto& element : set) out[key].push_back(slot_of(element));
    }
    std::erase_if(out, [](const auto& entry) { return entry.second.empty(); });
    return out;
  };
  const auto sorted = [](auto index) {
    std::map<std::int64_t, std::vector<Slot>> out;
    for (auto& [key, list] : index) {
      std::sort(list.begin(), list.end());
      out[key] = list;
    }
    return out;
  };
  std::string problems;
  if (slots(cs.activity_by_page, ActivitySlotOf{}) != sorted(by_page)) problems += "by page; ";
  if (slots(cs.activity_by_assignee, ActivitySlotOf{}) != sorted(by_assignee)) {
    problems += "by assignee; ";
  }
  std::map<std::int64_t, std::vector<Slot>> waiting_index;
  for (const auto& [key, set] : cs.waiting_by_page) {
    for (const Conversation& c : set) {
      waiting_index[2 * key.first + key.second].push_back(WaitingSlotOf{}(c));
    }
  }
  if (waiting_index != sorted(waiting)) problems += "waiting; ";
  if (slots(cs.activity_by_tag, [](const Slot& s) { return s; }) != sorted(by_tag)) {
    problems += "by tag; ";
  }
  for (const auto& [customer, ids] : by_customer) {
    if (cs.conversations_of(customer) != ids) problems += "customer " + std::to_string(customer);
  }
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const Conversation& c = *cs.find(landed[i]);
    if (cs.find_key(conversation_key(c.page_id, c.kind, c.external_user_id(), c.thread_id())) !=
        c.id) {
      problems += "key of " + std::to_string(c.id) + "; ";
    }
    if (cs.find_identity(c.page_id, c.external_user_id()) == 0) {
      problems += "identity of " + std::string(c.external_user_id()) + "; ";
    }
  }
  return problems;
}

}  // namespace

SCENARIO("the inbox's indexes agree with a walk of the conversations at every step") {
  Given g;
  const std::vector<PageId> pages{connect(g, "a"), connect(g, "b")};
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  g.must(admin_id, CreateCustomer{"Hoa Nguyen", {"0912345678"}, ""});
  const CustomerId hoa = g.state.customers.by_id.back().id;
  std::uint64_t seed = 7;
  const auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  std::vector<ReceiveMessage> sent;
  std::vector<ConversationId> landed;
  // Identities as the rules say: the first conversation's card, then the last link's.
  std::map<std::pair<PageId, std::string>, CustomerId> identities;
  std::string problems;
  for (int step = 0; step < 400 && problems.empty(); ++step) {
    g.now += 1000 - static_cast<Time>(next(3)) * 700;  // at times the clock steps back
    const auto id = static_cast<ConversationId>(
        landed.empty() ? 0 : landed[next(landed.size())]);
    const auto attempt = [&g](UserId actor, const Command& c) {
      if (g.when(actor, c).ok()) g.must(actor, c);
    };
    const std::uint64_t roll = landed.empty() ? 0 : next(10);
    if (roll <= 2) {
      ReceiveMessage m = message(pages[next(2)], "m" + std::to_string(step),
                                 "u" + std::to_string(next(25)), "hello");
      if (roll == 1) {
        m.event = Inbound::comment;
        m.post_id = "post" + std::to_string(next(3));
        m.comment_id = next(2) == 0 ? "" : "c" + std::to_string(next(5));
      } else if (roll == 2) {
        m.event = Inbound::livestream_comment;
        m.live_id = "live" + std::to_string(next(2));
      }
      // (a comment in another's thread joins that thread's conversation and card)
      const bool starts = conversation_of(g.state, m) == 0;
      const ConversationId c = deliver(g, m);
      if (starts) identities.try_emplace({m.page_id, m.external_user_id}, conv(g, c).customer_id);
      sent.push_back(m);
      landed.push_back(c);
    } else if (roll == 3) {
      attempt(next(2) == 0 ? lan : minh, TakeConversation{id});
    } else if (roll == 4) {
      attempt(admin_id, AssignConversation{id, std::vector<UserId>{0, lan, minh}[next(3)]});
    } else if (roll == 5) {
      attempt(admin_id, SendMessage{.conversation_id = id, .text = "ok"});
    } else if (roll == 6) {
      attempt(admin_id, next(2) == 0 ? Command{CloseConversation{id}} : ReopenConversation{id});
    } else if (roll == 7) {
      const std::string tag = "t" + std::to_string(next(4));
      attempt(admin_id, next(3) == 0 ? TagConversation{id, {}, {tag}} : TagConversation{id, {tag}, {}});
    } else {
      const Conversation& c = conv(g, id);
      const std::pair identity(c.page_id, std::string(c.external_user_id()));
      if (!c.has(flag_linked)) {
        attempt(admin_id, LinkCustomer{id, hoa});
        if (conv(g, id).has(flag_linked)) identities[identity] = hoa;
      } else {
        attempt(admin_id, UnlinkCustomer{id});
        identities[identity] = conv(g, id).customer_id;
      }
    }
    problems = index_problems(g.state.conversations, sent, landed);
    for (const auto& [key, customer] : identities) {
      if (g.state.conversations.find_identity(key.first, key.second) != customer) {
        problems += "identity " + key.second + "; ";
      }
    }
    if (!problems.empty()) problems = "step " + std::to_string(step) + ": " + problems;
  }
  CHECK(problems == "");
  CHECK(landed.size() > 80);
  const auto pages_of = [&](const State& s) {
    std::vector<ConversationId> all;
    std::optional<Slot> after;
    do {
      const InboxPage page = query_inbox(s, admin_id, {}, InboxSort::activity, after, 7);
      for (const Conversation* c : page.items) all.push_back(c->id);
      after = page.next;
    } while (after);
    return all;
  };
  THEN("a copy and a snapshot round trip hold the same indexes, linked to their own") {
    State copy = g.state;
    const State back = decode_state(encode_state(g.state));
    CHECK(index_problems(copy.conversations, sent, landed) == "");
    CHECK(index_problems(back.conversations, sent, landed) == "");
    CHECK(pages_of(copy) == pages_of(g.state));
    CHECK(pages_of(back) == pages_of(g.state));
    CHECK(pages_of(g.state).size() == g.state.conversations.by_id.size());
    for (const auto& [key, customer] : identities) {
      CHECK(back.conversations.find_identity(key.first, key.second) == customer);
    }
    // The copy's conversations are its own: a change to it leaves the original as it was.
    g.must(admin_id, SendMessage{.conversation_id = landed.front(), .text = "later"});
    CHECK(index_problems(copy.conversations, sent, landed) == "");
    CHECK(pages_of(copy) != pages_of(g.state));
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

SCENARIO("a rare filter is answered in bounded steps, and the cursor finds every match") {
  Given g;
  const std::vector<PageId> pages{connect(g, "a"), connect(g, "b"), connect(g, "c")};
  std::vector<ConversationId> with_phone;
  for (int i = 0; i < 10'000; ++i) {
    g.now += 10;
    const bool phone = i % 700 == 0;
    const ConversationId id =
        deliver(g, message(pages[static_cast<std::size_t>(i % 3)], "m" + std::to_string(i),
                           "u" + std::to_string(i), phone ? "sđt 0912 345 678" : "chào shop"));
    if (phone) with_phone.insert(with_phone.begin(), id);  // newest first
  }
  std::vector<ConversationId> found;
  std::optional<Slot> after;
  int pages_asked = 0;
  do {
    const InboxPage page = inbox(g, admin_id, {.has_phone = true}, InboxSort::activity, after, 5);
    for (const Conversation* c : page.items) found.push_back(c->id);
    after = page.next;
    ++pages_asked;
  } while (after && pages_asked < 100);
  CHECK(found == with_phone);
  // Of 10,000 conversations, 4,096 at most are looked at a time: asked for 50, the first answer
  // holds only the matches among the newest 4,096, and a cursor to go on.
  const InboxPage first = inbox(g, admin_id, {.has_phone = true}, InboxSort::activity, {}, 50);
  CHECK(first.items.size() == 6);
  CHECK(first.next.has_value());
  THEN("a page of a common filter is full") {
    CHECK(inbox(g, admin_id, {.has_phone = false}, InboxSort::activity, {}, 50).items.size() ==
          50);
  }
}

SCENARIO("tags and quick replies") {
  Given g;
  const PageId page = connect(g, "shop");
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  const ConversationId one = deliver(g, message(page, "m1", "u1", "giá?"));
  g.now += 1000;
  const ConversationId two = deliver(g, message(page, "m2", "u2", "ship?"));
  g.must(lan, TakeConversation{one});
  const auto catalog = [&] { return tag_catalog(g.state.conversations); };
  using Catalog = std::vector<std::pair<std::string, std::int64_t>>;
  THEN("a new tag joins the catalog; the same name typed otherwise is the same tag") {
    g.must(lan, TagConversation{one, {"Khách VIP", "đã cọc"}, {}});
    g.must(admin_id, TagConversation{two, {"khach  vip"}, {}});
    CHECK(tag_names(g.state.conversations, conv(g, two)) == std::vector<std::string>{"Khách VIP"});
    CHECK(catalog() == Catalog{{"đã cọc", 1}, {"Khách VIP", 2}});
    CHECK(g.when(lan, TagConversation{one, {"KHÁCH VIP"}, {}}).value().empty());
    AND_THEN("a tag taken off every conversation leaves the catalog") {
      g.must(lan, TagConversation{one, {}, {"Đã cọc"}});
      CHECK(catalog() == Catalog{{"Khách VIP", 2}});
      AND_THEN("the tag filter finds conversations with any of the tags, each once") {
        g.must(admin_id, TagConversation{two, {"sỉ"}, {}});
        const TagId vip = g.state.conversations.find_tag("khách vip");
        const TagId bulk = g.state.conversations.find_tag("sỉ");
        CHECK(ids_of(inbox(g, admin_id, {.tag_ids = {vip, bulk}})) ==
              std::vector<ConversationId>{two, one});
        CHECK(ids_of(inbox(g, admin_id, {.tag_ids = {bulk}})) == std::vector<ConversationId>{two});
        const InboxPage first = inbox(g, admin_id, {.tag_ids = {vip, bulk}}, {}, {}, 1);
        CHECK(ids_of(inbox(g, admin_id, {.tag_ids = {vip, bulk}}, {}, first.next)) ==
              std::vector<ConversationId>{one});
      }
      AND_THEN("a snapshot keeps tags and counts their uses again") {
        const State back = decode_state(encode_state(g.state));
        CHECK(tag_catalog(back.conversations) == catalog());
        CHECK(back.conversations.find_tag("KHACH VIP") != 0);
        CHECK(back.conversations.find_tag("KHACH VIP") ==
              g.state.conversations.find_tag(" khách   VIP "));
      }
    }
  }
  THEN("tags are refused to whom may not work on the conversation, and when malformed") {
    CHECK(code_of(g.when(minh, TagConversation{one, {"x"}, {}})) == Code::not_assignee);
    CHECK(code_of(g.when(lan, TagConversation{one, {}, {}})) == Code::bad_request);
    CHECK(code_of(g.when(lan, TagConversation{one, {"a"}, {"A"}})) == Code::bad_request);
    CHECK(code_of(g.when(lan, TagConversation{one, {"  "}, {}})) == Code::bad_request);
    CHECK(code_of(g.when(lan, TagConversation{one, {std::string(51, 'x')}, {}})) ==
          Code::bad_request);
    std::vector<std::string> many;
    for (int i = 0; i < 21; ++i) many.push_back("t" + std::to_string(i));
    CHECK(code_of(g.when(lan, TagConversation{one, many, {}})) == Code::bad_request);
    many.resize(20);
    g.must(lan, TagConversation{one, many, {}});
    CHECK(code_of(g.when(lan, TagConversation{one, {"one more"}, {}})) == Code::bad_request);
    CHECK(g.state.conversations.quick_replies.empty());
  }
  THEN("a quick reply is saved by a manager, sent by its code, and puts its tag on") {
    CHECK(code_of(g.when(lan, SaveQuickReply{"ship", "Phí ship 30k ạ", ""})) == Code::forbidden);
    CHECK(code_of(g.when(admin_id, SaveQuickReply{"phí ship", "x", ""})) == Code::bad_request);
    CHECK(code_of(g.when(admin_id, SaveQuickReply{"ship", " ", ""})) == Code::bad_request);
    g.must(admin_id, SaveQuickReply{"Ship", "Phí ship 30k ạ", "hỏi ship"});
    CHECK(g.state.conversations.quick_replies.at("ship").text == "Phí ship 30k ạ");
    const Events sent = g.must(lan, SendMessage{one, "", {}, "SHIP"});
    REQUIRE(sent.size() == 2);
    CHECK(std::get<MessageSent>(sent[0].base()).text == "Phí ship 30k ạ");
    CHECK(tag_names(g.state.conversations, conv(g, one)) == std::vector<std::string>{"hỏi ship"});
    // Edited in the composer: the text typed is sent, the tag (already on) is not added again.
    const Events edited = g.must(lan, SendMessage{one, "Phí ship 25k ạ", {}, "ship"});
    REQUIRE(edited.size() == 1);
    CHECK(std::get<MessageSent>(edited[0].base()).text == "Phí ship 25k ạ");
    CHECK(code_of(g.when(lan, SendMessage{one, "", {}, "nope"})) == Code::not_found);
    CHECK(g.when(admin_id, SaveQuickReply{"ship", "Phí ship 30k ạ", "Hỏi ship"}).value().empty());
    g.must(admin_id, DeleteQuickReply{"SHIP"});
    CHECK(code_of(g.when(admin_id, DeleteQuickReply{"ship"})) == Code::not_found);
    CHECK(code_of(g.when(lan, SendMessage{one, "", {}, "ship"})) == Code::not_found);
  }
}

SCENARIO("notes, linking a customer, and a lead or an order from a conversation") {
  Given g;
  const PageId page = connect(g, "shop");
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  const UserId boss = g.user("boss", Role::manager);
  g.must(admin_id, UpsertSource{"fb", "Facebook", "facebook"});
  g.must(admin_id, UpsertSource{"web", "Web form", "api"});
  g.must(admin_id, UpsertProduct{"TEA", "Trà xanh", 50000});
  const ConversationId id = deliver(g, message(page, "m1", "psid-1", "chào shop"));
  const CustomerId own_card = conv(g, id).customer_id;
  g.must(admin_id, CreateCustomer{"Hoa Nguyen", {"0912345678"}, "12 Hàng Bạc"});
  const CustomerId hoa = g.state.customers.by_id.back().id;
  THEN("a note from the chat goes on the customer's card") {
    g.must(minh, NoteConversation{id, "khách quen, hay hỏi giá sỉ"});
    CHECK(g.state.customers.find(own_card)->notes.back().text == "khách quen, hay hỏi giá sỉ");
    CHECK(code_of(g.when(minh, NoteConversation{id, " "})) == Code::bad_request);
    g.must(admin_id, UpdateSettings{{{"inbox.visibility", std::string("assigned_only")}}});
    CHECK(code_of(g.when(minh, NoteConversation{id, "x"})) == Code::forbidden);
  }
  THEN("no lead without a phone") {
    CHECK(code_of(g.when(lan, ConversationToLead{id})) == Code::bad_request);
  }
  WHEN("a sale links the conversation to a card") {
    g.must(lan, LinkCustomer{id, hoa});
    THEN("the conversation is linked, the sale has it and is the customer's responsible sale") {
      const Conversation& c = conv(g, id);
      CHECK(c.customer_id == hoa);
      CHECK(c.has(flag_linked));
      CHECK(c.assignee_id == lan);
      CHECK(g.state.customers.find(hoa)->responsible_id == lan);
      CHECK(ids_of(inbox(g, admin_id, {.customer_id = hoa})) == std::vector<ConversationId>{id});
      CHECK(ids_of(inbox(g, admin_id, {.customer_id = own_card})).empty());
      CHECK(g.when(lan, LinkCustomer{id, hoa}).value().empty());
      CHECK(code_of(g.when(minh, LinkCustomer{id, own_card})) == Code::not_assignee);
      CHECK(code_of(g.when(lan, LinkCustomer{id, 99})) == Code::not_found);
    }
    THEN("the identity follows: the customer's next conversation on the page is on the card") {
      ReceiveMessage live = message(page, "l1", "psid-1", "chốt");
      live.event = Inbound::livestream_comment;
      live.live_id = "live-1";
      CHECK(conv(g, deliver(g, live)).customer_id == hoa);
    }
    THEN("a lead takes the card's phone and name, the sale as owner, the page's source") {
      const LeadImported lead = only<LeadImported>(g.must(lan, ConversationToLead{id}));
      CHECK(lead.phone == "0912345678");
      CHECK(lead.lead_name == "Hoa Nguyen");
      CHECK(lead.owner_id == lan);
      CHECK(lead.source == "web");
      CHECK(g.must(lan, ConversationToLead{id}).empty());  // hers already
      g.must(boss, AssignConversation{id, minh});
      CHECK(code_of(g.when(minh, ConversationToLead{id})) == Code::conflict);
    }
    THEN("an order takes the card's phone, name and address, and names the conversation") {
      CreateOrder order;
      order.conversation_id = id;
      order.items = {{"TEA", 2, {}, {}}};
      const Events events = g.must(lan, order);
      const OrderCreated& o = std::get<OrderCreated>(events.front().base());
      CHECK(o.customer_id == hoa);
      CHECK(o.phone == "0912345678");
      CHECK(o.customer_name == "Hoa Nguyen");
      CHECK(o.address == "12 Hàng Bạc");
      CHECK(o.conversation_id == id);
      CHECK(code_of(g.when(minh, order)) == Code::not_assignee);
      order.customer_id = hoa;
      CHECK(code_of(g.when(lan, order)) == Code::bad_request);
    }
    AND_WHEN("it is unlinked") {
      g.must(lan, UnlinkCustomer{id});
      THEN("it returns to the card it had, and so does the identity") {
        CHECK(conv(g, id).customer_id == own_card);
        CHECK_FALSE(conv(g, id).has(flag_linked));
        CHECK(g.state.conversations.find_identity(page, "psid-1") == own_card);
        CHECK(g.when(lan, UnlinkCustomer{id}).value().empty());
      }
    }
  }
  THEN("a manager links without taking the conversation or the customer") {
    g.must(boss, LinkCustomer{id, hoa});
    CHECK(conv(g, id).assignee_id == 0);
    CHECK(g.state.customers.find(hoa)->responsible_id == 0);
  }
  THEN("an order from a Facebook conversation needs a Facebook source") {
    const PageId fb = only<PageConnected>(g.must(admin_id, ConnectPage{.channel = Channel::facebook,
                                                                      .external_id = "1001",
                                                                      .page_name = "FB shop",
                                                                      .secret = "s",
                                                                      .token = "t"}))
                          .page_id;
    const ConversationId on_fb = deliver(g, message(fb, "f1", "psid-9", "0987654321 nhé"));
    CreateOrder order;
    order.conversation_id = on_fb;
    order.items = {{"TEA", 1, {}, {}}};
    order.source = "web";
    CHECK(code_of(g.when(boss, order)) == Code::bad_request);
    order.source = "fb";
    const Events events = g.must(boss, order);
    CHECK(std::get<OrderCreated>(events.front().base()).phone == "0987654321");
  }
}

SCENARIO("a phone left in a conversation makes a draft order (orders.auto_draft)") {
  Given g;
  const PageId page = connect(g, "shop");
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  g.must(admin_id, UpsertSource{"fb", "Facebook", "facebook"});
  g.must(admin_id, UpsertSource{"web", "Web form", "api"});
  g.must(admin_id, UpsertProduct{"TEA", "Trà xanh", 50000});
  const auto drafts = [&g] {
    std::size_t n = 0;
    for (const Order& o : g.state.orders.by_id) n += o.status == OrderStatus::draft ? 1 : 0;
    return n;
  };
  THEN("with the setting off, a phone makes no order") {
    g.must(admin_id, UpsertWarehouse{"HN", "Hà Nội"});
    deliver(g, message(page, "m1", "psid-1", "sđt em 0912345678"));
    CHECK(g.state.orders.by_id.empty());
  }
  WHEN("it is on and the catalog has no warehouse") {
    g.must(admin_id, UpdateSettings{{{"orders.auto_draft", true}}});
    const Events events = g.must(system_actor, message(page, "m1", "psid-1", "0912345678 nhé"));
    THEN("a system message says why, and nothing else happens") {
      CHECK(count_of<SystemMessageRecorded>(events) == 1);
      CHECK(g.state.orders.by_id.empty());
      const SystemMessage& m = g.state.system_messages.by_id.back();
      CHECK(m.kind == "order");
      CHECK(m.ref == "conversation:1");
      CHECK(m.text.find("no warehouse") != std::string::npos);
      CHECK(conv(g, 1).has(flag_has_phone));
    }
  }
  WHEN("it is on and the catalog has warehouses") {
    g.must(admin_id, UpdateSettings{{{"orders.auto_draft", true}}});
    g.must(admin_id, UpsertWarehouse{"SG", "Sài Gòn"});
    g.must(admin_id, UpsertWarehouse{"HN", "Hà Nội"});
    const ConversationId id = deliver(g, message(page, "m1", "psid-1", "chào shop"));
    CHECK(g.state.orders.by_id.empty());  // no phone yet
    deliver(g, message(page, "m2", "psid-1", "gọi em 091 234 5678 nhé"));
    THEN("one draft for the customer: their phone and name, no lines, a warehouse, the page's "
         "source, made by the system from the conversation") {
      REQUIRE(g.state.orders.by_id.size() == 1);
      const Order& o = g.state.orders.by_id.front();
      CHECK(o.status == OrderStatus::draft);
      CHECK(o.customer_id == conv(g, id).customer_id);
      CHECK(o.phone == "0912345678");
      CHECK(o.customer_name == "Hoa");
      CHECK(o.lines.empty());
      CHECK(o.warehouse == "HN");
      CHECK(o.source == "web");
      CHECK(o.created_by == system_actor);
      CHECK(o.conversation_id == id);
    }
    THEN("more phones and the same phone again make no second draft") {
      deliver(g, message(page, "m3", "psid-1", "0912345678"));
      deliver(g, message(page, "m4", "psid-1", "hoặc số chồng em 0987654321"));
      CHECK(drafts() == 1);
    }
    THEN("the conversation's sale sees the draft, another sale does not; it moves with the "
         "conversation") {
      const Order& o = g.state.orders.by_id.front();
      CHECK_FALSE(may_see_order(g.state, lan, o));
      g.must(lan, TakeConversation{id});
      CHECK(may_see_order(g.state, lan, o));
      CHECK_FALSE(may_see_order(g.state, minh, o));
      g.must(admin_id, AssignConversation{id, minh});
      CHECK_FALSE(may_see_order(g.state, lan, o));
      CHECK(may_see_order(g.state, minh, o));
    }
    THEN("the sale completes the draft, and it becomes a new order") {
      g.must(lan, TakeConversation{id});
      CHECK(code_of(g.when(lan, SetOrderStatus{1, OrderStatus::fresh})) == Code::bad_request);
      UpdateOrder fill{.order_id = 1, .address = "12 Hàng Bạc", .items = {{{"TEA", 2, {}, {}}}}};
      g.must(lan, fill);
      CHECK(g.state.orders.find(1)->total == 100000);
      CHECK(g.state.orders.find(1)->address == "12 Hàng Bạc");
      g.must(lan, SetOrderStatus{1, OrderStatus::fresh});
      AND_WHEN("the customer leaves another phone later") {
        deliver(g, message(page, "m5", "psid-1", "số mới 0987654321"));
        THEN("a new draft is made, since none is open") { CHECK(drafts() == 1); }
      }
    }
    THEN("a customer's first message with a phone makes the card and its draft together") {
      const Events events =
          g.must(system_actor, message(page, "n1", "psid-2", "0987654321 ship cho em"));
      REQUIRE(events.size() == 4);
      CHECK(std::holds_alternative<CustomerCreated>(events[0].base()));
      const OrderCreated& o = std::get<OrderCreated>(events[3].base());
      CHECK(o.customer_id == std::get<CustomerCreated>(events[0].base()).customer_id);
      CHECK(o.customer_name == "Hoa");
    }
    THEN("an echo of the page's own text with a phone makes no draft") {
      ReceiveMessage echo = message(page, "e1", "psid-3", "hotline shop 0988888888");
      echo.event = Inbound::echo;
      deliver(g, echo);
      CHECK(drafts() == 1);
    }
  }
}

SCENARIO("files of this server in messages") {
  Given g;
  const PageId page = connect(g, "shop");
  const UserId lan = g.user("lan", Role::sale);
  const ConversationId id = deliver(g, message(page, "m1", "u1", "ảnh mẫu?"));
  g.must(lan, TakeConversation{id});
  const std::string sha(64, 'c');
  const Attachment photo{"image", "/files/" + sha, "mau.jpg", 2048};
  THEN("a file must be stored before a message names it") {
    CHECK(code_of(g.when(lan, SendMessage{id, "", {photo}})) == Code::bad_request);
    const FileStored stored =
        only<FileStored>(g.must(lan, StoreFile{sha, "mau.jpg", "image/jpeg", 2048}));
    CHECK(stored.by == lan);
    CHECK(g.state.files.find(sha)->content_type == "image/jpeg");
    g.must(lan, SendMessage{id, "", {photo}});
    CHECK(conv(g, id).last_text == "[image]");
    CHECK(code_of(g.when(lan, SendMessage{id, "", {{"image", "/files/../../etc", "x", 1}}})) ==
          Code::bad_request);
  }
  THEN("what is stored is checked") {
    CHECK(code_of(g.when(lan, StoreFile{"ABC", "a.jpg", "image/jpeg", 1})) == Code::bad_request);
    CHECK(code_of(g.when(lan, StoreFile{sha, "", "image/jpeg", 1})) == Code::bad_request);
    CHECK(code_of(g.when(lan, StoreFile{sha, "a.jpg", "image/jpeg", 0})) == Code::bad_request);
    CHECK(code_of(g.when(lan, StoreFile{sha, "a.jpg", "image/jpeg", file_bytes_max + 1})) ==
          Code::bad_request);
    CHECK_FALSE(g.when(99, StoreFile{sha, "a.jpg", "image/jpeg", 1}).ok());  // no such user
  }
}

SCENARIO("the outbox of a page with a callback") {
  Given g;
  ConnectPage hooked{.channel = Channel::api,
                     .external_id = "crm",
                     .page_name = "CRM",
                     .secret = "key",
                     .callback_url = "https://crm.example/hook"};
  const PageId page = only<PageConnected>(g.must(admin_id, hooked)).page_id;
  const PageId plain = connect(g, "plain");
  const UserId lan = g.user("lan", Role::sale);
  const ConversationId id = deliver(g, message(page, "m1", "u1", "hi"));
  const ConversationId other = deliver(g, message(plain, "m1", "u1", "hi"));
  g.must(lan, TakeConversation{id});
  g.must(lan, TakeConversation{other});
  const Events sent = g.must(lan, SendMessage{id, "Dạ", {}});
  const MessageId message = std::get<MessageSent>(sent.front().base()).message_id;
  THEN("a reply there waits in the outbox; a reply on a page without a callback does not") {
    REQUIRE(sent.size() == 2);
    CHECK(std::get<MessageQueued>(sent[1].base()).message_id == message);
    CHECK(g.state.conversations.outbox.contains(message));
    CHECK(g.must(lan, SendMessage{other, "Dạ", {}}).size() == 1);
    const State back = decode_state(encode_state(g.state));
    CHECK(back.conversations.outbox.contains(message));  // a restart resumes it
  }
  THEN("only the system records a delivery; once") {
    CHECK(code_of(g.when(admin_id, RecordDelivery{message, true, 1, ""})) == Code::forbidden);
    const MessageDelivered d =
        only<MessageDelivered>(g.must(system_actor, RecordDelivery{message, true, 2, ""}));
    CHECK(d.attempts == 2);
    CHECK(g.state.conversations.outbox.empty());
    CHECK(g.must(system_actor, RecordDelivery{message, false, 3, "late"}).empty());
  }
  THEN("a failure says why, to admin too") {
    const Events failed = g.must(system_actor, RecordDelivery{message, false, 15, "HTTP 503"});
    REQUIRE(failed.size() == 2);
    CHECK(std::get<MessageFailed>(failed[0].base()).reason == "HTTP 503");
    const auto& alarm = std::get<SystemMessageRecorded>(failed[1].base());
    CHECK(alarm.kind == "channel");
    CHECK(alarm.text.find("CRM") != std::string::npos);
    CHECK(alarm.text.find("HTTP 503") != std::string::npos);
    CHECK(g.state.conversations.outbox.empty());
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
  // A search of message text looks for its words of two letters or more, folded.
  CHECK(search_words("Giao h Đ ĐƠN") == std::vector<std::string>{"giao", "don"});
  CHECK(search_words("я Доставка").size() == 1);
  CHECK(search_words("a b").empty());
  // The digits after a country code that makes no valid phone are not a phone of their own.
  CHECK(find_phones("тел. +84 71 2438437", "UA").empty());
}
