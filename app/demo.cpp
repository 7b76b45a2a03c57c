#include "app/demo.hpp"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <iostream>

#include <vector>

#include "app/auth.hpp"
#include "core/conversation.hpp"
#include "core/page.hpp"

namespace salesdesk::app {
namespace {

void add_people(Engine& engine, core::UserId admin) {
  using core::Role;
  engine.apply_now(admin, core::CreateTeam{"Online sales"});
  engine.apply_now(admin, core::CreateTeam{"Telesales"});
  const core::Secret hash{hash_password(demo_password)};
  struct Person {
    const char* username;
    const char* name;
    Role role;
    core::TeamId team;
  };
  const Person people[] = {
      {"manager", "Trần Thị Mai", Role::manager, 1}, {"lan", "Nguyễn Thị Lan", Role::sale, 1},
      {"minh", "Lê Văn Minh", Role::sale, 1},        {"olena", "Олена Коваль", Role::sale, 2},
      {"taras", "Тарас Бойко", Role::sale, 2},
  };
  for (const Person& p : people) {
    engine.apply_now(admin, core::CreateUser{p.username, p.name, p.role, hash, {p.team}});
  }
}

void add_catalog(Engine& engine, core::UserId admin) {
  engine.apply_now(admin, core::UpsertProduct{"TRA-XANH", "Trà xanh Thái Nguyên 100g", 85000});
  engine.apply_now(admin, core::UpsertProduct{"CA-PHE", "Cà phê Buôn Ma Thuột 250g", 120000});
  engine.apply_now(admin, core::UpsertProduct{"MAT-ONG", "Mật ong rừng 500ml", 150000});
  engine.apply_now(admin, core::UpsertProduct{"AM-TRA", "Ấm trà gốm Bát Tràng", 350000});
  engine.apply_now(
      admin, core::UpsertCombo{"QUA-TET", "Hộp quà Tết", 399000, {{"TRA-XANH", 1}, {"AM-TRA", 1}}});
  engine.apply_now(admin, core::UpsertSource{"fb", "Facebook", "facebook"});
  engine.apply_now(admin, core::UpsertSource{"zalo", "Zalo OA", "zalo"});
  engine.apply_now(admin, core::UpsertSource{"hotline", "Hotline", "phone"});
  engine.apply_now(admin, core::UpsertSource{"web", "Website", "web"});
  engine.apply_now(admin, core::UpsertWarehouse{"HN", "Kho Hà Nội"});
  engine.apply_now(admin, core::UpsertWarehouse{"HCM", "Kho TP.HCM"});
}

void add_orders(Engine& engine) {
  const core::UserId lan = 3;
  const core::UserId minh = 4;
  engine.apply_now(
      lan, core::CreateCustomer{"Phạm Thu Hà", {"0912345678"}, "12 Hàng Bạc, Hoàn Kiếm, Hà Nội"});
  engine.apply_now(
      minh, core::CreateCustomer{"Võ Quốc Bảo", {"0987654321"}, "45 Lê Lợi, Quận 1, TP.HCM"});
  core::CreateOrder first;
  first.customer_id = 1;
  first.items = {{"TRA-XANH", 2, {}, {}}, {"MAT-ONG", 1, 1000, {}}};
  first.source = "fb";
  first.warehouse = "HN";
  engine.apply_now(lan, first);
  engine.apply_now(lan, core::SetOrderStatus{1, core::OrderStatus::confirmed});
  core::CreateOrder second;
  second.customer_id = 2;
  second.combos = {{"QUA-TET", 1, {}, {}}};
  second.source = "zalo";
  second.warehouse = "HCM";
  engine.apply_now(minh, second);
  core::CreateOrder third;
  third.phone = "0912 345 678";
  third.items = {{"CA-PHE", 1, {}, 20000}};
  third.source = "hotline";
  engine.apply_now(lan, third);
}

// A few hundred more leads, made up the same way every time: Vietnamese names and mobiles for
// the most, Ukrainian ones for every seventh; their statuses spread as a floor's are (the
// floating ones end in the pool), owned in turn by the sales or by nobody.
std::vector<core::LeadRow> floor_leads() {
  constexpr std::size_t count = 300;
  static const char* const families[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh",
                                         "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
                                         "Dương", "Lý"};
  static const char* const middles[] = {"Văn", "Thị", "Minh", "Thu", "Quốc",
                                        "Ngọc", "Thanh", "Hữu", "Đức", "Gia"};
  static const char* const givens[] = {"An", "Bình", "Chi", "Dũng", "Giang", "Hạnh", "Hiếu",
                                       "Hương", "Khánh", "Linh", "Lộc", "Nam", "Ngân", "Phong",
                                       "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm", "Trang", "Tú",
                                       "Vy", "Xuân", "Hải", "Kiên", "Nhung"};
  static const char* const ua_families[] = {"Шевченко", "Коваленко", "Бондаренко", "Ткаченко",
                                            "Кравченко", "Олійник", "Савчук"};
  static const char* const ua_givens[] = {"Олег", "Ірина", "Андрій", "Наталія", "Сергій",
                                          "Оксана", "Дмитро", "Юлія", "Богдан"};
  static const char* const prefixes[] = {"090", "091", "093", "096", "097", "098", "032",
                                         "033", "035", "037", "039", "070", "076", "077",
                                         "078", "079", "081", "083", "085", "088"};
  static const char* const sources[] = {"fb", "zalo", "hotline", "web"};
  static const char* const products[] = {"Trà xanh", "Cà phê", "Mật ong", "Ấm trà",
                                         "Hộp quà Tết"};
  // By tenths: new ×2, no_answer ×2, busy, call_back ×2, refused, wrong_number, ordered.
  static const char* const statuses[] = {"new", "no_answer", "busy", "call_back", "new",
                                         "no_answer", "refused", "call_back", "wrong_number",
                                         "ordered"};
  const core::UserId vn_sales[] = {3, 4, 0};  // lan, minh, nobody
  const core::UserId ua_sales[] = {5, 6, 0};  // olena, taras, nobody
  const auto pick = [](const auto& list, std::size_t i) { return list[i % std::size(list)]; };
  std::vector<core::LeadRow> rows;
  rows.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    char number[8];  // seven digits, distinct for each i
    std::snprintf(number, sizeof number, "%07zu", (i * 7919 + 104729) % 10'000'000);
    core::LeadRow row;
    if (i % 7 == 6) {
      const std::size_t k = i / 7;  // (k % 9, (k + k / 9) % 7) differs for every k < 63
      row.phone = std::string("+38067") + number;
      row.lead_name = std::string(pick(ua_givens, k)) + " " + pick(ua_families, k + k / 9);
      row.owner_id = pick(ua_sales, k);
      row.source = "web";
    } else {
      // (i % 16, i / 16 % 10, i / 5 % 26) differs for every i < 300: no two leads share a name
      row.phone = std::string(pick(prefixes, i)) + number;
      row.lead_name = std::string(pick(families, i)) + " " + pick(middles, i / 16) + " " +
                      pick(givens, i / 5);
      row.owner_id = pick(vn_sales, i);
      row.source = pick(sources, i / 2);
    }
    row.product = pick(products, i / 3);
    row.status = pick(statuses, i * 3);
    rows.push_back(std::move(row));
  }
  return rows;
}

// Leads of the telesales floor; with the pool on and float_all, the floating ones are in the
// pool a moment after the start, so the pool screen has something to show.
void add_leads(Engine& engine, core::UserId manager) {
  const core::UserId lan = 3, minh = 4, olena = 5;
  std::vector<core::LeadRow> rows = {
      {"0912345678", "Phạm Thu Hà", "fb", "Trà xanh", "no_answer", lan},
      {"0903111222", "Đỗ Minh Tuấn", "fb", "Cà phê", "busy", lan},
      {"0935222333", "Hoàng Thị Yến", "zalo", "Mật ong", "new", minh},
      {"0978333444", "Bùi Văn Nam", "hotline", "Ấm trà", "refused", minh},
      {"0988444555", "Ngô Thị Thảo", "fb", "Trà xanh", "call_back", lan},
      {"0396555666", "Vũ Đức Long", "zalo", "Cà phê", "new", 0},
      {"0707666777", "Phan Thị Mai", "fb", "Mật ong", "no_answer", 0},
      {"+380671234567", "Олег Шевченко", "web", "Чай", "new", olena},
  };
  engine.apply_now(manager, core::ImportLeads{std::move(rows)});
  engine.apply_now(manager, core::ImportLeads{floor_leads()});
  engine.apply_now(1, core::UpdateSettings{{{"pool.enabled", true}, {"pool.float_all", true}}});
}

// The unit's pages: an API channel whose webhooks a newcomer can sign with the documented
// demo secret (README), and a Facebook page and a Zalo OA with placeholder credentials.
void add_pages(Engine& engine, core::UserId admin) {
  engine.apply_now(admin, core::ConnectPage{.channel = core::Channel::api,
                                            .external_id = "tea-shop",
                                            .page_name = "Trà Thái Nguyên (API)",
                                            .secret = std::string(demo_api_secret)});
  engine.apply_now(admin, core::ConnectPage{.channel = core::Channel::facebook,
                                            .external_id = "100200300400500",
                                            .page_name = "Trà Thái Nguyên",
                                            .secret = "demo-facebook-app-secret",
                                            .verify_token = "demo-verify-token"});
  engine.apply_now(admin, core::ConnectPage{.channel = core::Channel::zalo,
                                            .external_id = "4318800000000000000",
                                            .page_name = "Trà Thái Nguyên Zalo OA",
                                            .secret = "demo-zalo-oa-secret"});
  engine.apply_now(admin, core::SetPageAccess{1, {}, std::vector<core::TeamId>{1}});
  engine.apply_now(admin, core::SetPageAccess{2, {}, std::vector<core::TeamId>{1}});
  engine.apply_now(admin, core::SetPageAccess{3, {}, std::vector<core::TeamId>{1, 2}});
}

// A customer's message on a page, as its channel would deliver it.
core::ReceiveMessage inbound(core::PageId page, const char* id, const char* user,
                             const char* name, const char* text) {
  return core::ReceiveMessage{.page_id = page,
                              .external_message_id = id,
                              .external_user_id = user,
                              .customer_name = name,
                              .text = text};
}

// The inbox of a morning: customers writing on the three pages, some answered, a comment
// thread under a post, a livestream comment, a phone left (which makes a draft order: auto-draft
// is on), tags and the quick replies the sales use.
void add_conversations(Engine& engine, core::UserId admin) {
  const core::UserId lan = 3, minh = 4;
  const core::PageId api = 1, facebook = 2, zalo = 3;
  const core::UserId channel = core::system_actor;
  engine.apply_now(admin, core::UpdateSettings{{{"orders.auto_draft", true}}});
  const char* shipping = "Dạ phí ship toàn quốc 30.000đ, đơn từ 500.000đ được miễn phí ship ạ.";
  const char* prices = "Dạ trà xanh Thái Nguyên 100g giá 85.000đ, hộp quà Tết 399.000đ ạ.";
  engine.apply_now(admin, core::SaveQuickReply{"ship", shipping, "hỏi ship"});
  engine.apply_now(admin, core::SaveQuickReply{"gia", prices, "hỏi giá"});
  engine.apply_now(channel, inbound(facebook, "fb-m1", "psid-1001", "Nguyễn Thị Hoa",
                                    "Shop ơi trà xanh 100g giá bao nhiêu ạ?"));
  engine.apply_now(lan, core::TakeConversation{1});
  engine.apply_now(lan, core::SendMessage{.conversation_id = 1, .quick_reply = "gia"});
  engine.apply_now(channel, inbound(facebook, "fb-m2", "psid-1001", "Nguyễn Thị Hoa",
                                    "Cho em 2 gói nhé, có ship về Hải Phòng không?"));
  engine.apply_now(channel, inbound(zalo, "zl-m1", "zl-2001", "Trần Văn Đức",
                                    "Em muốn đặt hộp quà Tết, sđt em 0903 456 789"));
  engine.apply_now(minh, core::TakeConversation{2});
  engine.apply_now(minh, core::TagConversation{2, {"VIP"}, {}});
  engine.apply_now(channel, inbound(api, "web-m1", "web-3001", "Lê Thu Trang",
                                    "Mật ong rừng còn hàng không shop?"));
  engine.apply_now(channel, inbound(api, "web-m2", "web-3002", "Phạm Quang Huy",
                                    "Ấm trà Bát Tràng có mấy màu ạ?"));
  engine.apply_now(minh, core::TakeConversation{4});
  engine.apply_now(minh, core::SendMessage{.conversation_id = 4,
                                           .text = "Dạ có men lam và men rạn ạ, anh xem ảnh nhé."});
  engine.apply_now(minh, core::CloseConversation{4});
  core::ReceiveMessage comment = inbound(facebook, "fb-c1", "psid-1002", "Đặng Mỹ Linh",
                                         "Giá hộp quà bao nhiêu vậy shop?");
  comment.event = core::Inbound::comment;
  comment.post_id = "100200300400500_777";
  engine.apply_now(channel, comment);
  core::ReceiveMessage live = inbound(facebook, "fb-l1", "psid-1003", "Hồ Văn Tâm",
                                      "Chốt 1 hộp quà Tết nha shop");
  live.event = core::Inbound::livestream_comment;
  live.live_id = "live-20261201";
  engine.apply_now(channel, live);
  engine.apply_now(channel, inbound(zalo, "zl-m2", "zl-2002", "Олена Мельник",
                                    "Добрий день! Чи є доставка в Україну?"));
}

// Who writes in the stream, and what: questions a tea shop gets all day, in each one's language.
struct StreamCustomer {
  const char* id;
  const char* name;
  bool ukrainian;
};
constexpr StreamCustomer stream_customers[] = {
    {"web-4001", "Vũ Thị Ngọc", false},  {"web-4002", "Bùi Minh Khoa", false},
    {"web-4003", "Đỗ Thu Hà", false},    {"web-4004", "Ngô Văn Bình", false},
    {"web-4005", "Lý Thị Mai", false},   {"web-4006", "Ірина Шевчук", true},
    {"web-4007", "Phan Thanh Tú", false}, {"web-4008", "Андрій Мороз", true},
};
constexpr const char* vietnamese_texts[] = {
    "Shop ơi trà ô long còn hàng không ạ?",
    "Hộp quà Tết giao trong ngày ở Hà Nội được không shop?",
    "Cho mình xin bảng giá sỉ với ạ",
    "Đơn của em giao tới đâu rồi shop?",
    "Mật ong rừng loại 500ml giá bao nhiêu ạ?",
    "Em lấy 3 gói trà xanh, sđt 0912 888 ${n}",
    "Ấm trà men lam còn không shop ơi",
    "Shop có xuất hóa đơn công ty không ạ?",
};
constexpr const char* ukrainian_texts[] = {
    "Добрий день, скільки коштує доставка до Києва?",
    "Чи є зелений чай у подарунковій упаковці?",
    "Хочу замовити мед, мій номер +380 67 123 4${n}",
    "Коли буде відправлено моє замовлення?",
};

template <std::size_t N>
const char* any_of(const char* const (&texts)[N], std::mt19937_64& random) {
  return texts[random() % N];
}

}  // namespace

