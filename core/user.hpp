// The user aggregate: accounts, roles, sessions and presence (SPEC.md section 1).
// Order, as for every aggregate: stream, events, state, evolve, decide, queries.
// Password hashes are computed outside decide (app/auth) and handed in; only a digest of a
// session token is ever journaled.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <cereal/cereal.hpp>

#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

// ---- stream ----
inline std::string user_stream(UserId id) { return "user:" + std::to_string(id); }

// ---- events ----
struct UserCreated {
  static constexpr std::uint16_t type_id = 1;
  static constexpr const char* name = "UserCreated";
  UserId user_id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::sale;
  Secret password_hash;
  std::vector<TeamId> team_ids;
  std::string stream() const { return user_stream(user_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(user_id), CEREAL_NVP(username), CEREAL_NVP(display_name), CEREAL_NVP(role),
       CEREAL_NVP(password_hash), CEREAL_NVP(team_ids));
  }
};

struct UserUpdated {
  static constexpr std::uint16_t type_id = 2;
  static constexpr const char* name = "UserUpdated";
  UserId user_id = 0;
  std::optional<std::string> display_name;
  std::optional<Role> role;
  std::optional<bool> active;
  std::optional<std::vector<TeamId>> team_ids;
  std::string stream() const { return user_stream(user_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(user_id), CEREAL_NVP(display_name), CEREAL_NVP(role), CEREAL_NVP(active),
       CEREAL_NVP(team_ids));
  }
};

struct PasswordChanged {
  static constexpr std::uint16_t type_id = 3;
  static constexpr const char* name = "PasswordChanged";
  UserId user_id = 0;
  Secret password_hash;
  std::string stream() const { return user_stream(user_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) { ar(CEREAL_NVP(user_id), CEREAL_NVP(password_hash)); }
};

struct SessionStarted {
  static constexpr std::uint16_t type_id = 4;
  static constexpr const char* name = "SessionStarted";
  UserId user_id = 0;
  Secret token_digest;  // hex SHA-256 of the bearer token
  std::string stream() const { return user_stream(user_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) { ar(CEREAL_NVP(user_id), CEREAL_NVP(token_digest)); }
};

struct SessionEnded {
  static constexpr std::uint16_t type_id = 5;
  static constexpr const char* name = "SessionEnded";
  UserId user_id = 0;
  Secret token_digest;
  std::string reason;  // "logout", "deactivated", "password_changed", "idle", "lifetime"
  std::string stream() const { return user_stream(user_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(user_id), CEREAL_NVP(token_digest), CEREAL_NVP(reason));
  }
};

struct PresenceChanged {
  static constexpr std::uint16_t type_id = 6;
  static constexpr const char* name = "PresenceChanged";
  UserId user_id = 0;
  Presence presence = Presence::offline;
  std::string
      reason;  // "login", "logout", "user", "grace", "reconnect", "deactivated", "idle", "lifetime"
  std::string stream() const { return user_stream(user_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(user_id), CEREAL_NVP(presence), CEREAL_NVP(reason));
  }
};

// ---- state ----
struct User {
  UserId id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::sale;
  std::string password_hash;
  std::vector<TeamId> team_ids;
  bool active = true;
  Presence presence = Presence::offline;
  std::string presence_reason;
  Time created_at = 0;
  Time presence_at = 0;
  template <class A>
  void serialize(A& ar) {
    ar(id, username, display_name, role, password_hash, team_ids, active, presence,
       presence_reason, created_at, presence_at);
  }
};

struct Session {
  UserId user_id = 0;
  Time started_at = 0;
  template <class A>
  void serialize(A& ar) { ar(user_id, started_at); }
};

struct Users {
  std::vector<User> by_id;                                // index = id - 1; ids are dense
  std::unordered_map<std::string, UserId> by_username;    // lower-case username
  std::unordered_map<std::string, Session> sessions;      // token digest -> session

  const User* find(UserId id) const;
  User* find(UserId id);
  const User* find_username(const std::string& username) const;
  UserId next_id() const { return static_cast<UserId>(by_id.size()) + 1; }
  std::vector<std::string> sessions_of(UserId id) const;
  std::size_t active_admins() const;

