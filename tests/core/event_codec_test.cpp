#include "core/event_codec.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/string.hpp>
#include <sstream>

#include "tests/core/given.hpp"

using namespace salesdesk::test;

namespace {

std::vector<Event> one_of_each() {
  return {
      UserCreated{3, "lan", "Nguyễn Thị Lan", Role::sale, Secret{"pbkdf2-secret"}, {1, 2}},
      UserUpdated{3, std::string("Lan"), Role::manager, false, std::vector<TeamId>{2}},
      PasswordChanged{3, Secret{"pbkdf2-other"}},
      SessionStarted{3, Secret{"digest-1"}},
      SessionEnded{3, Secret{"digest-1"}, "logout"},
      PresenceChanged{3, Presence::away, "user"},
      TeamCreated{1, "Telesales"},
      SettingsChanged{{{"pool.enabled", true}, {"orders.default_source", std::monostate{}},
                       {"pool.batch_size", std::int64_t{20}}, {"phone.country", std::string("UA")}}},
      StatusUpserted{"busy", "Busy", true},
      ProductUpserted{"TEA", "Trà xanh", 50000},
      ComboUpserted{"GIFT", "Gift", 60000, {{"TEA", 1}, {"CUP", 2}}},
      SourceUpserted{"fb", "Facebook", "facebook"},
      WarehouseUpserted{"HN", "Hà Nội"},
      CustomerCreated{1, "Hoa", {"0912345678"}, "Hà Nội", 3},
      CustomerUpdated{1, std::string("Hoa N."), std::vector<std::string>{"0912345678", "0987654321"}, {},
                      std::vector<std::string>{"hoa"}, UserId{0}},
      CustomerNoted{1, 3, "calls after 6pm"},
      OrderCreated{1, OrderStatus::fresh, 1, "0912345678", "Hoa", "Hà Nội",
                   {{"product", "TEA", "Trà xanh", 3, 50000, 1250, 18750, 131250}}, 131250, "fb", "HN", "", 3, 0, 0},
      OrderStatusChanged{1, OrderStatus::fresh, OrderStatus::confirmed},
      OrderAssigned{1, 3, "rotation"},
      OrderUpdated{1, "0987654321", "Hoa", "Hải Phòng",
                   {{"combo", "GIFT", "Gift", 1, 60000, 0, 0, 60000}}, 60000, "zalo", "SG", "gọi trước"},
      SystemMessageRecorded{1, "order", "not distributed", "order:1", "order_not_distributed",
                            {{"order", "ORD-000001"}}},
      SystemMessagesCleared{1, 1},
      LeadImported{1, "0912345678", "Hoa", "fb", "tea", "new", 3},
      LeadActed{1, 3, "busy", "call back at 5", true, false},
      LeadReassigned{1, 4, 3, true},
      LeadFloated{1},
      PoolDrained{""},
      LeadClaimed{1, 5, 4, 20410},
      PhoneRevealed{1, 5, 1'795'000'060'000},
      RevealEnded{1, 5, "hide"},
      LeadCalled{1, 5, "call-1", "out", "answered", 42, "https://pbx/rec/1.mp3"},
      LeadDetailsChanged{1, 2, "Hoa N.", "zalo", "soap"},
      PageConnected{1, Channel::zalo, "oa-1", "Tea", Secret{"digest-1"}, Secret{"digest-1"},
                    Secret{"digest-1"}, "https://crm.example/hook", ""},
      PageUpdated{1, "Tea shop", Secret{"digest-1"}, std::nullopt, std::nullopt, "", {}},
      PageDisconnected{1},
      PageAccessSet{1, {2, 3}, {1}},
      InboxViewSaved{2, "Hanoi", {1, 2}},
      InboxViewDeleted{2, "Hanoi"},
      ConversationStarted{1, 1, ConversationKind::comment, 1, "psid-9", "post-1", "c-1"},
      MessageReceived{1, 1, "m-1", "Còn hàng không? 0912345678",
                      {{"image", "https://cdn.example/a.jpg", "a.jpg", 2048}}, {"0912345678"}},
      MessageSent{1, 2, 3, false, "", "Dạ còn ạ", {}},
      ConversationAssigned{1, 3, 0, "first_message", true},
      ConversationClosed{1},
      ConversationReopened{1},
      ConversationMarked{1, true, std::nullopt},
      ConversationTagged{1, {"VIP", "đã cọc"}, {"hỏi giá"}},
      CustomerLinked{1, 7, 1, 3},
      CustomerUnlinked{1, 1, 7, 3},
      QuickReplySaved{"ship", "Phí ship 30k ạ", "hỏi ship"},
      QuickReplyDeleted{"ship"},
      FileStored{std::string(64, 'a'), "báo giá.pdf", "application/pdf", 1200, 3},
      MessageQueued{1, 2, 1},
      MessageDelivered{1, 2, 3},
      MessageFailed{1, 2, 5, "HTTP 503"},
  };
}

}  // namespace

TEST_CASE("every event type survives the journal payload round trip") {
  const auto events = one_of_each();
  CHECK(events.size() == std::variant_size_v<EventVariant>);
  for (const Event& e : events) {
    CAPTURE(event_name(e));
    const std::string bytes = encode_payload(e);
    const Event back = decode_payload(event_type(e), bytes);
    CHECK(back.index() == e.index());
    CHECK(encode_payload(back) == bytes);
  }
}

// An event of type New as an older version of it (Old) was journaled, read back today.
template <class New, class Old>
New read_as_today(const Old& old) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    ar(old);
  }
  const Event e = decode_payload(New::type_id, out.str());
  const auto* now = std::get_if<New>(&e.base());
  REQUIRE(now != nullptr);
  return *now;
}

