// The conversation aggregate: the shared inbox's conversations and their messages (SPEC.md
// section 4, "Conversations", "States and flags", "Assignment"). One conversation per customer
// per page for private messages, one per comment thread, one per customer per live video.
// Order, as for every aggregate: stream, events, state, evolve, decide, queries.
// Message bodies live in the journal only (the events of stream conversation:{id}); the state
// keeps what the inbox's queries need: a summary per conversation, its indexes, and the set of
// channel message ids already received (idempotency), 16 bytes each.
#pragma once

#include <boost/intrusive/set.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <cereal/cereal.hpp>
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/chunked.hpp"
#include "core/compact.hpp"
#include "core/hashed_index.hpp"
#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

enum class ConversationKind : std::uint8_t { message = 1, comment, livestream };
std::string_view to_string(ConversationKind kind);
std::optional<ConversationKind> parse_conversation_kind(std::string_view text);

// What a channel delivers: a private message, a comment on a post, a comment on a live video,
// or an echo (a message the page sent from another tool).
enum class Inbound : std::uint8_t { message = 1, comment, livestream_comment, echo };
std::optional<Inbound> parse_inbound(std::string_view text);

// A tag of the catalog: 1 + its index in Conversations::tag_names.
using TagId = std::uint32_t;

// ---- stream ----
inline std::string conversation_stream(ConversationId id) {
  return "conversation:" + std::to_string(id);
}

// ---- events ----
struct Attachment {
  std::string type;  // image, video, audio, file, sticker
  std::string url;
  std::string name;
  std::int64_t size = 0;  // bytes; 0 = not known
  bool operator==(const Attachment&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(CEREAL_NVP(type), CEREAL_NVP(url), CEREAL_NVP(name), CEREAL_NVP(size));
  }
};

// A conversation begins: its page, kind, customer, the channel's id of that customer on the page
// (the identity: a Facebook PSID, a Zalo user id) and of its thread (the post, the comment thread,
// the live video). Appended with the first message, before it.
struct ConversationStarted {
  static constexpr std::uint16_t type_id = 160;
  static constexpr const char* name = "ConversationStarted";
  ConversationId conversation_id = 0;
  PageId page_id = 0;
  ConversationKind kind = ConversationKind::message;
  CustomerId customer_id = 0;
  std::string external_user_id;
  std::string post_id;
  std::string thread_id;  // comment: the thread's first comment; livestream: the live video
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(page_id), CEREAL_NVP(kind), CEREAL_NVP(customer_id),
       CEREAL_NVP(external_user_id), CEREAL_NVP(post_id), CEREAL_NVP(thread_id));
  }
};

// An inbound message (or comment) from the customer, with the phones found in its text.
struct MessageReceived {
  static constexpr std::uint16_t type_id = 161;
  static constexpr const char* name = "MessageReceived";
  ConversationId conversation_id = 0;
  MessageId message_id = 0;
  std::string external_id;  // the channel's message id
  std::string text;
  std::vector<Attachment> attachments;
  std::vector<std::string> phones;  // normalised, new to the conversation
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(message_id), CEREAL_NVP(external_id),
       CEREAL_NVP(text), CEREAL_NVP(attachments), CEREAL_NVP(phones));
  }
};

// An outbound message: written in Salesdesk by `author_id`, or (`outside`) sent from another
// tool on the page and echoed by the channel (author 0, `external_id` its channel id).
struct MessageSent {
  static constexpr std::uint16_t type_id = 162;
  static constexpr const char* name = "MessageSent";
  ConversationId conversation_id = 0;
  MessageId message_id = 0;
  UserId author_id = 0;
  bool outside = false;
  std::string external_id;
  std::string text;
  std::vector<Attachment> attachments;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(message_id), CEREAL_NVP(author_id),
       CEREAL_NVP(outside), CEREAL_NVP(external_id), CEREAL_NVP(text), CEREAL_NVP(attachments));
  }
};

