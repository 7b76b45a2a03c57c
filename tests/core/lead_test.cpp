#include "core/lead.hpp"

#include "tests/core/floor.hpp"

using namespace salesdesk::test;

SCENARIO("importing leads") {
  Floor f;
  WHEN("a manager imports three rows, the third repeating the first's phone in another form") {
    auto events = f.must(f.mai, ImportLeads{{{"+84 912 345 678", "A", "", "", "", f.lan},
                                            {"0987654321", "B", "", "", "busy", 0},
                                            {"0912 345 678", "C", "", "", "", 0}}});
    THEN("ids follow the input, phones are normalised, status defaults to new, one phone is one lead") {
      REQUIRE(events.size() == 2);
      CHECK(phone_of(f.lead(1)) == "0912345678");
      CHECK(f.status(1) == "new");
      CHECK(f.lead(1).owner_id == f.lan);
      CHECK(f.status(2) == "busy");
      CHECK(f.with_phone("0912345678") == std::vector<LeadId>{1});
      CHECK(f.with_phone("0987654321") == std::vector<LeadId>{2});
      CHECK(f.state.leads.by_owner.at(f.lan).contains(1));
    }
    THEN("the report names each row: imported, or the lead it repeats and its owner") {
      const ImportLeads c{{{"+84 912 345 678", "A", "", "", "", f.lan},
                           {"0987654321", "B", "", "", "busy", 0},
                           {"0912 345 678", "C", "", "", "", 0}}};
      const ImportReport r = report_import(f.state, c, events);
      CHECK(r.ids == std::vector<LeadId>{1, 2, 0});
      REQUIRE(r.duplicates.size() == 1);
      CHECK(r.duplicates[0].row == 3);
      CHECK(r.duplicates[0].lead_id == 1);
      CHECK(r.duplicates[0].owner_id == f.lan);
      CHECK_FALSE(r.duplicates[0].updated);
    }
    THEN("a later import of a known phone is a duplicate, or updates the lead when asked") {
      CHECK(f.when(f.mai, ImportLeads{{{"0912345678", "Again", "", "", "", 0}}}).value().empty());
      f.must(f.mai, ImportLeads{{{"0912345678", "Hoa Nguyễn", "zalo", "", "busy", f.minh}}, OnDuplicate::update});
      CHECK(f.lead(1).name == "Hoa Nguyễn");
      CHECK(f.state.leads.text(f.lead(1).source) == "zalo");
      CHECK(f.state.leads.text(f.lead(1).product) == "");
      CHECK(f.status(1) == "busy");
      CHECK(f.lead(1).owner_id == f.minh);
      CHECK(f.state.leads.by_id.size() == 2);
    }
  }
  THEN("bad rows reject the whole import, each listed with its 1-based row, value and reason") {
    auto r = f.when(f.mai, ImportLeads{{{"0912345678", "", "", "", "", 0},
                                         {"12", "", "", "", "", 0},
                                         {"0987654321", "", "", "", "lost", 0},
                                         {"0977777777", "", "", "", "", 99},
                                         {"0966666666", "", "", "", "", f.mai}}});
    CHECK(code_of(r) == Code::bad_request);
    const auto& bad = r.error().invalid;
    REQUIRE(bad.size() == 4);
    CHECK(bad[0].row == 2);
    CHECK(bad[0].field == "phone");
    CHECK(bad[0].value == "12");
    CHECK(bad[1].row == 3);
    CHECK(bad[1].field == "status");
    CHECK(bad[1].value == "lost");
    CHECK(bad[2].row == 4);
    CHECK(bad[2].field == "owner_id");
    CHECK(bad[3].row == 5);
    CHECK(bad[3].reason.find("must be a sale") != std::string::npos);
    CHECK(r.error().message.find("row 2 phone \"12\"") != std::string::npos);
    CHECK(code_of(f.when(f.mai, ImportLeads{})) == Code::bad_request);
    CHECK(code_of(f.when(f.mai, ImportLeads{std::vector<LeadRow>(import_rows_max + 1, LeadRow{"0912345678", "", "", "", "", 0})})) ==
          Code::bad_request);
    CHECK(f.state.leads.by_id.empty());
  }
  THEN("skip_invalid imports the good rows and reports the others") {
    const ImportLeads c{{{"0912345678", "", "", "", "", 0}, {"12", "", "", "", "", 0}}, OnDuplicate::skip, true};
    auto events = f.must(f.mai, c);
    const ImportReport r = report_import(f.state, c, events);
    CHECK(r.ids == std::vector<LeadId>{1, 0});
    REQUIRE(r.invalid.size() == 1);
    CHECK(r.invalid[0].row == 2);
  }
  THEN("a lead's owner is a sale: a manager is refused on import and on reassignment") {
    f.import("0912345678");
    CHECK(code_of(f.when(f.mai, ReassignLead{1, f.mai})) == Code::bad_request);
    CHECK(code_of(f.when(f.mai, ReassignLead{1, admin_id})) == Code::bad_request);
    f.must(f.mai, ReassignLead{1, f.lan});
  }
}

