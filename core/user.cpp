#include "core/user.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>

#include "core/customer.hpp"
#include "core/state.hpp"

namespace salesdesk::core {

// ---- state ----
const User* Users::find(UserId id) const {
  if (id < 1 || id > static_cast<UserId>(by_id.size())) return nullptr;
  return &by_id[static_cast<std::size_t>(id - 1)];
}

User* Users::find(UserId id) {
  return const_cast<User*>(static_cast<const Users*>(this)->find(id));
}

const User* Users::find_username(const std::string& username) const {
  auto it = by_username.find(normalize_username(username));
  return it == by_username.end() ? nullptr : find(it->second);
}

std::vector<std::string> Users::sessions_of(UserId id) const {
  std::vector<std::string> out;
  for (const auto& [digest, session] : sessions) {
    if (session.user_id == id) out.push_back(digest);
  }
  return out;
}

std::size_t Users::active_admins() const {
  return static_cast<std::size_t>(std::count_if(by_id.begin(), by_id.end(), [](const User& u) {
    return u.active && u.role == Role::admin;
  }));
}

// ---- evolve ----
void evolve(Users& users, const UserCreated& e, Time at) {
  assert(e.user_id == users.next_id());
  User u;
  u.id = e.user_id;
  u.username = e.username;
  u.display_name = e.display_name;
  u.role = e.role;
  u.password_hash = e.password_hash.value;
  u.team_ids = e.team_ids;
  u.created_at = at;
  u.presence_at = at;
  users.by_username.emplace(u.username, u.id);
  users.by_id.push_back(std::move(u));
}

void evolve(Users& users, const UserUpdated& e, Time) {
  User* u = users.find(e.user_id);
  assert(u != nullptr);
  if (e.display_name) u->display_name = *e.display_name;
  if (e.role) u->role = *e.role;
  if (e.active) u->active = *e.active;
  if (e.team_ids) u->team_ids = *e.team_ids;
}

void evolve(Users& users, const PasswordChanged& e, Time) {
  User* u = users.find(e.user_id);
  assert(u != nullptr);
  u->password_hash = e.password_hash.value;
}

void evolve(Users& users, const SessionStarted& e, Time at) {
  users.sessions.insert_or_assign(e.token_digest.value, Session{e.user_id, at});
}

void evolve(Users& users, const SessionEnded& e, Time) {
  users.sessions.erase(e.token_digest.value);
}

void evolve(Users& users, const PresenceChanged& e, Time at) {
  User* u = users.find(e.user_id);
  assert(u != nullptr);
  u->presence = e.presence;
  u->presence_reason = e.reason;
  u->presence_at = at;
}

// ---- rules ----
bool Roles::allows(Role r) const {
  switch (r) {
    case Role::admin: return admin;
    case Role::manager: return manager;
    case Role::sale: return sale;
  }
  return false;
}

Result<bool> authorize(const State& s, UserId actor, Roles allowed) {
  if (actor == system_actor) return true;
  const User* u = s.users.find(actor);
  if (u == nullptr || !u->active) return reject(Code::unauthorized, "not logged in");
  if (!allowed.allows(u->role)) {
    return reject(Code::forbidden, std::string(role_with_article(u->role)) + " may not do this");
  }
  return true;
}

std::string_view role_with_article(Role r) {
  switch (r) {
    case Role::admin: return "an admin";
    case Role::manager: return "a manager";
    case Role::sale: return "a sale";
  }
  return "a user";
}

bool is_manager_or_admin(const User& u) { return u.role == Role::admin || u.role == Role::manager; }

Result<bool> check_password(const std::string& password) {
  if (password.size() < password_chars_min) {
    return reject(Code::bad_request, "password must have at least 8 characters");
  }
  if (password.size() > password_bytes_max) {
    return reject(Code::bad_request,
                  "password is too long: at most " + std::to_string(password_bytes_max) + " bytes");
  }
  return true;
}

std::string normalize_username(const std::string& username) {
  std::string out = username;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

namespace {

Result<bool> check_username(const std::string& username) {
  if (username.empty()) return reject(Code::bad_request, "username is required");
  if (username.size() > username_bytes_max) {
    return reject(Code::bad_request,
                  "username is too long: at most " + std::to_string(username_bytes_max) + " bytes");
  }
  for (unsigned char c : username) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@')) {
      return reject(Code::bad_request,
                    "username may contain only letters, digits and . _ - @");
    }
  }
  return true;
}

Result<bool> check_display_name(const std::string& name) {
  return check_name(name, "name", display_name_bytes_max, true);
}

PresenceChanged presence_event(UserId id, Presence p, std::string reason) {
  return PresenceChanged{id, p, std::move(reason)};
}

// Ends every session of a user and sets them offline (deactivation, password reset).
void end_sessions(const State& s, const User& u, const std::string& reason, Events& out) {
  for (const std::string& digest : s.users.sessions_of(u.id)) {
    out.emplace_back(SessionEnded{u.id, Secret{digest}, reason});
  }
}

}  // namespace

// ---- decide ----
Result<Events> decide(const State& s, UserId actor, const CreateUser& c, Time) {
  if (auto r = authorize(s, actor, admin_only); !r) return r.error();
  if (auto r = check_username(c.username); !r) return r.error();
  if (auto r = check_display_name(c.display_name); !r) return r.error();
  if (auto r = check_team_ids(s.teams, c.team_ids); !r) return r.error();
  if (s.users.find_username(c.username) != nullptr) {
    return reject(Code::conflict, "username " + c.username + " is taken");
  }
  return Events{UserCreated{s.users.next_id(), normalize_username(c.username), c.display_name,
                            c.role, c.password_hash, c.team_ids}};
}

