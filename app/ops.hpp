// Helpers for the files that define operations (protocol.cpp, protocol_commerce.cpp): how a
// query checks its caller's role, how a command carries its result renderer.
#pragma once

#include "app/protocol.hpp"

namespace salesdesk::app::ops {

using core::Result;

// The engine carries text: every rendering is serialised here, once, on the engine thread.
inline Result<std::string> text(Result<json::value> answer) {
  if (!answer) return answer.error();
  return json::serialize(answer.value());
}

// A query: the caller's role is checked against the committed state, then `render` answers.
template <class F>
Prepared query(const Caller& caller, core::Roles roles, F render) {
  return QueryRequest{[caller, roles, render](const core::State& s) -> Result<std::string> {
    if (auto ok = core::authorize(s, caller.user_id, roles); !ok) return ok.error();
    return json::serialize(json::value(render(s)));
  }};
}

// A query whose answer may be a rejection (not found, not visible).
template <class F>
Prepared checked_query(const Caller& caller, core::Roles roles, F render) {
  return QueryRequest{[caller, roles, render](const core::State& s) -> Result<std::string> {
    if (auto ok = core::authorize(s, caller.user_id, roles); !ok) return ok.error();
    return text(render(s));
  }};
}

// A query that needs the engine's time or a module's volatile state (QueryContext).
template <class F>
Prepared timed_query(const Caller& caller, core::Roles roles, F render) {
  QueryRequest q;
  q.timed = [caller, roles, render](const core::State& s,
                                    QueryContext& context) -> Result<std::string> {
    if (auto ok = core::authorize(s, caller.user_id, roles); !ok) return ok.error();
    return text(render(s, context));
  };
  return q;
}

// A command from the caller; `render` builds the result from the state right after it.
inline Prepared command(const Caller& caller, core::Command c, JsonRender render) {
  return CommandRequest{caller.user_id, std::move(c),
                        [render = std::move(render)](const core::State& s, const core::Events& e) {
                          return json::serialize(render(s, e));
                        },
                        {}};
}

inline json::object items(json::array list) { return {{"items", std::move(list)}}; }

// A list of ids (a vector, a set) as a JSON array, in its order.
json::array ids_json(const auto& ids) {
  json::array out;
  out.reserve(ids.size());
  for (std::int64_t id : ids) out.emplace_back(id);
  return out;
}

// An id, or null for "none" (0): an assignee, an owner, a responsible sale.
inline json::value id_or_null(std::int64_t id) {
  return id == 0 ? json::value(nullptr) : json::value(id);
}

// A time, or null for "never" (0).
inline json::value time_or_null(core::Time t) {
  return t == 0 ? json::value(nullptr) : json::value(core::format_time(t));
}

// Whether a user is admin (for renderings and push audiences that show admin more).
inline bool is_admin(const core::State& s, core::UserId u) {
  const core::User* user = s.users.find(u);
  return user != nullptr && user->role == core::Role::admin;
}

}  // namespace salesdesk::app::ops
