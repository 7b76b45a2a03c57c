// The order form (seeds 002-004): opened from a conversation's client block or a lead, in a
// dialog. Lines of products or combos, each with a quantity and a discount (a percent of the
// line or an amount off it), the line's total and the order's total as they are typed, the
// phone, name and address of the delivery, and the source under the unit's rules (the default
// source pre-selected, locked for sales when `orders.lock_source`, a Facebook source for a
// Facebook conversation). The server computes the same totals and has the last word.
import {fill, h} from "./dom.js";
import {money, t, to_minor} from "./i18n.js";

// A line's total as the server computes it: qty × price less the discount, a percent (two
// decimals) rounded half up to the smallest unit. null when the line cannot be.
export function line_total({price, qty, discount_pct, discount_amount}) {
  if (!Number.isInteger(qty) || qty < 1 || price === undefined) return null;
  const subtotal = qty * price;
  if (discount_pct !== undefined) {
    const bp = Math.round(discount_pct * 100);
    if (bp < 0 || bp > 10000) return null;
    return subtotal - Math.floor((subtotal * bp + 5000) / 10000);
  }
  if (discount_amount !== undefined) {
    if (discount_amount < 0 || discount_amount > subtotal) return null;
    return subtotal - discount_amount;
  }
  return subtotal;
}

export class OrderForm {
  // origin: {conversation_id} or {lead_id}; defaults: {phone, name, address}, of which `fixed`
  // are shown but not changed (a lead's); channel: the conversation's; done(order) after the
  // server made it.
  constructor(client, session, {origin, defaults = {}, fixed = [], channel, done}) {
    this.client = client;
    this.session = session;
    this.origin = origin;
    this.channel = channel;
    this.done = done;
    this.defaults = defaults;
    this.fixed = fixed;
    this.dialog = h("dialog", {class: "order-dialog", "aria-label": t("order.form")});
    this.dialog.addEventListener("close", () => this.dialog.remove());
  }

  async open() {
    const [products, combos, sources] = await Promise.all([
      this.client.call("products.list"),
      this.client.call("combos.list"),
      this.client.call("sources.list"),
    ]);
    this.catalog = new Map([
      ...products.items.map((p) => [`p:${p.sku}`, {kind: "items", code: p.sku, ...p}]),
      ...combos.items.map((c) => [`c:${c.code}`, {kind: "combos", ...c}]),
    ]);
    this.products = products.items;
    this.combos = combos.items;
    this.sources = sources.items;
    this.render();
    document.body.append(this.dialog);
    this.dialog.showModal();
    this.dialog.querySelector(".order-line select")?.focus();
  }

  render() {
    this.lines = h("ol", {class: "order-lines"});
    this.total = h("output", {class: "order-total"});
    this.error = h("p", {class: "error", role: "alert"});
    const field = (name, label, attrs = {}) => h(
        "label", {class: "field"}, h("span", {}, t(label)),
        h("input",
          {name, value: this.defaults[name] ?? "", readonly: this.fixed.includes(name), ...attrs}));
    this.submit = h("button", {type: "submit", class: "primary"}, t("order.create"));
    this.form =
        h("form", {method: "dialog", onsubmit: (e) => this.send(e), oninput: () => this.sum()},
          h("h2", {}, t("order.form")),
          h("div", {class: "order-who"}, field("phone", "order.phone", {type: "tel"}),
            field("name", "order.name"), field("address", "order.address")),
          h("h3", {}, t("order.lines")), this.lines,
          h("button", {type: "button", class: "link", onclick: () => this.add_line()},
            t("order.add_line")),
          h("div", {class: "order-end"}, this.source_field(),
            h("label", {class: "check"}, h("input", {type: "checkbox", name: "draft"}),
              t("order.as_draft")),
            h("span", {class: "order-sum"}, t("client.total"), " ", this.total)),
          this.error,
          h("div", {class: "form-end"}, this.submit,
            h("button", {type: "button", onclick: () => this.dialog.close()}, t("order.cancel"))));
    fill(this.dialog, this.form);
    this.add_line();
  }

