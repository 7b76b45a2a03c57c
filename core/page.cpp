#include "core/page.hpp"

#include <algorithm>
#include <array>
#include <cassert>

#include "core/customer.hpp"
#include "core/state.hpp"

namespace salesdesk::core {
namespace {

constexpr std::array<std::pair<Channel, std::string_view>, 6> channel_names = {{
    {Channel::api, "api"},
    {Channel::facebook, "facebook"},
    {Channel::instagram, "instagram"},
    {Channel::zalo, "zalo"},
    {Channel::telegram, "telegram"},
    {Channel::pbx, "pbx"},
}};

}  // namespace

std::string_view to_string(Channel channel) {
  for (const auto& [c, name] : channel_names) {
    if (c == channel) return name;
  }
  return "api";
}

std::optional<Channel> parse_channel(std::string_view text) {
  for (const auto& [c, name] : channel_names) {
    if (name == text) return c;
  }
  return std::nullopt;
}

const Page* Pages::find(PageId id) const {
  if (id < 1 || id > static_cast<PageId>(by_id.size())) return nullptr;
  return &by_id[static_cast<std::size_t>(id - 1)];
}

Page* Pages::find(PageId id) { return const_cast<Page*>(std::as_const(*this).find(id)); }

const Page* Pages::find_external(Channel channel, const std::string& external_id) const {
  auto it = by_external.find({channel, external_id});
  return it == by_external.end() ? nullptr : find(it->second);
}

// ---- evolve ----
void evolve(Pages& pages, const PageConnected& e, Time at) {
  if (e.page_id == pages.next_id()) pages.by_id.push_back(Page{.id = e.page_id});
  Page* p = pages.find(e.page_id);
  assert(p != nullptr);
  p->channel = e.channel;
  p->external_id = e.external_id;
  p->name = e.page_name;
  p->secret = e.secret.value;
  p->token = e.token.value;
  p->verify_token = e.verify_token.value;
  p->callback_url = e.callback_url;
  p->api_base = e.api_base;
  p->connected = true;
  p->connected_at = at;
  pages.by_external[{e.channel, e.external_id}] = e.page_id;
}

void evolve(Pages& pages, const PageUpdated& e, Time) {
  Page* p = pages.find(e.page_id);
  assert(p != nullptr);
  if (e.page_name) p->name = *e.page_name;
  if (e.secret) p->secret = e.secret->value;
  if (e.token) p->token = e.token->value;
  if (e.verify_token) p->verify_token = e.verify_token->value;
  if (e.callback_url) p->callback_url = *e.callback_url;
  if (e.api_base) p->api_base = *e.api_base;
}

void evolve(Pages& pages, const PageDisconnected& e, Time) {
  Page* p = pages.find(e.page_id);
  assert(p != nullptr);
  p->connected = false;
}

void evolve(Pages& pages, const PageAccessSet& e, Time) {
  Page* p = pages.find(e.page_id);
  assert(p != nullptr);
  p->user_ids = {e.user_ids.begin(), e.user_ids.end()};
  p->team_ids = {e.team_ids.begin(), e.team_ids.end()};
}

void evolve(Pages& pages, const InboxViewSaved& e, Time) {
  pages.views[e.user_id][e.view_name] = e.page_ids;
}

void evolve(Pages& pages, const InboxViewDeleted& e, Time) {
  auto it = pages.views.find(e.user_id);
  if (it == pages.views.end()) return;
  it->second.erase(e.view_name);
  if (it->second.empty()) pages.views.erase(it);
}

// ---- decide ----
namespace {

// A URL the server will call (callback_url, api_base): http or https, a host, one line.
Result<bool> check_url(const std::string& url, std::string_view field) {
  if (url.empty()) return true;
  if (url.size() > page_url_bytes_max) {
    return reject(Code::bad_request, std::string(field) + " is longer than " +
                                         std::to_string(page_url_bytes_max) + " bytes");
  }
  const bool scheme = url.starts_with("http://") || url.starts_with("https://");
  const std::size_t host = url.find("//") + 2;
  const bool clean = std::none_of(url.begin(), url.end(),
                                  [](unsigned char ch) { return ch <= 0x20 || ch == 0x7f; });
  if (!scheme || !clean || host >= url.size() || url[host] == '/') {
    return reject(Code::bad_request,
                  std::string(field) + " must be an http:// or https:// address with a host");
  }
  return true;
}

Result<bool> check_secret(const std::string& value, std::string_view field) {
  return check_name(value, field, page_secret_bytes_max, false);
}

Result<const Page*> page_for_admin(const State& s, UserId actor, PageId id) {
  if (auto r = authorize(s, actor, admin_only); !r) return r.error();
  const Page* p = s.pages.find(id);
  if (p == nullptr) return reject(Code::not_found, "no page " + std::to_string(id));
  return p;
}

template <class T>
bool has_repeats(std::vector<T> ids) {
  std::sort(ids.begin(), ids.end());
  return std::adjacent_find(ids.begin(), ids.end()) != ids.end();
}

}  // namespace

Result<Events> decide(const State& s, UserId actor, const ConnectPage& c, Time) {
  if (auto r = authorize(s, actor, admin_only); !r) return r.error();
  if (auto r = check_name(c.external_id, "external_id", external_id_bytes_max, true); !r) {
    return r.error();
  }
  if (auto r = check_name(c.page_name, "name", page_name_bytes_max, true); !r) return r.error();
  // Every channel's webhooks are verified with the secret: a page without one could take none.
  if (auto r = check_name(c.secret, "secret", page_secret_bytes_max, true); !r) {
    return reject(Code::bad_request, r.error().message + " (it verifies the page's webhooks)");
  }
  for (const auto& [value, field] :
       {std::pair{&c.token, "token"}, std::pair{&c.verify_token, "verify_token"}}) {
    if (auto r = check_secret(*value, field); !r) return r.error();
  }
  if (auto r = check_url(c.callback_url, "callback_url"); !r) return r.error();
  if (auto r = check_url(c.api_base, "api_base"); !r) return r.error();
  PageId id = s.pages.next_id();
  if (const Page* known = s.pages.find_external(c.channel, c.external_id)) {
    if (known->connected) {
      return reject(Code::conflict, std::string(to_string(c.channel)) + " " + c.external_id +
                                        " is already connected as page " +
                                        std::to_string(known->id));
    }
    id = known->id;  // connected again: its conversations and access are kept
  }
  return Events{PageConnected{id, c.channel, c.external_id, c.page_name, Secret{c.secret},
                              Secret{c.token}, Secret{c.verify_token}, c.callback_url, c.api_base}};
}

Result<Events> decide(const State& s, UserId actor, const UpdatePage& c, Time) {
  auto page = page_for_admin(s, actor, c.page_id);
  if (!page) return page.error();
  PageUpdated e{.page_id = c.page_id};
  if (c.page_name) {
    if (auto r = check_name(*c.page_name, "name", page_name_bytes_max, true); !r) {
      return r.error();
    }
    e.page_name = c.page_name;
  }
  if (c.secret) {
    if (auto r = check_name(*c.secret, "secret", page_secret_bytes_max, true); !r) {
      return r.error();
    }
    e.secret = Secret{*c.secret};
  }
  if (c.token) {
    if (auto r = check_secret(*c.token, "token"); !r) return r.error();
    e.token = Secret{*c.token};
  }
  if (c.verify_token) {
    if (auto r = check_secret(*c.verify_token, "verify_token"); !r) return r.error();
    e.verify_token = Secret{*c.verify_token};
  }
  if (c.callback_url) {
    if (auto r = check_url(*c.callback_url, "callback_url"); !r) return r.error();
    e.callback_url = c.callback_url;
  }
  if (c.api_base) {
    if (auto r = check_url(*c.api_base, "api_base"); !r) return r.error();
    e.api_base = c.api_base;
  }
  return Events{std::move(e)};
}

Result<Events> decide(const State& s, UserId actor, const DisconnectPage& c, Time) {
  auto page = page_for_admin(s, actor, c.page_id);
  if (!page) return page.error();
  if (!page.value()->connected) {
    return reject(Code::conflict, "page " + std::to_string(c.page_id) + " is not connected");
  }
  return Events{PageDisconnected{c.page_id}};
}

Result<Events> decide(const State& s, UserId actor, const SetPageAccess& c, Time) {
  auto page = page_for_admin(s, actor, c.page_id);
  if (!page) return page.error();
  const std::vector<TeamId> teams = c.team_ids ? *c.team_ids
                                               : std::vector<TeamId>(page.value()->team_ids.begin(),
                                                                     page.value()->team_ids.end());
  if (c.user_ids.size() > page_access_ids_max || teams.size() > page_access_ids_max) {
    return reject(Code::bad_request,
                  "at most " + std::to_string(page_access_ids_max) + " users and teams per page");
  }
  if (has_repeats(c.user_ids) || has_repeats(teams)) {
    return reject(Code::bad_request, "user_ids and team_ids may not repeat an id");
  }
  for (UserId id : c.user_ids) {
    if (s.users.find(id) == nullptr) {
      return reject(Code::not_found, "no user " + std::to_string(id));
    }
  }
  if (auto r = check_team_ids(s.teams, teams); !r) return r.error();
  return Events{PageAccessSet{c.page_id, c.user_ids, teams}};
}

Result<Events> decide(const State& s, UserId actor, const SaveInboxView& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  if (auto r = check_name(c.view_name, "name", view_name_bytes_max, true); !r) return r.error();
  if (c.page_ids.empty() || c.page_ids.size() > view_pages_max) {
    return reject(Code::bad_request,
                  "page_ids must name 1 to " + std::to_string(view_pages_max) + " pages");
  }
  if (has_repeats(c.page_ids)) return reject(Code::bad_request, "page_ids may not repeat a page");
  for (PageId id : c.page_ids) {
    // A page one may not work on is answered as absent: a view does not reveal what exists.
    if (!may_access_page(s, actor, id)) {
      return reject(Code::not_found, "no page " + std::to_string(id));
    }
  }
  auto mine = s.pages.views.find(actor);
  const bool replaces = mine != s.pages.views.end() && mine->second.contains(c.view_name);
  if (!replaces && mine != s.pages.views.end() && mine->second.size() >= views_per_user_max) {
    return reject(Code::bad_request,
                  "at most " + std::to_string(views_per_user_max) + " views per user");
  }
  return Events{InboxViewSaved{actor, c.view_name, c.page_ids}};
}

Result<Events> decide(const State& s, UserId actor, const DeleteInboxView& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  auto mine = s.pages.views.find(actor);
  if (mine == s.pages.views.end() || !mine->second.contains(c.view_name)) {
    return reject(Code::not_found, "no view named " + c.view_name);
  }
  return Events{InboxViewDeleted{actor, c.view_name}};
}

// ---- queries ----
bool may_access_page(const State& s, UserId user, PageId id) {
  const Page* p = s.pages.find(id);
  const User* u = s.users.find(user);
  if (p == nullptr || u == nullptr) return false;
  if (u->role == Role::admin || !s.settings[setting::inbox_page_permissions]) return true;
  if (p->user_ids.contains(user)) return true;
  return std::any_of(u->team_ids.begin(), u->team_ids.end(),
                     [&](TeamId t) { return p->team_ids.contains(t); });
}

std::vector<const Page*> pages_of(const State& s, UserId user) {
  std::vector<const Page*> out;
  for (const Page& p : s.pages.by_id) {
    if (may_access_page(s, user, p.id)) out.push_back(&p);
  }
  return out;
}

InboxViews views_of(const State& s, UserId user) {
  auto mine = s.pages.views.find(user);
  if (mine == s.pages.views.end()) return {};
  InboxViews out;
  for (const auto& [name, ids] : mine->second) {
    std::vector<PageId>& kept = out[name];
    for (PageId id : ids) {
      if (may_access_page(s, user, id)) kept.push_back(id);
    }
  }
  return out;
}

}  // namespace salesdesk::core
