#include "core/order.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>

#include "core/conversation.hpp"
#include "core/customer.hpp"
#include "core/phone.hpp"
#include "core/state.hpp"

namespace salesdesk::core {

std::string order_number(OrderId id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "ORD-%06lld", static_cast<long long>(id));
  return buf;
}

namespace {
constexpr std::array<std::string_view, 7> status_names = {
    "draft", "new", "confirmed", "shipping", "delivered", "returned", "cancelled"};
}  // namespace

std::string_view to_string(OrderStatus s) { return status_names.at(static_cast<std::size_t>(s)); }

std::optional<OrderStatus> parse_order_status(std::string_view text) {
  for (std::size_t i = 0; i < status_names.size(); ++i) {
    if (status_names[i] == text) return static_cast<OrderStatus>(i);
  }
  return std::nullopt;
}

bool is_closed(OrderStatus s) {
  return s == OrderStatus::confirmed || s == OrderStatus::shipping || s == OrderStatus::delivered;
}

bool may_move(OrderStatus from, OrderStatus to) {
  using S = OrderStatus;
  switch (from) {
    case S::draft: return to == S::fresh || to == S::cancelled;
    case S::fresh: return to == S::confirmed || to == S::cancelled;
    case S::confirmed: return to == S::shipping || to == S::cancelled;
    case S::shipping: return to == S::delivered || to == S::returned;
    case S::delivered: return to == S::returned;
    case S::returned:
    case S::cancelled: return false;
  }
  return false;
}

// ---- state ----
const Order* Orders::find(OrderId id) const {
  if (id < 1 || id > static_cast<OrderId>(by_id.size())) return nullptr;
  return &by_id[static_cast<std::size_t>(id - 1)];
}

// ---- evolve ----
namespace {

// What the order form holds, as OrderCreated and OrderUpdated both carry it.
template <class E>
void set_details(Order& o, const E& e) {
  o.phone = e.phone;
  o.customer_name = e.customer_name;
  o.address = e.address;
  o.lines = e.lines;
  o.total = e.total;
  o.source = e.source;
  o.warehouse = e.warehouse;
  o.note = e.note;
}

}  // namespace

void evolve(Orders& orders, const OrderCreated& e, Time at) {
  assert(e.order_id == orders.next_id());
  Order o;
  o.id = e.order_id;
  o.status = e.status;
  o.customer_id = e.customer_id;
  set_details(o, e);
  o.created_by = e.created_by;
  o.lead_id = e.lead_id;
  o.conversation_id = e.conversation_id;
  o.created_at = at;
  o.updated_at = at;
  orders.by_phone[o.phone].push_back(o.id);
  orders.by_customer[o.customer_id].push_back(o.id);
  orders.by_id.push_back(std::move(o));
}

void evolve(Orders& orders, const OrderStatusChanged& e, Time at) {
  Order& o = orders.by_id.at(static_cast<std::size_t>(e.order_id - 1));
  o.status = e.to;
  o.updated_at = at;
}

void evolve(Orders& orders, const OrderAssigned& e, Time at) {
  Order& o = orders.by_id.at(static_cast<std::size_t>(e.order_id - 1));
  o.assignee_id = e.user_id;
  o.updated_at = at;
  if (e.reason == "rotation") orders.rotation_last = e.user_id;
}

void evolve(Orders& orders, const OrderUpdated& e, Time at) {
  Order& o = orders.by_id.at(static_cast<std::size_t>(e.order_id - 1));
  if (o.phone != e.phone) {
    std::vector<OrderId>& old = orders.by_phone[o.phone];
    std::erase(old, o.id);
    if (old.empty()) orders.by_phone.erase(o.phone);
    std::vector<OrderId>& now = orders.by_phone[e.phone];  // oldest first, as load() builds it
    now.insert(std::upper_bound(now.begin(), now.end(), o.id), o.id);
  }
  set_details(o, e);
  o.updated_at = at;
}

