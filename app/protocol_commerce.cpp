// Operations and pushes of the catalog, customers, orders and system messages (PROTOCOL.md
// "Catalog", "Customers and orders"; SPEC.md sections 5 and 6).
#include <cmath>

#include "app/ops.hpp"
#include "core/lead.hpp"
#include "core/order.hpp"
#include "core/phone.hpp"
#include "core/time.hpp"

namespace salesdesk::app {
namespace {

constexpr std::int64_t orders_page_default = 100;

using core::Result;
using ops::checked_query;
using ops::command;
using ops::items;
using ops::query;

// ---- renderings ----
json::object product_json(const core::Product& p) {
  return {{"sku", p.sku}, {"name", p.name}, {"price", p.price}};
}

json::object combo_json(const core::Combo& c) {
  json::array parts;
  for (const auto& i : c.items) parts.push_back(json::object{{"sku", i.sku}, {"qty", i.qty}});
  return {{"code", c.code}, {"name", c.name}, {"price", c.price}, {"items", std::move(parts)}};
}

json::object source_json(const core::Source& s) {
  return {{"code", s.code}, {"name", s.name}, {"channel", s.channel}};
}

json::object warehouse_json(const core::Warehouse& w) {
  return {{"code", w.code}, {"name", w.name}};
}

json::object status_json(const core::Status& s) {
  return {{"code", s.code}, {"name", s.name}, {"floats", s.floats}};
}

json::array strings_json(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}


// Phones and notes as this viewer may see them (a number in the pool stays masked for a sale).
json::object customer_json(const core::State& s, core::UserId viewer, const core::Customer& c) {
  json::array notes;
  for (const core::Note& n : c.notes) notes.push_back(note_json(s, viewer, n));
  json::array phones;
  for (const std::string& p : c.phones) phones.emplace_back(core::visible_phone(s, viewer, p));
  return {{"id", c.id},
          {"name", c.name},
          {"phones", std::move(phones)},
          {"address", c.address},
          {"nicknames", strings_json(c.nicknames)},
          {"responsible_id", ops::id_or_null(c.responsible_id)},
          {"notes", std::move(notes)},
          {"created_at", core::format_time(c.created_at)}};
}

json::object line_json(const core::OrderLine& l) {
  json::object out{{"kind", l.kind},
                   {l.kind == "combo" ? "code" : "sku", l.code},
                   {"name", l.line_name},
                   {"qty", l.qty},
                   {"price", l.unit_price},
                   {"discount_amount", l.discount_amount},
                   {"total", l.total}};
  if (l.discount_bp % 100 == 0 && l.discount_bp != 0) {
    out["discount_pct"] = l.discount_bp / 100;  // 10, not 1E1
  } else if (l.discount_bp != 0) {
    out["discount_pct"] = static_cast<double>(l.discount_bp) / 100.0;
  }
  return out;
}

// An order as this viewer may see it: a phone hidden from them (a pool lead's number) masked,
// in its phone and in its note.
json::object order_json(const core::State& s, core::UserId viewer, const core::Order& o) {
  json::array lines;
  for (const auto& l : o.lines) lines.push_back(line_json(l));
  return {{"id", o.id},
          {"number", core::order_number(o.id)},
          {"status", core::to_string(o.status)},
          {"total", o.total},
          {"phone", core::visible_phone(s, viewer, o.phone)},
          {"name", o.customer_name},
          {"address", o.address},
          {"source", o.source.empty() ? json::value(nullptr) : json::value(o.source)},
          {"warehouse", o.warehouse.empty() ? json::value(nullptr) : json::value(o.warehouse)},
          {"note", core::visible_text(s, viewer, o.note)},
          {"customer_id", o.customer_id},
          {"created_by", ops::id_or_null(o.created_by)},
          {"assignee_id", ops::id_or_null(o.assignee_id)},
          {"lead_id", ops::id_or_null(o.lead_id)},
          {"conversation_id", ops::id_or_null(o.conversation_id)},
          {"created_at", core::format_time(o.created_at)},
          {"updated_at", core::format_time(o.updated_at)},
          {"lines", std::move(lines)}};
}

json::array orders_json(const core::State& s, core::UserId viewer,
                        const std::vector<const core::Order*>& orders) {
  json::array out;
  for (const core::Order* o : orders) out.push_back(order_json(s, viewer, *o));
  return out;
}

// The duplicate and purchase-history lists of a pool row: a pool context, so every phone-like
// number in an order's note is masked for a sale, known or not.
json::array pool_orders_json(const core::State& s, core::UserId viewer,
                             const std::vector<const core::Order*>& orders) {
  json::array out;
  for (const core::Order* o : orders) {
    json::object row = order_json(s, viewer, *o);
    row["note"] = core::pool_text(s, viewer, o->note);
    out.push_back(std::move(row));
  }
  return out;
}

json::object message_json(const core::SystemMessage& m) {
  json::object params;
  for (const auto& [name, value] : m.params) params[name] = value;
  return {{"id", m.id},
          {"kind", m.kind},
          {"code", m.code.empty() ? json::value(nullptr) : json::value(m.code)},
          {"params", std::move(params)},
          {"text", m.text},
          {"ref", m.ref},
          {"at", core::format_time(m.at)}};
}

// ---- argument helpers ----
std::vector<std::string> text_list(const json::object& args, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = args.if_contains(key);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) throw BadRequest(std::string(key) + " must be an array of strings");
  for (const json::value& x : v->get_array()) {
    if (!x.is_string()) throw BadRequest(std::string(key) + " must be an array of strings");
    out.emplace_back(x.get_string());
  }
  return out;
}

const json::array& array_arg(const json::object& args, std::string_view key) {
  static const json::array empty;
  const auto* v = args.if_contains(key);
  if (v == nullptr || v->is_null()) return empty;
  if (!v->is_array()) throw BadRequest(std::string(key) + " must be an array");
  return v->get_array();
}

const json::object& element(const json::value& v, std::string_view field) {
  if (!v.is_object()) throw BadRequest(std::string(field) + " must be an object");
  return v.get_object();
}

// A percentage with at most two decimals, as basis points (12.5 -> 1250).
std::optional<std::int64_t> percent_arg(const json::object& o, std::string_view field) {
  const auto* v = o.if_contains("discount_pct");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_number()) throw BadRequest(std::string(field) + ".discount_pct must be a number");
  const double pct = v->to_number<double>();
  const double bp = std::round(pct * 100.0);
  if (!std::isfinite(pct) || std::fabs(bp - pct * 100.0) > 1e-6 || std::fabs(bp) > 1e9) {
    throw BadRequest(std::string(field) + ".discount_pct allows at most two decimals");
  }
  return static_cast<std::int64_t>(bp);
}

