#include "app/lookups.hpp"

#include "app/engine.hpp"

namespace salesdesk::app {

PhoneLookups::Count& PhoneLookups::current(core::UserId user, Clock::time_point now) {
  Count& c = by_user_[user];
  if (now - c.since >= window) c = Count{now, 0, 0};
  return c;
}

bool PhoneLookups::take(core::UserId user, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Count& c = current(user, now);
  if (c.lookups >= lookups_max) return false;
  ++c.lookups;
  return true;
}

void PhoneLookups::missed(core::UserId user, Clock::time_point now) {
  int misses = 0;
  {
    std::lock_guard lock(mutex_);
    misses = ++current(user, now).misses;
  }
  if (misses == misses_alert && alert_) alert_(user, misses);
}

void report_hidden_lookups(Engine& engine, core::UserId user, int misses) {
  const std::string id = std::to_string(user);
  const std::string count = std::to_string(misses);
  const std::string minutes = std::to_string(PhoneLookups::window.count());
  core::RecordSystemMessage message{
      {"security", "masked_lookups", {{"user", id}, {"count", count}, {"minutes", minutes}},
       "user " + id + " looked up " + count + " phone numbers that are masked for them within " +
           minutes + " minutes",
       "user:" + id}};
  engine.submit(Request{CommandRequest{core::system_actor, std::move(message), {}, {}}, {}});
}

}  // namespace salesdesk::app
