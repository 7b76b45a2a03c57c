#include "app/websocket_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <iostream>

namespace salesdesk::app {
namespace {

json::value null_id() { return nullptr; }

}  // namespace

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, Services& services, Caller caller,
                                   ConnectionGate::Ticket ticket)
    : ws_(std::move(stream)), services_(services), caller_(std::move(caller)),
      ticket_(std::move(ticket)) {}

WebSocketSession::~WebSocketSession() {
  if (!joined_) return;
  services_.hub.leave(this);
  services_.engine.connection_closed(caller_.user_id, caller_.token_digest);
  services_.metrics.connected_clients -= 1;
}

void WebSocketSession::run(http::request<http::string_body> request) {
  ws_.next_layer().keep_alive(weak_from_this());
  // The HTTP read timeout is still set on the stream: switch it off, the WebSocket has its own
  // (idle pings), or every connection would be cut 30 s after it opened. The server pings an
  // idle connection (browsers answer by themselves) and closes one that stays silent.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeout =
      websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeout.idle_timeout = services_.ws_idle_timeout;
  timeout.keep_alive_pings = true;
  ws_.set_option(timeout);
  ws_.read_message_max(ws_frame_bytes_max);
  // A message is written whole, in one frame: it is in memory already, and the coalescing
  // layer below sends it with whatever else is waiting.
  ws_.auto_fragment(false);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "salesdesk");
  }));
  ws_.async_accept(request,
                   beast::bind_front_handler(&WebSocketSession::on_accept, shared_from_this()));
}

void WebSocketSession::on_accept(beast::error_code ec) {
  if (ec) return;
  joined_ = true;
  services_.metrics.connected_clients += 1;
  services_.hub.join(shared_from_this(), caller_.user_id, caller_.token_digest);
  caller_.hub = &services_.hub;
  caller_.connection = this;
  services_.engine.connection_opened(caller_.user_id, caller_.token_digest);
  check_session();
  do_read();
}

// The session was checked before the upgrade, but a logout may have been committed since,
// before this socket joined the hub and so before the hub could end it. Asking again now that
// it has joined closes that gap: a logout committed after this answer finds it in the hub.
void WebSocketSession::check_session() {
  auto self = shared_from_this();
  Request request = read_state<core::UserId>(
      [digest = caller_.token_digest](const core::State& s) {
        const core::User* u = core::session_user(s, digest);
        return u == nullptr ? core::UserId{0} : u->id;
      },
      [self](std::optional<core::UserId> user) {
        if (user != self->caller_.user_id) self->end("the session has ended");
      });
  if (!services_.engine.submit_control(std::move(request))) end("the server is stopping");
}

void WebSocketSession::do_read() {
  ws_.async_read(buffer_,
                 beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t) {
  // Frames over the limit end here too: Beast has already closed with 1009 (too big).
  if (ec) return;
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    reply_error(null_id(), core::reject(core::Code::bad_request, "frames must be text"));
  } else {
    // A flat buffer holds the frame in one piece: it is decoded where it lies.
    const auto frame = buffer_.cdata();
    handle(std::string_view(static_cast<const char*>(frame.data()), frame.size()));
    buffer_.consume(buffer_.size());
  }
  if (!closing_) do_read();
}

void WebSocketSession::handle(std::string_view text) {
  auto decoded = decode_request(text);
  if (auto* bad = std::get_if<Undecodable>(&decoded)) {
    return reply_error(bad->id, std::move(bad->error));
  }
  Decoded& d = std::get<Decoded>(decoded);
  if (d.op == "subscribe" || d.op == "unsubscribe") return topics(d.id, d.op, d.args);
  const Op* found = find_op(d.op);
  if (found == nullptr) {
    services_.metrics.count_command("unknown", false);
    return reply_error(d.id, core::reject(core::Code::unknown_op, "unknown op " + d.op));
  }
  dispatch(d.id, *found, std::move(d.args), std::move(d.key));
}

void WebSocketSession::dispatch(const json::value& id, const Op& op, json::object args,
                                std::string key) {
  if (in_flight_ >= requests_in_flight_max) {
    return reply_error(id, core::reject(core::Code::rate_limited, "too many requests in flight"));
  }
  if (op.slow) return authorize_then_hash(id, op, std::move(args), std::move(key));
  ++in_flight_;
  prepare_and_submit(id, op, args, std::move(key));
}

