// The managers' dashboard (issue 11): counts by hour, folded from the events of other areas as
// they happen, so a report over any period is a sum of its hours. The area has no events or
// commands of its own; it observes others' before they fold (observe, core/areas.hpp), since a
// reply's wait is the conversation's waiting time as it stood when the reply came.
//
// What is counted, and when:
// - a reply: a message a sale wrote (not an echo from another tool) while the customer waited;
//   its wait runs from the oldest unanswered inbound message. A conversation's first such
//   reply is also its first response.
// - a conversation, in the hour it started, by page (and so by channel).
// - the pool: a lead floated in (entered), claimed, revealed.
// - an order, in the hour it was placed (created as new, or moved out of draft), with its total
//   then, for whoever created it and by source. Drafts, and later cancellations or returns,
//   change nothing here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/conversation.hpp"
#include "core/lead.hpp"
#include "core/order.hpp"

namespace salesdesk::core {

// A wait answered within this counts as answered fast (the dashboard's "within 5 min").
constexpr Time fast_reply_ms = 5 * 60 * ms_per_s;
constexpr Time ms_per_hour = 3600 * ms_per_s;

struct SaleFigures {
  std::uint32_t replies = 0;
  std::int64_t reply_ms = 0;  // summed waits of those replies
  std::uint32_t fast_replies = 0;
  std::uint32_t first_responses = 0;
  std::int64_t first_response_ms = 0;
  std::uint32_t claims = 0;
  std::uint32_t orders = 0;
  Money order_total = 0;
  SaleFigures& operator+=(const SaleFigures& o);
  template <class A>
  void serialize(A& ar) {
    ar(replies, reply_ms, fast_replies, first_responses, first_response_ms, claims, orders,
       order_total);
  }
};

struct SourceFigures {
  std::uint32_t orders = 0;
  Money total = 0;
  template <class A>
  void serialize(A& ar) {
    ar(orders, total);
  }
};

struct PoolFlow {
  std::uint32_t entered = 0;
  std::uint32_t claimed = 0;
  std::uint32_t revealed = 0;
  PoolFlow& operator+=(const PoolFlow& o);
  template <class A>
  void serialize(A& ar) {
    ar(entered, claimed, revealed);
  }
};

struct ReportHour {
  std::map<PageId, std::uint32_t> conversations;  // started, by page
  PoolFlow pool;
  std::map<UserId, SaleFigures> sales;
  std::map<std::string, SourceFigures> sources;  // "" = no source
  template <class A>
  void serialize(A& ar) {
    ar(conversations, pool, sales, sources);
  }
};

struct Reports {
  std::map<std::int64_t, ReportHour> hours;  // by hours since the epoch (UTC)
  std::vector<bool> answered;                // by conversation id: a sale has replied once
  template <class A>
  void serialize(A& ar) {
    ar(hours, answered);
  }
};

// A report over the hours [from_hour, to_hour), the pool's flow by `step_hours` buckets
// starting at from_hour (1: by hour, 24: by day).
struct Report {
  std::map<UserId, SaleFigures> sales;
  std::map<PageId, std::uint32_t> conversations;
  std::map<std::string, SourceFigures> sources;
  std::vector<PoolFlow> pool;
};
Report report(const Reports& r, std::int64_t from_hour, std::int64_t to_hour,
              std::int64_t step_hours);

void observe_started(Reports& r, const ConversationStarted& e, Time at);
void observe_sent(Reports& r, const Conversations& cs, const MessageSent& e, Time at);
void observe_order(Reports& r, UserId by, const std::string& source, Money total, Time at);
inline std::int64_t hour_of(Time at) {
  return at >= 0 ? at / ms_per_hour : (at - ms_per_hour + 1) / ms_per_hour;
}

struct ReportArea {
  using EventTypes = TypeList<>;
  using CommandTypes = TypeList<>;
  Reports reports;
  static constexpr auto projection = &ReportArea::reports;

  template <class S>
  static void observe(S& s, const ConversationStarted& e, Time at) {
    observe_started(s.reports, e, at);
  }
  template <class S>
  static void observe(S& s, const MessageSent& e, Time at) {
    observe_sent(s.reports, s.conversations, e, at);
  }
  template <class S>
  static void observe(S& s, const LeadFloated&, Time at) {
    ++s.reports.hours[hour_of(at)].pool.entered;
  }
  template <class S>
  static void observe(S& s, const LeadClaimed& e, Time at) {
    ReportHour& h = s.reports.hours[hour_of(at)];
    ++h.pool.claimed;
    ++h.sales[e.by].claims;
  }
  template <class S>
  static void observe(S& s, const PhoneRevealed&, Time at) {
    ++s.reports.hours[hour_of(at)].pool.revealed;
  }
  template <class S>
  static void observe(S& s, const OrderCreated& e, Time at) {
    if (e.status != OrderStatus::draft)
      observe_order(s.reports, e.created_by, e.source, e.total, at);
  }
  template <class S>
  static void observe(S& s, const OrderStatusChanged& e, Time at) {
    if (e.from != OrderStatus::draft || e.to == OrderStatus::cancelled) return;
    if (const Order* o = s.orders.find(e.order_id)) {
      observe_order(s.reports, o->created_by, o->source, o->total, at);
    }
  }
};

}  // namespace salesdesk::core