// ---- pricing ----
namespace {

constexpr std::int64_t basis_points_whole = 10'000;

Result<Money> add_money(Money a, Money b) {
  Money out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return reject(Code::bad_request, "the order total is too large");
  }
  return out;
}

Result<Money> line_discount(const OrderItem& item, Money subtotal, const std::string& field) {
  if (item.discount_bp && item.discount_amount) {
    return reject(Code::bad_request, field + ": give discount_pct or discount_amount, not both");
  }
  if (item.discount_bp) {
    if (*item.discount_bp < 0 || *item.discount_bp > basis_points_whole) {
      return reject(Code::bad_request, field + ": discount_pct must be between 0 and 100");
    }
    // Rounded half up to the smallest unit; 128-bit so a large line cannot overflow.
    const __int128 product = static_cast<__int128>(subtotal) * *item.discount_bp;
    return static_cast<Money>((product + basis_points_whole / 2) / basis_points_whole);
  }
  if (item.discount_amount) {
    if (*item.discount_amount < 0) {
      return reject(Code::bad_request, field + ": discount_amount must not be negative");
    }
    if (*item.discount_amount > subtotal) {
      return reject(Code::bad_request, field + ": the discount is larger than the line");
    }
    return *item.discount_amount;
  }
  return Money{0};
}

Result<OrderLine> product_line(const Catalog& catalog, const OrderItem& item, std::size_t index) {
  const std::string field = "items[" + std::to_string(index) + "]";
  auto product = catalog.products.find(item.sku);
  if (product == catalog.products.end()) {
    return reject(Code::bad_request, field + ": no product with sku " + item.sku);
  }
  if (item.qty < 1 || item.qty > qty_max) {
    return reject(Code::bad_request, field + ": qty must be between 1 and 1000000");
  }
  const Money subtotal = item.qty * product->second.price;
  auto discount = line_discount(item, subtotal, field);
  if (!discount) return discount.error();
  return OrderLine{"product", item.sku, product->second.name, item.qty, product->second.price,
                   item.discount_bp.value_or(0), discount.value(), subtotal - discount.value()};
}

Result<OrderLine> combo_line(const Catalog& catalog, const OrderCombo& item, std::size_t index) {
  const std::string field = "combos[" + std::to_string(index) + "]";
  auto combo = catalog.combos.find(item.code);
  if (combo == catalog.combos.end()) {
    return reject(Code::bad_request, field + ": no combo with code " + item.code);
  }
  if (item.qty < 1 || item.qty > qty_max) {
    return reject(Code::bad_request, field + ": qty must be between 1 and 1000000");
  }
  const Money subtotal = item.qty * combo->second.price;
  const OrderItem as_item{item.code, item.qty, item.discount_bp, item.discount_amount};
  auto discount = line_discount(as_item, subtotal, field);
  if (!discount) return discount.error();
  return OrderLine{"combo", item.code, combo->second.name, item.qty, combo->second.price,
                   item.discount_bp.value_or(0), discount.value(), subtotal - discount.value()};
}

}  // namespace

Result<std::vector<OrderLine>> price_lines(const Catalog& catalog,
                                           const std::vector<OrderItem>& items,
                                           const std::vector<OrderCombo>& combos) {
  if (items.empty() && combos.empty()) {
    return reject(Code::bad_request, "an order needs at least one line");
  }
  if (items.size() + combos.size() > order_lines_max) {
    return reject(Code::bad_request, "an order has at most 100 lines");
  }
  std::vector<OrderLine> out;
  Money total = 0;
  const auto add = [&](Result<OrderLine> line) -> Result<bool> {
    if (!line) return line.error();
    auto sum = add_money(total, line.value().total);
    if (!sum) return sum.error();
    total = sum.value();
    out.push_back(std::move(line.value()));
    return true;
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto r = add(product_line(catalog, items[i], i)); !r) return r.error();
  }
  for (std::size_t i = 0; i < combos.size(); ++i) {
    if (auto r = add(combo_line(catalog, combos[i], i)); !r) return r.error();
  }
  return out;
}

