#include "core/lead.hpp"

#include <algorithm>
#include <cassert>
#include <unordered_map>
#include <variant>

#include "core/phone.hpp"
#include "core/state.hpp"
#include "core/text.hpp"

namespace salesdesk::core {

// ---- state ----
const Lead* Leads::find(LeadId id) const {
  if (id < 1 || id > static_cast<LeadId>(by_id.size())) return nullptr;
  return &by_id[static_cast<std::size_t>(id - 1)];
}

Lead* Leads::find(LeadId id) {
  return const_cast<Lead*>(static_cast<const Leads*>(this)->find(id));
}

const OpenView* Leads::view_of(LeadId id) const {
  auto it = views_by_lead.find(id);
  return it == views_by_lead.end() ? nullptr : &it->second;
}

const LeadHistory& Leads::history(const Lead& l) const {
  static const LeadHistory none;
  return l.history == 0 ? none : histories[l.history - 1];
}

LeadHistory& Leads::history_for(Lead& l) {
  if (l.history == 0) {
    histories.push_back({});
    l.history = static_cast<std::uint32_t>(histories.size());
  }
  return histories[l.history - 1];
}

TextId TextTable::intern(const std::string& text) {
  auto [it, added] = ids_.try_emplace(text, TextId{static_cast<std::uint32_t>(texts_.size())});
  if (added) texts_.push_back(text);
  return it->second;
}

std::optional<TextId> TextTable::find(const std::string& text) const {
  auto it = ids_.find(text);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

LeadId PhoneIndex::newest(PhoneKey phone) const {
  const auto& shard = shards_[static_cast<std::uint64_t>(phone) % shards];
  auto it = shard.find(phone);
  return it == shard.end() ? 0 : it->second;
}

LeadId PhoneIndex::link(PhoneKey phone, LeadId id) {
  LeadId& newest = shards_[static_cast<std::uint64_t>(phone) % shards][phone];
  return std::exchange(newest, id);
}

std::size_t PhoneIndex::size() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) n += shard.size();
  return n;
}

void PhoneIndex::clear() {
  for (auto& shard : shards_) shard.clear();
}

namespace {

bool status_floats(const State& s, const std::string& status) {
  auto it = s.catalog.statuses.find(status);
  return it != s.catalog.statuses.end() && it->second.floats;
}

bool is_candidate(const State& s, const Lead& l) {
  return !l.in_pool && !l.claimed_idle && status_floats(s, s.leads.text(l.status));
}

// Every index entry of a lead comes out before it changes and goes back after.
void leave_indexes(Leads& leads, const Lead& l) {
  leads.candidates.erase({l.last_action_at, l.id});
  leads.pool.erase({l.entered_pool_at, l.id});
  if (l.owner_id != 0) {
    auto it = leads.by_owner.find(l.owner_id);
    if (it != leads.by_owner.end()) {
      it->second.erase(l.id);
      if (it->second.empty()) leads.by_owner.erase(it);
    }
  }
}

void enter_indexes(State& s, const Lead& l) {
  if (l.in_pool) s.leads.pool.insert({l.entered_pool_at, l.id});
  if (is_candidate(s, l)) s.leads.candidates.insert({l.last_action_at, l.id});
  if (l.owner_id != 0) s.leads.by_owner[l.owner_id].insert(l.id);
}

void link_phone(Leads& leads, Lead& l) {
  l.next_same_phone = static_cast<std::uint32_t>(leads.by_phone.link(l.phone, l.id));
}

void drop_view(Leads& leads, LeadId id) {
  auto it = leads.views_by_lead.find(id);
  if (it == leads.views_by_lead.end()) return;
  leads.view_expiry.erase({it->second.expires_at, id});
  auto mine = leads.view_by_user.find(it->second.by);
  if (mine != leads.view_by_user.end() && mine->second == id) leads.view_by_user.erase(mine);
  leads.views_by_lead.erase(it);
}

Lead& lead_at(State& s, LeadId id) {
  Lead* l = s.leads.find(id);
  if (l == nullptr) throw std::out_of_range("no lead " + std::to_string(id));
  return *l;
}

// Changes one lead with its indexes kept right; a lead that leaves the pool loses its view.
// The pool index is touched only when what it knows of the lead changed.
template <class F>
void change(State& s, LeadId id, F&& f) {
  Lead& l = lead_at(s, id);
  const PoolSlot was = PoolSlot::of(l);
  leave_indexes(s.leads, l);
  f(l);
  enter_indexes(s, l);
  if (PoolSlot::of(l) == was) return;
  pool_index_change(s.leads, l, was);
  if (was.in_pool && !l.in_pool) drop_view(s.leads, id);
}

}  // namespace