// The conversation's sale changes, and why (core/assignment.hpp, assign_reason): "take",
// "assign" (a manager, also to nobody), "link", or an automatic reason. `in_turn`: the page's
// rotation chose the sale, whose turn it was (the rotation is a fold of these events).
struct ConversationAssigned {
  static constexpr std::uint16_t type_id = 163;
  static constexpr const char* name = "ConversationAssigned";
  ConversationId conversation_id = 0;
  UserId assignee_id = 0;  // 0 = nobody
  UserId previous_id = 0;
  std::string reason;
  bool in_turn = false;  // version 1 (version 0 events read false)
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t version) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(assignee_id), CEREAL_NVP(previous_id),
       CEREAL_NVP(reason));
    if (version >= 1) ar(CEREAL_NVP(in_turn));
  }
};

struct ConversationClosed {
  static constexpr std::uint16_t type_id = 164;
  static constexpr const char* name = "ConversationClosed";
  ConversationId conversation_id = 0;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id));
  }
};

struct ConversationReopened {
  static constexpr std::uint16_t type_id = 165;
  static constexpr const char* name = "ConversationReopened";
  ConversationId conversation_id = 0;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id));
  }
};

// Read or unread, processed or not; an absent flag is unchanged.
struct ConversationMarked {
  static constexpr std::uint16_t type_id = 166;
  static constexpr const char* name = "ConversationMarked";
  ConversationId conversation_id = 0;
  std::optional<bool> read;
  std::optional<bool> processed;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(read), CEREAL_NVP(processed));
  }
};

// Tags put on and taken off a conversation, by name as the catalog spells them (a new name
// joins the catalog; a name no conversation carries any more leaves tags.list).
struct ConversationTagged {
  static constexpr std::uint16_t type_id = 167;
  static constexpr const char* name = "ConversationTagged";
  ConversationId conversation_id = 0;
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(added), CEREAL_NVP(removed));
  }
};

// A user ties the conversation to an existing customer card: the channel identity follows (the
// customer's later conversations on the page land on that card too) until it is unlinked.
struct CustomerLinked {
  static constexpr std::uint16_t type_id = 168;
  static constexpr const char* name = "CustomerLinked";
  ConversationId conversation_id = 0;
  CustomerId customer_id = 0;
  CustomerId previous_id = 0;
  UserId by = 0;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(customer_id), CEREAL_NVP(previous_id),
       CEREAL_NVP(by));
  }
};

// The link undone: the conversation (and its identity) returns to the card it had before.
struct CustomerUnlinked {
  static constexpr std::uint16_t type_id = 169;
  static constexpr const char* name = "CustomerUnlinked";
  ConversationId conversation_id = 0;
  CustomerId customer_id = 0;  // the card it returns to
  CustomerId previous_id = 0;  // the card it was linked to
  UserId by = 0;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(customer_id), CEREAL_NVP(previous_id),
       CEREAL_NVP(by));
  }
};

// The outbox (the generic API channel): a reply on a page with a callback_url waits to be
// POSTed to it; the worker (app/outbox) records how that ended.
struct MessageQueued {
  static constexpr std::uint16_t type_id = 172;
  static constexpr const char* name = "MessageQueued";
  ConversationId conversation_id = 0;
  MessageId message_id = 0;
  PageId page_id = 0;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(message_id), CEREAL_NVP(page_id));
  }
};

struct MessageDelivered {
  static constexpr std::uint16_t type_id = 173;
  static constexpr const char* name = "MessageDelivered";
  ConversationId conversation_id = 0;
  MessageId message_id = 0;
  std::int64_t attempts = 0;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(message_id), CEREAL_NVP(attempts));
  }
};

