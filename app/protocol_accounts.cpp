// The accounts area: who is who (users, teams, presence) and the unit's settings.
#include "app/auth.hpp"
#include "app/ops.hpp"
#include "app/protocol.hpp"

namespace salesdesk::app {
namespace {

using core::Result;
using ops::command;
using ops::items;
using ops::query;

core::Role role_arg(const Args& a, std::string_view key) {
  auto role = core::parse_role(a.text(key));
  if (!role) throw BadRequest(std::string(key) + " must be admin, manager or sale");
  return *role;
}

// ---- renderings ----
json::object team_json(const core::Team& t) {
  return {{"id", t.id}, {"name", t.name}};
}

const core::User& created_user(const core::State& s, const core::Events& events) {
  return *s.users.find(std::get<core::UserCreated>(events.front().base()).user_id);
}

Prepared op_me(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [id = caller.user_id](const core::State& s) {
    const core::User& u = *s.users.find(id);
    json::object out{{"user", user_json(u)}, {"settings", settings_json(s.settings)}};
    if (u.role == core::Role::admin) out["system_messages"] = s.system_messages.open();
    return out;
  });
}

Prepared op_presence_set(const Args& a, const Caller& caller) {
  auto presence = core::parse_presence(a.text("status"));
  if (!presence) throw BadRequest("status must be online, away or offline");
  return command(caller, core::SetPresence{*presence},
                 [id = caller.user_id](const core::State& s, const core::Events&) {
                   return json::value{{"presence", core::to_string(s.users.find(id)->presence)}};
                 });
}

core::Secret password_arg(const std::string& password) {
  if (auto ok = core::check_password(password); !ok) throw BadRequest(ok.error().message);
  return core::Secret{hash_password(password)};
}

Prepared op_users_create(const Args& a, const Caller& caller) {
  const std::string username = a.text("username");
  const std::string name = a.text("name");
  const core::Role role = role_arg(a, "role");
  auto teams = a.opt_ids("team_ids").value_or(std::vector<std::int64_t>{});
  core::CreateUser c{username, name, role, password_arg(a.text("password")), std::move(teams)};
  return command(caller, std::move(c), [](const core::State& s, const core::Events& events) {
    return json::value{{"user", user_json(created_user(s, events))}};
  });
}

Prepared op_users_update(const Args& a, const Caller& caller) {
  core::UpdateUser c;
  c.user_id = a.id("user_id");
  c.display_name = a.opt_text("name");
  if (a.opt_text("role")) c.role = role_arg(a, "role");
  c.active = a.opt_boolean("active");
  c.team_ids = a.opt_ids("team_ids");
  if (auto password = a.opt_text("password")) c.password_hash = password_arg(*password);
  return command(caller, std::move(c), [id = c.user_id](const core::State& s, const core::Events&) {
    return json::value{{"user", user_json(*s.users.find(id))}};
  });
}

Prepared op_users_list(const Args&, const Caller& caller) {
  return query(caller, core::managers, [](const core::State& s) {
    json::array list;
    for (const core::User& u : s.users.by_id) list.push_back(user_json(u));
    return items(std::move(list));
  });
}

// Who is who on the floor, for any role: a conversation's assignee, a message's author, the
// viewers (users.list, with presence and teams, stays for managers).
Prepared op_users_names(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [](const core::State& s) {
    json::array list;
    for (const core::User& u : s.users.by_id) {
      list.push_back(json::object{{"id", u.id},
                                  {"name", u.display_name},
                                  {"role", core::to_string(u.role)},
                                  {"active", u.active}});
    }
    return items(std::move(list));
  });
}

Prepared op_teams_create(const Args& a, const Caller& caller) {
  return command(caller, core::CreateTeam{a.text("name")},
                 [](const core::State& s, const core::Events& events) {
                   const auto& e = std::get<core::TeamCreated>(events.front().base());
                   return json::value{{"team", team_json(*s.teams.find(e.team_id))}};
                 });
}

