// A page of one stream's events, newest first, read from the journal off the engine thread:
// `conversations.messages` (a conversation's messages) and `leads.history` (what happened to a
// lead). The engine first checks that the caller may see the stream and fixes the seq the answer
// reflects; then the reader thread walks the stream back from there.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/engine.hpp"
#include "app/journal_reader.hpp"
#include "app/protocol.hpp"

namespace salesdesk::app {

// An item of the page from one row, or nothing for a row the page leaves out.
using RowItem = std::function<std::optional<json::object>(const storage::Row&)>;

struct StreamPage {
  std::string stream;
  core::Seq before = 0;  // the cursor given (0: from the newest)
  std::size_t limit = 50;
  RowItem item;
  std::string what;  // for the error: "the messages"
};

// Makes `query` (whose engine stage checks the caller and answers null) read the page after it:
// {"items":[...],"next_cursor": the seq to continue below, or null}.
void read_after(QueryRequest& query, StreamPage page, JournalReader* reader);

}  // namespace salesdesk::app
