// The lead aggregate: the telesales work queue and the floating number pool (SPEC.md section 3,
// seed 000). A lead is a phone contact with one owner at most. When the pool is on, a lead whose
// status floats enters the pool after pool.float_after_minutes without an action by its owner
// (or at once with pool.float_all); any other sale may then claim it, first come first served.
// Phones in the pool are masked for sales; the eye reveals one number to one sale at a time.
//
// Time-driven changes (floating, the end of a view) are commands the engine issues to itself
// (FloatDueLeads, EndExpiredViews), so every change is a journaled event and replay never reads
// a clock. The indexes (pool by entry time, float candidates by last action, views by expiry,
// leads by owner and by phone) keep every timer tick and every pool draw away from a full scan.
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/common.hpp>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/catalog.hpp"
#include "core/chunked.hpp"
#include "core/customer.hpp"
#include "core/masking.hpp"
#include "core/phone.hpp"
#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

// ---- stream ----
inline std::string lead_stream(LeadId id) { return "lead:" + std::to_string(id); }

// ---- events ----
struct LeadImported {
  static constexpr std::uint16_t type_id = 110;
  static constexpr const char* name = "LeadImported";
  LeadId lead_id = 0;
  std::string phone;  // normalised
  std::string lead_name;
  std::string source;
  std::string product;
  std::string status;
  UserId owner_id = 0;
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(lead_id), CEREAL_NVP(phone), CEREAL_NVP(lead_name), CEREAL_NVP(source),
       CEREAL_NVP(product), CEREAL_NVP(status), CEREAL_NVP(owner_id));
  }
};

// An action on a lead: a status and/or a note. By its owner it restarts the float clock and
// takes the lead out of the pool.
struct LeadActed {
  static constexpr std::uint16_t type_id = 111;
  static constexpr const char* name = "LeadActed";
  LeadId lead_id = 0;
  UserId by = 0;
  std::string status;  // "" = unchanged
  std::string note;    // "" = none
  bool by_owner = false;
  bool left_pool = false;  // the action took the lead out of the pool
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(lead_id), CEREAL_NVP(by), CEREAL_NVP(status), CEREAL_NVP(note),
       CEREAL_NVP(by_owner), CEREAL_NVP(left_pool));
  }
};

struct LeadReassigned {
  static constexpr std::uint16_t type_id = 112;
  static constexpr const char* name = "LeadReassigned";
  LeadId lead_id = 0;
  UserId owner_id = 0;  // 0 = nobody
  UserId previous_owner = 0;
  bool left_pool = false;  // version 1: it was in the pool (version 0 events read false)
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t version) {
    ar(CEREAL_NVP(lead_id), CEREAL_NVP(owner_id), CEREAL_NVP(previous_owner));
    if (version >= 1) ar(CEREAL_NVP(left_pool));
  }
};

struct LeadFloated {
  static constexpr std::uint16_t type_id = 113;
  static constexpr const char* name = "LeadFloated";
  LeadId lead_id = 0;
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) { ar(CEREAL_NVP(lead_id)); }
};

// Leads leave the pool without a claim: the pool was turned off (status ""), or a status stopped
// floating (its code).
struct PoolDrained {
  static constexpr std::uint16_t type_id = 114;
  static constexpr const char* name = "PoolDrained";
  std::string status;
  std::string stream() const { return "pool"; }
  template <class A>
  void serialize(A& ar, std::uint32_t) { ar(CEREAL_NVP(status)); }
};

struct LeadClaimed {
  static constexpr std::uint16_t type_id = 115;
  static constexpr const char* name = "LeadClaimed";
  LeadId lead_id = 0;
  UserId by = 0;
  UserId previous_owner = 0;
  std::int64_t day = 0;  // the unit's local day of the claim, for the daily limit
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(lead_id), CEREAL_NVP(by), CEREAL_NVP(previous_owner), CEREAL_NVP(day));
  }
};

struct PhoneRevealed {
  static constexpr std::uint16_t type_id = 116;
  static constexpr const char* name = "PhoneRevealed";
  LeadId lead_id = 0;
  UserId by = 0;
  Time expires_at = 0;
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(lead_id), CEREAL_NVP(by), CEREAL_NVP(expires_at));
  }
};

