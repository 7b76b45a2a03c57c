// Admin, pages and access: the unit's Facebook, Instagram, Zalo, Telegram, API and PBX pages,
// the address each channel's webhooks go to, whether its secret and token are set (never the
// values), who may work on it (users and teams), connecting, changing and disconnecting one.
import {edit_action, failed, form, section, table} from "./admin_kit.js";
import {fill, h} from "./dom.js";
import {full_time, t} from "./i18n.js";

const channels = ["facebook", "instagram", "zalo", "telegram", "api", "pbx"];

// Where a channel sends its webhooks for a page (PROTOCOL.md's routes).
export function webhook_url(page, origin = location.origin) {
  const shared = {
    facebook: "/webhooks/facebook",
    instagram: "/webhooks/facebook",
    zalo: "/webhooks/zalo"
  };
  return origin + (shared[page.channel] ?? `/webhooks/${page.channel}/${page.id}`);
}

export class Pages {
  constructor(client, session) {
    this.client = client;
    this.admin = session.me.role === "admin";
    this.element = h("div", {class: "admin-part"});
    this.editing = null;
    this.load();
  }

  async load() {
    try {
      const [pages, users, teams] = await Promise.all([
        this.client.call("pages.list"),
        this.client.call("users.names"),
        this.client.call("teams.list"),
      ]);
      this.pages = pages.items;
      this.users = users.items.filter((u) => u.active && u.role !== "admin");
      this.teams = teams.items;
      this.render();
    } catch (error) {
      failed(this.element, error);
    }
  }

  access_of(page) {
    const names = (list, ids) => list.filter((x) => ids.includes(x.id)).map((x) => x.name);
    return [
      ...names(this.teams, page.team_ids ?? []), ...names(this.users, page.user_ids ?? [])
    ].join(", ");
  }

  render() {
    const columns = [
      {label: "admin.page.name", cell: (p) => p.name},
      {label: "admin.page.channel", cell: (p) => t(`channel.${p.channel}`)},
      {label: "admin.page.external_id", cell: (p) => p.external_id, class: "code"},
      {
        label: "admin.page.state",
        cell: (p) => p.connected ? t("admin.page.connected") :
                                   h("span", {class: "bad"}, t("admin.page.disconnected"))
      },
    ];
    if (this.admin) {
      columns.push(
          {label: "admin.page.webhook", cell: (p) => webhook_url(p), class: "code url"}, {
            label: "admin.page.credentials",
            cell: (p) =>
                [p.has_secret ? t("admin.page.secret_set") : t("admin.page.no_secret"),
                 p.has_token ? `, ${t("admin.page.token_set")}` : ""]
          },
          {label: "admin.page.access", cell: (p) => this.access_of(p)});
    }
    const actions = this.admin ? edit_action((p) => this.edit(p.id)) : null;
    const editing = this.pages.find((p) => p.id === this.editing);
    fill(
        this.element,
        section(
            "admin.tab.pages", this.admin ? "admin.page.help" : "admin.page.help_manager",
            table(columns, this.pages, {key: (p) => p.id, actions}),
            editing ? this.edit_part(editing) : null, this.admin ? this.connect_form() : null));
  }

  edit(id) {
    this.editing = this.editing === id ? null : id;
    this.render();
  }

  replace(page) {
    this.pages = this.pages.map((p) => (p.id === page.id ? page : p));
    this.render();
  }

  // Changing one page: its name and credentials (a blank box keeps what is set), who may work
  // on it, and disconnecting it.
  edit_part(page) {
    const settings = form({
      name: "admin.page.edit",
      fields: [
        {name: "name", label: "admin.page.name", required: true},
        {
          name: "secret",
          label: "admin.page.secret",
          type: "password",
          placeholder: t("admin.page.keep")
        },
        {
          name: "token",
          label: "admin.page.token",
          type: "password",
          placeholder: t("admin.page.keep")
        },
        {
          name: "verify_token",
          label: "admin.page.verify_token",
          type: "password",
          placeholder: t("admin.page.keep")
        },
        {name: "callback_url", label: "admin.page.callback_url"},
      ],
      submit: "admin.save",
      on_submit: async (v) => {
        const change = {page_id: page.id};
        for (const key of ["secret", "token", "verify_token"])
          if (v[key]) change[key] = v[key];
        if (v.name !== page.name) change.name = v.name;
        if (v.callback_url !== (page.callback_url ?? "")) change.callback_url = v.callback_url;
        this.replace((await this.client.call("pages.update", change)).page);
      }
    });
    settings.set({name: page.name, callback_url: page.callback_url});
    const access = form({
      name: "admin.page.access",
      fields: [
        {
          name: "team_ids",
          label: "admin.page.teams",
          type: "checks",
          options: this.teams.map((x) => [x.id, x.name])
        },
        {
          name: "user_ids",
          label: "admin.page.users",
          type: "checks",
          options: this.users.map((u) => [u.id, `${u.name} (${t(`role.${u.role}`)})`])
        },
      ],
      submit: "admin.page.save_access",
      on_submit: async (v) =>
          this.replace((await this.client.call("pages.set_access", {page_id: page.id, ...v})).page)
    });
    access.set({team_ids: page.team_ids, user_ids: page.user_ids});
    const disconnect = page.connected ? h("button", {
      class: "danger",
      onclick: async () => {
        if (!confirm(t("admin.page.disconnect_confirm", {name: page.name}))) return;
        this.replace((await this.client.call("pages.disconnect", {page_id: page.id})).page);
      }
    },
                                          t("admin.page.disconnect")) :
                                        null;
    return h(
        "div", {class: "edit-part"}, h("h3", {}, t("admin.page.edit_named", {name: page.name})),
        h("p", {class: "muted"}, t("admin.page.since", {at: full_time(page.connected_at)})),
        settings.element, access.element, disconnect);
  }

  connect_form() {
    const f = form({
      name: "admin.page.connect",
      fields: [
        {
          name: "channel",
          label: "admin.page.channel",
          type: "select",
          options: channels.map((c) => [c, t(`channel.${c}`)])
        },
        {name: "name", label: "admin.page.name", required: true},
        {name: "external_id", label: "admin.page.external_id", required: true},
        {name: "secret", label: "admin.page.secret", type: "password", required: true},
        {name: "token", label: "admin.page.token", type: "password"},
        {name: "verify_token", label: "admin.page.verify_token", type: "password"},
        {name: "callback_url", label: "admin.page.callback_url"},
      ],
      submit: "admin.page.connect",
      on_submit: async (v) => {
        const args = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== ""));
        const page = (await this.client.call("pages.connect", args)).page;
        this.pages = [...this.pages.filter((p) => p.id !== page.id), page];
        this.editing = page.id;
        this.render();
      }
    });
    return [
      h("h3", {}, t("admin.page.connect")), h("p", {class: "muted"}, t("admin.page.ids")), f.element
    ];
  }
}
