// Operations and pushes of the inbox (PROTOCOL.md "Pages, conversations, messages"; SPEC.md
// section 4): pages, who may work on them, and each user's merged-page views.
#include "app/ops.hpp"
#include "core/page.hpp"
#include "core/time.hpp"

namespace salesdesk::app {
namespace {

using ops::command;
using ops::ids_json;
using ops::is_admin;
using ops::items;
using ops::query;

// ---- renderings ----

// A page as its workers see it, or (`full`, for admin) with its settings, never its secrets
// (only whether each is set), and its grants.
json::object page_json(const core::Page& p, bool full) {
  json::object out{{"id", p.id},
                   {"channel", core::to_string(p.channel)},
                   {"external_id", p.external_id},
                   {"name", p.name},
                   {"connected", p.connected}};
  if (!full) return out;
  out["has_secret"] = !p.secret.empty();
  out["has_token"] = !p.token.empty();
  out["has_verify_token"] = !p.verify_token.empty();
  out["callback_url"] = p.callback_url;
  out["api_base"] = p.api_base;
  out["user_ids"] = ids_json(p.user_ids);
  out["team_ids"] = ids_json(p.team_ids);
  out["connected_at"] = core::format_time(p.connected_at);
  return out;
}

json::object view_json(const std::string& name, const std::vector<core::PageId>& page_ids) {
  return {{"name", name}, {"page_ids", ids_json(page_ids)}};
}

json::object page_json(const core::State& s, core::UserId viewer, const core::Page& p) {
  return page_json(p, is_admin(s, viewer));
}

json::object views_json(const core::State& s, core::UserId user) {
  json::array list;
  for (const auto& [name, ids] : core::views_of(s, user)) list.push_back(view_json(name, ids));
  return items(std::move(list));
}

core::Channel channel_arg(const Args& a) {
  auto channel = core::parse_channel(a.text("channel"));
  if (!channel) {
    throw BadRequest("channel must be api, facebook, instagram, zalo, telegram or pbx");
  }
  return *channel;
}

// A command about one page, answered with the page as its caller sees it.
template <class C>
Prepared page_command(const Caller& caller, C c, core::PageId id) {
  return command(caller, std::move(c),
                 [id, viewer = caller.user_id](const core::State& s, const core::Events&) {
                   return json::value{{"page", page_json(s, viewer, *s.pages.find(id))}};
                 });
}

// ---- operations ----
Prepared op_pages_connect(const Args& a, const Caller& caller) {
  core::ConnectPage c{.channel = channel_arg(a),
                      .external_id = a.text("external_id"),
                      .page_name = a.text("name"),
                      .secret = a.opt_text("secret").value_or(""),
                      .token = a.opt_text("token").value_or(""),
                      .verify_token = a.opt_text("verify_token").value_or(""),
                      .callback_url = a.opt_text("callback_url").value_or(""),
                      .api_base = a.opt_text("api_base").value_or("")};
  return command(caller, std::move(c),
                 [viewer = caller.user_id](const core::State& s, const core::Events& events) {
                   const auto& e = std::get<core::PageConnected>(events.front().base());
                   return json::value{{"page", page_json(s, viewer, *s.pages.find(e.page_id))}};
                 });
}

Prepared op_pages_list(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [viewer = caller.user_id](const core::State& s) {
    json::array list;
    for (const core::Page* p : core::pages_of(s, viewer)) list.push_back(page_json(s, viewer, *p));
    return items(std::move(list));
  });
}

Prepared op_pages_update(const Args& a, const Caller& caller) {
  core::UpdatePage c{.page_id = a.id("page_id"),
                     .page_name = a.opt_text("name"),
                     .secret = a.opt_text("secret"),
                     .token = a.opt_text("token"),
                     .verify_token = a.opt_text("verify_token"),
                     .callback_url = a.opt_text("callback_url"),
                     .api_base = a.opt_text("api_base")};
  const core::PageId id = c.page_id;
  return page_command(caller, std::move(c), id);
}

Prepared op_pages_disconnect(const Args& a, const Caller& caller) {
  const core::PageId id = a.id("page_id");
  return page_command(caller, core::DisconnectPage{id}, id);
}

Prepared op_pages_set_access(const Args& a, const Caller& caller) {
  const core::PageId id = a.id("page_id");
  return page_command(caller, core::SetPageAccess{id, a.ids("user_ids"), a.opt_ids("team_ids")},
                      id);
}

Prepared op_views_save(const Args& a, const Caller& caller) {
  core::SaveInboxView c{a.text("name"), a.ids("page_ids")};
  return command(caller, std::move(c), [](const core::State&, const core::Events& events) {
    const auto& e = std::get<core::InboxViewSaved>(events.front().base());
    return json::value{{"view", view_json(e.view_name, e.page_ids)}};
  });
}

Prepared op_views_list(const Args&, const Caller& caller) {
  return query(caller, core::everyone,
               [viewer = caller.user_id](const core::State& s) { return views_json(s, viewer); });
}

Prepared op_views_delete(const Args& a, const Caller& caller) {
  return command(caller, core::DeleteInboxView{a.text("name")},
                 [](const core::State&, const core::Events& events) {
                   const auto& e = std::get<core::InboxViewDeleted>(events.front().base());
                   return json::value{{"name", e.view_name}};
                 });
}

const std::vector<Op>& inbox_ops() {
  using namespace arg;
  static const std::vector<Op> table = {
      {"pages.connect",
       false,
       &op_pages_connect,
       {text("channel"), text("external_id", core::external_id_bytes_max),
        text("name", core::page_name_bytes_max), opt_text("secret", core::page_secret_bytes_max),
        opt_text("token", core::page_secret_bytes_max),
        opt_text("verify_token", core::page_secret_bytes_max),
        opt_text("callback_url", core::page_url_bytes_max),
        opt_text("api_base", core::page_url_bytes_max)}},
      {"pages.list", false, &op_pages_list, {}},
      {"pages.update",
       false,
       &op_pages_update,
       {id("page_id"), opt_text("name", core::page_name_bytes_max),
        opt_text("secret", core::page_secret_bytes_max),
        opt_text("token", core::page_secret_bytes_max),
        opt_text("verify_token", core::page_secret_bytes_max),
        opt_text("callback_url", core::page_url_bytes_max),
        opt_text("api_base", core::page_url_bytes_max)}},
      {"pages.disconnect", false, &op_pages_disconnect, {id("page_id")}},
      {"pages.set_access",
       false,
       &op_pages_set_access,
       {id("page_id"), ids("user_ids"), opt_ids("team_ids")}},
      {"inbox.views.save",
       false,
       &op_views_save,
       {text("name", core::view_name_bytes_max), ids("page_ids")}},
      {"inbox.views.list", false, &op_views_list, {}},
      {"inbox.views.delete", false, &op_views_delete, {text("name", core::view_name_bytes_max)}},
  };
  return table;
}

// ---- pushes ----
// A page's change goes to the inbox subscribers who may work on it, rendered for admin or for
// the others; a change of its grants also tells those who may no longer work on it.
void page_pushes(const core::State& s, const Committed& c, core::PageId id, bool access_changed,
                 std::vector<Push>& out) {
  const core::Page& p = *s.pages.find(id);
  const auto admins = [&s](core::UserId u) { return is_admin(s, u); };
  const auto workers = [&s, id](core::UserId u) {
    return !is_admin(s, u) && core::may_access_page(s, u, id);
  };
  const auto page_push = [&](bool full, std::function<bool(core::UserId)> audience) {
    out.push_back({"inbox", std::nullopt,
                   push_frame("inbox", "page", json::object{{"page", page_json(p, full)}}, c.seq),
                   std::move(audience)});
  };
  page_push(true, admins);
  page_push(false, workers);
  if (!access_changed) return;
  out.push_back({"inbox", std::nullopt,
                 push_frame("inbox", "page_removed", json::object{{"page_id", id}}, c.seq),
                 [&s, id](core::UserId u) { return !core::may_access_page(s, u, id); }});
}

void inbox_pushes(const core::State& s, const Committed& c, const Listened& listened,
                  std::vector<Push>& out) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::PageConnected> ||
                      std::is_same_v<T, core::PageUpdated> ||
                      std::is_same_v<T, core::PageDisconnected>) {
          if (listened("inbox")) page_pushes(s, c, e.page_id, false, out);
        } else if constexpr (std::is_same_v<T, core::PageAccessSet>) {
          if (listened("inbox")) page_pushes(s, c, e.page_id, true, out);
        } else if constexpr (std::is_same_v<T, core::InboxViewSaved> ||
                             std::is_same_v<T, core::InboxViewDeleted>) {
          // The user's other screens learn of the change (on `me`, theirs only).
          if (!listened("me")) return;
          out.push_back(
              {"me", e.user_id, push_frame("me", "inbox_views", views_json(s, e.user_id), c.seq)});
        }
      },
      c.event.base());
}

}  // namespace

Module inbox_module() { return {"inbox", &inbox_ops, {"inbox"}, &inbox_pushes, nullptr}; }

}  // namespace salesdesk::app
