#include "core/order.hpp"

#include <map>
#include <set>
#include <stdexcept>

#include "tests/core/given.hpp"

using namespace salesdesk::test;

namespace {

// A shop: tea at 50,000, cups at 20,000, a gift combo at 60,000, a Facebook and a Zalo source.
Given shop() {
  Given g;
  g.must(admin_id, UpsertProduct{"TEA", "Trà xanh", 50000});
  g.must(admin_id, UpsertProduct{"CUP", "Cốc", 20000});
  g.must(admin_id, UpsertProduct{"ODD", "Odd", 333});
  g.must(admin_id, UpsertCombo{"GIFT", "Gift", 60000, {{"TEA", 1}, {"CUP", 1}}});
  g.must(admin_id, UpsertSource{"fb", "Facebook", "facebook"});
  g.must(admin_id, UpsertSource{"zalo", "Zalo", "zalo"});
  g.must(admin_id, UpsertWarehouse{"HN", "Hà Nội"});
  return g;
}

CreateOrder by_phone(std::string phone, std::vector<OrderItem> items) {
  CreateOrder c;
  c.phone = std::move(phone);
  c.customer_name = "Khách";
  c.items = std::move(items);
  return c;
}

const OrderCreated& created(const Events& events) {
  for (const Event& e : events) {
    if (const auto* o = std::get_if<OrderCreated>(&e.base())) return *o;
  }
  FAIL("no OrderCreated");
  throw std::logic_error("unreachable");
}

UserId only_assigned(const Events& events) {
  for (const Event& e : events) {
    if (const auto* a = std::get_if<OrderAssigned>(&e.base())) return a->user_id;
  }
  FAIL("no OrderAssigned");
  return 0;
}

Money total_of(const Given& g, std::vector<OrderItem> items, std::vector<OrderCombo> combos = {}) {
  auto lines = price_lines(g.state.catalog, items, combos);
  REQUIRE_MESSAGE(lines.ok(), (lines.ok() ? "" : lines.error().message));
  Money total = 0;
  for (const auto& l : lines.value()) total += l.total;
  return total;
}

std::string price_error(const Given& g, std::vector<OrderItem> items, std::vector<OrderCombo> combos = {}) {
  auto lines = price_lines(g.state.catalog, items, combos);
  REQUIRE_FALSE(lines.ok());
  CHECK(lines.error().code == Code::bad_request);
  return lines.error().message;
}

}  // namespace

TEST_CASE("line totals: quantity times price less the discount") {
  const Given g = shop();
  CHECK(total_of(g, {{"TEA", 3, {}, {}}}) == 150000);
  CHECK(total_of(g, {{"TEA", 3, 1250, {}}}) == 131250);         // 12.5% of 150,000 = 18,750
  CHECK(total_of(g, {{"CUP", 2, {}, 5000}}) == 35000);
  CHECK(total_of(g, {{"TEA", 1, 10000, {}}}) == 0);             // 100% off is allowed
  CHECK(total_of(g, {{"CUP", 1, {}, 20000}}) == 0);             // the whole line off too
  CHECK(total_of(g, {}, {{"GIFT", 2, {}, {}}}) == 120000);
  CHECK(total_of(g, {{"TEA", 3, 1250, {}}, {"CUP", 2, {}, 5000}}, {{"GIFT", 1, {}, {}}}) == 226250);
}

TEST_CASE("combo lines take discounts by the product lines' rules") {
  const Given g = shop();
  CHECK(total_of(g, {}, {{"GIFT", 2, {}, 50000}}) == 70000);   // 120,000 less 50,000
  CHECK(total_of(g, {}, {{"GIFT", 2, 1000, {}}}) == 108000);   // 10% off
  CHECK(price_error(g, {}, {{"GIFT", 1, 500, 100}}).find("combos[0]: give discount_pct or discount_amount, not both") !=
        std::string::npos);
  CHECK(price_error(g, {}, {{"GIFT", 1, {}, 60001}}).find("combos[0]: the discount is larger than the line") !=
        std::string::npos);
  CHECK(price_error(g, {}, {{"GIFT", 1, 10001, {}}}).find("between 0 and 100") != std::string::npos);
  CHECK(price_error(g, {}, {{"GIFT", 1, {}, -1}}).find("negative") != std::string::npos);
}

