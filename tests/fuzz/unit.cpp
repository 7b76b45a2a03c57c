#include "tests/fuzz/unit.hpp"

#include <cstdio>
#include <cstdlib>

#include "core/commands.hpp"

namespace salesdesk::fuzz {
namespace {

using core::Role;
using core::UserId;

constexpr core::Time t0 = 1'795'000'000'000;  // 2026-11-18, as the core tests
constexpr UserId admin = 1, manager = 2, lan = 3, minh = 4, olena = 5, taras = 6;

// Decides and applies one command a second after the last, as the engine would; a rejection
// means the unit no longer builds against today's rules, which the fuzzer must not hide.
class Builder {
 public:
  void must(UserId actor, const core::Command& c) {
    t_ += core::ms_per_s;
    ++step_;
    auto r = core::decide(s_, actor, c, t_);
    if (!r) {
      std::fprintf(stderr, "fuzz unit: step %d (core::Command alternative %zu) rejected: %s\n", step_, c.index(),
                   r.error().message.c_str());
      std::abort();
    }
    for (const core::Event& e : r.value()) {
      ++s_.seq;
      core::evolve(s_, e, t_);
    }
  }
  const core::State& state() const { return s_; }
  core::Time time() const { return t_; }

 private:
  core::State s_;
  core::Time t_ = t0;
  int step_ = 0;
};

void add_people(Builder& b) {
  b.must(core::system_actor, core::Bootstrap{core::Secret{"admin-hash"}});
  b.must(admin, core::CreateTeam{"Online sales"});
  b.must(admin, core::CreateTeam{"Telesales"});
  b.must(admin, core::CreateUser{"manager", "Trần Thị Mai", Role::manager, {"hash-m"}, {1}});
  b.must(admin, core::CreateUser{"lan", "Nguyễn Thị Lan", Role::sale, {"hash-l"}, {1}});
  b.must(admin, core::CreateUser{"minh", "Lê Văn Minh", Role::sale, {"hash-mi"}, {1}});
  b.must(admin, core::CreateUser{"olena", "Олена Коваль", Role::sale, {"hash-o"}, {2}});
  b.must(admin, core::CreateUser{"taras", "Тарас Бойко", Role::sale, {"hash-t"}, {2}});
  core::UpdateUser retire;
  retire.user_id = taras;
  retire.active = false;
  b.must(admin, retire);
  for (UserId id : {admin, manager, lan}) {
    b.must(core::system_actor, core::StartSession{id, core::Secret{"digest-" + std::to_string(id)}});
  }
  b.must(lan, core::SetPresence{core::Presence::online});
}

void add_catalog(Builder& b) {
  b.must(admin, core::UpsertProduct{"TRA-XANH", "Trà xanh Thái Nguyên 100g", 85000});
  b.must(admin, core::UpsertProduct{"CA-PHE", "Cà phê Buôn Ma Thuột 250g", 120000});
  b.must(admin, core::UpsertProduct{"MAT-ONG", "Mật ong rừng 500ml", 150000});
  b.must(admin, core::UpsertProduct{"AM-TRA", "Ấm trà gốm Bát Tràng", 350000});
  b.must(admin, core::UpsertCombo{"QUA-TET", "Hộp quà Tết", 399000, {{"TRA-XANH", 1}, {"AM-TRA", 1}}});
  b.must(admin, core::UpsertSource{"fb", "Facebook", "facebook"});
  b.must(admin, core::UpsertSource{"zalo", "Zalo OA", "zalo"});
  b.must(admin, core::UpsertSource{"hotline", "Hotline", "phone"});
  b.must(admin, core::UpsertSource{"web", "Website", "web"});
  b.must(admin, core::UpsertWarehouse{"HN", "Kho Hà Nội"});
  b.must(admin, core::UpsertWarehouse{"HCM", "Kho TP.HCM"});
  b.must(admin, core::UpsertStatus{"hot", "Hot", true});
}

void add_customers(Builder& b) {
  b.must(lan, core::CreateCustomer{"Phạm Thu Hà", {"0912345678"}, "12 Hàng Bạc, Hoàn Kiếm, Hà Nội"});
  b.must(minh, core::CreateCustomer{"Võ Quốc Bảo", {"0987654321", "0903111222"}, "45 Lê Lợi, Quận 1"});
  b.must(lan, core::NoteCustomer{1, "gọi lại sau 18h, số 0912345678"});
  core::UpdateCustomer nick;
  nick.customer_id = 1;
  nick.nicknames = std::vector<std::string>{"chị Hà"};
  nick.responsible_id = lan;
  b.must(manager, nick);
}

void add_orders(Builder& b) {
  core::CreateOrder first;
  first.customer_id = 1;
  first.items = {{.sku = "TRA-XANH", .qty = 2}, {.sku = "MAT-ONG", .qty = 1, .discount_bp = 1000}};
  first.source = "fb";
  first.warehouse = "HN";
  b.must(lan, first);
  b.must(lan, core::SetOrderStatus{1, core::OrderStatus::confirmed});
  core::CreateOrder second;
  second.customer_id = 2;
  second.combos = {core::OrderCombo{.code = "QUA-TET", .qty = 1}};
  second.source = "zalo";
  second.warehouse = "HCM";
  b.must(minh, second);
  core::CreateOrder third;
  third.phone = "0912 345 678";
  third.items = {{.sku = "CA-PHE", .qty = 1, .discount_amount = 20000}};
  third.source = "hotline";
  third.note = "giao giờ hành chính";
  b.must(lan, third);
  core::CreateOrder draft;
  draft.phone = "0935222333";
  draft.customer_name = "Hoàng Thị Yến";
  draft.items = {{.sku = "AM-TRA", .qty = 1}};
  draft.draft = true;
  b.must(minh, draft);
}

void add_leads(Builder& b) {
  std::vector<core::LeadRow> rows = {
      {"0912345678", "Phạm Thu Hà", "fb", "Trà xanh", "no_answer", lan},
      {"0903111222", "Đỗ Minh Tuấn", "fb", "Cà phê", "busy", lan},
      {"0935222333", "Hoàng Thị Yến", "zalo", "Mật ong", "new", minh},
      {"0978333444", "Bùi Văn Nam", "hotline", "Ấm trà", "refused", minh},
      {"0988444555", "Ngô Thị Thảo", "fb", "Trà xanh", "call_back", lan},
      {"0396555666", "Vũ Đức Long", "zalo", "Cà phê", "new", 0},
      {"0707666777", "Phan Thị Mai", "fb", "Mật ong", "no_answer", 0},
      {"+380671234567", "Олег Шевченко", "web", "Чай", "new", olena},
      {"0912000111", "Trần Văn Hùng", "fb", "Trà xanh", "hot", 0},
      {"0912000222", "Lý Thị Hoa", "zalo", "Cà phê", "busy", 0},
  };
  b.must(manager, core::ImportLeads{std::move(rows)});
  b.must(lan, core::NoteLead{1, "khách hẹn gọi lại"});
  b.must(lan, core::LogCall{.lead_id = 1,
                            .call_id = "call-1",
                            .direction = "out",
                            .state = "answered",
                            .duration_s = 42,
                            .recording_url = "https://pbx.example/rec/1.mp3"});
  b.must(lan, core::UpdateLead{2, "call_back", "bận họp"});
  b.must(admin, core::UpdateSettings{{{"pool.enabled", true},
                                      {"pool.float_all", true},
                                      {"pool.reveal_cooldown_s", std::int64_t{0}},
                                      {"pool.reveal_ttl_s", std::int64_t{3600}}}});
  b.must(core::system_actor, core::FloatDueLeads{});
}

// A lead in the pool that `sale` does not own.
core::LeadId pooled_for(const core::State& s, UserId sale, core::LeadId other_than) {
  for (const core::Lead& l : s.leads.by_id) {
    if (l.in_pool && l.owner_id != sale && l.id != other_than) return l.id;
  }
  std::fprintf(stderr, "fuzz unit: no lead in the pool for user %lld\n", static_cast<long long>(sale));
  std::abort();
}

// Sales work the pool: one reveals a masked number, another claims a lead and notes it.
void work_pool(Builder& b) {
  const core::LeadId revealed = pooled_for(b.state(), olena, 0);
  b.must(olena, core::RevealPhone{revealed});
  const core::LeadId claimed = pooled_for(b.state(), minh, revealed);
  b.must(minh, core::ClaimLead{claimed});
  b.must(minh, core::NoteLead{claimed, "đã gọi, hẹn tuần sau"});
  b.must(core::system_actor,
         core::RecordSystemMessage{{"order", "order_not_distributed", {{"order", "ORD-000002"}},
                                    "Đơn hàng chưa có người nhận", "order:2"}});
}

// Built in place: the callers point at the unit's own staging, so it is never copied.
void build(Unit& u) {
  Builder b;
  add_people(b);
  add_catalog(b);
  add_customers(b);
  add_orders(b);
  add_leads(b);
  work_pool(b);
  u.state = b.state();
  u.now = b.time() + core::ms_per_s;
  u.callers = {app::Caller{admin, "digest-1", nullptr, &u.staging},
               app::Caller{manager, "digest-2", nullptr, &u.staging},
               app::Caller{lan, "digest-3", nullptr, &u.staging}};
}

}  // namespace

const Unit& unit() {
  static Unit built;
  static const bool done = (build(built), true);
  (void)done;
  return built;
}

}  // namespace salesdesk::fuzz
