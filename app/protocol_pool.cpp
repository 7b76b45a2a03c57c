// Operations and pushes of leads, the work queue and the floating number pool (PROTOCOL.md
// "Leads and the pool"; SPEC.md section 3). Every phone that leaves here goes through
// core::visible_phone or core::visible_text for the caller, so a masked number never reaches a
// sale who has not revealed it.
#include <algorithm>

#include "app/import_staging.hpp"
#include "app/ops.hpp"
#include "app/stream_page.hpp"
#include "core/event_codec.hpp"
#include "core/order.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

namespace salesdesk::app {

json::object lead_json(const core::State& s, core::UserId viewer, const core::Lead& l) {
  return {{"id", l.id},
          {"phone", core::visible_phone(s, viewer, core::phone_of(l))},
          {"name", l.name},
          {"source", s.leads.text(l.source)},
          {"product", s.leads.text(l.product)},
          {"status", s.leads.text(l.status)},
          {"owner_id", ops::id_or_null(l.owner_id)},
          {"last_action_at", core::format_time(l.last_action_at)},
          {"in_pool", l.in_pool},
          {"entered_pool_at",
           l.in_pool ? ops::time_or_null(l.entered_pool_at) : json::value(nullptr)}};
}

json::object note_json(const core::State& s, core::UserId viewer, const core::Note& n) {
  const core::User* by = s.users.find(n.by);
  return {{"by", n.by},
          {"by_name", by != nullptr ? by->display_name : ""},
          {"at", core::format_time(n.at)},
          {"text", core::visible_text(s, viewer, n.text)}};
}

namespace {

using core::Result;
using ops::checked_query;
using ops::command;
using ops::items;
using ops::query;
using ops::timed_query;

constexpr std::size_t leads_page_max = 1000;
constexpr std::size_t leads_page_default = 100;
constexpr std::size_t batch_id_bytes_max = 128;


std::string user_name(const core::State& s, core::UserId id) {
  const core::User* u = s.users.find(id);
  return u == nullptr ? std::string{} : u->display_name;
}

json::array notes_json(const core::State& s, core::UserId viewer,
                       const std::vector<core::Note>& notes) {
  json::array out;
  for (const core::Note& n : notes) out.push_back(note_json(s, viewer, n));
  return out;
}

json::object lead_detail(const core::State& s, core::UserId viewer, const core::Lead& l) {
  const core::LeadHistory& history = s.leads.history(l);
  json::array calls;
  for (const core::Call& c : history.calls) {
    calls.push_back(json::object{{"by", c.by},
                                 {"at", core::format_time(c.at)},
                                 {"call_id", c.call_id},
                                 {"direction", c.direction},
                                 {"state", c.state},
                                 {"duration_s", c.duration_s},
                                 {"recording_url", c.recording_url}});
  }
  return {{"lead", lead_json(s, viewer, l)},
          {"notes", notes_json(s, viewer, history.notes)},
          {"calls", std::move(calls)}};
}

}  // namespace

json::object pool_row(const core::State& s, core::UserId viewer, const core::Lead& l) {
  const std::string full = core::phone_of(l);
  const std::string phone = core::visible_phone(s, viewer, full);
  const auto all_orders = core::orders_by_phone(s, full, false);
  const auto& notes = s.leads.history(l).notes;
  const core::OpenView* view = s.leads.view_of(l.id);
  const auto closed = std::count_if(all_orders.begin(), all_orders.end(), [](const core::Order* o) {
    return core::is_closed(o->status);
  });
  return {{"lead_id", l.id},
          {"phone", phone},
          {"masked", phone != full},
          {"name", l.name},
          {"source", s.leads.text(l.source)},
          {"product", s.leads.text(l.product)},
          {"status", s.leads.text(l.status)},
          {"entered_pool_at", core::format_time(l.entered_pool_at)},
          {"orders", closed},
          {"duplicates", all_orders.size()},
          {"last_note", notes.empty() ? json::value(nullptr)
                                      : json::value(core::pool_text(s, viewer, notes.back().text))},
          {"being_viewed", view != nullptr && view->by != viewer}};
}

namespace {

JsonRender lead_result(core::LeadId id, core::UserId viewer) {
  return [id, viewer](const core::State& s, const core::Events&) {
    return json::value{{"lead", lead_json(s, viewer, *s.leads.find(id))}};
  };
}

// ---- argument helpers ----
std::vector<core::LeadRow> lead_rows(const json::object& args) {
  const auto* v = args.if_contains("leads");
  if (v == nullptr || !v->is_array()) throw BadRequest("leads must be an array");
  std::vector<core::LeadRow> rows;
  rows.reserve(v->get_array().size());
  std::size_t row_number = 0;
  // A row's values are checked by core, which lists every bad row; only a row that is not even
  // shaped like one (not an object, a field of the wrong JSON type) is refused here.
  for (const json::value& row : v->get_array()) {
    const std::string where = "leads: row " + std::to_string(++row_number);
    if (!row.is_object()) throw BadRequest(where + " must be an object");
    Args a(row.get_object());
    try {
      rows.push_back(
          core::LeadRow{a.opt_text("phone").value_or(""), a.opt_text("name").value_or(""),
                        a.opt_text("source").value_or(""), a.opt_text("product").value_or(""),
                        a.opt_text("status").value_or(""), a.opt_id("owner_id").value_or(0)});
    } catch (const BadRequest& e) {
      throw BadRequest(where + ": " + e.what());
    }
  }
  return rows;
}

// pool.query's filters as given; times as people type them (a date, an offset, the unit's
// local time) are resolved against the unit's offset when the query runs.
struct PoolFilterArgs {
  core::PoolFilter filter;
  std::optional<core::TimeArg> entered_from;
  std::optional<core::TimeArg> entered_to;
  core::PoolFilter resolve(const core::State& s) const {
    core::PoolFilter f = filter;
    const std::int64_t offset = s.settings[core::setting::unit_utc_offset_minutes];
    if (entered_from) f.entered_from = core::resolve_time_arg(*entered_from, offset, false);
    if (entered_to) f.entered_to = core::resolve_time_arg(*entered_to, offset, true);
    return f;
  }
};

PoolFilterArgs pool_filter(const json::object& args) {
  PoolFilterArgs out;
  const auto* v = args.if_contains("filters");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) throw BadRequest("filters must be an object");
  Args a(v->get_object());
  core::PoolFilter& f = out.filter;
  f.source = a.opt_text("source");
  f.product = a.opt_text("product");
  f.status = a.opt_text("status");
  f.q = a.opt_text("q");
  out.entered_from = a.opt_time_arg("entered_from");
  out.entered_to = a.opt_time_arg("entered_to");
  return out;
}

// ---- leads ----
core::OnDuplicate import_mode(const Args& a) {
  const std::string mode = a.opt_text("on_duplicate").value_or("skip");
  if (mode == "skip") return core::OnDuplicate::skip;
  if (mode == "update") return core::OnDuplicate::update;
  throw BadRequest("on_duplicate must be skip or update");
}

// {"ids": [id or null by row], "duplicates": [...], "invalid": [...]}: what became of each row.
JsonRender import_result(std::shared_ptr<const core::ImportLeads> import) {
  return [import](const core::State& s, const core::Events& events) {
    const core::ImportReport report = core::report_import(s, *import, events);
    json::array ids;
    for (core::LeadId id : report.ids) {
      ids.push_back(ops::id_or_null(id));
    }
    json::array duplicates;
    for (const auto& d : report.duplicates) {
      duplicates.push_back(json::object{
          {"row", d.row},
          {"lead_id", d.lead_id},
          {"owner_id", ops::id_or_null(d.owner_id)},
          {"updated", d.updated}});
    }
    return json::value{{"ids", std::move(ids)}, {"duplicates", std::move(duplicates)},
                       {"invalid", problems_json(report.invalid)}};
  };
}

// A chunk of a batch that is not the last is staged on the engine thread after the caller's
// role is checked, so a sale's chunks never take memory.
Prepared stage_chunk(const Caller& caller, const std::string& id, std::vector<core::LeadRow> rows) {
  auto shared = std::make_shared<std::vector<core::LeadRow>>(std::move(rows));
  return ops::checked_query(caller, core::managers,
                            [user = caller.user_id, staging = caller.staging, id,
                             shared](const core::State&) -> Result<json::value> {
                              try {
                                staging->add(user, id, std::move(*shared));
                              } catch (const BadRequest& e) {
                                return core::reject(core::Code::bad_request, e.what());
                              }
                              return json::value{{"staged", true}};
                            });
}

Prepared op_leads_import(const Args& a, const Caller& caller) {
  std::vector<core::LeadRow> rows = lead_rows(a.raw());
  core::ImportLeads c{{}, import_mode(a), a.opt_boolean("skip_invalid").value_or(false)};
  if (const auto* batch = a.raw().if_contains("batch"); batch != nullptr && !batch->is_null()) {
    if (!batch->is_object()) throw BadRequest("batch must be an object");
    if (caller.staging == nullptr) throw BadRequest("chunked imports are not served here");
    Args b(batch->get_object());
    const std::string id = b.text("id");
    if (id.empty() || id.size() > batch_id_bytes_max) {
      throw BadRequest("batch.id must be 1 to " + std::to_string(batch_id_bytes_max) + " bytes");
    }
    if (!b.opt_boolean("final").value_or(false)) return stage_chunk(caller, id, std::move(rows));
    const auto expected =
        b.opt_integer_in("rows", 0, static_cast<std::int64_t>(core::import_rows_max));
    rows = caller.staging->finish(caller.user_id, id, std::move(rows),
                                  expected ? std::optional<std::size_t>(*expected) : std::nullopt);
  }
  c.rows = std::move(rows);
  auto shared = std::make_shared<const core::ImportLeads>(c);
  return command(caller, std::move(c), import_result(std::move(shared)));
}

Prepared op_leads_mine(const Args&, const Caller& caller) {
  return query(caller, core::sales_only, [viewer = caller.user_id](const core::State& s) {
    json::array list;
    if (auto it = s.leads.by_owner.find(viewer); it != s.leads.by_owner.end()) {
      for (core::LeadId id : it->second) list.push_back(lead_json(s, viewer, *s.leads.find(id)));
    }
    return items(std::move(list));
  });
}

Prepared op_leads_list(const Args& a, const Caller& caller) {
  const auto owner = a.opt_id("owner_id");
  const auto status = a.opt_text("status");
  const auto in_pool = a.opt_boolean("in_pool");
  const core::LeadId after = a.cursor("cursor");
  const auto limit = *a.declared_integer("limit");
  return query(caller, core::managers, [=, viewer = caller.user_id](const core::State& s) {
    json::array list;
    core::LeadId last = 0;
    for (auto it = s.leads.by_id.begin() +
                   std::min<std::int64_t>(after, static_cast<std::int64_t>(s.leads.by_id.size()));
         it != s.leads.by_id.end() && static_cast<std::int64_t>(list.size()) < limit; ++it) {
      if ((owner && it->owner_id != *owner) || (status && s.leads.text(it->status) != *status) ||
          (in_pool && it->in_pool != *in_pool))
        continue;
      list.push_back(lead_json(s, viewer, *it));
      last = it->id;
    }
    json::object out = items(std::move(list));
    out["next_cursor"] = static_cast<std::int64_t>(out["items"].as_array().size()) == limit
                             ? json::value(std::to_string(last))
                             : json::value(nullptr);
    return out;
  });
}

// A lead the viewer may read (theirs; managers and admin: any); any other is not found, so a
// lead id gives nothing away.
Result<const core::Lead*> readable_lead(const core::State& s, core::UserId viewer,
                                        core::LeadId id) {
  const core::Lead* l = s.leads.find(id);
  if (l == nullptr || !core::may_work(s, viewer, *l)) {
    return core::reject(core::Code::not_found, "no lead " + std::to_string(id));
  }
  return l;
}

Prepared op_leads_get(const Args& a, const Caller& caller) {
  const core::LeadId id = a.id("lead_id");
  return checked_query(caller, core::everyone,
                       [id, viewer = caller.user_id](const core::State& s) -> Result<json::value> {
                         auto l = readable_lead(s, viewer, id);
                         if (!l) return l.error();
                         return json::value(lead_detail(s, viewer, *l.value()));
                       });
}

// One event of a lead's stream as its history shows it (never a phone or a note's text: those
// are in leads.get, where the masking rules apply); null for what the history leaves out.
std::optional<json::object> history_item(const storage::Row& row) {
  const core::Event e = core::decode_payload(row.type, row.payload);
  json::object out{{"at", core::format_time(row.at)}, {"by", ops::id_or_null(row.actor)}};
  const bool shown = std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, core::LeadImported>) {
          out["event"] = "imported";
          out["status"] = x.status;
          out["owner_id"] = ops::id_or_null(x.owner_id);
        } else if constexpr (std::is_same_v<T, core::LeadActed>) {
          out["event"] = "acted";
          out["status"] = x.status.empty() ? json::value(nullptr) : json::value(x.status);
          out["note"] = !x.note.empty();
          out["left_pool"] = x.left_pool;
        } else if constexpr (std::is_same_v<T, core::LeadReassigned>) {
          out["event"] = "reassigned";
          out["owner_id"] = ops::id_or_null(x.owner_id);
          out["previous_owner_id"] = ops::id_or_null(x.previous_owner);
        } else if constexpr (std::is_same_v<T, core::LeadFloated>) {
          out["event"] = "floated";
        } else if constexpr (std::is_same_v<T, core::LeadClaimed>) {
          out["event"] = "claimed";
          out["previous_owner_id"] = ops::id_or_null(x.previous_owner);
        } else if constexpr (std::is_same_v<T, core::PhoneRevealed>) {
          out["event"] = "revealed";
        } else if constexpr (std::is_same_v<T, core::LeadCalled>) {
          out["event"] = "called";
          out["direction"] = x.direction;
          out["state"] = x.state;
          out["duration_s"] = x.duration_s;
        } else if constexpr (std::is_same_v<T, core::LeadDetailsChanged>) {
          out["event"] = "details_changed";
        } else {
          return false;  // the end of a reveal, and anything another area writes there
        }
        return true;
      },
      e.base());
  if (!shown) return std::nullopt;
  return out;
}