SCENARIO("leads float into the pool when their time comes") {
  Floor f;
  const LeadId cold = f.import("0912345678", f.lan);
  const LeadId keep = f.import("0912345679", f.lan, "call_back");  // call_back does not float
  WHEN("less than pool.float_after_minutes has passed") {
    THEN("nothing floats") { CHECK(f.tick(9 * minute).empty()); }
  }
  WHEN("the time has passed") {
    auto events = f.tick(10 * minute);
    THEN("the cold lead floats, with its entry time; the other status never does") {
      CHECK(only<LeadFloated>(events).lead_id == cold);
      CHECK(f.lead(cold).in_pool);
      CHECK(f.lead(cold).entered_pool_at == f.now);
      CHECK_FALSE(f.lead(keep).in_pool);
      CHECK(f.tick(1000 * minute).empty());
    }
    AND_WHEN("its owner acts on it") {
      f.must(f.lan, UpdateLead{cold, "no_answer", "rang twice"});
      THEN("it leaves the pool and its clock restarts") {
        CHECK_FALSE(f.lead(cold).in_pool);
        CHECK(f.lead(cold).last_action_at == f.now);
        CHECK(f.tick(9 * minute).empty());
        CHECK(f.tick(1 * minute).size() == 1);
      }
    }
    AND_WHEN("a manager changes its status to one that floats") {
      f.must(f.mai, UpdateLead{cold, "busy", ""});
      THEN("it stays in the pool: only the owner's action restarts the clock") { CHECK(f.lead(cold).in_pool); }
    }
    AND_WHEN("a manager changes its status to one that does not float") {
      auto events = f.must(f.mai, UpdateLead{cold, "ordered", ""});
      THEN("it leaves the pool, and the event says so") {
        CHECK_FALSE(f.lead(cold).in_pool);
        CHECK(only<LeadActed>(events).left_pool);
      }
    }
    AND_WHEN("the pool is turned off while someone views the lead") {
      f.must(f.minh, RevealPhone{cold});
      auto off = f.must(admin_id, UpdateSettings{{{"pool.enabled", false}}});
      THEN("the view ends on record, the pool drains and nothing floats") {
        CHECK(count_of<RevealEnded>(off) == 1);
        CHECK(f.state.leads.view_by_user.empty());
        CHECK(count_of<PoolDrained>(off) == 1);
        CHECK(f.state.leads.pool.empty());
        CHECK(f.tick(100 * minute).empty());
      }
    }
    AND_WHEN("its status stops floating") {
      auto unticked = f.must(admin_id, UpsertStatus{"new", "New", false});
      THEN("leads of that status leave the pool and stop being candidates") {
        CHECK(count_of<PoolDrained>(unticked) == 1);
        CHECK_FALSE(f.lead(cold).in_pool);
        CHECK(f.state.leads.candidates.empty());
      }
    }
  }
  WHEN("pool.float_all is on") {
    f.must(admin_id, UpdateSettings{{{"pool.float_all", true}}});
    THEN("every lead of a floating status floats at once") { CHECK(f.tick(0).size() == 1); }
  }
  THEN("nothing floats while the pool is off") {
    f.must(admin_id, UpdateSettings{{{"pool.enabled", false}}});
    CHECK(f.tick(100 * minute).empty());
  }
  THEN("only the engine runs the float timer") {
    CHECK(code_of(f.when(f.lan, FloatDueLeads{})) == Code::forbidden);
  }
}

