// The inbox screen: the conversation list with its filters and search (left) and the open
// conversation with its composer (right); both follow the server's pushes. On a narrow screen
// one pane shows at a time.
import {ClientBlock} from "./client_block.js";
import {Composer} from "./composer.js";
import {fill, h} from "./dom.js";
import {full_time, short_time, t, unit_midnight} from "./i18n.js";
import {ViewsEditor} from "./inbox_views.js";

const page_size = 50;
// A day picked in a date box ("2026-12-01") as the unit's midnight that starts it (ms).
const unit_midnight_of = (day) => unit_midnight(Date.parse(`${day}T12:00:00Z`));
// The list is virtual: every row is this tall, and only the rows in sight (and a few around)
// are in the page, so thousands of conversations cost what a screenful does.
const row_height = 72;
const rows_around = 8;
const tabs = ["all", "mine", "unassigned"];

export class Inbox {
  constructor(client, session, open_id) {
    this.client = client;
    this.session = session;
    this.filters =
        {tab: "all", unread: false, unanswered: false, status: "open", sort: "activity", q: ""};
    this.items = new Map();  // id -> summary, in the list
    this.rows = new Map();   // id -> row element
    this.order = [];         // the listed ids, in the list's order
    this.cursor = null;
    this.complete = false;
    this.generation = 0;  // answers to an older query are dropped
    this.users = new Map([[session.me.id, session.me.name]]);
    this.people = [];  // managers and admin: every user, for assigning
    this.pages = new Map();
    this.channels = new Map();  // page id -> its channel
    this.quick_replies = [];    // for "/" in the composer
    this.badges = new Map();    // tab -> its count's element
    this.list = h("ol", {class: "conversations", "aria-label": t("nav.inbox")});
    this.list_state = h("p", {class: "list-state"});
    this.pane = new ConversationPane(this);
    this.element =
        h("div", {class: "inbox"},
          h("section", {class: "list-pane"}, this.filter_bar(), this.list, this.list_state),
          this.pane.element);
    this.list_pane = this.list.parentElement;
    this.list_pane.addEventListener("scroll", () => this.scrolled());
    // (the pane's height changes with the window, and on a phone when the list shows again)
    this.resized = new ResizeObserver(() => this.draw());
    this.resized.observe(this.list_pane);
    this.stop = client.follow("inbox", (push) => this.on_push(push), () => {
      this.reload();
      this.refresh_counts();
      this.pane.reload();
    });
    this.load_names();
    this.reload();
    if (open_id) this.open(open_id);
    this.on_key = (e) => this.shortcut(e);
    document.addEventListener("keydown", this.on_key);
  }

  leave() {
    this.resized.disconnect();
    document.removeEventListener("keydown", this.on_key);
    clearTimeout(this.counting);
    this.stop();
    this.pane.close();
  }

  // The address named another conversation (#/inbox/12).
  open(id) {
    if (id) this.pane.open(Number(id));
    this.element.classList.toggle("reading", Boolean(id));
    for (const [row_id, row] of this.rows) row.classList.toggle("selected", row_id === Number(id));
    if (id) this.bring_into_sight(Number(id));
  }

  // ---- the virtual list ----
  // Scrolling draws the rows now in sight, once a frame, and asks for more near the end.
  scrolled() {
    if (!this.drawing) {
      this.drawing = requestAnimationFrame(() => {
        this.drawing = null;
        this.draw();
      });
    }
    const pane = this.list_pane;
    if (pane.scrollTop + pane.clientHeight > pane.scrollHeight - 4 * row_height) this.load_more();
  }

