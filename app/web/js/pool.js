// The number pool (seed 000): a dense table of the leads that floated, their phones masked; the
// eye shows a number for a while (one viewer at a time, with a cooldown between numbers), the
// heart lists the phone's closed orders, the duplicate icon every order with the phone, and
// "Take number" claims the lead, first come first served. Live from the `pool` topic.
import {catalog_names} from "./catalog.js";
import {fill, h, icon} from "./dom.js";
import {full_time, money, t} from "./i18n.js";

const gone_ms = 1500;  // a row claimed by someone else stays greyed this long

export class Pool {
  constructor(client, session) {
    this.client = client;
    this.session = session;
    this.sale = session.me.role === "sale";
    this.filters = {};
    this.rows = new Map();  // lead id -> {lead, tr}
    this.view = null;       // {lead_id, expires_at, timer}
    this.body = h("tbody");
    this.state = h("p", {class: "list-state"});
    this.notice = h("p", {class: "notice", role: "alert"});
    this.element = h(
        "section", {class: "pool"}, this.filter_bar(), this.notice,
        h("div", {class: "table-wrap"}, h("table", {class: "pool-table"}, this.head(), this.body)),
        this.state);
    this.stop = client.follow("pool", (push) => this.on_push(push), () => this.reload());
    this.reload();
  }

  leave() {
    this.stop();
    if (this.view) this.hide();
  }

  filter_bar() {
    const field = (key, label, type = "search") => {
      const input = h("input", {type, placeholder: t(label), "aria-label": t(label)});
      let typing = null;
      input.addEventListener("input", () => {
        clearTimeout(typing);
        typing = setTimeout(() => {
          if (input.value.trim())
            this.filters[key] = input.value.trim();
          else
            delete this.filters[key];
          this.reload();
        }, 250);
      });
      return input;
    };
    return h(
        "div", {class: "pool-filters"}, field("q", "pool.name"), field("source", "pool.source"),
        field("product", "pool.product"), field("status", "pool.status"),
        h("label", {}, t("pool.entered_from"), field("entered_from", "pool.entered_from", "date")),
        h("label", {}, t("pool.entered_to"), field("entered_to", "pool.entered_to", "date")));
  }