SCENARIO("claiming a number") {
  Floor f;
  const LeadId id = f.import("0912345678", f.lan);
  f.tick(10 * minute);
  REQUIRE(f.lead(id).in_pool);
  WHEN("two sales claim it one after the other") {
    auto won = f.must(f.minh, ClaimLead{id});
    auto lost = f.when(f.hoa, ClaimLead{id});
    THEN("the first wins and the second is told someone else has it") {
      const auto& claim = only<LeadClaimed>(won);
      CHECK(claim.previous_owner == f.lan);
      CHECK(f.lead(id).owner_id == f.minh);
      CHECK_FALSE(f.lead(id).in_pool);
      CHECK(code_of(lost) == Code::already_claimed);
      CHECK(lost.error().message == "Another sale already handles this number");
      CHECK(f.state.leads.by_owner.at(f.minh).contains(id));
      CHECK_FALSE(f.state.leads.by_owner.contains(f.lan));
    }
    THEN("the claimed lead does not float again until its new owner acts") {
      CHECK(f.tick(100 * minute).empty());
      f.must(f.minh, NoteLead{id, "called"});
      CHECK(f.tick(10 * minute).size() == 1);
    }
    THEN("the winner claiming it again is told it is theirs") {
      CHECK(code_of(f.when(f.minh, ClaimLead{id})) == Code::conflict);
    }
    THEN("the previous owner can no longer work it") {
      CHECK(code_of(f.when(f.lan, UpdateLead{id, "busy", ""})) == Code::forbidden);
    }
  }
  THEN("the owner keeps working it while it floats, and cannot claim it") {
    CHECK(code_of(f.when(f.lan, ClaimLead{id})) == Code::conflict);
    CHECK(f.when(f.lan, NoteLead{id, "still mine"}).ok());
  }
  THEN("who may claim, and what") {
    CHECK(code_of(f.when(f.mai, ClaimLead{id})) == Code::forbidden);
    CHECK(code_of(f.when(f.minh, ClaimLead{999})) == Code::not_found);
    const LeadId fresh = f.import("0933333333");  // unowned, not floated yet
    CHECK(code_of(f.when(f.minh, ClaimLead{fresh})) == Code::not_found);
    f.must(admin_id, UpdateSettings{{{"pool.enabled", false}}});
    CHECK(code_of(f.when(f.minh, ClaimLead{id})) == Code::pool_disabled);
  }
}

SCENARIO("claim limits") {
  Floor f;
  for (int i = 0; i < 4; ++i) f.import("091234567" + std::to_string(i), f.lan);
  f.tick(10 * minute);
  WHEN("the daily limit is 2") {
    f.must(admin_id, UpdateSettings{{{"pool.daily_claim_limit", std::int64_t{2}}}});
    f.must(f.minh, ClaimLead{1});
    f.must(f.minh, ClaimLead{2});
    THEN("a third claim the same local day is refused, and the next day it is allowed") {
      auto r = f.when(f.minh, ClaimLead{3});
      CHECK(code_of(r) == Code::quota_exceeded);
      CHECK(r.error().message.find("daily") != std::string::npos);
      CHECK(f.when(f.hoa, ClaimLead{3}).ok());
      f.now += 24 * 60 * minute;
      CHECK(f.when(f.minh, ClaimLead{3}).ok());
    }
  }
  WHEN("a sale may hold 1 lead") {
    f.must(admin_id, UpdateSettings{{{"pool.max_held_per_sale", std::int64_t{1}}}});
    f.must(f.minh, ClaimLead{1});
    THEN("a second claim is refused for holding") {
      auto r = f.when(f.minh, ClaimLead{2});
      CHECK(code_of(r) == Code::quota_exceeded);
      CHECK(r.error().message.find("holding") != std::string::npos);
    }
  }
  WHEN("the reclaim cooldown is 30 minutes and lan lost a lead") {
    f.must(admin_id, UpdateSettings{{{"pool.reclaim_cooldown_minutes", std::int64_t{30}}}});
    f.must(f.minh, ClaimLead{1});
    f.must(f.minh, NoteLead{1, "worked"});
    f.tick(10 * minute);
    REQUIRE(f.lead(1).in_pool);
    THEN("lan may not claim it back before the cooldown ends; others may") {
      auto r = f.when(f.lan, ClaimLead{1});
      CHECK(code_of(r) == Code::quota_exceeded);
      CHECK(r.error().message.find("cooldown") != std::string::npos);
      f.now += 20 * minute;
      CHECK(f.when(f.lan, ClaimLead{1}).ok());
      CHECK(f.when(f.hoa, ClaimLead{1}).ok());
    }
  }
}

