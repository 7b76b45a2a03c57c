#include "app/hub.hpp"

#include "app/protocol.hpp"

namespace salesdesk::app {

void Hub::join(const std::shared_ptr<Subscriber>& s, core::UserId user, std::string token_digest) {
  std::lock_guard lock(mutex_);
  entries_[s.get()] = Entry{s, user, std::move(token_digest), {}};
  by_user_[user].insert(s.get());
}

void Hub::leave(Subscriber* s) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(s);
  if (it == entries_.end()) return;
  auto u = by_user_.find(it->second.user);
  if (u != by_user_.end()) {
    u->second.erase(s);
    if (u->second.empty()) by_user_.erase(u);
  }
  for (const std::string& t : it->second.topics) --listeners_[t];
  entries_.erase(it);
}

void Hub::subscribe(Subscriber* s, const std::vector<std::string>& topics) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(s);
  if (it == entries_.end()) return;
  for (const std::string& t : topics) {
    if (it->second.topics.insert(t).second) ++listeners_[t];
  }
}

void Hub::unsubscribe(Subscriber* s, const std::vector<std::string>& topics) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(s);
  if (it == entries_.end()) return;
  for (const std::string& t : topics) {
    if (it->second.topics.erase(t) > 0) --listeners_[t];
  }
}

bool Hub::anyone_listens(const std::string& topic) const {
  auto it = listeners_.find(topic);
  return it != listeners_.end() && it->second > 0;
}

void Hub::route(const Push& push, Targets& out) const {
  const auto wants = [&](const Entry& e) {
    return e.topics.contains(push.topic) && (!push.audience || push.audience(e.user));
  };
  if (push.to) {
    auto u = by_user_.find(*push.to);
    if (u == by_user_.end()) return;
    for (Subscriber* s : u->second) {
      const Entry& e = entries_.at(s);
      if (wants(e)) {
        if (auto p = e.subscriber.lock()) out.push_back(std::move(p));
      }
    }
    return;
  }
  for (const auto& [ptr, e] : entries_) {
    if (wants(e)) {
      if (auto p = e.subscriber.lock()) out.push_back(std::move(p));
    }
  }
}

// Connections whose session just ended (logout, password reset, deactivation).
void Hub::ending(const Committed& c, Targets& out) const {
  const auto* ended = std::get_if<core::SessionEnded>(&c.event.base());
  if (ended == nullptr) return;
  auto u = by_user_.find(ended->user_id);
  if (u == by_user_.end()) return;
  for (Subscriber* s : u->second) {
    const Entry& e = entries_.at(s);
    if (e.token_digest != ended->token_digest.value) continue;
    if (auto p = e.subscriber.lock()) out.push_back(std::move(p));
  }
}

// The frames of a batch, gathered per connection so each gets one post for the whole batch
// rather than one per push.
class Hub::Outboxes {
 public:
  Outbox& of(const std::shared_ptr<Subscriber>& s) {
    auto [it, added] = index_.try_emplace(s.get(), boxes_.size());
    if (added) boxes_.push_back(Outbox{s, {}, false});
    return boxes_[it->second];
  }
  void flush() {
    for (Outbox& box : boxes_) {
      if (!box.frames.empty()) box.to->send(std::move(box.frames));
      if (box.end) box.to->end("session ended");
    }
  }

 private:
  std::vector<Outbox> boxes_;
  std::unordered_map<Subscriber*, std::size_t> index_;
};

void Hub::publish(const core::State& state, const std::vector<Committed>& committed) {
  {
    std::lock_guard lock(mutex_);
    if (entries_.empty()) return;
  }
  const auto listened_to = [this](const std::string& topic) {
    std::lock_guard lock(mutex_);
    return anyone_listens(topic);
  };
  Outboxes out;
  bool entered_replaced = false;
  for (const Push& push : batch_pushes(state, committed, listened_to, entered_replaced)) deliver(push, out);
  for (const Committed& c : committed) {
    if (entered_replaced && std::holds_alternative<core::LeadFloated>(c.event.base())) continue;
    Targets to_end;
    {
      std::lock_guard lock(mutex_);
      ending(c, to_end);
    }
    for (auto& s : to_end) out.of(s).end = true;  // nothing after this event reaches it
    for (const Push& push : pushes_for(state, c, listened_to)) deliver(push, out);
  }
  out.flush();
}

void Hub::deliver(const Push& push, Outboxes& out) {
  Targets targets;
  {
    std::lock_guard lock(mutex_);
    route(push, targets);
  }
  if (targets.empty()) return;
  auto frame = std::make_shared<const std::string>(push.text);
  for (auto& s : targets) {
    Outbox& box = out.of(s);
    if (!box.end) box.frames.push_back(frame);
  }
}

void Hub::end_all(const std::string& reason) {
  Targets all;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [ptr, e] : entries_) {
      if (auto p = e.subscriber.lock()) all.push_back(std::move(p));
    }
  }
  for (auto& s : all) s->end(reason);
}

std::size_t Hub::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace salesdesk::app