constexpr std::size_t history_limit_max = 200;

// What happened to a lead, newest first, for whoever may work it (as leads.get).
Prepared op_leads_history(const Args& a, const Caller& caller) {
  const core::LeadId id = a.id("lead_id");
  auto prepared = checked_query(
      caller, core::everyone,
      [id, viewer = caller.user_id](const core::State& s) -> Result<json::value> {
        auto l = readable_lead(s, viewer, id);
        if (!l) return l.error();
        return json::value(nullptr);
      });
  read_after(std::get<QueryRequest>(prepared),
             StreamPage{core::lead_stream(id), a.cursor("before"),
                        a.limit("limit", 50, history_limit_max), &history_item, "the history"},
             caller.reader);
  return prepared;
}

Prepared op_leads_update(const Args& a, const Caller& caller) {
  core::UpdateLead c{a.id("lead_id"), a.text("status"), a.opt_text("note").value_or("")};
  return command(caller, c, lead_result(c.lead_id, caller.user_id));
}

Prepared op_leads_note(const Args& a, const Caller& caller) {
  core::NoteLead c{a.id("lead_id"), a.text("text")};
  return command(caller, c, lead_result(c.lead_id, caller.user_id));
}

// A call logged by hand (before a PBX is connected): the owner's or a manager's, an action on
// the lead, on its call log with the outcome and note.
Prepared op_leads_log_call(const Args& a, const Caller& caller) {
  core::LogCall c;
  c.lead_id = a.id("lead_id");
  c.call_id = "manual";
  c.direction = a.text("direction");
  if (c.direction != "in" && c.direction != "out") throw BadRequest("direction must be in or out");
  c.duration_s = a.declared_integer("duration_s").value_or(0);
  c.state = a.opt_text("outcome").value_or("");
  c.note = a.opt_text("note").value_or("");
  return command(
      caller, std::move(c),
      [id = c.lead_id, viewer = caller.user_id](const core::State& s, const core::Events&) {
        return json::value(lead_detail(s, viewer, *s.leads.find(id)));
      });
}