  // Puts the rows in sight (and a few around) in the page at their places, in order, and takes
  // the others out; the list is as tall as all its rows.
  draw() {
    this.list.style.height = `${this.order.length * row_height}px`;
    this.list.dataset.loaded = this.order.length;
    const pane = this.list_pane;
    const top = pane.scrollTop - this.list.offsetTop;
    const first = Math.max(0, Math.floor(top / row_height) - rows_around);
    const last = Math.min(
        this.order.length, Math.ceil((top + pane.clientHeight) / row_height) + rows_around);
    const wanted = new Set(this.order.slice(first, last));
    for (const [id, row] of this.rows) {
      if (!wanted.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    // (in the page in the list's order too: what a screen reader and Tab go through)
    let previous = null;
    for (let i = first; i < last; i++) {
      const id = this.order[i];
      const row = this.rows.get(id) ?? this.render_row(this.items.get(id));
      row.style.transform = `translateY(${i * row_height}px)`;
      row.setAttribute("aria-posinset", i + 1);
      row.setAttribute("aria-setsize", this.complete ? this.order.length : -1);
      if (!row.isConnected || row.previousElementSibling !== previous) {
        this.list.insertBefore(row, previous ? previous.nextElementSibling : this.list.firstChild);
      }
      previous = row;
    }
  }

  // Scrolls the list so a conversation's row is in sight (the keyboard's next and previous).
  bring_into_sight(id) {
    const at = this.order.indexOf(id);
    if (at < 0) return;
    const pane = this.list_pane;
    const y = this.list.offsetTop + at * row_height;
    if (y < pane.scrollTop)
      pane.scrollTop = y;
    else if (y + row_height > pane.scrollTop + pane.clientHeight)
      pane.scrollTop = y + row_height - pane.clientHeight;
  }

  async load_names() {
    const [pages, views, tags] = await Promise.all([
      this.client.call("pages.list").catch(() => ({items: []})),
      this.client.call("inbox.views.list").catch(() => ({items: []})),
      this.client.call("tags.list").catch(() => ({items: []})),
    ]);
    for (const p of pages.items) {
      this.pages.set(p.id, p.name);
      this.channels.set(p.id, p.channel);
    }
    this.views = views.items;
    this.fill_page_picker();
    this.tag_picker.append(...tags.items.map((x) => h("option", {value: x.name}, x.name)));
    const names = await this.client.call("users.names").catch(() => ({items: []}));
    for (const u of names.items) this.users.set(u.id, u.name);
    if (["admin", "manager"].includes(this.session.me.role)) {
      // (with presence, to offer online sales first when assigning)
      const users = await this.client.call("users.list").catch(() => ({items: []}));
      this.people = users.items;
      this.assignee_picker.append(...this.people.filter((u) => u.role === "sale")
                                      .map((u) => h("option", {value: u.id}, u.name)));
    }
    const replies = await this.client.call("quick_replies.list").catch(() => ({items: []}));
    this.quick_replies = replies.items;
    this.refresh_counts();
    for (const id of [...this.rows.keys()]) this.render_row(this.items.get(id));
    this.draw();
    this.pane.render_header();
  }

  // The badges of the tabs: open conversations the caller may see (inbox.counts), asked again a
  // moment after the pushes that change them.
  refresh_counts(later = false) {
    clearTimeout(this.counting);
    if (later) {
      this.counting = setTimeout(() => this.refresh_counts(), 400);
      return;
    }
    this.client.call("inbox.counts")
        .then((counts) => {
          for (const [tab, badge] of this.badges)
            fill(badge, counts[tab] ? String(counts[tab]) : "");
          this.unread_by_page = counts.unread_by_page ?? {};
          this.fill_page_picker();
        })
        .catch(() => {});
  }

  // Alt+J / Alt+K next and previous conversation, Alt+E close, Ctrl/Cmd+Alt+E close and go to
  // the next, Alt+R the composer, "?" (outside a text box) or Ctrl/Cmd+/ the list of them.
  shortcut(e) {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
    const key = e.key.toLowerCase();
    const code = e.code;
    if ((e.key === "?" && !typing) || ((e.ctrlKey || e.metaKey) && key === "/")) {
      e.preventDefault();
      return this.show_shortcuts();
    }
    if (!e.altKey) return;
    if (code === "KeyJ" || code === "KeyK") {
      e.preventDefault();
      return this.step(code === "KeyJ" ? 1 : -1);
    }
    if (code === "KeyE" && this.pane.conversation) {
      e.preventDefault();
      const next = e.ctrlKey || e.metaKey;
      this.pane.run("conversations.close").then(() => next && this.step(1));
      return;
    }
    if (code === "KeyR") {
      e.preventDefault();
      this.pane.focus_composer?.();
    }
  }

  // The conversation `by` rows below (1) or above (-1) the open one in the list.
  // (from the address, which a quick second press finds already changed, before the pane is)
  step(by) {
    const ids = this.order;
    if (!ids.length) return;
    const current = Number(location.hash.split("/")[2]) || this.pane.id;
    const at = ids.indexOf(current);
    const next = ids[at < 0 ? 0 : Math.min(ids.length - 1, Math.max(0, at + by))];
    if (next !== current) location.hash = `#/inbox/${next}`;
  }

  show_shortcuts() {
    const rows = [
      ["Alt+J", "keys.next"], ["Alt+K", "keys.previous"], ["Alt+E", "keys.close"],
      ["Ctrl+Alt+E", "keys.close_next"], ["Alt+R", "keys.reply"], ["/", "keys.quick_reply"],
      ["Enter", "keys.send"], ["Shift+Enter", "keys.newline"], ["?", "keys.help"]
    ];
    const dialog =
        h("dialog", {class: "shortcuts"}, h("h2", {}, t("keys.title")),
          h("table", {},
            rows.map(
                ([k, label]) => h("tr", {}, h("td", {}, h("kbd", {}, k)), h("td", {}, t(label))))),
          h("form", {method: "dialog"}, h("button", {class: "primary"}, t("keys.ok"))));
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  user_name(id) {
    if (id === this.session.me.id) return t("conv.you");
    return this.users.get(id) ?? `#${id}`;
  }

  // ---- filters ----
  filter_bar() {
    const search = h("input", {
      type: "search",
      class: "search",
      placeholder: t("inbox.search"),
      "aria-label": t("inbox.search")
    });
    let typing = null;
    search.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        this.filters.q = search.value.trim();
        this.reload();
      }, 300);
    });
    for (const tab of tabs) this.badges.set(tab, h("span", {class: "badge"}));
    const tab_buttons = tabs.map(
        (tab) =>
            h("button", {
              class: tab === this.filters.tab ? "tab active" : "tab",
              dataset: {tab},
              onclick: (e) => {
                this.filters.tab = tab;
                for (const b of e.currentTarget.parentElement.children)
                  b.classList.toggle("active", b.dataset.tab === tab);
                this.reload();
              }
            },
              t(`inbox.${tab}`), " ", this.badges.get(tab)));
    const status = this.filter_select(
        "status", "inbox.open",
        [["open", t("inbox.open")], ["closed", t("inbox.closed")], ["", t("inbox.all")]]);
    const sort = this.filter_select(
        "sort", "inbox.sort_newest",
        [["activity", t("inbox.sort_newest")], ["waiting", t("inbox.sort_waiting")]]);
    // (pages, views and tags come with load_names)
    this.page_picker = h("select", {
      "aria-label": t("inbox.all_pages"),
      onchange: (e) => this.pick_pages(e.currentTarget.value)
    });
    const kind = this.filter_select("kind", "inbox.kind", [
      ["", t("inbox.kind")], ...["message", "comment", "livestream"].map((k) => [k, t(`kind.${k}`)])
    ]);
    this.tag_picker = this.filter_select("tag", "inbox.tag", [["", t("inbox.tag")]]);
    const extra = this.extra_filters();
    const more =
        h("button", {
          class: "link more",
          "aria-expanded": "false",
          onclick: (e) => {
            extra.hidden = !extra.hidden;
            e.currentTarget.setAttribute("aria-expanded", String(!extra.hidden));
          }
        },
          t("inbox.more_filters"));
    this.customer_chip = h("p", {class: "customer-filter", hidden: true});
    return h(
        "div", {class: "filters"}, search, this.customer_chip,
        h("div", {class: "tabs"}, tab_buttons),
        h("div", {class: "more-filters"}, this.filter_toggle("unread"),
          this.filter_toggle("unanswered"), status, sort, this.page_picker, kind, this.tag_picker,
          more),
        extra);
  }

  // One customer's conversations (from the client block), until its chip's × is pressed.
  only_customer(id, name) {
    this.filters.customer = id;
    this.customer_chip.hidden = false;
    fill(
        this.customer_chip, t("inbox.customer_only", {name}), " ",
        h("button", {
          class: "link",
          "aria-label": t("inbox.customer_all"),
          onclick: () => {
            this.filters.customer = null;
            this.customer_chip.hidden = true;
            this.reload();
          }
        },
          "×"));
    this.reload();
  }

  // The rest of inbox.query's filters, folded away: a phone left, processed or not, one sale's
  // (managers), and the last activity between two days of the unit.
  extra_filters() {
    const day = (key, label) =>
        h("label", {class: "toggle"}, t(label),
          h("input",
            {type: "date", onchange: (e) => this.set_filter(key, e.currentTarget.value || null)}));
    // (managers' sales come with load_names)
    this.assignee_picker = this.filter_select(
        "assignee", "inbox.any_sale", [["", t("inbox.any_sale")]], (v) => Number(v) || null);
    this.assignee_picker.hidden = !["admin", "manager"].includes(this.session.me.role);
    const processed = this.filter_select(
        "processed", "inbox.processed_any",
        [
          ["", t("inbox.processed_any")], ["true", t("inbox.processed_yes")],
          ["false", t("inbox.processed_no")]
        ],
        (v) => v || null);
    return h(
        "div", {class: "more-filters extra", hidden: true}, this.filter_toggle("has_phone"),
        processed, this.assignee_picker, day("since", "inbox.since"), day("until", "inbox.until"));
  }

  set_filter(key, value) {
    this.filters[key] = value;
    this.reload();
  }

  // A filter picked from a list: options [[value, text]]; read(value) is what the filter keeps.
  filter_select(key, label, options, read = (v) => v) {
    return h(
        "select", {
          "aria-label": t(label),
          onchange: (e) => this.set_filter(key, read(e.currentTarget.value))
        },
        options.map(([v, text]) => h("option", {value: v}, text)));
  }

  // A yes-or-no filter, its box labelled inbox.<key>.
  filter_toggle(key) {
    return h(
        "label", {class: "toggle"},
        h("input",
          {type: "checkbox", onchange: (e) => this.set_filter(key, e.currentTarget.checked)}),
        t(`inbox.${key}`));
  }

  // The pages picker: every page (with its unread count), the saved views of several pages
  // merged (inbox.views.*), and an entry that edits the views.
  fill_page_picker() {
    const unread = (id) => this.unread_by_page?.[id] ? ` (${this.unread_by_page[id]})` : "";
    fill(
        this.page_picker, h("option", {value: ""}, t("inbox.all_pages")),
        [...this.pages].map(([id, name]) => h("option", {value: `p:${id}`}, name + unread(id))),
        this.views?.length ? h("optgroup", {label: t("inbox.views")},
                               this.views.map((v) => h("option", {value: `v:${v.name}`}, v.name))) :
                             null,
        h("option", {value: "edit"}, t("inbox.edit_views")));
    this.page_picker.value = this.filters.pages_value ?? "";
  }

  pick_pages(value) {
    if (value === "edit") {
      this.page_picker.value = this.filters.pages_value ?? "";
      return new ViewsEditor(this).open();
    }
    this.filters.pages_value = value;
    const [kind, rest] = [value.slice(0, 2), value.slice(2)];
    if (kind === "p:")
      this.filters.page_ids = [Number(rest)];
    else if (kind === "v:")
      this.filters.page_ids = this.views.find((v) => v.name === rest)?.page_ids;
    else
      this.filters.page_ids = null;
    this.reload();
  }

  views_changed(views) {
    this.views = views;
    if (this.filters.pages_value?.startsWith("v:") &&
        !views.some((v) => `v:${v.name}` === this.filters.pages_value)) {
      this.filters.pages_value = "";
      this.filters.page_ids = null;
      this.reload();
    }
    this.fill_page_picker();
  }

  query_filters() {
    const f = {};
    if (this.filters.status) f.status = this.filters.status;
    if (this.filters.unread) f.unread = true;
    if (this.filters.unanswered) f.unanswered = true;
    if (this.filters.tab === "mine") f.assignee_id = this.session.me.id;
    if (this.filters.tab === "unassigned") f.unassigned = true;
    if (this.filters.q) f.q = this.filters.q;
    if (this.filters.page_ids) f.page_ids = this.filters.page_ids;
    if (this.filters.kind) f.kind = this.filters.kind;
    if (this.filters.has_phone) f.has_phone = true;
    if (this.filters.customer) f.customer_id = this.filters.customer;
    if (this.filters.processed) f.processed = this.filters.processed === "true";
    if (this.filters.assignee && this.filters.tab === "all") f.assignee_id = this.filters.assignee;
    if (this.filters.since) f.since = new Date(unit_midnight_of(this.filters.since)).toISOString();
    if (this.filters.until) {
      f.until = new Date(unit_midnight_of(this.filters.until) + 86400000).toISOString();
    }
    if (this.filters.tag) f.tags = [this.filters.tag];
    return f;
  }

  // Whether a conversation pushed now belongs in the list as filtered (the search aside: a
  // search's list only changes rows it already shows).
  matches(c) {
    const f = this.filters;
    if (f.status && c.status !== f.status) return false;
    if (f.unread && !c.unread) return false;
    if (f.unanswered && !c.unanswered) return false;
    if (f.tab === "mine" && c.assignee_id !== this.session.me.id) return false;
    if (f.tab === "unassigned" && c.assignee_id !== null) return false;
    if (f.sort === "waiting" && !c.waiting_since) return false;
    if (f.page_ids && !f.page_ids.includes(c.page_id)) return false;
    if (f.kind && c.kind !== f.kind) return false;
    if (f.has_phone && !c.has_phone) return false;
    if (f.customer && c.customer.id !== f.customer) return false;
    if (f.processed && c.processed !== (f.processed === "true")) return false;
    if (f.assignee && f.tab === "all" && c.assignee_id !== f.assignee) return false;
    const at = Date.parse(c.last_message.at);
    if (f.since && at < unit_midnight_of(f.since)) return false;
    if (f.until && at >= unit_midnight_of(f.until) + 86400000) return false;
    if (f.tag && !c.tags.includes(f.tag)) return false;
    return true;
  }

  // ---- the list ----
  reload() {
    this.generation++;
    this.items.clear();
    this.rows.clear();
    this.order = [];
    this.list.replaceChildren();
    this.cursor = null;
    this.complete = false;
    this.loading = false;
    this.load_more();
  }

  // Asks for pages until one more screenful is shown or the list is complete: a page may be
  // short, even empty, while `next_cursor` goes on (schema/protocol.md "Finding").
  async load_more() {
    if (this.loading || this.complete) return;
    this.loading = true;
    const generation = this.generation;
    const wanted = this.items.size + page_size;
    fill(this.list_state, t("inbox.loading"));
    try {
      while (this.items.size < wanted && !this.complete) {
        const args = {filters: this.query_filters(), sort: this.filters.sort, limit: page_size};
        if (this.cursor) args.cursor = this.cursor;
        const page = await this.client.call("inbox.query", args);
        if (generation !== this.generation) return;
        for (const c of page.items) {
          if (this.items.has(c.id)) continue;
          this.items.set(c.id, c);
          this.order.push(c.id);
        }
        this.cursor = page.next_cursor;
        this.complete = !page.next_cursor;
        this.draw();
        if (!this.complete && this.items.size < wanted) fill(this.list_state, t("inbox.more"));
      }
      fill(this.list_state, this.items.size ? "" : t("inbox.empty"));
    } catch (error) {
      if (generation === this.generation)
        fill(this.list_state, t("inbox.error", {message: error.message}));
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  render_row(c) {
    // (the assignee's own initials, not "you": the list reads the same to everyone)
    const initials =
        c.assignee_id === null ? "" : initials_of(this.users.get(c.assignee_id) ?? "?");
    const row =
        h("li", {
          class: [
            "conversation", c.unread ? "unread" : "", this.pane.id === c.id ? "selected" : ""
          ].join(" "),
          dataset: {id: c.id}
        },
          h("a", {href: `#/inbox/${c.id}`},
            h("span", {class: "avatar", "aria-hidden": "true"}, initials_of(c.customer.name)),
            h("span", {class: "line1"}, h("span", {class: "name"}, c.customer.name),
              h("time", {datetime: c.last_message.at, title: full_time(c.last_message.at)},
                short_time(c.last_message.at))),
            h("span", {class: "line2"},
              h("span", {class: "last"}, c.last_message.direction === "out" ? "↩ " : "",
                c.last_message.text),
              c.unanswered ? h("span", {class: "dot", title: t("inbox.unanswered")}) : null,
              c.has_phone ? h("span", {class: "phone-icon", title: "☎"}, "☎") : null,
              initials ?
                  h("span", {class: "assignee", title: this.user_name(c.assignee_id)}, initials) :
                  null),
            c.tags.length ?
                h("span", {class: "tags"}, c.tags.map((tag) => h("span", {class: "tag"}, tag))) :
                null));
    row.style.height = `${row_height}px`;
    const old = this.rows.get(c.id);
    if (old) {
      row.style.transform = old.style.transform;
      old.replaceWith(row);
    }
    this.rows.set(c.id, row);
    return row;
  }

  // Where a conversation goes in the list: newest activity first, or longest waiting first.
  before(a, b) {
    if (this.filters.sort === "waiting") {
      return a.waiting_since === b.waiting_since ? a.id < b.id : a.waiting_since < b.waiting_since;
    }
    return a.last_message.at === b.last_message.at ? a.id > b.id :
                                                     a.last_message.at > b.last_message.at;
  }

  // Puts a pushed conversation where the order says, found by halving (the list may hold
  // thousands); one below everything loaded waits for its page.
  place(c) {
    const at = this.order.indexOf(c.id);
    if (at >= 0) this.order.splice(at, 1);
    let low = 0, high = this.order.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.before(c, this.items.get(this.order[mid])))
        high = mid;
      else
        low = mid + 1;
    }
    if (low === this.order.length && !this.complete) {
      this.rows.get(c.id)?.remove();
      this.items.delete(c.id);
      this.rows.delete(c.id);
      return this.draw();
    }
    this.order.splice(low, 0, c.id);
    if (this.rows.has(c.id)) this.render_row(c);  // drawn: its new text now, its place below
    this.draw();
  }

  remove(id) {
    const at = this.order.indexOf(id);
    if (at >= 0) this.order.splice(at, 1);
    this.items.delete(id);
    this.rows.get(id)?.remove();
    this.rows.delete(id);
    this.draw();
    if (!this.items.size && this.complete) fill(this.list_state, t("inbox.empty"));
  }

  on_push(frame) {
    if (frame.type === "quick_reply") {
      const r = frame.data.quick_reply;
      this.quick_replies = this.quick_replies.filter((x) => x.code !== r.code).concat([r]);
      return;
    }
    if (frame.type === "quick_reply_deleted") {
      this.quick_replies = this.quick_replies.filter((x) => x.code !== frame.data.code);
      return;
    }
    this.refresh_counts(true);
    if (frame.type === "conversation") {
      const c = frame.data.conversation;
      if (this.pane.id === c.id) this.pane.update(c);
      const listed = this.items.has(c.id);
      if (!this.matches(c) || (this.filters.q && !listed)) return listed && this.remove(c.id);
      this.items.set(c.id, c);
      this.place(c);
      fill(this.list_state, "");
    } else if (frame.type === "conversation_removed") {
      this.remove(frame.data.conversation_id);
      if (this.pane.id === frame.data.conversation_id) this.pane.close();
    }
  }
}