// ---- evolve ----
void evolve_leads(State& s, const LeadImported& e, Time at) {
  assert(e.lead_id == s.leads.next_id());
  Lead l;
  l.id = e.lead_id;
  l.phone = phone_key(e.phone);
  l.name = e.lead_name;
  l.source = s.leads.texts.intern(e.source);
  l.product = s.leads.texts.intern(e.product);
  l.status = s.leads.texts.intern(e.status);
  l.owner_id = e.owner_id;
  l.last_action_at = at;
  link_phone(s.leads, l);
  s.leads.by_id.push_back(std::move(l));
  enter_indexes(s, s.leads.by_id.back());
}

void evolve_leads(State& s, const LeadActed& e, Time at) {
  if (!e.note.empty()) {
    s.leads.history_for(lead_at(s, e.lead_id)).notes.push_back(Note{e.by, at, e.note});
  }
  change(s, e.lead_id, [&](Lead& l) {
    if (!e.status.empty()) l.status = s.leads.texts.intern(e.status);
    if (e.by_owner) {
      l.last_action_at = at;
      l.claimed_idle = false;
      l.in_pool = false;
    }
    if (l.in_pool && !status_floats(s, s.leads.text(l.status))) l.in_pool = false;
  });
}

void evolve_leads(State& s, const LeadReassigned& e, Time at) {
  change(s, e.lead_id, [&](Lead& l) {
    l.owner_id = e.owner_id;
    l.last_action_at = at;
    l.claimed_idle = false;
    l.in_pool = false;
  });
}

void evolve_leads(State& s, const LeadFloated& e, Time at) {
  change(s, e.lead_id, [&](Lead& l) {
    l.in_pool = true;
    l.entered_pool_at = at;
  });
}

void evolve_leads(State& s, const PoolDrained& e, Time) {
  const std::optional<TextId> status =
      e.status.empty() ? std::nullopt : s.leads.texts.find(e.status);
  if (!e.status.empty() && !status) return;  // no lead ever had that status
  std::vector<LeadId> leaving;
  for (const auto& [entered, id] : s.leads.pool) {
    if (!status || s.leads.find(id)->status == *status) leaving.push_back(id);
  }
  for (LeadId id : leaving) change(s, id, [](Lead& l) { l.in_pool = false; });
}

void evolve_leads(State& s, const LeadClaimed& e, Time at) {
  drop_view(s.leads, e.lead_id);
  change(s, e.lead_id, [&](Lead& l) {
    l.previous_owner = e.previous_owner;
    l.lost_at = at;
    l.owner_id = e.by;
    l.in_pool = false;
    l.claimed_idle = true;
  });
  ClaimCount& count = s.leads.claims[e.by];
  if (count.day != e.day) count = ClaimCount{e.day, 0};
  count.count += 1;
}

void evolve_leads(State& s, const PhoneRevealed& e, Time at) {
  Leads& leads = s.leads;
  drop_view(leads, e.lead_id);
  if (auto mine = leads.view_by_user.find(e.by); mine != leads.view_by_user.end()) {
    drop_view(leads, mine->second);
  }
  leads.views_by_lead[e.lead_id] = OpenView{e.lead_id, e.by, e.expires_at};
  leads.view_by_user[e.by] = e.lead_id;
  leads.view_expiry.insert({e.expires_at, e.lead_id});
  leads.last_reveal_at[e.by] = at;
  leads.history_for(lead_at(s, e.lead_id)).views.push_back(View{e.by, at});
}

