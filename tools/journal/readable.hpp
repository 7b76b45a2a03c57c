// Journal rows as people read them. Events keep roles, presence and order statuses as numbers,
// local days as day counts and times as epoch milliseconds; this shows names, dates and ISO 8601
// times instead. Secrets stay "[redacted]" (core::payload_json never writes them).
#pragma once

#include <boost/json.hpp>

#include "core/settings.hpp"
#include "core/state.hpp"
#include "storage/journal.hpp"
#include "tools/journal/local_time.hpp"

namespace salesdesk::journal_cli {

// What a row may be explained with: a replayed state for names (actor_name, status_name) and
// the unit's offsets for local times (at_local). Either may be absent; then it is not shown.
struct Explain {
  const core::State* names = nullptr;
  const UnitOffsets* offsets = nullptr;
};

// seq, at (ISO UTC), actor, type, stream, hash, payload; at_local and actor_name when explained.
boost::json::object row_json(const storage::Row& row, const Explain& explain);

// A setting's value as JSON: null, a boolean, a number or a string.
boost::json::value setting_json(const core::SettingValue& value);

}  // namespace salesdesk::journal_cli
