#include "core/system_message.hpp"

#include "core/state.hpp"

namespace salesdesk::core {

constexpr std::size_t system_text_bytes_max = 2000;

void evolve(SystemMessages& m, const SystemMessageRecorded& e, Time at) {
  m.by_id.push_back(SystemMessage{e.message_id, at, e.kind, e.text, e.ref});
}

void evolve(SystemMessages& m, const SystemMessagesCleared& e, Time) { m.cleared_up_to = e.up_to; }

SystemMessageRecorded system_message(const State& s, std::string kind, std::string text,
                                     std::string ref) {
  if (text.size() > system_text_bytes_max) text.resize(system_text_bytes_max);
  return SystemMessageRecorded{s.system_messages.next_id(), std::move(kind), std::move(text),
                               std::move(ref)};
}

Result<Events> decide(const State& s, UserId actor, const RecordSystemMessage& c, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "system messages come from the system");
  return Events{system_message(s, c.kind, c.text, c.ref)};
}

Result<Events> decide(const State& s, UserId actor, const ClearSystemMessages&, Time) {
  if (auto r = authorize(s, actor, admin_only); !r) return r.error();
  if (s.system_messages.open() == 0) return Events{};
  return Events{SystemMessagesCleared{static_cast<MessageId>(s.system_messages.by_id.size()),
                                      static_cast<std::int64_t>(s.system_messages.open())}};
}

}  // namespace salesdesk::core