TEST_CASE("percent discounts round half up to the smallest unit") {
  const Given g = shop();
  CHECK(total_of(g, {{"ODD", 1, 1500, {}}}) == 283);  // 15% of 333 = 49.95 -> 50 off
  CHECK(total_of(g, {{"ODD", 1, 150, {}}}) == 328);   // 1.5% of 333 = 4.995 -> 5 off
  CHECK(total_of(g, {{"ODD", 2, 75, {}}}) == 661);    // 0.75% of 666 = 4.995 -> 5 off
  CHECK(total_of(g, {{"ODD", 1, 1, {}}}) == 333);     // 0.01% of 333 = 0.0333 -> 0 off
}

TEST_CASE("every invalid line is refused and named") {
  const Given g = shop();
  CHECK(price_error(g, {}) == "an order needs at least one line");
  CHECK(price_error(g, {{"NOPE", 1, {}, {}}}).find("items[0]: no product") != std::string::npos);
  CHECK(price_error(g, {{"TEA", 1, {}, {}}, {"TEA", 0, {}, {}}}).find("items[1]: qty") != std::string::npos);
  CHECK(price_error(g, {{"TEA", -2, {}, {}}}).find("qty") != std::string::npos);
  CHECK(price_error(g, {{"TEA", 1, 500, 100}}).find("not both") != std::string::npos);
  CHECK(price_error(g, {{"TEA", 1, 10001, {}}}).find("between 0 and 100") != std::string::npos);
  CHECK(price_error(g, {{"TEA", 1, -1, {}}}).find("between 0 and 100") != std::string::npos);
  CHECK(price_error(g, {{"CUP", 2, {}, 40001}}).find("larger than the line") != std::string::npos);
  CHECK(price_error(g, {{"CUP", 2, {}, -1}}).find("negative") != std::string::npos);
  CHECK(price_error(g, {}, {{"NOPE", 1, {}, {}}}).find("combos[0]: no combo") != std::string::npos);
  CHECK(price_error(g, {}, {{"GIFT", 0, {}, {}}}).find("combos[0]: qty") != std::string::npos);
  CHECK(price_error(g, std::vector<OrderItem>(101, OrderItem{"TEA", 1, {}, {}})).find("at most 100") !=
        std::string::npos);
}

TEST_CASE("totals that would overflow are refused") {
  Given g = shop();
  g.must(admin_id, UpsertProduct{"GOLD", "Gold", price_max});
  std::vector<OrderItem> items(10, OrderItem{"GOLD", qty_max, {}, {}});
  CHECK(price_error(g, items).find("too large") != std::string::npos);
  CHECK(total_of(g, {{"GOLD", qty_max, 5000, {}}}) == price_max * qty_max / 2);  // 128-bit inside
}

TEST_CASE("the status flow") {
  using S = OrderStatus;
  const std::vector<S> all = {S::draft, S::fresh, S::confirmed, S::shipping, S::delivered, S::returned, S::cancelled};
  const std::set<std::pair<S, S>> allowed = {
      {S::draft, S::fresh},         {S::draft, S::cancelled},    {S::fresh, S::confirmed},
      {S::fresh, S::cancelled},     {S::confirmed, S::shipping}, {S::confirmed, S::cancelled},
      {S::shipping, S::delivered},  {S::shipping, S::returned},  {S::delivered, S::returned}};
  for (S from : all) {
    for (S to : all) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      CHECK(may_move(from, to) == allowed.contains({from, to}));
    }
  }
  CHECK(is_closed(S::confirmed));
  CHECK(is_closed(S::shipping));
  CHECK(is_closed(S::delivered));
  CHECK_FALSE(is_closed(S::fresh));
  CHECK_FALSE(is_closed(S::returned));
  CHECK(parse_order_status("new") == S::fresh);
  CHECK_FALSE(parse_order_status("lost").has_value());
  CHECK(order_number(123) == "ORD-000123");
  CHECK(order_number(1234567) == "ORD-1234567");
}

