// The pool index and the draw (pool.query): which pooled leads a sale is shown, oldest in the pool
// first. With no filter the draw walks Leads::pool; with filters it joins the filters' postings,
// each cursor leaping to the next entry the others have, so a filter that matches nothing costs
// nothing and a rare combination costs about as many steps as it has matches.
#include <algorithm>
#include <iterator>
#include <limits>
#include <queue>
#include <tuple>

#include "core/lead.hpp"
#include "core/state.hpp"
#include "core/text.hpp"

namespace salesdesk::core {
namespace {

// What an attribute filter matches: the texts (sources, products, statuses as leads carry them)
// the filter stands for.
using TextSet = std::vector<TextId>;  // sorted

// Attribute keys start with a byte no folded word has, so q's prefixes never reach them.
std::string attribute_key(char kind, TextId id) {
  std::string key{'\x01', kind};
  const auto n = static_cast<std::uint32_t>(id);
  for (int shift = 24; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  return key;
}

std::vector<std::string> distinct_words(const std::string& name) {
  auto out = words(name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> pool_keys(const std::string& name, const PoolSlot& slot) {
  auto keys = distinct_words(name);
  keys.push_back(attribute_key('s', slot.source));
  keys.push_back(attribute_key('p', slot.product));
  keys.push_back(attribute_key('t', slot.status));
  return keys;
}

// Whether a posting's entry still stands for a lead in the pool with that key.
bool current(const Leads& leads, const std::string& posting_key, const PoolKey& entry) {
  const Lead* l = leads.find(entry.second);
  if (l == nullptr || !l->in_pool || l->entered_pool_at != entry.first) return false;
  if (posting_key.empty() || posting_key[0] != '\x01') return true;  // a name never changes
  const PoolSlot slot = PoolSlot::of(*l);
  return posting_key == attribute_key('s', slot.source) ||
         posting_key == attribute_key('p', slot.product) ||
         posting_key == attribute_key('t', slot.status);
}

}  // namespace

namespace {

void enter_keys(Leads& leads, const PoolKey& entry, std::vector<std::string> keys) {
  for (std::string& key : keys) {
    Posting& p = leads.pool_index.postings[std::move(key)];
    if (p.keys.empty() || p.keys.back() < entry) {
      p.keys.push_back(entry);
    } else if (p.keys.back() == entry) {
      p.stale -= p.stale > 0 ? 1 : 0;  // it left and came back within the same millisecond
    } else {
      p.keys.insert(std::upper_bound(p.keys.begin(), p.keys.end(), entry), entry);
    }
  }
}

void leave_keys(Leads& leads, const PoolKey& entry, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    auto it = leads.pool_index.postings.find(key);
    if (it == leads.pool_index.postings.end()) continue;
    Posting& p = it->second;
    p.stale += 1;
    if (p.stale * 2 < p.keys.size() + 64) continue;
    std::erase_if(p.keys, [&](const PoolKey& k) { return k == entry || !current(leads, key, k); });
    p.stale = 0;
    if (p.keys.empty()) leads.pool_index.postings.erase(it);
  }
}

}  // namespace

void pool_index_enter(Leads& leads, const Lead& l) {
  enter_keys(leads, {l.entered_pool_at, l.id}, pool_keys(l.name, PoolSlot::of(l)));
}

void pool_index_change(Leads& leads, const Lead& l, const PoolSlot& was) {
  const PoolSlot now = PoolSlot::of(l);
  std::vector<std::string> leaving =
      was.in_pool ? pool_keys(l.name, was) : std::vector<std::string>{};
  std::vector<std::string> entering =
      now.in_pool ? pool_keys(l.name, now) : std::vector<std::string>{};
  if (was.in_pool && now.in_pool && was.entered_pool_at == now.entered_pool_at) {
    // Still in the pool with the same entry: only the keys that changed (a status, say) move.
    std::sort(leaving.begin(), leaving.end());
    std::sort(entering.begin(), entering.end());
    std::vector<std::string> gone, added;
    std::set_difference(leaving.begin(), leaving.end(), entering.begin(), entering.end(),
                        std::back_inserter(gone));
    std::set_difference(entering.begin(), entering.end(), leaving.begin(), leaving.end(),
                        std::back_inserter(added));
    leaving = std::move(gone);
    entering = std::move(added);
  }
  leave_keys(leads, {was.entered_pool_at, l.id}, leaving);
  enter_keys(leads, {now.entered_pool_at, l.id}, std::move(entering));
}

namespace {

// The entries of the postings one filter matches (one posting for an attribute, every word with
// the prefix for a q word), walked in order: seek(k) gives the first entry at or after k.
class Cursor {
 public:
  void add(const Posting& p) {
    if (!p.keys.empty()) heads_.push({p.keys.begin(), p.keys.end()});
  }
  bool empty() const { return heads_.empty(); }
  std::optional<PoolKey> seek(const PoolKey& k) {
    while (!heads_.empty() && *heads_.top().at < k) {
      Head h = heads_.top();
      heads_.pop();
      h.at = std::lower_bound(h.at, h.end, k);
      if (h.at != h.end) heads_.push(h);
    }
    if (heads_.empty()) return std::nullopt;
    return *heads_.top().at;
  }

 private:
  using It = std::vector<PoolKey>::const_iterator;
  struct Head {
    It at, end;
    bool operator<(const Head& o) const { return *o.at < *at; }  // the smallest on top
  };
  std::priority_queue<Head> heads_;
};

Cursor attribute_cursor(const PoolIndex& index, char kind, const TextSet& ids) {
  Cursor out;
  for (TextId id : ids) {
    if (auto it = index.postings.find(attribute_key(kind, id)); it != index.postings.end()) {
      out.add(it->second);
    }
  }
  return out;
}

Cursor word_cursor(const PoolIndex& index, const std::string& prefix) {
  Cursor out;
  for (auto it = index.postings.lower_bound(prefix);
       it != index.postings.end() && it->first.starts_with(prefix); ++it) {
    out.add(it->second);
  }
  return out;
}

// The next entry at or after `key` that every cursor has (a leapfrog join).
std::optional<PoolKey> next_in_all(std::vector<Cursor>& cursors, PoolKey key) {
  std::size_t agreeing = 0;
  for (std::size_t i = 0; agreeing < cursors.size(); i = (i + 1) % cursors.size()) {
    const auto k = cursors[i].seek(key);
    if (!k) return std::nullopt;
    if (*k == key) {
      ++agreeing;
    } else {
      key = *k;
      agreeing = 1;
    }
  }
  return key;
}

struct Wanted {
  std::optional<TextSet> source, product, status;
};

bool in(const std::optional<TextSet>& set, TextId id) {
  return !set || std::binary_search(set->begin(), set->end(), id);
}

bool attributes_match(const Lead& l, const Wanted& w) {
  return in(w.source, l.source) && in(w.product, l.product) && in(w.status, l.status);
}

// Whether every word of the filter begins a word of the text ("kem dưỡng" and "Kem" match
// "Kem dưỡng da"; "FB" matches "fb"): case- and accent-insensitive, words by prefix.
bool words_begin(const std::vector<std::string>& wanted, const std::string& text) {
  const auto have = words(text);
  return std::all_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
    return std::any_of(have.begin(), have.end(),
                       [&](const std::string& h) { return h.starts_with(w); });
  });
}

// The catalog's name of a code a lead carries ("fb" -> "Facebook"), or "".
std::string catalog_name(const State& s, char kind, const std::string& code) {
  if (kind == 's') {
    auto it = s.catalog.sources.find(code);
    return it == s.catalog.sources.end() ? "" : it->second.name;
  }
  if (kind == 'p') {
    auto it = s.catalog.products.find(code);
    return it == s.catalog.products.end() ? "" : it->second.name;
  }
  auto it = s.catalog.statuses.find(code);
  return it == s.catalog.statuses.end() ? "" : it->second.name;
}

// The texts a filter value stands for: each text leads carry whose words, or whose catalog
// name's words, begin with the value's words. The table holds only the distinct sources,
// products and statuses ever imported, so a walk of it is short.
TextSet matching_texts(const State& s, char kind, const std::string& value) {
  TextSet out;
  const auto wanted = words(value);
  if (wanted.empty()) return out;
  for (std::size_t i = 1; i < s.leads.texts.size(); ++i) {
    const auto id = TextId{static_cast<std::uint32_t>(i)};
    const std::string& text = s.leads.texts.text(id);
    if (words_begin(wanted, text) || words_begin(wanted, catalog_name(s, kind, text))) {
      out.push_back(id);
    }
  }
  return out;
}

}  // namespace

std::vector<LeadId> draw_pool(const State& s, UserId viewer, const PoolFilter& f,
                              std::size_t limit) {
  const Leads& leads = s.leads;
  std::vector<LeadId> out;
  Wanted want;
  for (auto [kind, text, slot] : {std::tuple{'s', &f.source, &want.source},
                                  {'p', &f.product, &want.product},
                                  {'t', &f.status, &want.status}}) {
    if (!*text) continue;
    *slot = matching_texts(s, kind, **text);
    if ((*slot)->empty()) return out;  // no lead ever had it
  }
  const Time from = f.entered_from.value_or(std::numeric_limits<Time>::min());
  const Time to = f.entered_to.value_or(std::numeric_limits<Time>::max());

  std::vector<Cursor> cursors;
  if (want.source) cursors.push_back(attribute_cursor(leads.pool_index, 's', *want.source));
  if (want.product) cursors.push_back(attribute_cursor(leads.pool_index, 'p', *want.product));
  if (want.status) cursors.push_back(attribute_cursor(leads.pool_index, 't', *want.status));
  if (f.q) {
    for (const std::string& w : words(*f.q)) cursors.push_back(word_cursor(leads.pool_index, w));
  }

  if (cursors.empty()) {
    for (auto it = leads.pool.lower_bound({from, 0}); it != leads.pool.end() && out.size() < limit;
         ++it) {
      if (it->first > to) break;
      if (leads.find(it->second)->owner_id != viewer) out.push_back(it->second);
    }
    return out;
  }
  PoolKey key{from, 0};
  while (out.size() < limit) {
    const auto found = next_in_all(cursors, key);
    if (!found || found->first > to) break;
    const Lead& l = *leads.find(found->second);
    // A stale entry (the lead left, or came back later) or an attribute changed since: skip it.
    if (l.in_pool && l.entered_pool_at == found->first && l.owner_id != viewer &&
        attributes_match(l, want)) {
      out.push_back(l.id);
    }
    key = {found->first, found->second + 1};
  }
  return out;
}

namespace {

void top_up(const State& s, UserId viewer, PoolDraw& d, std::size_t size) {
  if (d.ids.size() >= size) return;
  PoolFilter entered_since = d.filter;
  entered_since.entered_from = std::max(d.filter.entered_from.value_or(0), d.made_at);
  for (LeadId id : draw_pool(s, viewer, entered_since, size)) {
    if (d.ids.size() >= size) break;
    if (std::find(d.ids.begin(), d.ids.end(), id) == d.ids.end()) d.ids.push_back(id);
  }
}

}  // namespace

const PoolDraw& PoolDraws::draw_for(const State& s, UserId viewer, const PoolFilter& f, Time now) {
  PoolDraw& d = by_sale_[viewer];
  const auto size = static_cast<std::size_t>(s.settings[setting::pool_batch_size]);
  if (d.window_ends_at <= now || !(d.filter == f)) {
    const Time window = s.settings[setting::pool_batch_window_s] * ms_per_s;
    d = PoolDraw{f, now, now + window, draw_pool(s, viewer, f, size)};
  } else {
    top_up(s, viewer, d, size);
  }
  return d;
}

}  // namespace salesdesk::core