struct RevealEnded {
  static constexpr std::uint16_t type_id = 117;
  static constexpr const char* name = "RevealEnded";
  LeadId lead_id = 0;
  UserId by = 0;
  std::string reason;  // "hide", "claim", "another", "disconnect", "ttl", "left_pool", "restart"
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(lead_id), CEREAL_NVP(by), CEREAL_NVP(reason));
  }
};

// An import row that repeated a lead's phone, with on_duplicate "update": the lead's name,
// source and product as the row gives them (status and owner changes are LeadActed and
// LeadReassigned beside it).
struct LeadDetailsChanged {
  static constexpr std::uint16_t type_id = 119;
  static constexpr const char* name = "LeadDetailsChanged";
  LeadId lead_id = 0;
  UserId by = 0;
  std::string lead_name;
  std::string source;
  std::string product;
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(lead_id), CEREAL_NVP(by), CEREAL_NVP(lead_name), CEREAL_NVP(source),
       CEREAL_NVP(product));
  }
};

// A call on a lead, from the PBX adapter (or logged by hand).
struct LeadCalled {
  static constexpr std::uint16_t type_id = 118;
  static constexpr const char* name = "LeadCalled";
  LeadId lead_id = 0;
  UserId by = 0;
  std::string call_id;
  std::string direction;  // "out" or "in"
  std::string state;      // "ringing", "answered", "hangup", "missed"
  std::int64_t duration_s = 0;
  std::string recording_url;
  std::string stream() const { return lead_stream(lead_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(lead_id), CEREAL_NVP(by), CEREAL_NVP(call_id), CEREAL_NVP(direction),
       CEREAL_NVP(state), CEREAL_NVP(duration_s), CEREAL_NVP(recording_url));
  }
};

// ---- state ----
struct View {
  UserId by = 0;
  Time at = 0;
  template <class A>
  void serialize(A& ar) { ar(by, at); }
};

struct Call {
  UserId by = 0;
  Time at = 0;
  std::string call_id;
  std::string direction;
  std::string state;
  std::int64_t duration_s = 0;
  std::string recording_url;
  template <class A>
  void serialize(A& ar) { ar(by, at, call_id, direction, state, duration_s, recording_url); }
};

// What was written on a lead: kept apart from Lead, since most leads have none of it.
struct LeadHistory {
  std::vector<Note> notes;
  std::vector<View> views;
  std::vector<Call> calls;
  template <class A>
  void serialize(A& ar) { ar(notes, views, calls); }
};

// Statuses, sources and products of leads, each text stored once; a lead holds their numbers.
enum class TextId : std::uint32_t {};

class TextTable {
 public:
  TextTable() { intern(""); }
  TextId intern(const std::string& text);
  std::optional<TextId> find(const std::string& text) const;
  const std::string& text(TextId id) const { return texts_.at(static_cast<std::size_t>(id)); }
  std::size_t size() const { return texts_.size(); }
  template <class A>
  void save(A& ar) const { ar(texts_); }
  template <class A>
  void load(A& ar);

 private:
  std::vector<std::string> texts_;
  std::unordered_map<std::string, TextId> ids_;
};

// One lead in 112 bytes (plus its name's letters past 15): a million leads are a unit's
// working set, so texts are numbers in a TextTable, the phone is a PhoneKey and the history
// lives in Leads::histories.
struct Lead {
  LeadId id = 0;
  PhoneKey phone = PhoneKey::none;  // phone_text(phone) is the normalised phone
  std::string name;
  UserId owner_id = 0;
  UserId previous_owner = 0;  // who lost it to the last claim, and when (reclaim cooldown)
  Time last_action_at = 0;
  Time entered_pool_at = 0;
  Time lost_at = 0;
  TextId source{};
  TextId product{};
  TextId status{};
  std::uint32_t history = 0;          // 1 + its index in Leads::histories; 0: nothing written yet
  std::uint32_t next_same_phone = 0;  // the next older lead with this phone (an index, not saved)
  bool in_pool = false;
  bool claimed_idle = false;  // claimed and not yet acted on by the new owner: does not float
  template <class A>
  void serialize(A& ar) {
    ar(id, phone, name, owner_id, previous_owner, last_action_at, entered_pool_at, lost_at, source,
       product, status, history, in_pool, claimed_idle);
  }
};

// The open view of one number by one sale.
struct OpenView {
  LeadId lead_id = 0;
  UserId by = 0;
  Time expires_at = 0;
  template <class A>
  void serialize(A& ar) { ar(lead_id, by, expires_at); }
};