DemoStream::DemoStream(boost::asio::io_context& ioc, Engine& engine,
                       std::chrono::milliseconds mean)
    : timer_(ioc), engine_(engine), mean_(mean) {}

void DemoStream::start() {
  engine_.submit(read_state<bool>(
      [](const core::State& s) {
        const core::Page* p = s.pages.find(1);
        return p != nullptr && p->channel == core::Channel::api && p->external_id == "tea-shop" &&
               p->secret == demo_api_secret;
      },
      [this](std::optional<bool> demo) {
        if (demo.value_or(false)) {
          boost::asio::post(timer_.get_executor(), [this] { next(); });
        } else {
          std::cerr << "salesdesk: not the demo's journal: no simulated customers" << std::endl;
        }
      }));
}

void DemoStream::stop() {
  stopped_ = true;
  boost::asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

void DemoStream::next() {
  if (stopped_) return;
  std::uniform_int_distribution<std::int64_t> jitter(mean_.count() / 2, mean_.count() * 3 / 2);
  timer_.expires_after(std::chrono::milliseconds(jitter(random_)));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // stopped
    write();
    next();
  });
}

void DemoStream::write() {
  const std::uint64_t n = sent_++;
  const StreamCustomer& who = stream_customers[random_() % std::size(stream_customers)];
  std::string text = who.ukrainian ? any_of(ukrainian_texts, random_)
                                   : any_of(vietnamese_texts, random_);
  if (auto at = text.find("${n}"); at != std::string::npos) {
    text.replace(at, 4, std::to_string(100 + random_() % 900));
  }
  // A message id no earlier run used: the clock and this run's count.
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const std::string id = "demo-stream-" +
                         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now)
                                            .count()) +
                         "-" + std::to_string(n);
  core::ReceiveMessage m{.page_id = 1,
                         .external_message_id = id,
                         .external_user_id = who.id,
                         .customer_name = who.name,
                         .text = text};
  engine_.submit(Request{CommandRequest{core::system_actor, std::move(m), {}, {}}, {}});
}

void add_demo_data(Engine& engine) {
  const core::UserId admin = 1;
  add_people(engine, admin);
  add_catalog(engine, admin);
  add_pages(engine, admin);
  add_orders(engine);
  add_leads(engine, 2);
  add_conversations(engine, admin);
}

}  // namespace salesdesk::app
