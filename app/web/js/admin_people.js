// Admin, users and teams: who works in the unit, in which role and teams, whether active; a
// new user; a team. Managers see it all (users.list is theirs too) and change nothing.
import {edit_action, failed, form, section, table} from "./admin_kit.js";
import {fill, h} from "./dom.js";
import {t} from "./i18n.js";

const roles = ["sale", "manager", "admin"];

export class People {
  constructor(client, session) {
    this.client = client;
    this.admin = session.me.role === "admin";
    this.element = h("div", {class: "admin-part"});
    this.editing = null;  // the user id whose row is open for change
    this.load();
  }

  async load() {
    try {
      const [users, teams] =
          await Promise.all([this.client.call("users.list"), this.client.call("teams.list")]);
      this.users = users.items;
      this.teams = teams.items;
      this.render();
    } catch (error) {
      failed(this.element, error);
    }
  }

  team_names(ids) {
    return this.teams.filter((x) => ids.includes(x.id)).map((x) => x.name).join(", ");
  }

  render() {
    const team_options = this.teams.map((x) => [x.id, x.name]);
    const columns = [
      {label: "admin.user.name", cell: (u) => u.name},
      {label: "admin.user.username", cell: (u) => u.username, class: "code"},
      {label: "admin.user.role", cell: (u) => t(`role.${u.role}`)},
      {label: "admin.user.teams", cell: (u) => this.team_names(u.team_ids)},
      {
        label: "admin.user.state",
        cell: (u) =>
            (u.active ? t(`presence.${u.presence}`) :
                        h("span", {class: "bad"}, t("admin.user.inactive")))
      },
    ];
    const actions = this.admin ? edit_action((u) => this.edit(u.id)) : null;
    const editing = this.users.find((u) => u.id === this.editing);
    fill(
        this.element,
        section(
            "admin.tab.users", this.admin ? null : "admin.read_only_part",
            table(columns, this.users, {key: (u) => u.id, actions}),
            editing ? this.edit_form(editing, team_options) : null,
            this.admin ? this.create_form(team_options) : null),
        section(
            "admin.teams", null,
            this.teams.length ?
                h("ul", {class: "chips"}, this.teams.map((x) => h("li", {}, x.name))) :
                h("p", {class: "muted"}, t("admin.empty")),
            this.admin ? this.team_form() : null));
  }

  edit(id) {
    this.editing = this.editing === id ? null : id;
    this.render();
    this.element.querySelector(".record-form.edit input")?.focus();
  }

  // A change to one user: only what differs is sent (a password only when typed).
  edit_form(user, team_options) {
    const f = form({
      name: "admin.user.edit",
      fields: [
        {name: "name", label: "admin.user.name", required: true},
        {name: "role", label: "admin.user.role", type: "select", options: role_options()},
        {name: "team_ids", label: "admin.user.teams", type: "checks", options: team_options},
        {name: "active", label: "admin.user.active", type: "checkbox"},
        {name: "password", label: "admin.user.new_password", type: "password"},
      ],
      submit: "admin.save",
      on_submit: async (v) => {
        const change = {user_id: user.id};
        if (v.name !== user.name) change.name = v.name;
        if (v.role !== user.role) change.role = v.role;
        if (v.active !== user.active) change.active = v.active;
        if (v.password) change.password = v.password;
        if (String(v.team_ids) !== String(user.team_ids)) change.team_ids = v.team_ids;
        const answer = await this.client.call("users.update", change);
        Object.assign(user, answer.user);
        this.editing = null;
        this.render();
      }
    });
    f.set(user);
    f.element.classList.add("edit");
    f.element.prepend(h("h3", {}, t("admin.user.edit_named", {name: user.name})));
    return f.element;
  }

  create_form(team_options) {
    const f = form({
      name: "admin.user.new",
      fields: [
        {name: "name", label: "admin.user.name", required: true},
        {name: "username", label: "admin.user.username", required: true},
        {name: "password", label: "admin.user.password", type: "password", required: true},
        {name: "role", label: "admin.user.role", type: "select", options: role_options()},
        {name: "team_ids", label: "admin.user.teams", type: "checks", options: team_options},
      ],
      submit: "admin.user.create",
      on_submit: async (v) => {
        const answer = await this.client.call("users.create", v);
        this.users.push(answer.user);
        this.render();
      }
    });
    return [h("h3", {}, t("admin.user.new")), f.element];
  }

  team_form() {
    return form({
             name: "admin.team.new",
             fields: [{name: "name", label: "admin.team.name", required: true}],
             submit: "admin.team.create",
             on_submit: async (v) => {
               const answer = await this.client.call("teams.create", v);
               this.teams.push(answer.team);
               this.render();
             }
           })
        .element;
  }
}

function role_options() {
  return roles.map((r) => [r, t(`role.${r}`)]);
}
