// The outbox of the generic API channel (PROTOCOL.md section 6; schema/protocol.md "The
// outbox"): a reply journaled with MessageQueued is POSTed, signed, to its page's callback_url
// by one worker thread, retried with exponential backoff and jitter until a 2xx, and its end
// journaled (RecordDelivery: MessageDelivered, or MessageFailed and a system message).
// What waits is a fold of the journal (Conversations::outbox), so a restart resumes it; the
// message itself is read back from the journal, never kept here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "app/engine.hpp"

namespace salesdesk::app {

struct OutboxPolicy {
  int attempts = 15;                               // then it has failed
  std::chrono::milliseconds backoff{1000};         // before the 2nd attempt; doubles after
  std::chrono::milliseconds backoff_max{600'000};  // the longest wait between attempts
  std::chrono::milliseconds timeout{10'000};       // one attempt: connect, send, answer
};

// One delivery's target, as the state names it when it is queued (or when the server starts).
struct Delivery {
  core::MessageId message_id = 0;
  core::ConversationId conversation_id = 0;
  core::CustomerId customer_id = 0;
  std::string customer_external_id;
  std::string url;
  std::string secret;
};

// The answer of one attempt: a status (0 = none: the connection failed) and why not, if not.
struct Attempt {
  int status = 0;
  std::string error;
};
// POSTs body to url (http:// or https://, the certificate checked) with the signature header.
Attempt post_signed(const std::string& url, const std::string& body, const std::string& signature,
                    std::chrono::milliseconds timeout);
// Whether an answer ends the retries: a 2xx (delivered), or a refusal that will not change
// (a 4xx other than 408, 425 and 429).
bool final_answer(int status);
// The wait before attempt n + 1 (n >= 1): backoff * 2^(n-1), at most backoff_max, with equal
// jitter (between half of it and all of it), `random` in [0, 1).
std::chrono::milliseconds backoff_after(const OutboxPolicy& p, int n, double random);

class Outbox : public CommitSubscriber {
 public:
  Outbox(Engine& engine, std::string journal_path, OutboxPolicy policy);
  ~Outbox() override;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Starts the worker and queues what the journal says is waiting (after the engine started).
  void start();
  // Stops the worker; what it had not delivered stays queued in the journal.
  void stop();
  void committed(const core::State& state, const std::vector<Committed>& batch) override;

 private:
  struct Job {
    Delivery delivery;
    int attempts = 0;
    std::string body;  // read from the journal on the first attempt
  };
  void add(std::vector<Delivery> deliveries);
  void run();
  void attempt(Job& job, const storage::Journal& journal);
  void record(const Job& job, bool delivered, std::string reason);

  Engine& engine_;
  std::string journal_path_;
  OutboxPolicy policy_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<std::chrono::steady_clock::time_point, Job> due_;
  std::set<core::MessageId> known_;  // queued or being tried
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace salesdesk::app
