#include "core/event_codec.hpp"

#include <cereal/archives/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>
#include <streambuf>

namespace salesdesk::core {

// Secrets are stored as plain strings in the binary payload and redacted in any JSON rendering.
template <class Archive>
std::string save_minimal(const Archive&, const Secret& s) {
  if constexpr (std::is_same_v<Archive, cereal::JSONOutputArchive>) {
    return "[redacted]";
  } else {
    return s.value;
  }
}

template <class Archive>
void load_minimal(const Archive&, Secret& s, const std::string& value) {
  s.value = value;
}

namespace {

// Reads a payload in place, without copying it into a stringstream.
struct MemoryBuffer : std::streambuf {
  void reset(const char* data, std::size_t size) {
    char* p = const_cast<char*>(data);
    setg(p, p, p + size);
  }
};

// One stream per thread, pointed at each payload in turn: constructing a std::istream per event
// was a sixth of replay. The cereal archive stays per payload, since it remembers the versions
// it has read.
struct PayloadReader {
  MemoryBuffer buffer;
  std::istream in{&buffer};
  std::istream& over(std::string_view payload) {
    buffer.reset(payload.data(), payload.size());
    in.clear();
    return in;
  }
};

using Decoder = Event (*)(std::istream&);

template <std::size_t I>
Event decode_as(std::istream& in) {
  std::variant_alternative_t<I, EventVariant> e;
  cereal::PortableBinaryInputArchive ar(in);
  ar(e);
  return Event{std::move(e)};
}

template <std::size_t... I>
constexpr std::array<Decoder, event_type_count> make_decoders(std::index_sequence<I...>) {
  return {{&decode_as<I>...}};
}

constexpr auto decoders = make_decoders(std::make_index_sequence<event_type_count>{});

template <std::size_t... I>
constexpr std::array<std::uint16_t, event_type_count> make_types(std::index_sequence<I...>) {
  return {{std::variant_alternative_t<I, EventVariant>::type_id...}};
}

constexpr auto types = make_types(std::make_index_sequence<event_type_count>{});

}  // namespace

std::string encode_payload(const Event& e) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    std::visit([&](const auto& x) { ar(x); }, e.base());
  }
  return std::move(out).str();
}

Event decode_payload(std::uint16_t type, std::string_view payload) {
  for (std::size_t i = 0; i < event_type_count; ++i) {
    if (types[i] != type) continue;
    thread_local PayloadReader reader;
    try {
      return decoders[i](reader.over(payload));
    } catch (const cereal::Exception& e) {
      throw DecodeError("event type " + std::to_string(type) + ": " + e.what());
    }
  }
  throw DecodeError("unknown event type " + std::to_string(type));
}

std::string payload_json(const Event& e) {
  std::ostringstream out;
  {
    cereal::JSONOutputArchive ar(out, cereal::JSONOutputArchive::Options::NoIndent());
    std::visit([&](const auto& x) { ar(cereal::make_nvp("e", x)); }, e.base());
  }
  // cereal writes {"e": {...}} over several lines; the tools want the inner object on one line.
  // A JSON string never holds a raw newline, so dropping them all is safe.
  std::string text = std::move(out).str();
  std::erase(text, '\n');
  const auto open = text.find('{', 1);
  const auto close = text.rfind('}');
  return text.substr(open, close - open);
}

}  // namespace salesdesk::core