core::Error too_many_lookups() {
  return core::reject(core::Code::rate_limited,
                      "too many phone lookups: at most " +
                          std::to_string(PhoneLookups::lookups_max) + " in " +
                          std::to_string(PhoneLookups::window.count()) + " minutes");
}

// A full phone the caller typed, to look something up by: normalised, counted against the
// caller's lookups, and nullopt (answer as if nothing matched) when the number is hidden from
// the caller, so that no lookup confirms a masked number (app/lookups.hpp).
Result<std::optional<std::string>> typed_phone(const core::State& s, const Caller& caller,
                                               const std::string& raw, std::string_view field) {
  auto number = core::normalize_phone(raw, s.settings[core::setting::phone_country], field);
  if (!number) return number.error();
  if (!core::masks_for(s, caller.user_id) || caller.lookups == nullptr) {
    return std::optional<std::string>(number.value());
  }
  const auto now = PhoneLookups::Clock::now();
  if (!caller.lookups->take(caller.user_id, now)) {
    return too_many_lookups();
  }
  if (core::phone_hidden_from(s, caller.user_id, number.value())) {
    caller.lookups->missed(caller.user_id, now);
    return std::optional<std::string>();
  }
  return std::optional<std::string>(number.value());
}

// ---- catalog ----
Prepared op_statuses_upsert(const Args& a, const Caller& caller) {
  core::UpsertStatus c{a.text("code"), a.text("name"), a.opt_boolean("floats").value_or(false)};
  return command(caller, c, [code = c.code](const core::State& s, const core::Events&) {
    return json::value{{"status", status_json(s.catalog.statuses.at(code))}};
  });
}

