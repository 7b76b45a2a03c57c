// Operations and pushes of conversations (PROTOCOL.md "Pages, conversations, messages";
// SPEC.md section 4): finding them, reading their messages (from the journal, off the engine
// thread), answering, taking, assigning, closing and marking.
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_set>

#include "app/hub.hpp"
#include "app/ops.hpp"
#include "app/stream_page.hpp"
#include "core/assignment.hpp"
#include "core/conversation.hpp"
#include "core/event_codec.hpp"
#include "core/lead.hpp"
#include "core/phone.hpp"
#include "core/time.hpp"

namespace salesdesk::app {
namespace {

using ops::checked_query;
using ops::command;
using ops::items;
using ops::query;

constexpr std::size_t inbox_limit_max = 200;
constexpr std::size_t messages_limit_max = 200;
constexpr std::size_t inbox_cursor_bytes_max = 40;
constexpr std::size_t search_bytes_max = 200;
// At most this many conversations found by message text (the newest matching messages').
constexpr std::size_t text_hits_max = 500;

// ---- renderings ----
json::array names_json(const std::vector<std::string>& names) {
  json::array out;
  for (const std::string& n : names) out.emplace_back(n);
  return out;
}

json::object quick_reply_json(const std::string& code, const core::QuickReply& r) {
  return {{"code", code},
          {"text", r.text},
          {"tag", r.tag.empty() ? json::value(nullptr) : json::value(r.tag)}};
}

// How the conversation came to its assignee (or to nobody): why and when; null if it never did.
json::value assigned_json(const core::Conversation& c) {
  if (c.assigned_at == 0) return nullptr;
  const std::string_view reason = core::reason_name(c.assign_reason);
  return json::object{{"reason", reason},
                      {"automatic", core::is_automatic(reason)},
                      {"at", core::format_time(c.assigned_at)}};
}

// The conversation summary of PROTOCOL.md, with what the inbox list shows besides.
json::object summary_json(const core::State& s, const core::Conversation& c) {
  const core::Customer* customer = s.customers.find(c.customer_id);
  json::array phones;
  for (const std::string& p : c.phones()) phones.emplace_back(p);
  return {{"id", c.id},
          {"page_id", c.page_id},
          {"kind", core::to_string(c.kind)},
          {"customer", json::object{{"id", c.customer_id},
                                    {"name", customer != nullptr ? customer->name : ""}}},
          {"assignee_id", ops::id_or_null(c.assignee_id)},
          {"status", c.has(core::flag_closed) ? "closed" : "open"},
          {"unread", c.has(core::flag_unread)},
          {"unanswered", c.has(core::flag_unanswered)},
          {"has_phone", c.has(core::flag_has_phone)},
          {"processed", c.has(core::flag_processed)},
          {"linked", c.has(core::flag_linked)},
          {"tags", names_json(core::tag_names(s.conversations, c))},
          {"phones", std::move(phones)},
          {"post_id", c.post_id()},
          {"messages", c.messages},
          {"last_message", json::object{{"text", c.last_text.view()},
                                        {"at", core::format_time(c.last_at)},
                                        {"direction", c.last_inbound ? "in" : "out"}}},
          {"waiting_since", ops::time_or_null(c.waiting_since)},
          {"started_at", core::format_time(c.started_at)},
          {"assigned", assigned_json(c)}};
}

json::array attachments_json(const std::vector<core::Attachment>& list) {
  json::array out;
  for (const core::Attachment& a : list) {
    out.push_back(
        json::object{{"type", a.type}, {"url", a.url}, {"name", a.name}, {"size", a.size}});
  }
  return out;
}

json::object message_json(const core::MessageReceived& m, core::Time at) {
  return {{"id", m.message_id},   {"direction", "in"},
          {"text", m.text},       {"at", core::format_time(at)},
          {"author_id", nullptr}, {"attachments", attachments_json(m.attachments)},
          {"outside", false},     {"delivery", nullptr}};
}

json::object message_json(const core::MessageSent& m, core::Time at) {
  return {{"id", m.message_id},
          {"direction", "out"},
          {"text", m.text},
          {"at", core::format_time(at)},
          {"author_id", ops::id_or_null(m.author_id)},
          {"attachments", attachments_json(m.attachments)},
          {"outside", m.outside},
          {"delivery", nullptr}};
}

// How the replies of a page with a callback_url fared, gathered while a conversation's stream
// is read backwards (a result is met before the message it is about).
using Deliveries = std::map<core::MessageId, std::string>;

// A journal row of a conversation's stream as a message, or nothing (not a message: a delivery
// result is noted in `deliveries` for the message met later).
std::optional<json::object> message_of(const storage::Row& row, Deliveries& deliveries) {
  switch (row.type) {
    case core::MessageReceived::type_id:
    case core::MessageSent::type_id:
    case core::MessageQueued::type_id:
    case core::MessageDelivered::type_id:
    case core::MessageFailed::type_id:
      break;
    default:
      return std::nullopt;
  }
  const core::Event e = core::decode_payload(row.type, row.payload);
  if (const auto* in = std::get_if<core::MessageReceived>(&e.base())) {
    return message_json(*in, row.at);
  }
  if (const auto* out = std::get_if<core::MessageSent>(&e.base())) {
    json::object m = message_json(*out, row.at);
    if (auto it = deliveries.find(out->message_id); it != deliveries.end()) {
      m["delivery"] = it->second;
    }
    return m;
  }
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, core::MessageDelivered>) {
          deliveries[x.message_id] = "delivered";
        } else if constexpr (std::is_same_v<T, core::MessageFailed>) {
          deliveries[x.message_id] = "failed";
        } else if constexpr (std::is_same_v<T, core::MessageQueued>) {
          deliveries.try_emplace(x.message_id, "pending");
        }
      },
      e.base());
  return std::nullopt;
}

