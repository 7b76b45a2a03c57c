// System messages: errors that need a person's attention (SPEC.md section 6) — an order that
// could not be distributed, a webhook that failed its signature, a message a channel refused.
// Admin sees the list with a badge while it is not empty, and clears it.
// A message's `code` names its sentence, which the web UI has in every language, and `params`
// fill it; `text` is the same sentence in English, for the journal, the CLI and old clients.
#pragma once

#include <cereal/cereal.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

inline std::string system_stream() { return "system"; }

// A message's values by name: {"conversation": "12", "page": "Shop", ...}.
using SystemParams = std::map<std::string, std::string>;

struct SystemMessageRecorded {
  static constexpr std::uint16_t type_id = 100;
  static constexpr const char* name = "SystemMessageRecorded";
  MessageId message_id = 0;
  std::string kind;  // "order", "webhook", "channel", "catalog"
  std::string text;
  std::string ref;   // the entity it is about, e.g. "order:12"
  std::string code;     // version 1 (version 0 events read "": their text is all they say)
  SystemParams params;  // version 1
  std::string stream() const { return system_stream(); }
  template <class A>
  void serialize(A& ar, std::uint32_t version) {
    ar(CEREAL_NVP(message_id), CEREAL_NVP(kind), CEREAL_NVP(text), CEREAL_NVP(ref));
    if (version >= 1) ar(CEREAL_NVP(code), CEREAL_NVP(params));
  }
};

struct SystemMessagesCleared {
  static constexpr std::uint16_t type_id = 101;
  static constexpr const char* name = "SystemMessagesCleared";
  MessageId up_to = 0;
  std::int64_t count = 0;  // how many were open
  std::string stream() const { return system_stream(); }
  template <class A>
  void serialize(A& ar, std::uint32_t) { ar(CEREAL_NVP(up_to), CEREAL_NVP(count)); }
};

struct SystemMessage {
  MessageId id = 0;
  Time at = 0;
  std::string kind;
  std::string text;
  std::string ref;
  std::string code;
  SystemParams params;
  template <class A>
  void serialize(A& ar) { ar(id, at, kind, text, ref, code, params); }
};

struct SystemMessages {
  std::vector<SystemMessage> by_id;  // index = id - 1, cleared ones included
  MessageId cleared_up_to = 0;
  MessageId next_id() const { return static_cast<MessageId>(by_id.size()) + 1; }
  std::size_t open() const { return by_id.size() - static_cast<std::size_t>(cleared_up_to); }
  template <class A>
  void serialize(A& ar) { ar(by_id, cleared_up_to); }
};

void evolve(SystemMessages& m, const SystemMessageRecorded& e, Time at);
void evolve(SystemMessages& m, const SystemMessagesCleared& e, Time at);

// What a message says: its kind, its sentence's code and values, the sentence in English.
struct SystemNotice {
  std::string kind;  // "order", "webhook", "channel", "security"
  std::string code;
  SystemParams params;
  std::string text;
  std::string ref;  // the entity it is about, e.g. "order:12"
};

// The event that records a message, with the next id.
SystemMessageRecorded system_message(const State& s, SystemNotice notice);

// Issued by the edges (webhooks, senders) for failures no user request is waiting on.
struct RecordSystemMessage {
  SystemNotice notice;
};

struct ClearSystemMessages {};

Result<Events> decide(const State& s, UserId actor, const RecordSystemMessage& c, Time now);
Result<Events> decide(const State& s, UserId actor, const ClearSystemMessages& c, Time now);

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct SystemMessageArea {
  using EventTypes = TypeList<SystemMessageRecorded, SystemMessagesCleared>;
  using CommandTypes = TypeList<RecordSystemMessage, ClearSystemMessages>;
  SystemMessages system_messages;
  static constexpr auto projection = &SystemMessageArea::system_messages;
};

}  // namespace salesdesk::core

CEREAL_CLASS_VERSION(salesdesk::core::SystemMessageRecorded, 1);
