#include "core/events.hpp"

#include <array>

namespace salesdesk::core {
namespace {

struct TypeInfo {
  std::uint16_t type;
  std::string_view name;
};

template <std::size_t... I>
constexpr std::array<TypeInfo, event_type_count> make_table(std::index_sequence<I...>) {
  return {{{std::variant_alternative_t<I, EventVariant>::type_id,
            std::variant_alternative_t<I, EventVariant>::name}...}};
}

constexpr auto table = make_table(std::make_index_sequence<event_type_count>{});

constexpr bool type_ids_unique() {
  for (std::size_t a = 0; a < table.size(); ++a) {
    for (std::size_t b = a + 1; b < table.size(); ++b) {
      if (table[a].type == table[b].type || table[a].name == table[b].name) return false;
    }
  }
  return true;
}

static_assert(type_ids_unique(), "every event type needs its own numeric id and name");

}  // namespace

std::uint16_t event_type(const Event& e) { return table[e.index()].type; }

std::string_view event_name(const Event& e) { return table[e.index()].name; }

std::string event_stream(const Event& e) {
  return std::visit([](const auto& x) { return x.stream(); }, e.base());
}

std::optional<std::uint16_t> event_type_by_name(std::string_view name) {
  for (const TypeInfo& info : table) {
    if (info.name == name) return info.type;
  }
  return std::nullopt;
}

std::optional<std::string_view> event_name_by_type(std::uint16_t type) {
  for (const TypeInfo& info : table) {
    if (info.type == type) return info.name;
  }
  return std::nullopt;
}

}  // namespace salesdesk::core