TEST_CASE("the unit's local day") {
  Floor f;
  const Time midnight_utc = 1'795'392'000'000;  // 2026-11-23T00:00:00Z
  CHECK(local_day(f.state, midnight_utc - 7 * 60 * minute) == local_day(f.state, midnight_utc - 1));
  CHECK(local_day(f.state, midnight_utc - 7 * 60 * minute - 1) + 1 == local_day(f.state, midnight_utc - 7 * 60 * minute));
}

SCENARIO("the eye") {
  Floor f;
  const LeadId a = f.import("0912345678", f.lan);
  const LeadId b = f.import("0987654321", f.lan);
  f.tick(10 * minute);
  WHEN("minh reveals a number") {
    auto events = f.must(f.minh, RevealPhone{a});
    THEN("the view is journaled with its expiry, and nobody else may view it") {
      CHECK(only<PhoneRevealed>(events).expires_at == f.now + 60'000);
      CHECK(f.history(a).views.size() == 1);
      auto other = f.when(f.hoa, RevealPhone{a});
      CHECK(code_of(other) == Code::being_viewed);
      CHECK(other.error().message == "Another sale is viewing this number, please choose another");
    }
    THEN("the phone shows in full to minh only") {
      CHECK(visible_phone(f.state, f.minh, "0912345678") == "0912345678");
      CHECK(visible_phone(f.state, f.hoa, "0912345678") == "091****678");
      CHECK(visible_phone(f.state, f.mai, "0912345678") == "0912345678");
      CHECK(visible_phone(f.state, f.lan, "0912345678") == "0912345678");  // the owner
    }
    THEN("revealing it again records nothing") {
      auto again = f.when(f.minh, RevealPhone{a});
      REQUIRE(again.ok());
      CHECK(again.value().empty());
    }
    AND_WHEN("minh reveals a second number") {
      auto second = f.must(f.minh, RevealPhone{b});
      THEN("the first view ends") {
        CHECK(std::get<RevealEnded>(second.front().base()).reason == "another");
        CHECK(f.state.leads.view_of(a) == nullptr);
        CHECK(visible_phone(f.state, f.minh, "0912345678") == "091****678");
        CHECK(f.when(f.hoa, RevealPhone{a}).ok());
      }
    }
    AND_WHEN("the TTL passes") {
      f.now += 60'000;
      auto ended = f.must(system_actor, EndExpiredViews{});
      THEN("the engine's timer ends the view") {
        CHECK(only<RevealEnded>(ended).reason == "ttl");
        CHECK(f.when(f.hoa, RevealPhone{a}).ok());
      }
    }
    AND_WHEN("minh disconnects") {
      auto ended = f.must(system_actor, EndViewsOf{f.minh});
      THEN("the view ends") { CHECK(only<RevealEnded>(ended).reason == "disconnect"); }
    }
    AND_WHEN("minh hides it") {
      f.must(f.minh, HidePhone{a});
      THEN("it is free, and hiding again records nothing") {
        CHECK(f.state.leads.view_of(a) == nullptr);
        auto again = f.when(f.minh, HidePhone{a});
        REQUIRE(again.ok());
        CHECK(again.value().empty());
      }
    }
    AND_WHEN("another sale claims it") {
      auto claim = f.must(f.hoa, ClaimLead{a});
      THEN("viewing did not block the claim, and the view ended") {
        CHECK(std::get<RevealEnded>(claim.front().base()).reason == "claim");
        CHECK(f.state.leads.view_of(a) == nullptr);
        CHECK(f.state.leads.view_by_user.empty());
      }
    }
  }
  WHEN("the cooldown between reveals is 30 s") {
    f.must(admin_id, UpdateSettings{{{"pool.reveal_cooldown_s", std::int64_t{30}}}});
    f.must(f.minh, RevealPhone{a});
    f.now += 10'500;
    auto r = f.when(f.minh, RevealPhone{b});
    THEN("a second reveal says how long to wait") {
      CHECK(code_of(r) == Code::view_cooldown);
      CHECK(r.error().retry_after_s == 20);
      f.now += 19'500;
      CHECK(f.when(f.minh, RevealPhone{b}).ok());
    }
  }
  THEN("the eye can be turned off, and only sales use it") {
    f.must(admin_id, UpdateSettings{{{"pool.allow_reveal", false}}});
    CHECK(code_of(f.when(f.minh, RevealPhone{a})) == Code::reveal_not_allowed);
    CHECK(code_of(f.when(f.mai, RevealPhone{a})) == Code::forbidden);
    CHECK(code_of(f.when(f.minh, RevealPhone{999})) == Code::not_found);
  }
}

TEST_CASE("masking follows the settings and covers phones written in texts") {
  Floor f;
  f.import("0912345678", f.lan);
  f.tick(10 * minute);
  CHECK(visible_text(f.state, f.minh, "gọi 0912.345.678 sau 5h") == "gọi 091*.***.678 sau 5h");
  CHECK(visible_text(f.state, f.minh, "zalo +84 912 345 678!") == "zalo +84 9** *** 678!");
  CHECK(visible_text(f.state, f.minh, "order 12345, other 0987654321") == "order 12345, other 0987654321");
  CHECK(visible_text(f.state, f.minh, "+84 (0) 912 345 678") == "+84 (0) *** *** 678");
  CHECK(visible_text(f.state, anonymous_sale, "0912345678") == "091****678");
  CHECK(visible_text(f.state, f.mai, "0912345678") == "0912345678");
  f.must(admin_id, UpdateSettings{{{"pool.mask_phone", false}}});
  CHECK(visible_phone(f.state, f.minh, "0912345678") == "0912345678");
  CHECK(visible_text(f.state, f.minh, "0912345678") == "0912345678");
}

TEST_CASE("a sale who owns a lead with the same phone knows it") {
  Floor f;
  f.import("0912345678", f.lan);
  // Two leads with one phone come only from journals written before imports refused
  // duplicates; such a journal still replays.
  evolve(f.state, Event{LeadImported{2, "0912345678", "Khách", "fb", "tea", "call_back", f.minh}}, f.now);
  f.tick(10 * minute);
  CHECK(visible_phone(f.state, f.minh, "0912345678") == "0912345678");
  CHECK(visible_phone(f.state, f.hoa, "0912345678") == "091****678");
}

SCENARIO("drawing from the pool") {
  Floor f;
  f.import("0911111111", f.lan, "", "Nguyễn Văn An");
  f.now += minute;
  f.import("0922222222", f.minh, "busy", "Trần Bình");
  f.now += minute;
  f.import("0933333333", 0, "", "Lê Chi");
  f.tick(10 * minute);
  REQUIRE(f.state.leads.pool.size() == 3);
  THEN("oldest first, never the viewer's own leads, at most the limit") {
    CHECK(draw_pool(f.state, f.hoa, {}, 50) == std::vector<LeadId>{1, 2, 3});
    CHECK(draw_pool(f.state, f.lan, {}, 50) == std::vector<LeadId>{2, 3});
    CHECK(draw_pool(f.state, f.hoa, {}, 2) == std::vector<LeadId>{1, 2});
  }
  THEN("filters") {
    PoolFilter status;
    status.status = "busy";
    CHECK(draw_pool(f.state, f.hoa, status, 50) == std::vector<LeadId>{2});
    PoolFilter name;
    name.q = "nguyen an";
    CHECK(draw_pool(f.state, f.hoa, name, 50) == std::vector<LeadId>{1});
    PoolFilter source;
    source.source = "zalo";
    CHECK(draw_pool(f.state, f.hoa, source, 50).empty());
    PoolFilter range;
    range.entered_from = f.now;
    range.entered_to = f.now;
    CHECK(draw_pool(f.state, f.hoa, range, 50).size() == 3);
    range.entered_from = f.now + 1;
    CHECK(draw_pool(f.state, f.hoa, range, 50).empty());
  }
}

SCENARIO("the pool index follows leads in and out of the pool") {
  Floor f;
  std::vector<LeadRow> rows;
  for (int i = 0; i < 600; ++i) {
    rows.push_back({"09" + std::to_string(11000000 + i), i % 2 ? "Phạm Hoa" : "Ngô Lan", i % 3 ? "fb" : "zalo", "tea", "", f.lan});
  }
  f.must(f.mai, ImportLeads{rows});
  f.tick(10 * minute);
  REQUIRE(f.state.leads.pool.size() == 600);
  const auto entries = [&] {
    std::size_t n = 0;
    for (const auto& [key, posting] : f.state.leads.pool_index.postings) n += posting.keys.size();
    return n;
  };
  PoolFilter hoa;
  hoa.q = "hoa";
  WHEN("the owner works 590 of them again") {
    for (LeadId id = 1; id <= 590; ++id) f.must(f.lan, NoteLead{id, "called back"});
    THEN("the draw shows only the ten left, and the index has let go of most of the others") {
      CHECK(draw_pool(f.state, f.minh, hoa, 50) == std::vector<LeadId>{592, 594, 596, 598, 600});
      CHECK(f.state.leads.pool.size() == 10);
      // 10 leads x 5 keys (two words, source, product, status) stand; stale entries stay under
      // half a posting plus 64 each, and there are five postings.
      CHECK(entries() <= 2 * 10 * 5 + 5 * 64);
    }
  }
  WHEN("a manager moves a pooled lead to another floating status") {
    f.must(admin_id, UpsertStatus{"busy", "Busy", true});
    f.must(f.mai, UpdateLead{2, "busy", ""});
    THEN("it stays in the pool and is found by its new status only") {
      PoolFilter busy;
      busy.status = "busy";
      PoolFilter fresh;
      fresh.status = "new";
      CHECK(draw_pool(f.state, f.minh, busy, 50) == std::vector<LeadId>{2});
      CHECK(draw_pool(f.state, f.minh, fresh, 3) == std::vector<LeadId>{1, 3, 4});
      // Its name's words did not move: one entry each, as before.
      CHECK(f.state.leads.pool_index.postings.at("hoa").keys.size() == 300);
      CHECK(f.state.leads.pool_index.postings.at("pham").keys.size() == 300);
    }
  }
  THEN("a name nobody has, or a source nobody has, draws nothing") {
    PoolFilter nobody;
    nobody.q = "hoang";
    CHECK(draw_pool(f.state, f.minh, nobody, 50).empty());
    nobody.q.reset();
    nobody.source = "tiktok";
    CHECK(draw_pool(f.state, f.minh, nobody, 50).empty());
  }
}

TEST_CASE("a chunked vector keeps its elements in place as it grows") {
  ChunkedVector<int, 4> v;
  v.push_back(0);
  const int* first = &v[0];
  for (int i = 1; i < 11; ++i) v.push_back(i);
  CHECK(&v[0] == first);
  CHECK(v.size() == 11);
  CHECK(v.capacity() == 12);
  CHECK(v.back() == 10);
  CHECK(std::vector<int>(v.begin(), v.end()) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  const ChunkedVector<int, 4> copy = v;
  v[3] = 33;
  CHECK(copy[3] == 3);
  v.clear();
  CHECK(v.empty());
}

SCENARIO("reassigning and calls") {
  Floor f;
  const LeadId id = f.import("0912345678", f.lan);
  f.tick(10 * minute);
  WHEN("a manager gives the lead to minh") {
    auto events = f.must(f.mai, ReassignLead{id, f.minh});
    THEN("minh owns it, it left the pool, and its clock restarted") {
      CHECK(only<LeadReassigned>(events).previous_owner == f.lan);
      CHECK(f.lead(id).owner_id == f.minh);
      CHECK_FALSE(f.lead(id).in_pool);
      CHECK(f.lead(id).last_action_at == f.now);
    }
  }
  THEN("only managers reassign, and to active users") {
    CHECK(code_of(f.when(f.lan, ReassignLead{id, f.minh})) == Code::forbidden);
    CHECK(code_of(f.when(f.mai, ReassignLead{id, 99})) == Code::not_found);
  }
  THEN("calls are logged on the lead") {
    f.must(system_actor, LogCall{id, "c-1", "out", "answered", 42, "https://pbx/r/1.mp3", 0, ""});
    REQUIRE(f.history(id).calls.size() == 1);
    CHECK(f.history(id).calls[0].by == f.lan);
    CHECK(code_of(f.when(f.lan, LogCall{id, "", "out", "answered", 0, "", 0, ""})) == Code::bad_request);
    CHECK(code_of(f.when(f.lan, LogCall{id, "c-2", "sideways", "answered", 0, "", 0, ""})) == Code::bad_request);
  }
}

SCENARIO("an order from a lead") {
  Floor f;
  f.must(admin_id, UpsertProduct{"TEA", "Trà xanh", 50000});
  const LeadId id = f.import("+84 912 345 678", f.lan, "call_back", "Nguyễn Thị Hoa");
  CreateOrder c;
  c.lead_id = id;
  c.items = {{"TEA", 2, {}, {}}};
  WHEN("its owner orders from it") {
    f.now += minute;
    auto events = f.must(f.lan, c);
    THEN("the order takes the lead's phone and name, and is an action on the lead") {
      const auto& o = *f.state.orders.find(1);
      CHECK(o.phone == "0912345678");
      CHECK(o.customer_name == "Nguyễn Thị Hoa");
      CHECK(o.lead_id == id);
      CHECK(count_of<LeadActed>(events) == 1);
      CHECK(f.status(id) == "ordered");
      CHECK(f.lead(id).last_action_at == f.now);
      CHECK(f.state.customers.find_phone("0912345678") != nullptr);
    }
  }
  THEN("a sale who does not own it, or a lead that does not exist, is not found") {
    CHECK(code_of(f.when(f.minh, c)) == Code::not_found);
    CreateOrder none = c;
    none.lead_id = 99;
    CHECK(code_of(f.when(f.lan, none)) == Code::not_found);
    CHECK(f.state.orders.by_id.empty());
  }
  THEN("a manager may order from any lead; a phone beside lead_id is refused") {
    f.must(f.mai, c);
    CreateOrder both = c;
    both.phone = "0987654321";
    CHECK(code_of(f.when(f.mai, both)) == Code::bad_request);
  }
}

SCENARIO("logging a call by hand") {
  Floor f;
  const LeadId id = f.import("0912345678", f.lan);
  f.tick(10 * minute);
  REQUIRE(f.lead(id).in_pool);
  WHEN("the owner logs a call with a note") {
    auto events = f.must(f.lan, LogCall{id, "manual-1", "out", "no_answer", 15, "", 0, "rang twice"});
    THEN("it is on the call log and counts as an action: the lead leaves the pool, its clock restarts") {
      CHECK(count_of<LeadCalled>(events) == 1);
      CHECK(count_of<LeadActed>(events) == 1);
      REQUIRE(f.history(id).calls.size() == 1);
      CHECK(f.history(id).calls[0].duration_s == 15);
      CHECK(f.history(id).notes.back().text == "rang twice");
      CHECK_FALSE(f.lead(id).in_pool);
      CHECK(f.lead(id).last_action_at == f.now);
    }
  }
  THEN("another sale may not log a call on it, and a bad duration is refused") {
    CHECK(code_of(f.when(f.minh, LogCall{id, "m", "out", "", 0, "", 0, ""})) == Code::forbidden);
    CHECK(code_of(f.when(f.lan, LogCall{id, "m", "out", "", -1, "", 0, ""})) == Code::bad_request);
  }
}

TEST_CASE("a note of only spaces is refused and changes nothing") {
  Floor f;
  const LeadId id = f.import("0912345678", f.lan);
  const Time before = f.lead(id).last_action_at;
  f.now += minute;
  for (const char* blank_note : {"", "   ", "\t\n", "\u3000\u00a0"}) {
    auto r = f.when(f.lan, NoteLead{id, blank_note});
    CHECK(code_of(r) == Code::bad_request);
  }
  CHECK(f.lead(id).last_action_at == before);
}

TEST_CASE("imported sources are checked against the catalog when the unit keeps one") {
  Floor f;
  f.must(f.mai, ImportLeads{{{"0911111111", "", "anything", "", "", 0}}});  // no catalog yet
  f.must(admin_id, UpsertSource{"fb", "Facebook", "facebook"});
  f.must(f.mai, ImportLeads{{{"0922222222", "", "Facebook", "", "", 0}, {"0933333333", "", "FB", "", "", 0}}});
  CHECK(f.state.leads.text(f.lead(2).source) == "fb");
  CHECK(f.state.leads.text(f.lead(3).source) == "fb");
  auto r = f.when(f.mai, ImportLeads{{{"0944444444", "", "tiktok", "", "", 0}}});
  REQUIRE(code_of(r) == Code::bad_request);
  REQUIRE(r.error().invalid.size() == 1);
  CHECK(r.error().invalid[0].field == "source");
  CHECK(r.error().invalid[0].reason.find("no source tiktok") != std::string::npos);
}

TEST_CASE("a sale's pool draw holds for its window, is topped up, and belongs to its owner") {
  Floor f;
  f.must(admin_id, UpdateSettings{{{"pool.batch_size", std::int64_t{2}}, {"pool.batch_window_s", std::int64_t{60}}}});
  f.import("0912000001");
  f.import("0912000002");
  f.import("0912000003");
  f.tick(11 * minute);
  PoolDraws draws;
  const Time t0 = f.now;
  const PoolDraw first = draws.draw_for(f.state, f.hoa, {}, t0);
  CHECK(first.ids == std::vector<LeadId>{1, 2});
  CHECK(first.window_ends_at == t0 + 60'000);

  SUBCASE("within the window the same draw comes back, less what left") {
    f.must(f.lan, ClaimLead{1});
    const PoolDraw again = draws.draw_for(f.state, f.hoa, {}, t0 + 30'000);
    CHECK(again.window_ends_at == first.window_ends_at);
    CHECK(again.ids == std::vector<LeadId>{1, 2});  // the query leaves out what is not in the pool
  }
  SUBCASE("after the window a new draw") {
    f.must(f.lan, ClaimLead{1});
    const PoolDraw next = draws.draw_for(f.state, f.hoa, {}, t0 + 60'000);
    CHECK(next.window_ends_at == t0 + 120'000);
    CHECK(next.ids == std::vector<LeadId>{2, 3});
  }
  SUBCASE("another filter draws afresh") {
    PoolFilter named;
    named.q = "Khách";
    CHECK(draws.draw_for(f.state, f.hoa, named, t0 + 1).window_ends_at == t0 + 60'001);
  }
  SUBCASE("another owner of draws (another engine, or after a restart) knows none of them") {
    PoolDraws fresh;
    CHECK(fresh.size() == 0);
    CHECK(fresh.draw_for(f.state, f.hoa, {}, t0 + 5).window_ends_at == t0 + 60'005);
    CHECK(draws.size() == 1);
  }
}

TEST_CASE("a short draw is topped up by leads that float in during its window") {
  Floor f;
  f.must(admin_id, UpdateSettings{{{"pool.batch_size", std::int64_t{3}}}});
  f.import("0912000001");
  f.now += 30'000;
  f.import("0912000002");
  f.import("0912000003");
  f.import("0912000004");
  f.tick(10 * minute - 29'000);  // the first floats; the others 30 s later
  PoolDraws draws;
  const PoolDraw first = draws.draw_for(f.state, f.hoa, {}, f.now);
  CHECK(first.ids == std::vector<LeadId>{1});
  f.tick(40'000);  // within the window: three more float, room for two
  const PoolDraw topped = draws.draw_for(f.state, f.hoa, {}, f.now);
  CHECK(topped.window_ends_at == first.window_ends_at);
  CHECK(topped.ids == std::vector<LeadId>{1, 2, 3});
}

TEST_CASE("the pool's timers are due only when a lead may float or a view has expired") {
  Floor f;
  const auto due = [&] {
    std::vector<std::string> names;
    for (const Command& c : due_commands(f.state, f.now)) {
      names.push_back(std::holds_alternative<FloatDueLeads>(c) ? "float" : "views");
    }
    return names;
  };
  CHECK(due().empty());  // no leads
  const LeadId id = f.import("0912000001");
  CHECK(due().empty());  // not yet 10 minutes
  f.now += 10 * minute;
  CHECK(due() == std::vector<std::string>{"float"});
  f.must(system_actor, FloatDueLeads{});
  CHECK(due().empty());
  f.must(f.hoa, RevealPhone{id});
  CHECK(due().empty());
  f.now += f.state.settings[setting::pool_reveal_ttl_s] * 1000;
  CHECK(due() == std::vector<std::string>{"views"});
  f.must(system_actor, EndExpiredViews{});
  CHECK(due().empty());
  SUBCASE("with the pool off nothing floats") {
    f.import("0912000002");
    f.now += 11 * minute;
    f.must(admin_id, UpdateSettings{{{"pool.enabled", false}}});
    CHECK(due().empty());
  }
}