  head() {
    const cols = [
      "pool.phone", "pool.name", "pool.source", "pool.product", "pool.status", "pool.entered",
      "pool.orders", "pool.last_note", ""
    ];
    return h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c ? t(c) : ""))));
  }

  // Admin changed the pool's rules (turned it off or on, masking, the eye): ask again.
  settings_changed(keys) {
    if (keys.some((k) => k.startsWith("pool."))) this.reload();
  }

  async reload() {
    this.names ??= await catalog_names(this.client);
    try {
      const answer = await this.client.call("pool.query", {filters: this.filters});
      this.body.replaceChildren();
      this.rows.clear();
      for (const lead of answer.items) this.add(lead);
      fill(this.state, answer.items.length ? "" : t("pool.empty"));
    } catch (error) {
      this.body.replaceChildren();
      this.rows.clear();
      fill(
          this.state,
          error.code === "pool_disabled" ? t("pool.disabled") :
                                           t("pool.error", {message: error.message}));
    }
  }

  add(lead) {
    const tr = h("tr", {dataset: {lead: lead.lead_id}});
    const row = {lead, tr};
    this.rows.set(lead.lead_id, row);
    this.render(row);
    this.body.append(tr);
  }

  render(row) {
    const {lead, tr} = row;
    const viewing = this.view && this.view.lead_id === lead.lead_id;
    const phone =
        h("td", {class: "phone"},
          h("span", {class: "number"}, viewing ? this.view.phone : lead.phone));
    if (lead.masked || viewing) phone.append(this.eye(row, viewing));
    if (viewing)
      phone.append(h("span", {class: "countdown", dataset: {until: this.view.expires_at}}));
    if (lead.being_viewed && !viewing)
      phone.append(h("span", {class: "hint"}, t("pool.being_viewed")));
    if (row.message) phone.append(h("span", {class: "hint bad"}, row.message));
    const counts =
        h("td", {class: "counts"},
          h("button", {
            class: "icon heart",
            title: t("pool.history"),
            onclick: () => this.orders(row, "orders.history")
          },
            "♥ ", String(lead.orders)),
          h("button", {
            class: "icon dup",
            title: t("pool.duplicates"),
            onclick: () => this.orders(row, "orders.by_phone")
          },
            icon("copies"), " ", String(lead.duplicates)));
    const actions =
        h("td", {class: "actions"},
          this.sale ?
              h("button", {class: "primary", onclick: () => this.claim(row)}, t("pool.take")) :
              null,
          h("button", {class: "link", onclick: () => this.views(row)}, t("pool.views")));
    fill(
        tr, phone, h("td", {}, lead.name), h("td", {}, this.names.source(lead.source)),
        h("td", {}, lead.product ?? ""), h("td", {}, this.names.status(lead.status)),
        h("td", {}, h("time", {datetime: lead.entered_pool_at}, full_time(lead.entered_pool_at))),
        counts, h("td", {class: "note"}, lead.last_note ?? ""), actions);
    if (row.detail) tr.after(row.detail);
    this.tick();
  }

  eye(row, viewing) {
    if (!this.sale) return null;
    return h(
        "button", {
          class: "icon eye",
          "aria-pressed": viewing ? "true" : "false",
          title: viewing ? t("pool.hide") : t("pool.reveal"),
          onclick: () => (viewing ? this.hide() : this.reveal(row))
        },
        icon(viewing ? "eye_off" : "eye"));
  }

  async reveal(row) {
    row.message = null;
    try {
      const answer = await this.client.call("pool.reveal", {lead_id: row.lead.lead_id});
      const previous = this.view && this.rows.get(this.view.lead_id);
      this.view = {lead_id: row.lead.lead_id, phone: answer.phone, expires_at: answer.expires_at};
      if (previous) this.render(previous);
    } catch (error) {
      row.message = error.code === "view_cooldown" ?
          t("pool.cooldown", {seconds: error.retry_after_s}) :
          error.code === "being_viewed" ? t("pool.being_viewed") :
                                          error.message;
    }
    this.render(row);
  }

  async hide() {
    const id = this.view?.lead_id;
    this.view = null;
    const row = this.rows.get(id);
    if (row) this.render(row);
    if (id) await this.client.call("pool.hide", {lead_id: id}).catch(() => {});
  }

  // The countdown of the number on view; at zero the number is masked again.
  tick() {
    clearTimeout(this.timer);
    const el = this.body.querySelector(".countdown");
    if (!el || !this.view) return;
    const left = Math.ceil((Date.parse(this.view.expires_at) - Date.now()) / 1000);
    if (left <= 0) return this.hide();
    fill(el, t("pool.seconds_left", {seconds: left}));
    this.timer = setTimeout(() => this.tick(), 1000);
  }

  async claim(row) {
    row.message = null;
    fill(this.notice);
    try {
      await this.client.call("pool.claim", {lead_id: row.lead.lead_id});
      if (this.view?.lead_id === row.lead.lead_id) this.view = null;
      this.remove(row.lead.lead_id);
      fill(this.notice, t("pool.taken", {name: row.lead.name}));
      this.notice.className = "notice ok";
    } catch (error) {
      row.message = error.code === "already_claimed" ? t("pool.already_claimed") : error.message;
      this.render(row);
    }
  }

  // The heart (closed orders) and the duplicate icon (every order) of the row's phone.
  orders(row, op) {
    this.toggle_detail(row, async () => {
      const answer = await this.client.call(op, {lead_id: row.lead.lead_id});
      if (!answer.items.length) return t("pool.no_orders");
      return h("ul", {}, answer.items.map(order_line));
    });
  }

  // Who viewed the number, and when.
  views(row) {
    this.toggle_detail(row, async () => {
      const answer = await this.client.call("pool.views", {lead_id: row.lead.lead_id});
      if (!answer.views.length) return t("pool.no_views");
      return h(
          "ul", {}, answer.views.map((v) => h("li", {}, `${v.user_name} · ${full_time(v.at)}`)));
    });
  }

  // A line under the row with what `load` gives, or the line gone if it was open.
  async toggle_detail(row, load) {
    if (row.detail) {
      row.detail.remove();
      row.detail = null;
      return;
    }
    const content = await load().catch((error) => error.message);
    row.detail = h("tr", {class: "detail"}, h("td", {colspan: 9}, content));
    row.tr.after(row.detail);
  }

  remove(id) {
    const row = this.rows.get(id);
    if (!row) return;
    row.tr.remove();
    row.detail?.remove();
    this.rows.delete(id);
    if (!this.rows.size) fill(this.state, t("pool.empty"));
  }

  // Someone else took it: greyed, then gone.
  fade(id) {
    const row = this.rows.get(id);
    if (!row) return;
    row.tr.classList.add("gone");
    if (this.view?.lead_id === id) this.view = null;
    setTimeout(() => this.remove(id), gone_ms);
  }

  on_push(frame) {
    const d = frame.data;
    switch (frame.type) {
      case "entered":
      case "refill":
      case "drained":
        return this.reload();
      case "claimed":
      case "left":
        return this.fade(d.lead_id);
      case "changed": {
        const row = this.rows.get(d.lead.lead_id);
        if (row) {
          row.lead = d.lead;
          this.render(row);
        }
        return;
      }
      case "viewed":
      case "free": {
        const row = this.rows.get(d.lead_id);
        if (row) {
          row.lead = {...row.lead, being_viewed: frame.type === "viewed"};
          this.render(row);
        }
        return;
      }
    }
  }
}

function order_line(o) {
  const status = t(`order.${o.status}`);
  return h("li", {}, `${o.number} · ${full_time(o.created_at)} · ${status} · `, money(o.total));
}