  // The source under the unit's rules; a Facebook conversation offers Facebook sources only.
  source_field() {
    const settings = this.session.settings;
    const offered = this.channel === "facebook" ?
        this.sources.filter((s) => s.channel === "facebook") :
        this.sources;
    const fallback = settings["orders.default_source"] ?? "";
    const locked = settings["orders.lock_source"] && this.session.me.role === "sale";
    const chosen = offered.some((s) => s.code === fallback) ? fallback : offered[0]?.code ?? "";
    this.source =
        h("select", {name: "source", disabled: locked}, h("option", {value: ""}, t("admin.none")),
          offered.map((s) => h("option", {value: s.code, selected: s.code === chosen}, s.name)));
    return h(
        "label", {class: "field"}, h("span", {}, t("order.source")), this.source,
        locked ? h("span", {class: "muted"}, t("order.source_locked")) : null);
  }

  add_line() {
    const pick =
        h("select", {"aria-label": t("order.product"), required: true},
          h("option", {value: ""}, t("order.pick")),
          h("optgroup", {label: t("admin.catalog.products")},
            this.products.map(
                (p) => h("option", {value: `p:${p.sku}`}, `${p.name} · ${money(p.price)}`))),
          this.combos.length ?
              h("optgroup", {label: t("admin.catalog.combos")},
                this.combos.map(
                    (c) => h("option", {value: `c:${c.code}`}, `${c.name} · ${money(c.price)}`))) :
              null);
    const qty = h(
        "input",
        {type: "number", min: 1, step: 1, value: 1, class: "short", "aria-label": t("admin.qty")});
    const kind =
        h("select", {"aria-label": t("order.discount")},
          h("option", {value: ""}, t("order.no_discount")), h("option", {value: "pct"}, "%"),
          h("option", {value: "amount"}, t("order.amount_off")));
    const off = h("input", {
      type: "number",
      min: 0,
      step: "any",
      class: "short",
      "aria-label": t("order.discount_value"),
      hidden: true
    });
    kind.addEventListener("change", () => {
      off.hidden = !kind.value;
      if (!kind.value) off.value = "";
    });
    const total = h("output", {class: "line-total"});
    const row = h(
        "li", {class: "order-line"}, pick, h("span", {class: "times"}, "×"), qty, kind, off, total,
        h("button", {
          type: "button",
          class: "link",
          "aria-label": t("admin.remove"),
          onclick: () => {
            row.remove();
            this.sum();
          }
        },
          "×"));
    row.read = () => {
      const item = this.catalog.get(pick.value);
      const line = {kind: item?.kind, code: item?.code, qty: Number(qty.value), price: item?.price};
      if (kind.value === "pct" && off.value !== "") line.discount_pct = Number(off.value);
      if (kind.value === "amount" && off.value !== "") line.discount_amount = to_minor(off.value);
      return line;
    };
    row.show = (value) => fill(total, value === null ? "—" : money(value));
    this.lines.append(row);
    this.sum();
  }

  // Every line's total and the order's, as typed.
  sum() {
    let all = 0;
    let known = true;
    for (const row of this.lines.children) {
      const line = row.read();
      const value = line.code ? line_total(line) : null;
      row.show(value);
      if (value === null)
        known = false;
      else
        all += value;
    }
    fill(this.total, known ? money(all) : "—");
    return known;
  }

  async send(e) {
    e.preventDefault();
    fill(this.error);
    const data = new FormData(this.form);
    const args = {...this.origin, items: [], combos: []};
    for (const row of this.lines.children) {
      const {kind, code, qty, discount_pct, discount_amount} = row.read();
      args[kind].push(
          {[kind === "items" ? "sku" : "code"]: code, qty, discount_pct, discount_amount});
    }
    if (!args.combos.length) delete args.combos;
    for (const name of ["phone", "name", "address"]) {
      const value = String(data.get(name) ?? "").trim();
      if (value && value !== (this.defaults[name] ?? "")) args[name] = value;
    }
    if (!this.source.disabled && this.source.value) args.source = this.source.value;
    if (data.get("draft")) args.status = "draft";
    this.submit.disabled = true;
    try {
      const answer = await this.client.call("orders.create", args);
      this.dialog.close();
      this.done?.(answer.order);
    } catch (error) {
      fill(this.error, error.message);
    } finally {
      this.submit.disabled = false;
    }
  }
}