function initials_of(name) {
  return String(name || "?").trim().split(/\s+/).slice(-2).map((w) => w[0]).join("").toUpperCase();
}

// The open conversation: its messages (newest at the bottom), who else has it open, what the
// caller may do with it, and the composer when the caller may reply.
class ConversationPane {
  constructor(inbox) {
    this.inbox = inbox;
    this.client = inbox.client;
    this.id = null;
    this.conversation = null;
    this.messages = [];
    this.cursor = null;
    this.stop = null;
    this.header = h("header", {class: "conversation-header"});
    this.viewers = h("p", {class: "viewers"});
    this.log = h("ol", {class: "messages", "aria-live": "polite"});
    this.composer = h("div", {class: "composer-slot"});
    this.notice = h("p", {class: "notice", role: "alert"});
    this.main = h("div", {class: "conversation-main"});
    this.client_block = new ClientBlock(this);
    this.element =
        h("section", {class: "conversation-pane"}, h("p", {class: "empty"}, t("inbox.pick")));
  }

  async open(id) {
    if (id === this.id) return;
    this.close();
    this.id = id;
    // (nothing of the conversation left before stays while this one loads)
    for (const part of [this.header, this.viewers, this.log, this.notice, this.composer])
      fill(part);
    this.focus_composer = null;
    fill(this.main, this.header, this.viewers, this.log, this.notice, this.composer);
    fill(this.client_block.body);
    fill(this.element, this.main, this.client_block.element);
    this.stop = this.client.listen(`conversation:${id}`, (push) => this.on_push(push));
    await this.reload();
  }

