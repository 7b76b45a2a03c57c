#include "app/hub.hpp"

#include <algorithm>
#include <cstdint>

#include "app/protocol.hpp"

namespace salesdesk::app {

void Hub::join(const std::shared_ptr<Subscriber>& s, core::UserId user, std::string token_digest) {
  std::lock_guard lock(mutex_);
  entries_[s.get()] = Entry{s, user, std::move(token_digest), {}};
  by_user_[user].insert(s.get());
}

void Hub::leave(Subscriber* s) {
  Sends sends;
  {
    std::lock_guard lock(mutex_);
    // The conversations it had open: the others hear it has closed them.
    for (auto v = viewing_.begin(); v != viewing_.end();) {
      const std::size_t before = viewers_of(v->second).size();
      if (v->second.by_connection.erase(s) == 0) {
        ++v;
        continue;
      }
      if (viewers_of(v->second).size() != before) tell_viewers(v->first, v->second, head_, sends);
      v = v->second.by_connection.empty() ? viewing_.erase(v) : std::next(v);
    }
    forget(s);
  }
  for (auto& [to, frame] : sends) to->send({frame});
}

std::vector<Viewer> Hub::view(Subscriber* s, std::int64_t conversation, bool viewing, Viewer who,
                              std::set<core::UserId> audience, core::Seq seq) {
  Sends sends;
  std::vector<Viewer> out;
  {
    std::lock_guard lock(mutex_);
    if (!entries_.contains(s)) return out;
    Viewing& v = viewing_[conversation];
    v.audience = std::move(audience);
    const std::size_t before = viewers_of(v).size();
    if (viewing) {
      v.by_connection.insert_or_assign(s, std::move(who));
    } else {
      v.by_connection.erase(s);
    }
    // (a second tab of a viewer, or one of two closed, changes nothing the others see)
    if (viewers_of(v).size() != before) tell_viewers(conversation, v, seq, sends);
    out = viewers_of(v);
    if (v.by_connection.empty()) viewing_.erase(conversation);
  }
  for (auto& [to, frame] : sends) to->send({frame});
  return out;
}

std::vector<Viewer> Hub::viewers_of(const Viewing& v) {
  std::vector<Viewer> out;
  for (const auto& entry : v.by_connection) {
    const Viewer& viewer = entry.second;
    const auto same = [&](const Viewer& x) { return x.user == viewer.user; };
    if (std::none_of(out.begin(), out.end(), same)) out.push_back(viewer);
  }
  return out;
}

void Hub::tell_viewers(std::int64_t conversation, const Viewing& v, core::Seq seq,
                       Sends& out) const {
  const std::string topic = "conversation:" + std::to_string(conversation);
  auto listening = by_topic_.find(topic);
  if (listening == by_topic_.end()) return;
  std::vector<std::pair<core::UserId, std::string>> list;
  for (const Viewer& viewer : viewers_of(v)) list.emplace_back(viewer.user, viewer.name);
  const Frame frame =
      std::make_shared<const std::string>(viewers_frame(topic, conversation, list, seq));
  for (Subscriber* s : listening->second) {
    const Entry& e = entries_.at(s);
    auto to = e.subscriber.lock();
    if (to && v.audience.contains(e.user)) out.emplace_back(std::move(to), frame);
  }
}

// Takes a connection out of every index (the caller holds the lock).
void Hub::forget(Subscriber* s) {
  auto it = entries_.find(s);
  if (it == entries_.end()) return;
  auto u = by_user_.find(it->second.user);
  if (u != by_user_.end()) {
    u->second.erase(s);
    if (u->second.empty()) by_user_.erase(u);
  }
  for (const std::string& t : it->second.topics) {
    auto topic = by_topic_.find(t);
    topic->second.erase(s);
    if (topic->second.empty()) by_topic_.erase(topic);
  }
  entries_.erase(it);
}

void Hub::subscribe(Subscriber* s, const std::vector<std::string>& topics) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(s);
  if (it == entries_.end()) return;
  for (const std::string& t : topics) {
    if (it->second.topics.insert(t).second) by_topic_[t].insert(s);
  }
}

void Hub::unsubscribe(Subscriber* s, const std::vector<std::string>& topics) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(s);
  if (it == entries_.end()) return;
  for (const std::string& t : topics) {
    if (it->second.topics.erase(t) == 0) continue;
    auto topic = by_topic_.find(t);
    topic->second.erase(s);
    if (topic->second.empty()) by_topic_.erase(topic);
  }
}

// What one batch delivers: for each connection reached, the indexes of its pushes in order and
// whether its session ended. Filled under the hub's lock; framed and sent after it.
class Hub::Delivery {
 public:
  explicit Delivery(const std::vector<Push>& pushes) : pushes_(pushes) {}

  void add(Subscriber* s, const Entry& e, std::size_t push) {
    Box* box = of(s, e);
    if (box != nullptr && !box->end) box->pushes.push_back(static_cast<std::uint32_t>(push));
  }
  // Nothing after this point reaches the connection.
  void end(Subscriber* s, const Entry& e) {
    if (Box* box = of(s, e)) box->end = true;
  }

