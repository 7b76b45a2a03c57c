// Small charts drawn here (no library): horizontal bars as rows of text and a bar, and a
// column chart of a few series over time.
import {h} from "./dom.js";

// Rows of [label, value, shown] with a bar as long as value is of the largest.
export function bar_rows(rows, {empty}) {
  if (!rows.length || rows.every(([, v]) => !v)) return h("p", {class: "muted"}, empty);
  const top = Math.max(...rows.map(([, v]) => v), 1);
  return h("ul", {class: "bar-rows"}, rows.map(([label, value, shown]) => {
    const bar = h("span", {class: "bar"});
    bar.style.width = `${(100 * value / top).toFixed(1)}%`;  // (CSSOM: the page's CSP allows it)
    return h(
        "li", {}, h("span", {class: "label"}, label), h("span", {class: "track"}, bar),
        h("span", {class: "value"}, shown ?? String(value)));
  }));
}

// Columns: buckets [{label, values: [n per series]}], series [{name, class}], drawn as boxes so
// they scale with the panel; every column says its values on hover; a legend under.
export function columns(buckets, series, {empty, title}) {
  const total = buckets.reduce((n, b) => n + b.values.reduce((a, v) => a + v, 0), 0);
  if (!total) return h("p", {class: "muted"}, empty);
  const top = Math.max(...buckets.flatMap((b) => b.values), 1);
  const every = Math.ceil(buckets.length / 12);  // at most a dozen labels under the columns
  const plot = h("div", {class: "plot", role: "img", "aria-label": title});
  const labels = h("div", {class: "plot-labels", "aria-hidden": "true"});
  buckets.forEach((b, i) => {
    const bars = b.values.map((v, k) => {
      const bar = h("span", {class: `col ${series[k].class}`});
      bar.style.height = `${(100 * v / top).toFixed(1)}%`;
      return bar;
    });
    plot.append(
        h("div", {
          class: "bucket",
          title: `${b.label}: ` + series.map((s, k) => `${s.name} ${b.values[k]}`).join(", ")
        },
          bars));
    labels.append(h("span", {}, i % every === 0 ? b.label : ""));
  });
  return h(
      "figure", {class: "chart"}, h("div", {class: "plot-top muted"}, String(top)), plot, labels,
      h("figcaption", {class: "legend"},
        series.map((s) => h("span", {}, h("i", {class: `swatch ${s.class}`}), s.name))));
}