  async reload() {
    const id = this.id;
    if (!id) return;
    try {
      const [got, page, viewing] = await Promise.all([
        this.client.call("conversations.get", {conversation_id: id}),
        this.client.call("conversations.messages", {conversation_id: id, limit: 50}),
        this.client.call("conversations.viewing", {conversation_id: id, viewing: true}),
      ]);
      if (id !== this.id) return;
      this.messages = page.items.slice().reverse();
      this.cursor = page.next_cursor;
      this.update(got.conversation);
      this.client_block.load();
      this.show_viewers(viewing.viewers);
      this.render_messages(true);
      if (got.conversation.unread && this.may_work()) {
        this.client.call("conversations.mark", {conversation_id: id, read: true}).catch(() => {});
      }
    } catch (error) {
      if (id === this.id) fill(this.notice, t("conv.failed", {message: error.message}));
    }
  }

  close() {
    if (this.stop) this.stop();
    this.stop = null;
    if (this.id && this.client.state === "online") {
      this.client.call("conversations.viewing", {conversation_id: this.id, viewing: false})
          .catch(() => {});
    }
    this.id = null;
    this.conversation = null;
    fill(this.element, h("p", {class: "empty"}, t("inbox.pick")));
  }

  me() {
    return this.inbox.session.me;
  }

