// The team aggregate: departments that group users; page access can later be granted to a team.
#pragma once

#include <cereal/cereal.hpp>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

inline std::string team_stream(TeamId id) { return "team:" + std::to_string(id); }

struct TeamCreated {
  static constexpr std::uint16_t type_id = 20;
  static constexpr const char* name = "TeamCreated";
  TeamId team_id = 0;
  std::string team_name;
  std::string stream() const { return team_stream(team_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) { ar(CEREAL_NVP(team_id), CEREAL_NVP(team_name)); }
};

struct Team {
  TeamId id = 0;
  std::string name;
  Time created_at = 0;
  template <class A>
  void serialize(A& ar) { ar(id, name, created_at); }
};

struct Teams {
  std::vector<Team> by_id;  // index = id - 1
  const Team* find(TeamId id) const;
  TeamId next_id() const { return static_cast<TeamId>(by_id.size()) + 1; }
  template <class A>
  void serialize(A& ar) { ar(by_id); }
};

void evolve(Teams& teams, const TeamCreated& e, Time at);

constexpr std::size_t team_name_bytes_max = 200;

struct CreateTeam {
  std::string team_name;
};

Result<Events> decide(const State& s, UserId actor, const CreateTeam& c, Time now);

// Every id must name an existing team; the error names the first that does not.
Result<bool> check_team_ids(const Teams& teams, const std::vector<TeamId>& ids);

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct TeamArea {
  using EventTypes = TypeList<TeamCreated>;
  using CommandTypes = TypeList<CreateTeam>;
  Teams teams;
  static constexpr auto projection = &TeamArea::teams;
};

}  // namespace salesdesk::core
