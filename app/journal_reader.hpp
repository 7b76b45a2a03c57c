// Reads of the journal that answer requests (a conversation's messages), off the engine thread:
// one reader thread with its own read-only connection (WAL lets it read beside the engine's
// writes). Committed events never change, so what it reads below the seq the engine answered
// at is exactly what the engine had folded.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/types.hpp"
#include "storage/journal.hpp"

namespace salesdesk::app {

// How many reads may wait for the reader thread: beyond that the server is busy for reads (one
// user's flood of searches must not delay everyone's messages without bound).
constexpr std::size_t reads_queued_max = 256;

class JournalReader {
 public:
  using Work = std::function<void(const storage::Journal&)>;
  using Refused = std::function<void(core::Error)>;

  explicit JournalReader(std::string path, std::size_t queued_max = reads_queued_max)
      : path_(std::move(path)), queued_max_(queued_max) {}
  ~JournalReader() { join(); }
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Runs `work` on the reader thread with the read-only journal (opened on first use). When
  // `queued_max` reads wait already, `refused` runs at once on this thread (rate_limited); when
  // the journal cannot be opened, on the reader thread (internal).
  void run(Work work, Refused refused);
  void join() { pool_.join(); }

 private:
  std::string path_;
  std::size_t queued_max_;
  std::atomic<std::size_t> queued_{0};
  std::unique_ptr<storage::Journal> journal_;  // reader thread only
  boost::asio::thread_pool pool_{1};
};

}  // namespace salesdesk::app