// ---- arguments ----
std::vector<core::Attachment> attachments_arg(const Args& a) {
  std::vector<core::Attachment> out;
  const json::value* list = a.raw().if_contains("attachments");
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array()) throw BadRequest("attachments must be an array");
  if (list->get_array().size() > core::attachments_max) {
    throw BadRequest("attachments: at most " + std::to_string(core::attachments_max));
  }
  for (const json::value& item : list->get_array()) {
    if (!item.is_object()) throw BadRequest("attachments: each must be an object");
    const Args one(item.get_object());
    out.push_back({one.text("type"), one.text("url"), one.opt_text("name").value_or(""),
                   one.opt_integer_in("size", 0, id_max).value_or(0)});
  }
  return out;
}

// The inbox cursor: the last (time, id) of the previous page, as "TIME.ID".
std::string cursor_text(const core::Slot& slot) {
  return std::to_string(slot.first) + "." + std::to_string(slot.second);
}

std::optional<core::Slot> cursor_arg(const Args& a) {
  auto text = a.opt_text("cursor");
  if (!text) return std::nullopt;
  const auto bad = [] { return BadRequest("cursor is not a cursor this server gave"); };
  const auto dot = text->find('.');
  if (text->size() > inbox_cursor_bytes_max || dot == std::string::npos) throw bad();
  const std::string_view view(*text);
  const auto time = parse_id(view.substr(0, dot));
  const auto id = parse_id(view.substr(dot + 1));
  if (!time || !id) throw bad();
  return core::Slot{*time, *id};
}

// A list of tag names (a filter's, or what conversations.tag adds and removes): strings, at
// most `max` of them, checked further by core; `label` names the field in errors.
std::vector<std::string> names_arg(const Args& a, std::string_view key, std::string_view label,
                                   std::size_t max) {
  std::vector<std::string> out;
  const json::value* list = a.raw().if_contains(key);
  if (list == nullptr || list->is_null()) return out;
  const auto bad = [label] {
    return BadRequest(std::string(label) + " must be an array of names");
  };
  if (!list->is_array()) throw bad();
  if (list->get_array().size() > max) {
    throw BadRequest(std::string(label) + ": at most " + std::to_string(max) + " tags");
  }
  for (const json::value& v : list->get_array()) {
    if (!v.is_string()) throw bad();
    out.emplace_back(v.get_string());
  }
  return out;
}

// The filters of inbox.query; an unknown filter is refused rather than ignored.
struct Filters {
  core::InboxFilters f;
  std::vector<std::string> tags;
  std::string q;
};

