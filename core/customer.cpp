#include "core/customer.hpp"

#include <algorithm>
#include <cassert>

#include "core/phone.hpp"
#include "core/state.hpp"
#include "core/text.hpp"

namespace salesdesk::core {

// ---- state ----
const Customer* Customers::find(CustomerId id) const {
  if (id < 1 || id > static_cast<CustomerId>(by_id.size())) return nullptr;
  return &by_id[static_cast<std::size_t>(id - 1)];
}

const Customer* Customers::find_phone(const std::string& phone) const {
  auto it = by_phone.find(phone);
  return it == by_phone.end() ? nullptr : find(it->second);
}

namespace {

std::vector<std::string> index_words(const Customer& c) {
  std::vector<std::string> out = words(c.name);
  for (const std::string& nick : c.nicknames) {
    out.push_back("@" + fold(nick));
    for (std::string& w : words(nick)) out.push_back(std::move(w));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

void Customers::index(const Customer& c) {
  for (const std::string& p : c.phones) by_phone[p] = c.id;
  for (std::string& w : index_words(c)) by_word.emplace(std::move(w), c.id);
}

void Customers::unindex(const Customer& c) {
  for (const std::string& p : c.phones) by_phone.erase(p);
  for (const std::string& w : index_words(c)) {
    auto [first, last] = by_word.equal_range(w);
    for (auto it = first; it != last;) it = it->second == c.id ? by_word.erase(it) : std::next(it);
  }
}

// ---- evolve ----
void evolve(Customers& customers, const CustomerCreated& e, Time at) {
  assert(e.customer_id == customers.next_id());
  Customer c;
  c.id = e.customer_id;
  c.name = e.customer_name;
  c.phones = e.phones;
  c.address = e.address;
  c.responsible_id = e.responsible_id;
  c.created_at = at;
  customers.index(c);
  customers.by_id.push_back(std::move(c));
}

void evolve(Customers& customers, const CustomerUpdated& e, Time) {
  Customer& c = customers.by_id.at(static_cast<std::size_t>(e.customer_id - 1));
  customers.unindex(c);
  if (e.customer_name) c.name = *e.customer_name;
  if (e.phones) c.phones = *e.phones;
  if (e.address) c.address = *e.address;
  if (e.nicknames) c.nicknames = *e.nicknames;
  if (e.responsible_id) c.responsible_id = *e.responsible_id;
  customers.index(c);
}

void evolve(Customers& customers, const CustomerNoted& e, Time at) {
  customers.by_id.at(static_cast<std::size_t>(e.customer_id - 1))
      .notes.push_back(Note{e.by, at, e.text});
}

// ---- rules ----
Result<bool> check_text(const std::string& text, std::string_view field, std::size_t max,
                        bool required) {
  if (required && blank(text)) {
    return reject(Code::bad_request,
                  std::string(field) + (text.empty() ? " is required" : " is blank"));
  }
  if (text.size() > max) {
    return reject(Code::bad_request, std::string(field) + " is too long: at most " +
                                         std::to_string(max) + " bytes of UTF-8 (" +
                                         std::to_string(text.size()) + " given)");
  }
  if (!clean_text(text)) {
    return reject(Code::bad_request, std::string(field) +
                                         " is not valid text (invalid UTF-8, a control "
                                         "character or a direction override)");
  }
  return true;
}

Result<bool> check_name(const std::string& text, std::string_view field, std::size_t max,
                        bool required) {
  if (auto ok = check_text(text, field, max, required); !ok) return ok;
  if (!clean_name(text)) {
    return reject(Code::bad_request, std::string(field) +
                                         " may not contain line breaks, tabs or invisible "
                                         "characters (direction marks, zero-width spaces)");
  }
  return true;
}

Result<std::vector<std::string>> customer_phones(const State& s,
                                                 const std::vector<std::string>& raw,
                                                 CustomerId customer) {
  if (raw.size() > phones_per_customer_max) return reject(Code::bad_request, "too many phones");
  std::vector<std::string> out;
  const std::string country = s.settings[setting::phone_country];
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto phone = normalize_phone(raw[i], country, "phones[" + std::to_string(i) + "]");
    if (!phone) return phone.error();
    const Customer* owner = s.customers.find_phone(phone.value());
    if (owner != nullptr && owner->id != customer) {
      return reject(Code::conflict,
                    "phone " + phone.value() + " belongs to customer " + std::to_string(owner->id));
    }
    if (std::find(out.begin(), out.end(), phone.value()) == out.end()) out.push_back(phone.value());
  }
  return out;
}

namespace {

Result<bool> check_nicknames(const std::vector<std::string>& nicknames) {
  if (nicknames.size() > nicknames_per_customer_max) {
    return reject(Code::bad_request, "too many nicknames");
  }
  for (const std::string& n : nicknames) {
    if (auto ok = check_name(n, "nicknames", nickname_bytes_max, true); !ok) return ok;
  }
  return true;
}

// Managers and admin change any card; a sale changes cards that are theirs or nobody's, and
// may make only themselves responsible.
Result<bool> may_change(const State& s, UserId actor, const Customer& c,
                        std::optional<UserId> responsible) {
  const User* u = s.users.find(actor);
  if (u == nullptr || is_manager_or_admin(*u)) return true;
  if (c.responsible_id != 0 && c.responsible_id != actor) {
    return reject(Code::forbidden, "this customer is cared for by another sale");
  }
  if (responsible && *responsible != actor && *responsible != 0) {
    return reject(Code::forbidden, "a sale may make only themselves responsible");
  }
  return true;
}

Result<bool> check_responsible(const State& s, UserId id) {
  if (id == 0) return true;
  const User* u = s.users.find(id);
  if (u == nullptr || !u->active) {
    return reject(Code::not_found, "no active user " + std::to_string(id));
  }
  return true;
}

}  // namespace

// ---- decide ----
Result<Events> decide(const State& s, UserId actor, const CreateCustomer& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  if (auto r = check_name(c.customer_name, "name", customer_name_bytes_max, true); !r) {
    return r.error();
  }
  if (auto r = check_text(c.address, "address", address_bytes_max, false); !r) return r.error();
  auto phones = customer_phones(s, c.phones, 0);
  if (!phones) return phones.error();
  const User* u = s.users.find(actor);
  const UserId responsible = (u != nullptr && u->role == Role::sale) ? actor : 0;
  return Events{CustomerCreated{s.customers.next_id(), c.customer_name, phones.value(), c.address,
                                responsible}};
}

Result<Events> decide(const State& s, UserId actor, const UpdateCustomer& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  const Customer* existing = s.customers.find(c.customer_id);
  if (existing == nullptr) {
    return reject(Code::not_found, "no customer " + std::to_string(c.customer_id));
  }
  if (auto r = may_change(s, actor, *existing, c.responsible_id); !r) return r.error();
  CustomerUpdated e{existing->id, {}, {}, {}, {}, {}};
  if (c.customer_name) {
    if (auto r = check_name(*c.customer_name, "name", customer_name_bytes_max, true); !r) {
      return r.error();
    }
    if (*c.customer_name != existing->name) e.customer_name = c.customer_name;
  }
  if (c.address) {
    if (auto r = check_text(*c.address, "address", address_bytes_max, false); !r) return r.error();
    if (*c.address != existing->address) e.address = c.address;
  }
  if (c.phones) {
    auto phones = customer_phones(s, *c.phones, existing->id);
    if (!phones) return phones.error();
    if (phones.value() != existing->phones) e.phones = phones.value();
  }
  if (c.nicknames) {
    if (auto r = check_nicknames(*c.nicknames); !r) return r.error();
    if (*c.nicknames != existing->nicknames) e.nicknames = c.nicknames;
  }
  if (c.responsible_id) {
    if (auto r = check_responsible(s, *c.responsible_id); !r) return r.error();
    if (*c.responsible_id != existing->responsible_id) e.responsible_id = c.responsible_id;
  }
  if (!e.customer_name && !e.address && !e.phones && !e.nicknames && !e.responsible_id) {
    return Events{};
  }
  return Events{e};
}

Result<Events> decide(const State& s, UserId actor, const NoteCustomer& c, Time) {
  if (auto r = authorize(s, actor, everyone); !r) return r.error();
  if (s.customers.find(c.customer_id) == nullptr) {
    return reject(Code::not_found, "no customer " + std::to_string(c.customer_id));
  }
  if (auto r = check_text(c.text, "text", note_bytes_max, true); !r) return r.error();
  return Events{CustomerNoted{c.customer_id, actor, c.text}};
}

// ---- queries ----
namespace {

void add_unique(std::vector<const Customer*>& out, const Customer* c) {
  if (c != nullptr && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
}

std::vector<CustomerId> word_matches(const Customers& customers, const std::string& prefix) {
  std::vector<CustomerId> out;
  for (auto it = customers.by_word.lower_bound(prefix);
       it != customers.by_word.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<const Customer*> by_words(const Customers& customers,
                                      const std::vector<std::string>& query) {
  std::vector<CustomerId> hits = word_matches(customers, query.front());
  for (std::size_t i = 1; i < query.size() && !hits.empty(); ++i) {
    const auto more = word_matches(customers, query[i]);
    std::vector<CustomerId> both;
    std::set_intersection(hits.begin(), hits.end(), more.begin(), more.end(),
                          std::back_inserter(both));
    hits = std::move(both);
  }
  std::vector<const Customer*> out;
  for (CustomerId id : hits) {
    if (out.size() >= search_results_max) break;
    out.push_back(customers.find(id));
  }
  return out;
}

}  // namespace

std::vector<const Customer*> search_customers(const State& s, const std::string& query,
                                              UserId viewer) {
  std::vector<const Customer*> out;
  if (!query.empty() && query[0] == '@') {
    const std::string nick = "@" + fold(query.substr(1));
    for (CustomerId id : word_matches(s.customers, nick)) {
      if (out.size() >= search_results_max) break;
      add_unique(out, s.customers.find(id));
    }
    return out;
  }
  const std::string prefix = phone_prefix(query, s.settings[setting::phone_country]);
  if (prefix.size() >= 3) {
    for (auto it = s.customers.by_phone.lower_bound(prefix);
         it != s.customers.by_phone.end() && it->first.compare(0, prefix.size(), prefix) == 0 &&
         out.size() < search_results_max;
         ++it) {
      // Never by a number hidden from the viewer, not even typed in full: that would confirm it.
      if (phone_hidden_from(s, viewer, it->first)) continue;
      add_unique(out, s.customers.find(it->second));
    }
    return out;
  }
  const auto query_words = words(query);
  if (query_words.empty()) return out;
  return by_words(s.customers, query_words);
}

}  // namespace salesdesk::core
