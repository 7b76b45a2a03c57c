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

// Small line icons drawn as SVG (an emoji may have no glyph on the user's machine).
const icon_shapes = {
  eye: ["M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z", "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"],
  eye_off: ["M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z", "M3 3l18 18"],
  copies: ["M8 8h12v12H8z", "M4 16V4h12"],
  smile: [
    "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M8 14s1.5 2 4 2 4-2 4-2", "M9 9.5v.5", "M15 9.5v.5"
  ],
  clip: ["M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7"],
};

export function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "svg-icon");
  svg.setAttribute("aria-hidden", "true");
  for (const d of icon_shapes[name]) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
