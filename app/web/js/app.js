// The web UI's shell: language, login, the bar of screens, the connection's state, and the
// screen the address names (#/inbox, #/inbox/12, #/leads, #/pool, #/dashboard, #/admin).
import {Admin} from "./admin.js";
import {Client} from "./client.js";
import {Dashboard} from "./dashboard.js";
import {fill, h} from "./dom.js";
import {language, languages, load_language, set_unit_country, set_unit_offset, t} from "./i18n.js";
import {Inbox} from "./inbox.js";
import {Leads} from "./leads.js";
import {Pool} from "./pool.js";

const root = document.getElementById("app");
const client = new Client();
const session = {
  me: null,
  settings: {}
};
let screen = null;  // the mounted screen: {element, leave()}
let shell = null;   // {main, status}
let was_offline = false;

async function main() {
  await load_language();
  document.title = t("app.title");
  client.addEventListener("state", on_state);
  window.addEventListener("hashchange", route);
  client.connect();
}

async function on_state() {
  if (client.state === "signed_out") return show_login();
  if (client.state === "online") {
    if (!session.me) {
      const answer = await client.call("me");
      session.me = answer.user;
      session.settings = answer.settings;
      session.system_messages = answer.system_messages ?? 0;
      set_unit_offset(session.settings["unit.utc_offset_minutes"]);
      set_unit_country(session.settings["phone.country"]);
      show_shell();
    }
    show_status(was_offline ? t("state.reconnected") : "", "ok");
    was_offline = false;
    return;
  }
  if (!shell) return;
  if (client.state === "offline") was_offline = true;
  show_status(t(client.state === "offline" ? "state.offline" : "state.connecting"), "warn");
}

function show_status(text, kind) {
  if (!shell) return;
  fill(shell.status, text);
  shell.status.className = `status ${kind}`;
  shell.status.hidden = !text;
  if (kind === "ok" && text)
    setTimeout(() => {
      if (client.state === "online") shell.status.hidden = true;
    }, 2500);
}

// ---- login ----
function show_login() {
  leave_screen();
  shell = null;
  session.me = null;
  const error = h("p", {class: "error", role: "alert"});
  const username = h("input", {name: "username", autocomplete: "username", required: true});
  const password =
      h("input",
        {name: "password", type: "password", autocomplete: "current-password", required: true});
  const submit = h("button", {type: "submit", class: "primary"}, t("login.submit"));
  const form =
      h("form", {
        class: "login",
        onsubmit: async (e) => {
          e.preventDefault();
          submit.disabled = true;
          fill(error);
          try {
            const response = await fetch("/api/login", {
              method: "POST",
              headers: {"Content-Type": "application/json"},
              body: JSON.stringify({username: username.value.trim(), password: password.value}),
            });
            if (response.ok) return client.connect();
            const body = await response.json().catch(() => ({}));
            const seconds = body.error?.retry_after_s ?? response.headers.get("Retry-After");
            fill(
                error,
                response.status === 429 ? t("login.throttled", {seconds}) :
                                          t("login.bad_credentials"));
          } catch {
            fill(error, t("login.unreachable"));
          } finally {
            submit.disabled = false;
          }
        }
      },
        h("h1", {}, t("app.title")), h("h2", {}, t("login.title")),
        h("label", {}, t("login.username"), username),
        h("label", {}, t("login.password"), password), error, submit, language_picker());
  fill(root, h("main", {class: "login-page"}, form));
  username.focus();
}

function language_picker() {
  const select =
      h("select", {
        "aria-label": t("nav.language"),
        class: "language",
        onchange: async () => {
          await load_language(select.value);
          if (session.me)
            show_shell();
          else
            show_login();
        }
      },
        languages.map((l) => h("option", {value: l, selected: l === language()}, l.toUpperCase())));
  return select;
}

// ---- the shell ----
const screens = [
  {path: "inbox", label: "nav.inbox"},
  // A sale's own leads; managers and admin see every lead there.
  {path: "leads", label: "nav.leads", manager_label: "nav.all_leads"},
  {path: "pool", label: "nav.pool"},
  {path: "dashboard", label: "nav.dashboard", roles: ["admin", "manager"]},
  {path: "admin", label: "nav.admin", roles: ["admin", "manager"]},
];

