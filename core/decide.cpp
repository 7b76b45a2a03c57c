#include "core/commands.hpp"

namespace salesdesk::core {
namespace {

Result<Events> decide_bootstrap(const State& s, UserId actor, const Bootstrap& c) {
  if (actor != system_actor) return reject(Code::forbidden, "bootstrap is the engine's");
  if (!s.users.by_id.empty()) return reject(Code::conflict, "the unit is already set up");
  Events out{UserCreated{1, "admin", "Administrator", Role::admin, c.admin_password_hash, {}}};
  for (StatusUpserted& status : seeded_statuses()) out.emplace_back(std::move(status));
  return out;
}

}  // namespace

std::vector<Command> due_commands(const State& s, Time now) {
  std::vector<Command> out;
  for_each_type(Areas{}, [&]<class A>() {
    if constexpr (requires { A::due(s, now, out); }) A::due(s, now, out);
  });
  return out;
}

Result<Events> decide(const State& s, UserId actor, const Command& c, Time now) {
  return std::visit(
      [&](const auto& command) -> Result<Events> {
        using T = std::decay_t<decltype(command)>;
        if constexpr (std::is_same_v<T, Bootstrap>) {
          return decide_bootstrap(s, actor, command);
        } else {
          return decide(s, actor, command, now);
        }
      },
      c);
}

}  // namespace salesdesk::core
