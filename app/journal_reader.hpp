// Reads of the journal that answer requests (a conversation's messages), off the engine thread:
// one reader thread with its own read-only connection (WAL lets it read beside the engine's
// writes). Committed events never change, so what it reads below the seq the engine answered
// at is exactly what the engine had folded.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "storage/journal.hpp"

namespace salesdesk::app {

class JournalReader {
 public:
  explicit JournalReader(std::string path) : path_(std::move(path)) {}
  ~JournalReader() { join(); }
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Runs `work` on the reader thread with the read-only journal (opened on first use).
  void run(std::function<void(const storage::Journal&)> work);
  void join() { pool_.join(); }

 private:
  std::string path_;
  std::unique_ptr<storage::Journal> journal_;  // reader thread only
  boost::asio::thread_pool pool_{1};
};

}  // namespace salesdesk::app