  // A sale works on their own and the unassigned; managers and admin on what they see.
  may_work() {
    const c = this.conversation;
    return this.me().role !== "sale" || c.assignee_id === null || c.assignee_id === this.me().id;
  }

  may_reply() {
    return this.me().role !== "sale" || this.conversation.assignee_id === this.me().id;
  }

  update(c) {
    const was = this.conversation;
    this.conversation = c;
    this.render_header();
    // The card, its tags or the link changed: the client block shows them again.
    const block = (x) => JSON.stringify([x.customer.id, x.linked, x.tags]);
    if (was && block(was) !== block(c)) this.client_block.load();
    if (!was || was.assignee_id !== c.assignee_id || !this.composer.firstChild)
      this.render_composer();
  }

  render_header() {
    const c = this.conversation;
    if (!c) return;
    const act = (label, op, args = {}) =>
        h("button", {onclick: () => this.run(op, args)}, t(label));
    const sale = this.me().role === "sale";
    const actions = [];
    if (sale && c.assignee_id !== this.me().id)
      actions.push(act("conv.take", "conversations.take"));
    actions.push(
        c.status === "open" ? act("conv.close", "conversations.close") :
                              act("conv.reopen", "conversations.reopen"));
    if (!c.unread) actions.push(act("conv.mark_unread", "conversations.mark", {read: false}));
    actions.push(
        c.processed ? act("conv.not_processed", "conversations.mark", {processed: false}) :
                      act("conv.processed", "conversations.mark", {processed: true}));
    if (!sale) actions.push(this.assign_picker(c));
    actions.push(
        h("button",
          {class: "client-toggle", onclick: () => this.element.classList.toggle("client-open")},
          t("client.show")));
    const assignee = c.assignee_id === null ?
        t("conv.unassigned") :
        t("conv.assigned_to", {name: this.inbox.user_name(c.assignee_id)});
    // Why the rotation gave it (or took it away), and when: a manager can tell at a glance.
    const how = c.assigned?.automatic ?
        h("span", {class: "assigned-how", title: full_time(c.assigned.at)},
          t("conv.assigned_how", {how: t(`assigned.${c.assigned.reason}`)})) :
        null;
    fill(
        this.header, h("a", {class: "back", href: "#/inbox"}, "← ", t("conv.back")),
        h("div", {class: "who"}, h("h2", {}, c.customer.name),
          h("p", {class: "meta"},
            [
              this.inbox.pages.get(c.page_id), t(`kind.${c.kind}`), assignee,
              c.status === "closed" ? t("conv.closed") : null
            ].filter(Boolean)
                .join(" · "),
            how ? " · " : null, how)),
        h("div", {class: "actions"}, actions));
  }

