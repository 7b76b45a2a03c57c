#include "adapters/api/api_channel.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <cctype>

namespace salesdesk::adapters::api {
namespace json = boost::json;

namespace {

constexpr std::string_view prefix = "sha256=";

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0F];
  }
  return out;
}

// Reads one optional field of the body; the message names the field and the type it needs.
class Fields {
 public:
  explicit Fields(const json::object& o, std::string where = "")
      : o_(o), where_(std::move(where)) {}

  // A string, or an integer given as a number (channels send ids either way).
  std::string id(std::string_view key, bool required) const {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) throw Malformed(name(key) + " is required");
      return {};
    }
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    throw Malformed(name(key) + " must be a string or an integer");
  }

  std::string text(std::string_view key, bool required = false) const {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) throw Malformed(name(key) + " is required");
      return {};
    }
    if (!v->is_string()) throw Malformed(name(key) + " must be a string");
    return std::string(v->get_string());
  }

  std::int64_t size(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return 0;
    if (!v->is_int64() || v->get_int64() < 0) {
      throw Malformed(name(key) + " must be a whole number of bytes");
    }
    return v->get_int64();
  }

  const json::object* object(std::string_view key, bool required) const {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) throw Malformed(name(key) + " is required");
      return nullptr;
    }
    if (!v->is_object()) throw Malformed(name(key) + " must be an object");
    return &v->get_object();
  }

  const json::array* array(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_array()) throw Malformed(name(key) + " must be an array");
    return &v->get_array();
  }

  // The timestamp: the channel's time, accepted as a number (ms) or an ISO string; Salesdesk
  // orders messages by when it received them, so it is only checked.
  void timestamp(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    if (v != nullptr && !v->is_null() && !v->is_number() && !v->is_string()) {
      throw Malformed(name(key) + " must be a number or a string");
    }
  }

  struct Malformed : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

 private:
  std::string name(std::string_view key) const { return where_ + std::string(key); }
  const json::object& o_;
  std::string where_;
};

}  // namespace

std::string sign(std::string_view secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &size);
  return std::string(prefix) + hex(mac, size);
}

bool signature_valid(std::string_view secret, std::string_view body, std::string_view header) {
  if (secret.empty() || header.size() != prefix.size() + 64) return false;
  std::string given(header);
  for (std::size_t i = prefix.size(); i < given.size(); ++i) {
    given[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(given[i])));
  }
  const std::string expected = sign(secret, body);
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

std::variant<core::ReceiveMessage, std::string> parse_delivery(core::PageId page,
                                                               std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return "the body is not JSON: " + ec.message();
  if (!v.is_object()) return std::string("the body must be a JSON object");
  try {
    const Fields f(v.get_object());
    core::ReceiveMessage m;
    m.page_id = page;
    const std::string event = f.text("event", true);
    auto kind = core::parse_inbound(event);
    if (!kind) return std::string("event must be message, comment, livestream_comment or echo");
    m.event = *kind;
    m.external_message_id = f.id("message_id", true);
    const Fields customer(*f.object("customer", true), "customer.");
    m.external_user_id = customer.id("id", true);
    m.customer_name = customer.text("name");
    m.customer_phone = customer.text("phone");
    m.text = f.text("text");
    if (const json::array* list = f.array("attachments")) {
      if (list->size() > core::attachments_max) {
        return "attachments: at most " + std::to_string(core::attachments_max);
      }
      for (const json::value& item : *list) {
        if (!item.is_object()) return std::string("attachments: each must be an object");
        const Fields a(item.get_object(), "attachments[].");
        m.attachments.push_back(
            {a.text("type", true), a.text("url", true), a.text("name"), a.size("size")});
      }
    }
    m.post_id = f.id("post_id", false);
    m.comment_id = f.id("comment_id", false);
    m.live_id = f.id("live_id", false);
    f.timestamp("timestamp");
    return m;
  } catch (const Fields::Malformed& e) {
    return std::string(e.what());
  }
}

std::string outgoing_body(const Outgoing& o) {
  json::array attachments;
  for (const core::Attachment& a : o.attachments) {
    attachments.push_back(
        json::object{{"type", a.type}, {"url", a.url}, {"name", a.name}, {"size", a.size}});
  }
  return json::serialize(json::object{{"event", "outgoing"},
                                      {"message_id", o.message_id},
                                      {"conversation_id", o.conversation_id},
                                      {"customer_id", o.customer_id},
                                      {"customer", json::object{{"id", o.customer_external_id}}},
                                      {"text", o.text},
                                      {"attachments", std::move(attachments)}});
}

}  // namespace salesdesk::adapters::api
