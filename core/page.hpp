// The page aggregate: the channels' pages connected to the unit (a Facebook page, an Instagram
// account, a Zalo OA, a Telegram bot, a PBX, a generic API channel), who may work on each, and
// each user's merged-page views of the inbox (SPEC.md section 4, "Pages and access").
// Order, as for every aggregate: stream, events, state, evolve, decide, queries.
// A page's secret, token and verify token travel in events as core::Secret (redacted in every
// rendering) and never leave the server.
#pragma once

#include <cereal/cereal.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

enum class Channel : std::uint8_t { api = 1, facebook, instagram, zalo, telegram, pbx };
std::string_view to_string(Channel channel);
std::optional<Channel> parse_channel(std::string_view text);

// ---- stream ----
inline std::string page_stream(PageId id) { return "page:" + std::to_string(id); }

// ---- events ----
// A page connected, or connected again (the same channel and external id: the same page id,
// its history kept, its credentials those given now).
struct PageConnected {
  static constexpr std::uint16_t type_id = 140;
  static constexpr const char* name = "PageConnected";
  PageId page_id = 0;
  Channel channel = Channel::api;
  std::string external_id;
  std::string page_name;
  Secret secret;
  Secret token;
  Secret verify_token;
  std::string callback_url;
  std::string api_base;
  std::string stream() const { return page_stream(page_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(page_id), CEREAL_NVP(channel), CEREAL_NVP(external_id), CEREAL_NVP(page_name),
       CEREAL_NVP(secret), CEREAL_NVP(token), CEREAL_NVP(verify_token), CEREAL_NVP(callback_url),
       CEREAL_NVP(api_base));
  }
};

// What changed; an absent field is unchanged, an empty URL removes it.
struct PageUpdated {
  static constexpr std::uint16_t type_id = 141;
  static constexpr const char* name = "PageUpdated";
  PageId page_id = 0;
  std::optional<std::string> page_name{};
  std::optional<Secret> secret{};
  std::optional<Secret> token{};
  std::optional<Secret> verify_token{};
  std::optional<std::string> callback_url{};
  std::optional<std::string> api_base{};
  std::string stream() const { return page_stream(page_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(page_id), CEREAL_NVP(page_name), CEREAL_NVP(secret), CEREAL_NVP(token),
       CEREAL_NVP(verify_token), CEREAL_NVP(callback_url), CEREAL_NVP(api_base));
  }
};

struct PageDisconnected {
  static constexpr std::uint16_t type_id = 142;
  static constexpr const char* name = "PageDisconnected";
  PageId page_id = 0;
  std::string stream() const { return page_stream(page_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(page_id));
  }
};

// Who may work on the page (with inbox.page_permissions on): these users and these teams.
struct PageAccessSet {
  static constexpr std::uint16_t type_id = 143;
  static constexpr const char* name = "PageAccessSet";
  PageId page_id = 0;
  std::vector<UserId> user_ids;
  std::vector<TeamId> team_ids;
  std::string stream() const { return page_stream(page_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(page_id), CEREAL_NVP(user_ids), CEREAL_NVP(team_ids));
  }
};

// A user's named set of pages, shown as one inbox (saved again under the same name: replaced).
struct InboxViewSaved {
  static constexpr std::uint16_t type_id = 144;
  static constexpr const char* name = "InboxViewSaved";
  UserId user_id = 0;
  std::string view_name;
  std::vector<PageId> page_ids;
  std::string stream() const { return "user:" + std::to_string(user_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(user_id), CEREAL_NVP(view_name), CEREAL_NVP(page_ids));
  }
};

struct InboxViewDeleted {
  static constexpr std::uint16_t type_id = 145;
  static constexpr const char* name = "InboxViewDeleted";
  UserId user_id = 0;
  std::string view_name;
  std::string stream() const { return "user:" + std::to_string(user_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(user_id), CEREAL_NVP(view_name));
  }
};

// ---- state ----
struct Page {
  PageId id = 0;
  Channel channel = Channel::api;
  std::string external_id{};
  std::string name{};
  std::string secret{};  // the plain values of the events' Secrets: never rendered
  std::string token{};
  std::string verify_token{};
  std::string callback_url{};
  std::string api_base{};
  bool connected = true;
  Time connected_at = 0;
  std::set<UserId> user_ids{};
  std::set<TeamId> team_ids{};
  template <class A>
  void serialize(A& ar) {
    ar(id, channel, external_id, name, secret, token, verify_token, callback_url, api_base,
       connected, connected_at, user_ids, team_ids);
  }
};

