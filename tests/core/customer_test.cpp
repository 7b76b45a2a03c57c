#include "core/customer.hpp"

#include "tests/core/given.hpp"

using namespace salesdesk::test;

namespace {

CustomerId customer(Given& g, UserId actor, std::string name, std::vector<std::string> phones) {
  auto events = g.must(actor, CreateCustomer{std::move(name), std::move(phones), ""});
  return only<CustomerCreated>(events).customer_id;
}

std::vector<CustomerId> ids(const std::vector<const Customer*>& found) {
  std::vector<CustomerId> out;
  for (const Customer* c : found) out.push_back(c->id);
  return out;
}

}  // namespace

SCENARIO("creating customer cards") {
  Given g;
  const UserId sale = g.user("lan", Role::sale);
  WHEN("a sale creates a card with phones in two spellings of one number and another") {
    auto events = g.must(sale, CreateCustomer{"Nguyễn Thị Hoa", {"+84 912 345 678", "0912.345.678", "024 3825 1234"}, "Hà Nội"});
    THEN("phones are normalised and deduplicated, and the sale is responsible") {
      const auto& e = only<CustomerCreated>(events);
      CHECK(e.phones == std::vector<std::string>{"0912345678", "02438251234"});
      CHECK(e.responsible_id == sale);
    }
    THEN("the same phone on another card is a conflict naming the owner") {
      auto r = g.when(admin_id, CreateCustomer{"Other", {"84912345678"}, ""});
      CHECK(code_of(r) == Code::conflict);
      CHECK(r.error().message.find("customer 1") != std::string::npos);
    }
  }
  THEN("a card made by a manager has nobody responsible") {
    const UserId manager = g.user("mai", Role::manager);
    auto events = g.must(manager, CreateCustomer{"X", {}, ""});
    CHECK(only<CustomerCreated>(events).responsible_id == 0);
  }
  THEN("bad names, phones and addresses are refused") {
    CHECK(code_of(g.when(sale, CreateCustomer{"", {}, ""})) == Code::bad_request);
    CHECK(code_of(g.when(sale, CreateCustomer{std::string(201, 'x'), {}, ""})) == Code::bad_request);
    auto bad_phone = g.when(sale, CreateCustomer{"X", {"0912345678", "12"}, ""});
    CHECK(code_of(bad_phone) == Code::bad_request);
    CHECK(bad_phone.error().message.find("phones[1]") != std::string::npos);
    CHECK(code_of(g.when(sale, CreateCustomer{"X", std::vector<std::string>(11, "0912345678"), ""})) ==
          Code::bad_request);
    CHECK(code_of(g.when(sale, CreateCustomer{"X", {}, std::string(501, 'a')})) == Code::bad_request);
    CHECK(code_of(g.when(sale, CreateCustomer{std::string("bad \xff"), {}, ""})) == Code::bad_request);
  }
}

