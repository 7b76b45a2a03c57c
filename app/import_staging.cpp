#include "app/import_staging.hpp"

#include <algorithm>
#include <iterator>

#include "app/protocol.hpp"

namespace salesdesk::app {
namespace {

std::size_t bytes_of(const std::vector<core::LeadRow>& rows) {
  std::size_t n = 0;
  for (const auto& r : rows) {
    n += sizeof(core::LeadRow) + r.phone.size() + r.lead_name.size() + r.source.size() +
         r.product.size() + r.status.size();
  }
  return n;
}

}  // namespace

void ImportStaging::add(core::UserId user, const std::string& id, std::vector<core::LeadRow> rows) {
  std::lock_guard lock(mutex_);
  prune();
  refuse_ended(user, id);
  const auto key = std::make_pair(user, id);
  auto it = batches_.find(key);
  if (it == batches_.end()) it = open(key);
  Batch& b = it->second;
  const std::size_t bytes = bytes_of(rows);
  check_room(user, b, rows.size(), bytes);
  std::move(rows.begin(), rows.end(), std::back_inserter(b.rows));
  b.bytes += bytes;
  bytes_ += bytes;
  b.touched = std::chrono::steady_clock::now();
}

std::vector<core::LeadRow> ImportStaging::finish(core::UserId user, const std::string& id,
                                                 std::vector<core::LeadRow> last,
                                                 std::optional<std::size_t> expected_rows) {
  std::lock_guard lock(mutex_);
  refuse_ended(user, id);
  remember_ended(user, id);
  std::vector<core::LeadRow> all;
  if (auto it = batches_.find({user, id}); it != batches_.end()) {
    all = std::move(it->second.rows);
    bytes_ -= it->second.bytes;
    batches_.erase(it);
  }
  if (all.size() + last.size() > core::import_rows_max) {
    throw BadRequest("at most " + std::to_string(core::import_rows_max) + " leads in one import");
  }
  std::move(last.begin(), last.end(), std::back_inserter(all));
  if (expected_rows && *expected_rows != all.size()) {
    throw BadRequest("batch " + id + " has " + std::to_string(all.size()) + " rows here, not " +
                     std::to_string(*expected_rows) +
                     " (chunks were lost, or the server restarted): nothing was imported; " +
                     "send the import again under a new batch id");
  }
  return all;
}

std::int64_t ImportStaging::bytes() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::int64_t>(bytes_);
}

std::map<ImportStaging::Key, ImportStaging::Batch>::iterator ImportStaging::open(const Key& key) {
  std::size_t mine = 0;
  for (const auto& [k, b] : batches_) mine += k.first == key.first ? 1 : 0;
  if (mine >= staged_batches_per_user_max) {
    throw BadRequest("at most " + std::to_string(staged_batches_per_user_max) +
                     " imports in progress per user: finish one first");
  }
  if (batches_.size() >= staged_batches_max) {
    throw BadRequest("at most " + std::to_string(staged_batches_max) +
                     " imports in progress on the server, retry later");
  }
  return batches_.emplace(key, Batch{}).first;
}

void ImportStaging::check_room(core::UserId user, const Batch& b, std::size_t rows,
                               std::size_t bytes) const {
  if (b.rows.size() + rows > core::import_rows_max) {
    throw BadRequest("at most " + std::to_string(core::import_rows_max) + " leads in one import");
  }
  std::size_t mine = 0;
  for (const auto& [k, other] : batches_) mine += k.first == user ? other.bytes : 0;
  if (mine + bytes > staged_bytes_per_user_max) {
    throw BadRequest("at most " + std::to_string(staged_bytes_per_user_max >> 20) +
                     " MiB of an import may wait for its final chunk per user");
  }
  if (bytes_ + bytes > staged_bytes_max) {
    throw BadRequest("the server holds " + std::to_string(staged_bytes_max >> 20) +
                     " MiB of unfinished imports already, retry later");
  }
}

void ImportStaging::refuse_ended(core::UserId user, const std::string& id) const {
  if (std::find(ended_.begin(), ended_.end(), Key{user, id}) != ended_.end()) {
    throw BadRequest("batch " + id + " has ended (committed or refused as a whole): " +
                     "send the import again under a new batch id");
  }
}

void ImportStaging::remember_ended(core::UserId user, const std::string& id) {
  ended_.push_back({user, id});
  if (ended_.size() > ended_batches_kept) ended_.pop_front();
}

void ImportStaging::prune() {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(batches_, [&](const auto& kv) {
    if (now - kv.second.touched <= staged_batch_idle) return false;
    bytes_ -= kv.second.bytes;
    return true;
  });
}

}  // namespace salesdesk::app
