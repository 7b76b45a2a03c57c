// POST /api/files and GET /files/{sha256} (PROTOCOL.md section 2; schema/protocol.md "Files").
// An upload is authorised before its body is read: a stranger cannot make the server take in
// 25 MiB. The bytes are hashed, their type found from their first bytes, written whole into the
// files folder, and only then journaled (FileStored) as the uploader's; a file is served to
// logged-in users with the type found then, never one a client claimed.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "app/file_store.hpp"
#include "app/http_session.hpp"
#include "app/protocol.hpp"
#include "core/file.hpp"

namespace salesdesk::app {
namespace {

// The name of a raw upload: the `name` query parameter, percent-decoded.
std::string query_name(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return {};
  for (const auto& param : url->params()) {
    if (param.key == "name") return param.value;
  }
  return {};
}

bool shown_inline(std::string_view type) {
  return type.rfind("image/", 0) == 0 || type.rfind("video/", 0) == 0 ||
         type.rfind("audio/", 0) == 0 || type == "application/pdf";
}

}  // namespace

UploadTicket::~UploadTicket() {
  if (count_ != nullptr) --*count_;
}

// After an upload's headers: a caller with a session may send its body (up to 25 MiB).
void HttpSession::begin_upload() {
  const auto& req = parser_->get();
  const unsigned version = req.version();
  if (!same_origin(req)) {
    return send(error_response(version, false, http::status::forbidden, "forbidden",
                               "cross-origin upload refused"));
  }
  if (++services_.uploads_in_flight > uploads_in_flight_max) {
    --services_.uploads_in_flight;
    return send(error_response(version, false, http::status::service_unavailable, "rate_limited",
                               "too many uploads at once, retry"));
  }
  upload_.emplace(&services_.uploads_in_flight);
  const bool expects_continue = beast::iequals(req[http::field::expect], "100-continue");
  const std::string digest = token_digest(request_token(req));
  ask<core::UserId>(
      [digest](const core::State& s) {
        const core::User* u = core::session_user(s, digest);
        return u == nullptr ? core::UserId{0} : u->id;
      },
      [self = shared_from_this(), version, expects_continue](std::optional<core::UserId> user) {
        if (!user || *user == 0) {
          self->upload_.reset();
          return self->send(error_response(version, false, http::status::unauthorized,
                                           "unauthorized", "log in first"));
        }
        self->upload_user_ = *user;
        if (!expects_continue) return self->read_body();
        auto go_on =
            std::make_shared<http::response<http::empty_body>>(http::status::continue_, version);
        http::async_write(self->stream_, *go_on, [self, go_on](beast::error_code ec, std::size_t) {
          if (!ec) self->read_body();
        });
      });
}

void HttpSession::upload_file(const http::request<http::string_body>& req) {
  const unsigned version = req.version();
  const bool keep = req.keep_alive();
  const auto refuse = [&](std::string_view why) {
    upload_.reset();
    send(error_response(version, keep, http::status::bad_request, "bad_request", why));
  };
  std::string name;
  std::string_view bytes = req.body();
  const std::string_view type = req[http::field::content_type];
  if (type.rfind("multipart/", 0) == 0) {
    auto part = first_file_part(type, req.body());
    if (!part) return refuse("a multipart upload needs one part with a filename");
    name = std::move(part->name);
    bytes = part->bytes;
  } else {
    name = query_name(req.target());
    if (name.empty()) return refuse("name the file: POST /api/files?name=photo.jpg");
  }
  if (bytes.empty()) return refuse("the file is empty");
  if (bytes.size() > static_cast<std::size_t>(core::file_bytes_max)) {
    upload_.reset();
    return send(error_response(version, keep, http::status::payload_too_large, "too_large",
                               "a file has at most 25 MiB"));
  }
  const std::string sha = sha256_hex(bytes);
  const Sniffed found = sniff(bytes, name);
  if (const std::string failed = services_.files->put(sha, bytes); !failed.empty()) {
    std::cerr << "salesdesk: " << failed << std::endl;
    upload_.reset();
    return send(error_response(version, keep, http::status::internal_server_error, "internal",
                               "the file could not be stored"));
  }
  core::StoreFile command{sha, name, found.content_type, static_cast<std::int64_t>(bytes.size())};
  auto self = shared_from_this();
  Request request{
      CommandRequest{upload_user_,
                     std::move(command),
                     [sha, name, kind = found.kind](const core::State& s, const core::Events&) {
                       const core::StoredFile& f = *s.files.find(sha);
                       return json::serialize(
                           json::object{{"file", json::object{{"sha256", sha},
                                                              {"name", name},
                                                              {"type", f.content_type},
                                                              {"kind", kind},
                                                              {"size", f.size},
                                                              {"url", "/files/" + sha}}}});
                     },
                     {}},
      [self, version, keep](Outcome o) {
        boost::asio::post(self->stream_.get_executor(), [self, version, keep, o = std::move(o)] {
          self->upload_.reset();
          if (!o.ok) {
            const auto status = o.error.code == core::Code::bad_request ? http::status::bad_request
                                : o.error.code == core::Code::unauthorized
                                    ? http::status::unauthorized
                                    : http::status::internal_server_error;
            return self->send(error_response(version, keep, status, core::to_string(o.error.code),
                                             o.error.message));
          }
          self->send(json_response(version, keep, http::status::ok, o.result));
        });
      }};
  if (!services_.engine.submit(std::move(request))) {
    upload_.reset();
    send(error_response(version, keep, http::status::service_unavailable, "rate_limited",
                        "the server is busy"));
  }
}

void HttpSession::serve_file(const http::request<http::string_body>& req, std::string_view sha) {
  const unsigned version = req.version();
  const bool keep = req.keep_alive();
  struct Found {
    bool user = false;
    std::optional<core::StoredFile> file;
  };
  const std::string digest = token_digest(request_token(req));
  ask<Found>(
      [digest, sha = std::string(sha)](const core::State& s) {
        Found out;
        out.user = core::session_user(s, digest) != nullptr;
        if (const core::StoredFile* f = s.files.find(sha); out.user && f != nullptr) {
          out.file = *f;
        }
        return out;
      },
      [self = shared_from_this(), sha = std::string(sha), version,
       keep](std::optional<Found> found) {
        if (!found) {
          return self->send(error_response(version, keep, http::status::service_unavailable,
                                           "rate_limited", "the server is busy"));
        }
        if (!found->user) {
          return self->send(error_response(version, keep, http::status::unauthorized,
                                           "unauthorized", "log in first"));
        }
        beast::error_code ec;
        http::file_body::value_type body;
        if (found->file) {
          body.open(self->services_.files->path(sha).c_str(), beast::file_mode::scan, ec);
        }
        if (!found->file || ec) {
          return self->send(
              error_response(version, keep, http::status::not_found, "not_found", "no such file"));
        }
        const core::StoredFile& f = *found->file;
        http::response<http::file_body> res{http::status::ok, version};
        res.set(http::field::content_type, f.content_type);
        res.set(http::field::content_disposition,
                content_disposition(f.name, shown_inline(f.content_type)));
        res.set("X-Content-Type-Options", "nosniff");
        res.set(http::field::cache_control, "private, max-age=31536000, immutable");
        res.keep_alive(keep);
        res.body() = std::move(body);
        res.prepare_payload();
        self->send_file(std::move(res));
      });
}

void HttpSession::send_file(http::response<http::file_body> response) {
  const bool keep_alive = response.keep_alive();
  auto shared = std::make_shared<http::response<http::file_body>>(std::move(response));
  http::async_write(
      stream_, *shared,
      [self = shared_from_this(), shared, keep_alive](beast::error_code ec, std::size_t n) {
        self->on_write(keep_alive, ec, n);
      });
}

}  // namespace salesdesk::app
