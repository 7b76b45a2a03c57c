#include "core/assignment.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "core/state.hpp"

namespace salesdesk::core {
namespace {

bool holds(const std::vector<UserId>& list, UserId user) {
  return std::find(list.begin(), list.end(), user) != list.end();
}

bool online_sale(const User* u) {
  return u != nullptr && u->active && u->role == Role::sale && u->presence == Presence::online;
}

bool page_open(const State& s, PageId page) {
  const Page* p = s.pages.find(page);
  return p != nullptr && p->connected;
}

// Whether the conversation's sale is still at work for it: active, not offline (away still
// counts: they are coming back), and still allowed on the page.
bool still_there(const State& s, UserId user, PageId page) {
  const User* u = s.users.find(user);
  return u != nullptr && u->active && u->presence != Presence::offline &&
         may_access_page(s, user, page);
}

// The sale of the customer's newest live video conversation on the page, if the message may
// follow them there: an active user allowed on the page, who is not offline when offline sales'
// customers are reassigned; 0 = none.
UserId livestream_sale(const State& s, const Delivered& d) {
  const std::vector<ConversationId> all = s.conversations.conversations_of(d.customer_id);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const Conversation* c = s.conversations.find(*it);
    if (c->page_id != d.page_id || c->kind != ConversationKind::livestream) continue;
    if (c->assignee_id == 0) continue;
    const User* u = s.users.find(c->assignee_id);
    if (u == nullptr || !u->active || !may_access_page(s, u->id, d.page_id)) return 0;
    if (u->presence == Presence::offline && s.settings[setting::inbox_auto_reassign]) return 0;
    return u->id;
  }
  return 0;
}

std::string_view first_reason(ConversationKind kind) {
  switch (kind) {
    case ConversationKind::comment:
      return assign_reason::comment_rotation;
    case ConversationKind::livestream:
      return assign_reason::livestream_customer;
    case ConversationKind::message:
      break;
  }
  return assign_reason::first_message;
}

ConversationAssigned assigned(ConversationId id, UserId to, UserId from, std::string_view why,
                              bool in_turn) {
  return ConversationAssigned{id, to, from, std::string(why), in_turn};
}

}  // namespace

std::uint8_t reason_code(std::string_view reason) {
  auto it = std::find(assign_reasons.begin(), assign_reasons.end(), reason);
  if (it == assign_reasons.end()) return 0;
  return static_cast<std::uint8_t>(it - assign_reasons.begin() + 1);
}

std::string_view reason_name(std::uint8_t code) {
  if (code == 0 || code > assign_reasons.size()) return "";
  return assign_reasons[code - 1];
}

bool is_automatic(std::string_view reason) { return reason_code(reason) > reason_code("link"); }

void note_timed_out(Conversation& c, const ConversationAssigned& e) {
  std::vector<UserId>& passed = c.extras.edit().timed_out;
  if (holds(passed, e.assignee_id)) passed.clear();
  if (e.previous_id != 0) passed.push_back(e.previous_id);
}

bool eligible(const State& s, UserId user, PageId page) { return Turns(s).eligible(user, page); }

Turns::Turns(const State& s) : s_(s), capacity_(s.settings[setting::inbox_max_open_per_agent]) {
  for (const User& u : s.users.by_id) {
    if (online_sale(&u)) online_sales_.push_back(u.id);
  }
}

std::int64_t Turns::open_of(UserId user) const {
  auto open = s_.conversations.open_of_user.find(user);
  auto given = given_.find(user);
  return (open == s_.conversations.open_of_user.end() ? 0 : open->second) +
         (given == given_.end() ? 0 : given->second);
}

bool Turns::eligible(UserId user, PageId page) const {
  return online_sale(s_.users.find(user)) && page_open(s_, page) && has_room(user, page);
}

bool Turns::has_room(UserId user, PageId page) const {
  return may_access_page(s_, user, page) && (capacity_ <= 0 || open_of(user) < capacity_);
}

UserId Turns::last_in_turn(PageId page) const {
  if (auto it = last_.find(page); it != last_.end()) return it->second;
  auto it = s_.conversations.last_in_turn.find(page);
  return it == s_.conversations.last_in_turn.end() ? 0 : it->second;
}

UserId Turns::next(PageId page, const std::vector<UserId>& skip) const {
  if (!page_open(s_, page)) return 0;
  const UserId last = last_in_turn(page);
  UserId first = 0;  // the first eligible from the start, for when the round wraps
  for (UserId u : online_sales_) {  // (online active sales, and the page is open: checked)
    if (holds(skip, u) || !has_room(u, page)) continue;
    if (u > last) return u;
    if (first == 0) first = u;
  }
  return first;
}

void Turns::give(PageId page, UserId user, bool in_turn) {
  ++given_[user];
  if (in_turn) last_[page] = user;
}

