#include "app/metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace salesdesk::app {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void render_counter(std::string& out, std::string_view name, std::string_view label,
                    const std::map<std::string, std::uint64_t, std::less<>>& m,
                    std::string_view extra = {}) {
  for (const auto& [key, value] : m) {
    out.append(name).append("{").append(label).append("=\"").append(key).append("\"");
    if (!extra.empty()) out.append(",").append(extra);
    out.append("} ").append(std::to_string(value)).append("\n");
  }
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  std::lock_guard lock(mutex_);
  counts_[static_cast<std::size_t>(it - bounds_.begin())] += 1;
  sum_ += value;
  count_ += 1;
}

void Histogram::render(std::string& out, std::string_view name, std::string_view help) const {
  std::lock_guard lock(mutex_);
  header(out, name, help, "histogram");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out.append(name).append("_bucket{le=\"").append(le).append("\"} ");
    out.append(std::to_string(cumulative)).append("\n");
  }
  out.append(name).append("_sum ").append(number(sum_)).append("\n");
  out.append(name).append("_count ").append(std::to_string(count_)).append("\n");
}

Metrics::Metrics()
    : batch_size({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}),
      append_seconds({0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                      0.25, 0.5, 1}),
      snapshot_seconds({0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}) {}

void Metrics::count_command(std::string_view op, bool ok) {
  std::lock_guard lock(mutex_);
  auto& m = ok ? commands_ok_ : commands_failed_;
  auto it = m.find(op);
  if (it == m.end()) it = m.emplace(std::string(op), 0).first;
  ++it->second;
}

void Metrics::committed(const core::State& state, const std::vector<Committed>& batch) {
  journal_head = state.seq;
  for (const Committed& c : batch) count_event(core::event_name(c.event));
}

void Metrics::count_event(std::string_view type) {
  std::lock_guard lock(mutex_);
  auto it = events_.find(type);
  if (it == events_.end()) it = events_.emplace(std::string(type), 0).first;
  ++it->second;
}

std::string Metrics::render() const {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    header(out, "salesdesk_requests_total", "WebSocket requests by operation and outcome",
           "counter");
    render_counter(out, "salesdesk_requests_total", "op", commands_ok_, "outcome=\"ok\"");
    render_counter(out, "salesdesk_requests_total", "op", commands_failed_, "outcome=\"error\"");
    header(out, "salesdesk_events_total", "Journaled events by type", "counter");
    render_counter(out, "salesdesk_events_total", "type", events_);
  }
  batch_size.render(out, "salesdesk_batch_size", "Commands and queries per engine batch");
  append_seconds.render(out, "salesdesk_journal_append_seconds",
                        "Time to append and fsync one batch");
  snapshot_seconds.render(out, "salesdesk_snapshot_seconds",
                          "Time the engine spent saving one snapshot of the state");
  const auto gauge = [&](std::string_view name, std::string_view help, std::int64_t v) {
    header(out, name, help, "gauge");
    out.append(name).append(" ").append(std::to_string(v)).append("\n");
  };
  gauge("salesdesk_connected_clients", "Open WebSocket connections", connected_clients.load());
  gauge("salesdesk_engine_queue_depth", "Requests waiting for the engine",
        engine_queue_depth.load());
  gauge("salesdesk_journal_head", "Sequence number of the last durable event", journal_head.load());
  gauge("salesdesk_snapshot_seq", "Sequence number of the newest snapshot (0: none)",
        snapshot_seq.load());
  gauge("salesdesk_dropped_slow_clients_total", "Connections dropped for a full write queue",
        static_cast<std::int64_t>(dropped_slow_clients.load()));
  gauge("salesdesk_refused_connections_total", "Connections refused over the connection caps",
        static_cast<std::int64_t>(refused_connections.load()));
  gauge("salesdesk_password_hashes_total",
        "Passwords hashed or checked (logins, users.create/update)",
        static_cast<std::int64_t>(password_hashes.load()));
  gauge("salesdesk_staged_import_bytes",
        "Bytes of chunked lead imports waiting for their final chunk", staged_import_bytes.load());
  gauge("salesdesk_accept_backoffs_total", "Pauses of the accept loop for want of descriptors",
        static_cast<std::int64_t>(accept_backoffs.load()));
  return out;
}

}  // namespace salesdesk::app