Prepared op_statuses_list(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [](const core::State& s) {
    json::array list;
    for (const core::Status* st : s.catalog.statuses_in_order()) list.push_back(status_json(*st));
    return items(std::move(list));
  });
}

Prepared op_products_upsert(const Args& a, const Caller& caller) {
  core::UpsertProduct c{a.text("sku"), a.text("name"), a.integer("price")};
  return command(caller, c, [sku = c.sku](const core::State& s, const core::Events&) {
    return json::value{{"product", product_json(s.catalog.products.at(sku))}};
  });
}

Prepared op_combos_upsert(const Args& a, const Caller& caller) {
  core::UpsertCombo c{a.text("code"), a.text("name"), a.integer("price"), {}};
  const json::array& parts = array_arg(a.raw(), "items");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string field = "items[" + std::to_string(i) + "]";
    Args item(element(parts[i], field));
    c.items.push_back(core::ComboItem{item.text("sku"), item.opt_integer("qty").value_or(1)});
  }
  return command(caller, c, [code = c.code](const core::State& s, const core::Events&) {
    return json::value{{"combo", combo_json(s.catalog.combos.at(code))}};
  });
}

Prepared op_sources_upsert(const Args& a, const Caller& caller) {
  core::UpsertSource c{a.text("code"), a.text("name"), a.text("channel")};
  return command(caller, c, [code = c.code](const core::State& s, const core::Events&) {
    return json::value{{"source", source_json(s.catalog.sources.at(code))}};
  });
}

Prepared op_warehouses_upsert(const Args& a, const Caller& caller) {
  core::UpsertWarehouse c{a.text("code"), a.text("name")};
  return command(caller, c, [code = c.code](const core::State& s, const core::Events&) {
    return json::value{{"warehouse", warehouse_json(s.catalog.warehouses.at(code))}};
  });
}

template <auto Member, auto Render>
Prepared catalog_list(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [](const core::State& s) {
    json::array list;
    for (const auto& [code, row] : s.catalog.*Member) list.push_back(Render(row));
    return items(std::move(list));
  });
}

// ---- customers ----
Prepared op_customers_create(const Args& a, const Caller& caller) {
  core::CreateCustomer c{a.text("name"), text_list(a.raw(), "phones"),
                         a.opt_text("address").value_or("")};
  return command(caller, std::move(c),
                 [viewer = caller.user_id](const core::State& s, const core::Events& events) {
                   const auto& e = std::get<core::CustomerCreated>(events.front().base());
                   return json::value{
                       {"customer", customer_json(s, viewer, *s.customers.find(e.customer_id))}};
                 });
}

JsonRender customer_result(core::CustomerId id, core::UserId viewer) {
  return [id, viewer](const core::State& s, const core::Events&) {
    return json::value{{"customer", customer_json(s, viewer, *s.customers.find(id))}};
  };
}

Prepared op_customers_update(const Args& a, const Caller& caller) {
  core::UpdateCustomer c;
  c.customer_id = a.id("customer_id");
  c.customer_name = a.opt_text("name");
  c.address = a.opt_text("address");
  if (a.raw().contains("phones")) c.phones = text_list(a.raw(), "phones");
  if (a.raw().contains("nicknames")) c.nicknames = text_list(a.raw(), "nicknames");
  if (a.raw().contains("responsible_id")) {
    // 0 or null: nobody
    c.responsible_id = a.declared_integer("responsible_id").value_or(0);
  }
  return command(caller, c, customer_result(c.customer_id, caller.user_id));
}

Prepared op_customers_note(const Args& a, const Caller& caller) {
  core::NoteCustomer c{a.id("customer_id"), a.text("text")};
  return command(caller, c, customer_result(c.customer_id, caller.user_id));
}

