#include "app/engine.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace salesdesk::app {
namespace {

// A broken environment: say what happened and stop without answering anyone.
[[noreturn]] void fail_stop(const std::string& what) {
  std::cerr << "salesdesk: fatal: " << what << "; stopping without acknowledging the batch"
            << std::endl;
  std::_Exit(70);
}

}  // namespace

Outcome failure(core::Error error) {
  Outcome o;
  o.ok = false;
  o.error = std::move(error);
  return o;
}

Outcome success(std::string result, core::Seq seq) {
  Outcome o;
  o.ok = true;
  o.result = std::move(result);
  o.seq = seq;
  return o;
}

Engine::Engine(std::unique_ptr<storage::Journal> journal, Metrics& metrics, Clock clock)
    : journal_(std::move(journal)), metrics_(metrics), clock_(std::move(clock)) {
  state_ = storage::replay(*journal_, 0, true);
  subscribers_.push_back(&metrics_);
  snapshot_seq_ = journal_->latest_snapshot_seq();
  metrics_.snapshot_seq = snapshot_seq_;
  head_ = state_.seq;
  metrics_.journal_head = state_.seq;
  if (state_.seq > 0) {
    journal_->read(state_.seq, state_.seq, [&](const storage::Row& row) { last_at_ = row.at; });
  }
  // Users left online by the previous run have no connection yet: their grace starts now.
  const core::Time start = now();
  started_at_ = start;
  snapshot_at_ = start;
  for (const core::User& u : state_.users.by_id) {
    if (u.presence != core::Presence::offline) unconnected_since_[u.id] = start;
  }
  // Views open at the last stop end now, on record (reason "restart").
  apply_now(core::system_actor, core::EndAllViews{});
}

Engine::~Engine() { stop(); }

core::Time Engine::now() {
  // Event times never go backwards, even if the wall clock does.
  last_at_ = std::max(last_at_, clock_());
  return last_at_;
}

bool Engine::bootstrap(const core::Secret& admin_password_hash) {
  if (journal_->head() != 0) return false;
  apply_now(core::system_actor, core::Bootstrap{admin_password_hash});
  return true;
}

void Engine::apply_now(core::UserId actor, const core::Command& command) {
  Batch batch;
  const core::Time t = now();
  auto decided = core::decide(state_, actor, command, t);
  if (!decided) throw std::runtime_error(decided.error().message);
  apply(actor, decided.value(), t, batch);
  commit(batch);
}

void Engine::subscribe(CommitSubscriber& subscriber) { subscribers_.push_back(&subscriber); }

void Engine::set_snapshot_schedule(SnapshotSchedule schedule) { snapshots_ = schedule; }

void Engine::start() { thread_ = std::thread([this] { run(); }); }

void Engine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Engine::submit(Request request) { return enqueue(std::move(request), true); }

bool Engine::submit_control(Request request) { return enqueue(std::move(request), false); }

// One queue for both, so that a session's requests and its control traffic keep their order.
bool Engine::enqueue(Request request, bool bounded) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || (bounded && queue_.size() >= engine_queue_depth_max)) return false;
    queue_.push_back(std::move(request));
    metrics_.engine_queue_depth = static_cast<std::int64_t>(queue_.size());
  }
  wake_.notify_one();
  return true;
}

void Engine::connection_opened(core::UserId user, const std::string& token_digest) {
  submit_control(Request{ControlRequest{[this, user, token_digest] {
                           ++connections_[user];
                           unconnected_since_.erase(user);
                           ++session_connections_[token_digest];
                           session_used_[token_digest] = now();
                         }},
                         {}});
  submit_control(
      Request{CommandRequest{core::system_actor, core::ResumePresence{user}, {}, {}}, {}});
}

void Engine::connection_closed(core::UserId user, const std::string& token_digest) {
  submit_control(Request{ControlRequest{[this, user, token_digest] {
                           session_used_[token_digest] = now();
                           if (--session_connections_[token_digest] <= 0) {
                             session_connections_.erase(token_digest);
                           }
                           if (--connections_[user] > 0) return;
                           connections_.erase(user);
                           unconnected_since_[user] = now();
                           // A sale's open view of a number ends when they disconnect.
                           submit_control(Request{
                               CommandRequest{core::system_actor, core::EndViewsOf{user}, {}, {}},
                               {}});
                         }},
                         {}});
}

void Engine::run_timers(Done done) {
  ControlRequest fence{[] {}};
  fence.after_timers = true;
  if (!submit_control(Request{std::move(fence), std::move(done)})) {
    throw std::logic_error("run_timers on a stopped engine");
  }
}

