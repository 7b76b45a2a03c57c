// The managers' dashboard: a period (today, 24 hours, 7 or 30 days), its totals, each sale's
// reply and first-response times, claims and orders, conversations by page and by channel, the
// pool's flow by hour or day, and orders by source, from `reports.summary`. A `reports` push
// says a figure moved: the dashboard asks again a moment later (one query per burst).
import {table} from "./admin_kit.js";
import {bar_rows, columns} from "./charts.js";
import {fill, h} from "./dom.js";
import {money, t, unit_label, unit_midnight} from "./i18n.js";

const periods = ["today", "day", "week", "month"];
const refresh_delay_ms = 1500;

// A wait in seconds as people say it: "45 s", "3 min", "1 h 20 min", "—" for none.
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return t("time.seconds", {n: seconds});
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t("time.minutes", {n: minutes});
  const hours = Math.floor(minutes / 60);
  return t("time.hours", {h: hours, m: minutes % 60});
}

export class Dashboard {
  constructor(client) {
    this.client = client;
    this.period = "today";
    this.body = h("div", {class: "dashboard-body", "aria-live": "polite"});
    this.updated = h("span", {class: "muted updated"});
    this.element =
        h("section", {class: "dashboard"},
          h("header", {class: "dashboard-bar"}, h("h2", {}, t("dash.title")),
            h("div", {class: "tabs periods", role: "tablist"},
              periods.map(
                  (p) =>
                      h("button", {
                        class: p === this.period ? "tab active" : "tab",
                        role: "tab",
                        dataset: {period: p},
                        onclick: (e) => this.pick(p, e.currentTarget)
                      },
                        t(`dash.period.${p}`)))),
            this.updated),
          this.body);
    this.stop = client.follow("reports", () => this.soon(), () => this.load());
    this.load();
  }

  leave() {
    clearTimeout(this.waiting);
    this.stop();
  }

  pick(period, button) {
    this.period = period;
    for (const b of button.parentElement.children) b.classList.toggle("active", b === button);
    this.load();
  }

  // A figure moved: ask again after a moment, once for a burst of pushes.
  soon() {
    if (this.waiting) return;
    this.waiting = setTimeout(() => {
      this.waiting = null;
      this.load();
    }, refresh_delay_ms);
  }

  range() {
    const hours = {day: 24, week: 7 * 24, month: 30 * 24}[this.period];
    const now = Date.now();
    const from = hours ? now - hours * 3600000 : unit_midnight(now);
    return {from: new Date(from).toISOString()};
  }

  async load() {
    const asked = this.period;
    try {
      const [r, rotation] = await Promise.all([
        this.client.call("reports.summary", this.range()),
        this.client.call("inbox.rotation").catch(() => null)
      ]);
      if (asked !== this.period) return;
      this.render(r, rotation);
      fill(this.updated, t("dash.updated", {time: unit_label(new Date().toISOString())}));
    } catch (error) {
      fill(this.body, h("p", {class: "notice"}, t("conv.failed", {message: error.message})));
    }
  }

  render(r, rotation) {
    const total = r.totals;
    const tile = (key, value, note) =>
        h("div", {class: "tile", dataset: {figure: key}}, h("span", {class: "figure"}, value),
          h("span", {class: "label"}, t(`dash.${key}`)),
          note ? h("span", {class: "muted"}, note) : null);
    const fast = total.replies ? Math.round((100 * total.fast_replies) / total.replies) : null;
    fill(
        this.body,
        h("div", {class: "tiles"}, tile("conversations", String(total.conversations)),
          tile("first_response", duration(total.first_response_avg_s)),
          tile(
              "reply", duration(total.reply_avg_s),
              fast === null ? null : t("dash.fast_share", {n: fast})),
          tile("claims", String(total.claims)), tile("orders", String(total.orders)),
          tile("revenue", money(total.order_total))),
        h("div", {class: "panels"}, this.sales_panel(r), this.rotation_panel(rotation),
          this.pool_panel(r), this.pages_panel(r), this.sources_panel(r)));
  }

  // Automatic assignment as it stands (inbox.rotation): whose turn is next on each page, and
  // each sale's presence and open conversations against the capacity.
  rotation_panel(r) {
    if (!r) return null;
    const capacity = r.capacity ? ` / ${r.capacity}` : "";
    const turn = (p) =>
        h("li", {dataset: {page: p.page_id}}, h("strong", {}, p.name), " · ",
          p.next_name ? t("dash.next_in_turn", {name: p.next_name}) : t("dash.nobody_eligible"),
          p.unassigned ? ` · ${t("dash.unassigned_n", {n: p.unassigned})}` : "");
    return h(
        "section", {class: "panel", dataset: {panel: "rotation"}}, h("h3", {}, t("dash.rotation")),
        r.auto_assign ? h("ul", {class: "turns"}, r.pages.map(turn)) :
                        h("p", {class: "muted"}, t("dash.rotation_off")),
        table(
            [
              {label: "dash.sale", cell: (s) => s.name},
              {label: "dash.col.presence", cell: (s) => t(`presence.${s.presence}`)},
              {label: "dash.col.open", cell: (s) => `${s.open}${capacity}`, class: "number"},
            ],
            r.sales, {key: (s) => s.user_id}));
  }

  sales_panel(r) {
    const rows = r.sales.slice().sort((a, b) => b.orders - a.orders || b.replies - a.replies);
    const number = (label, value) => ({label, cell: value, class: "number"});
    return h(
        "section", {class: "panel wide"}, h("h3", {}, t("dash.by_sale")),
        table(
            [
              {label: "dash.sale", cell: (s) => s.name},
              number("dash.col.first_response", (s) => duration(s.first_response_avg_s)),
              number("dash.col.reply", (s) => duration(s.reply_avg_s)),
              number("dash.col.replies", (s) => String(s.replies)),
              number("dash.col.claims", (s) => String(s.claims)),
              number("dash.col.orders", (s) => String(s.orders)),
              number("dash.col.revenue", (s) => money(s.order_total)),
            ],
            rows, {key: (s) => s.user_id}));
  }

  pool_panel(r) {
    return h(
        "section", {class: "panel wide"}, h("h3", {}, t(`dash.pool_by_${r.step}`)),
        columns(
            r.pool.map(
                (b) => (
                    {label: unit_label(b.at, r.step), values: [b.entered, b.claimed, b.revealed]})),
            [
              {name: t("dash.entered"), class: "s1"},
              {name: t("dash.claimed"), class: "s2"},
              {name: t("dash.revealed"), class: "s3"},
            ],
            {empty: t("dash.nothing"), title: t(`dash.pool_by_${r.step}`)}));
  }

  pages_panel(r) {
    const by_channel = new Map();
    for (const p of r.pages)
      by_channel.set(p.channel, (by_channel.get(p.channel) ?? 0) + p.conversations);
    return h(
        "section", {class: "panel"}, h("h3", {}, t("dash.by_page")),
        bar_rows(r.pages.map((p) => [p.name, p.conversations]), {empty: t("dash.nothing")}),
        h("h3", {}, t("dash.by_channel")),
        bar_rows(
            [...by_channel].map(([c, n]) => [t(`channel.${c}`), n]), {empty: t("dash.nothing")}));
  }

  sources_panel(r) {
    return h(
        "section", {class: "panel"}, h("h3", {}, t("dash.by_source")),
        bar_rows(
            r.sources.map(
                (s) => [s.name || t("dash.no_source"), s.total, `${s.orders} · ${money(s.total)}`]),
            {empty: t("dash.nothing")}));
  }
}