struct ClaimCount {
  std::int64_t day = 0;
  std::int64_t count = 0;
  template <class A>
  void serialize(A& ar) { ar(day, count); }
};

// Leads by phone: the newest lead with each phone; older ones are chained through
// Lead::next_same_phone. The map is split in 256 by the phone's low bits, so growing it rehashes
// a 256th of the phones at a time (one map of a million phones stalled the engine 190-270 ms).
class PhoneIndex {
 public:
  LeadId newest(PhoneKey phone) const;
  // Makes `id` the newest lead with `phone`; returns the one it follows (0: none).
  LeadId link(PhoneKey phone, LeadId id);
  std::size_t size() const;
  void clear();

 private:
  static constexpr std::size_t shards = 256;
  std::array<std::unordered_map<PhoneKey, LeadId>, shards> shards_;
};

// pool.query's filters, indexed over the leads in the pool: the folded words of their names
// (q matches words by prefix) and their source, product and status. Each key lists the pooled
// leads by entry into the pool, oldest first. A lead that leaves is not erased at once (that would
// move a long vector per claim): its entry goes stale, draws skip it, and a posting is compacted
// when half of it is stale.
using PoolKey = std::pair<Time, LeadId>;

struct Posting {
  std::vector<PoolKey> keys;  // sorted
  std::size_t stale = 0;
};

struct PoolIndex {
  std::map<std::string, Posting, std::less<>> postings;
};

// What the pool index knows of a lead.
struct PoolSlot {
  bool in_pool = false;
  Time entered_pool_at = 0;
  TextId source{};
  TextId product{};
  TextId status{};
  static PoolSlot of(const Lead& l) {
    return {l.in_pool, l.entered_pool_at, l.source, l.product, l.status};
  }
  bool operator==(const PoolSlot&) const = default;
};

struct Leads;
// Keep Leads::pool_index right (pool_draw.cpp): a pooled lead enters it (rebuilding the index);
// a lead that `was` so (its name never changes) is now as it is.
void pool_index_enter(Leads& leads, const Lead& l);
void pool_index_change(Leads& leads, const Lead& l, const PoolSlot& was);

struct Leads {
  ChunkedVector<Lead> by_id;  // index = id - 1
  TextTable texts;
  ChunkedVector<LeadHistory> histories;
  // Indexes, rebuilt from by_id and the maps below on load.
  PhoneIndex by_phone;
  std::map<UserId, std::set<LeadId>> by_owner;
  std::set<PoolKey> pool;                         // by entered_pool_at, oldest first
  std::set<std::pair<Time, LeadId>> candidates;   // may float: by last_action_at
  std::set<std::pair<Time, LeadId>> view_expiry;  // open views by expires_at
  PoolIndex pool_index;
  // Kept in snapshots.
  std::map<LeadId, OpenView> views_by_lead;
  std::map<UserId, LeadId> view_by_user;
  std::map<UserId, Time> last_reveal_at;
  std::map<UserId, ClaimCount> claims;

  const Lead* find(LeadId id) const;
  Lead* find(LeadId id);
  LeadId next_id() const { return static_cast<LeadId>(by_id.size()) + 1; }
  const OpenView* view_of(LeadId id) const;
  const std::string& text(TextId id) const { return texts.text(id); }
  // What was written on a lead (empty if nothing).
  const LeadHistory& history(const Lead& l) const;
  LeadHistory& history_for(Lead& l);
  // Calls f(lead) for every lead with this phone, newest first, while f returns true.
  template <class F>
  void each_with_phone(PhoneKey phone, F&& f) const {
    for (LeadId id = by_phone.newest(phone); id != 0; id = find(id)->next_same_phone) {
      if (!f(*find(id))) return;
    }
  }

  // Snapshots keep the leads and the views; the indexes are rebuilt (rebuild_lead_indexes).
  template <class A>
  void save(A& ar) const {
    ar(by_id, texts, histories, views_by_lead, view_by_user, last_reveal_at, claims);
  }
  template <class A>
  void load(A& ar) {
    ar(by_id, texts, histories, views_by_lead, view_by_user, last_reveal_at, claims);
  }
};

template <class A>
void TextTable::load(A& ar) {
  ar(texts_);
  ids_.clear();
  for (std::size_t i = 0; i < texts_.size(); ++i) {
    ids_.emplace(texts_[i], TextId{static_cast<std::uint32_t>(i)});
  }
}