Result<std::string> choose_source(const State& s, UserId actor,
                                  const std::optional<std::string>& requested,
                                  const std::string& origin_channel) {
  const std::string fallback = s.settings[setting::orders_default_source];
  const User* u = s.users.find(actor);
  const bool sale = u != nullptr && u->role == Role::sale;
  if (requested && sale && s.settings[setting::orders_lock_source] && *requested != fallback) {
    return reject(Code::forbidden, "the source is locked: sales cannot choose it");
  }
  const std::string code = requested.value_or(fallback);
  if (code.empty()) return code;
  auto source = s.catalog.sources.find(code);
  if (source == s.catalog.sources.end()) {
    return reject(Code::bad_request, "source: no source " + code);
  }
  if (origin_channel == "facebook" && source->second.channel != "facebook") {
    return reject(Code::bad_request,
                  "source: an order from a Facebook conversation needs a Facebook source");
  }
  return code;
}

std::optional<UserId> next_in_rotation(const State& s) {
  std::optional<UserId> first;
  for (const User& u : s.users.by_id) {
    if (!u.active || u.role != Role::sale || u.presence != Presence::online) continue;
    if (!first) first = u.id;
    if (u.id > s.orders.rotation_last) return u.id;
  }
  return first;
}

// ---- decide ----
namespace {

// Where an order comes from: its customer (if any) and the details it starts with.
struct Origin {
  const Customer* customer = nullptr;
  const Lead* lead = nullptr;
  std::string phone;
  std::string name;
  std::string address;
  std::string channel;  // of the conversation it came from, for the source rule
};

// An order from a lead takes the lead's phone and name; only who may work the lead (its owner,
// a manager, admin) may order from it: a pooled lead must be claimed first.
Result<Origin> lead_origin(const State& s, UserId actor, LeadId id) {
  const Lead* l = s.leads.find(id);
  if (l == nullptr || !may_work(s, actor, *l)) {
    return reject(Code::not_found, "no lead " + std::to_string(id));
  }
  Origin o;
  o.lead = l;
  o.phone = phone_of(*l);
  o.customer = s.customers.find_phone(o.phone);
  o.name = l->name.empty() && o.customer != nullptr ? o.customer->name : l->name;
  if (o.customer != nullptr) o.address = o.customer->address;
  return o;
}

// An order from a conversation takes its customer (name, address) and phone, and the page's
// channel for the source rule; only who may work on the conversation may order from it.
Result<Origin> conversation_origin(const State& s, UserId actor, ConversationId id) {
  auto conversation = workable_conversation(s, actor, id);
  if (!conversation) return conversation.error();
  const Conversation& conv = *conversation.value();
  Origin o;
  o.customer = s.customers.find(conv.customer_id);
  o.phone = conversation_phone(s, conv);
  if (o.customer != nullptr) {
    o.name = o.customer->name;
    o.address = o.customer->address;
  }
  o.channel = std::string(to_string(s.pages.find(conv.page_id)->channel));
  return o;
}

Result<Origin> resolve_origin(const State& s, UserId actor, const CreateOrder& c) {
  Origin o;
  if (c.conversation_id) {
    if (c.lead_id || c.customer_id) {
      return reject(Code::bad_request,
                    "give conversation_id alone, without lead_id or customer_id");
    }
    auto from_conversation = conversation_origin(s, actor, *c.conversation_id);
    if (!from_conversation) return from_conversation.error();
    o = from_conversation.value();
  }
  if (c.lead_id) {
    auto from_lead = lead_origin(s, actor, *c.lead_id);
    if (!from_lead) return from_lead.error();
    if (c.customer_id || c.phone) {
      return reject(Code::bad_request, "give lead_id alone, without customer_id or phone");
    }
    o = from_lead.value();
  }
  if (c.customer_id) {
    o.customer = s.customers.find(*c.customer_id);
    if (o.customer == nullptr) {
      return reject(Code::not_found, "no customer " + std::to_string(*c.customer_id));
    }
    o.phone = o.customer->phones.empty() ? "" : o.customer->phones.front();
    o.name = o.customer->name;
    o.address = o.customer->address;
  }
  if (c.phone) {
    auto phone = normalize_phone(*c.phone, s.settings[setting::phone_country]);
    if (!phone) return phone.error();
    o.phone = phone.value();
    if (o.customer == nullptr) o.customer = s.customers.find_phone(o.phone);
    if (o.customer != nullptr && !c.customer_id && !c.conversation_id) {
      o.name = o.customer->name;
      o.address = o.customer->address;
    }
  }
  if (c.customer_name) o.name = *c.customer_name;
  if (c.address) o.address = *c.address;
  if (o.phone.empty()) return reject(Code::bad_request, "phone is required");
  return o;
}

Result<bool> check_order_text(const std::string& name, const std::string& address,
                              const std::string& note) {
  if (auto r = check_name(name, "name", customer_name_bytes_max, true); !r) return r;
  if (auto r = check_text(address, "address", address_bytes_max, false); !r) return r;
  return check_text(note, "note", order_note_bytes_max, false);
}

Result<bool> check_warehouse(const State& s, const std::string& code) {
  if (s.catalog.warehouses.contains(code)) return true;
  return reject(Code::bad_request, "warehouse: no warehouse " + code);
}

Money total_of(const std::vector<OrderLine>& lines) {
  Money total = 0;
  for (const OrderLine& line : lines) total += line.total;  // checked by price_lines
  return total;
}

// The channel of the conversation an order came from ("" for any other order).
std::string origin_channel(const State& s, const Order& o) {
  const Conversation* c = s.conversations.find(o.conversation_id);
  return c == nullptr ? "" : std::string(to_string(s.pages.find(c->page_id)->channel));
}

bool has_draft(const State& s, CustomerId customer) {
  const auto orders = orders_of_customer(s, customer, false);
  return std::any_of(orders.begin(), orders.end(),
                     [](const Order* o) { return o->status == OrderStatus::draft; });
}

// Hands a new order to the next online sale, or records why nobody got it.
void distribute(const State& s, OrderId id, Events& out) {
  if (!s.settings[setting::orders_auto_distribute]) return;
  if (auto next = next_in_rotation(s)) {
    out.emplace_back(OrderAssigned{id, *next, "rotation"});
    return;
  }
  out.emplace_back(system_message(
      s, {"order", "order_not_distributed", {{"order", order_number(id)}},
          "Order " + order_number(id) + " was not distributed: no sale is online",
          order_stream(id)}));
}

}  // namespace

