// The order aggregate (SPEC.md section 5 "Orders"): lines priced from the catalog with a
// per-line discount, integer money, a human number, a status that moves only along the shop's
// flow, the source rules, and the fair rotation that hands new orders to online sales.
#pragma once

#include <cereal/cereal.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

// ---- stream ----
inline std::string order_stream(OrderId id) { return "order:" + std::to_string(id); }
std::string order_number(OrderId id);  // "ORD-000123"

enum class OrderStatus : std::uint8_t {
  draft,
  fresh,
  confirmed,
  shipping,
  delivered,
  returned,
  cancelled
};
std::string_view to_string(OrderStatus s);  // fresh is "new"
std::optional<OrderStatus> parse_order_status(std::string_view text);
// Purchase history counts confirmed, shipping and delivered orders ("closed" orders).
bool is_closed(OrderStatus s);
// draft -> new -> confirmed -> shipping -> delivered; returned from shipping or delivered;
// cancelled from draft, new or confirmed. Returned and cancelled are final.
bool may_move(OrderStatus from, OrderStatus to);

// ---- events ----
struct OrderLine {
  std::string kind;  // "product" or "combo"
  std::string code;  // sku or combo code
  std::string line_name;
  std::int64_t qty = 1;
  Money unit_price = 0;
  std::int64_t discount_bp = 0;  // percent x 100
  Money discount_amount = 0;     // money off the line (from either kind of discount)
  Money total = 0;
  bool operator==(const OrderLine&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(CEREAL_NVP(kind), CEREAL_NVP(code), CEREAL_NVP(line_name), CEREAL_NVP(qty),
       CEREAL_NVP(unit_price), CEREAL_NVP(discount_bp), CEREAL_NVP(discount_amount),
       CEREAL_NVP(total));
  }
};

struct OrderCreated {
  static constexpr std::uint16_t type_id = 80;
  static constexpr const char* name = "OrderCreated";
  OrderId order_id = 0;
  OrderStatus status = OrderStatus::fresh;
  CustomerId customer_id = 0;
  std::string phone;
  std::string customer_name;
  std::string address;
  std::vector<OrderLine> lines;
  Money total = 0;
  std::string source;
  std::string warehouse;
  std::string note;
  UserId created_by = 0;
  LeadId lead_id = 0;
  ConversationId conversation_id = 0;
  std::string stream() const { return order_stream(order_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(order_id), CEREAL_NVP(status), CEREAL_NVP(customer_id), CEREAL_NVP(phone),
       CEREAL_NVP(customer_name), CEREAL_NVP(address), CEREAL_NVP(lines), CEREAL_NVP(total),
       CEREAL_NVP(source), CEREAL_NVP(warehouse), CEREAL_NVP(note), CEREAL_NVP(created_by),
       CEREAL_NVP(lead_id), CEREAL_NVP(conversation_id));
  }
};

struct OrderStatusChanged {
  static constexpr std::uint16_t type_id = 81;
  static constexpr const char* name = "OrderStatusChanged";
  OrderId order_id = 0;
  OrderStatus from = OrderStatus::fresh;
  OrderStatus to = OrderStatus::fresh;
  std::string stream() const { return order_stream(order_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(order_id), CEREAL_NVP(from), CEREAL_NVP(to));
  }
};

struct OrderAssigned {
  static constexpr std::uint16_t type_id = 82;
  static constexpr const char* name = "OrderAssigned";
  OrderId order_id = 0;
  UserId user_id = 0;
  std::string reason;  // "rotation", "creator"
  std::string stream() const { return order_stream(order_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(order_id), CEREAL_NVP(user_id), CEREAL_NVP(reason));
  }
};

// A draft or new order's details as the form now has them (orders.update): the whole new
// value of every field, lines repriced.
struct OrderUpdated {
  static constexpr std::uint16_t type_id = 83;
  static constexpr const char* name = "OrderUpdated";
  OrderId order_id = 0;
  std::string phone;
  std::string customer_name;
  std::string address;
  std::vector<OrderLine> lines;
  Money total = 0;
  std::string source;
  std::string warehouse;
  std::string note;
  bool operator==(const OrderUpdated&) const = default;
  std::string stream() const { return order_stream(order_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(order_id), CEREAL_NVP(phone), CEREAL_NVP(customer_name), CEREAL_NVP(address),
       CEREAL_NVP(lines), CEREAL_NVP(total), CEREAL_NVP(source), CEREAL_NVP(warehouse),
       CEREAL_NVP(note));
  }
};

// ---- state ----
struct Order {
  OrderId id = 0;
  OrderStatus status = OrderStatus::fresh;
  CustomerId customer_id = 0;
  std::string phone;
  std::string customer_name;
  std::string address;
  std::vector<OrderLine> lines;
  Money total = 0;
  std::string source;
  std::string warehouse;
  std::string note;
  UserId created_by = 0;
  UserId assignee_id = 0;
  LeadId lead_id = 0;
  ConversationId conversation_id = 0;
  Time created_at = 0;
  Time updated_at = 0;
  template <class A>
  void serialize(A& ar) {
    ar(id, status, customer_id, phone, customer_name, address, lines, total, source, warehouse,
       note, created_by, assignee_id, lead_id, conversation_id, created_at, updated_at);
  }
};

struct Orders {
  std::vector<Order> by_id;                                 // index = id - 1
  std::map<std::string, std::vector<OrderId>> by_phone;
  std::map<CustomerId, std::vector<OrderId>> by_customer;
  UserId rotation_last = 0;                                 // the sale the rotation gave last