SCENARIO("creating orders") {
  Given g = shop();
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  WHEN("a sale orders for a phone nobody has yet") {
    auto events = g.must(lan, by_phone("+84 912 345 678", {{"TEA", 1, {}, {}}}));
    THEN("a customer card is made in the same command and the order links it") {
      CHECK(count_of<CustomerCreated>(events) == 1);
      const auto& o = created(events);
      CHECK(o.phone == "0912345678");
      CHECK(o.customer_id == g.state.customers.find_phone("0912345678")->id);
      CHECK(o.status == OrderStatus::fresh);
      CHECK(o.created_by == lan);
      CHECK(g.state.customers.find(o.customer_id)->responsible_id == lan);
    }
    AND_WHEN("another order comes for the same phone in another spelling") {
      auto again = g.must(minh, by_phone("0912.345.678", {{"CUP", 1, {}, {}}}));
      THEN("it links the same customer and makes no new card") {
        CHECK(count_of<CustomerCreated>(again) == 0);
        CHECK(created(again).customer_id == created(events).customer_id);
        CHECK(orders_by_phone(g.state, "0912345678", false).size() == 2);
      }
    }
  }
  WHEN("an order names a customer card") {
    const CustomerId hoa = only<CustomerCreated>(g.must(admin_id, CreateCustomer{"Hoa", {"0987654321"}, "Hà Nội"})).customer_id;
    CreateOrder c;
    c.customer_id = hoa;
    c.items = {{"TEA", 2, {}, {}}};
    auto events = g.must(lan, c);
    THEN("phone, name and address come from the card") {
      const auto& o = created(events);
      CHECK(o.phone == "0987654321");
      CHECK(o.customer_name == "Hoa");
      CHECK(o.address == "Hà Nội");
      CHECK(o.total == 100000);
    }
  }
  THEN("what is missing or unknown is refused, and nothing is made") {
    CreateOrder none;
    none.items = {{"TEA", 1, {}, {}}};
    CHECK(code_of(g.when(lan, none)) == Code::bad_request);  // no phone
    CreateOrder unknown = none;
    unknown.customer_id = 99;
    CHECK(code_of(g.when(lan, unknown)) == Code::not_found);
    CreateOrder from_lead = none;
    from_lead.lead_id = 1;
    CHECK(code_of(g.when(lan, from_lead)) == Code::not_found);  // no such lead
    CreateOrder nameless = by_phone("0912345678", {{"TEA", 1, {}, {}}});
    nameless.customer_name.reset();
    CHECK(code_of(g.when(lan, nameless)) == Code::bad_request);
    CreateOrder bad_phone = by_phone("12345", {{"TEA", 1, {}, {}}});
    CHECK(code_of(g.when(lan, bad_phone)) == Code::bad_request);
    CreateOrder bad_warehouse = by_phone("0912345678", {{"TEA", 1, {}, {}}});
    bad_warehouse.warehouse = "SG";
    CHECK(code_of(g.when(lan, bad_warehouse)) == Code::bad_request);
    CHECK(g.state.orders.by_id.empty());
  }
  THEN("a draft stays a draft") {
    CreateOrder c = by_phone("0912345678", {{"TEA", 1, {}, {}}});
    c.draft = true;
    CHECK(created(g.must(lan, c)).status == OrderStatus::draft);
  }
}

