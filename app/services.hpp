// What every network session shares: the engine, the hub, metrics, the login throttle, the
// pool for slow work (password hashing) and the server's configuration.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <string>

#include "app/auth.hpp"
#include "app/engine.hpp"
#include "app/hub.hpp"
#include "app/metrics.hpp"

namespace salesdesk::app {

constexpr std::size_t http_body_bytes_max = 1024 * 1024;
constexpr std::size_t ws_frame_bytes_max = 1024 * 1024;
constexpr std::size_t write_queue_depth_max = 4096;
constexpr std::size_t requests_in_flight_max = 1024;

struct Services {
  Engine& engine;
  Hub& hub;
  Metrics& metrics;
  LoginThrottle& throttle;
  boost::asio::thread_pool& slow;
  std::string web_root;
};

}  // namespace salesdesk::app
