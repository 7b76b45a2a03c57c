// The unit's feature configuration (SPEC.md section 2, PROTOCOL.md "Settings keys and defaults").
// Every key, its type, default and bounds live in one table; admin changes them through one
// command and every change is journaled as SettingsChanged.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/types.hpp"

namespace salesdesk::core {

// null, a bool, an integer or a string: the JSON values a setting can hold.
using SettingValue = std::variant<std::monostate, bool, std::int64_t, std::string>;

enum class SettingKind : std::uint8_t { boolean, integer, choice, optional_text };

struct SettingDef {
  std::string_view key;
  SettingKind kind;
  SettingValue default_value;
  std::int64_t min = 0;                           // integer bounds, inclusive
  std::int64_t max = 0;
  std::vector<std::string_view> choices = {};     // the allowed strings of a choice
};

// A setting as code names it: its key and, by its type, its kind. Code reads settings only
// through these (state.settings[setting::pool_enabled] is a bool), so a misspelt key or a
// number read as a flag does not compile; the table below is built from the same constants.
struct Flag {  // a boolean
  std::string_view key;
};
struct Number {  // an integer within bounds
  std::string_view key;
};
struct Text {  // a choice, or an optional text ("" for null)
  std::string_view key;
};

namespace setting {
inline constexpr Flag pool_enabled{"pool.enabled"};
inline constexpr Number pool_float_after_minutes{"pool.float_after_minutes"};
inline constexpr Flag pool_float_all{"pool.float_all"};
inline constexpr Flag pool_mask_phone{"pool.mask_phone"};
inline constexpr Flag pool_allow_reveal{"pool.allow_reveal"};
inline constexpr Number pool_reveal_cooldown_s{"pool.reveal_cooldown_s"};
inline constexpr Number pool_reveal_ttl_s{"pool.reveal_ttl_s"};
inline constexpr Number pool_batch_size{"pool.batch_size"};
inline constexpr Number pool_batch_window_s{"pool.batch_window_s"};
inline constexpr Number pool_daily_claim_limit{"pool.daily_claim_limit"};
inline constexpr Number pool_max_held_per_sale{"pool.max_held_per_sale"};
inline constexpr Number pool_reclaim_cooldown_minutes{"pool.reclaim_cooldown_minutes"};
inline constexpr Flag inbox_page_permissions{"inbox.page_permissions"};
inline constexpr Text inbox_visibility{"inbox.visibility"};
inline constexpr Flag inbox_auto_assign{"inbox.auto_assign"};
inline constexpr Flag inbox_auto_reassign{"inbox.auto_reassign"};
inline constexpr Number inbox_max_open_per_agent{"inbox.max_open_per_agent"};
inline constexpr Number inbox_reply_timeout_s{"inbox.reply_timeout_s"};
inline constexpr Text orders_default_source{"orders.default_source"};
inline constexpr Flag orders_lock_source{"orders.lock_source"};
inline constexpr Flag orders_auto_draft{"orders.auto_draft"};
inline constexpr Flag orders_auto_distribute{"orders.auto_distribute"};
inline constexpr Text phone_country{"phone.country"};
inline constexpr Number unit_utc_offset_minutes{"unit.utc_offset_minutes"};
inline constexpr Number session_idle_minutes{"session.idle_minutes"};
inline constexpr Number session_lifetime_days{"session.lifetime_days"};
}  // namespace setting

// The whole table, in protocol order.
std::span<const SettingDef> setting_defs();
const SettingDef* find_setting(std::string_view key);

// Checks one key/value pair against the table; the message names the key and what is wrong.
Result<SettingValue> validate_setting(std::string_view key, const SettingValue& value);

// The current values: every key of the table is always present.
class Settings {
 public:
  Settings();
  const SettingValue& get(std::string_view key) const;
  bool operator[](Flag s) const;
  std::int64_t operator[](Number s) const;
  std::string operator[](Text s) const;  // "" for null
  void set(const std::string& key, SettingValue value);
  const std::map<std::string, SettingValue, std::less<>>& all() const { return values_; }

  template <class Archive>
  void serialize(Archive& ar) { ar(values_); }

 private:
  std::map<std::string, SettingValue, std::less<>> values_;
};

}  // namespace salesdesk::core

#include <cereal/cereal.hpp>

namespace salesdesk::core {

struct State;
struct Event;
using Events = std::vector<Event>;

inline std::string settings_stream() { return "settings"; }

struct SettingChange {
  std::string key;
  SettingValue value;
  bool operator==(const SettingChange&) const = default;
  template <class A>
  void serialize(A& ar) { ar(CEREAL_NVP(key), CEREAL_NVP(value)); }
};

struct SettingsChanged {
  static constexpr std::uint16_t type_id = 30;
  static constexpr const char* name = "SettingsChanged";
  std::vector<SettingChange> changes;
  std::string stream() const { return settings_stream(); }
  template <class A>
  void serialize(A& ar, std::uint32_t) { ar(CEREAL_NVP(changes)); }
};

void evolve(Settings& settings, const SettingsChanged& e, Time at);

// A patch of key/value pairs; validated as a whole: one bad pair rejects the patch.
struct UpdateSettings {
  std::vector<SettingChange> patch;
};

Result<Events> decide(const State& s, UserId actor, const UpdateSettings& c, Time now);

// This aggregate as an area of the state (core/areas.hpp registers it): its events and commands
// (a new one is added here, and nowhere else outside this aggregate's files) and its part of
// core::State.
struct SettingsArea {
  using EventTypes = TypeList<SettingsChanged>;
  using CommandTypes = TypeList<UpdateSettings>;
  Settings settings;
  static constexpr auto projection = &SettingsArea::settings;
};

}  // namespace salesdesk::core