Result<Events> decide(const State& s, UserId actor, const CreateOrder& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  auto origin = resolve_origin(s, actor, c);
  if (!origin) return origin.error();
  const Origin& o = origin.value();
  if (auto r = check_order_text(o.name, o.address, c.note); !r) return r.error();
  auto lines = price_lines(s.catalog, c.items, c.combos);
  if (!lines) return lines.error();
  auto source = choose_source(s, actor, c.source, o.channel);
  if (!source) return source.error();
  if (c.warehouse) {
    if (auto r = check_warehouse(s, *c.warehouse); !r) return r.error();
  }
  Events out;
  CustomerId customer = o.customer != nullptr ? o.customer->id : s.customers.next_id();
  if (o.customer == nullptr) {
    const User* u = s.users.find(actor);
    const UserId responsible = (u != nullptr && u->role == Role::sale) ? actor : 0;
    out.emplace_back(CustomerCreated{customer, o.name, {o.phone}, o.address, responsible});
  }
  const Money total = total_of(lines.value());
  const OrderId id = s.orders.next_id();
  const OrderStatus status = c.draft ? OrderStatus::draft : OrderStatus::fresh;
  const LeadId lead = o.lead != nullptr ? o.lead->id : 0;
  out.emplace_back(OrderCreated{id, status, customer, o.phone, o.name, o.address, lines.value(),
                                total, source.value(), c.warehouse.value_or(""), c.note, actor,
                                lead, c.conversation_id.value_or(0)});
  if (status == OrderStatus::fresh) distribute(s, id, out);
  // An order is an action on its lead: the call's result is "ordered" when the catalog has it.
  if (o.lead != nullptr) {
    const std::string result = s.catalog.statuses.contains("ordered") ? "ordered" : "";
    for (Event& e : lead_action(s, actor, *o.lead, result, "")) out.push_back(std::move(e));
  }
  return out;
}

