#include "core/settings.hpp"

#include <algorithm>
#include <cassert>

namespace salesdesk::core {
namespace {

constexpr std::int64_t minutes_max = 60 * 24 * 365;  // a year
constexpr std::int64_t seconds_max = 86400 * 7;      // a week

// One row of the table per typed key: its kind follows from the key's type.
SettingDef def(Flag s, bool fallback) { return {s.key, SettingKind::boolean, fallback}; }
SettingDef def(Number s, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  return {s.key, SettingKind::integer, fallback, min, max};
}
SettingDef def(Text s, std::string fallback, std::vector<std::string_view> choices) {
  return {s.key, SettingKind::choice, std::move(fallback), 0, 0, std::move(choices)};
}
SettingDef def(Text s) { return {s.key, SettingKind::optional_text, std::monostate{}}; }

std::vector<SettingDef> make_defs() {
  using namespace setting;
  return {
      def(pool_enabled, false),
      def(pool_float_after_minutes, 1440, 0, minutes_max),
      def(pool_float_all, false),
      def(pool_mask_phone, true),
      def(pool_allow_reveal, true),
      def(pool_reveal_cooldown_s, 30, 0, seconds_max),
      def(pool_reveal_ttl_s, 60, 1, seconds_max),
      def(pool_batch_size, 50, 1, 1000),
      def(pool_batch_window_s, 60, 1, seconds_max),
      def(pool_daily_claim_limit, 0, 0, 1'000'000),
      def(pool_max_held_per_sale, 0, 0, 10'000'000),
      def(pool_reclaim_cooldown_minutes, 0, 0, minutes_max),
      def(inbox_page_permissions, false),
      def(inbox_visibility, "all", {"all", "assigned_only", "self_assign"}),
      def(inbox_auto_assign, false),
      def(inbox_auto_reassign, false),
      def(inbox_max_open_per_agent, 0, 0, 1'000'000),
      def(inbox_reply_timeout_s, 0, 0, seconds_max),
      def(orders_default_source),
      def(orders_lock_source, false),
      def(orders_auto_draft, false),
      def(orders_auto_distribute, false),
      def(phone_country, "VN", {"VN", "UA"}),
      def(unit_utc_offset_minutes, 420, -720, 840),
      def(session_idle_minutes, 720, 5, minutes_max),
      def(session_lifetime_days, 30, 1, 365),
  };
}

std::string_view kind_name(SettingKind kind) {
  switch (kind) {
    case SettingKind::boolean: return "a boolean";
    case SettingKind::integer: return "an integer";
    case SettingKind::choice: return "a string";
    case SettingKind::optional_text: return "a string or null";
  }
  return "a value";
}

constexpr std::size_t text_bytes_max = 200;

}  // namespace

std::span<const SettingDef> setting_defs() {
  static const std::vector<SettingDef> defs = make_defs();
  return defs;
}

const SettingDef* find_setting(std::string_view key) {
  for (const SettingDef& def : setting_defs()) {
    if (def.key == key) return &def;
  }
  return nullptr;
}

Result<SettingValue> validate_setting(std::string_view key, const SettingValue& value) {
  const SettingDef* def = find_setting(key);
  if (def == nullptr) return reject(Code::bad_request, "unknown setting " + std::string(key));
  const std::string wrong = "setting " + std::string(key) + " must be " +
                            std::string(kind_name(def->kind));
  switch (def->kind) {
    case SettingKind::boolean:
      if (!std::holds_alternative<bool>(value)) return reject(Code::bad_request, wrong);
      return value;
    case SettingKind::integer: {
      if (!std::holds_alternative<std::int64_t>(value)) return reject(Code::bad_request, wrong);
      const std::int64_t n = std::get<std::int64_t>(value);
      if (n < def->min || n > def->max) {
        return reject(Code::bad_request, "setting " + std::string(key) + " must be between " +
                                             std::to_string(def->min) + " and " +
                                             std::to_string(def->max));
      }
      return value;
    }
    case SettingKind::choice: {
      const auto* s = std::get_if<std::string>(&value);
      if (s == nullptr) return reject(Code::bad_request, wrong);
      if (std::find(def->choices.begin(), def->choices.end(), *s) == def->choices.end()) {
        std::string allowed;
        for (auto c : def->choices) allowed += (allowed.empty() ? "" : ", ") + std::string(c);
        return reject(Code::bad_request,
                      "setting " + std::string(key) + " must be one of " + allowed);
      }
      return value;
    }
    case SettingKind::optional_text: {
      if (std::holds_alternative<std::monostate>(value)) return value;
      const auto* s = std::get_if<std::string>(&value);
      if (s == nullptr) return reject(Code::bad_request, wrong);
      if (s->empty()) return SettingValue{std::monostate{}};  // "" clears, like null
      if (s->size() > text_bytes_max) {
        return reject(Code::bad_request, "setting " + std::string(key) + " is too long: at most " +
                                             std::to_string(text_bytes_max) + " bytes");
      }
      return value;
    }
  }
  return reject(Code::bad_request, wrong);
}

Settings::Settings() {
  for (const SettingDef& def : setting_defs()) values_.emplace(def.key, def.default_value);
}

const SettingValue& Settings::get(std::string_view key) const {
  auto it = values_.find(key);
  assert(it != values_.end());
  return it->second;
}

bool Settings::operator[](Flag s) const { return std::get<bool>(get(s.key)); }

std::int64_t Settings::operator[](Number s) const { return std::get<std::int64_t>(get(s.key)); }

std::string Settings::operator[](Text s) const {
  const auto* text = std::get_if<std::string>(&get(s.key));
  return text == nullptr ? std::string{} : *text;
}

void Settings::set(const std::string& key, SettingValue value) {
  values_.insert_or_assign(key, std::move(value));
}

}  // namespace salesdesk::core

#include "core/state.hpp"

namespace salesdesk::core {

void evolve(Settings& settings, const SettingsChanged& e, Time) {
  for (const SettingChange& change : e.changes) settings.set(change.key, change.value);
}

Result<Events> decide(const State& s, UserId actor, const UpdateSettings& c, Time) {
  if (auto r = authorize(s, actor, admin_only); !r) return r.error();
  if (c.patch.empty()) return reject(Code::bad_request, "patch is empty");
  SettingsChanged changed;
  std::vector<std::string_view> seen;
  for (const SettingChange& change : c.patch) {
    auto valid = validate_setting(change.key, change.value);
    if (!valid) return valid.error();
    if (std::find(seen.begin(), seen.end(), change.key) != seen.end()) {
      return reject(Code::bad_request, "setting " + change.key + " given twice");
    }
    seen.push_back(change.key);
    const auto* source = std::get_if<std::string>(&valid.value());
    if (change.key == setting::orders_default_source.key && source &&
        !s.catalog.sources.contains(*source)) {
      return reject(Code::bad_request, "setting orders.default_source: no source " + *source);
    }
    if (s.settings.get(change.key) != valid.value()) {
      changed.changes.push_back(SettingChange{change.key, valid.value()});
    }
  }
  if (changed.changes.empty()) return Events{};
  Events out{changed};
  for (const SettingChange& change : changed.changes) {
    if (change.key != setting::pool_enabled.key) continue;
    for (Event& e : drain_for_settings(s, std::get<bool>(change.value))) {
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace salesdesk::core