// The normalised phone of a lead.
inline std::string phone_of(const Lead& l) { return phone_text(l.phone); }

// ---- evolve ----
// Leads evolve against the whole state (LeadArea::fold), so their evolve has its own name:
// evolve(State&, const Event&, Time) is the dispatcher of every event.
void evolve_leads(State& s, const LeadImported& e, Time at);
void evolve_leads(State& s, const LeadActed& e, Time at);
void evolve_leads(State& s, const LeadReassigned& e, Time at);
void evolve_leads(State& s, const LeadFloated& e, Time at);
void evolve_leads(State& s, const PoolDrained& e, Time at);
void evolve_leads(State& s, const LeadClaimed& e, Time at);
void evolve_leads(State& s, const PhoneRevealed& e, Time at);
void evolve_leads(State& s, const RevealEnded& e, Time at);
void evolve_leads(State& s, const LeadCalled& e, Time at);
void evolve_leads(State& s, const LeadDetailsChanged& e, Time at);
// Re-derives the float candidates after a status's tick changed.
void reindex_candidates(State& s);
// Rebuilds every lead index from the leads and open views (after loading a snapshot).
void rebuild_lead_indexes(State& s);

// ---- commands and decide ----
constexpr std::size_t import_rows_max = 100'000;
constexpr std::size_t lead_text_bytes_max = 200;
constexpr std::size_t float_per_tick_max = 10'000;

struct LeadRow {
  std::string phone;
  std::string lead_name;
  std::string source;
  std::string product;
  std::string status;  // "" = "new"
  UserId owner_id = 0;
};

// What an import does with a row whose phone already belongs to a lead (in the unit, or an
// earlier row of the same import): leave it out and report it, or update that lead.
enum class OnDuplicate : std::uint8_t { skip, update };
constexpr std::size_t import_problems_max = 1000;  // invalid rows listed in one answer

struct ImportLeads {
  std::vector<LeadRow> rows;
  OnDuplicate on_duplicate = OnDuplicate::skip;
  bool skip_invalid = false;  // import the good rows and report the others
};

// What became of each row of an import, rebuilt after it from its events (report_import).
struct ImportReport {
  struct Duplicate {
    std::int64_t row = 0;  // 1-based
    LeadId lead_id = 0;
    UserId owner_id = 0;
    bool updated = false;
  };
  std::vector<LeadId> ids;  // by row; 0 = not imported
  std::vector<Duplicate> duplicates;
  std::vector<Problem> invalid;
};
ImportReport report_import(const State& after, const ImportLeads& c, const Events& events);

struct UpdateLead {
  LeadId lead_id = 0;
  std::string status;  // required
  std::string note;
};

struct NoteLead {
  LeadId lead_id = 0;
  std::string text;
};

struct ReassignLead {
  LeadId lead_id = 0;
  UserId owner_id = 0;
};

struct ClaimLead {
  LeadId lead_id = 0;
};

struct RevealPhone {
  LeadId lead_id = 0;
};

struct HidePhone {
  LeadId lead_id = 0;
};

constexpr std::int64_t call_duration_s_max = 86'400;
constexpr std::size_t call_outcome_bytes_max = 100;

struct LogCall {
  LeadId lead_id = 0;
  std::string call_id;
  std::string direction;
  std::string state;  // the outcome: "answered", "no_answer", "busy", ... (free text by hand)
  std::int64_t duration_s = 0;
  std::string recording_url;
  UserId agent = 0;  // who made or took the call (0: the lead's owner)
  std::string note;  // logged by hand: what was said
};

// Timers and connection events, issued by the engine.
struct FloatDueLeads {};
struct EndExpiredViews {};
struct EndAllViews {};  // the server (re)started
struct EndViewsOf {
  UserId user_id = 0;  // the sale's last connection closed
};

Result<Events> decide(const State& s, UserId actor, const ImportLeads& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpdateLead& c, Time now);
Result<Events> decide(const State& s, UserId actor, const NoteLead& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ReassignLead& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ClaimLead& c, Time now);
Result<Events> decide(const State& s, UserId actor, const RevealPhone& c, Time now);
Result<Events> decide(const State& s, UserId actor, const HidePhone& c, Time now);
Result<Events> decide(const State& s, UserId actor, const LogCall& c, Time now);
Result<Events> decide(const State& s, UserId actor, const FloatDueLeads& c, Time now);
// Whether the pool's timers have anything to do at `now`: a lead to float, a view to end.
bool floating_due(const State& s, Time now);
bool views_due(const State& s, Time now);
Result<Events> decide(const State& s, UserId actor, const EndExpiredViews& c, Time now);
Result<Events> decide(const State& s, UserId actor, const EndViewsOf& c, Time now);
Result<Events> decide(const State& s, UserId actor, const EndAllViews& c, Time now);