// An op that hashes a password (users.create, users.update) is checked first for the caller's
// role, so a sale's forbidden requests never reach the hashing pool, and each connection may
// have only hashes_in_flight_max hashes queued.
void WebSocketSession::authorize_then_hash(const json::value& id, const Op& op, json::object args,
                                           std::string key) {
  ++in_flight_;
  auto self = shared_from_this();
  auto hash = [self, id, &op, args = std::move(args), key = std::move(key)]() mutable {
    self->hash_and_submit(id, op, std::move(args), std::move(key));
  };
  // The refusal, or nullopt when the caller's role may do it.
  using Refusal = std::optional<core::Error>;
  Request check = read_state<Refusal>(
      [roles = op.roles, user = caller_.user_id](const core::State& s) {
        auto ok = core::authorize(s, user, roles);
        return ok ? std::optional<core::Error>{} : std::optional<core::Error>{ok.error()};
      },
      [self, id, hash = std::move(hash)](std::optional<Refusal> checked) mutable {
        // A check that failed (a bug, logged) refuses as well.
        Refusal refused = checked ? std::move(*checked)
                                  : Refusal(core::reject(core::Code::internal, "internal error"));
        boost::asio::post(self->ws_.get_executor(), [self, id, refused = std::move(refused),
                                                     hash = std::move(hash)]() mutable {
          if (!refused) return hash();
          --self->in_flight_;
          self->reply_error(id, std::move(*refused));
        });
      });
  if (!services_.engine.submit(std::move(check))) {
    --in_flight_;
    reply_error(id, core::reject(core::Code::rate_limited, "the server is busy, retry"));
  }
}

// After the role check: within the connection's and the pool's bounds, hash and submit.
void WebSocketSession::hash_and_submit(const json::value& id, const Op& op, json::object args,
                                       std::string key) {
  if (hashes_in_flight_ >= hashes_in_flight_max ||
      services_.hashing.queued_admin.load() >= Hashing::queued_admin_max) {
    --in_flight_;
    return reply_error(id, core::reject(core::Code::rate_limited,
                                        "too many password changes at once, retry"));
  }
  ++hashes_in_flight_;
  services_.hashing.queued_admin += 1;
  boost::asio::post(
      services_.hashing.admin,
      [self = shared_from_this(), id, &op, args = std::move(args), key = std::move(key)]() mutable {
        self->services_.hashing.queued_admin -= 1;
        self->services_.metrics.password_hashes += 1;
        self->prepare_and_submit(id, op, args, std::move(key));
      });
}

// Turns args into a typed request and hands it to the engine; the answer comes back to this
// connection's strand through arrived(). Runs on the strand, or on the hashing pool for a slow
// op.
void WebSocketSession::prepare_and_submit(const json::value& id, const Op& op,
                                          const json::object& args, std::string key) {
  auto self = shared_from_this();
  const auto answer = [self, id, name = op.name, slow = op.slow](Outcome outcome) {
    self->services_.metrics.count_command(name, outcome.ok);
    self->arrived(Answer{id, slow, std::move(outcome)});
  };
  Request request;
  Then then;
  Before before;
  try {
    Prepared prepared = op.prepare(args, caller_);
    if (auto* c = std::get_if<CommandRequest>(&prepared)) c->key = std::move(key);
    if (auto* q = std::get_if<QueryRequest>(&prepared)) {
      then = std::move(q->then);
      before = std::move(q->before);
    }
    std::visit([&](auto& body) { request.body = std::move(body); }, prepared);
  } catch (const BadRequest& e) {
    return answer(failure(core::reject(core::Code::bad_request, e.what())));
  } catch (const std::exception& e) {
    // A bug in an op (it read an argument it did not declare): the caller hears of it.
    std::cerr << "salesdesk: bug: " << op.name << ": " << e.what() << std::endl;
    return answer(failure(core::reject(core::Code::internal, "internal error")));
  }
  request.done = answer;
  if (then) {
    request.done = [then = std::move(then), answer](Outcome first) {
      then(std::move(first), answer);
    };
  }
  const auto submit = [self, answer](Request r) {
    if (!self->services_.engine.submit(std::move(r))) {
      answer(failure(core::reject(core::Code::rate_limited, "the server is busy, retry")));
    }
  };
  if (!before || caller_.reader == nullptr) return submit(std::move(request));
  caller_.reader->run([before = std::move(before), request = std::move(request), submit,
                       answer, name = op.name](const storage::Journal& journal) mutable {
    try {
      before(journal);
    } catch (const std::exception& e) {
      std::cerr << "salesdesk: " << name << ": reading the journal failed: " << e.what()
                << std::endl;
      return answer(failure(core::reject(core::Code::internal, "the journal could not be read")));
    }
    submit(std::move(request));
  }, [answer](core::Error e) { answer(failure(std::move(e))); });
}