Prepared op_leads_assign(const Args& a, const Caller& caller) {
  core::ReassignLead c{a.id("lead_id"), a.opt_id("owner_id").value_or(0)};
  return command(caller, c, lead_result(c.lead_id, caller.user_id));
}

// ---- the pool ----
Prepared op_pool_query(const Args& a, const Caller& caller) {
  const PoolFilterArgs given = pool_filter(a.raw());
  return timed_query(
      caller, core::everyone,
      [given, viewer = caller.user_id](const core::State& s,
                                       QueryContext& context) -> Result<json::value> {
        if (!s.settings[core::setting::pool_enabled]) {
          return core::reject(core::Code::pool_disabled, "the number pool is turned off");
        }
        auto& draws = context.local.of<core::PoolDraws>();
        const core::PoolDraw& d = draws.draw_for(s, viewer, given.resolve(s), context.now);
        json::array list;
        for (core::LeadId id : d.ids) {
          const core::Lead& l = *s.leads.find(id);
          if (l.in_pool && l.owner_id != viewer) list.push_back(pool_row(s, viewer, l));
        }
        return json::value{{"items", std::move(list)},
                           {"window_ends_at", core::format_time(d.window_ends_at)}};
      });
}

Prepared op_pool_claim(const Args& a, const Caller& caller) {
  const core::LeadId id = a.id("lead_id");
  return command(caller, core::ClaimLead{id}, lead_result(id, caller.user_id));
}