// Given up: the callback refused it for good, or every attempt failed.
struct MessageFailed {
  static constexpr std::uint16_t type_id = 174;
  static constexpr const char* name = "MessageFailed";
  ConversationId conversation_id = 0;
  MessageId message_id = 0;
  std::int64_t attempts = 0;
  std::string reason;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(message_id), CEREAL_NVP(attempts),
       CEREAL_NVP(reason));
  }
};

inline std::string quick_replies_stream() { return "quick_replies"; }

// A quick reply saved (new, or a new text or tag for its code): typed as "/code" in the
// composer; its tag, if any, is put on the conversation when it is sent.
struct QuickReplySaved {
  static constexpr std::uint16_t type_id = 170;
  static constexpr const char* name = "QuickReplySaved";
  std::string code;
  std::string text;
  std::string tag;
  std::string stream() const { return quick_replies_stream(); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(code), CEREAL_NVP(text), CEREAL_NVP(tag));
  }
};

struct QuickReplyDeleted {
  static constexpr std::uint16_t type_id = 171;
  static constexpr const char* name = "QuickReplyDeleted";
  std::string code;
  std::string stream() const { return quick_replies_stream(); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(code));
  }
};

// ---- state ----
// The flags of a conversation, one bit each.
enum ConversationFlag : std::uint8_t {
  flag_closed = 1,
  flag_unread = 2,
  flag_unanswered = 4,
  flag_processed = 8,
  flag_has_phone = 16,
  flag_linked = 32,
};

// The longest text kept in memory as a conversation's last message (the whole text is in the
// journal); cut at a character boundary.
constexpr std::size_t preview_bytes_max = 160;

// What few conversations have: phones found, tags, the card a link replaced, the sales it was
// taken from for not replying in time (this round: see core/assignment.hpp).
struct ConversationExtras {
  std::vector<std::string> phones;
  std::vector<TagId> tags;
  CustomerId unlinked_customer_id = 0;  // while linked: the card an unlink returns to
  std::vector<UserId> timed_out;
};

// A conversation's place in one ordered index: a red-black tree whose links (three pointers,
// the colour in one of them) live in the conversation, with no node of its own.
using IndexHook =
    boost::intrusive::set_member_hook<boost::intrusive::link_mode<boost::intrusive::normal_link>,
                                      boost::intrusive::optimize_size<true>>;

// A conversation: what the inbox's queries need, 184 bytes in memory besides its texts; the
// messages themselves are in the journal.
struct Conversation {
  ConversationId id = 0;
  PageId page_id = 0;
  CustomerId customer_id = 0;
  UserId assignee_id = 0;
  Time assigned_at = 0;  // when the assignee last changed (to nobody too); 0 = never
  Time started_at = 0;
  Time last_at = 0;        // the last message's time
  Time waiting_since = 0;  // the oldest unanswered inbound message's time; 0 = none
  MessageId last_message_id = 0;
  std::uint32_t messages = 0;
  ConversationKind kind = ConversationKind::message;
  std::uint8_t flags = 0;
  bool last_inbound = false;
  std::uint8_t assign_reason = 0;  // why the assignee last changed (reason_code); 0 = never
  PackedTexts<3> channel_ids{};  // the customer's, the post's, the thread's (ConversationStarted)
  CompactText last_text{};       // a preview (preview_bytes_max)
  Rare<ConversationExtras> extras{};
  // Indexes (not saved): the customer's next conversation (Conversations::conversations_of),
  // and the links of the activity and waiting indexes.
  ConversationId next_of_customer = 0;
  IndexHook page_link{};
  IndexHook assignee_link{};
  IndexHook waiting_link{};