  // Sessions are saved sorted by digest, so equal states have equal bytes.
  template <class A>
  void save(A& ar) const {
    std::map<std::string, Session> sorted(sessions.begin(), sessions.end());
    ar(by_id, sorted);
  }
  template <class A>
  void load(A& ar) {
    std::map<std::string, Session> sorted;
    ar(by_id, sorted);
    sessions = {sorted.begin(), sorted.end()};
    by_username.clear();
    for (const User& u : by_id) by_username.emplace(u.username, u.id);
  }
};

// ---- evolve ----
void evolve(Users& users, const UserCreated& e, Time at);
void evolve(Users& users, const UserUpdated& e, Time at);
void evolve(Users& users, const PasswordChanged& e, Time at);
void evolve(Users& users, const SessionStarted& e, Time at);
void evolve(Users& users, const SessionEnded& e, Time at);
void evolve(Users& users, const PresenceChanged& e, Time at);

// ---- commands and decide ----
constexpr std::size_t password_chars_min = 8;
constexpr std::size_t password_bytes_max = 256;
constexpr std::size_t username_bytes_max = 64;
constexpr std::size_t display_name_bytes_max = 200;

// The password rule lives here even though hashing happens outside decide.
Result<bool> check_password(const std::string& password);
std::string normalize_username(const std::string& username);

struct CreateUser {
  std::string username;
  std::string display_name;
  Role role = Role::sale;
  Secret password_hash;
  std::vector<TeamId> team_ids;
};

struct UpdateUser {
  UserId user_id = 0;
  std::optional<std::string> display_name;
  std::optional<Role> role;
  std::optional<Secret> password_hash;
  std::optional<bool> active;
  std::optional<std::vector<TeamId>> team_ids;
};

// Login: the app has verified the password; decide checks the account may log in.
struct StartSession {
  UserId user_id = 0;
  Secret token_digest;
};

struct EndSession {
  Secret token_digest;
};

struct SetPresence {
  Presence presence = Presence::online;
};

// Timer: the user has had no live connection for the grace period.
struct ExpirePresence {
  UserId user_id = 0;
};

// Timer: a session past its lifetime (session.lifetime_days), or idle for session.idle_minutes
// with no connection ("lifetime" or "idle"); the engine knows when a session was last used.
struct ExpireSession {
  Secret token_digest;
  std::string reason;
};

// A connection arrived for a user the grace timer had set offline.
struct ResumePresence {
  UserId user_id = 0;
};

Result<Events> decide(const State& s, UserId actor, const CreateUser& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpdateUser& c, Time now);
Result<Events> decide(const State& s, UserId actor, const StartSession& c, Time now);
Result<Events> decide(const State& s, UserId actor, const EndSession& c, Time now);
Result<Events> decide(const State& s, UserId actor, const SetPresence& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ExpirePresence& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ResumePresence& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ExpireSession& c, Time now);

// ---- queries ----
// The session's user if the digest names a live session of an active user.
const User* session_user(const State& s, const std::string& token_digest);
bool is_manager_or_admin(const User& u);
// "an admin", "a manager", "a sale": for messages.
std::string_view role_with_article(Role r);
// Whether a session should end now: past its lifetime, or unused since `last_used` (and with no
// live connection) for the idle time. Returns the reason, or "" to keep it.
std::string session_expiry(const State& s, const Session& session, Time last_used, bool connected,
                           Time now);

}  // namespace salesdesk::core

namespace salesdesk::core {

// Who may run a command: system_actor always; otherwise an active user whose role is allowed.
// An unknown or inactive actor is unauthorized; a role not allowed is forbidden.
struct Roles {
  bool admin = false;
  bool manager = false;
  bool sale = false;
  bool allows(Role r) const;
};
constexpr Roles admin_only{.admin = true};
constexpr Roles managers{.admin = true, .manager = true};
constexpr Roles sales_only{.sale = true};
constexpr Roles everyone{.admin = true, .manager = true, .sale = true};
Result<bool> authorize(const State& s, UserId actor, Roles allowed);

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct UserArea {
  using EventTypes = TypeList<UserCreated, UserUpdated, PasswordChanged, SessionStarted,
                              SessionEnded, PresenceChanged>;
  using CommandTypes = TypeList<CreateUser, UpdateUser, StartSession, EndSession, SetPresence,
                                ExpirePresence, ResumePresence, ExpireSession>;
  Users users;
  static constexpr auto projection = &UserArea::users;
};

}  // namespace salesdesk::core