// A system message as journals before it had a code: its English text is all it says.
struct SystemMessageRecordedV0 {
  MessageId message_id = 0;
  std::string kind, text, ref;
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(message_id, kind, text, ref);
  }
};

TEST_CASE("a system message journaled before codes existed reads with its text and no code") {
  const auto m = read_as_today<SystemMessageRecorded>(
      SystemMessageRecordedV0{4, "order", "Order ORD-000009 was not distributed", "order:9"});
  CHECK(m.message_id == 4);
  CHECK(m.text == "Order ORD-000009 was not distributed");
  CHECK(m.ref == "order:9");
  CHECK(m.code.empty());
  CHECK(m.params.empty());
}

// ConversationAssigned as journals before issue 12 hold it (version 0: no in_turn).
struct ConversationAssignedV0 {
  ConversationId conversation_id = 0;
  UserId assignee_id = 0;
  UserId previous_id = 0;
  std::string reason;
  template <class A>
  void serialize(A& ar, std::uint32_t) {
    ar(conversation_id, assignee_id, previous_id, reason);
  }
};

TEST_CASE("an assignment journaled before the rotation existed reads as out of turn") {
  const auto a = read_as_today<ConversationAssigned>(ConversationAssignedV0{7, 3, 4, "assign"});
  CHECK(a.conversation_id == 7);
  CHECK(a.assignee_id == 3);
  CHECK(a.previous_id == 4);
  CHECK(a.reason == "assign");
  CHECK_FALSE(a.in_turn);
}

TEST_CASE("event type ids are a storage contract and never change") {
  const std::vector<std::pair<std::string_view, std::uint16_t>> contract = {
      {"UserCreated", 1}, {"UserUpdated", 2},     {"PasswordChanged", 3},
      {"SessionStarted", 4}, {"SessionEnded", 5}, {"PresenceChanged", 6},
      {"TeamCreated", 20}, {"SettingsChanged", 30}, {"StatusUpserted", 40},
      {"ProductUpserted", 41}, {"ComboUpserted", 42}, {"SourceUpserted", 43}, {"WarehouseUpserted", 44},
      {"CustomerCreated", 60}, {"CustomerUpdated", 61}, {"CustomerNoted", 62},
      {"OrderCreated", 80}, {"OrderStatusChanged", 81}, {"OrderAssigned", 82}, {"OrderUpdated", 83},
      {"SystemMessageRecorded", 100}, {"SystemMessagesCleared", 101},
      {"LeadImported", 110}, {"LeadActed", 111}, {"LeadReassigned", 112}, {"LeadFloated", 113},
      {"PoolDrained", 114}, {"LeadClaimed", 115}, {"PhoneRevealed", 116}, {"RevealEnded", 117},
      {"LeadCalled", 118}, {"LeadDetailsChanged", 119}, {"PageConnected", 140},
      {"PageUpdated", 141}, {"PageDisconnected", 142}, {"PageAccessSet", 143},
      {"InboxViewSaved", 144}, {"InboxViewDeleted", 145}, {"ConversationStarted", 160},
      {"MessageReceived", 161}, {"MessageSent", 162}, {"ConversationAssigned", 163},
      {"ConversationClosed", 164}, {"ConversationReopened", 165}, {"ConversationMarked", 166},
      {"ConversationTagged", 167},  {"CustomerLinked", 168},       {"CustomerUnlinked", 169},
      {"QuickReplySaved", 170},     {"QuickReplyDeleted", 171},   {"FileStored", 200},
      {"MessageQueued", 172},       {"MessageDelivered", 173},    {"MessageFailed", 174}};
  for (const auto& entry : contract) {
    const auto& name = entry.first;  // (clang cannot capture a structured binding)
    const auto id = entry.second;
    CAPTURE(name);
    CHECK(event_type_by_name(name) == id);
    CHECK(event_name_by_type(id) == name);
  }
  CHECK_FALSE(event_type_by_name("NoSuchEvent").has_value());
  CHECK_FALSE(event_name_by_type(999).has_value());
}

TEST_CASE("corrupt payloads are reported, not trusted") {
  const Event e = UserCreated{3, "lan", "Lan", Role::sale, Secret{"h"}, {}};
  const std::string bytes = encode_payload(e);
  CHECK_THROWS_AS(decode_payload(event_type(e), bytes.substr(0, bytes.size() / 2)), DecodeError);
  CHECK_THROWS_AS(decode_payload(999, bytes), DecodeError);
}

TEST_CASE("the JSON rendering names fields and hides secrets") {
  for (const Event& e : one_of_each()) {
    const std::string text = payload_json(e);
    CAPTURE(text);
    CHECK(text.front() == '{');
    CHECK(text.find('\n') == std::string::npos);
    CHECK(text.find("pbkdf2") == std::string::npos);
    CHECK(text.find("digest-1") == std::string::npos);
  }
  CHECK(payload_json(TeamCreated{1, "Telesales"}).find("\"team_name\": \"Telesales\"") != std::string::npos);
  CHECK(payload_json(PasswordChanged{3, Secret{"x"}}).find("[redacted]") != std::string::npos);
}

TEST_CASE("a state encodes deterministically and decodes to an equal state") {
  Given g;
  g.user("lan", Role::sale);
  g.login(2, "d1");
  g.must(admin_id, CreateTeam{"Telesales"});
  g.must(admin_id, UpdateSettings{{{"pool.enabled", true}}});
  const std::string bytes = encode_state(g.state);
  const State back = decode_state(bytes);
  CHECK(encode_state(back) == bytes);
  CHECK(back.users.find_username("lan")->id == 2);
  CHECK(session_user(back, "d1")->username == "lan");
  CHECK(back.settings[setting::pool_enabled]);
}
