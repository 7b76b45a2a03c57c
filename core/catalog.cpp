#include "core/catalog.hpp"

#include <algorithm>

namespace salesdesk::core {

std::vector<const Status*> Catalog::statuses_in_order() const {
  std::vector<const Status*> out;
  out.reserve(statuses.size());
  for (const auto& [code, status] : statuses) out.push_back(&status);
  std::sort(out.begin(), out.end(), [](const Status* a, const Status* b) { return a->order < b->order; });
  return out;
}

void evolve(Catalog& catalog, const StatusUpserted& e, Time) {
  auto [it, inserted] = catalog.statuses.try_emplace(e.code);
  if (inserted) it->second.order = catalog.statuses.size();
  it->second.code = e.code;
  it->second.name = e.status_name;
  it->second.floats = e.floats;
}

std::vector<StatusUpserted> seeded_statuses() {
  return {
      {"new", "New", true},          {"no_answer", "No answer", true},
      {"busy", "Busy", true},        {"call_back", "Call back", false},
      {"refused", "Refused", true},  {"wrong_number", "Wrong number", false},
      {"ordered", "Ordered", false},
  };
}

}  // namespace salesdesk::core
