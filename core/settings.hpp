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
  bool flag(std::string_view key) const;
  std::int64_t number(std::string_view key) const;
  std::string text(std::string_view key) const;  // "" for null
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

}  // namespace salesdesk::core