void evolve_leads(State& s, const RevealEnded& e, Time) {
  const OpenView* v = s.leads.view_of(e.lead_id);
  if (v != nullptr && v->by == e.by) drop_view(s.leads, e.lead_id);
}

void evolve_leads(State& s, const LeadCalled& e, Time at) {
  s.leads.history_for(lead_at(s, e.lead_id))
      .calls.push_back(
          Call{e.by, at, e.call_id, e.direction, e.state, e.duration_s, e.recording_url});
}

// A name change moves the lead's name words in the pool index: it leaves the index under its
// old details and enters again under the new ones.
void evolve_leads(State& s, const LeadDetailsChanged& e, Time) {
  Lead& l = lead_at(s, e.lead_id);
  if (l.in_pool) {
    Lead gone = l;
    gone.in_pool = false;
    pool_index_change(s.leads, gone, PoolSlot::of(l));
  }
  l.name = e.lead_name;
  l.source = s.leads.texts.intern(e.source);
  l.product = s.leads.texts.intern(e.product);
  if (l.in_pool) pool_index_enter(s.leads, l);
}

void reindex_candidates(State& s) {
  s.leads.candidates.clear();
  for (const Lead& l : s.leads.by_id) {
    if (is_candidate(s, l)) s.leads.candidates.insert({l.last_action_at, l.id});
  }
}

void rebuild_lead_indexes(State& s) {
  Leads& leads = s.leads;
  leads.by_phone.clear();
  leads.by_owner.clear();
  leads.pool.clear();
  leads.candidates.clear();
  leads.view_expiry.clear();
  leads.pool_index = {};
  for (std::size_t i = 0; i < leads.by_id.size(); ++i) {
    Lead& l = leads.by_id[i];
    link_phone(leads, l);
    enter_indexes(s, l);
    if (l.in_pool) pool_index_enter(leads, l);
  }
  for (const auto& [id, view] : leads.views_by_lead) {
    leads.view_expiry.insert({view.expires_at, id});
  }
}

// ---- rules ----
std::int64_t local_day(const State& s, Time t) {
  const Time local = t + s.settings[setting::unit_utc_offset_minutes] * 60 * ms_per_s;
  const Time day_ms = 86400 * ms_per_s;
  return local >= 0 ? local / day_ms : (local - day_ms + 1) / day_ms;
}

bool may_work(const State& s, UserId viewer, const Lead& l) {
  if (viewer == system_actor) return true;
  const User* u = s.users.find(viewer);
  return u != nullptr && (is_manager_or_admin(*u) || l.owner_id == viewer);
}

