// The registry of the protocol's areas: adding an area is its own files plus one line here.
#include "app/protocol.hpp"

namespace salesdesk::app {

const std::vector<Module>& modules() {
  static const std::vector<Module> all = {
      {"accounts", &accounts_ops, {"me"}, &accounts_pushes, nullptr},
      {"commerce", &commerce_ops, {"orders"}, &commerce_pushes, nullptr},
      {"leads", &pool_ops, {"pool"}, &pool_pushes, &pool_batch_pushes},
  };
  return all;
}

}  // namespace salesdesk::app
