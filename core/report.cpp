#include "core/report.hpp"

namespace salesdesk::core {

SaleFigures& SaleFigures::operator+=(const SaleFigures& o) {
  replies += o.replies;
  reply_ms += o.reply_ms;
  fast_replies += o.fast_replies;
  first_responses += o.first_responses;
  first_response_ms += o.first_response_ms;
  claims += o.claims;
  orders += o.orders;
  order_total += o.order_total;
  return *this;
}

PoolFlow& PoolFlow::operator+=(const PoolFlow& o) {
  entered += o.entered;
  claimed += o.claimed;
  revealed += o.revealed;
  return *this;
}

void observe_started(Reports& r, const ConversationStarted& e, Time at) {
  ++r.hours[hour_of(at)].conversations[e.page_id];
}

// A sale's reply to a waiting customer: its wait, and the conversation's first response.
void observe_sent(Reports& r, const Conversations& cs, const MessageSent& e, Time at) {
  if (e.outside || e.author_id == 0) return;
  const Conversation* c = cs.find(e.conversation_id);
  if (c == nullptr || c->waiting_since == 0) return;
  const Time wait = at > c->waiting_since ? at - c->waiting_since : 0;
  SaleFigures& f = r.hours[hour_of(at)].sales[e.author_id];
  ++f.replies;
  f.reply_ms += wait;
  if (wait <= fast_reply_ms) ++f.fast_replies;
  const auto id = static_cast<std::size_t>(e.conversation_id);
  if (r.answered.size() <= id) r.answered.resize(id + 1, false);
  if (r.answered[id]) return;
  r.answered[id] = true;
  ++f.first_responses;
  f.first_response_ms += wait;
}

void observe_order(Reports& r, UserId by, const std::string& source, Money total, Time at) {
  ReportHour& h = r.hours[hour_of(at)];
  SourceFigures& s = h.sources[source];
  ++s.orders;
  s.total += total;
  if (by == 0) return;  // made by the system
  SaleFigures& f = h.sales[by];
  ++f.orders;
  f.order_total += total;
}

Report report(const Reports& r, std::int64_t from_hour, std::int64_t to_hour,
              std::int64_t step_hours) {
  Report out;
  const std::int64_t steps =
      to_hour > from_hour ? (to_hour - from_hour + step_hours - 1) / step_hours : 0;
  out.pool.resize(static_cast<std::size_t>(steps));
  for (auto it = r.hours.lower_bound(from_hour); it != r.hours.end() && it->first < to_hour; ++it) {
    const ReportHour& h = it->second;
    for (const auto& [page, n] : h.conversations) out.conversations[page] += n;
    for (const auto& [user, f] : h.sales) out.sales[user] += f;
    for (const auto& [source, f] : h.sources) {
      SourceFigures& s = out.sources[source];
      s.orders += f.orders;
      s.total += f.total;
    }
    out.pool[static_cast<std::size_t>((it->first - from_hour) / step_hours)] += h.pool;
  }
  return out;
}

}  // namespace salesdesk::core
