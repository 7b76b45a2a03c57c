// My leads (a sale's work queue; managers and admin see every lead, by owner, status or in the
// pool, a page at a time): the status changed in place (an action), notes, the call log with a
// call logged by hand, an order from the lead, and when a lead left alone will float into the
// pool. Live from the `me` topic (a lead won or lost).
import {catalog_names} from "./catalog.js";
import {fill, h} from "./dom.js";
import {full_time, money, t} from "./i18n.js";
import {OrderForm} from "./order_form.js";

export class Leads {
  constructor(client, session) {
    this.client = client;
    this.session = session;
    this.sale = session.me.role === "sale";
    this.statuses = [];
    this.rows = new Map();  // lead id -> {lead, tr, detail}
    this.body = h("tbody");
    this.state = h("p", {class: "list-state"}, t("inbox.loading"));
    this.notice = h("p", {class: "notice", role: "alert"});
    this.filters = {};   // leads.list's filters (managers and admin)
    this.cursor = null;  // leads.list's next page
    this.more = h(
        "button", {class: "more", hidden: true, onclick: () => this.load_more()}, t("leads.more"));
    this.filter_bar = this.sale ? "" : h("div", {class: "pool-filters lead-filters"});
    // Managers see whose each lead is.
    const cols = [
      "pool.phone", "pool.name", "pool.source", "pool.product", "pool.status",
      ...(this.sale ? [] : ["leads.owner"]), "leads.last_action", "leads.floats", ""
    ];
    this.columns = cols.length;
    this.owners = new Map();  // user id -> name (managers)
    this.element =
        h("section", {class: "pool leads"}, this.filter_bar, this.notice,
          h("div", {class: "table-wrap"},
            h("table", {class: "pool-table"},
              h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c ? t(c) : "")))), this.body),
            this.more),
          this.state);
    this.stop = client.follow("me", (push) => this.on_push(push), () => this.reload());
    this.reload();
  }

  leave() {
    this.stop();
  }

  // Admin changed when leads float: each row says it anew.
  settings_changed(keys) {
    if (keys.some((k) => k.startsWith("pool."))) {
      for (const row of this.rows.values()) this.render(row);
    }
  }

  async reload() {
    const asked = JSON.stringify(this.filters);
    try {
      const [names, leads] = await Promise.all([
        catalog_names(this.client),
        this.client.call(this.sale ? "leads.mine" : "leads.list", this.sale ? {} : this.filters),
      ]);
      if (asked !== JSON.stringify(this.filters)) return;  // a newer choice is on its way
      this.names = names;
      this.statuses = names.statuses;
      if (!this.sale && !this.filter_bar.childElementCount) await this.fill_filters();
      this.body.replaceChildren();
      this.rows.clear();
      // A sale's own leads: the ones nobody touched longest first, they float first. Every
      // lead (managers): by number, a page at a time.
      const items = this.sale ?
          leads.items.slice().sort((a, b) => a.last_action_at < b.last_action_at ? -1 : 1) :
          leads.items;
      for (const lead of items) this.add(lead);
      this.paged(leads);
      const filtered = Object.keys(this.filters).length > 0;
      fill(this.state, items.length ? "" : t(filtered ? "leads.none_found" : "leads.empty"));
    } catch (error) {
      fill(this.state, t("pool.error", {message: error.message}));
    }
  }

  // Whether there is more to show: a page of leads.list ends with a cursor.
  paged(answer) {
    this.cursor = answer.next_cursor ?? null;
    this.more.hidden = this.cursor === null;
  }

  async load_more() {
    if (this.cursor === null) return;
    this.more.disabled = true;
    const asked = JSON.stringify(this.filters);
    try {
      const leads = await this.client.call("leads.list", {...this.filters, cursor: this.cursor});
      if (asked !== JSON.stringify(this.filters)) return;  // the filters changed meanwhile
      for (const lead of leads.items) {
        if (!this.rows.has(lead.id)) this.add(lead);
      }
      this.paged(leads);
    } catch (error) {
      fill(this.notice, t("conv.failed", {message: error.message}));
    } finally {
      this.more.disabled = false;
    }
  }

  // Managers' filters: whose leads, which status, only those in the pool.
  async fill_filters() {
    const users = await this.client.call("users.list").catch(() => ({items: []}));
    this.owners = new Map(users.items.map((u) => [u.id, u.name]));
    const choose = (key, all, options, to_value = (v) => v) =>
        h("select", {
          "aria-label": t(all),
          dataset: {filter: key},
          onchange: (e) => {
            const v = e.currentTarget.value;
            if (v)
              this.filters[key] = to_value(v);
            else
              delete this.filters[key];
            this.reload();
          }
        },
          h("option", {value: ""}, t(all)), options);
    const in_pool = h("input", {
      type: "checkbox",
      dataset: {filter: "in_pool"},
      onchange: (e) => {
        if (e.currentTarget.checked)
          this.filters.in_pool = true;
        else
          delete this.filters.in_pool;
        this.reload();
      }
    });
    fill(
        this.filter_bar,
        choose(
            "owner_id", "leads.every_owner",
            users.items.filter((u) => u.role === "sale")
                .map((u) => h("option", {value: u.id}, u.name)),
            Number),
        choose(
            "status", "leads.every_status",
            this.statuses.map((x) => h("option", {value: x.code}, x.name))),
        h("label", {}, in_pool, t("leads.in_pool_only")));
  }

  add(lead) {
    const row = {lead, tr: h("tr", {dataset: {lead: lead.id}}), detail: null};
    this.rows.set(lead.id, row);
    this.render(row);
    this.body.append(row.tr);
  }

  // When a lead left as it is floats into the pool (its status floats and the pool is on), or
  // that it floats there now.
  floats_at(lead) {
    const s = this.session.settings;
    const status = this.statuses.find((x) => x.code === lead.status);
    if (lead.in_pool) return t("leads.in_pool");  // still theirs until another sale claims it
    if (!s["pool.enabled"] || !status?.floats) return "";
    if (s["pool.float_all"]) return t("leads.floats_now");
    const at = Date.parse(lead.last_action_at) + s["pool.float_after_minutes"] * 60000;
    return full_time(new Date(at).toISOString());
  }

  render(row) {
    const {lead} = row;
    const status =
        h("select", {
          "aria-label": t("pool.status"),
          onchange: (e) => this.act(row, "leads.update", {status: e.currentTarget.value})
        },
          this.statuses.map(
              (s) => h("option", {value: s.code, selected: s.code === lead.status}, s.name)));
    fill(
        row.tr, h("td", {class: "phone"}, h("a", {href: `tel:${lead.phone}`}, lead.phone)),
        h("td", {}, lead.name), h("td", {}, this.names.source(lead.source)),
        h("td", {}, lead.product ?? ""), h("td", {}, status),
        this.sale ? "" :
                    h("td", {class: "owner"},
                      lead.owner_id ? this.owners.get(lead.owner_id) ?? `#${lead.owner_id}` : "—"),
        h("td", {}, h("time", {datetime: lead.last_action_at}, full_time(lead.last_action_at))),
        h("td", {class: "hint-cell"}, this.floats_at(lead)),
        h("td", {class: "actions"},
          h("button", {class: "link", onclick: () => this.toggle(row)}, t("leads.details")),
          h("button", {class: "link", onclick: () => this.order(row)}, t("order.new_order"))));
  }

  async act(row, op, args) {
    this.notice.className = "notice";
    fill(this.notice);
    try {
      const answer = await this.client.call(op, {lead_id: row.lead.id, ...args});
      row.lead = answer.lead;
      this.render(row);
      if (row.detail) await this.show_detail(row);
    } catch (error) {
      fill(this.notice, t("conv.failed", {message: error.message}));
      this.render(row);
    }
  }

  // The order form for a lead: its phone is the lead's (the server takes it from the lead).
  order(row) {
    const {lead} = row;
    const form = new OrderForm(this.client, this.session, {
      origin: {lead_id: lead.id},
      defaults: {phone: lead.phone, name: lead.name},
      fixed: ["phone", "name"],
      done: async (order) => {
        await this.act(row, "leads.get", {});
        this.notice.className = "notice ok";
        fill(this.notice, t("order.made", {number: order.number, total: money(order.total)}));
      }
    });
    form.open().catch((error) => fill(this.notice, t("conv.failed", {message: error.message})));
  }

  async toggle(row) {
    if (row.detail) {
      row.detail.remove();
      row.detail = null;
      return;
    }
    row.detail = h("tr", {class: "detail"});
    row.tr.after(row.detail);
    await this.show_detail(row);
  }

  // Notes and calls, newest first, with a form for each.
  async show_detail(row) {
    const [got, history] = await Promise.all([
      this.client.call("leads.get", {lead_id: row.lead.id}),
      this.client.call("leads.history", {lead_id: row.lead.id}).catch(() => ({items: []})),
      this.people ?? this.load_people(),
    ]);
    const note =
        h("textarea", {rows: 2, "aria-label": t("leads.note"), placeholder: t("leads.note")});
    const direction =
        h("select", {"aria-label": t("leads.direction")},
          h("option", {value: "out"}, t("leads.out")), h("option", {value: "in"}, t("leads.in")));
    const minutes = h("input", {
      type: "number",
      min: 0,
      step: 1,
      value: 0,
      "aria-label": t("leads.minutes"),
      class: "short"
    });
    const outcome = h("input", {placeholder: t("leads.outcome"), "aria-label": t("leads.outcome")});
    const notes = got.notes.slice().reverse().map(
        (n) =>
            h("li", {}, h("span", {class: "meta"}, `${n.by_name} · ${full_time(n.at)}`), " ",
              h("span", {class: "text"}, n.text)));
    const calls = got.calls.slice().reverse().map(
        (c) =>
            h("li", {}, `${full_time(c.at)} · ${t(`leads.${c.direction}`)} · `,
              t("leads.duration", {minutes: Math.round(c.duration_s / 60)}),
              c.state ? ` · ${c.state}` : ""));
    fill(
        row.detail,
        h("td", {colspan: this.columns},
          h("div", {class: "lead-detail"},
            h("div", {}, h("h3", {}, t("leads.notes")),
              notes.length ? h("ul", {}, notes) : h("p", {class: "muted"}, t("leads.no_notes")),
              h("form", {
                onsubmit: (e) => {
                  e.preventDefault();
                  if (note.value.trim()) this.act(row, "leads.note", {text: note.value});
                }
              },
                note, h("button", {type: "submit"}, t("leads.add_note")))),
            h("div", {}, h("h3", {}, t("leads.calls")),
              calls.length ? h("ul", {}, calls) : h("p", {class: "muted"}, t("leads.no_calls")),
              h("form", {
                class: "call",
                onsubmit: (e) => {
                  e.preventDefault();
                  const args = {
                    direction: direction.value,
                    duration_s: Math.max(0, Math.round(Number(minutes.value) * 60))
                  };
                  if (outcome.value.trim()) args.outcome = outcome.value.trim();
                  this.act(row, "leads.log_call", args);
                }
              },
                direction, minutes, outcome, h("button", {type: "submit"}, t("leads.log_call")))),
            h("div", {class: "history"}, h("h3", {}, t("leads.history")),
              h("ul", {},
                history.items.map(
                    (x) =>
                        h("li", {}, h("span", {class: "meta"}, full_time(x.at)), " ",
                          this.history_line(x))))))));
  }

  async load_people() {
    const answer = await this.client.call("users.names").catch(() => ({items: []}));
    this.people = new Map(answer.items.map((u) => [u.id, u.name]));
  }

  // One step of a lead's history in words: who did what.
  history_line(x) {
    const who = (id) => (id === null ? t("history.system") : this.people.get(id) ?? `#${id}`);
    const vars = {
      by: who(x.by),
      owner: x.owner_id === null ? t("history.nobody") : who(x.owner_id),
      status: this.names.status(x.status),
      minutes: Math.round((x.duration_s ?? 0) / 60),
      direction: x.direction ? t(`leads.${x.direction}`) : "",
    };
    if (x.event === "acted") {
      const parts = [];
      if (x.status) parts.push(t("history.status", vars));
      if (x.note) parts.push(t("history.note", vars));
      if (!parts.length) parts.push(t("history.worked", vars));
      if (x.left_pool) parts.push(t("history.left_pool"));
      return parts.join(" · ");
    }
    return t(`history.${x.event}`, vars);
  }

  on_push(frame) {
    if (frame.type === "lead_changed") {
      const row = this.rows.get(frame.data.lead.id);
      if (!row) return;
      row.lead = frame.data.lead;
      this.render(row);
    } else if (frame.type === "lead_assigned") {
      const lead = frame.data.lead;
      const row = this.rows.get(lead.id);
      if (row) {
        row.lead = lead;
        this.render(row);
      } else {
        this.add(lead);
      }
      fill(this.state, "");
    } else if (frame.type === "lead_lost") {
      const row = this.rows.get(frame.data.lead_id);
      if (!row) return;
      row.tr.remove();
      row.detail?.remove();
      this.rows.delete(frame.data.lead_id);
      fill(this.notice, t("leads.lost", {name: row.lead.name}));
    }
  }
}
