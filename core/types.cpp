#include "core/types.hpp"

#include <array>

namespace salesdesk::core {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::admin: return "admin";
    case Role::manager: return "manager";
    case Role::sale: return "sale";
  }
  return "sale";
}

std::string_view to_string(Presence presence) {
  switch (presence) {
    case Presence::offline: return "offline";
    case Presence::online: return "online";
    case Presence::away: return "away";
  }
  return "offline";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : {Role::admin, Role::manager, Role::sale}) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

std::optional<Presence> parse_presence(std::string_view text) {
  for (Presence p : {Presence::offline, Presence::online, Presence::away}) {
    if (to_string(p) == text) return p;
  }
  return std::nullopt;
}

std::string_view to_string(Code code) {
  static constexpr std::array<std::string_view, 17> names = {
      "bad_request",     "unknown_op",         "unauthorized",  "forbidden",
      "not_found",       "conflict",           "already_claimed", "already_assigned",
      "being_viewed",    "view_cooldown",      "reveal_not_allowed", "pool_disabled",
      "quota_exceeded",  "not_assignee",       "rate_limited",  "too_large",
      "internal"};
  return names.at(static_cast<std::size_t>(code));
}

}  // namespace salesdesk::core
