#include "app/stream_page.hpp"

#include <iostream>

namespace salesdesk::app {

void read_after(QueryRequest& query, StreamPage page, JournalReader* reader) {
  auto below = std::make_shared<core::Seq>(0);
  const core::Seq before = page.before;
  // The engine stage fixes where the walk starts: below the cursor, or above the newest event.
  query.query = [check = std::move(query.query), below, before](const core::State& s) {
    auto r = check(s);
    if (r.ok()) *below = before == 0 || before > s.seq ? s.seq + 1 : before;
    return r;
  };
  query.then = [page = std::move(page), below, reader](Outcome first, Done done) {
    if (!first.ok) return done(std::move(first));
    if (reader == nullptr) {
      return done(failure(core::reject(core::Code::internal, "no journal reader")));
    }
    reader->run(
        [page, below, seq = first.seq, done](const storage::Journal& journal) {
          try {
            json::array list;
            core::Seq last = 0;
            bool more = false;
            journal.read_stream_back(page.stream, *below, [&](const storage::Row& row) {
              auto item = page.item(row);
              if (!item) return true;
              if (list.size() == page.limit) {
                more = true;
                return false;
              }
              list.push_back(std::move(*item));
              last = row.seq;
              return true;
            });
            json::object out{
                {"items", std::move(list)},
                {"next_cursor", more ? json::value(std::to_string(last)) : json::value(nullptr)}};
            done(success(json::serialize(out), seq));
          } catch (const std::exception& e) {
            std::cerr << "salesdesk: reading " << page.what << " failed: " << e.what()
                      << std::endl;
            done(failure(core::reject(core::Code::internal, page.what + " could not be read")));
          }
        },
        [done](core::Error e) { done(failure(std::move(e))); });
  };
}

}  // namespace salesdesk::app
