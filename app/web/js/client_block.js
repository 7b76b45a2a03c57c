// The client block beside a conversation (seeds 002-004): the customer's card (phones,
// address), the conversation's tags (pick or create), the card's notes, the customer's orders
// (expand to lines and sum), linking the conversation to another card found by phone or name,
// and a lead from the conversation.
import {fill, h} from "./dom.js";
import {full_time, money, t} from "./i18n.js";
import {OrderForm} from "./order_form.js";

export class ClientBlock {
  constructor(pane) {
    this.pane = pane;
    this.client = pane.client;
    this.card = null;
    this.orders = [];
    this.notice = h("p", {class: "notice", role: "alert"});
    this.body = h("div", {class: "client-body"});
    this.element = h(
        "aside", {class: "client-block", "aria-label": t("client.title")}, this.notice, this.body);
  }

  async load() {
    const c = this.pane.conversation;
    if (!c) return;
    fill(this.notice);
    try {
      const [got, tags] = await Promise.all([
        this.client.call("customers.get", {customer_id: c.customer.id}),
        this.client.call("tags.list"),
      ]);
      if (this.pane.conversation?.id !== c.id) return;
      this.card = got.customer;
      this.orders = got.orders;
      this.known_tags = tags.items.map((x) => x.name);
      this.render();
    } catch (error) {
      fill(this.notice, t("conv.failed", {message: error.message}));
    }
  }

  render() {
    const c = this.pane.conversation;
    const card = this.card;
    if (!c || !card) return;
    fill(
        this.body,
        h("section", {}, h("h3", {}, card.name),
          card.phones.map((p) => h("p", {}, h("a", {href: `tel:${p}`}, p))),
          card.address ? h("p", {class: "muted"}, card.address) : null, this.link_section(c)),
        h("section", {}, h("h4", {}, t("client.tags")), this.tags_section(c)),
        h("section", {}, h("h4", {}, t("client.notes")), this.notes_section(card)),
        h("section", {}, h("h4", {}, t("client.orders")), this.orders_section(),
          h("button", {class: "new-order", onclick: () => this.new_order()}, t("order.new_order"))),
        h("section", {}, h("button", {onclick: () => this.to_lead()}, t("client.to_lead")), " ",
          h("button", {
            class: "link all-of-customer",
            onclick: () => this.pane.inbox.only_customer(card.id, card.name)
          },
            t("client.all_conversations"))));
  }

  tags_section(c) {
    const list = `tags-${c.id}`;
    const input =
        h("input", {list, placeholder: t("client.add_tag"), "aria-label": t("client.add_tag")});
    const add = (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (name) this.run("conversations.tag", {add: [name]});
    };
    return [
      h("div", {class: "tags"},
        c.tags.map(
            (tag) =>
                h("span", {class: "tag"}, tag, " ",
                  h("button", {
                    class: "link remove",
                    "aria-label": t("client.remove_tag"),
                    onclick: () => this.run("conversations.tag", {remove: [tag]})
                  },
                    "×")))),
      h("form", {onsubmit: add}, input,
        h("datalist", {id: list},
          this.known_tags.filter((x) => !c.tags.includes(x)).map((x) => h("option", {value: x}))))
    ];
  }

  notes_section(card) {
    const text =
        h("textarea", {rows: 2, placeholder: t("client.note"), "aria-label": t("client.note")});
    return [
      card.notes.length ?
          h("ul", {class: "notes"},
            card.notes.slice().reverse().map(
                (n) =>
                    h("li", {}, h("span", {class: "text"}, n.text),
                      h("span", {class: "muted"}, ` ${n.by_name} · ${full_time(n.at)}`)))) :
          h("p", {class: "muted"}, t("leads.no_notes")),
      h("form", {
        onsubmit: (e) => {
          e.preventDefault();
          if (text.value.trim()) this.run("conversations.note", {text: text.value});
        }
      },
        text, h("button", {type: "submit"}, t("leads.add_note")))
    ];
  }

  orders_section() {
    if (!this.orders.length) return h("p", {class: "muted"}, t("client.no_orders"));
    return h("ul", {class: "orders"}, this.orders.slice().reverse().map((o) => {
      const lines =
          h("ul", {class: "lines", hidden: true},
            o.lines.map((l) => h("li", {}, `${l.qty} × ${l.name} `, money(l.total))),
            h("li", {class: "sum"}, t("client.total"), " ", money(o.total)));
      return h(
          "li", {},
          h("button", {
            class: "link",
            "aria-expanded": "false",
            onclick: (e) => {
              lines.hidden = !lines.hidden;
              e.currentTarget.setAttribute("aria-expanded", String(!lines.hidden));
            }
          },
            `${o.number} · ${t(`order.${o.status}`)} · `, money(o.total)),
          lines);
    }));
  }

  // Linking: a phone or a name typed, the cards found offered; unlinking what was linked.
  link_section(c) {
    if (c.linked) {
      return h(
          "button", {class: "link", onclick: () => this.run("conversations.unlink_customer")},
          t("client.unlink"));
    }
    const input =
        h("input", {type: "search", placeholder: t("client.link"), "aria-label": t("client.link")});
    const found = h("ul", {class: "suggestions"});
    let typing = null;
    input.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(async () => {
        const q = input.value.trim();
        if (q.length < 2) return fill(found);
        const answer = await this.client.call("customers.search", {q}).catch(() => ({items: []}));
        fill(
            found,
            answer.items.filter((x) => x.id !== c.customer.id)
                .slice(0, 8)
                .map(
                    (x) =>
                        h("li", {},
                          h("button", {
                            class: "link",
                            onclick: () =>
                                this.run("conversations.link_customer", {customer_id: x.id})
                          },
                            x.name, x.phones.length ? ` · ${x.phones[0]}` : ""))));
      }, 250);
    });
    return h("div", {class: "link-customer"}, input, found);
  }

  // The order form for this conversation, filled with what the card knows.
  new_order() {
    const c = this.pane.conversation;
    const inbox = this.pane.inbox;
    const form = new OrderForm(this.client, inbox.session, {
      origin: {conversation_id: c.id},
      channel: inbox.channels.get(c.page_id),
      defaults: {
        phone: this.card.phones[0] ?? c.phones[0] ?? "",
        name: this.card.name,
        address: this.card.address ?? ""
      },
      done: async (order) => {
        await this.load();
        this.notice.className = "notice ok";
        fill(this.notice, t("order.made", {number: order.number, total: money(order.total)}));
      }
    });
    form.open().catch((error) => fill(this.notice, t("conv.failed", {message: error.message})));
  }

  async to_lead() {
    fill(this.notice);
    try {
      const answer =
          await this.client.call("conversations.to_lead", {conversation_id: this.pane.id});
      fill(this.notice, t("client.lead_made", {name: answer.lead.name}));
      this.notice.className = "notice ok";
    } catch (error) {
      this.notice.className = "notice";
      fill(this.notice, t("conv.failed", {message: error.message}));
    }
  }

  async run(op, args = {}) {
    this.notice.className = "notice";
    fill(this.notice);
    try {
      const answer = await this.client.call(op, {conversation_id: this.pane.id, ...args});
      if (answer.conversation) this.pane.update(answer.conversation);
      await this.load();
    } catch (error) {
      fill(this.notice, t("conv.failed", {message: error.message}));
    }
  }
}
