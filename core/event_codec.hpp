// Events to and from their journal payload (cereal portable binary, versioned per type), and
// to a JSON rendering for tools, with secrets redacted.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/events.hpp"

namespace salesdesk::core {

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string encode_payload(const Event& e);
// Throws DecodeError on an unknown type or a payload that does not parse.
Event decode_payload(std::uint16_t type, std::string_view payload);
// One JSON object, single line, secrets shown as "[redacted]".
std::string payload_json(const Event& e);

}  // namespace salesdesk::core