Result<Events> decide(const State& s, UserId actor, const SetOrderStatus& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  const Order* o = s.orders.find(c.order_id);
  if (o == nullptr || !may_see_order(s, actor, *o)) {
    return reject(Code::not_found, "no order " + std::to_string(c.order_id));
  }
  if (o->status == c.status) return Events{};
  if (!may_move(o->status, c.status)) {
    return reject(Code::conflict, "an order that is " + std::string(to_string(o->status)) +
                                      " cannot become " + std::string(to_string(c.status)));
  }
  if (o->lines.empty() && c.status == OrderStatus::fresh) {
    return reject(Code::bad_request, "the draft has no lines: add one before it becomes new");
  }
  Events out{OrderStatusChanged{o->id, o->status, c.status}};
  if (c.status == OrderStatus::fresh && o->assignee_id == 0) distribute(s, o->id, out);
  return out;
}

Result<Events> decide(const State& s, UserId actor, const UpdateOrder& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  const Order* o = s.orders.find(c.order_id);
  if (o == nullptr || !may_see_order(s, actor, *o)) {
    return reject(Code::not_found, "no order " + std::to_string(c.order_id));
  }
  if (o->status != OrderStatus::draft && o->status != OrderStatus::fresh) {
    return reject(Code::conflict, "an order that is " + std::string(to_string(o->status)) +
                                      " cannot be changed");
  }
  const OrderUpdated before{o->id,    o->phone,  o->customer_name, o->address,  o->lines,
                            o->total, o->source, o->warehouse,     o->note};
  OrderUpdated u = before;
  if (c.phone) {
    auto phone = normalize_phone(*c.phone, s.settings[setting::phone_country]);
    if (!phone) return phone.error();
    u.phone = phone.value();
  }
  u.customer_name = c.customer_name.value_or(u.customer_name);
  u.address = c.address.value_or(u.address);
  u.note = c.note.value_or(u.note);
  if (auto r = check_order_text(u.customer_name, u.address, u.note); !r) return r.error();
  if (c.items || c.combos) {
    auto lines = price_lines(s.catalog, c.items.value_or(std::vector<OrderItem>{}),
                             c.combos.value_or(std::vector<OrderCombo>{}));
    if (!lines) return lines.error();
    u.total = total_of(lines.value());
    u.lines = std::move(lines.value());
  }
  if (c.source) {
    auto source = choose_source(s, actor, c.source, origin_channel(s, *o));
    if (!source) return source.error();
    u.source = source.value();
  }
  if (c.warehouse) {
    if (auto r = check_warehouse(s, *c.warehouse); !r) return r.error();
    u.warehouse = *c.warehouse;
  }
  if (u == before) return Events{};
  return Events{std::move(u)};
}

void auto_draft(const State& s, const DraftFor& d, Events& out) {
  if (has_draft(s, d.customer_id)) return;
  if (s.catalog.warehouses.empty()) {
    const std::string conversation = std::to_string(d.conversation_id);
    out.emplace_back(system_message(
        s, {"order", "draft_without_warehouse", {{"conversation", conversation}},
            "Conversation " + conversation +
                ": the customer left a phone, but no draft order was made: the catalog has no "
                "warehouse (orders.auto_draft needs one)",
            conversation_stream(d.conversation_id)}));
    return;
  }
  const Customer* card = s.customers.find(d.customer_id);
  // The default source when the conversation's channel allows it, else the channel's own.
  auto source = choose_source(s, system_actor, std::nullopt, d.channel);
  std::string code = source ? source.value() : "";
  if (code.empty()) code = s.catalog.first_source_of(d.channel);
  out.emplace_back(OrderCreated{s.orders.next_id(), OrderStatus::draft, d.customer_id, d.phone,
                                card != nullptr ? card->name : d.customer_name,
                                card != nullptr ? card->address : "", {}, 0, std::move(code),
                                s.catalog.warehouses.begin()->first, "", system_actor, 0,
                                d.conversation_id});
}