SCENARIO("order sources") {
  Given g = shop();
  const UserId lan = g.user("lan", Role::sale);
  const UserId mai = g.user("mai", Role::manager);
  CreateOrder c = by_phone("0912345678", {{"TEA", 1, {}, {}}});
  THEN("no source and no default leaves it empty; an unknown source is refused") {
    CHECK(created(g.must(lan, c)).source.empty());
    c.source = "tiktok";
    CHECK(code_of(g.when(lan, c)) == Code::bad_request);
  }
  WHEN("a default source is set") {
    g.must(admin_id, UpdateSettings{{{"orders.default_source", std::string("fb")}}});
    THEN("it is applied when none is given, and a sale may still choose another") {
      CHECK(created(g.must(lan, c)).source == "fb");
      c.source = "zalo";
      CHECK(created(g.must(lan, c)).source == "zalo");
    }
    AND_WHEN("the source is locked") {
      g.must(admin_id, UpdateSettings{{{"orders.lock_source", true}}});
      THEN("a sale may not choose another, but may name the default; managers may choose") {
        c.source = "zalo";
        CHECK(code_of(g.when(lan, c)) == Code::forbidden);
        c.source = "fb";
        CHECK(g.when(lan, c).ok());
        c.source = "zalo";
        CHECK(created(g.must(mai, c)).source == "zalo");
      }
    }
  }
  THEN("an order from a Facebook conversation needs a Facebook source") {
    CHECK(choose_source(g.state, lan, std::string("zalo"), "facebook").error().code == Code::bad_request);
    CHECK(choose_source(g.state, lan, std::string("fb"), "facebook").value() == "fb");
    CHECK(choose_source(g.state, lan, std::string("zalo"), "zalo").value() == "zalo");
  }
}

SCENARIO("moving orders along") {
  Given g = shop();
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  const UserId mai = g.user("mai", Role::manager);
  const OrderId id = created(g.must(lan, by_phone("0912345678", {{"TEA", 1, {}, {}}}))).order_id;
  THEN("the creator moves it; the same status again appends nothing; a wrong move conflicts") {
    CHECK(only<OrderStatusChanged>(g.must(lan, SetOrderStatus{id, OrderStatus::confirmed})).from == OrderStatus::fresh);
    auto same = g.when(lan, SetOrderStatus{id, OrderStatus::confirmed});
    REQUIRE(same.ok());
    CHECK(same.value().empty());
    CHECK(code_of(g.when(lan, SetOrderStatus{id, OrderStatus::fresh})) == Code::conflict);
    CHECK(code_of(g.when(lan, SetOrderStatus{id, OrderStatus::returned})) == Code::conflict);
  }
  THEN("another sale does not see it; a manager does") {
    CHECK(code_of(g.when(minh, SetOrderStatus{id, OrderStatus::confirmed})) == Code::not_found);
    CHECK(g.when(mai, SetOrderStatus{id, OrderStatus::confirmed}).ok());
    CHECK_FALSE(may_see_order(g.state, minh, *g.state.orders.find(id)));
    CHECK(code_of(g.when(mai, SetOrderStatus{42, OrderStatus::confirmed})) == Code::not_found);
  }
  THEN("purchase history counts only closed orders") {
    g.must(lan, by_phone("0912345678", {{"CUP", 1, {}, {}}}));
    g.must(lan, SetOrderStatus{id, OrderStatus::confirmed});
    CHECK(orders_by_phone(g.state, "0912345678", true).size() == 1);
    CHECK(orders_by_phone(g.state, "0912345678", false).size() == 2);
    g.must(lan, SetOrderStatus{id, OrderStatus::cancelled});
    CHECK(orders_by_phone(g.state, "0912345678", true).empty());
  }
}