SCENARIO("changing a card") {
  Given g;
  const UserId lan = g.user("lan", Role::sale);
  const UserId minh = g.user("minh", Role::sale);
  const CustomerId hoa = customer(g, lan, "Hoa", {"0912345678"});
  const CustomerId other = customer(g, minh, "Other", {"0987654321"});
  THEN("the responsible sale may rename it and add a phone; nothing changed appends nothing") {
    auto events = g.must(lan, UpdateCustomer{hoa, std::string("Hoa N."), std::vector<std::string>{"0912345678", "0911111111"}, {}, {}, {}});
    CHECK(only<CustomerUpdated>(events).phones->size() == 2);
    CHECK(g.state.customers.find_phone("0911111111")->id == hoa);
    auto same = g.when(lan, UpdateCustomer{hoa, std::string("Hoa N."), {}, {}, {}, {}});
    REQUIRE(same.ok());
    CHECK(same.value().empty());
  }
  THEN("a phone removed from the card is free for another") {
    g.must(lan, UpdateCustomer{hoa, {}, std::vector<std::string>{"0933333333"}, {}, {}, {}});
    CHECK(g.state.customers.find_phone("0912345678") == nullptr);
    CHECK(g.when(minh, UpdateCustomer{other, {}, std::vector<std::string>{"0912345678"}, {}, {}, {}}).ok());
  }
  THEN("another sale may not change it, nor make someone else responsible") {
    CHECK(code_of(g.when(minh, UpdateCustomer{hoa, std::string("Mine"), {}, {}, {}, {}})) == Code::forbidden);
    CHECK(code_of(g.when(lan, UpdateCustomer{hoa, {}, {}, {}, {}, minh})) == Code::forbidden);
    CHECK(g.when(admin_id, UpdateCustomer{hoa, {}, {}, {}, {}, minh}).ok());
  }
  THEN("unknown cards and users are not found; a phone of another card conflicts") {
    CHECK(code_of(g.when(lan, UpdateCustomer{99, std::string("x"), {}, {}, {}, {}})) == Code::not_found);
    CHECK(code_of(g.when(admin_id, UpdateCustomer{hoa, {}, {}, {}, {}, 77})) == Code::not_found);
    CHECK(code_of(g.when(admin_id, UpdateCustomer{hoa, {}, std::vector<std::string>{"0987654321"}, {}, {}, {}})) ==
          Code::conflict);
  }
  THEN("notes record who wrote them") {
    g.must(minh, NoteCustomer{hoa, "prefers evening calls"});
    const Customer* c = g.state.customers.find(hoa);
    REQUIRE(c->notes.size() == 1);
    CHECK(c->notes[0].by == minh);
    CHECK(code_of(g.when(minh, NoteCustomer{hoa, ""})) == Code::bad_request);
    CHECK(code_of(g.when(minh, NoteCustomer{42, "x"})) == Code::not_found);
  }
}

SCENARIO("searching customers") {
  Given g;
  const CustomerId hoa = customer(g, admin_id, "Nguyễn Thị Hoa", {"0912345678"});
  const CustomerId hong = customer(g, admin_id, "Trần Hồng", {"0913000000"});
  const CustomerId olena = customer(g, admin_id, "Олена Коваль", {"+380671234567"});
  g.must(admin_id, UpdateCustomer{hong, {}, {}, {}, std::vector<std::string>{"HongShop"}, {}});
  THEN("by phone prefix, in any spelling") {
    CHECK(ids(search_customers(g.state, "0912", admin_id)) == std::vector<CustomerId>{hoa});
    CHECK(ids(search_customers(g.state, "091", admin_id)) == std::vector<CustomerId>{hoa, hong});
    CHECK(ids(search_customers(g.state, "+84 913", admin_id)) == std::vector<CustomerId>{hong});
    CHECK(ids(search_customers(g.state, "913", admin_id)) == std::vector<CustomerId>{hong});
    CHECK(ids(search_customers(g.state, "+38067", admin_id)) == std::vector<CustomerId>{olena});
  }
  THEN("by words of the name, any case and accents, every word a prefix") {
    CHECK(ids(search_customers(g.state, "nguyen hoa", admin_id)) == std::vector<CustomerId>{hoa});
    CHECK(ids(search_customers(g.state, "HO", admin_id)) == std::vector<CustomerId>{hoa, hong});
    CHECK(ids(search_customers(g.state, "tran ho", admin_id)) == std::vector<CustomerId>{hong});
    CHECK(ids(search_customers(g.state, "олена", admin_id)) == std::vector<CustomerId>{olena});
    CHECK(search_customers(g.state, "nobody", admin_id).empty());
  }
  THEN("by nickname with @, and the index follows renames") {
    CHECK(ids(search_customers(g.state, "@hong", admin_id)) == std::vector<CustomerId>{hong});
    g.must(admin_id, UpdateCustomer{hong, std::string("Lê Minh"), {}, {}, std::vector<std::string>{}, {}});
    CHECK(search_customers(g.state, "@hong", admin_id).empty());
    CHECK(search_customers(g.state, "tran", admin_id).empty());
    CHECK(ids(search_customers(g.state, "le minh", admin_id)) == std::vector<CustomerId>{hong});
  }
}
