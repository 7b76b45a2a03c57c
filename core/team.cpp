#include "core/team.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>

#include "core/customer.hpp"
#include "core/state.hpp"

namespace salesdesk::core {

const Team* Teams::find(TeamId id) const {
  if (id < 1 || id > static_cast<TeamId>(by_id.size())) return nullptr;
  return &by_id[static_cast<std::size_t>(id - 1)];
}

void evolve(Teams& teams, const TeamCreated& e, Time at) {
  assert(e.team_id == teams.next_id());
  teams.by_id.push_back(Team{e.team_id, e.team_name, at});
}

namespace {

bool same_name(const std::string& a, const std::string& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
    return std::tolower(x) == std::tolower(y);
  });
}

}  // namespace

Result<Events> decide(const State& s, UserId actor, const CreateTeam& c, Time) {
  if (auto r = authorize(s, actor, admin_only); !r) return r.error();
  if (auto ok = check_name(c.team_name, "name", team_name_bytes_max, true); !ok) return ok.error();
  const bool taken = std::any_of(s.teams.by_id.begin(), s.teams.by_id.end(),
                                 [&](const Team& t) { return same_name(t.name, c.team_name); });
  if (taken) return reject(Code::conflict, "a team named " + c.team_name + " exists");
  return Events{TeamCreated{s.teams.next_id(), c.team_name}};
}

Result<bool> check_team_ids(const Teams& teams, const std::vector<TeamId>& ids) {
  for (TeamId id : ids) {
    if (teams.find(id) == nullptr) return reject(Code::not_found, "no team " + std::to_string(id));
  }
  return true;
}

}  // namespace salesdesk::core
