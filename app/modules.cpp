// The registry of the protocol's areas, in order: adding an area is its own files (core's, and
// app/protocol_<area>.cpp, which defines its module) plus its two lines here.
#include "app/protocol.hpp"

namespace salesdesk::app {

Module accounts_module();       // app/protocol_accounts.cpp
Module commerce_module();       // app/protocol_commerce.cpp
Module pool_module();           // app/protocol_pool.cpp
Module inbox_module();          // app/protocol_inbox.cpp
Module conversations_module();  // app/protocol_conversations.cpp
Module reports_module();        // app/protocol_reports.cpp

const std::vector<Module>& modules() {
  static const std::vector<Module> all = {accounts_module(),      commerce_module(),
                                          pool_module(),          inbox_module(),
                                          conversations_module(), reports_module()};
  return all;
}

}  // namespace salesdesk::app
