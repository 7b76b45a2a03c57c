#include "app/demo.hpp"

#include "app/auth.hpp"

namespace salesdesk::app {

void add_demo_data(Engine& engine) {
  using core::Role;
  const core::UserId admin = 1;
  engine.apply_now(admin, core::CreateTeam{"Online sales"});
  engine.apply_now(admin, core::CreateTeam{"Telesales"});
  const core::Secret hash{hash_password(demo_password)};
  struct Person {
    const char* username;
    const char* name;
    Role role;
    core::TeamId team;
  };
  const Person people[] = {
      {"manager", "Trần Thị Mai", Role::manager, 1}, {"lan", "Nguyễn Thị Lan", Role::sale, 1},
      {"minh", "Lê Văn Minh", Role::sale, 1},        {"olena", "Олена Коваль", Role::sale, 2},
      {"taras", "Тарас Бойко", Role::sale, 2},
  };
  for (const Person& p : people) {
    engine.apply_now(admin, core::CreateUser{p.username, p.name, p.role, hash, {p.team}});
  }
}

}  // namespace salesdesk::app
