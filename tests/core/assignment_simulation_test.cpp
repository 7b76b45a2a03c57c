// A seeded simulation of a livestream-selling floor (STYLE.md habit 12): thousands of customers
// writing, commenting on posts and on live videos, 30 sales coming and going, answering,
// closing, racing to take, managers assigning, settings flipping and the clock running the
// timers. After every step: no conversation is ever given from under someone (each assignment
// names the assignee it replaces), every automatic choice was an online sale allowed on the
// page and below capacity, the rotation spreads within one per sale while the eligible sales stay
// the same, and the kept counts and queues agree with a walk. The journal replays to the same
// state, and through a snapshot.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/assignment.hpp"
#include "core/state.hpp"
#include "tests/core/journaled.hpp"

using namespace salesdesk::test;

namespace assignment_simulation {

constexpr int sales_count = 30;
constexpr int pages_count = 3;

// The in-turn assignments of one page since the sales it could choose from last changed.
struct Round {
  std::set<UserId> eligible;
  std::map<UserId, int> given;
};

struct Simulation : Journaled {
  std::mt19937_64 rng;
  std::vector<UserId> sales;
  std::vector<PageId> pages;
  UserId manager = 0;
  int customers = 0;
  int message_id = 0;
  int live = 1;
  std::map<PageId, Round> rounds;
  std::map<std::string, int> automatic;  // by reason
  int take_races = 0;
  int longest_round = 0;

  explicit Simulation(std::uint64_t seed) : rng(seed) {
    must(system_actor, Bootstrap{Secret{"h"}});
    manager = create("mai", Role::manager);
    for (int i = 0; i < sales_count; ++i)
      sales.push_back(create("s" + std::to_string(i), Role::sale));
    for (int i = 0; i < pages_count; ++i) {
      ConnectPage c{.channel = Channel::facebook,
                    .external_id = "page" + std::to_string(i),
                    .page_name = "Page",
                    .secret = "k",
                    .token = "t"};
      must(admin_id, c);
      pages.push_back(static_cast<PageId>(i + 1));
    }
    must(admin_id, UpdateSettings{{{"inbox.auto_assign", true},
                                   {"inbox.auto_reassign", true},
                                   {"inbox.page_permissions", true},
                                   {"inbox.reply_timeout_s", std::int64_t{300}}}});
    for (PageId p : pages) grant(p);
    for (int i = 0; i < sales_count; ++i) {
      if (pick(3) != 0) must(system_actor, StartSession{sales[i], Secret{"d" + std::to_string(i)}});
    }
  }

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  }
  UserId any_sale() { return sales[pick(sales.size())]; }
  PageId any_page() { return pages[pick(pages.size())]; }

  UserId create(const std::string& name, Role role) {
    must(admin_id, CreateUser{name, name, role, Secret{"h"}, {}});
    return state.users.find_username(name)->id;
  }

  // Applies as the engine does, checking each assignment against the state it folds into.
  Result<Events> apply(UserId actor, const Command& c) {
    return Journaled::apply(actor, c, [this](const Event& e) {
      if (const auto* a = std::get_if<ConversationAssigned>(&e.base())) check_assignment(*a);
    });
  }
  Events must(UserId actor, const Command& c) {
    auto r = apply(actor, c);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return r.value();
  }

  // Some sales work on a page, never nobody.
  void grant(PageId page) {
    std::vector<UserId> granted;
    for (UserId s : sales) {
      if (pick(3) != 0) granted.push_back(s);
    }
    if (granted.empty()) granted.push_back(any_sale());
    must(admin_id, SetPageAccess{page, granted, std::nullopt});
  }

  // ---- the checks at each assignment, before it folds ----
  std::set<UserId> eligible_now(PageId page) const {
    std::set<UserId> out;
    for (UserId s : sales) {
      if (eligible(state, s, page)) out.insert(s);
    }
    return out;
  }