Prepared op_customers_get(const Args& a, const Caller& caller) {
  const core::CustomerId id = a.id("customer_id");
  return checked_query(caller, core::everyone,
                       [id, viewer = caller.user_id](const core::State& s) -> Result<json::value> {
                         const core::Customer* c = s.customers.find(id);
                         if (c == nullptr) {
                           return core::reject(core::Code::not_found,
                                               "no customer " + std::to_string(id));
                         }
                         std::vector<const core::Order*> visible;
                         for (const core::Order* o : core::orders_of_customer(s, id, false)) {
                           if (core::may_see_order(s, viewer, *o)) visible.push_back(o);
                         }
                         return json::value{{"customer", customer_json(s, viewer, *c)},
                                            {"orders", orders_json(s, viewer, visible)}};
                       });
}

// A search by phone (three digits or more) counts as a phone lookup for a sale: the prefix
// search never lists a customer by a number hidden from the caller (core::search_customers),
// and the lookups limit keeps it from being walked digit by digit.
Prepared op_customers_search(const Args& a, const Caller& caller) {
  const std::string q = a.text("q");
  return checked_query(
      caller, core::everyone, [q, caller](const core::State& s) -> Result<json::value> {
        const core::UserId viewer = caller.user_id;
        const bool by_phone =
            q.empty() || q[0] != '@'
                ? core::phone_prefix(q, s.settings[core::setting::phone_country]).size() >= 3
                : false;
        if (by_phone && core::masks_for(s, viewer) && caller.lookups != nullptr &&
            !caller.lookups->take(viewer, PhoneLookups::Clock::now())) {
          return too_many_lookups();
        }
        json::array list;
        for (const core::Customer* c : core::search_customers(s, q, viewer)) {
          list.push_back(customer_json(s, viewer, *c));
        }
        return json::value(items(std::move(list)));
      });
}

// ---- orders ----
std::vector<core::OrderItem> order_items(const json::object& args) {
  std::vector<core::OrderItem> out;
  const json::array& lines = array_arg(args, "items");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string field = "items[" + std::to_string(i) + "]";
    const json::object& o = element(lines[i], field);
    Args item(o);
    out.push_back(core::OrderItem{item.text("sku"), item.integer("qty"), percent_arg(o, field),
                                  item.opt_integer("discount_amount")});
  }
  return out;
}

std::vector<core::OrderCombo> order_combos(const json::object& args) {
  std::vector<core::OrderCombo> out;
  const json::array& combos = array_arg(args, "combos");
  for (std::size_t i = 0; i < combos.size(); ++i) {
    const std::string field = "combos[" + std::to_string(i) + "]";
    const json::object& o = element(combos[i], field);
    Args combo(o);
    out.push_back(core::OrderCombo{combo.text("code"), combo.integer("qty"),
                                   percent_arg(o, field), combo.opt_integer("discount_amount")});
  }
  return out;
}

core::CreateOrder order_command(const json::object& args) {
  Args a(args);
  core::CreateOrder c;
  c.customer_id = a.opt_id("customer_id");
  c.lead_id = a.opt_id("lead_id");
  c.conversation_id = a.opt_id("conversation_id");
  c.phone = a.opt_text("phone");
  c.customer_name = a.opt_text("name");
  c.address = a.opt_text("address");
  c.source = a.opt_text("source");
  c.warehouse = a.opt_text("warehouse");
  c.note = a.opt_text("note").value_or("");
  if (auto status = a.opt_text("status")) {
    if (*status != "draft" && *status != "new") {
      throw BadRequest("status of a new order must be draft or new");
    }
    c.draft = *status == "draft";
  }
  c.items = order_items(args);
  c.combos = order_combos(args);
  return c;
}

core::UpdateOrder order_update(const Args& a) {
  core::UpdateOrder c;
  c.order_id = a.id("order_id");
  c.phone = a.opt_text("phone");
  c.customer_name = a.opt_text("name");
  c.address = a.opt_text("address");
  c.source = a.opt_text("source");
  c.warehouse = a.opt_text("warehouse");
  c.note = a.opt_text("note");
  if (a.raw().contains("items")) c.items = order_items(a.raw());
  if (a.raw().contains("combos")) c.combos = order_combos(a.raw());
  return c;
}

JsonRender order_result(core::OrderId id, core::UserId viewer) {
  return [id, viewer](const core::State& s, const core::Events&) {
    return json::value{{"order", order_json(s, viewer, *s.orders.find(id))}};
  };
}