// Sessions past their lifetime, or idle with no connection, end (journaled, reason given).
void Engine::expire_sessions(core::Time t, std::vector<Request>& timers) {
  if (t < next_session_check_) return;
  next_session_check_ = t + session_check_ms;
  for (const auto& [digest, session] : state_.users.sessions) {
    auto used = session_used_.find(digest);
    const core::Time last_used = used == session_used_.end() ? started_at_ : used->second;
    const bool connected = session_connections_.contains(digest);
    const std::string reason = core::session_expiry(state_, session, last_used, connected, t);
    if (reason.empty()) continue;
    session_used_.erase(digest);
    timers.push_back(
        Request{CommandRequest{
                    core::system_actor, core::ExpireSession{core::Secret{digest}, reason}, {}, {}},
                {}});
  }
}

core::Seq Engine::head() const { return head_.load(); }

void Engine::run() {
  std::vector<Request> requests;
  requests.reserve(engine_batch_max);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(engine_tick_ms),
                     [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) break;
      const std::size_t n = std::min(queue_.size(), engine_batch_max);
      std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n),
                std::back_inserter(requests));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      metrics_.engine_queue_depth = static_cast<std::int64_t>(queue_.size());
    }
    if (!requests.empty()) {
      metrics_.batch_size.observe(static_cast<double>(requests.size()));
      process(requests);
    }
    requests.clear();
    tick(now());
    snapshot_if_due(now(), false);
  }
  snapshot_if_due(now(), true);
}

