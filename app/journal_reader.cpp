#include "app/journal_reader.hpp"

#include <boost/asio/post.hpp>
#include <iostream>

namespace salesdesk::app {

void JournalReader::run(std::function<void(const storage::Journal&)> work) {
  boost::asio::post(pool_, [this, work = std::move(work)] {
    if (!journal_) journal_ = storage::Journal::open(path_, storage::OpenMode::read_only);
    work(*journal_);
  });
}

}  // namespace salesdesk::app