using InboxViews = std::map<std::string, std::vector<PageId>>;  // by name

struct Pages {
  std::vector<Page> by_id;  // index = id - 1
  std::map<std::pair<Channel, std::string>, PageId> by_external;
  std::map<UserId, InboxViews> views;
  const Page* find(PageId id) const;
  Page* find(PageId id);
  // The page of a channel's id (connected or not), or nullptr.
  const Page* find_external(Channel channel, const std::string& external_id) const;
  PageId next_id() const { return static_cast<PageId>(by_id.size()) + 1; }
  template <class A>
  void serialize(A& ar) {
    ar(by_id, by_external, views);
  }
};

// ---- evolve ----
void evolve(Pages& pages, const PageConnected& e, Time at);
void evolve(Pages& pages, const PageUpdated& e, Time at);
void evolve(Pages& pages, const PageDisconnected& e, Time at);
void evolve(Pages& pages, const PageAccessSet& e, Time at);
void evolve(Pages& pages, const InboxViewSaved& e, Time at);
void evolve(Pages& pages, const InboxViewDeleted& e, Time at);

// ---- commands and decide ----
constexpr std::size_t page_name_bytes_max = 200;
constexpr std::size_t external_id_bytes_max = 200;
constexpr std::size_t page_secret_bytes_max = 4096;
constexpr std::size_t page_url_bytes_max = 2000;
constexpr std::size_t page_access_ids_max = 10'000;
constexpr std::size_t view_name_bytes_max = 100;
constexpr std::size_t views_per_user_max = 50;
constexpr std::size_t view_pages_max = 500;

struct ConnectPage {
  Channel channel = Channel::api;
  std::string external_id{};
  std::string page_name{};
  std::string secret{};
  std::string token{};
  std::string verify_token{};
  std::string callback_url{};
  std::string api_base{};
};

struct UpdatePage {
  PageId page_id = 0;
  std::optional<std::string> page_name{};
  std::optional<std::string> secret{};
  std::optional<std::string> token{};
  std::optional<std::string> verify_token{};
  std::optional<std::string> callback_url{};
  std::optional<std::string> api_base{};
};

struct DisconnectPage {
  PageId page_id = 0;
};

struct SetPageAccess {
  PageId page_id = 0;
  std::vector<UserId> user_ids;
  std::optional<std::vector<TeamId>> team_ids;  // absent: the team grants stay as they are
};

struct SaveInboxView {
  std::string view_name;
  std::vector<PageId> page_ids;
};

struct DeleteInboxView {
  std::string view_name;
};

Result<Events> decide(const State& s, UserId actor, const ConnectPage& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpdatePage& c, Time now);
Result<Events> decide(const State& s, UserId actor, const DisconnectPage& c, Time now);
Result<Events> decide(const State& s, UserId actor, const SetPageAccess& c, Time now);
Result<Events> decide(const State& s, UserId actor, const SaveInboxView& c, Time now);
Result<Events> decide(const State& s, UserId actor, const DeleteInboxView& c, Time now);

// ---- queries ----
// Whether `user` may work on the page: admin always; everyone while inbox.page_permissions is
// off; otherwise a user granted the page, or a member of a team granted it. A page that does
// not exist is nobody's.
bool may_access_page(const State& s, UserId user, PageId page);
// The pages `user` may work on, by id.
std::vector<const Page*> pages_of(const State& s, UserId user);
// The user's views, each with only the pages the user may still work on.
InboxViews views_of(const State& s, UserId user);

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct PageArea {
  using EventTypes = TypeList<PageConnected, PageUpdated, PageDisconnected, PageAccessSet,
                              InboxViewSaved, InboxViewDeleted>;
  using CommandTypes = TypeList<ConnectPage, UpdatePage, DisconnectPage, SetPageAccess,
                                SaveInboxView, DeleteInboxView>;
  Pages pages;
  static constexpr auto projection = &PageArea::pages;
};

}  // namespace salesdesk::core
