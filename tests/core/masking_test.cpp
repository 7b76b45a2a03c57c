// The masking rule of core/masking.hpp as a table (schema/protocol.md "Who sees a phone"), and
// phones found in texts in every form people write them.
#include "core/masking.hpp"

#include "tests/core/floor.hpp"

using namespace salesdesk::test;

namespace {

// A floor whose lan owns 0912345678, floated into the pool.
struct Unit : Floor {
  Unit() {
    import("0912345678", lan, "", "Hoa");
    tick(11 * minute);
  }
};

}  // namespace

TEST_CASE("who sees a pooled phone: the rule as a table") {
  struct Row {
    const char* situation;
    bool mask_setting;
    bool in_pool;       // the lead is in the pool (else: claimed by minh)
    bool hoa_viewing;   // hoa has revealed it
    const char* viewer;
    bool masked;
  };
  const Row table[] = {
      {"a sale who neither owns nor views it, in the pool", true, true, false, "hoa", true},
      {"the sale viewing it", true, true, true, "hoa", false},
      {"another sale while it is viewed", true, true, true, "minh", true},
      {"its owner (it floated from them)", true, true, false, "lan", false},
      {"a manager", true, true, false, "mai", false},
      {"admin", true, true, false, "admin", false},
      {"a broadcast to sales", true, true, false, "anonymous", true},
      {"masking off", false, true, false, "hoa", false},
      {"after it left the pool (claimed by minh), another sale", true, false, false, "hoa", false},
      {"after it left the pool, its new owner", true, false, false, "minh", false},
  };
  for (const Row& r : table) {
    CAPTURE(r.situation);
    Unit u;
    if (!r.mask_setting) u.must(admin_id, UpdateSettings{{{"pool.mask_phone", false}}});
    if (r.hoa_viewing) u.must(u.hoa, RevealPhone{1});
    if (!r.in_pool) u.must(u.minh, ClaimLead{1});
    const std::string who = r.viewer;
    const UserId viewer = who == "hoa" ? u.hoa : who == "minh" ? u.minh : who == "lan" ? u.lan
                        : who == "mai" ? u.mai : who == "admin" ? admin_id : anonymous_sale;
    CHECK(visible_phone(u.state, viewer, "0912345678") == (r.masked ? "091****678" : "0912345678"));
    CHECK(phone_hidden_from(u.state, viewer, "0912345678") == r.masked);
  }
}

TEST_CASE("with the pool turned off nothing is hidden") {
  Unit u;
  u.must(admin_id, UpdateSettings{{{"pool.enabled", false}}});
  CHECK(visible_phone(u.state, u.hoa, "0912345678") == "0912345678");
}

TEST_CASE("a known pooled number is found in a text however it is written") {
  Unit u;
  const char* forms[] = {
      "call 0912345678",          "0912 345 678",         "0912.345.678",       "0912-345-678",
      "0912/345/678",             "0912_345_678",         "0912,345,678",       "+84 912 345 678",
      "+84 (0) 912 345 678",      "84912345678",          "912345678",
      "\uff10\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  // full-width digits
      "0912\u200b345\u200b678",   // zero-width spaces
      "0912\u00ad345\u2060678",   // a soft hyphen, a word joiner
  };
  for (const char* form : forms) {
    CAPTURE(form);
    const std::string shown = visible_text(u.state, u.hoa, form);
    CHECK(shown != form);
    CHECK(shown.find("345") == std::string::npos);
    CHECK(shown.find('*') != std::string::npos);
    CHECK(visible_text(u.state, u.mai, form) == form);
  }
  CHECK(visible_text(u.state, u.hoa, "order 1500000 dong, room 12") == "order 1500000 dong, room 12");
}

TEST_CASE("in pool contexts every phone-like number is masked for a sale, known or not") {
  Unit u;
  const char* forms[] = {"SĐT khác: 0987654321", "zalo 0987.654.321", "0987-654-321", "+84 987 654 321",
                         "01688123456", "0707/666/777", "0707_666_777", "0707,666,777",
                         "\uff10\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11", "0987\u200b654\u200b321"};
  for (const char* form : forms) {
    CAPTURE(form);
    const std::string shown = pool_text(u.state, u.hoa, form);
    CHECK(shown.find('*') != std::string::npos);
    int run = 0, longest = 0;
    for (char c : shown) {
      run = (c >= '0' && c <= '9') ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    CHECK(longest <= 3);
    CHECK(pool_text(u.state, u.mai, form) == form);
  }
  CHECK(mask_phone_like("SĐT: 0987654321, zalo 0987.654.321") == "SĐT: 098****321, zalo 098*.***.321");
  CHECK(mask_phone_like("gọi lúc 10:30, 2 hộp") == "gọi lúc 10:30, 2 hộp");
  u.must(admin_id, UpdateSettings{{{"pool.mask_phone", false}}});
  CHECK(pool_text(u.state, u.hoa, "0987654321") == "0987654321");
}

SCENARIO("pool filters match sources, products and statuses as people type them") {
  Unit u;
  u.must(admin_id, UpsertSource{"fb", "Facebook", "facebook"});
  u.must(admin_id, UpsertSource{"zalo", "Zalo OA", "zalo"});
  u.must(u.mai, ImportLeads{{{"0987654321", "An", "fb", "Kem dưỡng da", "busy", 0},
                             {"0977777777", "Bình", "zalo", "Trà xanh", "no_answer", 0}}});
  u.now += 11 * minute;
  u.must(system_actor, FloatDueLeads{});
  const auto drawn = [&](PoolFilter f) { return draw_pool(u.state, u.hoa, f, 50); };
  PoolFilter f;
  f.product = "kem dưỡng";
  CHECK(drawn(f) == std::vector<LeadId>{2});
  f.product = "Kem";
  CHECK(drawn(f) == std::vector<LeadId>{2});
  f.product = "KEM DUONG";
  CHECK(drawn(f) == std::vector<LeadId>{2});
  f = {};
  f.source = "FB";
  CHECK(drawn(f) == std::vector<LeadId>{1, 2});  // lead 1 came from "fb" too
  f.source = "facebook";  // the catalog's name of fb
  CHECK(drawn(f) == std::vector<LeadId>{1, 2});
  f = {};
  f.status = "no answer";
  CHECK(drawn(f) == std::vector<LeadId>{3});
  f.status = "nothing like it";
  CHECK(drawn(f).empty());
}
