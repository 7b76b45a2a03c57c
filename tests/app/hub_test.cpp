// The hub's fan-out: who gets which push, masked for whom, and in how many frames.
#include "app/hub.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "app/protocol.hpp"
#include "tests/core/floor.hpp"

using namespace salesdesk;
using test::Floor;
namespace json = boost::json;

namespace {

// A connection that keeps what it was sent.
struct Screen : app::Subscriber {
  std::vector<app::Frame> frames;
  std::string ended;
  void send(app::Frames f) override { frames.insert(frames.end(), f.begin(), f.end()); }
  void end(std::string reason) override { ended = std::move(reason); }
  // Every push received, batch frames opened up, as {"push","type","data","seq"} objects.
  std::vector<json::object> pushes() const {
    std::vector<json::object> out;
    for (const auto& f : frames) {
      json::object o = json::parse(*f).as_object();
      if (o.at("type") != "batch") {
        out.push_back(o);
        continue;
      }
      for (const json::value& inner : o.at("data").at("pushes").as_array()) {
        json::object p = inner.as_object();
        p["push"] = o.at("push");
        out.push_back(p);
      }
    }
    return out;
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& p : pushes()) out.emplace_back(p.at("type").as_string());
    return out;
  }
};

struct Fixture : Floor {
  app::Hub hub;
  core::Seq seq = 0;
  std::map<std::string, std::shared_ptr<Screen>> screens;

  std::shared_ptr<Screen> open(const std::string& label, core::UserId user, std::vector<std::string> topics,
                               std::string digest = "d") {
    auto s = std::make_shared<Screen>();
    hub.join(s, user, std::move(digest));
    hub.subscribe(s.get(), topics);
    screens[label] = s;
    return s;
  }
  // Decides the commands as one batch, applies them and publishes the batch.
  void batch(const std::vector<std::pair<core::UserId, core::Command>>& commands) {
    std::vector<app::Committed> committed;
    for (const auto& [actor, c] : commands) {
      for (const core::Event& e : must(actor, c)) committed.push_back(app::Committed{++seq, now, actor, e});
    }
    state.seq = seq;
    hub.committed(state, committed);
  }
  void clear() {
    for (auto& [label, s] : screens) s->frames.clear();
  }
};

}  // namespace

TEST_CASE("a batch's pool changes reach each pool screen as one frame, shared by every screen") {
  Fixture f;
  f.must(test::admin_id, core::UpdateSettings{{{"pool.float_all", true}}});
  std::vector<core::LeadId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(f.import("091200000" + std::to_string(i)));
  auto hoa = f.open("hoa", f.hoa, {"pool"});
  auto minh = f.open("minh", f.minh, {"pool"});
  auto mai = f.open("mai", f.mai, {"pool", "me"});
  auto lan_me = f.open("lan-me", f.lan, {"me"});  // not on the pool topic
  f.now += 1000;
  f.batch({{core::system_actor, core::FloatDueLeads{}}});
  f.clear();

  f.batch({{f.lan, core::ClaimLead{ids[0]}}, {f.lan, core::ClaimLead{ids[1]}}, {f.lan, core::ClaimLead{ids[2]}}});
  REQUIRE(hoa->frames.size() == 1);
  CHECK(hoa->frames[0] == minh->frames[0]);  // rendered once: the same frame object
  const json::object frame = json::parse(*hoa->frames[0]).as_object();
  CHECK(frame.at("push") == "pool");
  CHECK(frame.at("type") == "batch");
  CHECK(frame.at("seq").as_int64() == f.seq);
  CHECK(frame.at("seq") == hoa->pushes().back().at("seq"));
  CHECK(hoa->types() == std::vector<std::string>{"claimed", "claimed", "claimed"});
  const auto pushes = hoa->pushes();
  CHECK(pushes[0].at("data").at("lead_id").as_int64() == ids[0]);
  CHECK(pushes[2].at("data").at("lead_id").as_int64() == ids[2]);
  CHECK(pushes[0].at("seq").as_int64() < pushes[2].at("seq").as_int64());
  // A manager on `me` and `pool` gets the pool frame once; lan's `me` screen gets its own
  // lead_assigned pushes one frame each, and nothing of the pool.
  CHECK(mai->frames.size() == 1);
  CHECK(lan_me->types() == std::vector<std::string>{"lead_assigned", "lead_assigned", "lead_assigned"});
  CHECK(lan_me->frames.size() == 3);

  SUBCASE("a batch frame's seq is its last push's, whatever else the batch held") {
    f.clear();
    f.batch({{f.lan, core::ClaimLead{ids[3]}}, {f.lan, core::ClaimLead{ids[4]}},
             {f.lan, core::SetPresence{core::Presence::away}}});
    REQUIRE(hoa->frames.size() == 1);
    const json::object batch = json::parse(*hoa->frames[0]).as_object();
    CHECK(batch.at("type") == "batch");
    CHECK(batch.at("seq") == hoa->pushes().back().at("seq"));
    CHECK(batch.at("seq").as_int64() < f.seq);  // the presence change came after
  }
  SUBCASE("a single pool change is a plain push, as before") {
    f.clear();
    f.batch({{f.lan, core::ClaimLead{ids[3]}}});
    REQUIRE(hoa->frames.size() == 1);
    const json::object plain = json::parse(*hoa->frames[0]).as_object();
    CHECK(plain.at("type") == "claimed");
    CHECK(plain.at("data").at("lead_id").as_int64() == ids[3]);
  }
}

