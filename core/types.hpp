// The vocabulary every aggregate shares: ids, time, roles, the named rejections and the
// Result that decide() returns. Nothing here knows about JSON, sockets, SQLite or clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace salesdesk::core {

// Milliseconds since the Unix epoch, UTC. Always handed in; core never reads a clock.
using Time = std::int64_t;
constexpr Time ms_per_s = 1000;

using UserId = std::int64_t;
using TeamId = std::int64_t;
using CustomerId = std::int64_t;
using OrderId = std::int64_t;
using LeadId = std::int64_t;
using ConversationId = std::int64_t;
using PageId = std::int64_t;
using MessageId = std::int64_t;
using Seq = std::int64_t;
using Money = std::int64_t;  // in the currency's smallest unit

// The actor of system-issued commands (timers, bootstrap).
constexpr UserId system_actor = 0;

enum class Role : std::uint8_t { admin = 1, manager = 2, sale = 3 };
enum class Presence : std::uint8_t { offline = 0, online = 1, away = 2 };

std::string_view to_string(Role role);
std::string_view to_string(Presence presence);
std::optional<Role> parse_role(std::string_view text);
std::optional<Presence> parse_presence(std::string_view text);

// Named rejections, one per protocol error code (PROTOCOL.md section 3).
enum class Code : std::uint8_t {
  bad_request,
  unknown_op,
  unauthorized,
  forbidden,
  not_found,
  conflict,
  already_claimed,
  already_assigned,
  being_viewed,
  view_cooldown,
  reveal_not_allowed,
  pool_disabled,
  quota_exceeded,
  not_assignee,
  rate_limited,
  too_large,
  internal,
};

std::string_view to_string(Code code);

// One bad value of a request that is refused as a whole (an import's rows): where it is
// (row, 1-based; 0 when not in a list), which field, the value given and why it is refused.
struct Problem {
  std::int64_t row = 0;
  std::string field;
  std::string value;
  std::string reason;
};

struct Error {
  Code code = Code::internal;
  std::string message;
  std::optional<std::int64_t> retry_after_s;
  std::vector<Problem> invalid;  // every bad value, for a refusal that lists them
};

inline Error reject(Code code, std::string message) {
  return Error{code, std::move(message), {}, {}};
}

// A value or a named rejection. Small on purpose: C++20 has no std::expected yet.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}    // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Secrets (password hashes, token digests) travel through events but never leave the server:
// a JSON rendering of an event shows them redacted (see event_json.cpp).
struct Secret {
  std::string value;
  bool operator==(const Secret&) const = default;
};

// A list of types: each aggregate lists its commands and its events where it declares them,
// and core/commands.hpp and core/events.hpp join the lists into one variant each.
template <class... T>
struct TypeList {};

template <class... Lists>
struct JoinedTypes;
template <>
struct JoinedTypes<> {
  using type = TypeList<>;
};
template <class... A>
struct JoinedTypes<TypeList<A...>> {
  using type = TypeList<A...>;
};
template <class... A, class... B, class... Rest>
struct JoinedTypes<TypeList<A...>, TypeList<B...>, Rest...> {
  using type = typename JoinedTypes<TypeList<A..., B...>, Rest...>::type;
};

template <class List>
struct VariantOfList;
template <class... T>
struct VariantOfList<TypeList<T...>> {
  using type = std::variant<T...>;
};

// One std::variant of every type of the lists, in their order.
template <class... Lists>
using VariantOf = typename VariantOfList<typename JoinedTypes<Lists...>::type>::type;

// Whether a list holds T.
template <class List, class T>
struct ListHolds;
template <class... L, class T>
struct ListHolds<TypeList<L...>, T> : std::bool_constant<(std::is_same_v<L, T> || ...)> {};

// Calls f.template operator()<T>() for every type of the list, in order.
template <class... T, class F>
void for_each_type(TypeList<T...>, F&& f) {
  (f.template operator()<T>(), ...);
}

}  // namespace salesdesk::core
