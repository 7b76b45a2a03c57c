// The catalog aggregate: workflow statuses of leads (the "results" of a call, each saying
// whether leads in it may float into the pool), products, combos, order sources (each tied to a
// channel) and warehouses. Admin keeps it with upserts; a code, once used, names the same row
// for ever, so orders and leads can refer to it by code.
#pragma once

#include <cereal/cereal.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

// ---- streams ----
inline std::string status_stream(const std::string& code) { return "status:" + code; }
inline std::string product_stream(const std::string& sku) { return "product:" + sku; }
inline std::string combo_stream(const std::string& code) { return "combo:" + code; }
inline std::string source_stream(const std::string& code) { return "source:" + code; }
inline std::string warehouse_stream(const std::string& code) { return "warehouse:" + code; }

// ---- events ----
struct StatusUpserted {
  static constexpr std::uint16_t type_id = 40;
  static constexpr const char* name = "StatusUpserted";
  std::string code;
  std::string status_name;
  bool floats = false;
  std::string stream() const { return status_stream(code); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(code), CEREAL_NVP(status_name), CEREAL_NVP(floats));
  }
};

struct ProductUpserted {
  static constexpr std::uint16_t type_id = 41;
  static constexpr const char* name = "ProductUpserted";
  std::string sku;
  std::string product_name;
  Money price = 0;
  std::string stream() const { return product_stream(sku); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(sku), CEREAL_NVP(product_name), CEREAL_NVP(price));
  }
};

struct ComboItem {
  std::string sku;
  std::int64_t qty = 1;
  bool operator==(const ComboItem&) const = default;
  template <class A>
  void serialize(A& ar) { ar(CEREAL_NVP(sku), CEREAL_NVP(qty)); }
};

struct ComboUpserted {
  static constexpr std::uint16_t type_id = 42;
  static constexpr const char* name = "ComboUpserted";
  std::string code;
  std::string combo_name;
  Money price = 0;
  std::vector<ComboItem> items;
  std::string stream() const { return combo_stream(code); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(code), CEREAL_NVP(combo_name), CEREAL_NVP(price), CEREAL_NVP(items));
  }
};

struct SourceUpserted {
  static constexpr std::uint16_t type_id = 43;
  static constexpr const char* name = "SourceUpserted";
  std::string code;
  std::string source_name;
  std::string channel;
  std::string stream() const { return source_stream(code); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(code), CEREAL_NVP(source_name), CEREAL_NVP(channel));
  }
};

struct WarehouseUpserted {
  static constexpr std::uint16_t type_id = 44;
  static constexpr const char* name = "WarehouseUpserted";
  std::string code;
  std::string warehouse_name;
  std::string stream() const { return warehouse_stream(code); }
  template <class A>
  void serialize(A& ar, std::uint32_t) { ar(CEREAL_NVP(code), CEREAL_NVP(warehouse_name)); }
};

// ---- state ----
struct Status {
  std::string code;
  std::string name;
  bool floats = false;
  std::size_t order = 0;  // position in the catalog, for listing
  template <class A>
  void serialize(A& ar) { ar(code, name, floats, order); }
};

struct Product {
  std::string sku;
  std::string name;
  Money price = 0;
  template <class A>
  void serialize(A& ar) { ar(sku, name, price); }
};

struct Combo {
  std::string code;
  std::string name;
  Money price = 0;
  std::vector<ComboItem> items;
  template <class A>
  void serialize(A& ar) { ar(code, name, price, items); }
};

struct Source {
  std::string code;
  std::string name;
  std::string channel;
  template <class A>
  void serialize(A& ar) { ar(code, name, channel); }
};

struct Warehouse {
  std::string code;
  std::string name;
  template <class A>
  void serialize(A& ar) { ar(code, name); }
};

struct Catalog {
  std::map<std::string, Status> statuses;
  std::map<std::string, Product> products;
  std::map<std::string, Combo> combos;
  std::map<std::string, Source> sources;
  std::map<std::string, Warehouse> warehouses;

  std::vector<const Status*> statuses_in_order() const;
  // The first source (by code) tied to this channel, or "" when none is.
  std::string first_source_of(std::string_view channel) const;
  template <class A>
  void serialize(A& ar) { ar(statuses, products, combos, sources, warehouses); }
};

// ---- evolve ----
void evolve(Catalog& catalog, const StatusUpserted& e, Time at);
void evolve(Catalog& catalog, const ProductUpserted& e, Time at);
void evolve(Catalog& catalog, const ComboUpserted& e, Time at);
void evolve(Catalog& catalog, const SourceUpserted& e, Time at);
void evolve(Catalog& catalog, const WarehouseUpserted& e, Time at);

// The workflow statuses every new unit starts with (PROTOCOL.md "Catalog").
std::vector<StatusUpserted> seeded_statuses();

// ---- commands and decide ----
constexpr std::size_t code_bytes_max = 64;
constexpr std::size_t catalog_name_bytes_max = 200;
constexpr Money price_max = 1'000'000'000'000;  // far above any real price, far below overflow
constexpr std::int64_t qty_max = 1'000'000;
constexpr std::size_t combo_items_max = 50;

// The channels a source can be tied to: the page channels, plus the phone and offline sales.
bool known_channel(std::string_view channel);

struct UpsertStatus {
  std::string code;
  std::string status_name;
  bool floats = false;
};
struct UpsertProduct {
  std::string sku;
  std::string product_name;
  Money price = 0;
};
struct UpsertCombo {
  std::string code;
  std::string combo_name;
  Money price = 0;
  std::vector<ComboItem> items;
};
struct UpsertSource {
  std::string code;
  std::string source_name;
  std::string channel;
};
struct UpsertWarehouse {
  std::string code;
  std::string warehouse_name;
};

Result<Events> decide(const State& s, UserId actor, const UpsertStatus& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpsertProduct& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpsertCombo& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpsertSource& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpsertWarehouse& c, Time now);

// A catalog code: 1-64 of letters, digits, '.', '_', '-'. The message names the field.
Result<bool> check_code(const std::string& code, std::string_view field);

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct CatalogArea {
  using EventTypes =
      TypeList<StatusUpserted, ProductUpserted, ComboUpserted, SourceUpserted, WarehouseUpserted>;
  using CommandTypes =
      TypeList<UpsertStatus, UpsertProduct, UpsertCombo, UpsertSource, UpsertWarehouse>;
  Catalog catalog;
  static constexpr auto projection = &CatalogArea::catalog;
};

}  // namespace salesdesk::core