TEST_CASE("entered rows are masked for sales inside a batch frame, and full for managers") {
  Fixture f;
  f.must(test::admin_id, core::UpdateSettings{{{"pool.float_all", true}, {"pool.mask_phone", true}}});
  f.import("0912000001");
  f.import("0912000002", f.lan);
  auto hoa = f.open("hoa", f.hoa, {"pool"});
  auto lan = f.open("lan", f.lan, {"pool"});
  auto mai = f.open("mai", f.mai, {"pool"});
  f.now += 1000;
  f.batch({{core::system_actor, core::FloatDueLeads{}}});

  REQUIRE(hoa->frames.size() == 1);
  CHECK(hoa->frames[0]->find("0912000001") == std::string::npos);
  CHECK(hoa->frames[0]->find("0912000002") == std::string::npos);
  CHECK(hoa->types() == std::vector<std::string>{"entered", "entered"});
  CHECK(hoa->pushes()[0].at("data").at("lead").at("phone") == "091****001");
  // lan's own lead never enters lan's pool: one row, as a plain push.
  CHECK(lan->types() == std::vector<std::string>{"entered"});
  CHECK(lan->pushes()[0].at("data").at("lead").at("lead_id").as_int64() == 1);
  CHECK(lan->frames[0]->find("0912000001") == std::string::npos);
  // The manager sees both in full, in another frame than the sales'.
  REQUIRE(mai->frames.size() == 1);
  CHECK(mai->frames[0] != hoa->frames[0]);
  CHECK(mai->pushes()[0].at("data").at("lead").at("phone") == "0912000001");
  CHECK(mai->pushes()[1].at("data").at("lead").at("phone") == "0912000002");
}

TEST_CASE("a push to one user reaches only that user's screens on the topic") {
  Fixture f;
  auto lan1 = f.open("lan1", f.lan, {"me"});
  auto lan2 = f.open("lan2", f.lan, {"pool"});
  auto hoa = f.open("hoa", f.hoa, {"me"});
  f.batch({{f.lan, core::SetPresence{core::Presence::away}}});
  CHECK(lan1->types() == std::vector<std::string>{"presence"});
  CHECK(lan2->frames.empty());
  CHECK(hoa->frames.empty());
  SUBCASE("and nothing after unsubscribing or leaving") {
    f.hub.unsubscribe(lan1.get(), {"me"});
    f.clear();
    f.batch({{f.lan, core::SetPresence{core::Presence::online}}});
    CHECK(lan1->frames.empty());
    f.hub.subscribe(lan1.get(), {"me"});
    f.hub.leave(lan1.get());
    f.batch({{f.lan, core::SetPresence{core::Presence::away}}});
    CHECK(lan1->frames.empty());
    CHECK(f.hub.size() == 2);
  }
}

TEST_CASE("a connection whose session ends in a batch gets nothing after that point, then ends") {
  Fixture f;
  f.login(f.lan, "lan-digest");
  f.login(f.lan, "lan-other");
  auto ending = f.open("ending", f.lan, {"me"}, "lan-digest");
  auto other = f.open("other", f.lan, {"me"}, "lan-other");
  f.batch({{f.lan, core::SetPresence{core::Presence::away}},
           {core::system_actor, core::EndSession{core::Secret{"lan-digest"}}},
           {f.lan, core::SetPresence{core::Presence::online}}});
  CHECK(ending->types() == std::vector<std::string>{"presence"});
  CHECK(ending->ended == "session ended");
  CHECK(other->types().size() >= 2);
  CHECK(other->ended.empty());
}
