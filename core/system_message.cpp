#include "core/system_message.hpp"

#include "core/state.hpp"

namespace salesdesk::core {

constexpr std::size_t system_text_bytes_max = 2000;

void evolve(SystemMessages& m, const SystemMessageRecorded& e, Time at) {
  m.by_id.push_back(SystemMessage{e.message_id, at, e.kind, e.text, e.ref, e.code, e.params});
}

void evolve(SystemMessages& m, const SystemMessagesCleared& e, Time) { m.cleared_up_to = e.up_to; }

SystemMessageRecorded system_message(const State& s, SystemNotice n) {
  if (n.text.size() > system_text_bytes_max) n.text.resize(system_text_bytes_max);
  return SystemMessageRecorded{s.system_messages.next_id(), std::move(n.kind), std::move(n.text),
                               std::move(n.ref), std::move(n.code), std::move(n.params)};
}

Result<Events> decide(const State& s, UserId actor, const RecordSystemMessage& c, Time) {
  if (actor != system_actor) return reject(Code::forbidden, "system messages come from the system");
  return Events{system_message(s, c.notice)};
}

Result<Events> decide(const State& s, UserId actor, const ClearSystemMessages&, Time) {
  if (auto r = authorize(s, actor, admin_only); !r) return r.error();
  if (s.system_messages.open() == 0) return Events{};
  return Events{SystemMessagesCleared{static_cast<MessageId>(s.system_messages.by_id.size()),
                                      static_cast<std::int64_t>(s.system_messages.open())}};
}

}  // namespace salesdesk::core
