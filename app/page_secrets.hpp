// The secrets of the connected API pages, kept for the webhook's signature check on the network
// threads, so that a delivery goes to the engine once (its command) instead of twice (a read of
// the secret, then the command). Written on the engine thread only, in commit order: after each
// batch that changes a page, and by a webhook that had to read a page the copy did not know.
// Read by any thread. A copy may be a moment behind the state; the command then checks, on the
// engine, that the secret a delivery was verified with is still its page's (check_secret).
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/committed.hpp"
#include "core/types.hpp"

namespace salesdesk::app {

class PageSecrets : public CommitSubscriber {
 public:
  // The secret of a connected API page as last learned; nullopt when not known to be one.
  std::optional<std::string> find(core::PageId page) const;
  // Takes the page's state now (engine thread).
  void learn(const core::State& s, core::PageId page);
  void committed(const core::State& s, const std::vector<Committed>& batch) override;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<core::PageId, std::string> secrets_;
};

// The secret of a connected API page in the state, or nullopt.
std::optional<std::string> api_secret(const core::State& s, core::PageId page);

// Whether a delivery verified with `secret` may still be taken for `page`: nullopt if so, else
// the error its webhook answers (the page went: not_found; its secret changed: unauthorized).
std::optional<core::Error> check_secret(const core::State& s, core::PageId page,
                                        const std::string& secret);

}  // namespace salesdesk::app
