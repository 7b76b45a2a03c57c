// Admin, the catalog (statuses with their "floats" tick, products, combos, order sources,
// warehouses) and the quick replies. Each kind is a table with a form under it: "Edit" puts a
// row into the form, and saving the same code again changes that record (the upserts of
// PROTOCOL.md). Everyone may read the catalog; admin changes it; managers keep quick replies.
import {edit_action, failed, form, section, table} from "./admin_kit.js";
import {fill, h} from "./dom.js";
import {money, t} from "./i18n.js";

const source_channels =
    ["facebook", "instagram", "zalo", "telegram", "api", "pbx", "phone", "web", "offline", "other"];
const code = (label = "admin.catalog.code") => ({name: "code", label, required: true});
const name = {
  name: "name",
  label: "admin.catalog.name",
  required: true
};
const price = {
  name: "price",
  label: "admin.catalog.price",
  type: "money",
  required: true
};

// Each kind: its list and upsert ops, the field naming a record, its columns and its fields
// (fields(lists) when they offer another kind's records).
const kinds = [
  {
    kind: "statuses",
    key: "code",
    help: "admin.catalog.statuses_help",
    columns: [
      {label: "admin.catalog.code", cell: (x) => x.code, class: "code"},
      {label: "admin.catalog.name", cell: (x) => x.name},
      {label: "admin.catalog.floats", cell: (x) => (x.floats ? "✓" : "")},
    ],
    fields: () => [code(), name, {name: "floats", label: "admin.catalog.floats", type: "checkbox"}],
  },
  {
    kind: "products",
    key: "sku",
    columns: [
      {label: "admin.catalog.sku", cell: (x) => x.sku, class: "code"},
      {label: "admin.catalog.name", cell: (x) => x.name},
      {label: "admin.catalog.price", cell: (x) => money(x.price), class: "number"},
    ],
    fields: () => [{name: "sku", label: "admin.catalog.sku", required: true}, name, price],
  },
  {
    kind: "combos",
    key: "code",
    columns: [
      {label: "admin.catalog.code", cell: (x) => x.code, class: "code"},
      {label: "admin.catalog.name", cell: (x) => x.name},
      {label: "admin.catalog.items", cell: (x, lists) => contents(x, lists.products)},
      {label: "admin.catalog.price", cell: (x) => money(x.price), class: "number"},
    ],
    fields: (lists) => [code(), name, price, {
      name: "items",
      label: "admin.catalog.items",
      type: "lines",
      options: lists.products.map((p) => [p.sku, `${p.name} (${p.sku})`])
    }],
  },
  {
    kind: "sources",
    key: "code",
    columns: [
      {label: "admin.catalog.code", cell: (x) => x.code, class: "code"},
      {label: "admin.catalog.name", cell: (x) => x.name},
      {label: "admin.catalog.channel", cell: (x) => t(`channel.${x.channel}`)},
    ],
    fields: () => [code(), name, {
      name: "channel",
      label: "admin.catalog.channel",
      type: "select",
      options: source_channels.map((c) => [c, t(`channel.${c}`)])
    }],
  },
  {
    kind: "warehouses",
    key: "code",
    columns: [
      {label: "admin.catalog.code", cell: (x) => x.code, class: "code"},
      {label: "admin.catalog.name", cell: (x) => x.name},
    ],
    fields: () => [code(), name],
  },
];

// A combo's contents by product names: "2 × Trà sen 100 g, 1 × Ấm trà".
function contents(combo, products) {
  const names = new Map(products.map((p) => [p.sku, p.name]));
  return combo.items.map((i) => `${i.qty} × ${names.get(i.sku) ?? i.sku}`).join(", ");
}

export class Catalog {
  constructor(client, session) {
    this.client = client;
    this.admin = session.me.role === "admin";
    this.element = h("div", {class: "admin-part"});
    this.load();
  }

  async load() {
    try {
      const answers = await Promise.all(kinds.map((k) => this.client.call(`${k.kind}.list`)));
      this.lists = Object.fromEntries(kinds.map((k, i) => [k.kind, answers[i].items]));
      this.render();
    } catch (error) {
      failed(this.element, error);
    }
  }

  render() {
    fill(
        this.element, this.admin ? null : h("p", {class: "muted"}, t("admin.read_only_part")),
        kinds.map((k) => this.part(k)));
  }

  part(k) {
    const editor = this.admin ? form({
      name: `admin.catalog.${k.kind}`,
      fields: k.fields(this.lists),
      submit: "admin.save",
      on_submit: async (v) => {
        await this.client.call(`${k.kind}.upsert`, v);
        this.lists[k.kind] = (await this.client.call(`${k.kind}.list`)).items;
        this.render();
      }
    }) :
                                null;
    const actions = editor ? edit_action((x) => {
      editor.set(x);
      editor.element.querySelector("input, select")?.focus();
    }) :
                             undefined;
    return h(
        "div", {class: "catalog-part", dataset: {kind: k.kind}},
        section(
            `admin.catalog.${k.kind}`, k.help,
            table(
                k.columns, this.lists[k.kind],
                {key: (x) => x[k.key], actions, context: this.lists}),
            editor?.element));
  }
}

// Quick replies: a code typed after "/" in the composer puts its text in (composer.js).
export class QuickReplies {
  constructor(client) {
    this.client = client;
    this.element = h("div", {class: "admin-part"});
    this.load();
  }

  async load() {
    try {
      this.items = (await this.client.call("quick_replies.list")).items;
      this.render();
    } catch (error) {
      failed(this.element, error);
    }
  }

  render() {
    const remove = (x) =>
        h("button", {
          class: "link",
          onclick: async () => {
            await this.client.call("quick_replies.delete", {code: x.code});
            this.load();
          }
        },
          t("admin.remove"));
    const editor = form({
      name: "admin.tab.replies",
      fields: [
        code("admin.reply.code"),
        {name: "text", label: "admin.reply.text", type: "textarea", required: true},
        {name: "tag", label: "admin.reply.tag"}
      ],
      submit: "admin.save",
      on_submit: async (v) => {
        await this.client.call("quick_replies.create", v.tag ? v : {code: v.code, text: v.text});
        this.load();
      }
    });
    fill(
        this.element,
        section(
            "admin.tab.replies", "admin.reply.help",
            table(
                [
                  {label: "admin.reply.code", cell: (x) => `/${x.code}`, class: "code"},
                  {label: "admin.reply.text", cell: (x) => x.text, class: "text"},
                  {label: "admin.reply.tag", cell: (x) => x.tag ?? ""},
                ],
                this.items, {key: (x) => x.code, actions: remove}),
            editor.element));
  }
}
