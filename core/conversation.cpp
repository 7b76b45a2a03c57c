#include "core/conversation.hpp"

#include <algorithm>
#include <array>
#include <cassert>

#include "core/assignment.hpp"
#include "core/customer.hpp"
#include "core/file.hpp"
#include "core/lead.hpp"
#include "core/phone.hpp"
#include "core/system_message.hpp"
#include "core/state.hpp"
#include "core/text.hpp"

namespace salesdesk::core {
namespace {

constexpr std::array<std::pair<ConversationKind, std::string_view>, 3> kind_names = {{
    {ConversationKind::message, "message"},
    {ConversationKind::comment, "comment"},
    {ConversationKind::livestream, "livestream"},
}};

constexpr std::array<std::pair<Inbound, std::string_view>, 4> inbound_names = {{
    {Inbound::message, "message"},
    {Inbound::comment, "comment"},
    {Inbound::livestream_comment, "livestream_comment"},
    {Inbound::echo, "echo"},
}};

constexpr std::array<std::string_view, 5> attachment_types = {"image", "video", "audio", "file",
                                                              "sticker"};

// The first `max` bytes of a text, cut before a character that would not fit.
std::string preview(std::string_view text) {
  if (text.size() <= preview_bytes_max) return std::string(text);
  std::size_t end = preview_bytes_max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

ConversationKind kind_of(Inbound event) {
  switch (event) {
    case Inbound::comment:
      return ConversationKind::comment;
    case Inbound::livestream_comment:
      return ConversationKind::livestream;
    case Inbound::message:
    case Inbound::echo:
      return ConversationKind::message;
  }
  return ConversationKind::message;
}

// The thread a delivery belongs to: a comment's thread (its first comment, or itself), a live
// video; private messages have none.
std::string thread_of(const ReceiveMessage& c) {
  switch (c.event) {
    case Inbound::comment:
      return c.comment_id.empty() ? c.external_message_id : c.comment_id;
    case Inbound::livestream_comment:
      return c.live_id;
    case Inbound::message:
    case Inbound::echo:
      return {};
  }
  return {};
}

std::string key_of(const ReceiveMessage& c) {
  return conversation_key(c.page_id, kind_of(c.event), c.external_user_id, thread_of(c));
}

std::string key_of(const Conversation& c) {
  return conversation_key(c.page_id, c.kind, c.external_user_id(), c.thread_id());
}

// The key identities are found by: the page and the channel's id of the customer on it.
std::string identity_key(PageId page, std::string_view user) {
  std::string key = std::to_string(page);
  key += ':';
  key += user;
  return key;
}

Slot activity_slot(const Conversation& c) { return {c.last_at, c.id}; }

bool is_sale(const State& s, UserId user) {
  const User* u = s.users.find(user);
  return u != nullptr && u->role == Role::sale;
}

// What decides whether one user sees a conversation, read once for a walk of many: whether the
// user is active, their role, the visibility mode and (cached) the pages they may work on.
struct Viewer {
  const State& s;
  UserId user;
  bool active = false;
  bool sale = false;
  std::string mode{};
  std::map<PageId, bool> pages{};  // page -> may access (cached)
  bool page_ok(PageId p) {
    auto [it, fresh] = pages.try_emplace(p, false);
    if (fresh) it->second = may_access_page(s, user, p);
    return it->second;
  }
  // SPEC.md "Assignment": admin and managers see all of their pages; a sale as the mode says.
  // By page and assignee, so that the inbox counts apply the rule to their tallies.
  bool sees(PageId page, UserId assignee) {
    if (!active || !page_ok(page)) return false;
    if (!sale) return true;
    if (mode == "assigned_only") return assignee == user;
    if (mode == "self_assign") return assignee == user || assignee == 0;
    return true;
  }
  bool sees(const Conversation& c) { return sees(c.page_id, c.assignee_id); }
};

Viewer viewer_of(const State& s, UserId user) {
  Viewer v{s, user};
  const User* u = s.users.find(user);
  v.active = u != nullptr && u->active;
  v.sale = u != nullptr && u->role == Role::sale;
  v.mode = s.settings[setting::inbox_visibility];
  return v;
}

Result<bool> check_attachments(const State& s, const std::vector<Attachment>& list) {
  if (list.size() > attachments_max) {
    return reject(Code::bad_request,
                  "attachments: at most " + std::to_string(attachments_max) + " per message");
  }
  for (const Attachment& a : list) {
    if (std::find(attachment_types.begin(), attachment_types.end(), a.type) ==
        attachment_types.end()) {
      return reject(Code::bad_request,
                    "attachments: type must be image, video, audio, file or sticker");
    }
    const bool web = a.url.rfind("https://", 0) == 0 || a.url.rfind("http://", 0) == 0 ||
                     a.url.rfind("/files/", 0) == 0;
    if (!web || a.url.size() > attachment_url_bytes_max || !clean_name(a.url)) {
      return reject(Code::bad_request,
                    "attachments: url must be an http(s) or /files/ address of at most " +
                        std::to_string(attachment_url_bytes_max) + " bytes");
    }
    if (auto ok = check_name(a.name, "attachments: name", attachment_name_bytes_max, false); !ok) {
      return ok;
    }
    // A file of this server must have been stored (POST /api/files) before a message names it.
    if (a.url.rfind("/files/", 0) == 0 && s.files.find(file_of_url(a.url)) == nullptr) {
      return reject(Code::bad_request, "attachments: no stored file " + a.url);
    }
    if (a.size < 0) return reject(Code::bad_request, "attachments: size must not be negative");
  }
  return true;
}

// A message's text and attachments: at least one of them, each within its limits.
Result<bool> check_message(const State& s, const std::string& text,
                           const std::vector<Attachment>& attachments) {
  if (auto ok = check_text(text, "text", message_text_bytes_max, false); !ok) return ok;
  if (blank(text) && attachments.empty()) {
    return reject(Code::bad_request, "a message needs a text or an attachment");
  }
  return check_attachments(s, attachments);
}

Result<bool> check_delivery(const State& s, const ReceiveMessage& c) {
  const auto id = [](const std::string& v, std::string_view field, bool required) -> Result<bool> {
    if (required && v.empty())
      return reject(Code::bad_request, std::string(field) + " is required");
    if (v.size() > external_message_id_bytes_max || !clean_name(v)) {
      return reject(Code::bad_request, std::string(field) + " must be one line of at most " +
                                           std::to_string(external_message_id_bytes_max) +
                                           " bytes");
    }
    return true;
  };
  if (auto ok = id(c.external_message_id, "message_id", true); !ok) return ok;
  if (auto ok = id(c.external_user_id, "customer.id", true); !ok) return ok;
  if (auto ok = id(c.post_id, "post_id", false); !ok) return ok;
  if (auto ok = id(c.comment_id, "comment_id", false); !ok) return ok;
  if (auto ok = id(c.live_id, "live_id", c.event == Inbound::livestream_comment); !ok) return ok;
  if (auto ok = check_name(c.customer_name, "customer.name", customer_name_bytes_max, false); !ok) {
    return ok;
  }
  return check_message(s, c.text, c.attachments);
}

// Of `found`, the phones that may join a card holding `phones`: none another card has, while
// the card has room.
std::vector<std::string> joinable(const State& s, std::vector<std::string> phones,
                                  const std::vector<std::string>& found) {
  for (const std::string& p : found) {
    if (phones.size() >= phones_per_customer_max) break;
    if (s.customers.find_phone(p) != nullptr) continue;
    if (std::find(phones.begin(), phones.end(), p) != phones.end()) continue;
    phones.push_back(p);
  }
  return phones;
}

// How a customer the channel names is called on a new card.
std::string display_name(const ReceiveMessage& c) {
  return c.customer_name.empty() ? c.external_user_id : c.customer_name;
}

// The customer of a new conversation: the one this channel identity already names, else the
// card of the phone the channel gave, else a new card with the phones found (appended to `out`).
CustomerId customer_for(const State& s, const ReceiveMessage& c, const std::string& phone,
                        const std::vector<std::string>& found, Events& out) {
  if (CustomerId known = s.conversations.find_identity(c.page_id, c.external_user_id)) {
    return known;
  }
  if (!phone.empty()) {
    if (const Customer* known = s.customers.find_phone(phone)) return known->id;
  }
  const CustomerId id = s.customers.next_id();
  out.emplace_back(CustomerCreated{id, display_name(c), joinable(s, {}, found), "", 0});
  return id;
}

// The customer of the conversation these events start.
CustomerId started_customer(const Events& out) {
  for (const Event& e : out) {
    if (const auto* started = std::get_if<ConversationStarted>(&e.base())) {
      return started->customer_id;
    }
  }
  return 0;
}

// Phones new to a known customer's card join it.
void card_phones(const State& s, CustomerId id, const std::vector<std::string>& found,
                 Events& out) {
  const Customer* card = s.customers.find(id);
  if (card == nullptr || found.empty()) return;
  std::vector<std::string> phones = joinable(s, card->phones, found);
  if (phones.size() == card->phones.size()) return;
  CustomerUpdated update;
  update.customer_id = id;
  update.phones = std::move(phones);
  out.emplace_back(std::move(update));
}

}  // namespace

std::string_view to_string(ConversationKind kind) {
  for (const auto& [k, name] : kind_names) {
    if (k == kind) return name;
  }
  return "message";
}

std::optional<ConversationKind> parse_conversation_kind(std::string_view text) {
  for (const auto& [k, name] : kind_names) {
    if (name == text) return k;
  }
  return std::nullopt;
}

std::optional<Inbound> parse_inbound(std::string_view text) {
  for (const auto& [k, name] : inbound_names) {
    if (name == text) return k;
  }
  return std::nullopt;
}

// FNV-1a with the 128-bit prime and offset basis (a fixed function: the set is saved in
// snapshots, so it never changes with a library's version).
SeenKey seen_key(PageId page, std::string_view external_message_id) {
  using u128 = unsigned __int128;
  const u128 prime = (static_cast<u128>(1) << 88) + 0x13B;
  u128 h = (static_cast<u128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
  const auto mix = [&](std::string_view bytes) {
    for (unsigned char b : bytes) {
      h ^= b;
      h *= prime;
    }
  };
  mix(std::to_string(page));
  mix(":");
  mix(external_message_id);
  return {static_cast<std::uint64_t>(h >> 64), static_cast<std::uint64_t>(h)};
}

std::string conversation_key(PageId page, ConversationKind kind, std::string_view user,
                             std::string_view thread) {
  if (kind == ConversationKind::comment) user = {};  // a thread, whoever writes in it
  std::string key = std::to_string(page);
  key += static_cast<char>('0' + static_cast<int>(kind));
  key += std::to_string(user.size());
  key += ':';
  key += user;
  key += thread;
  return key;
}

// ---- the projection ----
Conversations::Conversations(const Conversations& other)
    : by_id(other.by_id),
      last_message_id(other.last_message_id),
      identities(other.identities),
      seen(other.seen),
      tag_names(other.tag_names),
      quick_replies(other.quick_replies),
      outbox(other.outbox),
      last_in_turn(other.last_in_turn) {
  reindex();
}

Conversations& Conversations::operator=(const Conversations& other) {
  if (this != &other) *this = Conversations(other);
  return *this;
}

const Conversation* Conversations::find(ConversationId id) const {
  if (id < 1 || id > static_cast<ConversationId>(by_id.size())) return nullptr;
  return &by_id[static_cast<std::size_t>(id - 1)];
}

Conversation* Conversations::find(ConversationId id) {
  return const_cast<Conversation*>(std::as_const(*this).find(id));
}

ConversationId Conversations::find_key(const std::string& key) const {
  const ConversationId* id = by_key.find(key, [&](ConversationId c) { return has_key(c, key); });
  return id == nullptr ? 0 : *id;
}

CustomerId Conversations::find_identity(PageId page, std::string_view user) const {
  const Identity* found = identities.find(
      identity_key(page, user), [&](const Identity& i) { return is_identity(i, page, user); });
  return found == nullptr ? 0 : found->customer_id;
}

void Conversations::put_identity(const Identity& i, bool replace) {
  const Conversation& c = *find(i.origin);
  const std::string key = identity_key(c.page_id, c.external_user_id());
  const auto same = [&](const Identity& known) {
    return is_identity(known, c.page_id, c.external_user_id());
  };
  if (identities.insert(key, i, same) || !replace) return;
  identities.find(key, same)->customer_id = i.customer_id;
}

void Conversations::add_key(const Conversation& c) {
  const std::string key = key_of(c);
  by_key.insert(key, c.id, [&](ConversationId known) { return has_key(known, key); });
}

// The checks of the hashed indexes: the conversation a hit names really has the key (by_key),
// or the identity's first conversation really is that page's channel customer (identities).
bool Conversations::has_key(ConversationId id, const std::string& key) const {
  return key_of(*find(id)) == key;
}

bool Conversations::is_identity(const Identity& i, PageId page, std::string_view user) const {
  const Conversation& origin = *find(i.origin);
  return origin.page_id == page && origin.external_user_id() == user;
}

std::vector<Identity> Conversations::saved_identities() const {
  std::vector<Identity> out;
  out.reserve(identities.size());
  identities.for_each([&](const Identity& i) { out.push_back(i); });
  std::sort(out.begin(), out.end(),
            [](const Identity& a, const Identity& b) { return a.origin < b.origin; });
  return out;
}

std::vector<ConversationId> Conversations::conversations_of(CustomerId customer) const {
  std::vector<ConversationId> out;
  if (customer < 1 || customer > static_cast<CustomerId>(newest_of_customer.size())) return out;
  for (ConversationId id = newest_of_customer[static_cast<std::size_t>(customer - 1)]; id != 0;
       id = find(id)->next_of_customer) {
    out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Conversations::link_customer(Conversation& c) {
  const auto slot = static_cast<std::size_t>(c.customer_id - 1);
  while (newest_of_customer.size() <= slot) newest_of_customer.push_back(0);
  c.next_of_customer = newest_of_customer[slot];
  newest_of_customer[slot] = c.id;
}

void Conversations::unlink_customer(const Conversation& c) {
  ConversationId* at = &newest_of_customer[static_cast<std::size_t>(c.customer_id - 1)];
  while (*at != c.id) at = &find(*at)->next_of_customer;
  *at = c.next_of_customer;
}

namespace {

// Adds an open conversation to its (page, assignee) tally (sign 1) or takes it out (sign -1);
// an empty tally goes.
void tally(std::map<std::pair<PageId, UserId>, OpenTally>& counts, const Conversation& c,
           int sign) {
  if (c.has(flag_closed)) return;
  const std::pair key(c.page_id, c.assignee_id);
  OpenTally& t = counts[key];
  t.open += sign;
  t.unread += c.has(flag_unread) ? sign : 0;
  if (t.open == 0) counts.erase(key);
}

}  // namespace

// An open conversation counts for its sale's capacity (automatic assignment).
void Conversations::count_open(const Conversation& c, int sign) {
  if (c.has(flag_closed) || c.assignee_id == 0) return;
  auto [it, fresh] = open_of_user.try_emplace(c.assignee_id, 0);
  if ((it->second += sign) == 0) open_of_user.erase(it);
}

void Conversations::index(Conversation& c) {
  activity_by_page[c.page_id].insert(c);
  activity_by_assignee[c.assignee_id].insert(c);
  if (c.waiting_since != 0) waiting_by_page[{c.page_id, c.assignee_id != 0}].insert(c);
  for (TagId t : c.tags()) activity_by_tag[t].insert(activity_slot(c));
  tally(open_by_assignee, c, 1);
  count_open(c, 1);
}

void Conversations::unindex(Conversation& c) {
  PageActivity& page = activity_by_page[c.page_id];
  page.erase(page.iterator_to(c));
  AssigneeActivity& assignee = activity_by_assignee[c.assignee_id];
  assignee.erase(assignee.iterator_to(c));
  if (c.waiting_since != 0) {
    PageWaiting& waiting = waiting_by_page[{c.page_id, c.assignee_id != 0}];
    waiting.erase(waiting.iterator_to(c));
  }
  for (TagId t : c.tags()) activity_by_tag[t].erase(activity_slot(c));
  tally(open_by_assignee, c, -1);
  count_open(c, -1);
}

TagId Conversations::find_tag(std::string_view name) const {
  auto it = tag_by_key.find(tag_key(name));
  return it == tag_by_key.end() ? 0 : it->second;
}

void Conversations::reindex() {
  by_key.clear();
  activity_by_page.clear();
  waiting_by_page.clear();
  activity_by_assignee.clear();
  newest_of_customer.clear();
  activity_by_tag.clear();
  tag_by_key.clear();
  open_by_assignee.clear();
  open_of_user.clear();
  for (std::size_t i = 0; i < tag_names.size(); ++i) {
    tag_by_key.emplace(tag_key(tag_names[i]), static_cast<TagId>(i + 1));
  }
  tag_uses.assign(tag_names.size(), 0);
  for (std::size_t i = 0; i < by_id.size(); ++i) {
    Conversation& c = by_id[i];
    add_key(c);
    link_customer(c);
    for (TagId t : c.tags()) ++tag_uses[t - 1];
    index(c);
  }
}

// ---- evolve ----
namespace {

// Changes one conversation and keeps its indexes right.
template <class F>
void change(Conversations& cs, ConversationId id, F f) {
  Conversation* c = cs.find(id);
  assert(c != nullptr);
  cs.unindex(*c);
  f(*c);
  cs.index(*c);
}

void add_message(Conversation& c, MessageId id, const std::string& text,
                 const std::vector<Attachment>& attachments, bool inbound, Time at) {
  c.last_message_id = id;
  c.last_at = at;
  c.last_inbound = inbound;
  c.last_text = CompactText(
      preview(text.empty() && !attachments.empty() ? "[" + attachments.front().type + "]" : text));
  ++c.messages;
}

}  // namespace

void evolve(Conversations& cs, const ConversationStarted& e, Time at) {
  assert(e.conversation_id == cs.next_id());
  cs.by_id.push_back(Conversation{});  // indexed where it stays: the indexes link it
  Conversation& c = cs.by_id.back();
  c.id = e.conversation_id;
  c.page_id = e.page_id;
  c.kind = e.kind;
  c.customer_id = e.customer_id;
  c.channel_ids = PackedTexts<3>({e.external_user_id, e.post_id, e.thread_id});
  c.started_at = at;
  c.last_at = at;
  cs.add_key(c);
  cs.link_customer(c);
  cs.put_identity({c.id, c.customer_id}, false);
  cs.index(c);
}

void evolve(Conversations& cs, const MessageReceived& e, Time at) {
  cs.last_message_id = e.message_id;
  change(cs, e.conversation_id, [&](Conversation& c) {
    cs.seen.insert(seen_key(c.page_id, e.external_id));
    add_message(c, e.message_id, e.text, e.attachments, true, at);
    // A customer who writes reopens the conversation, and it needs an answer and a look again.
    c.set(flag_closed, false);
    c.set(flag_unread, true);
    c.set(flag_unanswered, true);
    c.set(flag_processed, false);
    if (c.waiting_since == 0) c.waiting_since = at;
    if (!e.phones.empty()) {
      std::vector<std::string>& phones = c.extras.edit().phones;
      phones.insert(phones.end(), e.phones.begin(), e.phones.end());
      c.set(flag_has_phone, true);
    }
  });
}

void evolve(Conversations& cs, const MessageSent& e, Time at) {
  cs.last_message_id = e.message_id;
  change(cs, e.conversation_id, [&](Conversation& c) {
    if (!e.external_id.empty()) cs.seen.insert(seen_key(c.page_id, e.external_id));
    add_message(c, e.message_id, e.text, e.attachments, false, at);
    // An answer, from Salesdesk or another tool: nobody is waiting any more.
    c.set(flag_unanswered, false);
    c.waiting_since = 0;
    if (!e.outside) c.set(flag_unread, false);
    // An answer ends the reply timeout's round.
    if (!c.timed_out().empty()) c.extras.edit().timed_out.clear();
  });
}

void evolve(Conversations& cs, const ConversationAssigned& e, Time at) {
  change(cs, e.conversation_id, [&](Conversation& c) {
    c.assignee_id = e.assignee_id;
    c.assigned_at = at;
    c.assign_reason = reason_code(e.reason);
    if (e.reason == assign_reason::reply_timeout) note_timed_out(c, e);
    if (e.in_turn) cs.last_in_turn[c.page_id] = e.assignee_id;
  });
}

void evolve(Conversations& cs, const ConversationClosed& e, Time) {
  change(cs, e.conversation_id, [&](Conversation& c) { c.set(flag_closed, true); });
}

void evolve(Conversations& cs, const ConversationReopened& e, Time) {
  change(cs, e.conversation_id, [&](Conversation& c) { c.set(flag_closed, false); });
}

void evolve(Conversations& cs, const ConversationMarked& e, Time) {
  change(cs, e.conversation_id, [&](Conversation& c) {
    if (e.read) c.set(flag_unread, !*e.read);
    if (e.processed) c.set(flag_processed, *e.processed);
  });
}

namespace {

// The catalog's id of a tag, added to the catalog when new.
TagId tag_id(Conversations& cs, const std::string& name) {
  if (TagId known = cs.find_tag(name)) return known;
  cs.tag_names.push_back(name);
  cs.tag_uses.push_back(0);
  const auto id = static_cast<TagId>(cs.tag_names.size());
  cs.tag_by_key.emplace(tag_key(name), id);
  return id;
}

// The conversation moves to another customer card (and its channel identity with it).
void move_customer(Conversations& cs, Conversation& c, CustomerId to) {
  cs.unlink_customer(c);
  c.customer_id = to;
  cs.link_customer(c);
  cs.put_identity({c.id, to}, true);
}

}  // namespace

void evolve(Conversations& cs, const ConversationTagged& e, Time) {
  change(cs, e.conversation_id, [&](Conversation& c) {
    for (const std::string& name : e.added) {
      const TagId id = tag_id(cs, name);
      if (c.has_tag(id)) continue;
      c.extras.edit().tags.push_back(id);
      ++cs.tag_uses[id - 1];
    }
    for (const std::string& name : e.removed) {
      const TagId id = cs.find_tag(name);
      auto it = std::find(c.tags().begin(), c.tags().end(), id);
      if (id == 0 || it == c.tags().end()) continue;
      c.extras.edit().tags.erase(it);
      --cs.tag_uses[id - 1];
    }
  });
}

void evolve(Conversations& cs, const CustomerLinked& e, Time) {
  Conversation& c = *cs.find(e.conversation_id);
  if (!c.has(flag_linked)) c.extras.edit().unlinked_customer_id = e.previous_id;
  c.set(flag_linked, true);
  move_customer(cs, c, e.customer_id);
}

void evolve(Conversations& cs, const CustomerUnlinked& e, Time) {
  Conversation& c = *cs.find(e.conversation_id);
  c.set(flag_linked, false);
  if (c.unlinked_customer_id() != 0) c.extras.edit().unlinked_customer_id = 0;
  move_customer(cs, c, e.customer_id);
}

void evolve(Conversations& cs, const QuickReplySaved& e, Time) {
  cs.quick_replies[e.code] = QuickReply{e.text, e.tag};
}

void evolve(Conversations& cs, const QuickReplyDeleted& e, Time) { cs.quick_replies.erase(e.code); }

void evolve(Conversations& cs, const MessageQueued& e, Time) {
  cs.outbox[e.message_id] = Queued{e.conversation_id, e.page_id};
}

void evolve(Conversations& cs, const MessageDelivered& e, Time) { cs.outbox.erase(e.message_id); }

void evolve(Conversations& cs, const MessageFailed& e, Time) { cs.outbox.erase(e.message_id); }

// ---- decide ----
Result<Events> decide(const State& s, UserId actor, const ReceiveMessage& c, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "only a channel delivers messages");
  const Page* page = s.pages.find(c.page_id);
  if (page == nullptr || !page->connected) {
    return reject(Code::not_found, "no connected page " + std::to_string(c.page_id));
  }
  if (auto ok = check_delivery(s, c); !ok) return ok.error();
  if (s.conversations.seen.contains(seen_key(c.page_id, c.external_message_id))) return Events{};
  const std::string country = s.settings[setting::phone_country];
  std::string given_phone;
  if (!c.customer_phone.empty()) {
    auto phone = normalize_phone(c.customer_phone, country, "customer.phone");
    if (!phone) return phone.error();
    given_phone = phone.value();
  }
  // Phones the customer wrote (an echo is the page's own text) that the conversation lacks.
  std::vector<std::string> fresh;
  ConversationId id = s.conversations.find_key(key_of(c));
  const Conversation* known = s.conversations.find(id);
  if (c.event != Inbound::echo) {
    std::vector<std::string> found = find_phones(c.text, country);
    if (!given_phone.empty()) found.insert(found.begin(), given_phone);
    for (std::string& p : found) {
      const bool had = known != nullptr && std::find(known->phones().begin(),
                                                     known->phones().end(), p) !=
                                               known->phones().end();
      if (!had && std::find(fresh.begin(), fresh.end(), p) == fresh.end()) fresh.push_back(p);
    }
  }
  Events out;
  if (known == nullptr) {
    const CustomerId customer = customer_for(s, c, given_phone, fresh, out);
    if (out.empty()) card_phones(s, customer, fresh, out);
    id = s.conversations.next_id();
    out.emplace_back(ConversationStarted{id, c.page_id, kind_of(c.event), customer,
                                         c.external_user_id, c.post_id, thread_of(c)});
  } else {
    card_phones(s, known->customer_id, fresh, out);
  }
  const MessageId message = s.conversations.last_message_id + 1;
  if (c.event == Inbound::echo) {
    out.emplace_back(
        MessageSent{id, message, 0, true, c.external_message_id, c.text, c.attachments});
    return out;
  }
  const std::string left = fresh.empty() ? "" : fresh.front();
  out.emplace_back(
      MessageReceived{id, message, c.external_message_id, c.text, c.attachments, std::move(fresh)});
  const CustomerId customer = known != nullptr ? known->customer_id : started_customer(out);
  assign_on_receive(s, Delivered{id, c.page_id, kind_of(c.event), customer, known}, out);
  if (!left.empty() && s.settings[setting::orders_auto_draft]) {
    const std::string channel(to_string(page->channel));
    auto_draft(s, DraftFor{id, customer, display_name(c), left, channel}, out);
  }
  return out;
}

Result<Events> decide(const State& s, UserId actor, const SendMessage& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  auto conversation = visible_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  const Conversation& conv = *conversation.value();
  if (is_sale(s, actor) && conv.assignee_id != actor) {
    return reject(Code::not_assignee, "only the conversation's sale may reply; take it first");
  }
  if (!s.pages.find(conv.page_id)->connected) {
    return reject(Code::conflict, "the page is disconnected");
  }
  std::string text = c.text;
  const QuickReply* reply = nullptr;
  if (!c.quick_reply.empty()) {
    auto it = s.conversations.quick_replies.find(tag_key(c.quick_reply));
    if (it == s.conversations.quick_replies.end()) {
      return reject(Code::not_found, "no quick reply /" + c.quick_reply);
    }
    reply = &it->second;
    if (blank(text) && c.attachments.empty()) text = reply->text;
  }
  if (auto ok = check_message(s, text, c.attachments); !ok) return ok.error();
  const MessageId message = s.conversations.last_message_id + 1;
  Events out{MessageSent{c.conversation_id, message, actor, false, "", text, c.attachments}};
  // A custom integration receives the page's replies at its callback (app/outbox).
  const Page& page = *s.pages.find(conv.page_id);
  if (page.channel == Channel::api && !page.callback_url.empty()) {
    out.emplace_back(MessageQueued{c.conversation_id, message, page.id});
  }
  // The quick reply's tag goes on with it (unless it is there already, or there is no room).
  if (reply != nullptr && !reply->tag.empty() && conv.tags().size() < tags_per_conversation_max) {
    const TagId tag = s.conversations.find_tag(reply->tag);
    if (tag == 0 || !conv.has_tag(tag)) {
      out.emplace_back(ConversationTagged{c.conversation_id, {reply->tag}, {}});
    }
  }
  return out;
}

Result<Events> decide(const State& s, UserId actor, const TakeConversation& c, Time) {
  if (auto r = authorize(s, actor, sales_only); !r) return r.error();
  auto conversation = visible_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  const UserId assignee = conversation.value()->assignee_id;
  if (assignee == actor) return Events{};
  if (assignee != 0) {
    const User* u = s.users.find(assignee);
    return reject(
        Code::already_assigned,
        "already assigned to " + (u != nullptr ? u->display_name : std::string("a sale")));
  }
  return Events{ConversationAssigned{c.conversation_id, actor, 0, "take"}};
}

Result<Events> decide(const State& s, UserId actor, const AssignConversation& c, Time) {
  if (auto r = authorize(s, actor, managers); !r) return r.error();
  auto conversation = visible_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  const Conversation& conv = *conversation.value();
  if (c.user_id != 0) {
    const User* u = s.users.find(c.user_id);
    if (u == nullptr || !u->active) {
      return reject(Code::not_found, "no active user " + std::to_string(c.user_id));
    }
    if (!may_access_page(s, c.user_id, conv.page_id)) {
      return reject(Code::bad_request, u->display_name + " may not work on this page");
    }
  }
  if (conv.assignee_id == c.user_id) return Events{};
  return Events{ConversationAssigned{c.conversation_id, c.user_id, conv.assignee_id, "assign"}};
}

Result<Events> decide(const State& s, UserId actor, const CloseConversation& c, Time) {
  auto conversation = workable_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  if (conversation.value()->has(flag_closed)) return Events{};
  return Events{ConversationClosed{c.conversation_id}};
}

Result<Events> decide(const State& s, UserId actor, const ReopenConversation& c, Time) {
  auto conversation = workable_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  if (!conversation.value()->has(flag_closed)) return Events{};
  return Events{ConversationReopened{c.conversation_id}};
}

Result<Events> decide(const State& s, UserId actor, const MarkConversation& c, Time) {
  if (!c.read && !c.processed) return reject(Code::bad_request, "give read or processed");
  auto conversation = workable_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  const Conversation& conv = *conversation.value();
  ConversationMarked e{c.conversation_id, std::nullopt, std::nullopt};
  if (c.read && *c.read == conv.has(flag_unread)) e.read = c.read;
  if (c.processed && *c.processed != conv.has(flag_processed)) e.processed = c.processed;
  if (!e.read && !e.processed) return Events{};
  return Events{e};
}

namespace {

// A list of tag names checked and spelled as the catalog spells them, each once.
Result<std::vector<std::string>> tag_list(const Conversations& cs,
                                          const std::vector<std::string>& names,
                                          std::string_view field) {
  if (names.size() > tags_per_conversation_max) {
    return reject(Code::bad_request, std::string(field) + ": at most " +
                                         std::to_string(tags_per_conversation_max) + " tags");
  }
  std::vector<std::string> out;
  std::vector<std::string> keys;
  for (const std::string& name : names) {
    if (auto ok = check_name(name, field, tag_bytes_max, true); !ok) return ok.error();
    std::string key = tag_key(name);
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    keys.push_back(std::move(key));
    const TagId known = cs.find_tag(name);
    out.push_back(known != 0 ? cs.tag_names[known - 1] : name);
  }
  return out;
}

bool carries(const Conversations& cs, const Conversation& c, const std::string& name) {
  const TagId id = cs.find_tag(name);
  return id != 0 && c.has_tag(id);
}

// The source of a lead from a conversation: the catalog's first source of the page's channel.
std::string channel_source(const State& s, const Conversation& c) {
  return s.catalog.first_source_of(to_string(s.pages.find(c.page_id)->channel));
}

Result<bool> check_quick_reply_code(const std::string& code) {
  const bool ok = !code.empty() && code.size() <= quick_reply_code_bytes_max &&
                  std::all_of(code.begin(), code.end(), [](char ch) {
                    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
                  });
  if (ok) return true;
  return reject(Code::bad_request, "code: 1 to " + std::to_string(quick_reply_code_bytes_max) +
                                       " letters, digits, '_' or '-' (typed after '/')");
}

}  // namespace

Result<Events> decide(const State& s, UserId actor, const TagConversation& c, Time) {
  if (c.add.empty() && c.remove.empty()) return reject(Code::bad_request, "give add or remove");
  auto conversation = workable_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  const Conversation& conv = *conversation.value();
  const Conversations& cs = s.conversations;
  auto add = tag_list(cs, c.add, "add");
  if (!add) return add.error();
  auto remove = tag_list(cs, c.remove, "remove");
  if (!remove) return remove.error();
  ConversationTagged e{c.conversation_id, {}, {}};
  for (const std::string& name : remove.value()) {
    if (std::find_if(add.value().begin(), add.value().end(), [&](const std::string& a) {
          return tag_key(a) == tag_key(name);
        }) != add.value().end()) {
      return reject(Code::bad_request, "tag " + name + " is both added and removed");
    }
    if (carries(cs, conv, name)) e.removed.push_back(name);
  }
  for (const std::string& name : add.value()) {
    if (!carries(cs, conv, name)) e.added.push_back(name);
  }
  if (conv.tags().size() + e.added.size() - e.removed.size() > tags_per_conversation_max) {
    return reject(Code::bad_request, "a conversation carries at most " +
                                         std::to_string(tags_per_conversation_max) + " tags");
  }
  if (e.added.empty() && e.removed.empty()) return Events{};
  return Events{std::move(e)};
}

Result<Events> decide(const State& s, UserId actor, const NoteConversation& c, Time now) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  auto conversation = visible_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  return decide(s, actor, NoteCustomer{conversation.value()->customer_id, c.text}, now);
}

Result<Events> decide(const State& s, UserId actor, const LinkCustomer& c, Time) {
  auto conversation = workable_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  const Conversation& conv = *conversation.value();
  const Customer* customer = s.customers.find(c.customer_id);
  if (customer == nullptr) {
    return reject(Code::not_found, "no customer " + std::to_string(c.customer_id));
  }
  Events out;
  if (!conv.has(flag_linked) || conv.customer_id != c.customer_id) {
    out.emplace_back(CustomerLinked{conv.id, c.customer_id, conv.customer_id, actor});
  }
  // SPEC.md "Customer card": the sale who links takes the conversation and the customer.
  if (is_sale(s, actor)) {
    if (conv.assignee_id != actor) {
      out.emplace_back(ConversationAssigned{conv.id, actor, conv.assignee_id, "link"});
    }
    if (customer->responsible_id != actor) {
      CustomerUpdated update;
      update.customer_id = customer->id;
      update.responsible_id = actor;
      out.emplace_back(std::move(update));
    }
  }
  return out;
}

Result<Events> decide(const State& s, UserId actor, const UnlinkCustomer& c, Time) {
  auto conversation = workable_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  const Conversation& conv = *conversation.value();
  if (!conv.has(flag_linked)) return Events{};
  return Events{CustomerUnlinked{conv.id, conv.unlinked_customer_id(), conv.customer_id, actor}};
}

Result<Events> decide(const State& s, UserId actor, const ConversationToLead& c, Time) {
  auto conversation = workable_conversation(s, actor, c.conversation_id);
  if (!conversation) return conversation.error();
  const Conversation& conv = *conversation.value();
  const std::string phone = conversation_phone(s, conv);
  if (phone.empty()) {
    return reject(Code::bad_request,
                  "the conversation has no phone: ask the customer for one, or add it to the card");
  }
  if (const Lead* known = s.leads.find(s.leads.by_phone.newest(phone_key(phone)))) {
    // The customer is a lead already: its worker gets it back; nobody else gets it this way.
    if (may_work(s, actor, *known)) return Events{};
    return reject(Code::conflict,
                  "this phone is already lead " + std::to_string(known->id) +
                      (known->in_pool ? ", in the pool: claim it there" : ", another sale's"));
  }
  const Customer* customer = s.customers.find(conv.customer_id);
  UserId owner = 0;
  if (is_sale(s, actor)) {
    owner = actor;
  } else if (is_sale(s, conv.assignee_id)) {
    owner = conv.assignee_id;
  }
  return Events{LeadImported{s.leads.next_id(), phone, customer != nullptr ? customer->name : "",
                             channel_source(s, conv), "", "new", owner}};
}

Result<Events> decide(const State& s, UserId actor, const SaveQuickReply& c, Time) {
  if (auto r = authorize(s, actor, managers); !r) return r.error();
  if (auto ok = check_quick_reply_code(c.code); !ok) return ok.error();
  if (auto ok = check_text(c.text, "text", quick_reply_text_bytes_max, true); !ok) {
    return ok.error();
  }
  if (!c.tag.empty()) {
    if (auto ok = check_name(c.tag, "tag", tag_bytes_max, true); !ok) return ok.error();
  }
  const auto& replies = s.conversations.quick_replies;
  const std::string code = tag_key(c.code);
  auto it = replies.find(code);
  if (it == replies.end() && replies.size() >= quick_replies_max) {
    return reject(Code::bad_request,
                  "at most " + std::to_string(quick_replies_max) + " quick replies");
  }
  const TagId known = c.tag.empty() ? 0 : s.conversations.find_tag(c.tag);
  const std::string tag = known != 0 ? s.conversations.tag_names[known - 1] : c.tag;
  if (it != replies.end() && it->second.text == c.text && it->second.tag == tag) return Events{};
  return Events{QuickReplySaved{code, c.text, tag}};
}

Result<Events> decide(const State& s, UserId actor, const DeleteQuickReply& c, Time) {
  if (auto r = authorize(s, actor, managers); !r) return r.error();
  const std::string code = tag_key(c.code);
  if (!s.conversations.quick_replies.contains(code)) {
    return reject(Code::not_found, "no quick reply /" + c.code);
  }
  return Events{QuickReplyDeleted{code}};
}

Result<Events> decide(const State& s, UserId actor, const RecordDelivery& c, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "only the outbox records deliveries");
  auto it = s.conversations.outbox.find(c.message_id);
  if (it == s.conversations.outbox.end()) return Events{};  // recorded already
  const Queued& q = it->second;
  if (c.delivered) return Events{MessageDelivered{q.conversation_id, c.message_id, c.attempts}};
  const std::string reason = preview(c.reason);
  const Page* page = s.pages.find(q.page_id);
  const std::string page_name = page != nullptr ? page->name : std::to_string(q.page_id);
  Events out{MessageFailed{q.conversation_id, c.message_id, c.attempts, reason}};
  const std::string conversation = std::to_string(q.conversation_id);
  const std::string attempts = std::to_string(c.attempts);
  out.emplace_back(system_message(
      s, {"channel", "reply_not_delivered",
          {{"conversation", conversation}, {"page", page_name}, {"attempts", attempts},
           {"reason", reason}},
          "A reply in conversation " + conversation + " was not delivered to page " + page_name +
              " after " + attempts + " attempts: " + reason,
          conversation_stream(q.conversation_id)}));
  return out;
}

// ---- queries ----
Result<const Conversation*> workable_conversation(const State& s, UserId actor,
                                                  ConversationId id) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  auto c = visible_conversation(s, actor, id);
  if (!c) return c.error();
  const UserId assignee = c.value()->assignee_id;
  if (is_sale(s, actor) && assignee != 0 && assignee != actor) {
    return reject(Code::not_assignee, "conversation " + std::to_string(id) + " is another sale's");
  }
  return c;
}

std::string conversation_phone(const State& s, const Conversation& c) {
  const Customer* customer = s.customers.find(c.customer_id);
  if (customer != nullptr && !customer->phones.empty()) return customer->phones.front();
  return c.phones().empty() ? "" : c.phones().front();
}

std::string tag_key(std::string_view name) {
  // Folded, with runs of spaces as one and none at the ends: "VIP  khách" = "vip khach".
  std::string out;
  bool space = false;
  for (char ch : fold(name)) {
    if (ch == ' ' || ch == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
  }
  return out;
}

std::vector<std::string> tag_names(const Conversations& cs, const Conversation& c) {
  std::vector<std::string> out;
  out.reserve(c.tags().size());
  for (TagId t : c.tags()) out.push_back(cs.tag_names[t - 1]);
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> tag_catalog(const Conversations& cs) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (std::size_t i = 0; i < cs.tag_names.size(); ++i) {
    if (cs.tag_uses[i] > 0) out.emplace_back(cs.tag_names[i], cs.tag_uses[i]);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return tag_key(x.first) < tag_key(y.first); });
  return out;
}

Result<const Conversation*> visible_conversation(const State& s, UserId viewer, ConversationId id) {
  const Conversation* c = s.conversations.find(id);
  if (c == nullptr) return reject(Code::not_found, "no conversation " + std::to_string(id));
  if (viewer != system_actor && !may_see_conversation(s, viewer, *c)) {
    return reject(Code::forbidden, "you may not see conversation " + std::to_string(id));
  }
  return c;
}

bool may_see_conversation(const State& s, UserId user, const Conversation& c) {
  return viewer_of(s, user).sees(c);
}

ConversationId conversation_of(const State& s, const ReceiveMessage& c) {
  return s.conversations.find_key(key_of(c));
}

std::string searchable_words(const Event& e) {
  const std::string* text = nullptr;
  if (const auto* in = std::get_if<MessageReceived>(&e.base())) text = &in->text;
  if (const auto* out = std::get_if<MessageSent>(&e.base())) text = &out->text;
  std::string joined;
  if (text == nullptr) return joined;
  for (const std::string& w : words(*text)) {
    if (!joined.empty()) joined.push_back(' ');
    joined += w;
  }
  return joined;
}

std::vector<std::string> search_words(std::string_view q) {
  std::vector<std::string> out = words(q);
  std::erase_if(out, [](const std::string& w) {
    std::size_t i = 0;
    next_code_point(w, i);
    return i == w.size();  // one letter
  });
  return out;
}

std::vector<std::string> find_phones(std::string_view text, std::string_view country) {
  // Groups of digits (a leading '+' kept) separated by one space, dot, dash or parenthesis.
  struct Group {
    std::size_t begin = 0;
    std::string digits;
    bool joins_previous = false;
  };
  std::vector<Group> groups;
  const auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
  const auto separator = [](char ch) {
    return ch == ' ' || ch == '.' || ch == '-' || ch == '(' || ch == ')';
  };
  const auto letter = [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
           (static_cast<unsigned char>(ch) >= 0x80);
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const bool plus = text[i] == '+' && i + 1 < text.size() && digit(text[i + 1]);
    if (!digit(text[i]) && !plus) {
      ++i;
      continue;
    }
    const bool glued = i > 0 && letter(text[i - 1]);
    Group g;
    g.begin = i;
    if (plus) g.digits += text[i++];
    while (i < text.size() && digit(text[i])) g.digits += text[i++];
    if (glued || (i < text.size() && letter(text[i]))) {
      groups.push_back({});  // a code like "SP123": breaks any run, is no phone
      continue;
    }
    if (!groups.empty() && !groups.back().digits.empty() && g.begin >= 2 && g.digits[0] != '+') {
      // Joined to the group before when only separators lie between them (at most two).
      std::size_t gap = g.begin - 1;
      std::size_t seps = 0;
      while (gap > 0 && separator(text[gap]) && seps < 3) {
        --gap;
        ++seps;
      }
      const Group& prev = groups.back();
      g.joins_previous = seps >= 1 && seps <= 2 && gap + 1 == prev.begin + prev.digits.size();
    }
    groups.push_back(std::move(g));
  }
  std::vector<std::string> out;
  // From each group, the longest run of joined groups that is a valid phone.
  for (std::size_t start = 0; start < groups.size();) {
    if (groups[start].digits.empty()) {
      ++start;
      continue;
    }
    std::size_t end = start + 1;
    while (end < groups.size() && groups[end].joins_previous) ++end;
    std::size_t used = 0;
    for (std::size_t stop = end; stop > start && used == 0; --stop) {
      std::string candidate;
      for (std::size_t k = start; k < stop; ++k) candidate += groups[k].digits;
      const std::size_t count = candidate.size() - (candidate[0] == '+' ? 1 : 0);
      if (count < 9 || count > 15) continue;
      auto phone = normalize_phone(candidate, country);
      if (!phone) continue;
      if (std::find(out.begin(), out.end(), phone.value()) == out.end()) {
        out.push_back(phone.value());
      }
      used = stop - start;
    }
    // The digits after a country code are never a number of their own ("+84 71 2438437" is
    // an invalid Vietnamese number, not the Ukrainian 071 243 84 37).
    if (used == 0 && groups[start].digits[0] == '+') used = end - start;
    start += used == 0 ? 1 : used;
  }
  return out;
}

namespace {

bool passes(const Conversation& c, const InboxFilters& f) {
  const auto flag = [&](const std::optional<bool>& want, ConversationFlag bit) {
    return !want || *want == c.has(bit);
  };
  if (f.kind && c.kind != *f.kind) return false;
  if (!flag(f.closed, flag_closed) || !flag(f.unread, flag_unread) ||
      !flag(f.unanswered, flag_unanswered) || !flag(f.has_phone, flag_has_phone) ||
      !flag(f.processed, flag_processed)) {
    return false;
  }
  if (f.unassigned && c.assignee_id != 0) return false;
  if (f.assignee_id && c.assignee_id != *f.assignee_id) return false;
  if (f.customer_id && c.customer_id != *f.customer_id) return false;
  if (f.since && c.last_at < *f.since) return false;
  if (f.until && c.last_at > *f.until) return false;
  if (!f.page_ids.empty() &&
      std::find(f.page_ids.begin(), f.page_ids.end(), c.page_id) == f.page_ids.end()) {
    return false;
  }
  if (!f.tag_ids.empty() &&
      std::none_of(f.tag_ids.begin(), f.tag_ids.end(), [&](TagId t) { return c.has_tag(t); })) {
    return false;
  }
  return true;
}

// A slot held as itself (a std::set<Slot>).
struct SlotItself {
  const Slot& operator()(const Slot& slot) const { return slot; }
};

// Walks several ordered sets together, from after `after`: greatest slot first (newest
// activity), or smallest first (`ascending`: longest waiting). SlotOf gives an element's slot.
template <class Set, class SlotOf>
class Merge {
 public:
  Merge(const std::vector<const Set*>& sets, std::optional<Slot> after, bool ascending)
      : ascending_(ascending) {
    for (const Set* set : sets) {
      Head h{set, {}, {}};
      if (ascending) {
        h.pos = after ? set->upper_bound(*after) : set->begin();
      } else {
        h.pos = after ? set->lower_bound(*after) : set->end();
      }
      look(h);
      heads_.push_back(h);
    }
  }
  // The next slot, or nullopt at the end.
  std::optional<Slot> next() {
    Head* best = nullptr;
    for (Head& h : heads_) {
      if (!h.current) continue;
      if (best == nullptr) {
        best = &h;
        continue;
      }
      const Slot& offered = *h.current;
      const Slot& chosen = *best->current;
      if (ascending_ ? offered < chosen : chosen < offered) best = &h;
    }
    if (best == nullptr) return std::nullopt;
    const Slot out = *best->current;
    if (ascending_) ++best->pos;
    look(*best);
    return out;
  }