  std::string_view external_user_id() const { return channel_ids[0]; }
  std::string_view post_id() const { return channel_ids[1]; }
  std::string_view thread_id() const { return channel_ids[2]; }
  const std::vector<std::string>& phones() const { return extras.get().phones; }
  const std::vector<TagId>& tags() const { return extras.get().tags; }
  CustomerId unlinked_customer_id() const { return extras.get().unlinked_customer_id; }
  const std::vector<UserId>& timed_out() const { return extras.get().timed_out; }
  bool has_tag(TagId t) const { return std::find(tags().begin(), tags().end(), t) != tags().end(); }
  bool has(ConversationFlag f) const { return (flags & f) != 0; }
  void set(ConversationFlag f, bool on) {
    flags = static_cast<std::uint8_t>(on ? (flags | f) : (flags & ~f));
  }
  template <class A>
  void save(A& ar) const {
    const auto [user, post, thread] = channel_ids.views();
    ar(id, page_id, customer_id, assignee_id, assigned_at, started_at, last_at, waiting_since,
       last_message_id, messages, kind, flags, last_inbound, assign_reason, std::string(user),
       std::string(post), std::string(thread), std::string(last_text.view()), phones(), tags(),
       unlinked_customer_id(), timed_out());
  }
  template <class A>
  void load(A& ar) {
    std::string user, post, thread, text;
    ConversationExtras x;
    ar(id, page_id, customer_id, assignee_id, assigned_at, started_at, last_at, waiting_since,
       last_message_id, messages, kind, flags, last_inbound, assign_reason, user, post, thread,
       text, x.phones, x.tags, x.unlinked_customer_id, x.timed_out);
    channel_ids = PackedTexts<3>({user, post, thread});
    last_text = CompactText(text);
    if (!x.phones.empty() || !x.tags.empty() || x.unlinked_customer_id != 0 ||
        !x.timed_out.empty()) {
      extras.edit() = std::move(x);
    }
  }
};

// A reply waiting in the outbox.
struct Queued {
  ConversationId conversation_id = 0;
  PageId page_id = 0;
  template <class A>
  void serialize(A& ar) {
    ar(conversation_id, page_id);
  }
};

struct QuickReply {
  std::string text;
  std::string tag;  // "" = none
  template <class A>
  void serialize(A& ar) {
    ar(text, tag);
  }
};

// A place in an ordered index: a time and the conversation (newest last).
using Slot = std::pair<Time, ConversationId>;
using SlotSet = std::set<Slot>;

// The ordered indexes over the conversations themselves, by slot: the last activity, or the
// time the customer began to wait.
struct ActivitySlotOf {
  using type = Slot;
  Slot operator()(const Conversation& c) const { return {c.last_at, c.id}; }
};
struct WaitingSlotOf {
  using type = Slot;
  Slot operator()(const Conversation& c) const { return {c.waiting_since, c.id}; }
};
template <IndexHook Conversation::*Link, class SlotOf>
using ConversationSet =
    boost::intrusive::set<Conversation,
                          boost::intrusive::member_hook<Conversation, IndexHook, Link>,
                          boost::intrusive::key_of_value<SlotOf>>;
using PageActivity = ConversationSet<&Conversation::page_link, ActivitySlotOf>;
using AssigneeActivity = ConversationSet<&Conversation::assignee_link, ActivitySlotOf>;
using PageWaiting = ConversationSet<&Conversation::waiting_link, WaitingSlotOf>;

// A channel message id as stored in the idempotency set: FNV-1a 128 of "page:id".
struct SeenKey {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  bool operator==(const SeenKey&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(high, low);
  }
};
struct SeenKeyHash {
  std::size_t operator()(const SeenKey& k) const { return k.low ^ (k.high * 0x9e3779b97f4a7c15); }
};
SeenKey seen_key(PageId page, std::string_view external_message_id);

// Open conversations and, of them, the unread ones.
struct OpenTally {
  std::int64_t open = 0;
  std::int64_t unread = 0;
};

// A channel's customer on a page (a Facebook PSID, a Zalo user id) and the customer card it
// names: found by (page, channel id) through the first conversation that carried it.
struct Identity {
  ConversationId origin = 0;
  CustomerId customer_id = 0;
  template <class A>
  void serialize(A& ar) {
    ar(origin, customer_id);
  }
};

