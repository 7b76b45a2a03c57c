// Building the page without HTML strings: every text (a customer's above all) goes in as text.

// An element: h("div", {class: "row", onclick: f}, child, "text", [more children]).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child))
      append(el, child);
    else
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces what an element holds.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
