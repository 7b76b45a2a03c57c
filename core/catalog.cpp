#include "core/catalog.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/customer.hpp"
#include "core/state.hpp"

namespace salesdesk::core {

std::string Catalog::first_source_of(std::string_view channel) const {
  for (const auto& [code, source] : sources) {
    if (source.channel == channel) return code;
  }
  return {};
}

std::vector<const Status*> Catalog::statuses_in_order() const {
  std::vector<const Status*> out;
  out.reserve(statuses.size());
  for (const auto& [code, status] : statuses) out.push_back(&status);
  std::sort(out.begin(), out.end(),
            [](const Status* a, const Status* b) { return a->order < b->order; });
  return out;
}

// ---- evolve ----
void evolve(Catalog& catalog, const StatusUpserted& e, Time) {
  auto [it, inserted] = catalog.statuses.try_emplace(e.code);
  if (inserted) it->second.order = catalog.statuses.size();
  it->second.code = e.code;
  it->second.name = e.status_name;
  it->second.floats = e.floats;
}

void evolve(Catalog& catalog, const ProductUpserted& e, Time) {
  catalog.products[e.sku] = Product{e.sku, e.product_name, e.price};
}

void evolve(Catalog& catalog, const ComboUpserted& e, Time) {
  catalog.combos[e.code] = Combo{e.code, e.combo_name, e.price, e.items};
}

void evolve(Catalog& catalog, const SourceUpserted& e, Time) {
  catalog.sources[e.code] = Source{e.code, e.source_name, e.channel};
}

void evolve(Catalog& catalog, const WarehouseUpserted& e, Time) {
  catalog.warehouses[e.code] = Warehouse{e.code, e.warehouse_name};
}

std::vector<StatusUpserted> seeded_statuses() {
  return {
      {"new", "New", true},          {"no_answer", "No answer", true},
      {"busy", "Busy", true},        {"call_back", "Call back", false},
      {"refused", "Refused", true},  {"wrong_number", "Wrong number", false},
      {"ordered", "Ordered", false},
  };
}

// ---- rules ----
bool known_channel(std::string_view channel) {
  static constexpr std::array<std::string_view, 10> channels = {
      "facebook", "instagram", "zalo", "telegram", "api",
      "pbx",      "phone",     "web",  "offline",  "other"};
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

Result<bool> check_code(const std::string& code, std::string_view field) {
  if (code.empty()) return reject(Code::bad_request, std::string(field) + " is required");
  if (code.size() > code_bytes_max) {
    return reject(Code::bad_request, std::string(field) + " is too long: at most " +
                                         std::to_string(code_bytes_max) + " bytes");
  }
  for (unsigned char c : code) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-')) {
      return reject(Code::bad_request,
                    std::string(field) + " may contain only letters, digits and . _ -");
    }
  }
  return true;
}

namespace {

Result<bool> check_entry(const State& s, UserId actor, const std::string& code,
                         std::string_view code_field, const std::string& name) {
  if (auto r = authorize(s, actor, admin_only); !r) return r;
  if (auto r = check_code(code, code_field); !r) return r;
  return check_name(name, "name", catalog_name_bytes_max, true);
}

Result<bool> check_price(Money price) {
  if (price < 0 || price > price_max) {
    return reject(Code::bad_request, "price must be between 0 and 10^12");
  }
  return true;
}

Result<bool> check_combo_items(const State& s, const std::vector<ComboItem>& items) {
  if (items.empty()) return reject(Code::bad_request, "a combo needs at least one item");
  if (items.size() > combo_items_max) {
    return reject(Code::bad_request, "a combo has at most 50 items");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string field = "items[" + std::to_string(i) + "]";
    if (!s.catalog.products.contains(items[i].sku)) {
      return reject(Code::bad_request, field + ": no product with sku " + items[i].sku);
    }
    if (items[i].qty < 1 || items[i].qty > qty_max) {
      return reject(Code::bad_request, field + ": qty must be between 1 and 1000000");
    }
  }
  return true;
}

}  // namespace

// ---- decide ----
Result<Events> decide(const State& s, UserId actor, const UpsertStatus& c, Time) {
  if (auto r = check_entry(s, actor, c.code, "code", c.status_name); !r) return r.error();
  Events out{StatusUpserted{c.code, c.status_name, c.floats}};
  for (Event& e : drain_for_status(s, c.code, c.floats)) out.push_back(std::move(e));
  return out;
}

Result<Events> decide(const State& s, UserId actor, const UpsertProduct& c, Time) {
  if (auto r = check_entry(s, actor, c.sku, "sku", c.product_name); !r) return r.error();
  if (auto r = check_price(c.price); !r) return r.error();
  return Events{ProductUpserted{c.sku, c.product_name, c.price}};
}

Result<Events> decide(const State& s, UserId actor, const UpsertCombo& c, Time) {
  if (auto r = check_entry(s, actor, c.code, "code", c.combo_name); !r) return r.error();
  if (auto r = check_price(c.price); !r) return r.error();
  if (auto r = check_combo_items(s, c.items); !r) return r.error();
  return Events{ComboUpserted{c.code, c.combo_name, c.price, c.items}};
}

Result<Events> decide(const State& s, UserId actor, const UpsertSource& c, Time) {
  if (auto r = check_entry(s, actor, c.code, "code", c.source_name); !r) return r.error();
  if (!known_channel(c.channel)) {
    return reject(
        Code::bad_request,
        "channel must be one of facebook, instagram, zalo, telegram, api, pbx, phone, web, "
        "offline, other");
  }
  return Events{SourceUpserted{c.code, c.source_name, c.channel}};
}

Result<Events> decide(const State& s, UserId actor, const UpsertWarehouse& c, Time) {
  if (auto r = check_entry(s, actor, c.code, "code", c.warehouse_name); !r) return r.error();
  return Events{WarehouseUpserted{c.code, c.warehouse_name}};
}

}  // namespace salesdesk::core