  void flush() {
    for (Box& box : boxes_) {
      if (!box.to) continue;
      Frames frames = frames_of(box.pushes);
      if (!frames.empty()) box.to->send(std::move(frames));
      if (box.end) box.to->end("session ended");
    }
  }

 private:
  struct Box {
    std::shared_ptr<Subscriber> to;  // null when the connection is already gone
    std::vector<std::uint32_t> pushes;
    bool end = false;
  };

  Box* of(Subscriber* s, const Entry& e) {
    auto [it, added] = index_.try_emplace(s, boxes_.size());
    if (added) boxes_.push_back(Box{e.subscriber.lock(), {}, false});
    Box& box = boxes_[it->second];
    return box.to ? &box : nullptr;
  }

  // A connection's frames: each push's own frame, except that its pushes of the coalesced
  // topic leave as one frame where the first of them was.
  Frames frames_of(const std::vector<std::uint32_t>& pushes) {
    std::vector<std::uint32_t> coalesced;
    for (std::uint32_t i : pushes) {
      if (pushes_[i].topic == coalesced_topic) coalesced.push_back(i);
    }
    Frames out;
    bool coalesced_sent = false;
    for (std::uint32_t i : pushes) {
      if (pushes_[i].topic != coalesced_topic || coalesced.size() == 1) {
        out.push_back(single(i));
      } else if (!coalesced_sent) {
        out.push_back(together(coalesced));
        coalesced_sent = true;
      }
    }
    return out;
  }

  Frame single(std::uint32_t i) {
    if (single_.empty()) single_.resize(pushes_.size());
    if (!single_[i]) single_[i] = std::make_shared<const std::string>(pushes_[i].text);
    return single_[i];
  }

  // One frame per distinct list of pushes, shared by every connection that gets that list.
  Frame together(const std::vector<std::uint32_t>& list) {
    Frame& frame = together_[list];
    if (!frame) {
      std::vector<std::string_view> texts;
      texts.reserve(list.size());
      for (std::uint32_t i : list) texts.push_back(pushes_[i].text);
      frame = std::make_shared<const std::string>(batch_frame(coalesced_topic, texts));
    }
    return frame;
  }

  const std::vector<Push>& pushes_;
  std::vector<Box> boxes_;
  std::unordered_map<Subscriber*, std::size_t> index_;
  std::vector<Frame> single_;
  std::map<std::vector<std::uint32_t>, Frame> together_;
};

void Hub::route(const Push& push, std::size_t index, Delivery& out) const {
  auto topic = by_topic_.find(push.topic);
  if (topic == by_topic_.end()) return;
  const std::set<Subscriber*>& listening = topic->second;
  const auto deliver = [&](Subscriber* s) {
    const Entry& e = entries_.at(s);
    if (!push.audience || push.audience(e.user)) out.add(s, e, index);
  };
  if (!push.to) {
    for (Subscriber* s : listening) deliver(s);
    return;
  }
  auto u = by_user_.find(*push.to);
  if (u == by_user_.end()) return;
  for (Subscriber* s : u->second) {
    if (listening.contains(s)) deliver(s);
  }
}

// Connections whose session just ended (logout, password reset, deactivation).
void Hub::ending(const Committed& c, Delivery& out) const {
  const auto* ended = std::get_if<core::SessionEnded>(&c.event.base());
  auto u = by_user_.find(ended->user_id);
  if (u == by_user_.end()) return;
  for (Subscriber* s : u->second) {
    const Entry& e = entries_.at(s);
    if (e.token_digest == ended->token_digest.value) out.end(s, e);
  }
}

void Hub::committed(const core::State& state, const std::vector<Committed>& committed) {
  if (!committed.empty()) head_ = committed.back().seq;
  std::set<std::string, std::less<>> listened_topics;
  {
    std::lock_guard lock(mutex_);
    if (entries_.empty()) return;
    for (const auto& [topic, subscribers] : by_topic_) listened_topics.insert(topic);
  }
  const Listened listened = [&](const std::string& topic) {
    return listened_topics.contains(topic);
  };

  // Render on this (the engine's) thread, which may read the state; an ended session is noted
  // at its place among the pushes.
  const BatchPushList list = pushes_of(state, committed, listened);
  const std::vector<Push>& pushes = list.pushes;
  std::vector<std::pair<std::size_t, const Committed*>> endings;
  for (std::size_t i = 0; i < committed.size(); ++i) {
    if (std::holds_alternative<core::SessionEnded>(committed[i].event.base())) {
      endings.emplace_back(list.event_start[i], &committed[i]);
    }
  }
  if (pushes.empty() && endings.empty()) return;

  Delivery out(pushes);
  {
    std::lock_guard lock(mutex_);
    std::size_t next_end = 0;
    for (std::size_t i = 0; i <= pushes.size(); ++i) {
      while (next_end < endings.size() && endings[next_end].first <= i) {
        ending(*endings[next_end++].second, out);
      }
      if (i < pushes.size()) route(pushes[i], i, out);
    }
  }
  out.flush();
}

void Hub::end_all(const std::string& reason) {
  std::vector<std::shared_ptr<Subscriber>> all;
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