// Admin's badge of system messages not yet cleared, kept by the `me` pushes.
const system_badge = h("span", {class: "count", "aria-label": "system messages"});
client.listen("me", (push) => {
  if (push.type === "system_message" || push.type === "system_messages_cleared") {
    session.system_messages = push.data.open;
    show_system_badge();
  } else if (push.type === "settings") {
    settings_changed(push.data.settings);
  } else if (push.type === "presence" && push.data.user_id === session.me?.id) {
    session.me.presence = push.data.presence;
    show_presence();
  }
});

// The user's own presence: online (at work: the rotation gives them conversations), away or
// offline; set here, and kept by the pushes (a login elsewhere, the grace period).
const presence_picker = h("select", {
  "aria-label": t("nav.presence"),
  class: "presence",
  onchange: async () => {
    try {
      await client.call("presence.set", {status: presence_picker.value});
    } catch {
      show_presence();
    }
  }
});

function show_presence() {
  fill(presence_picker, [
    "online", "away", "offline"
  ].map((p) => h("option", {value: p, selected: p === session.me.presence}, t(`presence.${p}`))));
  presence_picker.value = session.me.presence;
  presence_picker.dataset.presence = session.me.presence;
  presence_picker.setAttribute("aria-label", t("nav.presence"));
}

// Admin changed settings (pushed to everyone on `me`): the unit's formats follow, and the screen
// shown hears which keys changed (the pool reloads when the pool's rules do, My leads says anew
// when its leads float).
function settings_changed(changed) {
  Object.assign(session.settings, changed);
  set_unit_offset(session.settings["unit.utc_offset_minutes"]);
  set_unit_country(session.settings["phone.country"]);
  screen?.settings_changed?.(Object.keys(changed));
}

function show_system_badge() {
  fill(system_badge, session.system_messages ? String(session.system_messages) : "");
}

function show_shell() {
  leave_screen();
  show_system_badge();
  show_presence();
  const nav =
      h("nav", {class: "screens"},
        screens.filter((s) => !s.roles || s.roles.includes(session.me.role))
            .map(
                (s) =>
                    h("a", {href: `#/${s.path}`, dataset: {screen: s.path}},
                      t(session.me.role !== "sale" && s.manager_label || s.label),
                      s.path === "admin" ? system_badge : null)));
  const sign_out =
      h("button", {
        class: "link",
        onclick: async () => {
          await fetch("/api/logout", {method: "POST"}).catch(() => {});
          client.close();
        }
      },
        t("nav.sign_out"));
  const status = h("div", {class: "status", role: "status", hidden: true});
  const main_area = h("div", {class: "screen"});
  fill(
      root,
      h("header", {class: "bar"}, h("span", {class: "brand"}, t("app.title")), nav,
        h("span", {class: "who"}, session.me.name), presence_picker, language_picker(), sign_out),
      status, main_area);
  shell = {main: main_area, status, nav};
  route();
}

function leave_screen() {
  if (screen) screen.leave();
  screen = null;
}

function route() {
  if (!shell) return;
  const [path, id] = location.hash.replace(/^#\/?/, "").split("/");
  const name = screens.some((s) => s.path === path) ? path : "inbox";
  for (const a of shell.nav.querySelectorAll("a"))
    a.classList.toggle("active", a.dataset.screen === name);
  if (screen && screen.name === name) return screen.open?.(id);
  leave_screen();
  if (name === "inbox") {
    screen = new Inbox(client, session, Number(id) || null);
  } else if (name === "admin") {
    screen = new Admin(client, session, id);
  } else if (name === "leads") {
    screen = new Leads(client, session);
  } else if (name === "pool") {
    screen = new Pool(client, session);
  } else if (name === "dashboard") {
    screen = new Dashboard(client);
  } else {
    screen = {name, element: h("p", {class: "empty"}, t("screen.later")), leave() {}};
  }
  screen.name = name;
  fill(shell.main, screen.element);
}

main();
