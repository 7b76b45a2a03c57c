// The composer: Enter sends, Shift+Enter starts a new line, and "/" at the start opens the quick
// replies filtered by the code typed after it (arrows move, Enter or Tab picks, Escape closes).
// A picked reply's text is put in for editing; it is sent with its code, so its tag goes on.
import {fill, h} from "./dom.js";
import {t} from "./i18n.js";

export class Composer {
  // send({text, quick_reply}) resolves when sent (the text is then cleared) or throws.
  constructor(quick_replies, send) {
    this.quick_replies = quick_replies;  // () => [{code, text, tag}]
    this.send_to = send;
    this.picked = null;  // the code of the quick reply in the text
    this.choices = [];
    this.active = 0;
    this.text = h("textarea", {
      rows: 2,
      placeholder: t("conv.composer"),
      "aria-label": t("conv.composer"),
      "aria-autocomplete": "list"
    });
    this.menu = h("ul", {class: "quick-replies", role: "listbox", hidden: true});
    this.element =
        h("div", {class: "composer"}, this.menu, this.text,
          h("button", {class: "primary", onclick: () => this.send()}, t("conv.send")));
    this.text.addEventListener("input", () => this.update_menu());
    this.text.addEventListener("keydown", (e) => this.key(e));
  }

  focus() {
    this.text.focus();
  }

  key(e) {
    if (!this.menu.hidden) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = this.choices.length;
        this.active = (this.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
        return this.render_menu();
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        return this.pick(this.choices[this.active]);
      }
      if (e.key === "Escape") {
        e.preventDefault();
        this.menu.hidden = true;
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.send();
    }
  }

  // "/code" alone in the box: the replies whose code starts with what was typed.
  update_menu() {
    const typed = this.text.value.match(/^\/(\S*)$/);
    if (!typed) {
      this.menu.hidden = true;
      if (this.picked && !this.text.value.trim()) this.picked = null;
      return;
    }
    const start = typed[1].toLowerCase();
    this.choices = this.quick_replies().filter((r) => r.code.startsWith(start)).slice(0, 8);
    this.active = 0;
    this.render_menu();
  }

  render_menu() {
    this.menu.hidden = !this.choices.length;
    fill(
        this.menu,
        this.choices.map(
            (r, i) =>
                h("li", {
                  role: "option",
                  class: i === this.active ? "active" : "",
                  "aria-selected": String(i === this.active),
                  onmousedown: (e) => {
                    e.preventDefault();
                    this.pick(r);
                  }
                },
                  h("b", {}, `/${r.code}`), " ", r.text)));
  }

  pick(reply) {
    if (!reply) return;
    this.picked = reply.code;
    this.text.value = reply.text;
    this.menu.hidden = true;
    this.text.focus();
  }

  async send() {
    const text = this.text.value;
    if (!text.trim()) return;
    this.text.disabled = true;
    try {
      const args = {text};
      if (this.picked) args.quick_reply = this.picked;
      await this.send_to(args);
      this.text.value = "";
      this.picked = null;
    } finally {
      this.text.disabled = false;
      this.text.focus();
    }
  }
}