Filters filters_arg(const Args& a) {
  Filters out;
  const json::value* v = a.raw().if_contains("filters");
  if (v == nullptr || v->is_null()) return out;
  static const std::set<std::string_view> known = {
      "page_ids",   "kind",        "status",      "unread", "unanswered", "has_phone", "processed",
      "unassigned", "assignee_id", "customer_id", "since",  "until",      "tags",      "q"};
  for (const auto& field : v->get_object()) {
    if (!known.contains(field.key())) {
      throw BadRequest("filters: unknown filter " + std::string(field.key()));
    }
  }
  const Args f(v->get_object());
  core::InboxFilters& in = out.f;
  in.page_ids = f.opt_ids("page_ids").value_or(std::vector<std::int64_t>{});
  if (auto kind = f.opt_text("kind")) {
    in.kind = core::parse_conversation_kind(*kind);
    if (!in.kind) throw BadRequest("filters.kind must be message, comment or livestream");
  }
  if (auto status = f.opt_text("status")) {
    if (*status != "open" && *status != "closed") {
      throw BadRequest("filters.status must be open or closed");
    }
    in.closed = *status == "closed";
  }
  in.unread = f.opt_boolean("unread");
  in.unanswered = f.opt_boolean("unanswered");
  in.has_phone = f.opt_boolean("has_phone");
  in.processed = f.opt_boolean("processed");
  in.unassigned = f.opt_boolean("unassigned").value_or(false);
  in.assignee_id = f.opt_id("assignee_id");
  in.customer_id = f.opt_id("customer_id");
  in.since = f.opt_time("since");
  in.until = f.opt_time("until");
  out.tags = names_arg(f, "tags", "filters.tags", std::numeric_limits<std::size_t>::max());
  out.q = f.opt_text("q").value_or("");
  if (out.q.size() > search_bytes_max) {
    throw BadRequest("filters.q: at most " + std::to_string(search_bytes_max) + " bytes");
  }
  return out;
}

// ---- operations ----
Prepared op_inbox_query(const Args& a, const Caller& caller) {
  Filters filters = filters_arg(a);
  core::InboxSort sort = core::InboxSort::activity;
  if (auto s = a.opt_text("sort")) {
    if (*s != "activity" && *s != "waiting") throw BadRequest("sort must be activity or waiting");
    sort = *s == "waiting" ? core::InboxSort::waiting : core::InboxSort::activity;
  }
  const auto after = cursor_arg(a);
  const std::size_t limit = a.limit("limit", 50, inbox_limit_max);
  // Message text: the conversations of the newest messages holding every word, found in the
  // journal's text index before the engine stage (which keeps those the caller may see).
  const std::vector<std::string> words = core::search_words(filters.q);
  auto texts = std::make_shared<std::vector<core::ConversationId>>();
  Prepared prepared = query(caller, core::everyone, [=, viewer = caller.user_id](
                                                        const core::State& s) {
    json::array list;
    json::object out;
    core::InboxFilters wanted = filters.f;
    for (const std::string& name : filters.tags) {
      if (core::TagId t = s.conversations.find_tag(name)) wanted.tag_ids.push_back(t);
    }
    // Tags of which none is in the catalog: no conversation carries them.
    if (!filters.tags.empty() && wanted.tag_ids.empty()) {
      out["items"] = std::move(list);
      out["next_cursor"] = nullptr;
      return out;
    }
    std::vector<core::InboxFilters> runs;
    if (filters.q.empty()) {
      runs.push_back(wanted);
    } else {
      // Name, @nickname or phone: the customers found, each's conversations (a handful each).
      for (const core::Customer* c : core::search_customers(s, filters.q, viewer)) {
        if (wanted.customer_id && *wanted.customer_id != c->id) continue;
        core::InboxFilters one = wanted;
        one.customer_id = c->id;
        runs.push_back(one);
      }
      if (!texts->empty()) {
        core::InboxFilters found = wanted;
        found.among = *texts;
        runs.push_back(std::move(found));
      }
    }
    std::vector<core::InboxPage> pages;
    for (const core::InboxFilters& f : runs) {
      pages.push_back(core::query_inbox(s, viewer, f, sort, after, limit));
    }
    std::vector<const core::Conversation*> found;
    for (const core::InboxPage& page : pages) {
      found.insert(found.end(), page.items.begin(), page.items.end());
    }
    json::value next = nullptr;
    if (pages.size() == 1 && pages.front().next) next = cursor_text(*pages.front().next);
    if (pages.size() > 1) {
      // Several customers: merged in the order asked, one page (search answers are short).
      const auto key = [sort](const core::Conversation* c) {
        return sort == core::InboxSort::activity ? core::Slot{c->last_at, c->id}
                                                 : core::Slot{c->waiting_since, c->id};
      };
      std::sort(found.begin(), found.end(), [&](const auto* x, const auto* y) {
        return sort == core::InboxSort::activity ? key(x) > key(y) : key(x) < key(y);
      });
      // Found by name and by text alike: once.
      found.erase(std::unique(found.begin(), found.end()), found.end());
      if (found.size() > limit) {
        found.resize(limit);
        next = cursor_text(key(found.back()));
      }
    }
    for (const core::Conversation* c : found) list.push_back(summary_json(s, *c));
    out["items"] = std::move(list);
    out["next_cursor"] = std::move(next);
    return out;
  });
  if (!words.empty()) {
    std::get<QueryRequest>(prepared).before = [words, texts](const storage::Journal& journal) {
      const std::string prefix = "conversation:";
      for (const std::string& stream : journal.search_messages(words, text_hits_max)) {
        if (stream.starts_with(prefix)) {
          texts->push_back(std::stoll(stream.substr(prefix.size())));
        }
      }
    };
  }
  return prepared;
}

