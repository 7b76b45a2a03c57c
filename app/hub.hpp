// The hub: who is connected, as which user, subscribed to what. It routes pushes after each
// commit and ends connections whose session ended. It knows nothing of sockets: a connection
// is a Subscriber that can be sent a frame or told to end.
//
// Publishing a batch costs in proportion to what is delivered, not to who is connected:
// subscribers are indexed by topic and by user; each push is rendered once per kind of viewer
// (protocol_*.cpp), routed under one lock for the whole batch, and a connection's `pool` pushes
// of one batch leave as one frame (schema/protocol.md "Pushes that scale"), shared by every
// connection that gets the same pushes.
#pragma once

#include <atomic>
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

// The topic whose pushes of one batch are coalesced into one frame per connection.
constexpr std::string_view coalesced_topic = "pool";

// A user who has a conversation open (conversations.viewing).
struct Viewer {
  core::UserId user = 0;
  std::string name;
};

class Hub : public CommitSubscriber {
 public:
  // Who has a conversation open: kept per connection, not journaled, gone with the connection.
  // Records that `s` has (or no longer has) it open and pushes the conversation's viewers on
  // conversation:{id} to those of its subscribers that `audience` (the users who may see the
  // conversation, as the engine found them) admits; returns the viewers, each user once.
  std::vector<Viewer> view(Subscriber* s, std::int64_t conversation, bool viewing, Viewer who,
                           std::set<core::UserId> audience, core::Seq seq);
  void join(const std::shared_ptr<Subscriber>& s, core::UserId user, std::string token_digest);
  void leave(Subscriber* s);
  void subscribe(Subscriber* s, const std::vector<std::string>& topics);
  void unsubscribe(Subscriber* s, const std::vector<std::string>& topics);

  // Called on the engine thread after a batch is durable.
  void committed(const core::State& state, const std::vector<Committed>& batch) override;
  void end_all(const std::string& reason);
  std::size_t size() const;

 private:
  struct Entry {
    std::weak_ptr<Subscriber> subscriber;
    core::UserId user = 0;
    std::string token_digest;
    std::set<std::string, std::less<>> topics;
  };
  class Delivery;
  struct Viewing {
    std::map<Subscriber*, Viewer> by_connection;
    std::set<core::UserId> audience;
  };
  using Sends = std::vector<std::pair<std::shared_ptr<Subscriber>, Frame>>;
  void route(const Push& push, std::size_t index, Delivery& out) const;
  void forget(Subscriber* s);
  // The viewers of a conversation, each user once; and the frames that tell its subscribers.
  static std::vector<Viewer> viewers_of(const Viewing& v);
  void tell_viewers(std::int64_t conversation, const Viewing& v, core::Seq seq, Sends& out) const;
  void ending(const Committed& c, Delivery& out) const;

  mutable std::mutex mutex_;
  std::unordered_map<Subscriber*, Entry> entries_;
  std::map<std::string, std::set<Subscriber*>, std::less<>> by_topic_;
  std::map<core::UserId, std::set<Subscriber*>> by_user_;
  std::map<std::int64_t, Viewing> viewing_;  // by conversation
  std::atomic<core::Seq> head_{0};           // the last committed seq, for volatile pushes
};

}  // namespace salesdesk::app
