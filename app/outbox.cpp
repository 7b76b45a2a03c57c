#include "app/outbox.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <iostream>
#include <limits>
#include <random>

#include "adapters/api/api_channel.hpp"
#include "core/event_codec.hpp"
#include "core/state.hpp"

namespace salesdesk::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Above every seq: where a backwards read of a stream starts at its newest row.
constexpr core::Seq newest_seq = std::numeric_limits<core::Seq>::max();

// One request and its answer, shared by the steps of the exchange.
struct Call {
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  Attempt out;
  bool done = false;
};

template <class Stream>
void send_and_read(Stream& stream, const std::shared_ptr<Call>& call) {
  http::async_write(stream, call->request, [&stream, call](beast::error_code ec, std::size_t) {
    if (ec) {
      call->out.error = "sending: " + ec.message();
      call->done = true;
      return;
    }
    http::async_read(stream, call->buffer, call->response,
                     [call](beast::error_code ec, std::size_t) {
                       if (ec) call->out.error = "reading the answer: " + ec.message();
                       if (!ec) call->out.status = call->response.result_int();
                       call->done = true;
                     });
  });
}

// Connects (and for TLS shakes hands), then sends and reads; each step within the stream's
// deadline.
template <class Stream, class Handshake>
void exchange(Stream& stream, tcp::resolver& resolver, const std::string& host,
              const std::string& port, const std::shared_ptr<Call>& call, Handshake handshake) {
  resolver.async_resolve(
      host, port,
      [&stream, call, handshake](beast::error_code ec, tcp::resolver::results_type found) {
        if (ec) {
          call->out.error = "resolving: " + ec.message();
          call->done = true;
          return;
        }
        beast::get_lowest_layer(stream).async_connect(
            found, [&stream, call, handshake](beast::error_code ec, const tcp::endpoint&) {
              if (ec) {
                call->out.error = "connecting: " + ec.message();
                call->done = true;
                return;
              }
              handshake([&stream, call](beast::error_code ec) {
                if (ec) {
                  call->out.error = "TLS: " + ec.message();
                  call->done = true;
                  return;
                }
                send_and_read(stream, call);
              });
            });
      });
}

}  // namespace

Attempt post_signed(const std::string& url, const std::string& body, const std::string& signature,
                    std::chrono::milliseconds timeout) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host().empty()) {
    return {0, "the callback_url is not an http(s) address"};
  }
  const bool tls = parsed->scheme() == "https";
  const std::string host = parsed->host();
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : tls ? "443" : "80";
  auto call = std::make_shared<Call>();
  auto& req = call->request;
  req.method(http::verb::post);
  req.target(parsed->encoded_target().empty() ? std::string("/")
                                              : std::string(parsed->encoded_target()));
  req.version(11);
  req.set(http::field::host, parsed->encoded_host_and_port());
  req.set(http::field::user_agent, "salesdesk");
  req.set(http::field::content_type, "application/json");
  req.set(adapters::api::signature_header, signature);
  req.body() = body;
  req.prepare_payload();

  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  if (tls) {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_default_verify_paths();
    context.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, context);
    SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(stream).expires_after(timeout);
    exchange(stream, resolver, host, port, call, [&stream](auto next) {
      stream.async_handshake(asio::ssl::stream_base::client, next);
    });
    ioc.run_for(timeout * 2);
  } else {
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    exchange(stream, resolver, host, port, call, [](auto next) { next(beast::error_code{}); });
    ioc.run_for(timeout * 2);
  }
  if (!call->done) return {0, "no answer in time"};
  return call->out;
}

bool final_answer(int status) {
  if (status >= 200 && status < 300) return true;
  return status >= 400 && status < 500 && status != 408 && status != 425 && status != 429;
}

std::chrono::milliseconds backoff_after(const OutboxPolicy& p, int n, double random) {
  auto wait = p.backoff;
  for (int i = 1; i < n && wait < p.backoff_max; ++i) wait *= 2;
  wait = std::min(wait, p.backoff_max);
  const auto half = wait / 2;
  return half + std::chrono::milliseconds(
                    static_cast<std::int64_t>(static_cast<double>((wait - half).count()) * random));
}

Outbox::Outbox(Engine& engine, std::string journal_path, OutboxPolicy policy)
    : engine_(engine), journal_path_(std::move(journal_path)), policy_(policy) {}

Outbox::~Outbox() { stop(); }

namespace {

Delivery delivery_of(const core::State& s, core::MessageId message, const core::Queued& q) {
  Delivery d;
  d.message_id = message;
  d.conversation_id = q.conversation_id;
  if (const core::Page* page = s.pages.find(q.page_id)) {
    d.url = page->callback_url;
    d.secret = page->secret;
  }
  if (const core::Conversation* c = s.conversations.find(q.conversation_id)) {
    d.customer_id = c->customer_id;
    d.customer_external_id = c->external_user_id();
  }
  return d;
}

}  // namespace