void assign_on_receive(const State& s, const Delivered& d, Events& out) {
  if (!s.settings[setting::inbox_auto_assign]) return;
  const UserId current = d.known != nullptr ? d.known->assignee_id : 0;
  if (current != 0) {
    // A comment thread stays with its sale; a customer whose sale has gone moves on.
    if (d.kind == ConversationKind::comment || !s.settings[setting::inbox_auto_reassign] ||
        still_there(s, current, d.page_id)) {
      return;
    }
    const UserId next = Turns(s).next(d.page_id, {current});
    out.emplace_back(assigned(d.id, next, current, assign_reason::offline_reassign, next != 0));
    return;
  }
  if (d.kind == ConversationKind::message) {
    if (const UserId sale = livestream_sale(s, d); sale != 0) {
      out.emplace_back(assigned(d.id, sale, 0, assign_reason::livestream_customer, false));
      return;
    }
  }
  if (const UserId next = Turns(s).next(d.page_id); next != 0) {
    out.emplace_back(assigned(d.id, next, 0, first_reason(d.kind), true));
  }
}

namespace {

// The first open conversation of a waiting queue from `it` (a closed one's customer may still
// wait), looking at `budget` conversations at most (it counts down); `end` if none.
PageWaiting::const_iterator first_open(PageWaiting::const_iterator it,
                                       PageWaiting::const_iterator end, std::size_t& budget) {
  for (; it != end; ++it) {
    if (budget == 0) return end;
    --budget;
    if (!it->has(flag_closed)) return it;
  }
  return end;
}

Time reply_timeout_ms(const State& s) {
  if (!s.settings[setting::inbox_auto_assign]) return 0;
  return s.settings[setting::inbox_reply_timeout_s] * 1000;
}

// Calls f(c) for the open conversations with a sale whose time to reply is up (from the later of
// the customer's oldest unanswered message and the assignment), page by page, oldest waiting
// first, looking at assignment_walk_max at most; f returns false to stop.
template <class F>
void each_overdue(const State& s, Time now, F f) {
  const Time timeout = reply_timeout_ms(s);
  if (timeout <= 0) return;
  std::size_t budget = assignment_walk_max;
  for (const auto& [key, queue] : s.conversations.waiting_by_page) {
    if (!key.second) continue;
    for (const Conversation& c : queue) {
      if (budget == 0 || c.waiting_since + timeout > now) break;
      --budget;
      if (c.has(flag_closed) || std::max(c.waiting_since, c.assigned_at) + timeout > now) continue;
      if (!f(c)) return;
    }
  }
}

}  // namespace

bool sweep_due(const State& s) {
  if (!s.settings[setting::inbox_auto_assign]) return false;
  const Turns turns(s);
  std::size_t budget = assignment_walk_max;
  for (const auto& [key, queue] : s.conversations.waiting_by_page) {
    if (key.second || first_open(queue.begin(), queue.end(), budget) == queue.end()) continue;
    if (turns.next(key.first) != 0) return true;
  }
  return false;
}

// The sweep: waiting unassigned conversations of every page, longest-waiting first, each to the
// next sale in turn on its page; a page nobody may be given more of now is left for later.
Result<Events> decide(const State& s, UserId actor, const SweepConversations&, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "the sweep is the engine's");
  if (!s.settings[setting::inbox_auto_assign]) return Events{};
  Turns turns(s);
  std::size_t budget = assignment_walk_max;
  // Each page's next open waiting conversation, and the pages in the order of theirs.
  std::map<PageId, std::pair<PageWaiting::const_iterator, PageWaiting::const_iterator>> heads;
  std::set<std::pair<Slot, PageId>> order;
  for (const auto& [key, queue] : s.conversations.waiting_by_page) {
    if (key.second) continue;
    const auto it = first_open(queue.begin(), queue.end(), budget);
    if (it == queue.end()) continue;
    heads.emplace(key.first, std::pair(it, queue.end()));
    order.insert({{it->waiting_since, it->id}, key.first});
  }
  Events out;
  while (!order.empty() && out.size() < sweep_batch_max) {
    const auto [slot, page] = *order.begin();
    order.erase(order.begin());
    const UserId sale = turns.next(page);
    if (sale == 0) continue;
    out.emplace_back(assigned(slot.second, sale, 0, assign_reason::sweep, true));
    turns.give(page, sale, true);
    auto& [it, end] = heads.at(page);
    it = first_open(std::next(it), end, budget);
    if (it != end) order.insert({{it->waiting_since, it->id}, page});
  }
  return out;
}

bool replies_due(const State& s, Time now) {
  bool due = false;
  each_overdue(s, now, [&](const Conversation&) {
    due = true;
    return false;  // one is enough
  });
  return due;
}

// Conversations whose sale has not answered within the timeout go to the next sale in turn who
// has not timed out on them this round; when every other eligible sale has, a new round begins
// (never straight back to the sale it leaves). With nobody else eligible it stays.
Result<Events> decide(const State& s, UserId actor, const ReassignUnanswered&, Time now) {
  if (actor != system_actor) return reject(Code::forbidden, "the reply timeout is the engine's");
  Turns turns(s);
  Events out;
  each_overdue(s, now, [&](const Conversation& c) {
    std::vector<UserId> skip = c.timed_out();
    skip.push_back(c.assignee_id);
    UserId next = turns.next(c.page_id, skip);
    if (next == 0 && !c.timed_out().empty()) next = turns.next(c.page_id, {c.assignee_id});
    if (next != 0) {
      out.emplace_back(assigned(c.id, next, c.assignee_id, assign_reason::reply_timeout, true));
      turns.give(c.page_id, next, true);
    }
    return out.size() < sweep_batch_max;
  });
  return out;
}

}  // namespace salesdesk::core