struct Conversations {
  ChunkedVector<Conversation> by_id;  // index = id - 1
  MessageId last_message_id = 0;
  // The channel's customers on each page, by identity_key().
  HashedIndex<Identity> identities;
  boost::unordered_flat_set<SeenKey, SeenKeyHash> seen;
  std::vector<std::string> tag_names;                // index = tag id - 1, as first written
  std::map<std::string, QuickReply> quick_replies;  // by code
  std::map<MessageId, Queued> outbox;               // replies not yet delivered or failed

  // Rebuilt from the above (not saved).
  HashedIndex<ConversationId> by_key;                 // conversation_key()
  std::map<PageId, PageActivity> activity_by_page;    // (last_at, id)
  // (waiting_since, id) of the conversations whose customer waits, by page and whether they
  // have a sale: the unassigned are the sweep's queue, the assigned the reply timeout's.
  std::map<std::pair<PageId, bool>, PageWaiting> waiting_by_page;
  std::map<UserId, AssigneeActivity> activity_by_assignee;  // 0 = unassigned
  // A customer's newest conversation (index = customer id - 1; 0 = none); the others follow
  // through Conversation::next_of_customer.
  ChunkedVector<ConversationId> newest_of_customer;
  std::unordered_map<std::string, TagId> tag_by_key;  // tag_key(name) -> id
  std::vector<std::int64_t> tag_uses;                 // conversations carrying each tag
  std::map<TagId, SlotSet> activity_by_tag;           // (last_at, id)
  // Open conversations counted as they change, for inbox.counts (never recounted).
  std::map<std::pair<PageId, UserId>, OpenTally> open_by_assignee;  // 0 = unassigned
  // Each user's open conversations on every page, kept as they change: the capacity of
  // automatic assignment (core/assignment.hpp).
  std::unordered_map<UserId, std::int64_t> open_of_user;

  // Saved: the sale the rotation last chose on each page (the page's turn goes on after them).
  std::map<PageId, UserId> last_in_turn;

  Conversations() = default;
  // The ordered indexes link the conversations themselves: a copy links its own.
  Conversations(const Conversations& other);
  Conversations& operator=(const Conversations& other);
  // Moves keep every conversation where it is (by_id moves its chunks), so the links stay
  // right; the indexes' normal links never touch a conversation when they go.
  Conversations(Conversations&&) noexcept = default;
  Conversations& operator=(Conversations&&) noexcept = default;

  const Conversation* find(ConversationId id) const;
  Conversation* find(ConversationId id);
  ConversationId next_id() const { return static_cast<ConversationId>(by_id.size()) + 1; }
  ConversationId find_key(const std::string& key) const;
  // The customer card the channel's customer `user` on `page` names, or 0.
  CustomerId find_identity(PageId page, std::string_view user) const;
  // The customer's conversations, oldest first.
  std::vector<ConversationId> conversations_of(CustomerId customer) const;
  void index(Conversation& c);
  void unindex(Conversation& c);
  TagId find_tag(std::string_view name) const;  // 0 = not in the catalog

  template <class A>
  void save(A& ar) const {
    // Sorted, so that equal states have equal bytes whatever order the set was built in.
    std::vector<SeenKey> keys(seen.begin(), seen.end());
    std::sort(keys.begin(), keys.end(), [](const SeenKey& a, const SeenKey& b) {
      return std::pair(a.high, a.low) < std::pair(b.high, b.low);
    });
    ar(by_id, last_message_id, saved_identities(), keys, tag_names, quick_replies, outbox,
       last_in_turn);
  }
  template <class A>
  void load(A& ar) {
    std::vector<SeenKey> keys;
    std::vector<Identity> ids;
    ar(by_id, last_message_id, ids, keys, tag_names, quick_replies, outbox, last_in_turn);
    seen = {keys.begin(), keys.end()};
    reindex();
    identities.clear();
    for (const Identity& i : ids) put_identity(i, false);
  }
  void reindex();
  void count_open(const Conversation& c, int sign);  // index(), unindex(): open_of_user
  // The identity of conversation i.origin's channel customer names i.customer_id: a new
  // identity, or (with `replace`) a new card for a known one.
  void put_identity(const Identity& i, bool replace);
  void add_key(const Conversation& c);           // by_key
  void link_customer(Conversation& c);           // newest_of_customer, as the newest
  void unlink_customer(const Conversation& c);  // before its customer changes