  // Managers and admin give the conversation to an active sale (online ones first, marked), or
  // to nobody.
  assign_picker(c) {
    const sales = this.inbox.people.filter((u) => u.role === "sale" && u.active !== false);
    const online = (u) => u.presence === "online";
    sales.sort((a, b) => (online(b) - online(a)) || a.name.localeCompare(b.name));
    return h(
        "select", {
          "aria-label": t("conv.assign"),
          onchange: (e) => {
            const value = e.currentTarget.value;
            this.run("conversations.assign", {user_id: value === "" ? null : Number(value)});
          }
        },
        h("option", {value: "", selected: c.assignee_id === null}, t("conv.assign_nobody")),
        sales.map(
            (u) =>
                h("option", {value: u.id, selected: u.id === c.assignee_id},
                  `${online(u) ? "● " : ""}${u.name}`)));
  }

  async run(op, args = {}) {
    fill(this.notice);
    try {
      const answer = await this.client.call(op, {conversation_id: this.id, ...args});
      if (answer.conversation) this.update(answer.conversation);
    } catch (error) {
      fill(this.notice, t("conv.failed", {message: error.message}));
    }
  }

  render_composer() {
    if (!this.conversation) return;
    if (!this.may_reply()) {
      const c = this.conversation;
      fill(
          this.composer,
          h("p", {class: "taken"},
            c.assignee_id === null ?
                t("conv.take_first") :
                t("conv.assigned_to", {name: this.inbox.user_name(c.assignee_id)})));
      return;
    }
    const composer = new Composer(() => this.inbox.quick_replies, async (args) => {
      fill(this.notice);
      try {
        const answer =
            await this.client.call("conversations.send", {conversation_id: this.id, ...args});
        this.add_message(answer.message);
        this.update(answer.conversation);
      } catch (error) {
        fill(this.notice, t("conv.failed", {message: error.message}));
        throw error;
      }
    });
    this.focus_composer = () => composer.focus();
    fill(this.composer, composer.element);
  }

