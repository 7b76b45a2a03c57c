#include "tools/journal/readable.hpp"

#include <string>
#include <type_traits>
#include <variant>

#include "core/event_codec.hpp"
#include "core/time.hpp"
#include "storage/hex.hpp"

namespace salesdesk::journal_cli {
namespace {

namespace json = boost::json;

// cereal's own bookkeeping, not the event's values: an std::optional is written as
// {"nullopt": true} or {"nullopt": false, "data": x}, which a person reads as null or x, and
// each versioned struct carries "cereal_class_version" (schema/events.md lists the versions).
void drop_cereal_wrapping(json::value& v) {
  if (json::array* a = v.if_array()) {
    for (json::value& x : *a) drop_cereal_wrapping(x);
    return;
  }
  json::object* o = v.if_object();
  if (o == nullptr) return;
  const bool optional = o->contains("nullopt") &&
                        (o->size() == 1 || (o->size() == 2 && o->contains("data")));
  if (!optional) {
    o->erase("cereal_class_version");
    for (auto& field : *o) drop_cereal_wrapping(field.value());
    return;
  }
  json::value inner = o->contains("data") ? std::move((*o)["data"]) : json::value(nullptr);
  v = std::move(inner);
  drop_cereal_wrapping(v);
}

// Overwrites the fields cereal wrote as numbers (or variants) with what they mean, reading the
// typed event rather than guessing from field names. Events not listed are shown as written.
struct Readable {
  json::object& p;
  const Explain& explain;

  void operator()(const core::UserCreated& e) const { p["role"] = core::to_string(e.role); }
  void operator()(const core::UserUpdated& e) const {
    if (e.role) p["role"] = core::to_string(*e.role);
  }
  void operator()(const core::PresenceChanged& e) const {
    p["presence"] = core::to_string(e.presence);
  }
  void operator()(const core::SettingsChanged& e) const {
    json::array changes;
    for (const core::SettingChange& c : e.changes) {
      changes.push_back(json::object{{"key", c.key}, {"value", setting_json(c.value)}});
    }
    p["changes"] = std::move(changes);
  }
  void operator()(const core::OrderCreated& e) const { p["status"] = core::to_string(e.status); }
  void operator()(const core::PageConnected& e) const { p["channel"] = core::to_string(e.channel); }
  void operator()(const core::OrderStatusChanged& e) const {
    p["from"] = core::to_string(e.from);
    p["to"] = core::to_string(e.to);
  }
  void operator()(const core::LeadImported& e) const { status_name(e.status); }
  void operator()(const core::LeadActed& e) const { status_name(e.status); }
  void operator()(const core::LeadClaimed& e) const { p["day"] = date_text(e.day); }
  void operator()(const core::PhoneRevealed& e) const {
    p["expires_at"] = core::format_time(e.expires_at);
    if (explain.offsets) p["expires_at_local"] = explain.offsets->local_text(e.expires_at);
  }
  void operator()(const core::ConversationStarted& e) const {
    p["kind"] = core::to_string(e.kind);
    if (explain.names == nullptr) return;
    if (const core::Page* page = explain.names->pages.find(e.page_id)) {
      p["page_name"] = page->name;
      p["channel"] = core::to_string(page->channel);
    }
  }
  // Who was given the conversation and who had it, by name ("nobody" for 0).
  void operator()(const core::ConversationAssigned& e) const {
    user_name("assignee_name", e.assignee_id);
    user_name("previous_name", e.previous_id);
  }
  void operator()(const core::MessageSent& e) const {
    if (e.author_id != 0) user_name("author_name", e.author_id);  // 0: sent outside Salesdesk
  }
  template <class E>
  void operator()(const E&) const {}

  void user_name(const char* field, core::UserId id) const {
    if (explain.names == nullptr) return;
    const core::User* u = explain.names->users.find(id);
    p[field] = id == 0 ? "nobody" : (u != nullptr ? u->username : "?");
  }

  // A lead's status is a catalog code; its name is the catalog's as of the replayed state.
  void status_name(const std::string& code) const {
    if (explain.names == nullptr || code.empty()) return;
    const auto& statuses = explain.names->catalog.statuses;
    if (auto it = statuses.find(code); it != statuses.end()) p["status_name"] = it->second.name;
  }
};

std::string actor_name(const core::State& names, core::UserId actor) {
  if (actor == core::system_actor) return "system";
  const core::User* u = names.users.find(actor);
  return u ? u->username : "?";
}

}  // namespace

json::value setting_json(const core::SettingValue& value) {
  return std::visit(
      [](const auto& x) -> json::value {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) {
          return nullptr;
        } else {
          return json::value(x);
        }
      },
      value);
}

json::object row_json(const storage::Row& row, const Explain& explain) {
  const core::Event e = core::decode_payload(row.type, row.payload);
  json::value payload = json::parse(core::payload_json(e));
  drop_cereal_wrapping(payload);
  std::visit(Readable{payload.as_object(), explain}, e.base());
  json::object out{{"seq", row.seq}, {"at", core::format_time(row.at)}};
  if (explain.offsets) out["at_local"] = explain.offsets->local_text(row.at);
  out["actor"] = row.actor;
  if (explain.names) out["actor_name"] = actor_name(*explain.names, row.actor);
  out["type"] = core::event_name(e);
  out["stream"] = row.stream;
  out["hash"] = storage::to_hex(row.hash);
  out["payload"] = std::move(payload);
  return out;
}

}  // namespace salesdesk::journal_cli