namespace {

Result<bool> check_status(const State& s, const std::string& status, const std::string& field) {
  if (!s.catalog.statuses.contains(status)) {
    return reject(Code::bad_request, field + ": no status " + status);
  }
  return true;
}

// The owner a lead may have: a sale, active (or nobody). A manager or admin owning a lead
// would sit in nobody's work queue.
Result<bool> check_owner(const State& s, UserId owner_id, const std::string& field) {
  if (owner_id == 0) return true;
  const User* owner = s.users.find(owner_id);
  if (owner == nullptr || !owner->active) {
    return reject(Code::bad_request, field + ": no active user " + std::to_string(owner_id));
  }
  if (owner->role != Role::sale) {
    return reject(Code::bad_request, field + ": a lead's owner must be a sale, not " +
                                         std::string(role_with_article(owner->role)));
  }
  return true;
}

// An imported source is checked against the catalog when the unit keeps one: a code or a
// name as people type it ("Facebook", "FB") is stored as the catalog's code. A unit with no
// sources in its catalog takes any source as given.
Result<std::string> catalog_source(const State& s, const std::string& given) {
  if (given.empty() || s.catalog.sources.empty() || s.catalog.sources.contains(given)) return given;
  const std::string wanted = fold(given);
  for (const auto& [code, source] : s.catalog.sources) {
    if (fold(code) == wanted || fold(source.name) == wanted) return code;
  }
  std::string known;
  for (const auto& [code, source] : s.catalog.sources) known += (known.empty() ? "" : ", ") + code;
  return reject(Code::bad_request,
                "source: no source " + given + " in the catalog (" + known + ")");
}

// One row checked: the lead it would import, or the first problem of the row (1-based).
std::variant<LeadImported, Problem> import_row(const State& s, const LeadRow& row,
                                               std::size_t index) {
  const auto problem = [&](std::string field, std::string value, const Error& e) {
    const std::string prefix = field + ": ";
    std::string reason =
        e.message.rfind(prefix, 0) == 0 ? e.message.substr(prefix.size()) : e.message;
    return Problem{static_cast<std::int64_t>(index + 1), std::move(field), std::move(value),
                   std::move(reason)};
  };
  auto phone = normalize_phone(row.phone, s.settings[setting::phone_country], "phone");
  if (!phone) return problem("phone", row.phone, phone.error());
  for (const auto& [text, name] :
       {std::pair{&row.lead_name, "name"}, {&row.source, "source"}, {&row.product, "product"}}) {
    if (auto ok = check_name(*text, name, lead_text_bytes_max, false); !ok) {
      return problem(name, *text, ok.error());
    }
  }
  const std::string status = row.status.empty() ? "new" : row.status;
  if (auto ok = check_status(s, status, "status"); !ok) {
    return problem("status", row.status, ok.error());
  }
  auto source = catalog_source(s, row.source);
  if (!source) return problem("source", row.source, source.error());
  if (auto ok = check_owner(s, row.owner_id, "owner_id"); !ok) {
    return problem("owner_id", std::to_string(row.owner_id), ok.error());
  }
  return LeadImported{0,           phone.value(), row.lead_name, source.value(),
                      row.product, status,        row.owner_id};
}

// The lead a row's phone repeats: the newest with it in the unit, or one this import adds.
LeadId repeated_lead(const State& s, const std::unordered_map<std::string, LeadId>& in_file,
                     const std::string& phone) {
  if (auto it = in_file.find(phone); it != in_file.end()) return it->second;
  return s.leads.by_phone.newest(phone_key(phone));
}

// on_duplicate "update": the row's non-empty fields applied to the lead it repeats.
void update_from_row(const State& s, UserId actor, LeadId id, const LeadImported& row,
                     Events& out) {
  const Lead* l = s.leads.find(id);
  const std::string name = row.lead_name.empty() && l ? l->name : row.lead_name;
  const std::string source = row.source.empty() && l ? s.leads.text(l->source) : row.source;
  const std::string product = row.product.empty() && l ? s.leads.text(l->product) : row.product;
  out.emplace_back(LeadDetailsChanged{id, actor, name, source, product});
  if (l == nullptr || s.leads.text(l->status) != row.status) {
    out.emplace_back(LeadActed{id, actor, row.status, "", false,
                               l != nullptr && l->in_pool && !status_floats(s, row.status)});
  }
  if (row.owner_id != 0 && (l == nullptr || l->owner_id != row.owner_id)) {
    out.emplace_back(
        LeadReassigned{id, row.owner_id, l ? l->owner_id : 0, l != nullptr && l->in_pool});
  }
}

// The refusal of an import with bad rows: every one listed (up to import_problems_max).
Error refuse_rows(std::vector<Problem> invalid, std::size_t count) {
  std::string message = std::to_string(count) + (count == 1 ? " row is" : " rows are") +
                        " invalid, nothing was imported:";
  for (std::size_t i = 0; i < invalid.size() && i < 5; ++i) {
    message += " row " + std::to_string(invalid[i].row) + " " + invalid[i].field + " \"" +
               invalid[i].value + "\": " + invalid[i].reason + ";";
  }
  if (count > 5) message += " and " + std::to_string(count - 5) + " more (see invalid)";
  Error e = reject(Code::bad_request, message);
  e.invalid = std::move(invalid);
  return e;
}

// A lead a sale may act on: theirs (managers and admin: any).
Result<const Lead*> workable(const State& s, UserId actor, LeadId id) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  const Lead* l = s.leads.find(id);
  if (l == nullptr) return reject(Code::not_found, "no lead " + std::to_string(id));
  if (!may_work(s, actor, *l)) return reject(Code::forbidden, "this lead belongs to another sale");
  return l;
}

