// Chunked lead imports: the rows of a batch staged per user and batch id until its final chunk
// (schema/protocol.md "Leads and the work queue"). A batch id is used once: its final chunk
// takes the staged rows out and the batch commits whole or is refused whole; any later chunk
// under that id is refused, so a batch can never commit in part. Only a manager or admin
// stages (checked on the engine thread, before staging), within per-user and global caps on
// open batches and bytes. The server owns one (Services); it is not journaled, so a restart
// forgets the staged rows, and a final chunk that gives the batch's row count is refused whole
// when rows are missing.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/lead.hpp"

namespace salesdesk::app {

constexpr std::size_t staged_batches_max = 64;
constexpr std::size_t staged_batches_per_user_max = 4;
constexpr std::size_t staged_bytes_per_user_max = std::size_t{64} << 20;
constexpr std::size_t staged_bytes_max = std::size_t{256} << 20;
constexpr std::size_t ended_batches_kept = 4096;
constexpr auto staged_batch_idle = std::chrono::minutes(10);

class ImportStaging {
 public:
  // Adds the rows of a non-final chunk. Throws BadRequest over a cap or for an ended batch.
  void add(core::UserId user, const std::string& id, std::vector<core::LeadRow> rows);
  // The final chunk: every staged row of the batch, then these; the batch id ends here. With
  // `expected_rows`, a batch that does not have that many rows is refused (BadRequest).
  std::vector<core::LeadRow> finish(core::UserId user, const std::string& id,
                                    std::vector<core::LeadRow> last,
                                    std::optional<std::size_t> expected_rows);
  std::int64_t bytes() const;

 private:
  struct Batch {
    std::vector<core::LeadRow> rows;
    std::size_t bytes = 0;
    std::chrono::steady_clock::time_point touched;
  };
  using Key = std::pair<core::UserId, std::string>;

  std::map<Key, Batch>::iterator open(const Key& key);
  void check_room(core::UserId user, const Batch& b, std::size_t rows, std::size_t bytes) const;
  void refuse_ended(core::UserId user, const std::string& id) const;
  void remember_ended(core::UserId user, const std::string& id);
  void prune();

  mutable std::mutex mutex_;
  std::map<Key, Batch> batches_;
  std::deque<Key> ended_;
  std::size_t bytes_ = 0;
};

}  // namespace salesdesk::app