Prepared op_orders_create(const Args& a, const Caller& caller) {
  return command(caller, order_command(a.raw()),
                 [viewer = caller.user_id](const core::State& s, const core::Events& events) {
                   for (const core::Event& e : events) {
                     if (const auto* created = std::get_if<core::OrderCreated>(&e.base())) {
                       return json::value{
                           {"order", order_json(s, viewer, *s.orders.find(created->order_id))}};
                     }
                   }
                   return json::value{};
                 });
}

Prepared op_orders_set_status(const Args& a, const Caller& caller) {
  const core::OrderId id = a.id("order_id");
  auto status = core::parse_order_status(a.text("status"));
  if (!status) {
    throw BadRequest(
        "status must be one of draft, new, confirmed, shipping, delivered, returned, cancelled");
  }
  return command(caller, core::SetOrderStatus{id, *status}, order_result(id, caller.user_id));
}

Prepared op_orders_update(const Args& a, const Caller& caller) {
  const core::UpdateOrder c = order_update(a);
  return command(caller, c, order_result(c.order_id, caller.user_id));
}

Prepared op_orders_get(const Args& a, const Caller& caller) {
  const core::OrderId id = a.id("order_id");
  return checked_query(
      caller, core::everyone, [id, caller](const core::State& s) -> Result<json::value> {
        const core::Order* o = s.orders.find(id);
        if (o == nullptr || !core::may_see_order(s, caller.user_id, *o)) {
          return core::reject(core::Code::not_found, "no order " + std::to_string(id));
        }
        return json::value{{"order", order_json(s, caller.user_id, *o)}};
      });
}

core::OrderFilter order_filter(const Args& top) {
  core::OrderFilter f;
  const auto* filters = top.raw().if_contains("filters");
  static const json::object none;
  const json::object& fo = (filters && filters->is_object()) ? filters->get_object() : none;
  if (filters && !filters->is_object() && !filters->is_null()) {
    throw BadRequest("filters must be an object");
  }
  Args a(fo);
  if (auto st = a.opt_text("status")) {
    f.status = core::parse_order_status(*st);
    if (!f.status) throw BadRequest("filters.status is not an order status");
  }
  f.source = a.opt_text("source");
  f.from = a.opt_time("from");
  f.to = a.opt_time("to");
  f.customer_id = a.opt_id("customer_id");
  f.created_by = a.opt_id("created_by");
  f.assignee_id = a.opt_id("assignee_id");
  f.phone = a.opt_text("phone");
  f.after = top.cursor("cursor");
  f.limit = static_cast<std::size_t>(*top.declared_integer("limit"));
  return f;
}

Prepared op_orders_list(const Args& a, const Caller& caller) {
  core::OrderFilter f = order_filter(a);
  return checked_query(
      caller, core::everyone, [f, caller](const core::State& s) -> Result<json::value> {
        core::OrderFilter filter = f;
        if (filter.phone) {
          auto phone = typed_phone(s, caller, *filter.phone, "filters.phone");
          if (!phone) return phone.error();
          if (!phone.value()) {
            return json::value(json::object{{"items", json::array{}}, {"next_cursor", nullptr}});
          }
          filter.phone = *phone.value();
        }
        const auto found = core::list_orders(s, caller.user_id, filter);
        json::object out = items(orders_json(s, caller.user_id, found));
        const bool full = found.size() == filter.limit;
        out["next_cursor"] =
            full ? json::value(std::to_string(found.back()->id)) : json::value(nullptr);
        return json::value(std::move(out));
      });
}

