// The generic API channel (PROTOCOL.md section 6): a custom integration posts its customers'
// messages to POST /webhooks/api/{page_id}, signed with the page's secret, and receives the
// page's replies at its callback_url, signed the same way.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/conversation.hpp"

namespace salesdesk::adapters::api {

// The header that carries the signature: "sha256=" and the hex HMAC-SHA256 of the raw body.
constexpr std::string_view signature_header = "X-Salesdesk-Signature";

// "sha256=<hex>" of the body keyed with the secret.
std::string sign(std::string_view secret, std::string_view body);

// Whether `header` is the body's signature with this secret (compared in constant time; the hex
// may be in either case). An empty secret verifies nothing.
bool signature_valid(std::string_view secret, std::string_view body, std::string_view header);

// The body as a delivery for `page`, or why it is malformed. Only the shape is checked here;
// core checks the values (lengths, clean text, attachment types).
std::variant<core::ReceiveMessage, std::string> parse_delivery(core::PageId page,
                                                               std::string_view body);

// What the page's callback receives for a reply sent in Salesdesk.
struct Outgoing {
  core::MessageId message_id = 0;
  core::ConversationId conversation_id = 0;
  core::CustomerId customer_id = 0;
  std::string customer_external_id;
  std::string text;
  std::vector<core::Attachment> attachments;
};
std::string outgoing_body(const Outgoing& o);

}  // namespace salesdesk::adapters::api
