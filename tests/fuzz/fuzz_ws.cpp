// libFuzzer target: one WebSocket text frame through the request decoder (app::decode_request)
// and what a session does with it before the engine: the op lookup, the topics of subscribe and
// unsubscribe, and the reply frame that echoes the id. Every reply must be JSON that parses
// back with the id the client sent (or null when the id was unusable), so that a client can
// always match an answer to its request.
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "app/protocol.hpp"
#include "tests/fuzz/json_mutator.hpp"

namespace {

using namespace salesdesk;
namespace json = boost::json;

void expect(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_ws: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// PROTOCOL.md section 3: an id is echoed only if it is a finite number or a short string.
bool usable_id(const json::value& id) {
  if (id.is_double()) return std::isfinite(id.get_double());
  if (id.is_string()) return id.get_string().size() <= app::request_id_bytes_max;
  return id.is_null() || id.is_int64() || id.is_uint64();
}

// The reply as WebSocketSession::reply builds it, read back as a client would.
void check_reply(const json::value& id, const core::Error& error) {
  expect(usable_id(id), "a reply echoes an unusable id", json::serialize(id));
  const std::string text = json::serialize(json::object{{"id", id}, {"ok", false}, {"error", app::error_json(error)}});
  boost::system::error_code ec;
  const json::value back = json::parse(text, ec);
  expect(!ec, "a reply is not JSON", text);
  if (id.is_double()) {
    // Boost.JSON 1.81 does not round every long number correctly when it parses (glibc's strtod
    // does, as browsers do): the echoed text must give a correct reader the same double.
    const std::string echoed = json::serialize(id);
    expect(std::strtod(echoed.c_str(), nullptr) == id.get_double(), "a reply does not echo the id", text);
  } else {
    expect(back.as_object().at("id") == id, "a reply does not echo the id", text);
  }
}

void check_topics(const json::value& id, const json::object& args) {
  const json::value* list = args.if_contains("topics");
  if (list == nullptr || !list->is_array()) return;
  std::vector<std::string> names;
  for (const json::value& t : list->get_array()) {
    if (!t.is_string()) return;
    names.emplace_back(t.get_string());
  }
  const auto ok = app::check_topics(names);
  if (!ok) check_reply(id, ok.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = app::decode_request(text);
  if (const auto* bad = std::get_if<app::Undecodable>(&decoded)) {
    expect(bad->error.code == core::Code::bad_request, "an undecodable frame is not a bad_request");
    check_reply(bad->id, bad->error);
    return 0;
  }
  const app::Decoded& d = std::get<app::Decoded>(decoded);
  expect(d.key.size() <= app::idempotency_key_bytes_max, "an idempotency key over the limit", d.key);
  if (d.op == "subscribe" || d.op == "unsubscribe") {
    check_topics(d.id, d.args);
  } else if (app::find_op(d.op) == nullptr) {
    check_reply(d.id, core::reject(core::Code::unknown_op, "unknown op " + d.op));
  } else {
    check_reply(d.id, core::reject(core::Code::bad_request, "a rejection"));
  }
  return 0;
}

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned seed) {
  static const fuzz::JsonMutator mutator(SALESDESK_FUZZ_DICT);
  return fuzz::mutate_input(mutator, {}, false, data, size, max_size, seed);
}