  void check_assignment(const ConversationAssigned& a) {
    const Conversation& c = *state.conversations.find(a.conversation_id);
    CAPTURE(a.reason);
    // Never given from under someone: the event replaces the assignee the conversation has.
    CHECK(a.previous_id == c.assignee_id);
    if (!is_automatic(a.reason)) return;
    ++automatic[a.reason];
    CHECK(state.settings[setting::inbox_auto_assign]);
    if (a.assignee_id == 0) return;
    const User& u = *state.users.find(a.assignee_id);
    CHECK(u.role == Role::sale);
    CHECK(u.active);
    CHECK(may_access_page(state, u.id, c.page_id));
    if (!a.in_turn) return;  // a message following its live sale, who may be busy
    const std::set<UserId> now_eligible = eligible_now(c.page_id);
    CHECK(now_eligible.contains(a.assignee_id));  // online, on the page, below capacity
    Round& round = rounds[c.page_id];
    if (a.reason == "reply_timeout" || a.reason == "offline_reassign" ||
        round.eligible != now_eligible) {
      round = Round{now_eligible, {}};  // a new round: skipping someone is not a fault
    }
    ++round.given[a.assignee_id];
    int most = 0, least = 1 << 30;
    for (UserId s : round.eligible) {
      const int n = round.given.contains(s) ? round.given.at(s) : 0;
      most = std::max(most, n);
      least = std::min(least, n);
    }
    CHECK(most - least <= 1);
    longest_round = std::max(longest_round, most);
  }

  // ---- the floor's actions ----
  ReceiveMessage delivery(Inbound kind, const std::string& customer, PageId page) {
    return ReceiveMessage{.page_id = page,
                          .event = kind,
                          .external_message_id = "m" + std::to_string(++message_id),
                          .external_user_id = customer,
                          .customer_name = customer,
                          .text = "hi"};
  }
  std::string any_customer() {
    if (customers == 0 || pick(2) == 0) return "c" + std::to_string(++customers);
    return "c" + std::to_string(1 + pick(static_cast<std::size_t>(customers)));
  }

  void customer_writes() {
    const PageId page = any_page();
    const std::size_t roll = pick(10);
    ReceiveMessage m = delivery(Inbound::message, any_customer(), page);
    if (roll < 2) {
      m.event = Inbound::comment;
      m.post_id = "post" + std::to_string(pick(5));
      // a reply in an earlier thread, or a new one
      if (pick(3) == 0 && message_id > 10)
        m.comment_id = "m" + std::to_string(1 + pick(message_id - 1));
    } else if (roll < 6) {
      m.event = Inbound::livestream_comment;
      m.live_id = "live" + std::to_string(live);
    }
    auto r = apply(system_actor, m);
    // A reply naming a message that was no thread, on another page: refused or a new thread.
    if (!r.ok()) CHECK(r.error().code == Code::bad_request);
  }

  const Conversation* any_conversation() {
    if (state.conversations.by_id.size() == 0) return nullptr;
    return state.conversations.find(
        static_cast<ConversationId>(1 + pick(state.conversations.by_id.size())));
  }

  void sale_works() {
    const Conversation* c = any_conversation();
    if (c == nullptr || c->assignee_id == 0) return;
    const UserId sale = c->assignee_id;
    if (state.users.find(sale)->role != Role::sale) return;
    auto r = pick(3) == 0 ? apply(sale, CloseConversation{c->id})
                          : apply(sale, SendMessage{c->id, "Dạ"});
    // A sale taken off the page no longer sees it.
    if (!r.ok()) CHECK((r.error().code == Code::not_found || r.error().code == Code::forbidden));
  }

  void take_race() {
    // The longest-waiting unassigned conversation of a page, if any.
    auto queue = state.conversations.waiting_by_page.find({any_page(), false});
    if (queue == state.conversations.waiting_by_page.end() || queue->second.empty()) return;
    const ConversationId id = queue->second.begin()->id;
    int winners = 0;
    for (int i = 0; i < 3; ++i) {
      auto r = apply(any_sale(), TakeConversation{id});
      if (r.ok()) {
        winners += r.value().empty() ? 0 : 1;
      } else {
        const Code code = r.error().code;
        CHECK(
            (code == Code::already_assigned || code == Code::not_found || code == Code::forbidden));
      }
    }
    CHECK(winners <= 1);
    ++take_races;
  }

  void manager_assigns() {
    const Conversation* c = any_conversation();
    if (c == nullptr) return;
    (void)apply(manager, AssignConversation{c->id, pick(4) == 0 ? 0 : any_sale()});
  }