Prepared op_inbox_counts(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [viewer = caller.user_id](const core::State& s) {
    const core::InboxCounts counts = core::count_inbox(s, viewer);
    json::object unread;
    for (const auto& [page, n] : counts.unread_by_page) unread[std::to_string(page)] = n;
    return json::object{{"mine", counts.mine},
                        {"unassigned", counts.unassigned},
                        {"all", counts.all},
                        {"unread_by_page", std::move(unread)}};
  });
}

// Automatic assignment as it stands, for managers: whether it is on and the capacity; each
// connected page's next sale in turn (null when nobody may be given one) and its open unassigned
// conversations; each active sale's presence and open conversations.
Prepared op_inbox_rotation(const Args&, const Caller& caller) {
  return query(caller, core::managers, [viewer = caller.user_id](const core::State& s) {
    const core::Conversations& cs = s.conversations;
    const bool on = s.settings[core::setting::inbox_auto_assign];
    const core::Turns turns(s);
    const auto name_of = [&](core::UserId id) -> json::value {
      if (id == 0) return nullptr;
      return json::value(s.users.find(id)->display_name);
    };
    json::array pages;
    for (const core::Page* p : core::pages_of(s, viewer)) {
      if (!p->connected) continue;
      const core::UserId next = on ? turns.next(p->id) : 0;
      auto tally = cs.open_by_assignee.find({p->id, 0});
      const std::int64_t unassigned = tally == cs.open_by_assignee.end() ? 0 : tally->second.open;
      pages.push_back(json::object{
          {"page_id", p->id},
          {"name", p->name},
          {"next_id", ops::id_or_null(next)},
          {"next_name", name_of(next)},
          {"unassigned", unassigned}});
    }
    json::array sales;
    for (const core::User& u : s.users.by_id) {
      if (!u.active || u.role != core::Role::sale) continue;
      auto it = cs.open_of_user.find(u.id);
      const std::int64_t open = it == cs.open_of_user.end() ? 0 : it->second;
      sales.push_back(json::object{{"user_id", u.id},
                                   {"name", u.display_name},
                                   {"presence", core::to_string(u.presence)},
                                   {"open", open}});
    }
    return json::object{{"auto_assign", on},
                        {"auto_reassign", s.settings[core::setting::inbox_auto_reassign]},
                        {"capacity", s.settings[core::setting::inbox_max_open_per_agent]},
                        {"reply_timeout_s", s.settings[core::setting::inbox_reply_timeout_s]},
                        {"pages", std::move(pages)},
                        {"sales", std::move(sales)}};
  });
}

Prepared op_conversations_get(const Args& a, const Caller& caller) {
  const core::ConversationId id = a.id("conversation_id");
  return checked_query(
      caller, core::everyone,
      [id, viewer = caller.user_id](const core::State& s) -> core::Result<json::value> {
        auto c = core::visible_conversation(s, viewer, id);
        if (!c) return c.error();
        return json::value{{"conversation", summary_json(s, *c.value())}};
      });
}

// Two stages (app/stream_page.hpp): the engine checks that the caller may see the conversation;
// the reader thread reads that page of the conversation's stream backwards.
Prepared op_conversations_messages(const Args& a, const Caller& caller) {
  const core::ConversationId id = a.id("conversation_id");
  auto prepared = checked_query(caller, core::everyone,
                                [id, viewer = caller.user_id](
                                    const core::State& s) -> core::Result<json::value> {
                                  auto c = core::visible_conversation(s, viewer, id);
                                  if (!c) return c.error();
                                  return json::value(nullptr);
                                });
  auto deliveries = std::make_shared<Deliveries>();
  const RowItem item = [deliveries](const storage::Row& row) {
    return message_of(row, *deliveries);
  };
  read_after(std::get<QueryRequest>(prepared),
             StreamPage{core::conversation_stream(id), a.cursor("before"),
                        a.limit("limit", 50, messages_limit_max), item, "the messages"},
             caller.reader);
  return prepared;
}