Prepared op_pool_reveal(const Args& a, const Caller& caller) {
  const core::LeadId id = a.id("lead_id");
  return command(caller, core::RevealPhone{id},
                 [id, viewer = caller.user_id](const core::State& s, const core::Events&) {
                   const core::Lead& l = *s.leads.find(id);
                   const core::OpenView* v = s.leads.view_of(id);
                   return json::value{
                       {"phone", core::phone_of(l)},
                       {"notes", notes_json(s, viewer, s.leads.history(l).notes)},
                       {"expires_at", v != nullptr ? json::value(core::format_time(v->expires_at))
                                                   : json::value(nullptr)}};
                 });
}

Prepared op_pool_hide(const Args& a, const Caller& caller) {
  const core::LeadId id = a.id("lead_id");
  return command(caller, core::HidePhone{id}, [](const core::State&, const core::Events& events) {
    return json::value{{"hidden", !events.empty()}};
  });
}

Prepared op_pool_views(const Args& a, const Caller& caller) {
  const core::LeadId id = a.id("lead_id");
  return checked_query(caller, core::everyone, [id](const core::State& s) -> Result<json::value> {
    const core::Lead* l = s.leads.find(id);
    if (l == nullptr) return core::reject(core::Code::not_found, "no lead " + std::to_string(id));
    json::array views;
    for (const core::View& v : s.leads.history(*l).views) {
      views.push_back(json::object{
          {"user_id", v.by}, {"user_name", user_name(s, v.by)}, {"at", core::format_time(v.at)}});
    }
    return json::value{{"views", std::move(views)}};
  });
}

