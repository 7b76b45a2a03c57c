#include "app/page_secrets.hpp"

#include <mutex>

namespace salesdesk::app {

std::optional<std::string> api_secret(const core::State& s, core::PageId page) {
  const core::Page* p = s.pages.find(page);
  if (p == nullptr || !p->connected || p->channel != core::Channel::api) return std::nullopt;
  return p->secret;
}

std::optional<core::Error> check_secret(const core::State& s, core::PageId page,
                                        const std::string& secret) {
  const std::optional<std::string> now = api_secret(s, page);
  if (!now)
    return core::reject(core::Code::not_found, "no connected API page " + std::to_string(page));
  if (*now != secret) return core::reject(core::Code::unauthorized, "the signature is wrong");
  return std::nullopt;
}

std::optional<std::string> PageSecrets::find(core::PageId page) const {
  std::shared_lock lock(mutex_);
  auto it = secrets_.find(page);
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

void PageSecrets::learn(const core::State& s, core::PageId page) {
  std::optional<std::string> secret = api_secret(s, page);
  std::unique_lock lock(mutex_);
  if (secret) {
    secrets_[page] = std::move(*secret);
  } else {
    secrets_.erase(page);
  }
}

void PageSecrets::committed(const core::State& s, const std::vector<Committed>& batch) {
  for (const Committed& c : batch) {
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, core::PageConnected> ||
                        std::is_same_v<T, core::PageUpdated> ||
                        std::is_same_v<T, core::PageDisconnected>) {
            learn(s, e.page_id);
          }
        },
        c.event.base());
  }
}

}  // namespace salesdesk::app