// A command on one conversation, answered with its summary.
template <class C>
Prepared conversation_command(const Caller& caller, C c) {
  const core::ConversationId id = c.conversation_id;
  return command(caller, std::move(c), [id](const core::State& s, const core::Events&) {
    return json::value{{"conversation", summary_json(s, *s.conversations.find(id))}};
  });
}

Prepared op_conversations_send(const Args& a, const Caller& caller) {
  core::SendMessage c{a.id("conversation_id"), a.opt_text("text").value_or(""), attachments_arg(a),
                      a.opt_text("quick_reply").value_or("")};
  return command(caller, std::move(c), [](const core::State& s, const core::Events& events) {
    const core::Event& e = events.front();
    const auto& sent = std::get<core::MessageSent>(e.base());
    const core::Conversation& c = *s.conversations.find(sent.conversation_id);
    return json::value{{"message", message_json(sent, c.last_at)},
                       {"conversation", summary_json(s, c)}};
  });
}

Prepared op_conversations_take(const Args& a, const Caller& caller) {
  return conversation_command(caller, core::TakeConversation{a.id("conversation_id")});
}

Prepared op_conversations_assign(const Args& a, const Caller& caller) {
  const auto user = a.raw().at("user_id").is_null() ? 0 : a.id("user_id");
  return conversation_command(caller, core::AssignConversation{a.id("conversation_id"), user});
}

Prepared op_conversations_close(const Args& a, const Caller& caller) {
  return conversation_command(caller, core::CloseConversation{a.id("conversation_id")});
}

Prepared op_conversations_reopen(const Args& a, const Caller& caller) {
  return conversation_command(caller, core::ReopenConversation{a.id("conversation_id")});
}

Prepared op_conversations_mark(const Args& a, const Caller& caller) {
  return conversation_command(caller,
                              core::MarkConversation{a.id("conversation_id"), a.opt_boolean("read"),
                                                     a.opt_boolean("processed")});
}

Prepared op_conversations_tag(const Args& a, const Caller& caller) {
  constexpr std::size_t max = core::tags_per_conversation_max;
  return conversation_command(caller, core::TagConversation{a.id("conversation_id"),
                                                            names_arg(a, "add", "add", max),
                                                            names_arg(a, "remove", "remove", max)});
}

Prepared op_tags_list(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [](const core::State& s) {
    json::array list;
    for (const auto& [name, uses] : core::tag_catalog(s.conversations)) {
      list.push_back(json::object{{"name", name}, {"conversations", uses}});
    }
    return items(std::move(list));
  });
}

Prepared op_conversations_note(const Args& a, const Caller& caller) {
  core::NoteConversation c{a.id("conversation_id"), a.text("text")};
  return command(caller, std::move(c),
                 [viewer = caller.user_id](const core::State& s, const core::Events& events) {
                   const auto& e = std::get<core::CustomerNoted>(events.front().base());
                   const core::Note& note = s.customers.find(e.customer_id)->notes.back();
                   return json::value{{"customer_id", e.customer_id},
                                      {"note", note_json(s, viewer, note)}};
                 });
}

Prepared op_conversations_link(const Args& a, const Caller& caller) {
  return conversation_command(caller,
                              core::LinkCustomer{a.id("conversation_id"), a.id("customer_id")});
}

Prepared op_conversations_unlink(const Args& a, const Caller& caller) {
  return conversation_command(caller, core::UnlinkCustomer{a.id("conversation_id")});
}

// The lead made, or the one the caller already works with that phone.
Prepared op_conversations_to_lead(const Args& a, const Caller& caller) {
  const core::ConversationId id = a.id("conversation_id");
  return command(caller, core::ConversationToLead{id},
                 [id, viewer = caller.user_id](const core::State& s, const core::Events&) {
                   const core::Conversation& c = *s.conversations.find(id);
                   const core::Lead& l = *s.leads.find(
                       s.leads.by_phone.newest(core::phone_key(core::conversation_phone(s, c))));
                   return json::value{{"lead", lead_json(s, viewer, l)}};
                 });
}

