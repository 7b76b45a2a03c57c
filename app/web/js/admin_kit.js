// What the admin parts (and the dashboard's table) share: a table of records, and a form whose
// fields say what they take, saying under it what became of the last submit (the server's own
// words when refused).
import {fill, h} from "./dom.js";
import {from_minor, t, to_minor} from "./i18n.js";

// A table of records: columns [{label, cell(item), class?}], a row per item keyed by key(item),
// and a last cell of buttons when actions(item) gives any; cell(item, context) may read context.
// Nothing yet: a line that says so.
export function table(columns, items, {key, actions, context} = {}) {
  if (!items.length) return h("p", {class: "muted"}, t("admin.empty"));
  return h(
      "div", {class: "table-wrap"},
      h("table", {class: "data-table"},
        h("thead", {},
          h("tr", {}, columns.map((c) => h("th", {}, t(c.label))), actions ? h("th") : null)),
        h("tbody", {},
          items.map(
              (item) =>
                  h("tr", {dataset: {key: key ? key(item) : ""}},
                    columns.map(
                        (c) =>
                            h("td", {class: c.class, dataset: {label: t(c.label)}},
                              c.cell(item, context))),
                    actions ? h("td", {class: "row-actions"}, actions(item)) : null)))));
}

// A form: fields [{name, label, type?, options?, required?, placeholder?}] where type is text
// (the default), password, number, money (typed in the currency's main unit, kept in its
// smallest), select (options [[value, label]]), checkbox, checks (several of options: an
// array), lines (rows of one of options and a quantity: [{sku, qty}]), or textarea.
// on_submit(values) saves; a throw ({message}) is shown, nothing cleared.
export function form({fields, submit, on_submit, name}) {
  const controls = new Map(fields.map((f) => [f.name, control(f)]));
  const error = h("p", {class: "error", role: "alert"});
  const state = h("span", {class: "saved", role: "status"});
  const button = h("button", {type: "submit", class: "primary"}, t(submit));
  const values = () => Object.fromEntries([...controls].map(([n, c]) => [n, c.get()]));
  const set = (next) => {
    for (const [n, v] of Object.entries(next)) controls.get(n)?.set(v);
  };
  const element =
      h("form", {
        class: "record-form",
        "aria-label": name ? t(name) : null,
        onsubmit: async (e) => {
          e.preventDefault();
          button.disabled = true;
          fill(error);
          fill(state);
          try {
            await on_submit(values());
            fill(state, t("admin.saved"));
          } catch (failure) {
            fill(error, failure.message ?? String(failure));
          } finally {
            button.disabled = false;
          }
        }
      },
        fields.map(
            (f) =>
                h(f.type === "checks" ? "fieldset" : "label",
                  {class: `field ${f.type ?? "text"}`, dataset: {field: f.name}},
                  h(f.type === "checks" ? "legend" : "span", {}, t(f.label)),
                  controls.get(f.name).node)),
        h("div", {class: "form-end"}, button, state), error);
  return {element, values, set, controls};
}

// One control as {node, get(), set(value)}.
function control(f) {
  const type = f.type ?? "text";
  if (type === "checkbox") {
    const node = h("input", {type: "checkbox", name: f.name});
    return {node, get: () => node.checked, set: (v) => (node.checked = Boolean(v))};
  }
  if (type === "select") {
    const node =
        h("select", {name: f.name, required: f.required},
          f.options.map(([v, label]) => h("option", {value: v}, label)));
    return {node, get: () => node.value, set: (v) => (node.value = v ?? "")};
  }
  if (type === "checks") {
    const boxes =
        f.options.map(([v, label]) => [v, h("input", {type: "checkbox", value: String(v)}), label]);
    const node =
        h("div", {class: "checks"},
          boxes.map(([, box, label]) => h("label", {class: "check"}, box, label)));
    return {
      node,
      get: () => boxes.filter(([, box]) => box.checked).map(([v]) => v),
      set: (list) => {
        for (const [v, box] of boxes) box.checked = (list ?? []).includes(v);
      }
    };
  }
  if (type === "lines") return lines_control(f);
  const attrs = {
    name: f.name,
    required: f.required,
    placeholder: f.placeholder,
    autocomplete: type === "password" ? "new-password" : "off"
  };
  if (type === "textarea") {
    const node = h("textarea", {...attrs, rows: 3});
    return {node, get: () => node.value, set: (v) => (node.value = v ?? "")};
  }
  if (type === "number" || type === "money") {
    const node = h("input", {...attrs, type: "number", min: 0, step: type === "money" ? "any" : 1});
    const read = type === "money" ? to_minor : Number;
    const show = type === "money" ? from_minor : String;
    return {
      node,
      get: () => (node.value === "" ? null : read(node.value)),
      set: (v) => (node.value = v === null || v === undefined ? "" : show(v))
    };
  }
  const node = h("input", {...attrs, type});
  return {node, get: () => node.value.trim(), set: (v) => (node.value = v ?? "")};
}

// Rows of [option, quantity], one more with "+", any taken away with "×".
function lines_control(f) {
  const rows = h("ol", {class: "lines-control"});
  const add = (line = {}) => {
    const pick =
        h("select", {"aria-label": t(f.label)},
          f.options.map(([v, label]) => h("option", {value: v}, label)));
    pick.value = line.sku ?? f.options[0]?.[0] ?? "";
    const qty = h("input", {
      type: "number",
      min: 1,
      step: 1,
      value: line.qty ?? 1,
      class: "short",
      "aria-label": t("admin.qty")
    });
    const row =
        h("li", {}, pick, " × ", qty,
          h("button", {
            type: "button",
            class: "link",
            "aria-label": t("admin.remove"),
            onclick: () => row.remove()
          },
            "×"));
    row.line = () => ({sku: pick.value, qty: Number(qty.value)});
    rows.append(row);
  };
  const node =
      h("div", {}, rows,
        h("button", {type: "button", class: "link", onclick: () => add()}, t("admin.add_line")));
  return {
    node,
    get: () => [...rows.children].map((row) => row.line()),
    set: (list) => {
      rows.replaceChildren();
      for (const line of list ?? []) add(line);
    }
  };
}

// The "Edit" button of a table's rows, for `table`'s actions: on(item) when pressed.
export function edit_action(on) {
  return (item) => h("button", {class: "link", onclick: () => on(item)}, t("admin.edit"));
}

// A section's frame: a heading, a line of what it is for, then its parts.
export function section(title, help, ...parts) {
  return h(
      "section", {class: "admin-section"}, h("h2", {}, t(title)),
      help ? h("p", {class: "muted"}, t(help)) : null, parts);
}

// A failure to load, said in place.
export function failed(element, error) {
  fill(element, h("p", {class: "notice"}, t("conv.failed", {message: error.message})));
}
