// The composer: Enter sends, Shift+Enter starts a new line, and "/" at the start opens the quick
// replies filtered by the code typed after it (arrows move, Enter or Tab picks, Escape closes).
// A picked reply's text is put in for editing; it is sent with its code, so its tag goes on.
// The emoji button puts one at the caret. A file (picked, dropped or pasted) waits for a
// confirmation showing what it is, then is uploaded and sent with the text in the box.
import {fill, h, icon} from "./dom.js";
import {t} from "./i18n.js";

// The emoji a shop's replies use most: greetings, thanks, gifts, delivery, money.
const emoji =
    ("😊 😍 🥰 😘 😂 🤗 🙏 👍 👌 👋 ❤️ 💕 🌸 🌷 🎁 🎉 " +
     "🔥 ⭐ ✅ ❗ 📦 🚚 💰 💯 ☕ 🍵 🍯 📞 ⏰ 😢 😅 🤔")
        .split(" ");
const upload_bytes_max = 25 * 1024 * 1024;

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
    this.emoji_menu = h(
        "div", {class: "emoji-menu", role: "menu", hidden: true},
        emoji.map(
            (e) => h("button", {type: "button", role: "menuitem", onclick: () => this.put(e)}, e)));
    this.file_input = h("input", {
      type: "file",
      hidden: true,
      onchange: (e) => {
        if (e.currentTarget.files[0]) this.confirm_file(e.currentTarget.files[0]);
        e.currentTarget.value = "";
      }
    });
    this.pending = h("div", {class: "pending-file", hidden: true});
    const tool = (name, label, onclick) =>
        h("button", {
          type: "button",
          class: `icon tool ${name}`,
          "aria-label": t(label),
          title: t(label),
          onclick
        },
          icon(name));
    this.element =
        h("div", {class: "composer-box"}, this.pending,
          h("div", {class: "composer"}, this.menu, this.emoji_menu,
            h("div", {class: "tools"}, tool("smile", "conv.emoji", () => this.toggle_emoji()),
              tool("clip", "conv.attach", () => this.file_input.click())),
            this.text, this.file_input,
            h("button", {class: "primary", onclick: () => this.send()}, t("conv.send"))));
    // The emoji menu closes when the focus leaves it, or with Escape.
    this.emoji_menu.addEventListener("focusout", (e) => {
      // (to its own button, the button's click toggles it)
      const to = e.relatedTarget;
      if (!this.emoji_menu.contains(to) && !to?.closest?.(".tool.smile")) {
        this.emoji_menu.hidden = true;
      }
    });
    this.emoji_menu.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      this.emoji_menu.hidden = true;
      this.text.focus();
    });
    this.text.addEventListener("input", () => this.update_menu());
    this.text.addEventListener("keydown", (e) => this.key(e));
    this.text.addEventListener("paste", (e) => {
      const file = [...(e.clipboardData?.files ?? [])][0];
      if (file) {
        e.preventDefault();
        this.confirm_file(file);
      }
    });
    this.element.addEventListener("dragover", (e) => e.preventDefault());
    this.element.addEventListener("drop", (e) => {
      const file = e.dataTransfer?.files?.[0];
      if (!file) return;
      e.preventDefault();
      this.confirm_file(file);
    });
  }

  // ---- emoji ----
  toggle_emoji() {
    this.emoji_menu.hidden = !this.emoji_menu.hidden;
    if (!this.emoji_menu.hidden) this.emoji_menu.querySelector("button").focus();
  }

  // Puts a text at the caret (replacing a selection), and goes back to typing.
  put(text) {
    const box = this.text;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? start;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
    this.emoji_menu.hidden = true;
    box.focus();
  }

  // ---- a file ----
  // What is about to go: the picture itself or the file's name, its size, and two buttons.
  confirm_file(file) {
    this.file = file;
    const too_big = file.size > upload_bytes_max;
    const preview = h("span", {class: "preview"}, icon("clip"));
    if (file.type.startsWith("image/") && !too_big) {
      const reader = new FileReader();
      reader.onload = () => fill(preview, h("img", {src: reader.result, alt: file.name}));
      reader.readAsDataURL(file);
    }
    this.pending.hidden = false;
    fill(
        this.pending, preview,
        h("span", {class: "what"}, h("b", {}, file.name),
          h("span", {class: "muted"}, ` · ${size(file.size)}`),
          too_big ? h("span", {class: "bad"}, ` · ${t("conv.file_too_big")}`) : null,
          h("span", {class: "muted"}, t("conv.file_with_text"))),
        h("button", {class: "primary", disabled: too_big, onclick: () => this.send()},
          t("conv.send_file")),
        h("button", {onclick: () => this.drop_file()}, t("order.cancel")));
    if (!too_big) this.pending.querySelector("button.primary").focus();
  }

  drop_file() {
    this.file = null;
    this.pending.hidden = true;
    fill(this.pending);
    this.text.focus();
  }

  // The file's bytes to POST /api/files; its attachment for conversations.send.
  async upload(file) {
    const response = await fetch(`/api/files?name=${encodeURIComponent(file.name)}`, {
      method: "POST",
      body: file,
      headers: {"Content-Type": file.type || "application/octet-stream"}
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw body.error ?? {message: `HTTP ${response.status}`};
    return {type: body.file.kind, url: body.file.url, name: body.file.name};
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
    const file = this.file;
    if (!text.trim() && !file) return;
    this.text.disabled = true;
    for (const b of this.pending.querySelectorAll("button")) b.disabled = true;
    try {
      const args = {};
      if (text.trim()) args.text = text;
      if (this.picked) args.quick_reply = this.picked;
      if (file) args.attachments = [await this.upload(file)];
      await this.send_to(args);
      this.text.value = "";
      this.picked = null;
      if (file) this.drop_file();
    } catch (error) {
      if (file && !this.pending.hidden) {
        for (const b of this.pending.querySelectorAll("button")) b.disabled = false;
        this.pending.querySelector(".what").append(
            h("span", {class: "bad"}, ` · ${error.message}`));
      }
    } finally {
      this.text.disabled = false;
      this.text.focus();
    }
  }
}

// A size as people read it: "820 B", "45 KB", "3.2 MB".
function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