Prepared op_quick_replies_create(const Args& a, const Caller& caller) {
  core::SaveQuickReply c{a.text("code"), a.text("text"), a.opt_text("tag").value_or("")};
  const std::string code = core::tag_key(c.code);
  return command(caller, std::move(c), [code](const core::State& s, const core::Events&) {
    return json::value{
        {"quick_reply", quick_reply_json(code, s.conversations.quick_replies.at(code))}};
  });
}

Prepared op_quick_replies_list(const Args&, const Caller& caller) {
  return query(caller, core::everyone, [](const core::State& s) {
    json::array list;
    for (const auto& [code, reply] : s.conversations.quick_replies) {
      list.push_back(quick_reply_json(code, reply));
    }
    return items(std::move(list));
  });
}

Prepared op_quick_replies_delete(const Args& a, const Caller& caller) {
  return command(caller, core::DeleteQuickReply{a.text("code")},
                 [](const core::State&, const core::Events& events) {
                   const auto& e = std::get<core::QuickReplyDeleted>(events.front().base());
                   return json::value{{"code", e.code}};
                 });
}

json::array viewers_json(const std::vector<std::pair<core::UserId, std::string>>& viewers) {
  json::array out;
  for (const auto& [user, name] : viewers) {
    out.push_back(json::object{{"user_id", user}, {"name", name}});
  }
  return out;
}

// Two stages: the engine checks that the caller may see the conversation and finds who else
// may (the audience of the push); the hub then records the caller's connection as viewing it
// (or not) and tells the others. Nothing is journaled.
Prepared op_conversations_viewing(const Args& a, const Caller& caller) {
  const core::ConversationId id = a.id("conversation_id");
  const bool viewing = a.opt_boolean("viewing").value_or(false);
  struct Found {
    std::string name;
    std::set<core::UserId> audience;
  };
  auto found = std::make_shared<Found>();
  auto prepared = checked_query(
      caller, core::everyone,
      [id, found, viewer = caller.user_id](const core::State& s) -> core::Result<json::value> {
        auto c = core::visible_conversation(s, viewer, id);
        if (!c) return c.error();
        found->name = s.users.find(viewer)->display_name;
        for (const core::User& u : s.users.by_id) {
          if (core::may_see_conversation(s, u.id, *c.value())) found->audience.insert(u.id);
        }
        return json::value(nullptr);
      });
  auto& q = std::get<QueryRequest>(prepared);
  q.then = [id, viewing, found, caller](Outcome first, Done done) {
    if (!first.ok) return done(std::move(first));
    if (caller.hub == nullptr || caller.connection == nullptr) {
      return done(failure(core::reject(core::Code::internal, "not a connection")));
    }
    std::vector<std::pair<core::UserId, std::string>> list;
    for (const Viewer& v : caller.hub->view(caller.connection, id, viewing,
                                            Viewer{caller.user_id, found->name},
                                            std::move(found->audience), first.seq)) {
      list.emplace_back(v.user, v.name);
    }
    done(success(json::serialize(json::object{{"viewers", viewers_json(list)}}), first.seq));
  };
  return prepared;
}