// orders.history and orders.by_phone: by phone, by a pool lead (the heart and duplicate lists
// of a masked row), or (history) by customer. Phones and notes are shown as the caller may see.
template <bool ClosedOnly>
Prepared phone_orders(const Args& a, const Caller& caller) {
  auto phone = a.opt_text("phone");
  auto lead = a.opt_id("lead_id");
  auto customer = ClosedOnly ? a.opt_id("customer_id") : std::nullopt;
  if (!phone && !customer && !lead) {
    throw BadRequest(ClosedOnly ? "phone, lead_id or customer_id is required"
                                : "phone or lead_id is required");
  }
  return checked_query(
      caller, core::everyone,
      [phone, lead, customer, caller](const core::State& s) -> Result<json::value> {
        const core::UserId viewer = caller.user_id;
        if (customer) {
          return json::value(
              items(orders_json(s, viewer, core::orders_of_customer(s, *customer, ClosedOnly))));
        }
        if (lead) {
          const core::Lead* l = s.leads.find(*lead);
          // A pool row's lead, or one the caller works; any other lead id would give its phone
          // away.
          if (l == nullptr || !(l->in_pool || core::may_work(s, viewer, *l))) {
            return core::reject(core::Code::not_found, "no lead " + std::to_string(*lead));
          }
          return json::value(items(pool_orders_json(
              s, viewer, core::orders_by_phone(s, core::phone_of(*l), ClosedOnly))));
        }
        auto number = typed_phone(s, caller, *phone, "phone");
        if (!number) return number.error();
        if (!number.value()) return json::value(items({}));
        return json::value(
            items(orders_json(s, viewer, core::orders_by_phone(s, *number.value(), ClosedOnly))));
      });
}

// ---- system messages ----
Prepared op_system_messages_list(const Args&, const Caller& caller) {
  return query(caller, core::admin_only, [](const core::State& s) {
    json::array list;
    const auto& all = s.system_messages.by_id;
    for (auto it = all.begin() + s.system_messages.cleared_up_to; it != all.end(); ++it) {
      list.push_back(message_json(*it));
    }
    return items(std::move(list));
  });
}

Prepared op_system_messages_clear(const Args&, const Caller& caller) {
  return command(
      caller, core::ClearSystemMessages{}, [](const core::State& s, const core::Events& events) {
        const std::int64_t cleared =
            events.empty() ? 0 : std::get<core::SystemMessagesCleared>(events.front().base()).count;
        return json::value{{"cleared", cleared}, {"open", s.system_messages.open()}};
      });
}


const std::vector<Op>& commerce_ops() {
  using namespace arg;
  constexpr auto code_max = core::code_bytes_max;
  constexpr auto name_max = core::catalog_name_bytes_max;
  static const std::vector<Op> table = {
      {"statuses.upsert", false, &op_statuses_upsert,
       {text("code", code_max), text("name", name_max), opt_boolean("floats")}},
      {"statuses.list", false, &op_statuses_list, {}},
      {"products.upsert", false, &op_products_upsert,
       {text("sku", code_max), text("name", name_max), integer("price", 0, core::price_max)}},
      {"products.list", false, &catalog_list<&core::Catalog::products, &product_json>, {}},
      {"combos.upsert", false, &op_combos_upsert,
       {text("code", code_max), text("name", name_max), integer("price", 0, core::price_max),
        array("items")}},
      {"combos.list", false, &catalog_list<&core::Catalog::combos, &combo_json>, {}},
      {"sources.upsert", false, &op_sources_upsert,
       {text("code", code_max), text("name", name_max), text("channel")}},
      {"sources.list", false, &catalog_list<&core::Catalog::sources, &source_json>, {}},
      {"warehouses.upsert", false, &op_warehouses_upsert,
       {text("code", code_max), text("name", name_max)}},
      {"warehouses.list", false, &catalog_list<&core::Catalog::warehouses, &warehouse_json>, {}},
      {"customers.create", false, &op_customers_create,
       {text("name", core::customer_name_bytes_max), opt_array("phones"),
        opt_text("address", core::address_bytes_max)}},
      {"customers.update", false, &op_customers_update,
       {id("customer_id"), opt_text("name", core::customer_name_bytes_max), opt_array("phones"),
        opt_text("address", core::address_bytes_max), opt_array("nicknames"),
        opt_integer("responsible_id", 0, id_max)}},
      {"customers.note", false, &op_customers_note,
       {id("customer_id"), text("text", core::note_bytes_max)}},
      {"customers.get", false, &op_customers_get, {id("customer_id")}},
      {"customers.search", false, &op_customers_search, {text("q")}},
      {"orders.create", false, &op_orders_create,
       {opt_id("customer_id"), opt_id("lead_id"), opt_id("conversation_id"), opt_text("phone"),
        opt_text("name", core::customer_name_bytes_max),
        opt_text("address", core::address_bytes_max), opt_array("items"), opt_array("combos"),
        opt_text("source", code_max), opt_text("warehouse", code_max),
        opt_text("note", core::order_note_bytes_max), opt_text("status")}},
      {"orders.set_status", false, &op_orders_set_status, {id("order_id"), text("status")}},
      {"orders.update", false, &op_orders_update,
       {id("order_id"), opt_text("phone"), opt_text("name", core::customer_name_bytes_max),
        opt_text("address", core::address_bytes_max), opt_array("items"), opt_array("combos"),
        opt_text("source", code_max), opt_text("warehouse", code_max),
        opt_text("note", core::order_note_bytes_max)}},
      {"orders.get", false, &op_orders_get, {id("order_id")}},
      {"orders.list", false, &op_orders_list,
       {opt_object("filters"), cursor(), limit(orders_page_default, core::order_page_max)}},
      {"orders.history", false, &phone_orders<true>,
       {opt_text("phone"), opt_id("customer_id"), opt_id("lead_id")}},
      {"orders.by_phone", false, &phone_orders<false>, {opt_text("phone"), opt_id("lead_id")}},
      {"system_messages.list", false, &op_system_messages_list, {}},
      {"system_messages.clear", false, &op_system_messages_clear, {}},
  };
  return table;
}

