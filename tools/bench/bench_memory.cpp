// bench_memory: bytes per user and per session in the projection (core::State).
//
// Folds N UserCreated, then N SessionStarted, through core::evolve into a fresh State and
// measures the heap in use (mallinfo2: exact) and the resident set (/proc/self/statm: what
// the OS sees) before and after each step. The baseline printed beside each figure is the
// event's journal payload size (cereal portable binary), so the ratio says how much bigger a
// record is in memory than on disk. Repeated in fresh states; medians.
#include <malloc.h>

#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/event_codec.hpp"
#include "core/events.hpp"
#include "core/state.hpp"
#include "tools/bench/bench_common.hpp"

namespace {

using namespace salesdesk;
namespace bench = salesdesk::bench;
using bench::heap_bytes;

constexpr const char* usage =
    "usage: bench_memory [--users N=100000] [--sessions N=100000] [--reps N=3]\n"
    "Prints heap and RSS bytes per user and per session of core::State.";

constexpr core::Time base_time = 1'780'000'000'000;

std::string hex(std::uint64_t seed, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    out[i] = digits[(seed >> 59) & 0xf];
  }
  return out;
}

// A realistic user: a sale with a username, a display name, one team and a PBKDF2 hash.
core::UserCreated user_event(core::UserId id) {
  core::UserCreated u;
  u.user_id = id;
  u.username = "sale" + std::to_string(id);
  u.display_name = "Sale Agent " + std::to_string(id);
  u.role = core::Role::sale;
  u.password_hash = core::Secret{"pbkdf2-sha256$120000$" + hex(static_cast<std::uint64_t>(id), 32) + "$" +
                                 hex(static_cast<std::uint64_t>(id) * 7 + 1, 64)};
  u.team_ids = {1 + id % 10};
  return u;
}

// A session: the hex SHA-256 digest of a bearer token, as the server journals it.
core::SessionStarted session_event(std::int64_t i, std::int64_t users) {
  return core::SessionStarted{1 + i % users, core::Secret{hex(static_cast<std::uint64_t>(i) + 99991, 64)}};
}

struct Sample {
  double heap_per_user, rss_per_user, heap_per_session, rss_per_session;
};

Sample measure(std::int64_t users, std::int64_t sessions) {
  auto state = std::make_unique<core::State>();
  // Both event lists exist before anything is measured, so no freed block is lying around for
  // the state to reuse and the RSS delta is the state's own growth.
  std::vector<core::Event> user_events, session_events;
  user_events.reserve(static_cast<std::size_t>(users));
  session_events.reserve(static_cast<std::size_t>(sessions));
  for (std::int64_t i = 0; i < users; ++i) user_events.emplace_back(user_event(i + 1));
  for (std::int64_t i = 0; i < sessions; ++i) session_events.emplace_back(session_event(i, users));
  const std::int64_t heap0 = heap_bytes(), rss0 = bench::rss_bytes();
  for (const core::Event& e : user_events) core::evolve(*state, e, base_time);
  const std::int64_t heap1 = heap_bytes(), rss1 = bench::rss_bytes();
  for (const core::Event& e : session_events) core::evolve(*state, e, base_time);
  const std::int64_t heap2 = heap_bytes(), rss2 = bench::rss_bytes();
  if (state->users.by_id.size() != static_cast<std::size_t>(users) ||
      state->users.sessions.size() != static_cast<std::size_t>(sessions)) {
    throw std::runtime_error("the state did not grow as expected");
  }
  const auto u = static_cast<double>(users), s = static_cast<double>(sessions);
  return {static_cast<double>(heap1 - heap0) / u, static_cast<double>(rss1 - rss0) / u,
          static_cast<double>(heap2 - heap1) / s, static_cast<double>(rss2 - rss1) / s};
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv, usage);
  const std::int64_t users = flags.integer("users", 100'000);
  const std::int64_t sessions = flags.integer("sessions", 100'000);
  const int reps = static_cast<int>(flags.integer("reps", 3));
  flags.done();
  if (users < 1 || sessions < 0 || reps < 1) flags.fail("bad sizes");

  bench::print_machine();
  std::vector<double> hu, ru, hs, rs;
  for (int rep = 0; rep < reps; ++rep) {
    const Sample x = measure(users, sessions);
    hu.push_back(x.heap_per_user);
    ru.push_back(x.rss_per_user);
    hs.push_back(x.heap_per_session);
    rs.push_back(x.rss_per_session);
    ::malloc_trim(0);
  }
  const double user_payload = static_cast<double>(core::encode_payload(user_event(users / 2)).size());
  const double session_payload = static_cast<double>(core::encode_payload(session_event(7, users)).size());

  std::cout << users << " users (UserCreated) and " << sessions << " sessions (SessionStarted) folded into a "
            << "fresh core::State; " << reps << " repetitions, medians\n"
            << "sizeof(User) = " << sizeof(core::User) << ", sizeof(Session) = " << sizeof(core::Session)
            << ", sizeof(std::string) = " << sizeof(std::string) << "\n";
  std::cout << std::left << std::setw(10) << "record" << std::right << std::setw(14) << "heap B/rec"
            << std::setw(14) << "RSS B/rec" << std::setw(18) << "payload B (disk)" << std::setw(16)
            << "heap/payload" << "\n"
            << std::fixed << std::setprecision(1);
  std::cout << std::left << std::setw(10) << "user" << std::right << std::setw(14) << bench::median(hu)
            << std::setw(14) << bench::median(ru) << std::setw(18) << user_payload << std::setw(16)
            << bench::median(hu) / user_payload << "\n";
  std::cout << std::left << std::setw(10) << "session" << std::right << std::setw(14) << bench::median(hs)
            << std::setw(14) << bench::median(rs) << std::setw(18) << session_payload << std::setw(16)
            << bench::median(hs) / session_payload << "\n";
  const double per_site = bench::median(hu) * 5000 + bench::median(hs) * 10000;
  std::cout << std::setprecision(1) << "a site of 5,000 users with 10,000 live sessions: "
            << per_site / (1024 * 1024) << " MiB of heap for users and sessions\n";
  return 0;
}
