// The pool index and the draw (pool.query): which pooled leads a sale is shown, oldest in the pool
// first. With no filter the draw walks Leads::pool; with filters it walks the smallest of the
// filters' postings and checks the others on each lead it meets, so a filter that matches nothing
// costs nothing and one that matches little costs little.
#include <algorithm>
#include <limits>
#include <queue>

#include "core/lead.hpp"
#include "core/state.hpp"
#include "core/text.hpp"

namespace salesdesk::core {
namespace {

// Attribute keys start with a byte no folded word has, so q's prefixes never reach them.
std::string attribute_key(char kind, TextId id) {
  std::string key{'\x01', kind};
  const auto n = static_cast<std::uint32_t>(id);
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>((n >> shift) & 0xff));
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
  return posting_key == attribute_key('s', slot.source) || posting_key == attribute_key('p', slot.product) ||
         posting_key == attribute_key('t', slot.status);
}

}  // namespace

void pool_index_enter(Leads& leads, const Lead& l) {
  const PoolKey entry{l.entered_pool_at, l.id};
  for (std::string& key : pool_keys(l.name, PoolSlot::of(l))) {
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

void pool_index_leave(Leads& leads, const Lead& l, const PoolSlot& was) {
  const PoolKey entry{was.entered_pool_at, l.id};
  for (const std::string& key : pool_keys(l.name, was)) {
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

namespace {

// The postings one filter matches: one for an attribute, every word with the prefix for a q word.
struct Stream {
  std::vector<const Posting*> postings;
  std::size_t size = 0;  // entries, stale ones included
  bool is_word = false;
};

Stream attribute_stream(const PoolIndex& index, char kind, TextId id) {
  Stream out;
  auto it = index.postings.find(attribute_key(kind, id));
  if (it != index.postings.end()) {
    out.postings.push_back(&it->second);
    out.size = it->second.keys.size();
  }
  return out;
}

Stream word_stream(const PoolIndex& index, const std::string& prefix) {
  Stream out;
  out.is_word = true;
  for (auto it = index.postings.lower_bound(prefix); it != index.postings.end() && it->first.starts_with(prefix); ++it) {
    out.postings.push_back(&it->second);
    out.size += it->second.keys.size();
  }
  return out;
}

// Walks the entries of some postings in order from `from`, each distinct entry once.
class Merge {
 public:
  Merge(const Stream& s, const PoolKey& from) {
    for (const Posting* p : s.postings) {
      auto it = std::lower_bound(p->keys.begin(), p->keys.end(), from);
      if (it != p->keys.end()) heads_.push({it, p->keys.end()});
    }
  }
  std::optional<PoolKey> next() {
    while (!heads_.empty()) {
      Head h = heads_.top();
      heads_.pop();
      const PoolKey k = *h.at;
      if (++h.at != h.end) heads_.push(h);
      if (last_ == k) continue;
      last_ = k;
      return k;
    }
    return std::nullopt;
  }

 private:
  using It = std::vector<PoolKey>::const_iterator;
  struct Head {
    It at, end;
    bool operator<(const Head& o) const { return *o.at < *at; }  // the smallest on top
  };
  std::priority_queue<Head> heads_;
  PoolKey last_{std::numeric_limits<Time>::min(), 0};  // no lead has id 0
};

struct Wanted {
  std::optional<TextId> source, product, status;
  std::vector<std::string> words;
};

bool name_matches(const std::string& name, const std::vector<std::string>& query_words) {
  if (query_words.empty()) return true;
  const auto name_words = words(name);
  return std::all_of(query_words.begin(), query_words.end(), [&](const std::string& q) {
    return std::any_of(name_words.begin(), name_words.end(), [&](const std::string& w) { return w.starts_with(q); });
  });
}

bool attributes_match(const Lead& l, const Wanted& w) {
  return (!w.source || l.source == *w.source) && (!w.product || l.product == *w.product) &&
         (!w.status || l.status == *w.status);
}

}  // namespace

std::vector<LeadId> draw_pool(const State& s, UserId viewer, const PoolFilter& f, std::size_t limit) {
  const Leads& leads = s.leads;
  std::vector<LeadId> out;
  Wanted want;
  for (auto [text, slot] : {std::pair{&f.source, &want.source}, {&f.product, &want.product}, {&f.status, &want.status}}) {
    if (!*text) continue;
    *slot = leads.texts.find(**text);
    if (!*slot) return out;  // no lead ever had it
  }
  if (f.q) want.words = words(*f.q);
  const Time from = f.entered_from.value_or(std::numeric_limits<Time>::min());
  const Time to = f.entered_to.value_or(std::numeric_limits<Time>::max());
  const auto take = [&](const Lead& l, bool check_words) {
    if (l.owner_id == viewer || !attributes_match(l, want)) return;
    if (check_words && !name_matches(l.name, want.words)) return;
    out.push_back(l.id);
  };

  std::vector<Stream> streams;
  if (want.source) streams.push_back(attribute_stream(leads.pool_index, 's', *want.source));
  if (want.product) streams.push_back(attribute_stream(leads.pool_index, 'p', *want.product));
  if (want.status) streams.push_back(attribute_stream(leads.pool_index, 't', *want.status));
  for (const std::string& w : want.words) streams.push_back(word_stream(leads.pool_index, w));

  if (streams.empty()) {
    for (auto it = leads.pool.lower_bound({from, 0}); it != leads.pool.end() && out.size() < limit; ++it) {
      if (it->first > to) break;
      take(*leads.find(it->second), false);
    }
    return out;
  }
  const Stream& driver = *std::min_element(streams.begin(), streams.end(),
                                           [](const Stream& a, const Stream& b) { return a.size < b.size; });
  // The names need reading unless the only word is the one the driver walks.
  const bool check_words = want.words.size() > (driver.is_word ? 1 : 0);
  Merge merge(driver, {from, 0});
  while (out.size() < limit) {
    const auto k = merge.next();
    if (!k || k->first > to) break;
    const Lead& l = *leads.find(k->second);
    if (!l.in_pool || l.entered_pool_at != k->first) continue;  // a stale entry
    take(l, check_words);
  }
  return out;
}

}  // namespace salesdesk::core