  const Order* find(OrderId id) const;
  OrderId next_id() const { return static_cast<OrderId>(by_id.size()) + 1; }
  template <class A>
  void save(A& ar) const { ar(by_id, rotation_last); }
  template <class A>
  void load(A& ar) {
    ar(by_id, rotation_last);
    by_phone.clear();
    by_customer.clear();
    for (const Order& o : by_id) {
      by_phone[o.phone].push_back(o.id);
      by_customer[o.customer_id].push_back(o.id);
    }
  }
};

// ---- evolve ----
void evolve(Orders& orders, const OrderCreated& e, Time at);
void evolve(Orders& orders, const OrderStatusChanged& e, Time at);
void evolve(Orders& orders, const OrderAssigned& e, Time at);
void evolve(Orders& orders, const OrderUpdated& e, Time at);

// ---- commands and decide ----
constexpr std::size_t order_lines_max = 100;
constexpr std::size_t order_note_bytes_max = 2000;

struct OrderItem {
  std::string sku;
  std::int64_t qty = 1;
  std::optional<std::int64_t> discount_bp;  // percent x 100: 12.5% is 1250
  std::optional<Money> discount_amount;
};

// A combo line follows a product line's discount rules exactly.
struct OrderCombo {
  std::string code;
  std::int64_t qty = 1;
  std::optional<std::int64_t> discount_bp;
  std::optional<Money> discount_amount;
};

// An order from a customer card, a phone and name, a lead or a conversation. Fields left out
// are filled from where it comes from (the customer's phone and address, say).
struct CreateOrder {
  std::optional<CustomerId> customer_id;
  std::optional<LeadId> lead_id;
  std::optional<ConversationId> conversation_id;
  std::optional<std::string> phone;
  std::optional<std::string> customer_name;
  std::optional<std::string> address;
  std::vector<OrderItem> items;
  std::vector<OrderCombo> combos;
  std::optional<std::string> source;
  std::optional<std::string> warehouse;
  std::string note;
  bool draft = false;
};

struct SetOrderStatus {
  OrderId order_id = 0;
  OrderStatus status = OrderStatus::fresh;
};

// Changes a draft or new order: a field left out keeps its value; items and combos, when either
// is given, replace all the lines.
struct UpdateOrder {
  OrderId order_id = 0;
  std::optional<std::string> phone{};
  std::optional<std::string> customer_name{};
  std::optional<std::string> address{};
  std::optional<std::vector<OrderItem>> items{};
  std::optional<std::vector<OrderCombo>> combos{};
  std::optional<std::string> source{};
  std::optional<std::string> warehouse{};
  std::optional<std::string> note{};
};

Result<Events> decide(const State& s, UserId actor, const CreateOrder& c, Time now);
Result<Events> decide(const State& s, UserId actor, const SetOrderStatus& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpdateOrder& c, Time now);

// Auto-draft (SPEC.md section 5, orders.auto_draft): a phone a customer left in a conversation
// makes a draft order for them, with no lines yet, the catalog's first warehouse and the
// conversation's source; none while the customer has a draft already (one per customer, not
// one per message); without a warehouse, a system message instead and nothing else.
struct DraftFor {
  ConversationId conversation_id = 0;
  CustomerId customer_id = 0;
  std::string customer_name;  // for a card made by the same message
  std::string phone;
  std::string channel;  // of the conversation's page, for the source rule
};
void auto_draft(const State& s, const DraftFor& d, Events& out);

// Prices the lines against the catalog; rejects unknown codes, qty < 1, both discounts on one
// line, a discount above its line, and totals that would overflow.
Result<std::vector<OrderLine>> price_lines(const Catalog& catalog,
                                           const std::vector<OrderItem>& items,
                                           const std::vector<OrderCombo>& combos);
// The source an order gets: the one asked for or the default, checked against the lock and,
// for an order from a conversation, against the conversation's channel.
Result<std::string> choose_source(const State& s, UserId actor,
                                  const std::optional<std::string>& requested,
                                  const std::string& origin_channel);
// The next online sale in the rotation after the last one it gave an order to.
std::optional<UserId> next_in_rotation(const State& s);

// ---- queries ----
// Managers and admin see every order; a sale sees what they made and what they were given, and
// an automatic draft while they are the assignee of the conversation it came from.
bool may_see_order(const State& s, UserId viewer, const Order& o);

struct OrderFilter {
  std::optional<OrderStatus> status;
  std::optional<std::string> source;
  std::optional<Time> from;
  std::optional<Time> to;
  std::optional<CustomerId> customer_id;
  std::optional<UserId> created_by;
  std::optional<UserId> assignee_id;
  std::optional<std::string> phone;  // normalised
  OrderId after = 0;                 // paging cursor: ids above this
  std::size_t limit = 100;
};
constexpr std::size_t order_page_max = 500;

// Orders the viewer may see that match, oldest first, at most `limit`.
std::vector<const Order*> list_orders(const State& s, UserId viewer, const OrderFilter& f);
// Every order with this phone, oldest first; with closed_only, the purchase history.
std::vector<const Order*> orders_by_phone(const State& s, const std::string& phone,
                                          bool closed_only);
std::vector<const Order*> orders_of_customer(const State& s, CustomerId id, bool closed_only);

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct OrderArea {
  using EventTypes = TypeList<OrderCreated, OrderStatusChanged, OrderAssigned, OrderUpdated>;
  using CommandTypes = TypeList<CreateOrder, SetOrderStatus, UpdateOrder>;
  Orders orders;
  static constexpr auto projection = &OrderArea::orders;
};

}  // namespace salesdesk::core