// Answers and pushes arrive from the engine thread, many per batch. They gather here in the
// order they came (a batch's answers, then its pushes, then the next batch's: the order a fence
// relies on) and one task on the strand writes them all, so they leave together.
void WebSocketSession::arrived(Arrival arrival) {
  bool post = false;
  {
    std::lock_guard lock(arrivals_mutex_);
    arrivals_.push_back(std::move(arrival));
    post = !std::exchange(arrivals_posted_, true);
  }
  if (!post) return;
  boost::asio::post(ws_.get_executor(), [self = shared_from_this()] { self->write_arrivals(); });
}

void WebSocketSession::write_arrivals() {
  std::vector<Arrival> ready;
  {
    std::lock_guard lock(arrivals_mutex_);
    ready.swap(arrivals_);
    arrivals_posted_ = false;
  }
  for (Arrival& a : ready) {
    if (auto* answer = std::get_if<Answer>(&a)) {
      --in_flight_;
      if (answer->slow) --hashes_in_flight_;
      reply(answer->id, std::move(answer->outcome));
    } else {
      for (Frame& f : std::get<Frames>(a)) queue(std::move(f));
    }
  }
}

void WebSocketSession::topics(const json::value& id, std::string_view op,
                              const json::object& args) {
  const auto* list = args.if_contains("topics");
  std::vector<std::string> names;
  if (list == nullptr || !list->is_array()) {
    return reply_error(id,
                       core::reject(core::Code::bad_request, "topics must be an array of strings"));
  }
  for (const json::value& t : list->get_array()) {
    if (!t.is_string()) {
      return reply_error(
          id, core::reject(core::Code::bad_request, "topics must be an array of strings"));
    }
    names.emplace_back(t.get_string());
  }
  if (auto ok = check_topics(names); !ok) return reply_error(id, ok.error());
  if (op == "subscribe") {
    services_.hub.subscribe(this, names);
  } else {
    services_.hub.unsubscribe(this, names);
  }
  json::array echoed;
  for (auto& n : names) echoed.emplace_back(n);
  reply(id, success(json::serialize(json::object{{"topics", echoed}}), services_.engine.head()));
}

// A success's result is already JSON text (rendered once, on the engine thread): the frame is
// put together around it, not parsed and written again.
void WebSocketSession::reply(const json::value& id, Outcome outcome) {
  const std::string id_text = json::serialize(id);
  const std::string error_text =
      outcome.ok ? std::string() : json::serialize(error_json(outcome.error));
  std::string frame;
  frame.reserve(id_text.size() + outcome.result.size() + error_text.size() + 64);
  frame.append("{\"id\":").append(id_text);
  if (outcome.ok) {
    frame.append(",\"ok\":true,\"result\":");
    const std::string_view result = outcome.result;
    frame.append(result.empty() ? std::string_view("{}") : result);
    frame.append(",\"seq\":").append(std::to_string(outcome.seq)).append("}");
  } else {
    frame.append(",\"ok\":false,\"error\":").append(error_text).append("}");
  }
  queue(std::make_shared<const std::string>(std::move(frame)));
}

void WebSocketSession::reply_error(const json::value& id, core::Error error) {
  reply(id, failure(std::move(error)));
}

void WebSocketSession::send(Frames frames) { arrived(std::move(frames)); }

// Replies already queued (the last batch before a shutdown, say) are written first; nothing new
// is queued once the session is ending.
void WebSocketSession::end(std::string reason) {
  boost::asio::post(ws_.get_executor(),
                    [self = shared_from_this(), reason = std::move(reason)]() mutable {
                      if (self->closing_) return;
                      self->closing_ = true;
                      self->close_reason_ = std::move(reason);
                      if (self->queue_.empty()) self->do_close();
                    });
}

void WebSocketSession::do_close() {
  ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, close_reason_),
                  [self = shared_from_this()](beast::error_code) {});
}

// Frames queued together are written to the coalescing layer one after another while it
// holds, then released as one socket write.
void WebSocketSession::queue(std::shared_ptr<const std::string> frame) {
  if (closing_) return;
  if (queue_.size() >= write_queue_depth_max ||
      queued_bytes_ + ws_.next_layer().buffered() >= write_buffer_bytes_max) {
    // The client cannot keep up: drop it rather than buffer without bound.
    services_.metrics.dropped_slow_clients += 1;
    closing_ = true;
    beast::get_lowest_layer(ws_).close();
    return;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (queue_.size() > 1) return;
  ws_.next_layer().hold();
  write_front();
}

void WebSocketSession::write_front() {
  ws_.text(true);
  ws_.async_write(boost::asio::buffer(*queue_.front()),
                  beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
}

void WebSocketSession::on_write(beast::error_code ec, std::size_t) {
  if (ec) return;
  queued_bytes_ -= queue_.front()->size();
  queue_.pop_front();
  if (!queue_.empty()) return write_front();
  ws_.next_layer().release();
  if (closing_) do_close();
}

}  // namespace salesdesk::app