// When an action takes a pooled lead out of the pool, a view of it ends too.
void end_view_if_leaving(const State& s, const Lead& l, bool leaves, Events& out) {
  const OpenView* v = s.leads.view_of(l.id);
  if (leaves && l.in_pool && v != nullptr) out.emplace_back(RevealEnded{l.id, v->by, "left_pool"});
}

Result<bool> pool_on(const State& s) {
  if (!s.settings[setting::pool_enabled]) {
    return reject(Code::pool_disabled, "the number pool is turned off");
  }
  return true;
}

// The pooled lead a sale may claim or view: in the pool and not theirs.
Result<const Lead*> pooled(const State& s, UserId actor, LeadId id) {
  if (auto r = authorize(s, actor, sales_only); !r) return r.error();
  if (auto r = pool_on(s); !r) return r.error();
  const Lead* l = s.leads.find(id);
  if (l == nullptr) return reject(Code::not_found, "no lead " + std::to_string(id));
  if (l->owner_id == actor) return reject(Code::conflict, "this lead is already yours");
  if (!l->in_pool) {
    if (l->owner_id != 0) {
      return reject(Code::already_claimed, "Another sale already handles this number");
    }
    return reject(Code::not_found, "lead " + std::to_string(id) + " is not in the pool");
  }
  return l;
}

Result<bool> check_quotas(const State& s, UserId actor, const Lead& l, Time now) {
  const std::int64_t daily = s.settings[setting::pool_daily_claim_limit];
  if (daily > 0) {
    auto it = s.leads.claims.find(actor);
    if (it != s.leads.claims.end() && it->second.day == local_day(s, now) &&
        it->second.count >= daily) {
      return reject(Code::quota_exceeded,
                    "daily claim limit reached: " + std::to_string(daily) + " claims a day");
    }
  }
  const std::int64_t held_max = s.settings[setting::pool_max_held_per_sale];
  if (held_max > 0) {
    auto it = s.leads.by_owner.find(actor);
    const auto held =
        it == s.leads.by_owner.end() ? 0 : static_cast<std::int64_t>(it->second.size());
    if (held >= held_max) {
      return reject(Code::quota_exceeded,
                    "holding limit reached: at most " + std::to_string(held_max) + " leads held");
    }
  }
  const Time cooldown = s.settings[setting::pool_reclaim_cooldown_minutes] * 60 * ms_per_s;
  if (cooldown > 0 && l.previous_owner == actor && now < l.lost_at + cooldown) {
    return reject(Code::quota_exceeded,
                  "reclaim cooldown: you may claim this lead back after " +
                      std::to_string((l.lost_at + cooldown - now + 59'999) / 60'000) + " min");
  }
  return true;
}

}  // namespace

