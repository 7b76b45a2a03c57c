// The journal's storage contract: every event type, its stable numeric id and its name.
// An event type, once shipped, is never changed incompatibly; a retired id is never reused.
// Type ids by aggregate: user 1-19, team 20-29, settings 30-39, catalog 40-59, customer 60-79,
// order 80-99, system messages 100-109, lead and pool 110-139, pages and inbox views 140-159.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/areas.hpp"

namespace salesdesk::core {

// Every area's events, joined in the order of the registry (core/areas.hpp). The journal
// stores an event by its type id, never by its place here.
using EventVariant = VariantOfList<AreaLists<Areas>::Events>::type;
// How many event types there are.
inline constexpr std::size_t event_type_count = std::variant_size_v<EventVariant>;

// A class rather than an alias, so aggregate headers can name it before it is complete.
struct Event : EventVariant {
  using EventVariant::EventVariant;
  const EventVariant& base() const { return *this; }
  EventVariant& base() { return *this; }
};

std::uint16_t event_type(const Event& e);
std::string_view event_name(const Event& e);
std::string event_stream(const Event& e);
std::optional<std::uint16_t> event_type_by_name(std::string_view name);
std::optional<std::string_view> event_name_by_type(std::uint16_t type);

}  // namespace salesdesk::core
