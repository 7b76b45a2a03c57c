// The hub: who is connected, as which user, subscribed to what. It routes pushes after each
// commit and ends connections whose session ended. It knows nothing of sockets: a connection
// is a Subscriber that can be sent a frame or told to end.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/engine.hpp"

namespace salesdesk::app {

struct Push;

using Frame = std::shared_ptr<const std::string>;
using Frames = std::vector<Frame>;

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // The frames of one committed batch for this connection, in order.
  virtual void send(Frames frames) = 0;
  virtual void end(std::string reason) = 0;
};

class Hub {
 public:
  void join(const std::shared_ptr<Subscriber>& s, core::UserId user, std::string token_digest);
  void leave(Subscriber* s);
  void subscribe(Subscriber* s, const std::vector<std::string>& topics);
  void unsubscribe(Subscriber* s, const std::vector<std::string>& topics);

  // Called on the engine thread after a batch is durable.
  void publish(const core::State& state, const std::vector<Committed>& committed);
  void end_all(const std::string& reason);
  std::size_t size() const;

 private:
  struct Entry {
    std::weak_ptr<Subscriber> subscriber;
    core::UserId user = 0;
    std::string token_digest;
    std::set<std::string, std::less<>> topics;
  };
  using Targets = std::vector<std::shared_ptr<Subscriber>>;
  // What one batch sends each connection: its frames, then, if its session ended, the end.
  struct Outbox {
    std::shared_ptr<Subscriber> to;
    Frames frames;
    bool end = false;
  };
  class Outboxes;
  void route(const Push& push, Targets& out) const;
  void deliver(const Push& push, Outboxes& out);
  void ending(const Committed& c, Targets& out) const;

  bool anyone_listens(const std::string& topic) const;

  mutable std::mutex mutex_;
  std::unordered_map<Subscriber*, Entry> entries_;
  std::map<std::string, std::size_t, std::less<>> listeners_;  // subscribers per topic
  std::map<core::UserId, std::set<Subscriber*>> by_user_;
};

}  // namespace salesdesk::app