SCENARIO("changing a draft or new order") {
  Given g = shop();
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  CreateOrder draft = by_phone("0912345678", {{"TEA", 1, {}, {}}});
  draft.draft = true;
  const OrderId id = created(g.must(lan, draft)).order_id;
  const OrderId older = created(g.must(lan, by_phone("0987654321", {{"CUP", 1, {}, {}}}))).order_id;
  THEN("new lines replace the old ones and are priced again; other fields keep their value") {
    const OrderUpdated u = only<OrderUpdated>(g.must(
        lan, UpdateOrder{.order_id = id, .items = {{{"CUP", 2, {}, Money{5000}}}},
                         .combos = {{{"GIFT", 1, {}, {}}}}}));
    CHECK(u.lines.size() == 2);
    CHECK(g.state.orders.find(id)->total == 2 * 20000 - 5000 + 60000);
    CHECK(g.state.orders.find(id)->phone == "0912345678");
    CHECK(g.state.orders.find(id)->customer_name == "Khách");
  }
  THEN("the same values again append nothing; bad values change nothing") {
    CHECK(g.when(lan, UpdateOrder{.order_id = id, .customer_name = "Khách"}).value().empty());
    CHECK(code_of(g.when(lan, UpdateOrder{.order_id = id, .items = std::vector<OrderItem>{}})) ==
          Code::bad_request);
    CHECK(code_of(g.when(lan, UpdateOrder{.order_id = id, .items = {{{"NOPE", 1, {}, {}}}}})) ==
          Code::bad_request);
    CHECK(code_of(g.when(lan, UpdateOrder{.order_id = id, .phone = "12"})) == Code::bad_request);
    CHECK(code_of(g.when(lan, UpdateOrder{.order_id = id, .customer_name = " "})) ==
          Code::bad_request);
    CHECK(code_of(g.when(lan, UpdateOrder{.order_id = id, .warehouse = "XX"})) ==
          Code::bad_request);
    CHECK(code_of(g.when(lan, UpdateOrder{.order_id = id, .source = "nope"})) ==
          Code::bad_request);
  }
  THEN("a new phone moves the order in the phone index, oldest first") {
    g.must(lan, UpdateOrder{.order_id = id, .phone = "+84 98 765 4321"});
    CHECK(orders_by_phone(g.state, "0912345678", false).empty());
    const auto both = orders_by_phone(g.state, "0987654321", false);
    REQUIRE(both.size() == 2);
    CHECK(both[0]->id == id);
    CHECK(both[1]->id == older);
  }
  THEN("another sale does not find it; a locked source stays locked for a sale") {
    CHECK(code_of(g.when(minh, UpdateOrder{.order_id = id, .note = "x"})) == Code::not_found);
    g.must(admin_id, UpdateSettings{{{"orders.default_source", std::string("zalo")},
                                     {"orders.lock_source", true}}});
    CHECK(code_of(g.when(lan, UpdateOrder{.order_id = id, .source = "fb"})) == Code::forbidden);
    CHECK(g.when(admin_id, UpdateOrder{.order_id = id, .source = "fb"}).ok());
  }
  THEN("a confirmed order cannot be changed") {
    g.must(lan, SetOrderStatus{older, OrderStatus::confirmed});
    CHECK(code_of(g.when(lan, UpdateOrder{.order_id = older, .note = "x"})) == Code::conflict);
  }
}

SCENARIO("listing orders") {
  Given g = shop();
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  for (int i = 0; i < 5; ++i) g.must(lan, by_phone("0912345678", {{"TEA", 1, {}, {}}}));
  for (int i = 0; i < 3; ++i) g.must(minh, by_phone("0987654321", {{"CUP", 1, {}, {}}}));
  g.must(lan, SetOrderStatus{2, OrderStatus::confirmed});
  THEN("a sale sees their own, admin all, oldest first") {
    CHECK(list_orders(g.state, lan, {}).size() == 5);
    CHECK(list_orders(g.state, minh, {}).size() == 3);
    const auto all = list_orders(g.state, admin_id, {});
    REQUIRE(all.size() == 8);
    CHECK(all.front()->id == 1);
  }
  THEN("filters combine") {
    OrderFilter f;
    f.status = OrderStatus::confirmed;
    CHECK(list_orders(g.state, admin_id, f).size() == 1);
    OrderFilter by_phone_filter;
    by_phone_filter.phone = "0987654321";
    CHECK(list_orders(g.state, admin_id, by_phone_filter).size() == 3);
    CHECK(list_orders(g.state, lan, by_phone_filter).empty());
    OrderFilter by_creator;
    by_creator.created_by = minh;
    CHECK(list_orders(g.state, admin_id, by_creator).size() == 3);
  }
  THEN("a cursor outside the list starts at its nearest end, never outside it") {
    OrderFilter f;
    f.after = -100000;
    CHECK(list_orders(g.state, admin_id, f).size() == 8);
    f.after = 1'000'000;
    CHECK(list_orders(g.state, admin_id, f).empty());
  }
  THEN("pages follow the cursor") {
    OrderFilter f;
    f.limit = 3;
    const auto first = list_orders(g.state, admin_id, f);
    REQUIRE(first.size() == 3);
    f.after = first.back()->id;
    const auto second = list_orders(g.state, admin_id, f);
    REQUIRE(second.size() == 3);
    CHECK(second.front()->id == 4);
    f.after = 8;
    CHECK(list_orders(g.state, admin_id, f).empty());
  }
}

