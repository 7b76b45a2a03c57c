#include "core/state.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>

namespace salesdesk::core {

// Each event goes to the one aggregate that has an evolve() for it.
void evolve(State& s, const Event& e, Time at) {
  std::visit(
      [&](const auto& x) {
        if constexpr (requires { evolve_leads(s, x, at); }) {
          evolve_leads(s, x, at);
        } else if constexpr (requires { evolve(s.users, x, at); }) {
          evolve(s.users, x, at);
        } else if constexpr (requires { evolve(s.teams, x, at); }) {
          evolve(s.teams, x, at);
        } else if constexpr (requires { evolve(s.settings, x, at); }) {
          evolve(s.settings, x, at);
        } else if constexpr (requires { evolve(s.catalog, x, at); }) {
          evolve(s.catalog, x, at);
          // A status's float tick decides which leads may float.
          if constexpr (std::is_same_v<std::decay_t<decltype(x)>, StatusUpserted>)
            reindex_candidates(s);
        } else if constexpr (requires { evolve(s.customers, x, at); }) {
          evolve(s.customers, x, at);
        } else if constexpr (requires { evolve(s.orders, x, at); }) {
          evolve(s.orders, x, at);
        } else {
          evolve(s.system_messages, x, at);
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