 private:
  std::vector<Identity> saved_identities() const;  // by origin
  bool has_key(ConversationId id, const std::string& key) const;
  bool is_identity(const Identity& i, PageId page, std::string_view user) const;
};

// The key that finds a conversation from what a channel delivers (see ConversationStarted): the
// page, the kind, the customer's channel id (not for comments: a comment thread is one
// conversation whoever writes in it) and the thread.
std::string conversation_key(PageId page, ConversationKind kind, std::string_view user,
                             std::string_view thread);

// ---- evolve ----
void evolve(Conversations& cs, const ConversationStarted& e, Time at);
void evolve(Conversations& cs, const MessageReceived& e, Time at);
void evolve(Conversations& cs, const MessageSent& e, Time at);
void evolve(Conversations& cs, const ConversationAssigned& e, Time at);
void evolve(Conversations& cs, const ConversationClosed& e, Time at);
void evolve(Conversations& cs, const ConversationReopened& e, Time at);
void evolve(Conversations& cs, const ConversationMarked& e, Time at);
void evolve(Conversations& cs, const ConversationTagged& e, Time at);
void evolve(Conversations& cs, const CustomerLinked& e, Time at);
void evolve(Conversations& cs, const CustomerUnlinked& e, Time at);
void evolve(Conversations& cs, const QuickReplySaved& e, Time at);
void evolve(Conversations& cs, const QuickReplyDeleted& e, Time at);
void evolve(Conversations& cs, const MessageQueued& e, Time at);
void evolve(Conversations& cs, const MessageDelivered& e, Time at);
void evolve(Conversations& cs, const MessageFailed& e, Time at);

// ---- commands and decide ----
constexpr std::size_t external_message_id_bytes_max = 200;
constexpr std::size_t message_text_bytes_max = 20'000;
constexpr std::size_t attachments_max = 20;
constexpr std::size_t attachment_url_bytes_max = 2000;
constexpr std::size_t attachment_name_bytes_max = 255;
constexpr std::size_t tag_bytes_max = 50;
constexpr std::size_t tags_per_conversation_max = 20;
constexpr std::size_t quick_reply_code_bytes_max = 32;
constexpr std::size_t quick_reply_text_bytes_max = 4000;
constexpr std::size_t quick_replies_max = 500;

// What a channel's adapter delivers, issued by the system actor.
struct ReceiveMessage {
  PageId page_id = 0;
  Inbound event = Inbound::message;
  std::string external_message_id{};
  std::string external_user_id{};
  std::string customer_name{};
  std::string customer_phone{};  // as the channel gave it; "" = none
  std::string text{};
  std::vector<Attachment> attachments{};
  std::string post_id{};
  std::string comment_id{};  // the thread (its first comment); "" = this comment starts one
  std::string live_id{};
};

// A reply; with a quick reply's code, its text is sent when `text` is blank and its tag is put
// on the conversation.
struct SendMessage {
  ConversationId conversation_id = 0;
  std::string text{};
  std::vector<Attachment> attachments{};
  std::string quick_reply{};
};

struct TakeConversation {
  ConversationId conversation_id = 0;
};

struct AssignConversation {
  ConversationId conversation_id = 0;
  UserId user_id = 0;  // 0 = nobody
};

struct CloseConversation {
  ConversationId conversation_id = 0;
};

struct ReopenConversation {
  ConversationId conversation_id = 0;
};