// ---- pushes ----
bool is_sale(const core::State& s, core::UserId u) {
  const core::User* user = s.users.find(u);
  return user != nullptr && user->role == core::Role::sale;
}

void pool_push(const core::State& s, const Committed& c, std::string_view type, json::object data,
               std::vector<Push>& out, core::UserId except = 0) {
  out.push_back({"pool", std::nullopt, push_frame("pool", type, std::move(data), c.seq),
                 [except](core::UserId u) { return u != except; }});
}

void me_push(core::UserId to, const Committed& c, std::string_view type, json::object data,
             std::vector<Push>& out) {
  if (to == 0) return;
  out.push_back({"me", to, push_frame("me", type, std::move(data), c.seq)});
}

// A pool row, entering or changed: sales see it as a sale who has revealed nothing would (its
// owner is left out: their own lead is never in their pool), managers and admin in full.
void row_push(const core::State& s, const Committed& c, std::string_view type, const core::Lead& l,
              std::vector<Push>& out) {
  const core::UserId owner = l.owner_id;
  out.push_back({"pool", std::nullopt,
                 push_frame("pool", type,
                            json::object{{"lead", pool_row(s, core::anonymous_sale, l)}}, c.seq),
                 [&s, owner](core::UserId u) { return u != owner && is_sale(s, u); }});
  out.push_back(
      {"pool", std::nullopt,
       push_frame("pool", type, json::object{{"lead", pool_row(s, core::system_actor, l)}}, c.seq),
       [&s](core::UserId u) { return !is_sale(s, u); }});
}