 private:
  // A set, where the walk is in it, and the slot it offers next (kept, so that choosing among
  // many sets compares values rather than stepping through their trees).
  struct Head {
    const Set* set;
    typename Set::const_iterator pos;
    std::optional<Slot> current;
  };
  void look(Head& h) const {
    if (ascending_) {
      h.current = h.pos == h.set->end() ? std::nullopt : std::optional<Slot>(SlotOf{}(*h.pos));
    } else if (h.pos == h.set->begin()) {
      h.current = std::nullopt;
    } else {
      h.current = SlotOf{}(*--h.pos);  // descending: pos is the slot offered
    }
  }
  bool ascending_;
  std::vector<Head> heads_;
};

// The page of the inbox: the conversations of `sets`, walked together, that the viewer sees and
// the filters pass (query_inbox).
template <class SlotOf, class Set>
InboxPage walk(const Conversations& cs, Viewer& v, const InboxFilters& f,
               const std::vector<const Set*>& sets, std::optional<Slot> after, bool ascending,
               std::size_t limit) {
  InboxPage out;
  Merge<Set, SlotOf> merge(sets, after, ascending);
  std::optional<Slot> last;         // the last slot looked at
  std::optional<Slot> last_listed;  // the last slot in the answer
  std::optional<Slot> walked;
  std::size_t looked = 0;
  while (auto slot = merge.next()) {
    if (slot == walked) continue;
    walked = slot;
    // Rare filters would walk a whole page's index: the answer stops here, and the cursor
    // goes on from the last conversation looked at.
    if (++looked > inbox_walk_max) {
      out.next = last;
      break;
    }
    last = slot;
    const Conversation& c = *cs.find(slot->second);
    if (!v.sees(c) || !passes(c, f)) continue;
    if (out.items.size() == limit) {
      out.next = last_listed;
      break;
    }
    out.items.push_back(&c);
    last_listed = slot;
  }
  return out;
}

// The sets of an index (by page, by assignee, by tag) for the keys `wanted` says.
template <class Key, class Set, class Wanted>
std::vector<const Set*> sets_of(const std::map<Key, Set>& index, Wanted wanted) {
  std::vector<const Set*> out;
  for (const auto& [key, set] : index) {
    if (wanted(key)) out.push_back(&set);
  }
  return out;
}

}  // namespace

InboxPage query_inbox(const State& s, UserId viewer, const InboxFilters& f, InboxSort sort,
                      std::optional<Slot> after, std::size_t limit) {
  Viewer v = viewer_of(s, viewer);
  const Conversations& cs = s.conversations;
  const bool waiting = sort == InboxSort::waiting;
  // The smallest index that holds every answer: named conversations, a customer's, a tag's, an
  // assignee's, or the pages'.
  const auto named = [&](const std::vector<ConversationId>& ids) {
    SlotSet slots;
    for (ConversationId id : ids) {
      const Conversation* c = cs.find(id);
      if (c == nullptr) continue;
      if (!waiting) {
        slots.insert(activity_slot(*c));
      } else if (c->waiting_since != 0) {
        slots.insert({c->waiting_since, c->id});
      }
    }
    return walk<SlotItself>(cs, v, f, std::vector<const SlotSet*>{&slots}, after, waiting, limit);
  };
  const auto one_of = [](const auto& index, std::int64_t wanted) {
    return sets_of(index, [wanted](std::int64_t key) { return key == wanted; });
  };
  if (f.among) return named(*f.among);
  if (f.customer_id) return named(cs.conversations_of(*f.customer_id));
  if (!waiting && !f.tag_ids.empty()) {
    // (a conversation with two of the tags is in two sets: the walk skips its repeat)
    const auto tagged = sets_of(cs.activity_by_tag, [&](TagId t) {
      return std::find(f.tag_ids.begin(), f.tag_ids.end(), t) != f.tag_ids.end();
    });
    return walk<SlotItself>(cs, v, f, tagged, after, false, limit);
  }
  if (!waiting && (f.unassigned || f.assignee_id)) {
    // (a sale of assigned_only asking for another's conversations walks the same set: none
    // of them passes `sees`)
    const UserId assignee = f.unassigned ? 0 : *f.assignee_id;
    return walk<ActivitySlotOf>(cs, v, f, one_of(cs.activity_by_assignee, assignee), after,
                                false, limit);
  }
  if (!waiting && v.sale && v.mode == "assigned_only") {
    return walk<ActivitySlotOf>(cs, v, f, one_of(cs.activity_by_assignee, viewer), after, false,
                                limit);
  }
  const auto wanted = [&](PageId page) {
    return (f.page_ids.empty() ||
            std::find(f.page_ids.begin(), f.page_ids.end(), page) != f.page_ids.end()) &&
           v.page_ok(page);
  };
  if (waiting) {
    const auto pages = sets_of(cs.waiting_by_page, [&](auto key) { return wanted(key.first); });
    return walk<WaitingSlotOf>(cs, v, f, pages, after, true, limit);
  }
  return walk<ActivitySlotOf>(cs, v, f, sets_of(cs.activity_by_page, wanted), after, false,
                              limit);
}

InboxCounts count_inbox(const State& s, UserId viewer) {
  Viewer v = viewer_of(s, viewer);
  InboxCounts out;
  // From the tallies, one step per page and assignee with open conversations.
  for (const auto& [key, t] : s.conversations.open_by_assignee) {
    const auto [page, assignee] = key;
    if (!v.sees(page, assignee)) continue;
    out.all += t.open;
    if (assignee == viewer) out.mine += t.open;
    if (assignee == 0) out.unassigned += t.open;
    if (t.unread > 0) out.unread_by_page[page] += t.unread;
  }
  return out;
}

}  // namespace salesdesk::core
