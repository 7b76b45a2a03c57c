// A sales floor for the lead and pool tests: three sales (lan, minh, hoa), a manager (mai), the
// pool on with leads floating after 10 minutes and no reveal cooldown, and a clock to move.
#pragma once

#include "core/lead.hpp"
#include "tests/core/given.hpp"

namespace salesdesk::test {

constexpr Time minute = 60'000;

struct Floor : Given {
  UserId lan = 0, minh = 0, hoa = 0, mai = 0;
  Floor() {
    lan = user("lan", Role::sale);
    minh = user("minh", Role::sale);
    hoa = user("hoa", Role::sale);
    mai = user("mai", Role::manager);
    must(admin_id, UpdateSettings{{{"pool.enabled", true}, {"pool.float_after_minutes", std::int64_t{10}},
                                   {"pool.reveal_cooldown_s", std::int64_t{0}}}});
  }
  LeadId import(std::string phone, UserId owner = 0, std::string status = "", std::string name = "Khách") {
    auto events = must(mai, ImportLeads{{{std::move(phone), std::move(name), "fb", "tea", std::move(status), owner}}});
    return only<LeadImported>(events).lead_id;
  }
  // Moves the clock and runs the float timer as the engine does.
  Events tick(Time by) {
    now += by;
    return must(system_actor, FloatDueLeads{});
  }
  const Lead& lead(LeadId id) const { return *state.leads.find(id); }
  const std::string& status(LeadId id) const { return state.leads.text(lead(id).status); }
  const LeadHistory& history(LeadId id) const { return state.leads.history(lead(id)); }
  std::vector<LeadId> with_phone(const std::string& phone) const {
    std::vector<LeadId> out;
    state.leads.each_with_phone(phone_key(phone), [&](const Lead& l) {
      out.push_back(l.id);
      return true;
    });
    return out;
  }
};

}  // namespace salesdesk::test