namespace {

// Changes that would leave the unit without an active admin are refused.
bool removes_last_admin(const State& s, const User& u, const UpdateUser& c) {
  if (u.role != Role::admin || !u.active) return false;
  const bool demoted = c.role && *c.role != Role::admin;
  const bool deactivated = c.active && !*c.active;
  return (demoted || deactivated) && s.users.active_admins() <= 1;
}

void deactivation_events(const State& s, const User& u, const UpdateUser& c, Events& out) {
  if (!c.active || *c.active || !u.active) return;
  end_sessions(s, u, "deactivated", out);
  if (u.presence != Presence::offline) {
    out.emplace_back(presence_event(u.id, Presence::offline, "deactivated"));
  }
}

}  // namespace

Result<Events> decide(const State& s, UserId actor, const UpdateUser& c, Time) {
  if (auto r = authorize(s, actor, admin_only); !r) return r.error();
  const User* u = s.users.find(c.user_id);
  if (u == nullptr) return reject(Code::not_found, "no user " + std::to_string(c.user_id));
  if (c.display_name) {
    if (auto r = check_display_name(*c.display_name); !r) return r.error();
  }
  if (c.team_ids) {
    if (auto r = check_team_ids(s.teams, *c.team_ids); !r) return r.error();
  }
  if (removes_last_admin(s, *u, c)) {
    return reject(Code::conflict, "the unit must keep at least one active admin");
  }
  Events out;
  UserUpdated changed{u->id, {}, {}, {}, {}};
  if (c.display_name && *c.display_name != u->display_name) changed.display_name = c.display_name;
  if (c.role && *c.role != u->role) changed.role = c.role;
  if (c.active && *c.active != u->active) changed.active = c.active;
  if (c.team_ids && *c.team_ids != u->team_ids) changed.team_ids = c.team_ids;
  if (changed.display_name || changed.role || changed.active || changed.team_ids) {
    out.emplace_back(changed);
  }
  if (c.password_hash) {
    out.emplace_back(PasswordChanged{u->id, *c.password_hash});
    end_sessions(s, *u, "password_changed", out);
  }
  deactivation_events(s, *u, c, out);
  return out;
}

Result<Events> decide(const State& s, UserId actor, const StartSession& c, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "sessions start by logging in");
  const User* u = s.users.find(c.user_id);
  if (u == nullptr || !u->active) return reject(Code::unauthorized, "wrong username or password");
  if (c.token_digest.value.empty()) return reject(Code::bad_request, "empty session token");
  Events out{SessionStarted{u->id, c.token_digest}};
  if (u->presence != Presence::online) {
    out.emplace_back(presence_event(u->id, Presence::online, "login"));
  }
  return out;
}

namespace {

// A session ends; its user goes offline when it was their last one.
Result<Events> end_session(const State& s, const Secret& digest, const std::string& reason) {
  auto it = s.users.sessions.find(digest.value);
  if (it == s.users.sessions.end()) return reject(Code::unauthorized, "no such session");
  const UserId id = it->second.user_id;
  Events out{SessionEnded{id, digest, reason}};
  const User* u = s.users.find(id);
  const bool last_session = s.users.sessions_of(id).size() == 1;
  if (u != nullptr && last_session && u->presence != Presence::offline) {
    out.emplace_back(presence_event(id, Presence::offline, reason));
  }
  return out;
}

}  // namespace

Result<Events> decide(const State& s, UserId, const EndSession& c, Time) {
  return end_session(s, c.token_digest, "logout");
}

Result<Events> decide(const State& s, UserId actor, const ExpireSession& c, Time) {
  if (actor != system_actor) {
    return reject(Code::forbidden, "sessions expire by the engine's timer");
  }
  if (c.reason != "idle" && c.reason != "lifetime") {
    return reject(Code::bad_request, "unknown expiry reason");
  }
  if (!s.users.sessions.contains(c.token_digest.value)) return Events{};
  return end_session(s, c.token_digest, c.reason);
}

std::string session_expiry(const State& s, const Session& session, Time last_used, bool connected,
                           Time now) {
  constexpr Time minute_ms = 60'000;
  const Time lifetime = s.settings[setting::session_lifetime_days] * 1440 * minute_ms;
  if (now - session.started_at >= lifetime) return "lifetime";
  const Time idle = s.settings[setting::session_idle_minutes] * minute_ms;
  if (!connected && now - std::max(last_used, session.started_at) >= idle) return "idle";
  return "";
}

Result<Events> decide(const State& s, UserId actor, const SetPresence& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  if (actor == system_actor) return reject(Code::bad_request, "presence belongs to a user");
  const User* u = s.users.find(actor);
  if (u->presence == c.presence) return Events{};
  return Events{presence_event(actor, c.presence, "user")};
}

Result<Events> decide(const State& s, UserId actor, const ExpirePresence& c, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "presence expiry is a timer");
  const User* u = s.users.find(c.user_id);
  if (u == nullptr || u->presence == Presence::offline) return Events{};
  return Events{presence_event(u->id, Presence::offline, "grace")};
}

Result<Events> decide(const State& s, UserId actor, const ResumePresence& c, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "presence resumes on connect");
  const User* u = s.users.find(c.user_id);
  const bool expired = u != nullptr && u->active && u->presence == Presence::offline &&
                       u->presence_reason == "grace";
  if (!expired) return Events{};
  return Events{presence_event(u->id, Presence::online, "reconnect")};
}

// ---- queries ----
const User* session_user(const State& s, const std::string& token_digest) {
  auto it = s.users.sessions.find(token_digest);
  if (it == s.users.sessions.end()) return nullptr;
  const User* u = s.users.find(it->second.user_id);
  return (u != nullptr && u->active) ? u : nullptr;
}

}  // namespace salesdesk::core
