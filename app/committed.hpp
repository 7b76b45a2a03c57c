// A committed batch as the engine hands it to its post-commit subscribers.
#pragma once

#include <vector>

#include "core/events.hpp"
#include "core/state.hpp"
#include "storage/journal.hpp"

namespace salesdesk::app {

// One committed event, with the row's metadata, as subscribers see it: the very value the
// engine appended (no copy of the event is made for them).
using Committed = storage::Committed;

// What hears of each committed batch once it is durable: the hub (pushes), the metrics, and
// next the outbox. Called on the engine thread, in commit order, after the batch's replies
// were handed over and before the next batch is decided; `state` is the state right after the
// batch and may be read only during the call. Work that does not need it (sending, delivery)
// belongs on the subscriber's own threads.
class CommitSubscriber {
 public:
  virtual ~CommitSubscriber() = default;
  virtual void committed(const core::State& state, const std::vector<Committed>& batch) = 0;
};

}  // namespace salesdesk::app