struct MarkConversation {
  ConversationId conversation_id = 0;
  std::optional<bool> read{};
  std::optional<bool> processed{};
};

struct TagConversation {
  ConversationId conversation_id = 0;
  std::vector<std::string> add{};
  std::vector<std::string> remove{};
};

// An internal note on the conversation's customer card (CustomerNoted), written from the chat.
struct NoteConversation {
  ConversationId conversation_id = 0;
  std::string text{};
};

// Ties the conversation to a customer card; a sale who links takes the conversation and
// becomes the customer's responsible sale.
struct LinkCustomer {
  ConversationId conversation_id = 0;
  CustomerId customer_id = 0;
};

struct UnlinkCustomer {
  ConversationId conversation_id = 0;
};

// A lead from the conversation's customer and phone (conversation_phone).
struct ConversationToLead {
  ConversationId conversation_id = 0;
};

struct SaveQuickReply {
  std::string code{};
  std::string text{};
  std::string tag{};
};

struct DeleteQuickReply {
  std::string code{};
};

// How a delivery from the outbox ended (the system actor: app/outbox); the reason is kept to
// preview_bytes_max.
struct RecordDelivery {
  MessageId message_id = 0;
  bool delivered = false;
  std::int64_t attempts = 0;
  std::string reason{};
};

// Timers of automatic assignment (core/assignment.hpp), issued by the engine to itself: the
// sweep gives waiting unassigned conversations to eligible sales, longest-waiting first; the
// reply timeout moves conversations whose sale has not answered in time.
struct SweepConversations {};
struct ReassignUnanswered {};

Result<Events> decide(const State& s, UserId actor, const ReceiveMessage& c, Time now);
Result<Events> decide(const State& s, UserId actor, const SendMessage& c, Time now);
Result<Events> decide(const State& s, UserId actor, const TakeConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const AssignConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const CloseConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ReopenConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const MarkConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const TagConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const NoteConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const LinkCustomer& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UnlinkCustomer& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ConversationToLead& c, Time now);
Result<Events> decide(const State& s, UserId actor, const SaveQuickReply& c, Time now);
Result<Events> decide(const State& s, UserId actor, const DeleteQuickReply& c, Time now);
Result<Events> decide(const State& s, UserId actor, const RecordDelivery& c, Time now);
Result<Events> decide(const State& s, UserId actor, const SweepConversations& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ReassignUnanswered& c, Time now);
// Whether the timers have work: a waiting unassigned conversation some sale may be given; a
// conversation whose sale's time to reply is up.
bool sweep_due(const State& s);
bool replies_due(const State& s, Time now);

// ---- queries ----
// Whether `user` may see the conversation (SPEC.md "Assignment", visibility): an active user
// who may work on its page; admin and managers see all of it; a sale as inbox.visibility says
// (`all`: everything, `assigned_only`: theirs, `self_assign`: theirs and the unassigned).
bool may_see_conversation(const State& s, UserId user, const Conversation& c);
// The conversation, if `viewer` may see it (the system sees all): else not_found or forbidden.
Result<const Conversation*> visible_conversation(const State& s, UserId viewer,
                                                 ConversationId id);
// The conversation, if `actor` may work on it (tag, close, mark, link, order from it): one they
// may see that is not another sale's (not_assignee); managers and admin work on what they see.
Result<const Conversation*> workable_conversation(const State& s, UserId actor,
                                                  ConversationId id);
// The phone a lead or an order from the conversation gets: the customer card's first phone,
// else the first phone found in the conversation; "" = none.
std::string conversation_phone(const State& s, const Conversation& c);
// The names of a conversation's tags, in the order they were put on.
std::vector<std::string> tag_names(const Conversations& cs, const Conversation& c);
// The catalog of tags (tags.list): every tag some conversation carries, by name, with its count.
std::vector<std::pair<std::string, std::int64_t>> tag_catalog(const Conversations& cs);
// The key tags and quick reply codes are matched by: folded (case and accents ignored).
std::string tag_key(std::string_view name);
// The conversation the key of a delivery names, or 0 (for a duplicate's answer).
ConversationId conversation_of(const State& s, const ReceiveMessage& c);
// Phones written in a text, normalised (core/phone rules of the unit's country), each once.
std::vector<std::string> find_phones(std::string_view text, std::string_view country);

