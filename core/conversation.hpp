// The conversation aggregate: the shared inbox's conversations and their messages (SPEC.md
// section 4, "Conversations", "States and flags", "Assignment"). One conversation per customer
// per page for private messages, one per comment thread, one per customer per live video.
// Order, as for every aggregate: stream, events, state, evolve, decide, queries.
// Message bodies live in the journal only (the events of stream conversation:{id}); the state
// keeps what the inbox's queries need: a summary per conversation, its indexes, and the set of
// channel message ids already received (idempotency), 16 bytes each.
#pragma once

#include <boost/unordered/unordered_flat_set.hpp>
#include <cereal/cereal.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/chunked.hpp"
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

// The conversation's sale changes: `reason` is "take", "assign" (a manager, also to nobody)
// or, later, the automatic reasons.
struct ConversationAssigned {
  static constexpr std::uint16_t type_id = 163;
  static constexpr const char* name = "ConversationAssigned";
  ConversationId conversation_id = 0;
  UserId assignee_id = 0;  // 0 = nobody
  UserId previous_id = 0;
  std::string reason;
  std::string stream() const { return conversation_stream(conversation_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(conversation_id), CEREAL_NVP(assignee_id), CEREAL_NVP(previous_id),
       CEREAL_NVP(reason));
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

struct Conversation {
  ConversationId id = 0;
  PageId page_id = 0;
  CustomerId customer_id = 0;
  UserId assignee_id = 0;
  Time started_at = 0;
  Time last_at = 0;        // the last message's time
  Time waiting_since = 0;  // the oldest unanswered inbound message's time; 0 = none
  MessageId last_message_id = 0;
  std::uint32_t messages = 0;
  ConversationKind kind = ConversationKind::message;
  std::uint8_t flags = 0;
  bool last_inbound = false;
  std::string external_user_id{};
  std::string post_id{};
  std::string thread_id{};
  std::string last_text{};  // a preview (preview_bytes_max)
  std::vector<std::string> phones{};
  bool has(ConversationFlag f) const { return (flags & f) != 0; }
  void set(ConversationFlag f, bool on) {
    flags = static_cast<std::uint8_t>(on ? (flags | f) : (flags & ~f));
  }
  template <class A>
  void serialize(A& ar) {
    ar(id, page_id, customer_id, assignee_id, started_at, last_at, waiting_since, last_message_id,
       messages, kind, flags, last_inbound, external_user_id, post_id, thread_id, last_text,
       phones);
  }
};

// A place in an ordered index: a time and the conversation (newest last).
using Slot = std::pair<Time, ConversationId>;
using SlotSet = std::set<Slot>;

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

struct Conversations {
  ChunkedVector<Conversation> by_id;  // index = id - 1
  MessageId last_message_id = 0;
  // The channel's customer on a page -> the customer card (the identity).
  std::map<std::pair<PageId, std::string>, CustomerId> identities;
  boost::unordered_flat_set<SeenKey, SeenKeyHash> seen;

  // Rebuilt from the above (not saved).
  std::unordered_map<std::string, ConversationId> by_key;  // conversation_key()
  std::map<PageId, SlotSet> activity_by_page;              // (last_at, id)
  std::map<PageId, SlotSet> waiting_by_page;               // (waiting_since, id), waiting only
  std::map<UserId, SlotSet> activity_by_assignee;          // 0 = unassigned
  std::multimap<CustomerId, ConversationId> by_customer;

  const Conversation* find(ConversationId id) const;
  Conversation* find(ConversationId id);
  ConversationId next_id() const { return static_cast<ConversationId>(by_id.size()) + 1; }
  ConversationId find_key(const std::string& key) const;
  void index(const Conversation& c);
  void unindex(const Conversation& c);

  template <class A>
  void save(A& ar) const {
    std::vector<SeenKey> keys(seen.begin(), seen.end());
    ar(by_id, last_message_id, identities, keys);
  }
  template <class A>
  void load(A& ar) {
    std::vector<SeenKey> keys;
    ar(by_id, last_message_id, identities, keys);
    seen = {keys.begin(), keys.end()};
    reindex();
  }
  void reindex();
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

// ---- commands and decide ----
constexpr std::size_t external_message_id_bytes_max = 200;
constexpr std::size_t message_text_bytes_max = 20'000;
constexpr std::size_t attachments_max = 20;
constexpr std::size_t attachment_url_bytes_max = 2000;
constexpr std::size_t attachment_name_bytes_max = 255;

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

struct SendMessage {
  ConversationId conversation_id = 0;
  std::string text{};
  std::vector<Attachment> attachments{};
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

Result<Events> decide(const State& s, UserId actor, const ReceiveMessage& c, Time now);
Result<Events> decide(const State& s, UserId actor, const SendMessage& c, Time now);
Result<Events> decide(const State& s, UserId actor, const TakeConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const AssignConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const CloseConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ReopenConversation& c, Time now);
Result<Events> decide(const State& s, UserId actor, const MarkConversation& c, Time now);

// ---- queries ----
// Whether `user` may see the conversation (SPEC.md "Assignment", visibility): an active user
// who may work on its page; admin and managers see all of it; a sale as inbox.visibility says
// (`all`: everything, `assigned_only`: theirs, `self_assign`: theirs and the unassigned).
bool may_see_conversation(const State& s, UserId user, const Conversation& c);
// The conversation, if `viewer` may see it (the system sees all): else not_found or forbidden.
Result<const Conversation*> visible_conversation(const State& s, UserId viewer,
                                                 ConversationId id);
// The conversation the key of a delivery names, or 0 (for a duplicate's answer).
ConversationId conversation_of(const State& s, const ReceiveMessage& c);
// Phones written in a text, normalised (core/phone rules of the unit's country), each once.
std::vector<std::string> find_phones(std::string_view text, std::string_view country);

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
};
enum class InboxSort : std::uint8_t { activity, waiting };
struct InboxPage {
  std::vector<const Conversation*> items;
  std::optional<Slot> next;  // where the next page starts after, if there is one
};
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
               ConversationClosed, ConversationReopened, ConversationMarked>;
  using CommandTypes = TypeList<ReceiveMessage, SendMessage, TakeConversation, AssignConversation,
                                CloseConversation, ReopenConversation, MarkConversation>;
  Conversations conversations;
  static constexpr auto projection = &ConversationArea::conversations;
};

}  // namespace salesdesk::core
