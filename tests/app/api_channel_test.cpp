#include "adapters/api/api_channel.hpp"

#include <doctest/doctest.h>

namespace api = salesdesk::adapters::api;
using salesdesk::core::Inbound;
using salesdesk::core::ReceiveMessage;

TEST_CASE("the API channel's signature is the HMAC-SHA256 of the raw body") {
  const std::string body = R"({"event":"message"})";
  // RFC 4231 test case 2 as a check that sign() is HMAC-SHA256 itself.
  CHECK(api::sign("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string good = api::sign("key", body);
  CHECK(api::signature_valid("key", body, good));
  std::string upper = good;
  for (std::size_t i = 7; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(upper[i]));
  CHECK(api::signature_valid("key", body, upper));
  CHECK_FALSE(api::signature_valid("other", body, good));
  CHECK_FALSE(api::signature_valid("key", body + " ", good));
  CHECK_FALSE(api::signature_valid("key", body, ""));
  CHECK_FALSE(api::signature_valid("key", body, good.substr(0, good.size() - 1)));
  CHECK_FALSE(api::signature_valid("", body, api::sign("", body)));  // no secret, no trust
}

TEST_CASE("a delivery's body is parsed strictly, naming what is wrong") {
  const auto parsed = api::parse_delivery(
      7, R"({"event":"livestream_comment","message_id":123,"customer":{"id":"u1","name":"Hoa",
             "phone":"0912345678"},"text":"chốt 2","live_id":"live-9","timestamp":1795000000000,
             "attachments":[{"type":"image","url":"https://cdn/a.jpg","size":10}]})");
  REQUIRE(std::holds_alternative<ReceiveMessage>(parsed));
  const auto& m = std::get<ReceiveMessage>(parsed);
  CHECK(m.page_id == 7);
  CHECK(m.event == Inbound::livestream_comment);
  CHECK(m.external_message_id == "123");
  CHECK(m.customer_phone == "0912345678");
  CHECK(m.live_id == "live-9");
  REQUIRE(m.attachments.size() == 1);
  CHECK(m.attachments[0].size == 10);
  const auto why = [](std::string_view body) {
    auto r = api::parse_delivery(1, body);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
  };
  CHECK(why("{").find("not JSON") != std::string::npos);
  CHECK(why("[]").find("object") != std::string::npos);
  CHECK(why(R"({"event":"poke","message_id":"m","customer":{"id":"u"}})").find("event") == 0);
  CHECK(why(R"({"event":"message","customer":{"id":"u"}})").find("message_id") == 0);
  CHECK(why(R"({"event":"message","message_id":"m","customer":"u"})").find("customer") == 0);
  CHECK(why(R"({"event":"message","message_id":"m","customer":{"id":1.5}})") ==
        "customer.id must be a string or an integer");
  CHECK(why(R"({"event":"message","message_id":"m","customer":{"id":"u"},"text":["x"]})") ==
        "text must be a string");
  CHECK(why(R"({"event":"message","message_id":"m","customer":{"id":"u"},"attachments":[1]})")
            .find("attachments") == 0);
}

TEST_CASE("a reply goes to the page's callback as PROTOCOL.md section 6 says") {
  const std::string body =
      api::outgoing_body({5, 2, 3, "u1", "Dạ", {{"file", "/files/ab", "a.pdf", 9}}});
  CHECK(body.find(R"("event":"outgoing")") != std::string::npos);
  CHECK(body.find(R"("message_id":5)") != std::string::npos);
  CHECK(body.find(R"("conversation_id":2)") != std::string::npos);
  CHECK(body.find(R"("customer":{"id":"u1"})") != std::string::npos);
}
