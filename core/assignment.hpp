// Automatic assignment (SPEC.md section 4 "Assignment"), part of the inbox: who may be given a
// conversation, whose turn it is on a page, and what a delivery, the sweep and the reply timeout
// decide. The rotation is a fold of the journal (Conversations::last_in_turn, moved by the
// ConversationAssigned events marked in_turn); open counts are kept as conversations change.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "core/conversation.hpp"

namespace salesdesk::core {

// Why a conversation's sale changed (ConversationAssigned::reason).
namespace assign_reason {
inline constexpr std::string_view take = "take";      // a sale took it
inline constexpr std::string_view assign = "assign";  // a manager gave it (to nobody, too)
inline constexpr std::string_view link = "link";      // a sale linked it to a customer card
// The automatic ones:
// the customer wrote to an unassigned private conversation;
inline constexpr std::string_view first_message = "first_message";
// a new comment thread, whoever wrote it;
inline constexpr std::string_view comment_rotation = "comment_rotation";
// a customer's first comment on a live video, or their message following that live's sale;
inline constexpr std::string_view livestream_customer = "livestream_customer";
// the customer wrote again while their sale was offline (inbox.auto_reassign);
inline constexpr std::string_view offline_reassign = "offline_reassign";
// the sale had not answered within inbox.reply_timeout_s;
inline constexpr std::string_view reply_timeout = "reply_timeout";
// the conversation waited unassigned until a sale could be given it.
inline constexpr std::string_view sweep = "sweep";
}  // namespace assign_reason

// The reasons in the order of their codes (a code is 1 + the place here; 0 = none, unknown).
inline constexpr std::array<std::string_view, 9> assign_reasons = {
    assign_reason::take,
    assign_reason::assign,
    assign_reason::link,
    assign_reason::first_message,
    assign_reason::comment_rotation,
    assign_reason::livestream_customer,
    assign_reason::offline_reassign,
    assign_reason::reply_timeout,
    assign_reason::sweep};
std::uint8_t reason_code(std::string_view reason);
std::string_view reason_name(std::uint8_t code);  // "" for 0
bool is_automatic(std::string_view reason);

// A reply-timeout assignment folding in: the sale it left joins the round's timed_out; going
// back to one of them starts a new round (only the sale it left is passed over then).
void note_timed_out(Conversation& c, const ConversationAssigned& e);

// Whether `user` may be given a conversation of `page` automatically now: an active sale,
// online, who may work on the (connected) page, with fewer open conversations than
// inbox.max_open_per_agent when it is set.
bool eligible(const State& s, UserId user, PageId page);

// The rotation as one decision sees it: the state's, and what the decision has given already.
class Turns {
 public:
  explicit Turns(const State& s);
  bool eligible(UserId user, PageId page) const;
  // The next eligible sale after the page's last in turn (by user id, round and round), not
  // one of `skip`; 0 = nobody.
  UserId next(PageId page, const std::vector<UserId>& skip = {}) const;
  // `user` is given one more open conversation of `page`; `in_turn`: the page's turn is theirs.
  void give(PageId page, UserId user, bool in_turn);

 private:
  // An online sale's room on an open page: page access and capacity.
  bool has_room(UserId user, PageId page) const;
  UserId last_in_turn(PageId page) const;
  std::int64_t open_of(UserId user) const;
  const State& s_;
  std::int64_t capacity_ = 0;         // 0 = no limit
  std::vector<UserId> online_sales_;  // active sales online, by id
  std::map<PageId, UserId> last_{};
  std::map<UserId, std::int64_t> given_{};
};

// What decide(ReceiveMessage) delivered: the conversation (known: as it was before), its page,
// kind and customer.
struct Delivered {
  ConversationId id = 0;
  PageId page_id = 0;
  ConversationKind kind = ConversationKind::message;
  CustomerId customer_id = 0;
  const Conversation* known = nullptr;
};
// The automatic assignment an inbound message or comment brings, appended to `out`:
// - an unassigned private conversation goes to the sale of the customer's live video on the
//   page if there is one (livestream_customer), else to the next sale in turn (first_message);
// - an unassigned comment thread (a new one) to the next sale (comment_rotation);
// - an unassigned live video conversation (a customer's first comment) to the next sale
//   (livestream_customer);
// - with inbox.auto_reassign, a private or live conversation whose sale is offline, inactive
//   or off the page moves to the next sale, or to nobody if none is eligible (offline_reassign);
// - otherwise it stays where it is.
void assign_on_receive(const State& s, const Delivered& d, Events& out);

// Assignments one timer command makes at most (the next tick goes on).
constexpr std::size_t sweep_batch_max = 200;
// Waiting conversations the sweep and the reply timeout look at in one command or check, at
// most (closed ones whose customer still waits, ones not yet due, ones nobody else may take).
constexpr std::size_t assignment_walk_max = 1000;

}  // namespace salesdesk::core