  render_messages(to_bottom) {
    const items = this.messages.map(
        (m) =>
            h("li", {class: `message ${m.direction}`, dataset: {id: m.id}},
              h("p", {class: "text"}, m.text),
              m.attachments.map(
                  (a) => a.type === "image" ?
                      h("a", {href: a.url, target: "_blank", rel: "noopener"},
                        h("img", {src: a.url, alt: a.name || a.type, loading: "lazy"})) :
                      h("a", {href: a.url, target: "_blank", rel: "noopener", class: "file"},
                        a.name || a.url)),
              h("p", {class: "meta"}, m.direction === "out" && m.author_id ? this.author(m) : "",
                m.outside ? t("conv.outside") + " · " : "",
                h("time", {datetime: m.at}, full_time(m.at)),
                m.delivery === "failed" ?
                    h("span", {class: "failed"}, " · ", t("conv.delivery_failed")) :
                    null)));
    const older = this.cursor ?
        h("li", {class: "older"},
          h("button", {class: "link", onclick: () => this.load_older()}, t("conv.older"))) :
        null;
    fill(this.log, older, items.length ? items : h("li", {class: "empty"}, t("conv.no_messages")));
    if (to_bottom) this.log.scrollTop = this.log.scrollHeight;
  }

  author(m) {
    return `${this.inbox.user_name(m.author_id)} · `;
  }

  async load_older() {
    const id = this.id;
    const page = await this.client.call(
        "conversations.messages", {conversation_id: id, before: this.cursor, limit: 50});
    if (id !== this.id) return;
    this.messages = page.items.slice().reverse().concat(this.messages);
    this.cursor = page.next_cursor;
    this.render_messages(false);
  }

  add_message(m) {
    if (this.messages.some((x) => x.id === m.id)) return;
    this.messages.push(m);
    const near_bottom = this.log.scrollTop + this.log.clientHeight > this.log.scrollHeight - 80;
    this.render_messages(near_bottom);
  }

  show_viewers(viewers) {
    const others = viewers.filter((v) => v.user_id !== this.me().id).map((v) => v.name);
    fill(this.viewers, others.length ? t("conv.viewing", {names: others.join(", ")}) : "");
  }

  on_push(frame) {
    if (frame.type === "message")
      this.add_message(frame.data.message);
    else if (frame.type === "conversation")
      this.update(frame.data.conversation);
    else if (frame.type === "viewers")
      this.show_viewers(frame.data.viewers);
    else if (frame.type === "note")
      this.client_block.load();
  }
}