// ---- queries ----
bool may_see_order(const State& s, UserId viewer, const Order& o) {
  if (viewer == system_actor) return true;
  const User* u = s.users.find(viewer);
  if (u == nullptr) return false;
  if (is_manager_or_admin(*u) || o.created_by == viewer || o.assignee_id == viewer) return true;
  if (o.created_by != system_actor || o.conversation_id == 0) return false;
  const Conversation* c = s.conversations.find(o.conversation_id);
  return c != nullptr && c->assignee_id == viewer;
}

namespace {

bool matches(const Order& o, const OrderFilter& f) {
  return (!f.status || o.status == *f.status) && (!f.source || o.source == *f.source) &&
         (!f.from || o.created_at >= *f.from) && (!f.to || o.created_at <= *f.to) &&
         (!f.customer_id || o.customer_id == *f.customer_id) &&
         (!f.created_by || o.created_by == *f.created_by) &&
         (!f.assignee_id || o.assignee_id == *f.assignee_id) && (!f.phone || o.phone == *f.phone);
}

std::vector<const Order*> pick(const State& s, const std::vector<OrderId>& ids, bool closed_only) {
  std::vector<const Order*> out;
  for (OrderId id : ids) {
    const Order* o = s.orders.find(id);
    if (!closed_only || is_closed(o->status)) out.push_back(o);
  }
  return out;
}

}  // namespace

std::vector<const Order*> list_orders(const State& s, UserId viewer, const OrderFilter& f) {
  std::vector<const Order*> out;
  const std::size_t limit = std::min(f.limit, order_page_max);
  // A phone or a customer narrows the walk to their index; otherwise walk by id from the cursor.
  const std::vector<OrderId>* narrowed = nullptr;
  if (f.phone) {
    auto it = s.orders.by_phone.find(*f.phone);
    if (it == s.orders.by_phone.end()) return out;
    narrowed = &it->second;
  } else if (f.customer_id) {
    auto it = s.orders.by_customer.find(*f.customer_id);
    if (it == s.orders.by_customer.end()) return out;
    narrowed = &it->second;
  }
  const auto consider = [&](const Order& o) {
    if (o.id > f.after && matches(o, f) && may_see_order(s, viewer, o)) out.push_back(&o);
    return out.size() < limit;
  };
  if (narrowed != nullptr) {
    for (OrderId id : *narrowed) {
      if (!consider(*s.orders.find(id))) break;
    }
    return out;
  }
  // A cursor outside [0, size] starts at the nearest end, never outside the vector.
  const auto size = static_cast<OrderId>(s.orders.by_id.size());
  for (auto it = s.orders.by_id.begin() + std::clamp<OrderId>(f.after, 0, size);
       it != s.orders.by_id.end(); ++it) {
    if (!consider(*it)) break;
  }
  return out;
}

std::vector<const Order*> orders_by_phone(const State& s, const std::string& phone,
                                          bool closed_only) {
  auto it = s.orders.by_phone.find(phone);
  if (it == s.orders.by_phone.end()) return {};
  return pick(s, it->second, closed_only);
}

std::vector<const Order*> orders_of_customer(const State& s, CustomerId id, bool closed_only) {
  auto it = s.orders.by_customer.find(id);
  if (it == s.orders.by_customer.end()) return {};
  return pick(s, it->second, closed_only);
}

}  // namespace salesdesk::core
