// Helpers for the files that define operations (protocol.cpp, protocol_commerce.cpp): how a
// query checks its caller's role, how a command carries its result renderer.
#pragma once

#include "app/protocol.hpp"

namespace salesdesk::app::ops {

using core::Result;

// A query: the caller's role is checked against the committed state, then `render` answers.
template <class F>
Prepared query(const Caller& caller, core::Roles roles, F render) {
  return QueryRequest{[caller, roles, render](const core::State& s) -> Result<json::value> {
    if (auto ok = core::authorize(s, caller.user_id, roles); !ok) return ok.error();
    return json::value(render(s));
  }};
}

// A query whose answer may be a rejection (not found, not visible).
template <class F>
Prepared checked_query(const Caller& caller, core::Roles roles, F render) {
  return QueryRequest{[caller, roles, render](const core::State& s) -> Result<json::value> {
    if (auto ok = core::authorize(s, caller.user_id, roles); !ok) return ok.error();
    return render(s);
  }};
}

// A query that needs the engine's time or a module's volatile state (QueryContext).
template <class F>
Prepared timed_query(const Caller& caller, core::Roles roles, F render) {
  QueryRequest q;
  q.timed = [caller, roles, render](const core::State& s,
                                    QueryContext& context) -> Result<json::value> {
    if (auto ok = core::authorize(s, caller.user_id, roles); !ok) return ok.error();
    return render(s, context);
  };
  return q;
}

// A command from the caller; `render` builds the result from the state right after it.
inline Prepared command(const Caller& caller, core::Command c, Render render) {
  return CommandRequest{caller.user_id, std::move(c), std::move(render), {}};
}

inline json::object items(json::array list) { return {{"items", std::move(list)}}; }

}  // namespace salesdesk::app::ops
