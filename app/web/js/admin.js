// Admin (admin and managers), a part per tab (#/admin/settings, users, pages, catalog, replies):
// first the system messages (admin) and the unit's settings grouped by feature as seed 000's
// "function configuration" (a switch or a number with a line saying what it does), saved one
// key at a time as it is changed.
import {Catalog, QuickReplies} from "./admin_catalog.js";
import {Pages} from "./admin_pages.js";
import {People} from "./admin_people.js";
import {fill, h} from "./dom.js";
import {full_time, has_text, t} from "./i18n.js";

const groups = [
  [
    "pool",
    [
      "pool.enabled", "pool.float_after_minutes", "pool.float_all", "pool.mask_phone",
      "pool.allow_reveal", "pool.reveal_cooldown_s", "pool.reveal_ttl_s", "pool.batch_size",
      "pool.batch_window_s", "pool.daily_claim_limit", "pool.max_held_per_sale",
      "pool.reclaim_cooldown_minutes"
    ]
  ],
  [
    "inbox",
    [
      "inbox.page_permissions", "inbox.visibility", "inbox.auto_assign", "inbox.auto_reassign",
      "inbox.max_open_per_agent", "inbox.reply_timeout_s"
    ]
  ],
  [
    "orders",
    ["orders.default_source", "orders.lock_source", "orders.auto_draft", "orders.auto_distribute"]
  ],
  [
    "unit",
    ["phone.country", "unit.utc_offset_minutes", "session.idle_minutes", "session.lifetime_days"]
  ],
];
const choices = {
  "inbox.visibility": ["all", "assigned_only", "self_assign"],
  "phone.country": ["VN", "UA"],
};

const parts = [
  ["settings", (client, session) => new Settings(client, session)],
  ["users", (client, session) => new People(client, session)],
  ["pages", (client, session) => new Pages(client, session)],
  ["catalog", (client, session) => new Catalog(client, session)],
  ["replies", (client) => new QuickReplies(client)],
];

export class Admin {
  constructor(client, session, part) {
    this.client = client;
    this.session = session;
    this.tabs =
        h("nav", {class: "admin-tabs"},
          parts.map(
              ([name]) => h(
                  "a", {href: `#/admin/${name}`, dataset: {part: name}}, t(`admin.tab.${name}`))));
    this.body = h("div", {class: "admin-body"});
    this.element = h("section", {class: "admin"}, this.tabs, this.body);
    this.open(part);
  }

  open(name) {
    if (!parts.some(([p]) => p === name)) name = "settings";
    if (this.part?.name === name) return;
    this.part?.leave?.();
    this.part = parts.find(([p]) => p === name)[1](this.client, this.session);
    this.part.name = name;
    for (const a of this.tabs.children) a.classList.toggle("active", a.dataset.part === name);
    fill(this.body, this.part.element);
  }

  leave() {
    this.part?.leave?.();
  }
}

class Settings {
  constructor(client, session) {
    this.client = client;
    this.session = session;
    this.admin = session.me.role === "admin";
    this.body = h("div");
    this.messages = h("div", {class: "system-messages"});
    this.element = h("div", {class: "admin-part"}, this.admin ? this.messages : null, this.body);
    this.stop = client.follow("me", (push) => this.on_push(push), () => this.reload());
    this.reload();
  }

  leave() {
    this.stop();
  }

  // System messages (admin): what needs a person, newest first, until cleared.
  async load_messages() {
    if (!this.admin) return;
    const answer = await this.client.call("system_messages.list").catch(() => ({items: []}));
    this.system = answer.items.slice().reverse();
    this.render_messages();
  }

  render_messages() {
    const clear = async () => {
      await this.client.call("system_messages.clear").catch(() => {});
      this.system = [];
      this.render_messages();
    };
    fill(
        this.messages,
        h("h2", {}, t("admin.system_messages"), " ",
          this.system.length ? h("span", {class: "count"}, String(this.system.length)) : null),
        this.system.length ?
            [
              h("ul", {}, this.system.map(message_line)),
              h("button", {onclick: clear}, t("admin.clear"))
            ] :
            h("p", {class: "muted"}, t("admin.no_messages")));
  }

  on_push(frame) {
    if (frame.type === "system_message") {
      this.system = [frame.data.message, ...(this.system ?? [])];
      this.render_messages();
    } else if (frame.type === "system_messages_cleared") {
      this.load_messages();
    }
  }

  async reload() {
    this.load_messages();
    try {
      const [settings, sources] = await Promise.all([
        this.client.call("settings.get"),
        this.client.call("sources.list").catch(() => ({items: []})),
      ]);
      this.sources = sources.items;
      this.render(settings.settings);
    } catch (error) {
      fill(this.body, h("p", {class: "notice"}, t("conv.failed", {message: error.message})));
    }
  }

  render(values) {
    fill(
        this.body, h("h2", {}, t("admin.settings")),
        this.admin ? null : h("p", {class: "muted"}, t("admin.read_only")),
        groups.map(
            ([group, keys]) =>
                h("fieldset", {class: "settings-group"}, h("legend", {}, t(`admin.group.${group}`)),
                  keys.map((key) => this.setting(key, values[key])))));
  }

  // One setting: its control, what it does, and what became of the last change.
  setting(key, value) {
    const state = h("span", {class: "saved", role: "status"});
    const save = async (next) => {
      fill(state);
      state.className = "saved";
      try {
        await this.client.call("settings.update", {patch: {[key]: next}});
        fill(state, t("admin.saved"));
        this.session.settings[key] = next;
        value = next;
      } catch (error) {
        state.className = "saved bad";
        fill(state, error.message);
        show(value);  // what the unit still has
      }
    };
    const show = (v) => {
      if (typeof v === "boolean")
        control.checked = v;
      else
        control.value = v ?? "";
    };
    const disabled = !this.admin;
    let control;
    if (typeof value === "boolean") {
      control = h("input", {
        type: "checkbox",
        role: "switch",
        checked: value,
        disabled,
        onchange: (e) => save(e.currentTarget.checked)
      });
    } else if (typeof value === "number") {
      control = h("input", {
        type: "number",
        value,
        step: 1,
        class: "short",
        disabled,
        onchange: (e) => save(Number(e.currentTarget.value))
      });
    } else {
      const options = key === "orders.default_source" ?
          [["", t("admin.none")], ...this.sources.map((s) => [s.code, s.name])] :
          (choices[key] ?? []).map((c) => [c, t(`admin.choice.${c}`)]);
      control =
          h("select", {disabled, onchange: (e) => save(e.currentTarget.value || null)},
            options.map(
                ([v, label]) => h("option", {value: v, selected: v === (value ?? "")}, label)));
    }
    const id = `setting-${key}`;
    control.id = id;
    return h(
        "div", {class: "setting", dataset: {key}},
        h("label",
          {for: id
          },
          h("span", {class: "key"}, key), h("span", {class: "help"}, t(`setting.${key}`))),
        h("div", {class: "control"}, control, state));
  }
}

// A system message in the admin's language when its code has a sentence here; in English (its
// text) otherwise.
function message_line(m) {
  const said = (key, fallback, vars) => has_text(key) ? t(key, vars) : fallback;
  return h(
      "li", {dataset: {code: m.code ?? ""}},
      h("span", {class: "muted"},
        `${full_time(m.at)} · ${said(`system.kind.${m.kind}`, m.kind, {})} · `),
      h("span", {class: "text"}, m.code ? said(`system.${m.code}`, m.text, m.params) : m.text));
}