const std::vector<Op>& conversation_ops() {
  using namespace arg;
  static const std::vector<Op> table = {
      {"inbox.query",
       false,
       &op_inbox_query,
       {opt_object("filters"), opt_text("sort"), opt_text("cursor", inbox_cursor_bytes_max),
        limit(50, inbox_limit_max)}},
      {"inbox.counts", false, &op_inbox_counts, {}},
      {"inbox.rotation", false, &op_inbox_rotation, {}},
      {"conversations.get", false, &op_conversations_get, {id("conversation_id")}},
      {"conversations.messages",
       false,
       &op_conversations_messages,
       {id("conversation_id"), cursor("before"),
        limit(50, messages_limit_max)}},
      {"conversations.send",
       false,
       &op_conversations_send,
       {id("conversation_id"), opt_text("text", core::message_text_bytes_max),
        opt_array("attachments"), opt_text("quick_reply", core::quick_reply_code_bytes_max)}},
      {"conversations.take", false, &op_conversations_take, {id("conversation_id")}},
      {"conversations.assign",
       false,
       &op_conversations_assign,
       {id("conversation_id"), id_or_null("user_id")}},
      {"conversations.close", false, &op_conversations_close, {id("conversation_id")}},
      {"conversations.reopen", false, &op_conversations_reopen, {id("conversation_id")}},
      {"conversations.mark",
       false,
       &op_conversations_mark,
       {id("conversation_id"), opt_boolean("read"), opt_boolean("processed")}},
      {"conversations.tag",
       false,
       &op_conversations_tag,
       {id("conversation_id"), opt_array("add"), opt_array("remove")}},
      {"conversations.viewing",
       false,
       &op_conversations_viewing,
       {id("conversation_id"), ArgSpec{"viewing", ArgKind::boolean, true, 0, 0, 0}}},
      {"tags.list", false, &op_tags_list, {}},
      {"conversations.note",
       false,
       &op_conversations_note,
       {id("conversation_id"), text("text", core::note_bytes_max)}},
      {"conversations.link_customer",
       false,
       &op_conversations_link,
       {id("conversation_id"), id("customer_id")}},
      {"conversations.unlink_customer", false, &op_conversations_unlink, {id("conversation_id")}},
      {"conversations.to_lead", false, &op_conversations_to_lead, {id("conversation_id")}},
      {"quick_replies.create",
       false,
       &op_quick_replies_create,
       {text("code", core::quick_reply_code_bytes_max),
        text("text", core::quick_reply_text_bytes_max), opt_text("tag", core::tag_bytes_max)}},
      {"quick_replies.list", false, &op_quick_replies_list, {}},
      {"quick_replies.delete",
       false,
       &op_quick_replies_delete,
       {text("code", core::quick_reply_code_bytes_max)}},
  };
  return table;
}

// ---- pushes ----
// The audience of a push about a conversation: whoever may see it.
std::function<bool(core::UserId)> seers(const core::State& s, const core::Conversation& conv) {
  return [&s, &conv](core::UserId u) { return core::may_see_conversation(s, u, conv); };
}

// A conversation's change: its summary on `inbox` and on `conversation:{id}` to whoever may
// see it; after an assignment, `conversation_removed` on `inbox` to those who no longer may.
void summary_pushes(const core::State& s, const Committed& c, core::ConversationId id,
                    bool assigned, const Listened& listened, std::vector<Push>& out) {
  const core::Conversation& conv = *s.conversations.find(id);
  const auto sees = seers(s, conv);
  const std::string topic = "conversation:" + std::to_string(id);
  const bool inbox = listened("inbox");
  const bool own = listened(topic);
  if (!inbox && !own) return;
  const json::object data{{"conversation", summary_json(s, conv)}};
  if (inbox)
    out.push_back({"inbox", std::nullopt, push_frame("inbox", "conversation", data, c.seq), sees});
  if (own)
    out.push_back({topic, std::nullopt, push_frame(topic, "conversation", data, c.seq), sees});
  if (assigned && inbox) {
    out.push_back(
        {"inbox", std::nullopt,
         push_frame("inbox", "conversation_removed", json::object{{"conversation_id", id}}, c.seq),
         [&s, &conv, sees](core::UserId u) {
           return core::may_access_page(s, u, conv.page_id) && !sees(u);
         }});
  }
}

template <class M>
void message_pushes(const core::State& s, const Committed& c, const M& m, const Listened& listened,
                    std::vector<Push>& out) {
  summary_pushes(s, c, m.conversation_id, false, listened, out);
  const std::string topic = "conversation:" + std::to_string(m.conversation_id);
  if (!listened(topic)) return;
  const core::Conversation& conv = *s.conversations.find(m.conversation_id);
  out.push_back({topic, std::nullopt,
                 push_frame(topic, "message",
                            json::object{{"conversation_id", m.conversation_id},
                                         {"message", message_json(m, c.at)}},
                            c.seq),
                 seers(s, conv)});
}

// A note on a customer card: `note` on the topic of each of the customer's conversations, for
// whoever may see it; rendered in full for those who may see every number in it, masked else.
void note_pushes(const core::State& s, const Committed& c, const core::CustomerNoted& e,
                 const Listened& listened, std::vector<Push>& out) {
  const core::Note note{e.by, c.at, e.text};  // (the card may have later notes of the batch)
  const auto hidden = [&s, note](core::UserId u) {
    return core::visible_text(s, u, note.text) != note.text;
  };
  for (const core::ConversationId id : s.conversations.conversations_of(e.customer_id)) {
    const std::string topic = "conversation:" + std::to_string(id);
    if (!listened(topic)) continue;
    const core::Conversation& conv = *s.conversations.find(id);
    for (const bool masked : {false, true}) {
      const json::object data{
          {"conversation_id", conv.id},
          {"customer_id", e.customer_id},
          {"note", note_json(s, masked ? core::anonymous_sale : core::system_actor, note)}};
      out.push_back({topic, std::nullopt, push_frame(topic, "note", data, c.seq),
                     [&s, &conv, hidden, masked](core::UserId u) {
                       return core::may_see_conversation(s, u, conv) && hidden(u) == masked;
                     }});
    }
  }
}

