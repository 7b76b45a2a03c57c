#include "app/engine.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "app/page_secrets.hpp"
#include "tests/temp_dir.hpp"

using namespace salesdesk;
using app::CommandRequest;
using app::Engine;
using app::Outcome;
using app::QueryRequest;
using app::Request;

namespace {

// A clock the test moves by hand.
struct FakeClock {
  std::atomic<core::Time> now{1'795'000'000'000};
  app::Clock fn() {
    return [this] { return now.load(); };
  }
};

struct Harness {
  test::TempDir tmp{"engine-test"};
  FakeClock clock;
  app::Metrics metrics;
  std::unique_ptr<Engine> engine;

  Harness() { open(); }
  void open() {
    engine = std::make_unique<Engine>(storage::Journal::open(tmp.db(), storage::OpenMode::read_write),
                                      metrics, clock.fn());
    engine->bootstrap(core::Secret{"admin-hash"});
  }
  void restart() {
    engine.reset();
    open();
    engine->start();
  }

  std::future<Outcome> command(core::UserId actor, core::Command c, std::string key = {}) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    CommandRequest req{actor, std::move(c),
                       [](const core::State& s, const core::Events&) {
                         return std::to_string(s.teams.by_id.size());
                       },
                       std::move(key)};
    REQUIRE(engine->submit(Request{std::move(req), [promise](Outcome o) { promise->set_value(std::move(o)); }}));
    return future;
  }

  template <class F>
  Outcome query(F f) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    REQUIRE(engine->submit(Request{QueryRequest{[f](const core::State& s) -> core::Result<std::string> {
                                     return f(s);
                                   }},
                                   [promise](Outcome o) { promise->set_value(std::move(o)); }}));
    return future.get();
  }

  // Waits for everything queued before it, through the control lane (never refused).
  void fence() {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    REQUIRE(engine->submit_control(
        Request{app::ControlRequest{[] {}}, [promise](Outcome o) { promise->set_value(std::move(o)); }}));
    future.wait();
  }

  // Runs the engine's timers at the clock's time; returns once their batch is committed.
  void timers() {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    engine->run_timers([promise](Outcome o) { promise->set_value(std::move(o)); });
    REQUIRE(future.get().ok);
  }

  std::string digest() {
    return query([](const core::State& s) { return storage::state_digest(s); }).result;
  }
};

core::Command team(int i) { return core::CreateTeam{"team " + std::to_string(i)}; }

}  // namespace

TEST_CASE("commands queued together are committed in one batch and answered after it") {
  Harness h;
  const core::Seq before = h.engine->head();
  std::vector<std::future<Outcome>> replies;
  for (int i = 0; i < 100; ++i) replies.push_back(h.command(1, team(i)));
  h.engine->start();  // the queue already holds all 100: one batch, one transaction
  for (auto& f : replies) {
    const Outcome o = f.get();
    CHECK(o.ok);
    CHECK(o.seq == before + 100);
  }
  CHECK(h.engine->head() == before + 100);
}

TEST_CASE("a rejected command in a batch does not disturb the others") {
  Harness h;
  auto a = h.command(1, team(1));
  auto dup = h.command(1, team(1));
  auto b = h.command(1, team(2));
  h.engine->start();
  CHECK(a.get().ok);
  const Outcome d = dup.get();
  CHECK_FALSE(d.ok);
  CHECK(d.error.code == core::Code::conflict);
  CHECK(b.get().ok);
}

TEST_CASE("an idempotency key returns the first result and appends nothing, across restarts") {
  Harness h;
  h.engine->start();
  const Outcome first = h.command(1, team(1), "k").get();
  REQUIRE(first.ok);
  const core::Seq head = h.engine->head();
  SUBCASE("sent again") {
    const Outcome again = h.command(1, team(1), "k").get();
    CHECK(again.ok);
    CHECK(again.result == first.result);
    CHECK(h.engine->head() == head);
  }
  SUBCASE("sent twice in one batch") {
    h.engine.reset();
    h.open();
    auto x = h.command(1, team(7), "k2");
    auto y = h.command(1, team(7), "k2");
    h.engine->start();
    CHECK(x.get().ok);
    const Outcome yy = y.get();
    CHECK(yy.ok);
    CHECK(h.engine->head() == head + 1);
  }
  SUBCASE("after a restart") {
    h.restart();
    const Outcome again = h.command(1, team(1), "k").get();
    CHECK(again.ok);
    CHECK(again.result == first.result);
    CHECK(h.engine->head() == head);
  }
  SUBCASE("the same key from another user is another command") {
    h.command(1, core::CreateUser{"mai", "Mai", core::Role::admin, core::Secret{"h"}, {}}).get();
    const Outcome other = h.command(2, team(2), "k").get();
    CHECK(other.ok);
    CHECK(other.result != first.result);
  }
}