SCENARIO("new orders go to online sales in turn") {
  Given g = shop();
  g.must(admin_id, UpdateSettings{{{"orders.auto_distribute", true}}});
  std::vector<UserId> sales;
  for (const char* name : {"s1", "s2", "s3", "s4", "s5", "s6", "s7"}) {
    sales.push_back(g.user(name, Role::sale));
    g.login(sales.back(), std::string("d-") + name);
  }
  g.must(sales[2], SetPresence{Presence::away});     // away: skipped
  g.must(sales[5], SetPresence{Presence::offline});  // offline: skipped
  const UserId manager = g.user("mai", Role::manager);
  g.login(manager, "d-mai");                          // managers are not in the rotation
  WHEN("1,000 orders arrive") {
    std::map<UserId, int> got;
    for (int i = 0; i < 1000; ++i) {
      auto events = g.must(admin_id, by_phone("0912345678", {{"TEA", 1, {}, {}}}));
      got[only_assigned(events)] += 1;
    }
    THEN("the five online sales get 200 each, in id order") {
      CHECK(got.size() == 5);
      for (UserId s : {sales[0], sales[1], sales[3], sales[4], sales[6]}) CHECK(got[s] == 200);
      CHECK(g.state.orders.find(1)->assignee_id == sales[0]);
      CHECK(g.state.orders.find(2)->assignee_id == sales[1]);
      CHECK(g.state.orders.find(3)->assignee_id == sales[3]);
      CHECK(g.state.orders.find(6)->assignee_id == sales[0]);
    }
  }
  THEN("a draft is not distributed until it becomes new") {
    CreateOrder draft = by_phone("0912345678", {{"TEA", 1, {}, {}}});
    draft.draft = true;
    auto events = g.must(admin_id, draft);
    CHECK(count_of<OrderAssigned>(events) == 0);
    auto moved = g.must(admin_id, SetOrderStatus{created(events).order_id, OrderStatus::fresh});
    CHECK(count_of<OrderAssigned>(moved) == 1);
  }
  THEN("the assignee sees the order") {
    auto events = g.must(admin_id, by_phone("0912345678", {{"TEA", 1, {}, {}}}));
    CHECK(may_see_order(g.state, sales[0], *g.state.orders.find(created(events).order_id)));
  }
}

SCENARIO("with nobody online an order waits and a system message says so") {
  Given g = shop();
  g.must(admin_id, UpdateSettings{{{"orders.auto_distribute", true}}});
  g.user("lan", Role::sale);  // never logged in
  auto events = g.must(admin_id, by_phone("0912345678", {{"TEA", 1, {}, {}}}));
  CHECK(count_of<OrderAssigned>(events) == 0);
  const auto& message = std::get<SystemMessageRecorded>(events.back().base());
  CHECK(message.ref == "order:1");
  CHECK(message.text.find("ORD-000001") != std::string::npos);
  CHECK(g.state.system_messages.open() == 1);
  WHEN("admin clears the messages") {
    g.must(admin_id, ClearSystemMessages{});
    THEN("none are open and clearing again appends nothing") {
      CHECK(g.state.system_messages.open() == 0);
      auto again = g.when(admin_id, ClearSystemMessages{});
      REQUIRE(again.ok());
      CHECK(again.value().empty());
    }
  }
  THEN("only admin clears; only the system records") {
    const UserId mai = g.user("mai", Role::manager);
    CHECK(code_of(g.when(mai, ClearSystemMessages{})) == Code::forbidden);
    CHECK(code_of(g.when(admin_id, RecordSystemMessage{{"webhook", "webhook_bad_signature", {}, "bad", ""}})) == Code::forbidden);
    CHECK(g.when(system_actor, RecordSystemMessage{
                                         {"webhook", "webhook_bad_signature", {{"page", "1"}},
                                          "bad signature", "page:1"}}).ok());
  }
}