// ---- decide ----
Result<Events> decide(const State& s, UserId actor, const ImportLeads& c, Time) {
  if (auto r = authorize(s, actor, managers); !r) return r.error();
  if (c.rows.empty()) return reject(Code::bad_request, "leads is empty");
  if (c.rows.size() > import_rows_max) {
    return reject(Code::bad_request,
                  "at most " + std::to_string(import_rows_max) + " leads in one import");
  }
  Events out;
  out.reserve(c.rows.size());
  std::vector<Problem> invalid;
  std::size_t invalid_count = 0;
  std::unordered_map<std::string, LeadId> in_file;
  LeadId next = s.leads.next_id();
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    auto row = import_row(s, c.rows[i], i);
    if (auto* p = std::get_if<Problem>(&row)) {
      if (++invalid_count <= import_problems_max) invalid.push_back(std::move(*p));
      continue;
    }
    LeadImported& e = std::get<LeadImported>(row);
    if (const LeadId repeated = repeated_lead(s, in_file, e.phone); repeated != 0) {
      if (c.on_duplicate == OnDuplicate::update) update_from_row(s, actor, repeated, e, out);
      continue;
    }
    e.lead_id = next++;
    in_file.emplace(e.phone, e.lead_id);
    out.emplace_back(std::move(e));
  }
  if (invalid_count > 0 && !c.skip_invalid) return refuse_rows(std::move(invalid), invalid_count);
  return out;
}

ImportReport report_import(const State& after, const ImportLeads& c, const Events& events) {
  ImportReport report;
  report.ids.assign(c.rows.size(), 0);
  auto next = events.begin();
  const auto next_import = [&]() -> const LeadImported* {
    while (next != events.end() && !std::holds_alternative<LeadImported>(next->base())) ++next;
    return next == events.end() ? nullptr : &std::get<LeadImported>(next->base());
  };
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    auto row = import_row(after, c.rows[i], i);
    if (auto* p = std::get_if<Problem>(&row)) {
      if (report.invalid.size() < import_problems_max) report.invalid.push_back(std::move(*p));
      continue;
    }
    const std::string& phone = std::get<LeadImported>(row).phone;
    const LeadImported* e = next_import();
    if (e != nullptr && e->phone == phone) {
      report.ids[i] = e->lead_id;
      ++next;
      continue;
    }
    const LeadId repeated = after.leads.by_phone.newest(phone_key(phone));
    const Lead* l = after.leads.find(repeated);
    report.duplicates.push_back({static_cast<std::int64_t>(i + 1), repeated, l ? l->owner_id : 0,
                                 c.on_duplicate == OnDuplicate::update});
  }
  return report;
}

Events lead_action(const State& s, UserId actor, const Lead& lead, const std::string& status,
                   const std::string& note) {
  const bool by_owner = lead.owner_id == actor;
  const bool status_leaves = !status.empty() && !status_floats(s, status);
  const bool leaves = lead.in_pool && (by_owner || status_leaves);
  Events out;
  end_view_if_leaving(s, lead, leaves, out);
  out.emplace_back(LeadActed{lead.id, actor, status, note, by_owner, leaves});
  return out;
}

Result<Events> decide(const State& s, UserId actor, const UpdateLead& c, Time) {
  auto l = workable(s, actor, c.lead_id);
  if (!l) return l.error();
  if (auto ok = check_status(s, c.status, "status"); !ok) return ok.error();
  if (auto ok = check_text(c.note, "note", note_bytes_max, false); !ok) return ok.error();
  return lead_action(s, actor, *l.value(), c.status, c.note);
}

Result<Events> decide(const State& s, UserId actor, const NoteLead& c, Time) {
  auto l = workable(s, actor, c.lead_id);
  if (!l) return l.error();
  if (auto ok = check_text(c.text, "text", note_bytes_max, true); !ok) return ok.error();
  return lead_action(s, actor, *l.value(), "", c.text);
}

Result<Events> decide(const State& s, UserId actor, const ReassignLead& c, Time) {
  if (auto r = authorize(s, actor, managers); !r) return r.error();
  const Lead* l = s.leads.find(c.lead_id);
  if (l == nullptr) return reject(Code::not_found, "no lead " + std::to_string(c.lead_id));
  if (c.owner_id != 0) {
    const User* u = s.users.find(c.owner_id);
    if (u == nullptr || !u->active) {
      return reject(Code::not_found, "no active user " + std::to_string(c.owner_id));
    }
    if (auto ok = check_owner(s, c.owner_id, "owner_id"); !ok) return ok.error();
  }
  if (l->owner_id == c.owner_id && !l->in_pool) return Events{};
  Events out;
  end_view_if_leaving(s, *l, true, out);
  out.emplace_back(LeadReassigned{l->id, c.owner_id, l->owner_id, l->in_pool});
  return out;
}