TEST_CASE("a rejected command does not burn its key") {
  Harness h;
  h.engine->start();
  h.command(1, team(1)).get();
  CHECK_FALSE(h.command(1, team(1), "k").get().ok);
  CHECK(h.command(1, team(2), "k").get().ok);
}

TEST_CASE("a restart rebuilds exactly the state the engine had") {
  Harness h;
  h.engine->start();
  for (int i = 0; i < 20; ++i) h.command(1, team(i));
  h.command(1, core::UpdateSettings{{{"pool.enabled", true}}}).get();
  const std::string live = h.digest();
  h.restart();
  CHECK(h.digest() == live);
}

TEST_CASE("presence ends after the grace period without a connection, by a journaled timer") {
  Harness h;
  h.engine->start();
  REQUIRE(h.command(core::system_actor, core::StartSession{1, core::Secret{"d"}}).get().ok);
  const auto presence = [&] {
    return h.query([](const core::State& s) {
              return std::string(core::to_string(s.users.find(1)->presence));
            }).result;
  };
  CHECK(presence() == "online");
  SUBCASE("59 s without a connection: still online") {
    h.clock.now += 59'000;
    h.timers();
    CHECK(presence() == "online");
  }
  SUBCASE("no connection for 61 s: offline") {
    h.clock.now += 61'000;
    h.timers();
    CHECK(presence() == "offline");
    SUBCASE("and a connection brings the user back") {
      h.engine->connection_opened(1, "digest-1");
      h.query([](const core::State&) { return std::string(); });  // after the control
      CHECK(presence() == "online");
    }
  }
  SUBCASE("a live connection keeps the user online") {
    h.engine->connection_opened(1, "digest-1");
    h.clock.now += 600'000;
    h.timers();
    CHECK(presence() == "online");
  }
}

TEST_CASE("a read of the state that throws is answered as failed and the engine goes on") {
  Harness h;
  h.engine->start();
  std::promise<std::optional<std::size_t>> failed, worked;
  REQUIRE(h.engine->submit(app::read_state<std::size_t>(
      [](const core::State&) -> std::size_t { throw std::runtime_error("a bug in a read"); },
      [&](std::optional<std::size_t> v) { failed.set_value(v); })));
  REQUIRE(h.engine->submit(app::read_state<std::size_t>(
      [](const core::State& s) { return s.teams.by_id.size(); },
      [&](std::optional<std::size_t> v) { worked.set_value(v); })));
  CHECK_FALSE(failed.get_future().get().has_value());
  CHECK(worked.get_future().get() == std::optional<std::size_t>(0));
  // The engine still commits.
  CHECK(h.command(1, team(1)).get().ok);
}

TEST_CASE("the queue is bounded") {
  Harness h;  // not started: nothing drains
  int accepted = 0;
  for (std::size_t i = 0; i < app::engine_queue_depth_max + 10; ++i) {
    accepted += h.engine->submit(Request{QueryRequest{[](const core::State&) -> core::Result<std::string> {
                                           return std::string();
                                         }},
                                         {}})
                    ? 1
                    : 0;
  }
  CHECK(accepted == static_cast<int>(app::engine_queue_depth_max));
}

TEST_CASE("control traffic passes a full queue: a disconnect still ends the views it leaves") {
  Harness h;
  h.engine->start();
  // A sale who has revealed a pooled lead's number.
  REQUIRE(h.command(1, core::CreateUser{"lan", "Lan", core::Role::sale, core::Secret{"h"}, {}}).get().ok);
  REQUIRE(h.command(1, core::UpdateSettings{{{"pool.enabled", true}, {"pool.float_all", true}}}).get().ok);
  core::ImportLeads import{{core::LeadRow{"0912345678", "Khach", "", "", "", 0}}, {}, false};
  REQUIRE(h.command(1, import).get().ok);
  h.timers();  // the lead floats
  REQUIRE(h.command(2, core::RevealPhone{1}).get().ok);
  const auto views = [&] {
    return h.query([](const core::State& s) {
             return std::string(s.leads.view_of(1) != nullptr ? "open" : "none");
           }).result == "open";
  };
  REQUIRE(views());
  h.engine->connection_opened(2, "digest-2");

  // The engine is stopped on a request that waits; the queue fills behind it.
  std::promise<void> release;
  auto released = release.get_future().share();
  REQUIRE(h.engine->submit(Request{app::ControlRequest{[released] { released.wait(); }}, {}}));
  const auto empty_query = [] {
    return Request{QueryRequest{[](const core::State&) -> core::Result<std::string> {
                     return std::string();
                   }},
                   {}};
  };
  while (h.engine->submit(empty_query())) {
  }
  CHECK_FALSE(h.engine->submit(empty_query()));  // ordinary requests are refused now

  h.engine->connection_closed(2, "digest-2");
  release.set_value();
  h.fence();  // after the close, which queues the end of the views behind this fence
  h.fence();  // after the end of the views
  CHECK_FALSE(views());
}

