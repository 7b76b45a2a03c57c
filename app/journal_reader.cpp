#include "app/journal_reader.hpp"

#include <boost/asio/post.hpp>
#include <iostream>

namespace salesdesk::app {

void JournalReader::run(Work work, Refused refused) {
  if (queued_.fetch_add(1) >= queued_max_) {
    queued_.fetch_sub(1);
    return refused(core::reject(core::Code::rate_limited, "the server is busy reading, retry"));
  }
  boost::asio::post(pool_, [this, work = std::move(work), refused = std::move(refused)] {
    queued_.fetch_sub(1);
    try {
      if (!journal_) journal_ = storage::Journal::open(path_, storage::OpenMode::read_only);
    } catch (const std::exception& e) {
      std::cerr << "salesdesk: the journal reader cannot open the journal: " << e.what()
                << std::endl;
      return refused(core::reject(core::Code::internal, "the journal could not be read"));
    }
    work(*journal_);
  });
}

}  // namespace salesdesk::app