// How a reply to a page's callback fares: `message_status` on conversation:{id}.
void delivery_push(const core::State& s, const Committed& c, core::ConversationId id,
                   core::MessageId message, std::string_view delivery, const std::string& reason,
                   const Listened& listened, std::vector<Push>& out) {
  const std::string topic = "conversation:" + std::to_string(id);
  if (!listened(topic)) return;
  const core::Conversation& conv = *s.conversations.find(id);
  json::object data{{"conversation_id", id}, {"message_id", message}, {"delivery", delivery}};
  if (!reason.empty()) data["reason"] = reason;
  out.push_back({topic, std::nullopt, push_frame(topic, "message_status", data, c.seq),
                 seers(s, conv)});
}

// Quick replies on `inbox`, for everyone who works in it.
void quick_reply_pushes(const core::State& s, const Committed& c, const std::string& code,
                        const Listened& listened, std::vector<Push>& out) {
  if (!listened("inbox")) return;
  auto it = s.conversations.quick_replies.find(code);
  json::object data;
  std::string_view type = "quick_reply";
  if (it != s.conversations.quick_replies.end()) {
    data["quick_reply"] = quick_reply_json(code, it->second);
  } else {
    type = "quick_reply_deleted";
    data["code"] = code;
  }
  out.push_back({"inbox", std::nullopt, push_frame("inbox", type, data, c.seq)});
}

void conversation_pushes(const core::State& s, const Committed& c, const Listened& listened,
                         std::vector<Push>& out) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::MessageReceived> ||
                      std::is_same_v<T, core::MessageSent>) {
          message_pushes(s, c, e, listened, out);
        } else if constexpr (std::is_same_v<T, core::ConversationAssigned>) {
          summary_pushes(s, c, e.conversation_id, true, listened, out);
        } else if constexpr (std::is_same_v<T, core::ConversationClosed> ||
                             std::is_same_v<T, core::ConversationReopened> ||
                             std::is_same_v<T, core::ConversationMarked> ||
                             std::is_same_v<T, core::ConversationTagged> ||
                             std::is_same_v<T, core::CustomerLinked> ||
                             std::is_same_v<T, core::CustomerUnlinked>) {
          summary_pushes(s, c, e.conversation_id, false, listened, out);
        } else if constexpr (std::is_same_v<T, core::CustomerNoted>) {
          note_pushes(s, c, e, listened, out);
        } else if constexpr (std::is_same_v<T, core::CustomerUpdated>) {
          // A renamed card: the summaries of its conversations carry the name.
          if (!e.customer_name) return;
          for (const core::ConversationId id : s.conversations.conversations_of(e.customer_id)) {
            summary_pushes(s, c, id, false, listened, out);
          }
        } else if constexpr (std::is_same_v<T, core::MessageQueued>) {
          delivery_push(s, c, e.conversation_id, e.message_id, "pending", "", listened, out);
        } else if constexpr (std::is_same_v<T, core::MessageDelivered>) {
          delivery_push(s, c, e.conversation_id, e.message_id, "delivered", "", listened, out);
        } else if constexpr (std::is_same_v<T, core::MessageFailed>) {
          delivery_push(s, c, e.conversation_id, e.message_id, "failed", e.reason, listened, out);
        } else if constexpr (std::is_same_v<T, core::QuickReplySaved> ||
                             std::is_same_v<T, core::QuickReplyDeleted>) {
          quick_reply_pushes(s, c, e.code, listened, out);
        }
      },
      c.event.base());
}

}  // namespace

std::string viewers_frame(std::string_view topic, std::int64_t conversation,
                          const std::vector<std::pair<core::UserId, std::string>>& viewers,
                          core::Seq seq) {
  return push_frame(
      topic, "viewers",
      json::object{{"conversation_id", conversation}, {"viewers", viewers_json(viewers)}}, seq);
}

Module conversations_module() {
  return {"conversations", &conversation_ops, {"conversation:"}, &conversation_pushes, nullptr};
}

}  // namespace salesdesk::app