// The events that empty the pool when it is turned off, or that take a status's leads out when
// the status stops floating: a RevealEnded for each open view of a leaving lead, then
// PoolDrained. Called by the settings and catalog deciders; empty when nothing leaves.
Events drain_for_settings(const State& s, bool pool_enabled_after);
Events drain_for_status(const State& s, const std::string& status, bool floats_after);

// An action on a lead by `actor` (a status and/or a note; "" = none): by its owner it restarts
// the float clock and takes it out of the pool; a status that does not float takes it out too.
Events lead_action(const State& s, UserId actor, const Lead& lead, const std::string& status,
                   const std::string& note);

// ---- queries ----
// Whether the viewer may work the lead: its owner, a manager or admin.
bool may_work(const State& s, UserId viewer, const Lead& l);
// The unit's local day of a time (settings unit.utc_offset_minutes).
std::int64_t local_day(const State& s, Time t);

struct PoolFilter {
  std::optional<std::string> source;
  std::optional<std::string> product;
  std::optional<std::string> status;
  std::optional<std::string> q;  // words of the name
  std::optional<Time> entered_from;
  std::optional<Time> entered_to;
  bool operator==(const PoolFilter&) const = default;
};

// The leads of the pool a sale may be shown that match, oldest in the pool first, at most
// `limit` (the sale's own leads are never shown to them).
std::vector<LeadId> draw_pool(const State& s, UserId viewer, const PoolFilter& f,
                              std::size_t limit);

// The batch a sale sees for pool.batch_window_s. Within its window a draw is shown again, less
// the leads that left; a draw short of pool.batch_size is topped up by leads that entered the
// pool during the window (oldest first), so a sale who opened an empty pool sees what floats in
// at once; a window never shows more than pool.batch_size distinct leads. A new filter, or the
// end of the window, draws afresh.
struct PoolDraw {
  PoolFilter filter;
  Time made_at = 0;
  Time window_ends_at = 0;
  std::vector<LeadId> ids;
};

// Every sale's current draw: state of the pool module that is not journaled (the engine owns
// one; a restart forgets them all, so each sale's next query draws afresh).
class PoolDraws {
 public:
  const PoolDraw& draw_for(const State& s, UserId viewer, const PoolFilter& f, Time now);
  std::size_t size() const { return by_sale_.size(); }

 private:
  std::unordered_map<UserId, PoolDraw> by_sale_;
};

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct LeadArea {
  using EventTypes =
      TypeList<LeadImported, LeadActed, LeadReassigned, LeadFloated, PoolDrained, LeadClaimed,
               PhoneRevealed, RevealEnded, LeadCalled, LeadDetailsChanged>;
  using CommandTypes =
      TypeList<ImportLeads, UpdateLead, NoteLead, ReassignLead, ClaimLead, RevealPhone, HidePhone,
               LogCall, FloatDueLeads, EndExpiredViews, EndViewsOf, EndAllViews>;
  Leads leads;
  static constexpr auto projection = &LeadArea::leads;

  // Leads fold against the whole state: whether a lead may float depends on its status's tick.
  template <class S, class E>
  static void fold(S& s, const E& e, Time at) {
    evolve_leads(s, e, at);
  }
  // A status's float tick decides which leads may float.
  template <class S>
  static void react(S& s, const StatusUpserted&) {
    reindex_candidates(s);
  }
  // A snapshot keeps the leads and the views; the indexes are rebuilt.
  template <class S>
  static void loaded(S& s) {
    rebuild_lead_indexes(s);
  }
  // The timers: leads whose time has come float, views past their TTL end.
  template <class S, class Out>
  static void due(const S& s, Time now, Out& out) {
    if (floating_due(s, now)) out.emplace_back(FloatDueLeads{});
    if (views_due(s, now)) out.emplace_back(EndExpiredViews{});
  }
};

}  // namespace salesdesk::core

CEREAL_CLASS_VERSION(salesdesk::core::LeadReassigned, 1);
