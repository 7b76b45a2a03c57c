// POST /api/login and /api/logout. The password is checked on the slow pool (PBKDF2 is slow on
// purpose), never on the engine thread; the engine only journals the session's token digest.
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "app/http_session.hpp"
#include "app/protocol.hpp"

namespace salesdesk::app {

std::optional<Credentials> parse_credentials(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* u = v.get_object().if_contains("username");
  const auto* p = v.get_object().if_contains("password");
  if (u == nullptr || p == nullptr || !u->is_string() || !p->is_string()) return std::nullopt;
  return Credentials{std::string(u->get_string()), std::string(p->get_string())};
}

namespace {

// The stored hash for a username, or none; the same work is done either way.
const std::string unknown_user_hash =
    "pbkdf2-sha256$120000$00000000000000000000000000000000$"
    "0000000000000000000000000000000000000000000000000000000000000000";

std::string login_cookie(const std::string& token, bool secure) {
  return "sd_session=" + token + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

Response busy(unsigned version, bool keep, const std::string& message, std::int64_t retry_after_s) {
  Response res = json_response(
      version, keep, http::status::too_many_requests,
      json::serialize(json::object{{"error", json::object{{"code", "rate_limited"},
                                                          {"message", message},
                                                          {"retry_after_s", retry_after_s}}}}));
  res.set(http::field::retry_after, std::to_string(retry_after_s));
  return res;
}

}  // namespace

void HttpSession::login(const http::request<http::string_body>& req) {
  const unsigned version = req.version();
  const bool keep = req.keep_alive();
  const bool secure = secure_request(req);
  auto creds = parse_credentials(req.body());
  if (!creds) {
    return send(error_response(version, keep, http::status::bad_request, "bad_request",
                               "username and password are required"));
  }
  if (services_.hashing.queued_logins.load() >= Hashing::queued_logins_max) {
    return send(busy(version, keep, "too many logins at once, retry in a moment", 1));
  }
  // Counted now, before the hash: a burst sent at once is throttled like a slow series.
  if (auto wait =
          services_.throttle.begin(creds->username, address_, LoginThrottle::Clock::now())) {
    return send(busy(version, keep, "too many failed logins, try again in " +
                                        std::to_string(wait->count()) + " s", wait->count()));
  }
  // Who the username is, and their password hash (an unknown or inactive user is id 0).
  struct Account {
    core::UserId id = 0;
    std::string hash;
  };
  ask<Account>(
      [username = creds->username](const core::State& s) {
        const core::User* u = s.users.find_username(username);
        if (u == nullptr || !u->active) return Account{};
        return Account{u->id, u->password_hash};
      },
      [self = shared_from_this(), creds = *creds, version, keep,
       secure](std::optional<Account> found) {
        const core::UserId id = found ? found->id : 0;
        const std::string hash = id != 0 ? found->hash : unknown_user_hash;
        self->services_.hashing.queued_logins += 1;
        boost::asio::post(self->services_.hashing.logins, [self, creds, version, keep, secure, id,
                                                           hash] {
          const bool good = verify_password(creds.password, hash) && id != 0;
          self->services_.metrics.password_hashes += 1;
          self->services_.hashing.queued_logins -= 1;
          boost::asio::post(self->stream_.get_executor(), [=] {
            self->start_session(creds.username, id, good, Reply{version, keep, secure});
          });
        });
      });
}

void HttpSession::start_session(const std::string& username, core::UserId id, bool good,
                                Reply reply) {
  const unsigned version = reply.version;
  const bool keep = reply.keep_alive;
  services_.throttle.finish(username, address_, good, LoginThrottle::Clock::now());
  if (!good) {
    return send(error_response(version, keep, http::status::unauthorized, "bad_credentials",
                               "wrong username or password"));
  }
  const std::string token = random_token();
  auto self = shared_from_this();
  Request request{
      CommandRequest{core::system_actor, core::StartSession{id, core::Secret{token_digest(token)}},
                     [id](const core::State& s, const core::Events&) {
                       const core::User* u = s.users.find(id);
                       return json::serialize(json::object{{"id", u->id},
                                                           {"username", u->username},
                                                           {"name", u->display_name},
                                                           {"role", core::to_string(u->role)}});
                     },
                     {}},
      [self, token, version, keep, secure = reply.secure](Outcome o) {
        boost::asio::post(self->stream_.get_executor(), [=, o = std::move(o)] {
          if (!o.ok) {
            return self->send(error_response(version, keep, http::status::unauthorized,
                                             "bad_credentials", "wrong username or password"));
          }
          // The user as the engine's rendering gave it, already JSON text.
          Response res = json_response(
              version, keep, http::status::ok,
              "{\"token\":" + json::serialize(json::string(token)) + ",\"user\":" + o.result + "}");
          res.set(http::field::set_cookie, login_cookie(token, secure));
          self->send(std::move(res));
        });
      }};
  if (!services_.engine.submit(std::move(request))) {
    send(error_response(version, keep, http::status::service_unavailable, "rate_limited",
                        "the server is busy"));
  }
}

void HttpSession::logout(const http::request<http::string_body>& req) {
  const unsigned version = req.version();
  const bool keep = req.keep_alive();
  const std::string token = request_token(req);
  if (token.empty()) {
    return send(error_response(version, keep, http::status::unauthorized, "unauthorized",
                               "no session given"));
  }
  auto self = shared_from_this();
  Request request{
      CommandRequest{
          core::system_actor, core::EndSession{core::Secret{token_digest(token)}}, {}, {}},
      [self, version, keep](Outcome o) {
        boost::asio::post(self->stream_.get_executor(), [self, version, keep, o = std::move(o)] {
          if (!o.ok) {
            return self->send(error_response(version, keep, http::status::unauthorized,
                                             "unauthorized", o.error.message));
          }
          Response res = json_response(version, keep, http::status::ok, R"({"ok":true})");
          res.set(http::field::set_cookie,
                  "sd_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
          self->send(std::move(res));
        });
      }};
  if (!services_.engine.submit(std::move(request))) {
    send(error_response(version, keep, http::status::service_unavailable, "rate_limited",
                        "the server is busy"));
  }
}

}  // namespace salesdesk::app
