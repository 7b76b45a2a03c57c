#include "core/settings.hpp"

#include <algorithm>
#include <cassert>

namespace salesdesk::core {
namespace {

constexpr std::int64_t minutes_max = 60 * 24 * 365;  // a year
constexpr std::int64_t seconds_max = 86400 * 7;      // a week

std::vector<SettingDef> make_defs() {
  using K = SettingKind;
  return {
      {"pool.enabled", K::boolean, false},
      {"pool.float_after_minutes", K::integer, std::int64_t{1440}, 0, minutes_max},
      {"pool.float_all", K::boolean, false},
      {"pool.mask_phone", K::boolean, true},
      {"pool.allow_reveal", K::boolean, true},
      {"pool.reveal_cooldown_s", K::integer, std::int64_t{30}, 0, seconds_max},
      {"pool.reveal_ttl_s", K::integer, std::int64_t{60}, 1, seconds_max},
      {"pool.batch_size", K::integer, std::int64_t{50}, 1, 1000},
      {"pool.batch_window_s", K::integer, std::int64_t{60}, 1, seconds_max},
      {"pool.daily_claim_limit", K::integer, std::int64_t{0}, 0, 1'000'000},
      {"pool.max_held_per_sale", K::integer, std::int64_t{0}, 0, 10'000'000},
      {"pool.reclaim_cooldown_minutes", K::integer, std::int64_t{0}, 0, minutes_max},
      {"inbox.page_permissions", K::boolean, false},
      {"inbox.visibility", K::choice, std::string{"all"}, 0, 0,
       {"all", "assigned_only", "self_assign"}},
      {"inbox.auto_assign", K::boolean, false},
      {"inbox.auto_reassign", K::boolean, false},
      {"inbox.max_open_per_agent", K::integer, std::int64_t{0}, 0, 1'000'000},
      {"inbox.reply_timeout_s", K::integer, std::int64_t{0}, 0, seconds_max},
      {"orders.default_source", K::optional_text, std::monostate{}},
      {"orders.lock_source", K::boolean, false},
      {"orders.auto_draft", K::boolean, false},
      {"orders.auto_distribute", K::boolean, false},
      {"phone.country", K::choice, std::string{"VN"}, 0, 0, {"VN", "UA"}},
      {"unit.utc_offset_minutes", K::integer, std::int64_t{420}, -720, 840},
      {"session.idle_minutes", K::integer, std::int64_t{720}, 5, minutes_max},
      {"session.lifetime_days", K::integer, std::int64_t{30}, 1, 365},
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

bool Settings::flag(std::string_view key) const { return std::get<bool>(get(key)); }

std::int64_t Settings::number(std::string_view key) const {
  return std::get<std::int64_t>(get(key));
}

std::string Settings::text(std::string_view key) const {
  const auto* s = std::get_if<std::string>(&get(key));
  return s == nullptr ? std::string{} : *s;
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
    if (change.key == "orders.default_source" && source && !s.catalog.sources.contains(*source)) {
      return reject(Code::bad_request, "setting orders.default_source: no source " + *source);
    }
    if (s.settings.get(change.key) != valid.value()) {
      changed.changes.push_back(SettingChange{change.key, valid.value()});
    }
  }
  if (changed.changes.empty()) return Events{};
  Events out{changed};
  for (const SettingChange& change : changed.changes) {
    if (change.key != "pool.enabled") continue;
    for (Event& e : drain_for_settings(s, std::get<bool>(change.value))) {
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace salesdesk::core