// A pooled lead whose row changed without leaving (a manager's status change or note, new
// details): the pool screens get the new row.
void changed_push(const core::State& s, const Committed& c, core::LeadId id,
                  std::vector<Push>& out) {
  const core::Lead* l = s.leads.find(id);
  if (l != nullptr && l->in_pool) row_push(s, c, "changed", *l, out);
}

// A batch that floats many leads at once is told as one `refill` push, not a frame per lead:
// thousands of frames would overflow every pool screen's write queue.
constexpr std::size_t pool_entered_pushes_max = 100;


const std::vector<Op>& pool_ops() {
  using namespace arg;
  static const std::vector<Op> table = {
      {"leads.import", false, &op_leads_import,
       {array("leads"), opt_object("batch"), opt_text("on_duplicate"),
        opt_boolean("skip_invalid")}},
      {"leads.mine", false, &op_leads_mine, {}},
      {"leads.list", false, &op_leads_list,
       {opt_id("owner_id"), opt_text("status"), opt_boolean("in_pool"), cursor(),
        limit(leads_page_default, leads_page_max)}},
      {"leads.get", false, &op_leads_get, {id("lead_id")}},
      {"leads.update", false, &op_leads_update,
       {id("lead_id"), text("status"), opt_text("note", core::note_bytes_max)}},
      {"leads.note", false, &op_leads_note, {id("lead_id"), text("text", core::note_bytes_max)}},
      {"leads.history",
       false,
       &op_leads_history,
       {id("lead_id"), cursor("before"),
        limit(50, history_limit_max)}},
      {"leads.assign", false, &op_leads_assign, {id("lead_id"), id_or_null("owner_id")}},
      {"leads.log_call", false, &op_leads_log_call,
       {id("lead_id"), text("direction"), opt_integer("duration_s", 0, core::call_duration_s_max),
        opt_text("outcome", core::call_outcome_bytes_max), opt_text("note", core::note_bytes_max)}},
      {"pool.query", false, &op_pool_query, {opt_object("filters")}},
      {"pool.claim", false, &op_pool_claim, {id("lead_id")}},
      {"pool.reveal", false, &op_pool_reveal, {id("lead_id")}},
      {"pool.hide", false, &op_pool_hide, {id("lead_id")}},
      {"pool.views", false, &op_pool_views, {id("lead_id")}},
  };
  return table;
}

