#include "core/state.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>

namespace salesdesk::core {

void evolve(State& s, const Event& e, Time at) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, TeamCreated>) {
          evolve(s.teams, x, at);
        } else if constexpr (std::is_same_v<T, SettingsChanged>) {
          evolve(s.settings, x, at);
        } else if constexpr (std::is_same_v<T, StatusUpserted>) {
          evolve(s.catalog, x, at);
        } else {
          evolve(s.users, x, at);
        }
      },
      e.base());
}

std::string encode_state(const State& s) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    ar(s);
  }
  return std::move(out).str();
}

State decode_state(std::string_view bytes) {
  std::istringstream in{std::string(bytes)};
  State s;
  cereal::PortableBinaryInputArchive ar(in);
  ar(s);
  return s;
}

}  // namespace salesdesk::core
