// The managers' dashboard (issue 11): `reports.summary` over a period, summed from core's hourly
// figures (core/report.hpp), and the `reports` topic, which says "changed" once per committed
// batch that moved a figure, so an open dashboard asks again.
#include "app/ops.hpp"
#include "core/report.hpp"
#include "core/time.hpp"

namespace salesdesk::app {
namespace {

using core::Result;
using ops::timed_query;

constexpr core::Time default_span_ms = 7 * 24 * core::ms_per_hour;
constexpr std::int64_t hours_max = 400 * 24;  // the longest period asked for at once
constexpr std::int64_t by_hour_max = 72;      // longer periods are drawn by day

// An average wait in seconds, or null when nothing was counted.
json::value average_s(std::int64_t total_ms, std::uint32_t n) {
  if (n == 0) return nullptr;
  return (total_ms / n + core::ms_per_s / 2) / core::ms_per_s;
}

json::object sale_json(const core::User& u, const core::SaleFigures& f) {
  return {{"user_id", u.id},
          {"name", u.display_name},
          {"replies", f.replies},
          {"reply_avg_s", average_s(f.reply_ms, f.replies)},
          {"fast_replies", f.fast_replies},
          {"first_responses", f.first_responses},
          {"first_response_avg_s", average_s(f.first_response_ms, f.first_responses)},
          {"claims", f.claims},
          {"orders", f.orders},
          {"order_total", f.order_total}};
}

// Every active sale (a row of zeros says something too), and anyone else with figures.
json::array sales_json(const core::State& s, const core::Report& r, core::SaleFigures& total) {
  json::array out;
  for (const core::User& u : s.users.by_id) {
    auto it = r.sales.find(u.id);
    if (it == r.sales.end() && !(u.active && u.role == core::Role::sale)) continue;
    const core::SaleFigures f = it == r.sales.end() ? core::SaleFigures{} : it->second;
    total += f;
    out.push_back(sale_json(u, f));
  }
  return out;
}

json::array pages_json(const core::State& s, const core::Report& r) {
  json::array out;
  for (const core::Page& p : s.pages.by_id) {
    auto it = r.conversations.find(p.id);
    if (it == r.conversations.end() && !p.connected) continue;
    out.push_back(json::object{{"page_id", p.id},
                               {"name", p.name},
                               {"channel", core::to_string(p.channel)},
                               {"conversations", it == r.conversations.end() ? 0 : it->second}});
  }
  return out;
}

json::array sources_json(const core::State& s, const core::Report& r) {
  json::array out;
  for (const auto& [code, f] : r.sources) {
    auto known = s.catalog.sources.find(code);
    out.push_back(
        json::object{{"source", code.empty() ? json::value(nullptr) : json::value(code)},
                     {"name", known != s.catalog.sources.end() ? known->second.name : code},
                     {"orders", f.orders},
                     {"total", f.total}});
  }
  return out;
}

// The pool's flow, a bucket per step from `first_hour`.
json::array pool_json(const core::Report& r, std::int64_t first_hour, std::int64_t step,
                      core::PoolFlow& total) {
  json::array out;
  for (std::size_t i = 0; i < r.pool.size(); ++i) {
    const core::PoolFlow& f = r.pool[i];
    total += f;
    const auto hour = first_hour + static_cast<std::int64_t>(i) * step;
    out.push_back(json::object{{"at", core::format_time(hour * core::ms_per_hour)},
                               {"entered", f.entered},
                               {"claimed", f.claimed},
                               {"revealed", f.revealed}});
  }
  return out;
}

// The period asked for, in whole hours; a period drawn by day starts at the unit's midnight.
struct Period {
  std::int64_t first_hour = 0;
  std::int64_t end_hour = 0;
  std::int64_t step = 1;
};

Result<Period> period_of(const core::State& s, core::Time from, core::Time to) {
  if (from >= to) return core::reject(core::Code::bad_request, "from must be before to");
  Period p{core::hour_of(from), core::hour_of(to - 1) + 1, 1};
  if (p.end_hour - p.first_hour > hours_max) {
    return core::reject(core::Code::bad_request, "a report covers at most 400 days");
  }
  if (p.end_hour - p.first_hour > by_hour_max) {
    const core::Time offset =
        s.settings[core::setting::unit_utc_offset_minutes] * 60 * core::ms_per_s;
    p.first_hour = core::hour_of(core::local_day(s, from) * 24 * core::ms_per_hour - offset);
    p.step = 24;
  }
  return p;
}

Prepared op_reports_summary(const Args& a, const Caller& caller) {
  const std::optional<core::Time> from = a.opt_time("from");
  const std::optional<core::Time> to = a.opt_time("to");
  return timed_query(
      caller, core::managers,
      [from, to](const core::State& s, QueryContext& context) -> Result<json::value> {
        const core::Time end = to.value_or(context.now);
        const core::Time start = from.value_or(end - default_span_ms);
        auto period = period_of(s, start, end);
        if (!period) return period.error();
        const Period p = period.value();
        const core::Report r = core::report(s.reports, p.first_hour, p.end_hour, p.step);
        core::SaleFigures sales;
        core::PoolFlow pool;
        std::uint32_t conversations = 0;
        for (const auto& [page, n] : r.conversations) conversations += n;
        json::object out{{"from", core::format_time(start)},
                         {"to", core::format_time(end)},
                         {"step", p.step == 1 ? "hour" : "day"},
                         {"sales", sales_json(s, r, sales)},
                         {"pages", pages_json(s, r)},
                         {"pool", pool_json(r, p.first_hour, p.step, pool)},
                         {"sources", sources_json(s, r)}};
        out["totals"] = json::object{
            {"conversations", conversations},
            {"replies", sales.replies},
            {"reply_avg_s", average_s(sales.reply_ms, sales.replies)},
            {"fast_replies", sales.fast_replies},
            {"first_response_avg_s", average_s(sales.first_response_ms, sales.first_responses)},
            {"claims", sales.claims},
            {"orders", sales.orders},
            {"order_total", sales.order_total},
            {"pool_entered", pool.entered},
            {"pool_claimed", pool.claimed},
            {"pool_revealed", pool.revealed}};
        return json::value(std::move(out));
      });
}

const std::vector<Op>& report_ops() {
  using namespace arg;
  static const std::vector<Op> table = {
      {"reports.summary", false, &op_reports_summary, {opt_text("from"), opt_text("to")}},
  };
  return table;
}

template <class T, class... Ts>
constexpr bool one_of = (std::is_same_v<T, Ts> || ...);

// Whether an event changes what the dashboard shows: a figure (the events ReportArea
// observes), or the rotation (inbox.rotation: presence, open conversations, who may work on
// which page, the settings).
bool moves_figures(const core::Event& e) {
  return std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return requires(core::State & s, const T& event) {
          core::ReportArea::observe(s, event, core::Time{});
        } || one_of<T, core::PresenceChanged, core::ConversationAssigned,
                    core::ConversationClosed, core::ConversationReopened, core::UserCreated,
                    core::UserUpdated, core::PageConnected, core::PageUpdated,
                    core::PageDisconnected, core::PageAccessSet, core::SettingsChanged>;
      },
      e.base());
}

// One "changed" per batch that moved a figure, to managers and admin on the `reports` topic.
std::vector<Push> report_batch_pushes(const core::State& s, const std::vector<Committed>& batch,
                                      const Listened& listened, Quiet&) {
  if (!listened("reports")) return {};
  for (const Committed& c : batch) {
    if (!moves_figures(c.event)) continue;
    const auto managers = [&s](core::UserId u) {
      const core::User* user = s.users.find(u);
      return user != nullptr && core::is_manager_or_admin(*user);
    };
    return {Push{"reports", std::nullopt,
                 push_frame("reports", "changed", json::object{}, batch.back().seq), managers}};
  }
  return {};
}

}  // namespace

Module reports_module() {
  return {"reports", &report_ops, {"reports"}, nullptr, &report_batch_pushes};
}

}  // namespace salesdesk::app