// The words a message event's text is searched by (inbox.query "q"): its folded words joined
// by spaces; "" for an event that is not a message. storage/ keeps them in a text index.
std::string searchable_words(const Event& e);
// The words of a search (inbox.query "q") looked for in that index: its folded words of two
// letters or more (a one-letter word would be the start of too many words to be worth it).
std::vector<std::string> search_words(std::string_view q);

// The inbox's filters (PROTOCOL.md inbox.query); an absent one does not filter.
struct InboxFilters {
  std::vector<PageId> page_ids{};
  std::optional<ConversationKind> kind{};
  std::optional<bool> closed{};
  std::optional<bool> unread{};
  std::optional<bool> unanswered{};
  std::optional<bool> has_phone{};
  std::optional<bool> processed{};
  bool unassigned = false;
  std::optional<UserId> assignee_id{};
  std::optional<CustomerId> customer_id{};
  std::optional<Time> since{};
  std::optional<Time> until{};
  std::vector<TagId> tag_ids{};  // any of them
  std::optional<std::vector<ConversationId>> among{};  // only these (a text search's hits)
};
enum class InboxSort : std::uint8_t { activity, waiting };
struct InboxPage {
  std::vector<const Conversation*> items;
  std::optional<Slot> next;  // where the next page starts after, if there is one
};
// How many conversations one inbox query looks at, at most: a rare combination of filters
// answers fewer than asked for (even none), with a cursor that goes on from where it stopped.
constexpr std::size_t inbox_walk_max = 4096;
// At most `limit` conversations `viewer` may see that pass the filters, newest activity first
// (or longest waiting first), after `after` (a cursor: the last slot of the previous page).
InboxPage query_inbox(const State& s, UserId viewer, const InboxFilters& f, InboxSort sort,
                      std::optional<Slot> after, std::size_t limit);

struct InboxCounts {
  std::int64_t mine = 0;
  std::int64_t unassigned = 0;
  std::int64_t all = 0;
  std::map<PageId, std::int64_t> unread_by_page;
};
// Open conversations `viewer` may see: theirs, the unassigned, all, and the unread per page.
InboxCounts count_inbox(const State& s, UserId viewer);

// This aggregate as an area of the state (core/areas.hpp registers it).
struct ConversationArea {
  using EventTypes =
      TypeList<ConversationStarted, MessageReceived, MessageSent, ConversationAssigned,
               ConversationClosed, ConversationReopened, ConversationMarked, ConversationTagged,
               CustomerLinked, CustomerUnlinked, QuickReplySaved, QuickReplyDeleted,
               MessageQueued, MessageDelivered, MessageFailed>;
  using CommandTypes =
      TypeList<ReceiveMessage, SendMessage, TakeConversation, AssignConversation,
               CloseConversation, ReopenConversation, MarkConversation, TagConversation,
               NoteConversation, LinkCustomer, UnlinkCustomer, ConversationToLead, SaveQuickReply,
               DeleteQuickReply, RecordDelivery, SweepConversations, ReassignUnanswered>;
  Conversations conversations;
  static constexpr auto projection = &ConversationArea::conversations;

  // The timers of automatic assignment.
  template <class S, class Out>
  static void due(const S& s, Time now, Out& out) {
    if (sweep_due(s)) out.emplace_back(SweepConversations{});
    if (replies_due(s, now)) out.emplace_back(ReassignUnanswered{});
  }
};

}  // namespace salesdesk::core

CEREAL_CLASS_VERSION(salesdesk::core::ConversationAssigned, 1);
