// The engine: one thread owns the state. Sessions hand it commands, queries and control calls
// through a bounded queue; it decides and applies a whole batch, appends the batch's events in
// one transaction (group commit), and only then answers and publishes. If the append fails the
// process stops without answering (fail-stop): on restart the journal is the truth.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <typeindex>
#include <unordered_map>
#include <variant>
#include <vector>

#include "app/committed.hpp"
#include "app/metrics.hpp"
#include "core/commands.hpp"
#include "storage/journal.hpp"

namespace salesdesk::app {

constexpr std::size_t engine_queue_depth_max = 65536;
constexpr std::size_t engine_batch_max = 4096;
constexpr core::Time engine_tick_ms = 200;
constexpr core::Time presence_grace_ms = 60'000;
constexpr core::Time session_check_ms = 60'000;
// When the engine saves a snapshot of the state, so that a crash replays only the tail: after
// this many events, or this long, since the last one (0 turns either off), at a clean stop
// when the events rule is due, and right after a start that replayed at least that many
// events. Saved on the engine thread, between batches (a pause; see docs/PERFORMANCE.md).
struct SnapshotSchedule {
  core::Seq every_events = 100'000;
  core::Time every_ms = 10 * 60'000;
};
// The longest idempotency key kept with a command (the codec refuses longer ones first).
constexpr std::size_t idempotency_key_bytes_max = 128;

// What a request gets back, on the engine thread, once its answer is safe to send. The engine
// speaks no wire format: `result` is whatever text the caller's codec rendered (the protocol's
// JSON; empty for requests without a rendering), and a command's stored idempotent answer is
// that same text.
struct Outcome {
  bool ok = false;
  core::Error error;
  std::string result;
  core::Seq seq = 0;
};

Outcome success(std::string result, core::Seq seq = 0);
Outcome failure(core::Error error);

using Done = std::function<void(Outcome)>;

// State of the modules that is not journaled (the pool's draw windows): one object of each
// type, made on first use, owned by the engine, touched on its thread only, and lost on
// restart (each module says in schema/protocol.md what that means for its clients).
class Volatile {
 public:
  template <class T>
  T& of() {
    std::shared_ptr<void>& slot = slots_[std::type_index(typeid(T))];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

 private:
  std::unordered_map<std::type_index, std::shared_ptr<void>> slots_;
};

// What a query may use besides the committed state.
struct QueryContext {
  core::Time now = 0;  // the engine's time
  Volatile& local;
};

// A query's answer, rendered by the codec that asked, or a named error.
using Query = std::function<core::Result<std::string>(const core::State&)>;
// A query that also needs the engine's time or a module's volatile state.
using TimedQuery = std::function<core::Result<std::string>(const core::State&, QueryContext&)>;
// A command's result, rendered by the codec from the state right after its events.
using Render = std::function<std::string(const core::State&, const core::Events&)>;

// A condition the state must meet when the command is decided (a webhook's page still has the
// secret its delivery was verified with): nullopt, or the error the command fails with.
using Check = std::function<std::optional<core::Error>(const core::State&)>;

struct CommandRequest {
  core::UserId actor = core::system_actor;
  core::Command command;
  Render render;       // the result, from the state right after the command's events
  std::string key;     // idempotency key ("" = none)
  Check check = {};    // before the command is decided ({} = none)
};

// A query's second stage, off the engine thread (a read of the journal): it gets the first
// stage's outcome and gives the final one to `done`, from whatever thread it runs on.
using Then = std::function<void(Outcome first, Done done)>;

// A query's first stage, before the engine sees it, on the journal reader's thread (a search of
// the text index): it fills what the engine stage reads. Whatever it throws fails the query.
using Before = std::function<void(const storage::Journal&)>;

struct QueryRequest {
  Query query;
  TimedQuery timed = {};
  Then then = {};  // run by the session that asked, not by the engine
  Before before = {};
};

// A typed look at the committed state for code inside the server (a login's password check,
// a session's user): `read` runs on the engine thread and keeps what it needs; `done` follows.
struct ReadRequest {
  std::function<void(const core::State&)> read;
};

// Runtime bookkeeping that is not journaled (live connections), run on the engine thread.
struct ControlRequest {
  std::function<void()> run;
  // Answer only after the engine's timers have run and their batch is committed and published
  // (a test's fence for time: move the clock, then wait for this).
  bool after_timers = false;
};

struct Request {
  std::variant<CommandRequest, QueryRequest, ReadRequest, ControlRequest> body;
  Done done;  // may be empty
};

// A request that reads a T from the committed state and hands it to `then` (on the engine
// thread, after the batch it was answered in); nullopt when the read failed (a bug: it threw,
// the engine logged it and goes on).
template <class T, class Read, class Then>
Request read_state(Read read, Then then) {
  auto value = std::make_shared<T>();
  return Request{ReadRequest{[value, read](const core::State& s) { *value = read(s); }},
                 [value, then](Outcome outcome) mutable {
                   then(outcome.ok ? std::optional<T>(std::move(*value)) : std::nullopt);
                 }};
}

using Clock = std::function<core::Time()>;

class Engine {
 public:
  Engine(std::unique_ptr<storage::Journal> journal, Metrics& metrics, Clock clock);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs the first-start bootstrap if the journal is empty; returns true if it did.
  bool bootstrap(const core::Secret& admin_password_hash);
  // Applies commands synchronously before start() (demo data); throws on a rejection.
  void apply_now(core::UserId actor, const core::Command& command);

