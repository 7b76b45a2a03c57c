// The channels' webhooks (PROTOCOL.md sections 2 and 6). A webhook is checked in this order,
// and nothing is journaled until the last step: the page (404 when unknown or disconnected),
// the signature over the raw body, before any parsing (401, and a system message at most once a
// minute per page), the body's shape (400), then the delivery is a typed command of the system
// actor (core checks its values: 400) and answered once durable.
#include <boost/json.hpp>

#include "adapters/api/api_channel.hpp"
#include "app/http_session.hpp"
#include "app/page_secrets.hpp"
#include "app/protocol.hpp"

namespace salesdesk::app {
namespace {

http::status status_of(core::Code code) {
  switch (code) {
    case core::Code::not_found:
      return http::status::not_found;
    case core::Code::bad_request:
      return http::status::bad_request;
    case core::Code::unauthorized:
      return http::status::unauthorized;
    case core::Code::rate_limited:
      return http::status::service_unavailable;
    default:
      return http::status::internal_server_error;
  }
}

// The answer to a delivery: its conversation, and whether it was a repeat.
std::string delivery_result(const core::State& s, const core::ReceiveMessage& m,
                            const core::Events& events) {
  json::object out{{"ok", true}};
  if (events.empty()) out["duplicate"] = true;
  out["conversation_id"] = core::conversation_of(s, m);
  for (const core::Event& e : events) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, core::MessageReceived> ||
                        std::is_same_v<T, core::MessageSent>) {
            out["message_id"] = x.message_id;
          }
        },
        e.base());
  }
  return json::serialize(out);
}

}  // namespace

void HttpSession::api_webhook(const http::request<http::string_body>& req,
                              std::string_view page_text) {
  const unsigned version = req.version();
  const bool keep = req.keep_alive();
  const auto page = parse_id(page_text);
  if (!page) {
    return send(
        error_response(version, keep, http::status::not_found, "not_found", "no such page"));
  }
  const std::string signature(req[adapters::api::signature_header]);
  // Most deliveries: a page whose secret the copy knows, signed with it. One trip to the engine.
  if (services_.secrets != nullptr) {
    std::optional<std::string> secret = services_.secrets->find(*page);
    if (secret && adapters::api::signature_valid(*secret, req.body(), signature)) {
      return accept(*page, req.body(), std::move(*secret), version, keep);
    }
  }
  // Else the page as the state has it (which the copy learns): unknown, or the signature wrong.
  auto body = std::make_shared<std::string>(req.body());
  ask<std::optional<std::string>>(
      [id = *page, secrets = services_.secrets](const core::State& s) {
        if (secrets != nullptr) secrets->learn(s, id);
        return api_secret(s, id);
      },
      [self = shared_from_this(), id = *page, body, signature, version,
       keep](std::optional<std::optional<std::string>> secret) {
        if (!secret) {
          return self->send(error_response(version, keep, http::status::service_unavailable,
                                           "rate_limited", "the server is busy"));
        }
        if (!*secret) {
          return self->send(error_response(version, keep, http::status::not_found, "not_found",
                                           "no connected API page " + std::to_string(id)));
        }
        if (!adapters::api::signature_valid(**secret, *body, signature)) {
          self->alarm_signature(id, signature.empty());
          return self->send(error_response(
              version, keep, http::status::unauthorized, "unauthorized",
              signature.empty() ? "the signature is missing" : "the signature is wrong"));
        }
        self->accept(id, *body, std::move(**secret), version, keep);
      });
}

void HttpSession::accept(core::PageId page, const std::string& body, std::string secret,
                         unsigned version, bool keep) {
  auto parsed = adapters::api::parse_delivery(page, body);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    return send(error_response(version, keep, http::status::bad_request, "bad_request", *why));
  }
  auto m = std::get<core::ReceiveMessage>(std::move(parsed));
  auto self = shared_from_this();
  const core::ReceiveMessage copy = m;
  Request request{
      CommandRequest{core::system_actor,
                     std::move(m),
                     [copy](const core::State& s, const core::Events& events) {
                       return delivery_result(s, copy, events);
                     },
                     {},
                     [page, secret = std::move(secret)](const core::State& s) {
                       return check_secret(s, page, secret);
                     }},
      [self, version, keep](Outcome o) {
        boost::asio::post(self->stream_.get_executor(), [self, version, keep, o = std::move(o)] {
          if (!o.ok) {
            return self->send(error_response(version, keep, status_of(o.error.code),
                                             core::to_string(o.error.code), o.error.message));
          }
          self->send(json_response(version, keep, http::status::ok, o.result));
        });
      }};
  if (!services_.engine.submit(std::move(request))) {
    send(error_response(version, keep, http::status::service_unavailable, "rate_limited",
                        "the server is busy"));
  }
}

// A system message for admin (SPEC.md section 6), not waited for: the 401 goes out at once.
void HttpSession::alarm_signature(core::PageId page, bool missing) {
  if (!services_.alarms.due(page, std::chrono::steady_clock::now())) return;
  const std::string id = std::to_string(page);
  const char* code = missing ? "webhook_unsigned" : "webhook_bad_signature";
  std::string text = "a webhook for page " + id + " from " + address_ + " was refused: " +
                     (missing ? "no signature" : "the signature does not match the secret");
  core::RecordSystemMessage message{{"webhook", code, {{"page", id}, {"address", address_}},
                                     std::move(text), core::page_stream(page)}};
  services_.engine.submit(
      Request{CommandRequest{core::system_actor, std::move(message), {}, {}}, {}});
}

}  // namespace salesdesk::app