void commerce_pushes(const core::State& s, const Committed& c, const Listened& listened,
                     std::vector<Push>& out) {
  const auto order_push = [&](core::OrderId id, std::string_view type) {
    if (!listened("orders")) return;
    const core::Order* o = s.orders.find(id);
    // Rendered in full for those who may see its number, and masked for the others.
    const auto hidden = [&s, o](core::UserId u) {
      return core::phone_hidden_from(s, u, o->phone) ||
             core::visible_text(s, u, o->note) != o->note;
    };
    out.push_back(
        {"orders", std::nullopt,
         push_frame("orders", type, json::object{{"order", order_json(s, core::system_actor, *o)}},
                    c.seq),
         [&s, o, hidden](core::UserId u) { return core::may_see_order(s, u, *o) && !hidden(u); }});
    out.push_back(
        {"orders", std::nullopt,
         push_frame("orders", type,
                    json::object{{"order", order_json(s, core::anonymous_sale, *o)}}, c.seq),
         [&s, o, hidden](core::UserId u) { return core::may_see_order(s, u, *o) && hidden(u); }});
  };
  const auto admins = [&s](core::UserId u) { return ops::is_admin(s, u); };
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::OrderCreated>) {
          order_push(e.order_id, "created");
        } else if constexpr (std::is_same_v<T, core::OrderStatusChanged>) {
          order_push(e.order_id, "status");
        } else if constexpr (std::is_same_v<T, core::OrderAssigned>) {
          order_push(e.order_id, "assigned");
        } else if constexpr (std::is_same_v<T, core::OrderUpdated>) {
          order_push(e.order_id, "updated");
        } else if constexpr (std::is_same_v<T, core::SystemMessageRecorded>) {
          if (!listened("me")) return;
          const core::SystemMessage& m =
              s.system_messages.by_id.at(static_cast<std::size_t>(e.message_id - 1));
          out.push_back({"me", std::nullopt,
                         push_frame("me", "system_message",
                                    json::object{{"message", message_json(m)},
                                                 {"open", s.system_messages.open()}},
                                    c.seq),
                         admins});
        } else if constexpr (std::is_same_v<T, core::SystemMessagesCleared>) {
          if (!listened("me")) return;
          out.push_back({"me", std::nullopt,
                         push_frame("me", "system_messages_cleared",
                                    json::object{{"open", s.system_messages.open()}}, c.seq),
                         admins});
        }
      },
      c.event.base());
}

}  // namespace

Module commerce_module() {
  return {"commerce", &commerce_ops, {"orders"}, &commerce_pushes, nullptr};
}

}  // namespace salesdesk::app