  void presence_changes() {
    const UserId sale = any_sale();
    const std::string digest = "d" + std::to_string(sale);
    switch (pick(5)) {
      case 0:
        (void)apply(system_actor,
                    StartSession{sale, Secret{digest + "-" + std::to_string(message_id)}});
        break;
      case 1:
        must(system_actor, ExpirePresence{sale});
        break;
      default: {
        const std::array<Presence, 3> all = {Presence::online, Presence::away, Presence::offline};
        must(sale, SetPresence{all[pick(3)]});
      }
    }
  }

  void flip_settings() {
    switch (pick(5)) {
      case 0:
        (void)apply(admin_id, UpdateSettings{{{"inbox.auto_reassign",
                                               !state.settings[setting::inbox_auto_reassign]}}});
        break;
      case 1: {
        const std::array<std::int64_t, 4> limits = {0, 3, 8, 20};
        (void)apply(admin_id, UpdateSettings{{{"inbox.max_open_per_agent", limits[pick(4)]}}});
        break;
      }
      case 2: {
        // Rotation is turned off now and then, for a while.
        const bool on = state.settings[setting::inbox_auto_assign];
        if (pick(on ? 6 : 2) == 0)
          (void)apply(admin_id, UpdateSettings{{{"inbox.auto_assign", !on}}});
        break;
      }
      case 3:
        grant(any_page());
        break;
      default:
        ++live;  // the next live video begins
    }
  }

  void advance() {
    now += static_cast<Time>(pick(120'000));
    for (const Command& c : due_commands(state, now)) must(system_actor, c);
  }

  void step() {
    const std::size_t roll = pick(100);
    if (roll < 45) return customer_writes();
    if (roll < 60) return sale_works();
    if (roll < 66) return take_race();
    if (roll < 69) return manager_assigns();
    if (roll < 79) return presence_changes();
    if (roll < 82) return flip_settings();
    advance();
  }

  // ---- the kept counts and queues against a walk ----
  void check_indexes() const {
    std::unordered_map<UserId, std::int64_t> open;
    std::map<std::pair<PageId, bool>, SlotSet> waiting;
    for (const Conversation& c : state.conversations.by_id) {
      if (!c.has(flag_closed) && c.assignee_id != 0) ++open[c.assignee_id];
      if (c.waiting_since != 0)
        waiting[{c.page_id, c.assignee_id != 0}].insert({c.waiting_since, c.id});
    }
    CHECK(open == state.conversations.open_of_user);
    std::map<std::pair<PageId, bool>, SlotSet> kept;
    for (const auto& [key, queue] : state.conversations.waiting_by_page) {
      for (const Conversation& c : queue) kept[key].insert({c.waiting_since, c.id});
    }
    CHECK(waiting == kept);
  }

  void check_replay() const {
    const State restored = Journaled::check_replay();
    CHECK(restored.conversations.open_of_user == state.conversations.open_of_user);
    for (PageId p : pages) CHECK(Turns(restored).next(p) == Turns(state).next(p));
  }
};

void run(std::uint64_t seed, int steps) {
  CAPTURE(seed);
  Simulation sim(seed);
  for (int i = 0; i < steps; ++i) {
    CAPTURE(i);
    sim.step();
    sim.check_indexes();
    if (i % 500 == 0) sim.check_replay();
  }
  sim.check_replay();
  // The run must have exercised every way of assigning, or it proves nothing.
  for (const char* reason : {"first_message", "comment_rotation", "livestream_customer",
                             "offline_reassign", "reply_timeout", "sweep"}) {
    CAPTURE(reason);
    CHECK(sim.automatic[reason] > 5);
  }
  CHECK(sim.customers > 1000);
  CHECK(sim.take_races > 50);
  MESSAGE("seed " << seed << ": " << sim.journal.size() << " events, " << sim.customers
                  << " customers, " << sim.state.conversations.by_id.size() << " conversations, "
                  << sim.automatic["first_message"] << " first messages, "
                  << sim.automatic["comment_rotation"] << " comment turns, "
                  << sim.automatic["livestream_customer"] << " live customers, "
                  << sim.automatic["offline_reassign"] << " offline reassigns, "
                  << sim.automatic["reply_timeout"] << " timeouts, " << sim.automatic["sweep"]
                  << " swept, longest round " << sim.longest_round);
}

}  // namespace assignment_simulation

TEST_CASE("simulated livestream floors keep assignment's invariants and replay to the same state") {
  for (std::uint64_t seed : {1u, 2u, 3u}) assignment_simulation::run(seed, 5000);
}
