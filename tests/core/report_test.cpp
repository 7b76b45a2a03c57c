#include "core/report.hpp"

#include "core/commands.hpp"
#include "core/state.hpp"
#include "tests/core/floor.hpp"

using namespace salesdesk::test;

namespace {

// The floor's shop: an API page and a Zalo page, a product, the sources of its orders and leads.
struct Shop : Floor {
  PageId web = 0, zalo = 0;
  Shop() {
    web = only<PageConnected>(must(admin_id, ConnectPage{.channel = Channel::api,
                                                         .external_id = "web",
                                                         .page_name = "Web",
                                                         .secret = "k"}))
              .page_id;
    zalo = only<PageConnected>(must(admin_id, ConnectPage{.channel = Channel::zalo,
                                                          .external_id = "oa",
                                                          .page_name = "OA",
                                                          .secret = "k"}))
               .page_id;
    must(admin_id, UpsertProduct{"TEA", "Trà", 50000});
    must(admin_id, UpsertSource{"web", "Website", "web"});
    must(admin_id, UpsertSource{"fb", "Facebook", "facebook"});
  }
  ConversationId writes(PageId page, std::string id, std::string user,
                        Inbound kind = Inbound::message) {
    ReceiveMessage m{.page_id = page,
                     .event = kind,
                     .external_message_id = std::move(id),
                     .external_user_id = std::move(user),
                     .customer_name = "Hoa",
                     .text = "Chào shop"};
    must(system_actor, m);
    return conversation_of(state, m);
  }
  Report now_report(Time span = 24 * ms_per_hour, std::int64_t step = 1) const {
    return report(state.reports, hour_of(t0), hour_of(now + span), step);
  }
};

CreateOrder tea(std::string phone, bool draft = false) {
  CreateOrder c;
  c.phone = std::move(phone);
  c.customer_name = "Khách";
  c.items = {OrderItem{"TEA", 2, {}, {}}};
  c.source = "web";
  c.draft = draft;
  return c;
}

OrderId placed(const Events& events) {
  for (const Event& e : events) {
    if (const auto* o = std::get_if<OrderCreated>(&e.base())) return o->order_id;
  }
  FAIL("no OrderCreated");
  return 0;
}

}  // namespace

SCENARIO("reply times: each reply to a waiting customer, and a conversation's first") {
  Shop f;
  const ConversationId id = f.writes(f.web, "m1", "u1");
  f.must(f.lan, TakeConversation{id});
  f.now += 2 * minute;
  f.must(f.lan, SendMessage{id, "Dạ", {}});
  THEN("a reply two minutes after the message is a fast first response") {
    const SaleFigures s = f.now_report().sales.at(f.lan);
    CHECK(s.replies == 1);
    CHECK(s.reply_ms == 2 * minute);
    CHECK(s.fast_replies == 1);
    CHECK(s.first_responses == 1);
    CHECK(s.first_response_ms == 2 * minute);
  }
  WHEN("the customer writes twice more and lan answers 30 minutes after the first of them") {
    f.now += minute;
    f.writes(f.web, "m2", "u1");
    f.now += 10 * minute;
    f.writes(f.web, "m3", "u1");
    f.now += 20 * minute;
    f.must(f.lan, SendMessage{id, "Dạ shop gửi ạ", {}});
    THEN("the wait is counted from the oldest unanswered message; no second first response") {
      const SaleFigures s = f.now_report().sales.at(f.lan);
      CHECK(s.replies == 2);
      CHECK(s.reply_ms == 2 * minute + 30 * minute);
      CHECK(s.fast_replies == 1);
      CHECK(s.first_responses == 1);
    }
  }
  WHEN("lan writes again with nobody waiting, and the page echoes a reply sent elsewhere") {
    f.now += minute;
    f.must(f.lan, SendMessage{id, "Chị cần gì thêm không ạ", {}});
    f.writes(f.web, "m4", "u1");
    f.writes(f.web, "echo-1", "u1", Inbound::echo);
    THEN("neither is a reply") { CHECK(f.now_report().sales.at(f.lan).replies == 1); }
  }
}

SCENARIO("conversations by page, the pool's flow by hour, claims and orders by sale and source") {
  Shop f;
  f.writes(f.web, "m1", "u1");
  f.writes(f.zalo, "z1", "z1");
  f.writes(f.zalo, "z2", "z2");
  f.writes(f.zalo, "z3", "z2");  // the same customer: no new conversation
  const LeadId cold = f.import("0912345678", f.lan);
  f.import("0987654321", f.lan);
  f.tick(11 * minute);  // both float, in the first hour
  f.now += ms_per_hour;
  f.must(f.minh, RevealPhone{cold});
  f.must(f.minh, ClaimLead{cold});
  f.must(f.minh, tea("0900000001"));
  const OrderId draft = placed(f.must(f.hoa, tea("0900000002", true)));
  THEN("each is counted in its hour") {
    const Report r = f.now_report(ms_per_hour);
    CHECK(r.conversations.at(f.web) == 1);
    CHECK(r.conversations.at(f.zalo) == 2);
    REQUIRE(r.pool.size() == 2);
    CHECK(r.pool[0].entered == 2);
    CHECK(r.pool[0].claimed == 0);
    CHECK(r.pool[1].revealed == 1);
    CHECK(r.pool[1].claimed == 1);
    CHECK(r.sales.at(f.minh).claims == 1);
    CHECK(r.sales.at(f.minh).orders == 1);
    CHECK(r.sales.at(f.minh).order_total == 100000);
    CHECK_FALSE(r.sales.contains(f.hoa));  // a draft is no order yet
    CHECK(r.sources.at("web").orders == 1);
    CHECK(r.sources.at("web").total == 100000);
  }
  THEN("a day's step sums the hours; a period before them is empty") {
    const Report day = f.now_report(ms_per_hour, 24);
    REQUIRE(day.pool.size() == 1);
    CHECK(day.pool[0].entered == 2);
    CHECK(day.pool[0].claimed == 1);
    const Report before = report(f.state.reports, hour_of(t0) - 48, hour_of(t0), 24);
    CHECK(before.conversations.empty());
    CHECK(before.pool.size() == 2);
    CHECK(before.pool[0].entered == 0);
  }
  WHEN("the draft is placed later, and another order is cancelled") {
    f.now += 2 * ms_per_hour;
    f.must(f.hoa, SetOrderStatus{draft, OrderStatus::fresh});
    const OrderId gone = placed(f.must(f.lan, tea("0900000003")));
    f.must(f.lan, SetOrderStatus{gone, OrderStatus::cancelled});
    THEN("the draft counts in the hour it was placed; the cancelled order stays counted") {
      const Report r = f.now_report(ms_per_hour);
      CHECK(r.sales.at(f.hoa).orders == 1);
      CHECK(r.sales.at(f.lan).orders == 1);
      CHECK(r.sources.at("web").orders == 3);
      const Report earlier = report(f.state.reports, hour_of(t0), hour_of(f.now) - 1, 1);
      CHECK_FALSE(earlier.sales.contains(f.hoa));
    }
  }
  THEN("a snapshot keeps the figures") {
    const State copy = decode_state(encode_state(f.state));
    CHECK(encode_state(copy) == encode_state(f.state));
    CHECK(report(copy.reports, hour_of(t0), hour_of(f.now) + 1, 1).sales.at(f.minh).orders == 1);
  }
}