Result<Events> decide(const State& s, UserId actor, const ClaimLead& c, Time now) {
  auto l = pooled(s, actor, c.lead_id);
  if (!l) return l.error();
  const Lead& lead = *l.value();
  if (auto ok = check_quotas(s, actor, lead, now); !ok) return ok.error();
  Events out;
  if (const OpenView* v = s.leads.view_of(lead.id)) {
    out.emplace_back(RevealEnded{lead.id, v->by, "claim"});
  }
  out.emplace_back(LeadClaimed{lead.id, actor, lead.owner_id, local_day(s, now)});
  return out;
}

Result<Events> decide(const State& s, UserId actor, const RevealPhone& c, Time now) {
  auto l = pooled(s, actor, c.lead_id);
  if (!l) return l.error();
  const Lead& lead = *l.value();
  if (!s.settings[setting::pool_allow_reveal]) {
    return reject(Code::reveal_not_allowed, "the eye is turned off");
  }
  const OpenView* v = s.leads.view_of(lead.id);
  if (v != nullptr && v->by == actor) return Events{};  // already viewing it
  if (v != nullptr && v->expires_at > now) {
    return reject(Code::being_viewed, "Another sale is viewing this number, please choose another");
  }
  const Time cooldown = s.settings[setting::pool_reveal_cooldown_s] * ms_per_s;
  if (auto last = s.leads.last_reveal_at.find(actor);
      last != s.leads.last_reveal_at.end() && now < last->second + cooldown) {
    const std::int64_t wait_s = (last->second + cooldown - now + 999) / 1000;
    Error e = reject(Code::view_cooldown,
                     "wait " + std::to_string(wait_s) + " s before viewing another number");
    e.retry_after_s = wait_s;
    return e;
  }
  Events out;
  if (v != nullptr) out.emplace_back(RevealEnded{lead.id, v->by, "ttl"});
  if (auto mine = s.leads.view_by_user.find(actor); mine != s.leads.view_by_user.end()) {
    out.emplace_back(RevealEnded{mine->second, actor, "another"});
  }
  out.emplace_back(
      PhoneRevealed{lead.id, actor, now + s.settings[setting::pool_reveal_ttl_s] * ms_per_s});
  return out;
}

Result<Events> decide(const State& s, UserId actor, const HidePhone& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  if (s.leads.find(c.lead_id) == nullptr) {
    return reject(Code::not_found, "no lead " + std::to_string(c.lead_id));
  }
  const OpenView* v = s.leads.view_of(c.lead_id);
  if (v == nullptr || v->by != actor) return Events{};
  return Events{RevealEnded{c.lead_id, actor, "hide"}};
}

// A call on a lead: logged by its owner (or a manager) by hand, or from a PBX webhook. A call
// by a person is an action on the lead (its note, if any, goes with it); a PBX event is not,
// since the PBX reports calls already acted upon.
Result<Events> decide(const State& s, UserId actor, const LogCall& c, Time) {
  auto l = workable(s, actor, c.lead_id);
  if (!l) return l.error();
  if (c.call_id.empty()) return reject(Code::bad_request, "call_id is required");
  if (c.direction != "in" && c.direction != "out") {
    return reject(Code::bad_request, "direction must be in or out");
  }
  if (c.duration_s < 0 || c.duration_s > call_duration_s_max) {
    return reject(Code::bad_request,
                  "duration_s must be between 0 and " + std::to_string(call_duration_s_max));
  }
  if (auto ok = check_name(c.state, "outcome", call_outcome_bytes_max, false); !ok) {
    return ok.error();
  }
  if (auto ok = check_text(c.note, "note", note_bytes_max, false); !ok) return ok.error();
  const UserId by = c.agent != 0 ? c.agent : (actor != system_actor ? actor : l.value()->owner_id);
  Events out{
      LeadCalled{c.lead_id, by, c.call_id, c.direction, c.state, c.duration_s, c.recording_url}};
  if (actor == system_actor) return out;
  for (Event& e : lead_action(s, actor, *l.value(), "", c.note)) out.push_back(std::move(e));
  return out;
}