TEST_CASE("snapshots are saved on a schedule of events and of time, and a restart starts there") {
  Harness h;
  const auto sync = [&] { h.query([](const core::State&) { return std::string(); }); };
  CHECK(h.metrics.snapshot_seq == 0);

  SUBCASE("after every_events events") {
    h.engine->set_snapshot_schedule(app::SnapshotSchedule{10, 60'000});  // before start()
    h.engine->start();
    for (int i = 0; i < 9; ++i) REQUIRE(h.command(1, team(i)).get().ok);
    sync();
    const core::Seq head = h.engine->head();
    CHECK(h.metrics.snapshot_seq >= head - 9);  // at most the events since one snapshot
    for (int i = 9; i < 30; ++i) REQUIRE(h.command(1, team(i)).get().ok);
    sync();
    CHECK(h.metrics.snapshot_seq > head);
    CHECK(h.engine->head() - h.metrics.snapshot_seq < 10);
  }
  SUBCASE("after every_ms of the engine's clock, when anything changed") {
    h.engine->set_snapshot_schedule(app::SnapshotSchedule{0, 60'000});
    h.engine->start();
    REQUIRE(h.command(1, team(1)).get().ok);
    h.clock.now += 30'000;
    h.timers();
    sync();
    CHECK(h.metrics.snapshot_seq == 0);
    h.clock.now += 31'000;
    h.timers();
    sync();
    CHECK(h.metrics.snapshot_seq == h.engine->head());
    const core::Seq at = h.metrics.snapshot_seq;
    h.clock.now += 120'000;  // nothing changed since: no new snapshot
    h.timers();
    sync();
    CHECK(h.metrics.snapshot_seq == at);
  }
  const std::string live = h.digest();
  const core::Seq snapshot = h.metrics.snapshot_seq;
  REQUIRE(snapshot > 0);
  h.restart();
  CHECK(h.digest() == live);
  CHECK(h.metrics.snapshot_seq == snapshot);  // the restart found it
}

TEST_CASE("a command whose check refuses is answered with the check's error and appends nothing") {
  Harness h;
  h.engine->start();
  const core::Seq before = h.engine->head();
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto future = promise->get_future();
  CommandRequest req{1, team(1), {}, {}, [](const core::State& s) -> std::optional<core::Error> {
                       if (s.teams.by_id.empty()) return core::reject(core::Code::conflict, "no teams yet");
                       return std::nullopt;
                     }};
  REQUIRE(h.engine->submit(Request{std::move(req), [promise](Outcome o) { promise->set_value(std::move(o)); }}));
  const Outcome refused = future.get();
  CHECK_FALSE(refused.ok);
  CHECK(refused.error.code == core::Code::conflict);
  CHECK(refused.error.message == "no teams yet");
  CHECK(h.engine->head() == before);
  CHECK(h.command(1, team(2)).get().ok);  // no check: taken
}

TEST_CASE("the webhook's copy of the API pages' secrets follows every change of a page") {
  Harness h;
  app::PageSecrets secrets;
  h.engine->subscribe(secrets);
  h.engine->start();
  auto connected = h.command(1, core::ConnectPage{.channel = core::Channel::api,
                                                        .external_id = "shop",
                                                        .page_name = "Shop",
                                                        .secret = "first"});
  REQUIRE(connected.get().ok);
  const core::PageId page = 1;
  h.fence();  // the batch's subscribers ran
  CHECK(secrets.find(page) == std::optional<std::string>("first"));
  const auto check = [&](const std::string& secret) {
    return h.query([&](const core::State& s) -> core::Result<std::string> {
      const auto refused = app::check_secret(s, page, secret);
      return refused ? std::string(core::to_string(refused->code)) : std::string("ok");
    }).result;
  };
  CHECK(check("first") == "ok");
  REQUIRE(h.command(1, core::UpdatePage{.page_id = page, .secret = "second"}).get().ok);
  h.fence();
  CHECK(secrets.find(page) == std::optional<std::string>("second"));
  // A delivery verified with the old secret just before the change is not taken after it.
  CHECK(check("first") == "unauthorized");
  CHECK(check("second") == "ok");
  REQUIRE(h.command(1, core::DisconnectPage{page}).get().ok);
  h.fence();
  CHECK_FALSE(secrets.find(page).has_value());
  CHECK(check("second") == "not_found");
  // A page of another channel is never in the copy, even when a webhook asks for it.
  REQUIRE(h.command(1, core::ConnectPage{.channel = core::Channel::facebook,
                                         .external_id = "fb",
                                         .page_name = "FB",
                                         .secret = "s",
                                         .token = "t"})
              .get()
              .ok);
  h.fence();
  h.query([&](const core::State& s) -> core::Result<std::string> {
    secrets.learn(s, 2);
    return std::string();
  });
  CHECK_FALSE(secrets.find(2).has_value());
}
