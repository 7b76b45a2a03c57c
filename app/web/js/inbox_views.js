// The inbox's merged-page views (inbox.views.*): a name for several pages read as one list,
// kept per user. A dialog lists the views with their pages and a delete button, and saves a new
// one (the same name again replaces it).
import {fill, h} from "./dom.js";
import {t} from "./i18n.js";

export class ViewsEditor {
  constructor(inbox) {
    this.inbox = inbox;
    this.client = inbox.client;
    this.dialog = h("dialog", {class: "views-dialog", "aria-label": t("inbox.edit_views")});
    this.dialog.addEventListener("close", () => this.dialog.remove());
  }

  open() {
    this.render();
    document.body.append(this.dialog);
    this.dialog.showModal();
  }

  render() {
    const pages = [...this.inbox.pages];
    const views = this.inbox.views ?? [];
    const page_names = (ids) =>
        ids.map((id) => this.inbox.pages.get(id)).filter(Boolean).join(", ");
    const name = h("input", {name: "name", required: true, maxlength: 100});
    const boxes = pages.map(([id, page]) => [id, h("input", {type: "checkbox", value: id}), page]);
    const error = h("p", {class: "error", role: "alert"});
    const save = async (e) => {
      e.preventDefault();
      const page_ids = boxes.filter(([, box]) => box.checked).map(([id]) => id);
      if (!page_ids.length) return fill(error, t("inbox.view_needs_pages"));
      try {
        await this.client.call("inbox.views.save", {name: name.value.trim(), page_ids});
        await this.reload();
      } catch (failure) {
        fill(error, failure.message);
      }
    };
    const remove = async (view) => {
      try {
        await this.client.call("inbox.views.delete", {name: view.name});
        await this.reload();
      } catch (failure) {
        fill(error, failure.message);
      }
    };
    fill(
        this.dialog, h("h2", {}, t("inbox.views")),
        views.length ?
            h("ul", {class: "views"},
              views.map(
                  (v) => h(
                      "li", {dataset: {view: v.name}}, h("b", {}, v.name),
                      ` · ${page_names(v.page_ids)} `,
                      h("button", {class: "link", onclick: () => remove(v)}, t("admin.remove"))))) :
            h("p", {class: "muted"}, t("inbox.no_views")),
        h("form", {onsubmit: save}, h("h3", {}, t("inbox.new_view")),
          h("label", {class: "field"}, h("span", {}, t("inbox.view_name")), name),
          h("div", {class: "checks"},
            boxes.map(([, box, page]) => h("label", {class: "check"}, box, page))),
          error,
          h("div", {class: "form-end"},
            h("button", {type: "submit", class: "primary"}, t("admin.save")),
            h("button", {type: "button", onclick: () => this.dialog.close()}, t("inbox.done")))));
    name.focus();
  }

  async reload() {
    const answer = await this.client.call("inbox.views.list");
    this.inbox.views_changed(answer.items);
    this.render();
  }
}