namespace {

// When a float candidate's time has come: at once with pool.float_all, else
// pool.float_after_minutes after its owner's last action. One rule for the timer's check and
// for the floating itself.
struct FloatRule {
  bool all;
  Time delay;
  explicit FloatRule(const State& s)
      : all(s.settings[setting::pool_float_all]),
        delay(s.settings[setting::pool_float_after_minutes] * 60 * ms_per_s) {}
  bool due(Time last_action, Time now) const { return all || last_action + delay <= now; }
};

}  // namespace

bool floating_due(const State& s, Time now) {
  if (!s.settings[setting::pool_enabled] || s.leads.candidates.empty()) return false;
  return FloatRule(s).due(s.leads.candidates.begin()->first, now);
}

bool views_due(const State& s, Time now) {
  return !s.leads.view_expiry.empty() && s.leads.view_expiry.begin()->first <= now;
}

Result<Events> decide(const State& s, UserId actor, const FloatDueLeads&, Time now) {
  if (actor != system_actor) return reject(Code::forbidden, "floating is the engine's");
  if (!s.settings[setting::pool_enabled]) return Events{};
  const FloatRule rule(s);
  Events out;
  for (const auto& [last_action, id] : s.leads.candidates) {
    if (out.size() >= float_per_tick_max) break;
    if (!rule.due(last_action, now)) break;
    out.emplace_back(LeadFloated{id});
  }
  return out;
}

Result<Events> decide(const State& s, UserId actor, const EndExpiredViews&, Time now) {
  if (actor != system_actor) return reject(Code::forbidden, "views end by the engine's timer");
  Events out;
  for (const auto& [expires, id] : s.leads.view_expiry) {
    if (expires > now) break;
    out.emplace_back(RevealEnded{id, s.leads.view_of(id)->by, "ttl"});
  }
  return out;
}

// A view cannot outlive the process that showed it: at start every open view ends, so a number
// a sale was viewing at a stop is not blocked for the others after the restart.
Result<Events> decide(const State& s, UserId actor, const EndAllViews&, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "views end at restart by the engine");
  Events out;
  for (const auto& [lead_id, view] : s.leads.views_by_lead) {
    out.emplace_back(RevealEnded{lead_id, view.by, "restart"});
  }
  return out;
}

Result<Events> decide(const State& s, UserId actor, const EndViewsOf& c, Time) {
  if (actor != system_actor) {
    return reject(Code::forbidden, "views end on disconnect by the engine");
  }
  auto it = s.leads.view_by_user.find(c.user_id);
  if (it == s.leads.view_by_user.end()) return Events{};
  return Events{RevealEnded{it->second, c.user_id, "disconnect"}};
}

namespace {

Events drain(const State& s, const std::string& status) {
  Events out;
  for (const auto& [lead_id, view] : s.leads.views_by_lead) {
    if (status.empty() || s.leads.text(s.leads.find(lead_id)->status) == status) {
      out.emplace_back(RevealEnded{lead_id, view.by, "left_pool"});
    }
  }
  out.emplace_back(PoolDrained{status});
  return out;
}

}  // namespace

Events drain_for_settings(const State& s, bool pool_enabled_after) {
  if (pool_enabled_after || s.leads.pool.empty()) return {};
  return drain(s, "");
}

Events drain_for_status(const State& s, const std::string& status, bool floats_after) {
  if (floats_after || s.leads.pool.empty()) return {};
  return drain(s, status);
}

}  // namespace salesdesk::core