std::vector<Push> pool_batch_pushes(const core::State&, const std::vector<Committed>& batch,
                                    const Listened& listened, Quiet& quiet) {
  if (!listened("pool")) return {};
  std::size_t floated = 0;
  for (const Committed& c : batch) {
    floated += std::holds_alternative<core::LeadFloated>(c.event.base()) ? 1 : 0;
  }
  if (floated <= pool_entered_pushes_max) return {};
  quiet = [](const Committed& c) {
    return std::holds_alternative<core::LeadFloated>(c.event.base());
  };
  const core::Seq seq = batch.back().seq;
  std::vector<Push> out;
  out.push_back(Push{"pool", std::nullopt,
                     push_frame("pool", "refill", json::object{{"entered", floated}}, seq)});
  return out;
}

void pool_pushes(const core::State& s, const Committed& c, const Listened& listened,
                 std::vector<Push>& out) {
  const bool pool = listened("pool");
  const bool me = listened("me");
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::LeadFloated>) {
          const core::Lead& l = *s.leads.find(e.lead_id);
          if (pool) row_push(s, c, "entered", l, out);
          // Its owner keeps it until someone claims it; their work queue says it floats now.
          if (me && l.owner_id != 0) {
            me_push(l.owner_id, c, "lead_changed", {{"lead", lead_json(s, l.owner_id, l)}}, out);
          }
        } else if constexpr (std::is_same_v<T, core::LeadClaimed>) {
          if (pool) pool_push(s, c, "claimed", {{"lead_id", e.lead_id}, {"by", e.by}}, out);
          if (me) {
            me_push(e.previous_owner, c, "lead_lost",
                    {{"lead_id", e.lead_id}, {"by", e.by}, {"reason", "claimed"}}, out);
            me_push(e.by, c, "lead_assigned",
                    {{"lead", lead_json(s, e.by, *s.leads.find(e.lead_id))}}, out);
          }
        } else if constexpr (std::is_same_v<T, core::LeadActed>) {
          if (pool && e.left_pool) pool_push(s, c, "left", {{"lead_id", e.lead_id}}, out);
          if (pool && !e.left_pool) changed_push(s, c, e.lead_id, out);
        } else if constexpr (std::is_same_v<T, core::LeadDetailsChanged>) {
          if (pool) changed_push(s, c, e.lead_id, out);
        } else if constexpr (std::is_same_v<T, core::LeadReassigned>) {
          if (pool && e.left_pool) pool_push(s, c, "left", {{"lead_id", e.lead_id}}, out);
          if (me) {
            me_push(e.previous_owner, c, "lead_lost",
                    {{"lead_id", e.lead_id}, {"reason", "reassigned"}}, out);
            me_push(e.owner_id, c, "lead_assigned",
                    {{"lead", lead_json(s, e.owner_id, *s.leads.find(e.lead_id))}}, out);
          }
        } else if constexpr (std::is_same_v<T, core::LeadImported>) {
          if (me) {
            me_push(e.owner_id, c, "lead_assigned",
                    {{"lead", lead_json(s, e.owner_id, *s.leads.find(e.lead_id))}}, out);
          }
        } else if constexpr (std::is_same_v<T, core::PoolDrained>) {
          if (pool) {
            pool_push(s, c, "drained",
                      {{"status", e.status.empty() ? json::value(nullptr) : json::value(e.status)}},
                      out);
          }
        } else if constexpr (std::is_same_v<T, core::PhoneRevealed>) {
          if (pool) pool_push(s, c, "viewed", {{"lead_id", e.lead_id}}, out, e.by);
        } else if constexpr (std::is_same_v<T, core::RevealEnded>) {
          if (pool) pool_push(s, c, "free", {{"lead_id", e.lead_id}}, out);
        }
      },
      c.event.base());
}

}  // namespace

Module pool_module() {
  return {"leads", &pool_ops, {"pool"}, &pool_pushes, &pool_batch_pushes};
}

}  // namespace salesdesk::app
