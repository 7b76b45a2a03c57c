// Counters, gauges and histograms for GET /metrics, in Prometheus text format.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "app/committed.hpp"

namespace salesdesk::app {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  void render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // one per bound, plus +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Counts every committed event by type and follows the journal's head (a CommitSubscriber
// of the engine, which adds itself).
class Metrics : public CommitSubscriber {
 public:
  Metrics();
  void committed(const core::State& state, const std::vector<Committed>& batch) override;
  void count_command(std::string_view op, bool ok);
  void count_event(std::string_view type);
  std::string render() const;

  Histogram batch_size;
  Histogram append_seconds;
  Histogram snapshot_seconds;
  std::atomic<std::int64_t> snapshot_seq{0};
  std::atomic<std::int64_t> connected_clients{0};
  std::atomic<std::int64_t> engine_queue_depth{0};
  std::atomic<std::int64_t> journal_head{0};
  std::atomic<std::uint64_t> dropped_slow_clients{0};
  std::atomic<std::uint64_t> refused_connections{0};
  std::atomic<std::uint64_t> password_hashes{0};
  std::atomic<std::int64_t> staged_import_bytes{0};
  std::atomic<std::uint64_t> accept_backoffs{0};
  std::atomic<std::uint64_t> webhooks_rejected{0};

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> commands_ok_;
  std::map<std::string, std::uint64_t, std::less<>> commands_failed_;
  std::map<std::string, std::uint64_t, std::less<>> events_;
};

}  // namespace salesdesk::app