void Engine::snapshot_if_due(core::Time t, bool stopping) {
  const core::Seq tail = state_.seq - snapshot_seq_;
  if (tail == 0) return;
  const bool by_events = snapshots_.every_events > 0 && tail >= snapshots_.every_events;
  const bool by_time =
      !stopping && snapshots_.every_ms > 0 && t - snapshot_at_ >= snapshots_.every_ms;
  if (!by_events && !by_time) return;
  snapshot_at_ = t;  // a failed save is retried on the schedule, not at once
  const auto started = std::chrono::steady_clock::now();
  try {
    journal_->save_snapshot(state_);
  } catch (const storage::JournalError& e) {
    // A snapshot only shortens the next start: the journal stays the truth without it.
    std::cerr << "salesdesk: snapshot not saved: " << e.what() << std::endl;
    return;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  metrics_.snapshot_seconds.observe(took.count());
  snapshot_seq_ = state_.seq;
  metrics_.snapshot_seq = snapshot_seq_;
  std::cerr << "salesdesk: snapshot at seq " << snapshot_seq_ << " saved in "
            << static_cast<std::int64_t>(took.count() * 1000) << " ms" << std::endl;
}

void Engine::process(std::vector<Request>& requests) {
  Batch batch;
  const core::Time t = now();
  for (Request& r : requests) {
    if (auto* c = std::get_if<CommandRequest>(&r.body)) {
      handle(*c, r.done, batch, t);
    } else if (auto* q = std::get_if<QueryRequest>(&r.body)) {
      if (!r.done) continue;
      batch.replies.push_back(Held{std::move(r.done), answer(*q, t)});
    } else if (auto* read = std::get_if<ReadRequest>(&r.body)) {
      Outcome outcome = success({});
      try {
        read->read(state_);
      } catch (const std::exception& e) {
        std::cerr << "salesdesk: bug: a read of the state failed: " << e.what() << std::endl;
        outcome = failure(core::reject(core::Code::internal, "internal error"));
      }
      if (r.done) batch.replies.push_back(Held{std::move(r.done), std::move(outcome)});
    } else {
      auto& control = std::get<ControlRequest>(r.body);
      control.run();
      if (!r.done) continue;
      if (control.after_timers) {
        timer_waiters_.push_back(std::move(r.done));
      } else {
        batch.replies.push_back(Held{std::move(r.done), success({})});
      }
    }
  }
  commit(batch);
}

Outcome Engine::answer(const QueryRequest& q, core::Time now) {
  try {
    QueryContext context{now, volatile_};
    auto result = q.timed ? q.timed(state_, context) : q.query(state_);
    return result ? success(std::move(result.value())) : failure(result.error());
  } catch (const std::exception& e) {
    std::cerr << "salesdesk: bug: a query failed: " << e.what() << std::endl;
    return failure(core::reject(core::Code::internal, "internal error"));
  }
}

void Engine::handle(CommandRequest& c, Done& done, Batch& batch, core::Time t) {
  if (c.key.size() > idempotency_key_bytes_max) {
    const auto error =
        core::reject(core::Code::bad_request,
                     "key is longer than " + std::to_string(idempotency_key_bytes_max) + " bytes");
    if (done) batch.replies.push_back(Held{std::move(done), failure(error)});
    return;
  }
  const auto key = std::make_pair(c.actor, c.key);
  if (!c.key.empty()) {
    std::optional<std::string> first;
    if (auto it = batch.batch_keys.find(key); it != batch.batch_keys.end()) {
      first = it->second;
    } else {
      try {
        first = journal_->find_key(c.actor, c.key);
      } catch (const storage::JournalError& e) {
        fail_stop(e.what());
      }
    }
    if (first) {
      if (done) batch.replies.push_back(Held{std::move(done), success(std::move(*first))});
      return;
    }
  }
  if (c.check) {
    if (std::optional<core::Error> refused = c.check(state_)) {
      if (done) batch.replies.push_back(Held{std::move(done), failure(std::move(*refused))});
      return;
    }
  }
  auto decided = core::decide(state_, c.actor, c.command, t);
  if (!decided) {
    if (done) batch.replies.push_back(Held{std::move(done), failure(decided.error())});
    return;
  }
  apply(c.actor, decided.value(), t, batch);
  std::string result = "{}";
  try {
    if (c.render) result = c.render(state_, decided.value());
  } catch (const std::exception& e) {
    // A bug in a rendering: the events stand (they are facts); the caller hears of the bug.
    std::cerr << "salesdesk: bug: rendering a result failed: " << e.what() << std::endl;
    if (done) {
      batch.replies.push_back(
          Held{std::move(done), failure(core::reject(core::Code::internal, "internal error"))});
    }
    return;
  }
  // A command that changed nothing (a repeat, a no-op) stores no key: there is nothing to
  // protect from a second application, and an empty command must not grow the journal.
  if (!c.key.empty() && !decided.value().empty()) {
    batch.batch_keys.emplace(key, result);
    batch.keys.push_back(storage::KeyRecord{c.actor, c.key, result});
  }
  if (done) batch.replies.push_back(Held{std::move(done), success(std::move(result))});
}

void Engine::apply(core::UserId actor, const core::Events& events, core::Time t, Batch& batch) {
  for (const core::Event& e : events) {
    core::evolve(state_, e, t);
    const core::Seq seq = state_.seq + static_cast<core::Seq>(batch.committed.size()) + 1;
    batch.committed.push_back(Committed{seq, t, actor, e});
  }
}

void Engine::commit(Batch& batch) {
  if (!batch.committed.empty() || !batch.keys.empty()) {
    const auto started = std::chrono::steady_clock::now();
    try {
      state_.seq = journal_->append(batch.committed, batch.keys);
    } catch (const storage::JournalError& e) {
      fail_stop(e.what());
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_.append_seconds.observe(took.count());
    head_ = state_.seq;
  }
  for (Held& h : batch.replies) {
    h.outcome.seq = state_.seq;
    h.done(std::move(h.outcome));
  }
  if (!batch.committed.empty()) {
    for (CommitSubscriber* s : subscribers_) s->committed(state_, batch.committed);
  }
  // A user who became present without a connection starts their grace period now.
  for (const Committed& c : batch.committed) {
    const auto* p = std::get_if<core::PresenceChanged>(&c.event.base());
    if (p && p->presence != core::Presence::offline && !connections_.contains(p->user_id)) {
      unconnected_since_.try_emplace(p->user_id, c.at);
    }
  }
}

void Engine::tick(core::Time t) {
  if (t < next_tick_ && timer_waiters_.empty()) return;
  next_tick_ = t + engine_tick_ms;
  std::vector<Request> timers;
  // Each area's timers whose time has come (core decides which), then the engine's own:
  // session expiry and the presence grace, which follow its live connections.
  for (core::Command& c : core::due_commands(state_, t)) {
    timers.push_back(Request{CommandRequest{core::system_actor, std::move(c), {}, {}}, {}});
  }
  expire_sessions(t, timers);
  for (auto it = unconnected_since_.begin(); it != unconnected_since_.end();) {
    const core::User* u = state_.users.find(it->first);
    if (u == nullptr || u->presence == core::Presence::offline) {
      it = unconnected_since_.erase(it);
      continue;
    }
    if (t - it->second >= presence_grace_ms) {
      timers.push_back(
          Request{CommandRequest{core::system_actor, core::ExpirePresence{u->id}, {}, {}}, {}});
      it = unconnected_since_.erase(it);
      continue;
    }
    ++it;
  }
  process(timers);
  std::vector<Done> waiters = std::exchange(timer_waiters_, {});
  for (Done& done : waiters) done(success({}, state_.seq));
}

}  // namespace salesdesk::app