void Outbox::start() {
  worker_ = std::thread([this] { run(); });
  engine_.submit(read_state<std::vector<Delivery>>(
      [](const core::State& s) {
        std::vector<Delivery> out;
        for (const auto& [message, q] : s.conversations.outbox) {
          out.push_back(delivery_of(s, message, q));
        }
        return out;
      },
      [this](std::optional<std::vector<Delivery>> waiting) {
        if (waiting) add(std::move(*waiting));
      }));
}

void Outbox::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Outbox::committed(const core::State& state, const std::vector<Committed>& batch) {
  std::vector<Delivery> fresh;
  for (const Committed& c : batch) {
    const auto* queued = std::get_if<core::MessageQueued>(&c.event.base());
    if (queued == nullptr) continue;
    auto it = state.conversations.outbox.find(queued->message_id);
    if (it != state.conversations.outbox.end()) {
      fresh.push_back(delivery_of(state, it->first, it->second));
    }
  }
  if (!fresh.empty()) add(std::move(fresh));
}

void Outbox::add(std::vector<Delivery> deliveries) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    const auto now = std::chrono::steady_clock::now();
    for (Delivery& d : deliveries) {
      if (!known_.insert(d.message_id).second) continue;  // queued already
      due_.emplace(now, Job{std::move(d), 0, {}});
    }
  }
  wake_.notify_all();
}

void Outbox::run() {
  std::unique_ptr<storage::Journal> journal;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto first = due_.begin();
    if (first->first > std::chrono::steady_clock::now()) {
      wake_.wait_until(lock, first->first);
      continue;
    }
    Job job = std::move(first->second);
    due_.erase(first);
    lock.unlock();
    try {
      if (!journal) journal = storage::Journal::open(journal_path_, storage::OpenMode::read_only);
      attempt(job, *journal);
    } catch (const std::exception& e) {
      std::cerr << "salesdesk: outbox: " << e.what() << std::endl;
      lock.lock();
      due_.emplace(std::chrono::steady_clock::now() + policy_.backoff, std::move(job));
      continue;
    }
    lock.lock();
  }
}

void Outbox::attempt(Job& job, const storage::Journal& journal) {
  const Delivery& d = job.delivery;
  if (job.body.empty()) {
    // From the stream's newest row: the reply was committed after this journal was opened.
    journal.read_stream_back(core::conversation_stream(d.conversation_id), newest_seq,
                             [&](const storage::Row& row) {
                               if (row.type != core::MessageSent::type_id) return true;
                               const core::Event e = core::decode_payload(row.type, row.payload);
                               const auto& sent = std::get<core::MessageSent>(e.base());
                               if (sent.message_id != d.message_id) return true;
                               job.body = adapters::api::outgoing_body(
                                   {d.message_id, d.conversation_id, d.customer_id,
                                    d.customer_external_id, sent.text, sent.attachments});
                               return false;
                             });
  }
  if (job.body.empty()) return record(job, false, "the reply is not in the journal");
  if (d.url.empty()) return record(job, false, "the page has no callback_url any more");
  ++job.attempts;
  const Attempt a =
      post_signed(d.url, job.body, adapters::api::sign(d.secret, job.body), policy_.timeout);
  if (a.status >= 200 && a.status < 300) return record(job, true, "");
  const std::string reason = a.status != 0 ? "HTTP " + std::to_string(a.status) : a.error;
  if (final_answer(a.status) || job.attempts >= policy_.attempts) {
    return record(job, false, reason);
  }
  thread_local std::mt19937_64 random{std::random_device{}()};
  const auto wait =
      backoff_after(policy_, job.attempts, std::uniform_real_distribution<double>(0, 1)(random));
  std::lock_guard lock(mutex_);
  due_.emplace(std::chrono::steady_clock::now() + wait, std::move(job));
}

void Outbox::record(const Job& job, bool delivered, std::string reason) {
  core::RecordDelivery c{job.delivery.message_id, delivered, job.attempts, std::move(reason)};
  if (!engine_.submit(Request{CommandRequest{core::system_actor, std::move(c), {}, {}}, {}})) {
    // The engine is too busy to take it: try the whole delivery again later (a receiver may
    // see a reply twice: it is told the message_id to recognise it).
    std::lock_guard lock(mutex_);
    due_.emplace(std::chrono::steady_clock::now() + policy_.backoff, job);
    return;
  }
  std::lock_guard lock(mutex_);
  known_.erase(job.delivery.message_id);
}

}  // namespace salesdesk::app
