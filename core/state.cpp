#include "core/state.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>

namespace salesdesk::core {

// Areas that observe an event see the state before it; then the event folds into the area that
// lists it, and any other area reacts to it.
void evolve(State& s, const Event& e, Time at) {
  std::visit(
      [&](const auto& x) {
        using E = std::decay_t<decltype(x)>;
        for_each_type(Areas{}, [&]<class A>() {
          if constexpr (requires { A::observe(s, x, at); }) A::observe(s, x, at);
        });
        for_each_type(Areas{}, [&]<class A>() {
          if constexpr (!ListHolds<typename A::EventTypes, E>::value) {
          } else if constexpr (requires { A::fold(s, x, at); }) {
            A::fold(s, x, at);
          } else {
            evolve(s.*A::projection, x, at);
          }
        });
        for_each_type(Areas{}, [&]<class A>() {
          if constexpr (requires { A::react(s, x); }) A::react(s, x);
        });
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
