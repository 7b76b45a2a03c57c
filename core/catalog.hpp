// The catalog aggregate. For now: the workflow statuses of leads (the "results" of a call),
// seeded on an empty journal; each status says whether leads in it may float into the pool.
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

inline std::string status_stream(const std::string& code) { return "status:" + code; }

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

struct Status {
  std::string code;
  std::string name;
  bool floats = false;
  std::size_t order = 0;  // position in the catalog, for listing
  template <class A>
  void serialize(A& ar) { ar(code, name, floats, order); }
};

struct Catalog {
  std::map<std::string, Status> statuses;
  std::vector<const Status*> statuses_in_order() const;
  template <class A>
  void serialize(A& ar) { ar(statuses); }
};

void evolve(Catalog& catalog, const StatusUpserted& e, Time at);

// The workflow statuses every new unit starts with (PROTOCOL.md "Catalog").
std::vector<StatusUpserted> seeded_statuses();

}  // namespace salesdesk::core
