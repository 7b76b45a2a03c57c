// The UI's words, one JSON file per language (i18n/*.json), and the unit's formats for times.

export const languages = ["vi", "en", "uk"];
const stored = "salesdesk.language";
let words = {};
let current = "vi";
let offset_minutes = 0;  // settings "unit.utc_offset_minutes"

export function language() {
  return current;
}

// Loads the chosen language (remembered in this browser), Vietnamese first.
export async function load_language(lang = localStorage.getItem(stored) || "vi") {
  if (!languages.includes(lang)) lang = "vi";
  const response = await fetch(`/i18n/${lang}.json`, {cache: "no-cache"});
  words = await response.json();
  current = lang;
  localStorage.setItem(stored, lang);
  document.documentElement.lang = lang;
}

// A text by key, with {name}s filled in; an unknown key shows itself (easy to spot).
export function t(key, vars = {}) {
  const text = words[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function set_unit_offset(minutes) {
  offset_minutes = Number.isFinite(minutes) ? minutes : 0;
}

// Whether the language has a text for key.
export function has_text(key) {
  return Object.hasOwn(words, key);
}

// An ISO time as the inbox shows it: "now", "5 min", "14:05" today, "28/11" before.
export function short_time(iso, now = Date.now()) {
  if (!iso) return "";
  const at = Date.parse(iso);
  const minutes = Math.floor((now - at) / 60000);
  if (minutes < 1) return t("time.now");
  if (minutes < 60) return t("time.minutes", {n: minutes});
  const local = new Date(at + offset_minutes * 60000);
  const today = new Date(now + offset_minutes * 60000);
  const pad = (n) => String(n).padStart(2, "0");
  if (local.getUTCFullYear() === today.getUTCFullYear() &&
      local.getUTCMonth() === today.getUTCMonth() && local.getUTCDate() === today.getUTCDate()) {
    return `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
  }
  return `${pad(local.getUTCDate())}/${pad(local.getUTCMonth() + 1)}`;
}

// An ISO time in full, in the unit's time: "28/11/2026 14:05".
export function full_time(iso) {
  if (!iso) return "";
  const local = new Date(Date.parse(iso) + offset_minutes * 60000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(local.getUTCDate())}/${pad(local.getUTCMonth() + 1)}/${local.getUTCFullYear()} ` +
      `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}

let country = "VN";  // settings "phone.country": VND or UAH

export function set_unit_country(code) {
  country = code === "UA" ? "UA" : "VN";
}

// Money in the currency's smallest unit, as the unit writes it: "1.250.000 ₫" (VND has no
// smaller unit), "1 250,00 ₴" (kopiyky).
export function money(amount) {
  if (country === "UA") {
    return new Intl.NumberFormat("uk-UA", {style: "currency", currency: "UAH"})
        .format(amount / 100);
  }
  return new Intl.NumberFormat("vi-VN", {style: "currency", currency: "VND"}).format(amount);
}

// A price typed in the currency's main unit ("250", "12,5") as the smallest unit the server keeps
// (₫ as typed, ₴ in kopiyky), and back.
export function to_minor(text) {
  const value = Number(String(text).replace(",", "."));
  return country === "UA" ? Math.round(value * 100) : Math.round(value);
}

export function from_minor(amount) {
  return country === "UA" ? (amount / 100).toFixed(2) : String(amount);
}

// The unit's midnight before a time (ms since the epoch), for "today".
export function unit_midnight(now) {
  const day = 86400000;
  const shift = offset_minutes * 60000;
  return Math.floor((now + shift) / day) * day - shift;
}

// A time in the unit's time, as a chart or a status line says it: "14:00" (hour), "28/11"
// (day), "14:05" (minute).
export function unit_label(iso, step) {
  const local = new Date(Date.parse(iso) + offset_minutes * 60000);
  const pad = (n) => String(n).padStart(2, "0");
  if (step === "day") return `${pad(local.getUTCDate())}/${pad(local.getUTCMonth() + 1)}`;
  const minutes = step === "hour" ? 0 : local.getUTCMinutes();
  return `${pad(local.getUTCHours())}:${pad(minutes)}`;
}