Prepared op_teams_list(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [](const core::State& s) {
    json::array list;
    for (const core::Team& t : s.teams.by_id) list.push_back(team_json(t));
    return items(std::move(list));
  });
}

Prepared op_settings_get(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [](const core::State& s) {
    return json::object{{"settings", settings_json(s.settings)}};
  });
}

core::SettingValue setting_value(std::string_view key, const json::value& v) {
  if (v.is_null()) return std::monostate{};
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) throw BadRequest("setting " + std::string(key) + " is out of range");
  if (v.is_double()) {
    // Range first: casting a double outside int64 to an integer is undefined behaviour.
    const double d = v.get_double();
    if (!(d >= -9e15 && d <= 9e15)) {
      throw BadRequest("setting " + std::string(key) + " is out of range");
    }
    if (d != static_cast<double>(static_cast<std::int64_t>(d))) {
      throw BadRequest("setting " + std::string(key) + " must be an integer");
    }
    return static_cast<std::int64_t>(d);
  }
  if (v.is_string()) return std::string(v.get_string());
  throw BadRequest("setting " + std::string(key) + " has a value of the wrong type");
}

Prepared op_settings_update(const Args& a, const Caller& caller) {
  core::UpdateSettings c;
  for (const auto& [key, value] : a.object("patch")) {
    c.patch.push_back(core::SettingChange{std::string(key), setting_value(key, value)});
  }
  return command(caller, std::move(c), [](const core::State& s, const core::Events&) {
    return json::value{{"settings", settings_json(s.settings)}};
  });
}

const std::vector<Op>& accounts_ops() {
  using namespace arg;
  static const std::vector<Op> table = {
      {"me", false, &op_me, {}},
      {"presence.set", false, &op_presence_set, {text("status")}},
      {"users.create", true, &op_users_create,
       {text("username", core::username_bytes_max), text("password", core::password_bytes_max),
        text("name", core::display_name_bytes_max), text("role"), opt_ids("team_ids")},
       core::admin_only},
      {"users.update", true, &op_users_update,
       {id("user_id"), opt_text("name", core::display_name_bytes_max), opt_text("role"),
        opt_text("password", core::password_bytes_max), opt_boolean("active"),
        opt_ids("team_ids")},
       core::admin_only},
      {"users.list", false, &op_users_list, {}},
      {"users.names", false, &op_users_names, {}},
      {"teams.create", false, &op_teams_create, {text("name", core::team_name_bytes_max)}},
      {"teams.list", false, &op_teams_list, {}},
      {"settings.get", false, &op_settings_get, {}},
      {"settings.update", false, &op_settings_update, {object("patch")}},
  };
  return table;
}

void accounts_pushes(const core::State& s, const Committed& c, const Listened& listened,
                     std::vector<Push>& out) {
  if (!listened("me")) return;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::PresenceChanged>) {
          out.push_back({"me", e.user_id,
                         push_frame("me", "presence",
                                    json::object{{"user_id", e.user_id},
                                                 {"presence", core::to_string(e.presence)}},
                                    c.seq)});
        } else if constexpr (std::is_same_v<T, core::UserUpdated>) {
          out.push_back(
              {"me", e.user_id,
               push_frame("me", "user", json::object{{"user", user_json(*s.users.find(e.user_id))}},
                          c.seq)});
        } else if constexpr (std::is_same_v<T, core::SettingsChanged>) {
          json::object changed;
          for (const auto& change : e.changes) changed[change.key] = setting_json(change.value);
          out.push_back({"me", std::nullopt,
                         push_frame("me", "settings", json::object{{"settings", changed}}, c.seq)});
        }
      },
      c.event.base());
}

}  // namespace

Module accounts_module() {
  return {"accounts", &accounts_ops, {"me"}, &accounts_pushes, nullptr};
}

}  // namespace salesdesk::app