  // Adds a subscriber (before start()); it must outlive the engine's thread.
  void subscribe(CommitSubscriber& subscriber);
  void set_snapshot_schedule(SnapshotSchedule schedule);  // before start()
  void start();
  // Finishes every queued request, answers them, saves a snapshot if due, joins the thread.
  void stop();

  // False when the queue is full or the engine is stopping: the caller answers rate_limited.
  bool submit(Request request);
  // Control traffic (a connection opened or closed, the views it leaves, its session check)
  // is never refused for a full queue: it is bounded by the number of connections, and losing
  // it would leave counts wrong and views open after a disconnect. False only when stopping.
  bool submit_control(Request request);

  // Connection bookkeeping for presence and session expiry, called from sessions.
  void connection_opened(core::UserId user, const std::string& token_digest);
  void connection_closed(core::UserId user, const std::string& token_digest);
  // Runs the timers now (whatever the time of the last tick) and calls `done` once their batch
  // is committed and published: tests move their clock, then wait for this instead of sleeping.
  void run_timers(Done done);

  core::Seq head() const;

 private:
  struct Held {
    Done done;
    Outcome outcome;
  };
  struct Batch {
    std::vector<storage::KeyRecord> keys;
    std::map<std::pair<core::UserId, std::string>, std::string> batch_keys;
    std::vector<Held> replies;
    std::vector<Committed> committed;
  };

  void run();
  void process(std::vector<Request>& requests);
  void handle(CommandRequest& c, Done& done, Batch& batch, core::Time now);
  Outcome answer(const QueryRequest& q, core::Time now);
  void apply(core::UserId actor, const core::Events& events, core::Time now, Batch& batch);
  void commit(Batch& batch);
  bool enqueue(Request request, bool bounded);
  void tick(core::Time now);
  void snapshot_if_due(core::Time now, bool stopping);
  core::Time now();

  std::unique_ptr<storage::Journal> journal_;
  Metrics& metrics_;
  Clock clock_;
  core::State state_;
  Volatile volatile_;  // engine-thread only
  core::Time last_at_ = 0;
  core::Seq snapshot_seq_ = 0;
  SnapshotSchedule snapshots_;
  core::Time snapshot_at_ = 0;  // when the last snapshot was saved (or the engine started)
  std::vector<CommitSubscriber*> subscribers_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Request> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<core::Seq> head_{0};

  // Engine-thread only: live connections and since when a user has had none.
  std::map<core::UserId, int> connections_;
  std::map<core::UserId, core::Time> unconnected_since_;
  core::Time next_tick_ = 0;
  std::vector<Done> timer_waiters_;  // run_timers callers, answered after the next tick
  // Engine-thread only: live connections per session and when each was last used, for the
  // idle expiry; a session not seen since the start counts from the start.
  std::map<std::string, int> session_connections_;
  std::map<std::string, core::Time> session_used_;
  core::Time started_at_ = 0;
  core::Time next_session_check_ = 0;
  void expire_sessions(core::Time now, std::vector<Request>& timers);
};

}  // namespace salesdesk::app
