// The customer aggregate: the client card (SPEC.md section 5). A phone belongs to at most one
// customer, so an order, a lead or a conversation that leaves a phone finds its customer.
// Search is answered from indexes: phones by prefix, folded words of the name and nicknames.
#pragma once

#include <cereal/cereal.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

// ---- stream ----
inline std::string customer_stream(CustomerId id) { return "customer:" + std::to_string(id); }

// ---- events ----
struct CustomerCreated {
  static constexpr std::uint16_t type_id = 60;
  static constexpr const char* name = "CustomerCreated";
  CustomerId customer_id = 0;
  std::string customer_name;
  std::vector<std::string> phones;  // normalised
  std::string address;
  UserId responsible_id = 0;        // 0 = nobody yet
  std::string stream() const { return customer_stream(customer_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(customer_id), CEREAL_NVP(customer_name), CEREAL_NVP(phones), CEREAL_NVP(address),
       CEREAL_NVP(responsible_id));
  }
};

struct CustomerUpdated {
  static constexpr std::uint16_t type_id = 61;
  static constexpr const char* name = "CustomerUpdated";
  CustomerId customer_id = 0;
  std::optional<std::string> customer_name;
  std::optional<std::vector<std::string>> phones;
  std::optional<std::string> address;
  std::optional<std::vector<std::string>> nicknames;
  std::optional<UserId> responsible_id;
  std::string stream() const { return customer_stream(customer_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(customer_id), CEREAL_NVP(customer_name), CEREAL_NVP(phones), CEREAL_NVP(address),
       CEREAL_NVP(nicknames), CEREAL_NVP(responsible_id));
  }
};

struct CustomerNoted {
  static constexpr std::uint16_t type_id = 62;
  static constexpr const char* name = "CustomerNoted";
  CustomerId customer_id = 0;
  UserId by = 0;
  std::string text;
  std::string stream() const { return customer_stream(customer_id); }
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(CEREAL_NVP(customer_id), CEREAL_NVP(by), CEREAL_NVP(text));
  }
};

// ---- state ----
struct Note {
  UserId by = 0;
  Time at = 0;
  std::string text;
  template <class A>
  void serialize(A& ar) { ar(by, at, text); }
};

struct Customer {
  CustomerId id = 0;
  std::string name;
  std::vector<std::string> phones;
  std::string address;
  std::vector<std::string> nicknames;
  UserId responsible_id = 0;
  std::vector<Note> notes;
  Time created_at = 0;
  template <class A>
  void serialize(A& ar) {
    ar(id, name, phones, address, nicknames, responsible_id, notes, created_at);
  }
};

struct Customers {
  std::vector<Customer> by_id;                         // index = id - 1
  std::map<std::string, CustomerId> by_phone;          // every phone of every customer
  std::multimap<std::string, CustomerId> by_word;      // folded words of names and nicknames

  const Customer* find(CustomerId id) const;
  const Customer* find_phone(const std::string& phone) const;
  CustomerId next_id() const { return static_cast<CustomerId>(by_id.size()) + 1; }
  void index(const Customer& c);
  void unindex(const Customer& c);

  template <class A>
  void save(A& ar) const { ar(by_id); }
  template <class A>
  void load(A& ar) {
    ar(by_id);
    by_phone.clear();
    by_word.clear();
    for (const Customer& c : by_id) index(c);
  }
};

// ---- evolve ----
void evolve(Customers& customers, const CustomerCreated& e, Time at);
void evolve(Customers& customers, const CustomerUpdated& e, Time at);
void evolve(Customers& customers, const CustomerNoted& e, Time at);

// ---- commands and decide ----
constexpr std::size_t customer_name_bytes_max = 200;
constexpr std::size_t address_bytes_max = 500;
constexpr std::size_t phones_per_customer_max = 10;
constexpr std::size_t nicknames_per_customer_max = 20;
constexpr std::size_t nickname_bytes_max = 100;
constexpr std::size_t note_bytes_max = 4000;
constexpr std::size_t search_results_max = 50;

struct CreateCustomer {
  std::string customer_name;
  std::vector<std::string> phones;  // as typed; normalised by decide
  std::string address;
};

struct UpdateCustomer {
  CustomerId customer_id = 0;
  std::optional<std::string> customer_name;
  std::optional<std::vector<std::string>> phones;
  std::optional<std::string> address;
  std::optional<std::vector<std::string>> nicknames;
  std::optional<UserId> responsible_id;  // 0 = nobody
};

struct NoteCustomer {
  CustomerId customer_id = 0;
  std::string text;
};

Result<Events> decide(const State& s, UserId actor, const CreateCustomer& c, Time now);
Result<Events> decide(const State& s, UserId actor, const UpdateCustomer& c, Time now);
Result<Events> decide(const State& s, UserId actor, const NoteCustomer& c, Time now);

// Normalises a list of phones for `customer` (0 = a new one): each valid, no phone owned by
// another customer, duplicates dropped. Used by customers and by orders that create one.
Result<std::vector<std::string>> customer_phones(const State& s,
                                                 const std::vector<std::string>& raw,
                                                 CustomerId customer);
// Checks a name, an address and a note: present where required, clean UTF-8, within limits.
// A free text (a note, an address): valid, within `max` bytes, and not blank when required.
Result<bool> check_text(const std::string& text, std::string_view field, std::size_t max,
                        bool required);
// A name (of a person, a team, a product...): as check_text, on one line, nothing invisible.
Result<bool> check_name(const std::string& text, std::string_view field, std::size_t max,
                        bool required);

// ---- queries ----
// By phone prefix (digits, "+84..." accepted), "@nickname" prefix, or words of the name
// (every word of the query must prefix a word of the name). At most search_results_max.
// A phone prefix finds a card whose number is hidden from the viewer (a masked pool number)
// only when the whole number is typed: a sale cannot learn a masked number digit by digit.
std::vector<const Customer*> search_customers(const State& s, const std::string& query,
                                              UserId viewer);

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct CustomerArea {
  using EventTypes = TypeList<CustomerCreated, CustomerUpdated, CustomerNoted>;
  using CommandTypes = TypeList<CreateCustomer, UpdateCustomer, NoteCustomer>;
  Customers customers;
  static constexpr auto projection = &CustomerArea::customers;
};

}  // namespace salesdesk::core
