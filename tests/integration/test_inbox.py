"""The shared inbox over the real server (PROTOCOL.md sections 4 and 6, SPEC.md section 4,
schema/protocol.md "Conversations"): the generic API channel's webhook (signature before
parsing, duplicates, unknown pages, malformed bodies), conversations found in the inbox and
pushed to whoever may see them, messages read back from the journal newest first, take (first
wins), who may reply, close and reopen, marks, counts, and visibility."""

import asyncio
import hashlib
import hmac
import json
import unittest

from harness import CommerceCase

SECRET = "api-signing-key-7f3a"
SALE_PW = "sale-one-password"


def signed(body, secret=SECRET):
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    mac = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Salesdesk-Signature": "sha256=" + mac}


def message(mid, user="psid-1", text="Chào shop", **extra):
    body = {"event": "message", "message_id": mid,
            "customer": {"id": user, "name": "Nguyễn Thị Hoa"}, "text": text}
    body.update(extra)
    return body


class InboxTest(CommerceCase):

    async def floor(self):
        admin = await self.admin()
        page = (await admin.call("pages.connect", {"channel": "api", "external_id": "shop",
                                                   "name": "Tea shop", "secret": SECRET}))["page"]
        users = {}
        ws = {"admin": admin}
        for name in ("lan", "minh"):
            users[name] = await self.create_user(admin, name, "sale", password=SALE_PW)
            ws[name] = (await self.login_ws(name, SALE_PW))[1]
        users["boss"] = await self.create_user(admin, "boss", "manager", password=SALE_PW)
        ws["boss"] = (await self.login_ws("boss", SALE_PW))[1]
        return page, users, ws

    def hook(self, page_id, body, secret=SECRET, headers=None):
        raw, sig = signed(body, secret)
        if headers is not None:
            sig = headers
        return self.server.http("POST", f"/webhooks/api/{page_id}", raw, sig)

    async def deliver(self, page_id, body):
        r = await asyncio.to_thread(self.hook, page_id, body)
        self.assertEqual(r.status, 200, r)
        return r.json()

    async def test_webhook_refusals_change_nothing(self):
        page, _, ws = await self.floor()
        pid = page["id"]
        before = await self.seq()
        cases = [
            ("wrong signature", self.hook(pid, message("m1"), secret="guess"), 401),
            ("no signature", self.hook(pid, message("m1"), headers={}), 401),
            ("unknown page", self.hook(999, message("m1")), 404),
            ("not a page id", self.hook("01", message("m1")), 404),
            ("not JSON", self.server.http("POST", f"/webhooks/api/{pid}",
                                          *signed(b"{not json")), 400),
            ("no customer", self.hook(pid, {"event": "message", "message_id": "m1"}), 400),
            ("unknown event", self.hook(pid, message("m1", event="poke")), 400),
            ("blank message", self.hook(pid, message("m1", text="   ")), 400),
            ("wrong type", self.hook(pid, message("m1", text=42)), 400),
        ]
        for what, r, status in cases:
            self.assertEqual(r.status, status, f"{what}: {r}")
            self.assertIn("error", r.json(), what)
        events = await self.dump("--from", str(before + 1))
        # Only the system messages about the forged signatures: one per page per minute.
        self.assertEqual([e["type"] for e in events], ["SystemMessageRecorded"], events)
        self.assertEqual(events[0]["actor"], 0)
        listed = (await ws["admin"].call("system_messages.list"))["items"]
        self.assertIn("signature", listed[-1]["text"])
        self.assertEqual((await ws["admin"].call("inbox.query"))["items"], [])
        # Disconnected: refused too, and its conversations stay readable.
        conv = (await self.deliver(pid, message("m2")))["conversation_id"]
        await ws["admin"].call("pages.disconnect", {"page_id": pid})
        r = await asyncio.to_thread(self.hook, pid, message("m3"))
        self.assertEqual(r.status, 404, r)
        msgs = await ws["admin"].call("conversations.messages", {"conversation_id": conv})
        self.assertEqual([m["text"] for m in msgs["items"]], ["Chào shop"])

    async def test_a_new_secret_holds_from_the_moment_it_is_saved(self):
        # Deliveries check their signature against a copy of the pages' secrets kept beside
        # the engine; the copy never lets an old secret through, nor refuses the new one.
        page, _, ws = await self.floor()
        pid = page["id"]
        for i in range(3):
            await self.deliver(pid, message(f"before-{i}"))
        for round_ in range(5):
            new = f"rotated-{round_}"
            await ws["admin"].call("pages.update", {"page_id": pid, "secret": new})
            old = SECRET if round_ == 0 else f"rotated-{round_ - 1}"
            before = await self.seq()
            r = await asyncio.to_thread(self.hook, pid, message(f"old-{round_}"), old)
            self.assertEqual(r.status, 401, r)
            refused = [e for e in await self.dump("--from", str(before + 1))
                       if e["type"] != "SystemMessageRecorded"]
            self.assertEqual(refused, [])
            r = await asyncio.to_thread(self.hook, pid, message(f"new-{round_}"), new)
            self.assertEqual(r.status, 200, r)
        await ws["admin"].call("pages.disconnect", {"page_id": pid})
        r = await asyncio.to_thread(self.hook, pid, message("after"), "rotated-4")
        self.assertEqual(r.status, 404, r)
        texts = []
        for item in (await ws["admin"].call("inbox.query"))["items"]:
            got = await ws["admin"].call("conversations.messages",
                                         {"conversation_id": item["id"]})
            texts += [m["text"] for m in got["items"]]
        self.assertEqual(len(texts), 3 + 5)

    async def test_a_conversation_from_first_message_to_close(self):
        page, users, ws = await self.floor()
        lan, minh, boss = ws["lan"], ws["minh"], ws["boss"]
        for c in (lan, minh):
            await c.call("subscribe", {"topics": ["inbox"]})
        first = await self.deliver(page["id"], message("m1", text="Còn trà xanh không ạ?"))
        cid = first["conversation_id"]
        pushed = await minh.wait_push(
            lambda p: p["push"] == "inbox" and p["type"] == "conversation", 5)
        self.assertIsNotNone(pushed, "the new conversation was not pushed to the inbox")
        summary = pushed["data"]["conversation"]
        self.assertEqual(summary["id"], cid)
        self.assertEqual(summary["customer"]["name"], "Nguyễn Thị Hoa")
        self.assertTrue(summary["unread"] and summary["unanswered"])
        self.assertIsNone(summary["assignee_id"])
        # The same delivery again: the same conversation, nothing appended.
        before = await self.seq()
        again = await self.deliver(page["id"], message("m1", text="Còn trà xanh không ạ?"))
        self.assertEqual(again, {"ok": True, "duplicate": True, "conversation_id": cid})
        self.assertEqual(await self.seq(), before)

        listed = (await lan.call("inbox.query"))["items"]
        self.assertEqual([c["id"] for c in listed], [cid])
        await self.rejected(lan, "conversations.send", {"conversation_id": cid, "text": "Dạ"},
                            "not_assignee")
        await lan.call("conversations.take", {"conversation_id": cid})
        await self.rejected(minh, "conversations.take", {"conversation_id": cid},
                            "already_assigned")
        await self.rejected(minh, "conversations.send", {"conversation_id": cid, "text": "Dạ"},
                            "not_assignee")
        await minh.call("subscribe", {"topics": [f"conversation:{cid}"]})
        start = len(minh.pushes)
        sent = await lan.call("conversations.send",
                              {"conversation_id": cid, "text": "Dạ còn ạ 🍵"})
        self.assertEqual(sent["message"]["direction"], "out")
        self.assertEqual(sent["message"]["author_id"], users["lan"]["id"])
        self.assertFalse(sent["conversation"]["unanswered"])
        pushed = await minh.wait_push(lambda p: p["type"] == "message", 5, start)
        self.assertEqual(pushed["data"]["message"]["text"], "Dạ còn ạ 🍵")

        msgs = await lan.call("conversations.messages", {"conversation_id": cid, "limit": 1})
        self.assertEqual([m["text"] for m in msgs["items"]], ["Dạ còn ạ 🍵"])
        older = await lan.call("conversations.messages",
                               {"conversation_id": cid, "before": msgs["next_cursor"]})
        self.assertEqual([(m["direction"], m["text"]) for m in older["items"]],
                         [("in", "Còn trà xanh không ạ?")])
        self.assertIsNone(older["next_cursor"])

        await lan.call("conversations.mark", {"conversation_id": cid, "processed": True})
        closed = await lan.call("conversations.close", {"conversation_id": cid})
        self.assertEqual(closed["conversation"]["status"], "closed")
        self.assertEqual((await lan.call("inbox.counts"))["all"], 0)
        await self.deliver(page["id"], message("m2", text="Em muốn đặt 2 hộp, sdt 0912 345 678"))
        now = (await lan.call("conversations.get", {"conversation_id": cid}))["conversation"]
        self.assertEqual(now["status"], "open")
        self.assertFalse(now["processed"])
        self.assertTrue(now["has_phone"])
        self.assertEqual(now["phones"], ["0912345678"])
        counts = await lan.call("inbox.counts")
        self.assertEqual((counts["mine"], counts["all"], counts["unassigned"]), (1, 1, 0))
        self.assertEqual(counts["unread_by_page"], {str(page["id"]): 1})
        found = (await boss.call("inbox.query", {"filters": {"q": "0912345678"}}))["items"]
        self.assertEqual([c["id"] for c in found], [cid])
        # A manager takes it away: lan may no longer reply.
        await boss.call("conversations.assign", {"conversation_id": cid,
                                                 "user_id": users["minh"]["id"]})
        await self.rejected(lan, "conversations.send", {"conversation_id": cid, "text": "x"},
                            "not_assignee")
        await minh.call("conversations.send", {"conversation_id": cid, "text": "Dạ em ghi đơn"})

    async def test_visibility_assigned_only(self):
        page, users, ws = await self.floor()
        lan, minh = ws["lan"], ws["minh"]
        cid = (await self.deliver(page["id"], message("m1")))["conversation_id"]
        other = (await self.deliver(page["id"], message("m2", user="psid-2")))["conversation_id"]
        await lan.call("conversations.take", {"conversation_id": cid})
        await ws["admin"].call("settings.update", {"patch": {"inbox.visibility": "assigned_only"}})
        await minh.call("subscribe", {"topics": ["inbox", f"conversation:{cid}"]})
        self.assertEqual((await minh.call("inbox.query"))["items"], [])
        self.assertEqual([c["id"] for c in (await lan.call("inbox.query"))["items"]], [cid])
        await self.rejected(minh, "conversations.messages", {"conversation_id": cid}, "forbidden")
        await self.rejected(minh, "conversations.take", {"conversation_id": other}, "forbidden")
        start = len(minh.pushes)
        await self.deliver(page["id"], message("m3", text="still there?"))
        await minh.fence()
        self.assertEqual([p for p in minh.pushes[start:] if "conversation" in p["push"]
                          or p["type"] in ("conversation", "message")], [],
                         "a conversation minh may not see was pushed to minh")
        self.assertEqual((await minh.call("inbox.counts"))["all"], 0)
        all_of_boss = (await ws["boss"].call("inbox.query"))["items"]
        self.assertEqual(len(all_of_boss), 2)

    async def test_bad_requests_are_refused_and_change_nothing(self):
        page, _, ws = await self.floor()
        lan = ws["lan"]
        cid = (await self.deliver(page["id"], message("m1")))["conversation_id"]
        await lan.call("conversations.take", {"conversation_id": cid})
        for args, needle in (({"filters": {"colour": "red"}}, "colour"),
                             ({"filters": {"status": "gone"}}, "status"),
                             ({"filters": {"kind": "fax"}}, "kind"),
                             ({"sort": "random"}, "sort"),
                             ({"cursor": "12"}, "cursor"),
                             ({"cursor": "0.1"}, "cursor"),
                             ({"limit": 0}, "limit")):
            err = await lan.error("inbox.query", args)
            self.assertEqual(err["code"], "bad_request", (args, err))
            self.assertIn(needle, err["message"], (args, err))
        await self.rejected(lan, "conversations.messages", {"conversation_id": 999}, "not_found")
        await self.rejected(lan, "conversations.messages",
                            {"conversation_id": cid, "before": "x"}, "bad_request", "before")
        await self.rejected(lan, "conversations.send", {"conversation_id": cid, "text": " "},
                            "bad_request")
        await self.rejected(lan, "conversations.send", {
            "conversation_id": cid, "attachments": [{"type": "exe", "url": "https://x/a"}]},
            "bad_request", "type")
        await self.rejected(lan, "conversations.send", {
            "conversation_id": cid, "attachments": [{"type": "image", "url": "file:///etc"}]},
            "bad_request", "url")
        await self.rejected(lan, "conversations.mark", {"conversation_id": cid}, "bad_request")
        await self.rejected(ws["boss"], "conversations.assign",
                            {"conversation_id": cid, "user_id": 999}, "not_found")
        await self.rejected(lan, "subscribe", {"topics": ["conversation:01"]}, "bad_request")

    async def test_working_a_conversation_tags_quick_replies_notes_link_lead_order(self):
        page, users, ws = await self.floor()
        admin, lan, minh, boss = ws["admin"], ws["lan"], ws["minh"], ws["boss"]
        pid = page["id"]
        cid = (await self.deliver(pid, message("m1", text="Chào shop")))["conversation_id"]
        for w in (lan, minh, boss):
            await w.call("subscribe", {"topics": ["inbox", f"conversation:{cid}"]})
        await lan.call("conversations.take", {"conversation_id": cid})

        # A tag typed anew joins the catalog and shows on the summary pushed to the others.
        start = len(minh.pushes)
        tagged = await lan.call("conversations.tag", {"conversation_id": cid,
                                                      "add": ["Khách VIP", "hỏi giá"]})
        self.assertEqual(tagged["conversation"]["tags"], ["Khách VIP", "hỏi giá"])
        await minh.wait_push(lambda p: p.get("push") == "inbox"
                             and p.get("type") == "conversation"
                             and p["data"]["conversation"]["tags"] == ["Khách VIP", "hỏi giá"],
                             5, start)
        await self.rejected(minh, "conversations.tag", {"conversation_id": cid, "add": ["x"]},
                            "not_assignee")
        await self.rejected(lan, "conversations.tag", {"conversation_id": cid, "add": ["a"],
                                                       "remove": ["A"]}, "bad_request", "both")
        await self.rejected(lan, "conversations.tag", {"conversation_id": cid, "add": "VIP"},
                            "bad_request", "add")
        found = await boss.call("inbox.query", {"filters": {"tags": ["khach vip"]}})
        self.assertEqual([c["id"] for c in found["items"]], [cid])
        none = await boss.call("inbox.query", {"filters": {"tags": ["never used"]}})
        self.assertEqual(none["items"], [])
        # Taken off its only conversation, the tag leaves the catalog.
        await lan.call("conversations.tag", {"conversation_id": cid, "remove": ["HỎI GIÁ"]})
        self.assertEqual((await minh.call("tags.list"))["items"],
                         [{"name": "Khách VIP", "conversations": 1}])

        # A quick reply: saved by a manager (pushed), sent by its code, its tag put on.
        start = len(lan.pushes)
        await self.rejected(lan, "quick_replies.create", {"code": "ship", "text": "x"},
                            "forbidden")
        await boss.call("quick_replies.create", {"code": "Ship", "text": "Phí ship 30k ạ",
                                                 "tag": "hỏi ship"})
        pushed = await lan.wait_push(lambda p: p.get("type") == "quick_reply", 5, start)
        self.assertEqual(pushed["data"]["quick_reply"],
                         {"code": "ship", "text": "Phí ship 30k ạ", "tag": "hỏi ship"})
        sent = await lan.call("conversations.send", {"conversation_id": cid,
                                                     "quick_reply": "SHIP"})
        self.assertEqual(sent["message"]["text"], "Phí ship 30k ạ")
        got = await lan.call("conversations.get", {"conversation_id": cid})
        self.assertEqual(got["conversation"]["tags"], ["Khách VIP", "hỏi ship"])
        await self.rejected(lan, "conversations.send", {"conversation_id": cid,
                                                        "quick_reply": "nope"}, "not_found")

        # A note from the chat is on the customer's card, pushed to who has the chat open.
        start = len(minh.pushes)
        noted = await minh.call("conversations.note", {"conversation_id": cid,
                                                       "text": "khách quen, hỏi giá sỉ"})
        pushed = await minh.wait_push(lambda p: p.get("type") == "note", 5, start)
        self.assertEqual(pushed["data"]["note"]["text"], "khách quen, hỏi giá sỉ")
        card = await admin.call("customers.get", {"customer_id": noted["customer_id"]})
        self.assertEqual(card["customer"]["notes"][-1]["text"], "khách quen, hỏi giá sỉ")

        # No lead without a phone; link to a card with one, then a lead and an order.
        await self.rejected(lan, "conversations.to_lead", {"conversation_id": cid},
                            "bad_request", "phone")
        hoa = (await admin.call("customers.create", {"name": "Hoa Trần",
                                                     "phones": ["0977000111"],
                                                     "address": "12 Hàng Bạc"}))["customer"]
        await self.rejected(minh, "conversations.link_customer",
                            {"conversation_id": cid, "customer_id": hoa["id"]}, "not_assignee")
        await self.rejected(lan, "conversations.link_customer",
                            {"conversation_id": cid, "customer_id": 999}, "not_found")
        linked = await lan.call("conversations.link_customer",
                                {"conversation_id": cid, "customer_id": hoa["id"]})
        self.assertTrue(linked["conversation"]["linked"])
        self.assertEqual(linked["conversation"]["customer"]["id"], hoa["id"])
        card = await admin.call("customers.get", {"customer_id": hoa["id"]})
        self.assertEqual(card["customer"]["responsible_id"], users["lan"]["id"])
        # The card renamed: the inbox row of its conversation follows, on every open inbox.
        start = len(minh.pushes)
        await admin.call("customers.update", {"customer_id": hoa["id"], "name": "Chị Hoa Trần"})
        renamed = await minh.wait_push(lambda p: p.get("push") == "inbox"
                                       and p.get("type") == "conversation", 5, start)
        self.assertEqual(renamed["data"]["conversation"]["customer"],
                         {"id": hoa["id"], "name": "Chị Hoa Trần"})
        await admin.call("customers.update", {"customer_id": hoa["id"], "name": "Hoa Trần"})
        lead = (await lan.call("conversations.to_lead", {"conversation_id": cid}))["lead"]
        self.assertEqual((lead["phone"], lead["name"], lead["owner_id"]),
                         ("0977000111", "Hoa Trần", users["lan"]["id"]))
        again = (await lan.call("conversations.to_lead", {"conversation_id": cid}))["lead"]
        self.assertEqual(again["id"], lead["id"])
        await admin.call("products.upsert", {"sku": "TEA", "name": "Trà", "price": 50000})
        order = (await lan.call("orders.create", {"conversation_id": cid,
                                                  "items": [{"sku": "TEA", "qty": 2}]}))["order"]
        self.assertEqual((order["customer_id"], order["phone"], order["total"]),
                         (hoa["id"], "0977000111", 100000))
        # Handed to another sale: the lead stays the first sale's.
        await boss.call("conversations.assign", {"conversation_id": cid,
                                                 "user_id": users["minh"]["id"]})
        await self.rejected(minh, "conversations.to_lead", {"conversation_id": cid},
                            "conflict", "lead")
        unlinked = await minh.call("conversations.unlink_customer", {"conversation_id": cid})
        self.assertFalse(unlinked["conversation"]["linked"])
        self.assertNotEqual(unlinked["conversation"]["customer"]["id"], hoa["id"])

    async def test_who_is_viewing_a_conversation(self):
        page, users, ws = await self.floor()
        lan, minh, boss = ws["lan"], ws["minh"], ws["boss"]
        cid = (await self.deliver(page["id"], message("m1")))["conversation_id"]
        topic = f"conversation:{cid}"
        for w in (lan, minh, boss):
            await w.call("subscribe", {"topics": [topic]})

        def viewers_push(p):
            return p.get("push") == topic and p.get("type") == "viewers"

        def names(viewers):
            return sorted(v["name"] for v in viewers)

        start = len(lan.pushes)
        opened = await minh.call("conversations.viewing", {"conversation_id": cid,
                                                           "viewing": True})
        self.assertEqual(names(opened["viewers"]), ["Minh"])
        pushed = await lan.wait_push(viewers_push, 5, start)
        self.assertEqual(pushed["data"]["viewers"],
                         [{"user_id": users["minh"]["id"], "name": "Minh"}])
        # A second tab of the same user is still one viewer.
        _, minh_tab = await self.login_ws("minh", SALE_PW)
        await minh_tab.call("conversations.viewing", {"conversation_id": cid, "viewing": True})
        both = await boss.call("conversations.viewing", {"conversation_id": cid,
                                                         "viewing": True})
        self.assertEqual(names(both["viewers"]), ["Boss", "Minh"])
        # Closing one tab leaves minh viewing; closing the other ends it, and the others hear.
        await self.close_and_wait(minh_tab)
        await lan.fence()
        self.assertEqual(names(lan.pushes[-1]["data"]["viewers"]), ["Boss", "Minh"])
        start = len(lan.pushes)
        await self.close_and_wait(minh)
        pushed = await lan.wait_push(viewers_push, 5, start)
        self.assertEqual(names(pushed["data"]["viewers"]), ["Boss"])
        start = len(lan.pushes)
        left = await boss.call("conversations.viewing", {"conversation_id": cid,
                                                         "viewing": False})
        self.assertEqual(left["viewers"], [])
        pushed = await lan.wait_push(viewers_push, 5, start)
        self.assertEqual(pushed["data"]["viewers"], [])
        # Nothing of it is journaled; one who may not see the conversation may not view it,
        # and hears nothing of who does.
        before = await self.seq()
        await ws["admin"].call("settings.update", {"patch": {"inbox.visibility": "assigned_only"}})
        await boss.call("conversations.assign", {"conversation_id": cid,
                                                 "user_id": users["minh"]["id"]})
        await self.rejected(lan, "conversations.viewing", {"conversation_id": cid,
                                                           "viewing": True}, "forbidden")
        start = len(lan.pushes)
        await boss.call("conversations.viewing", {"conversation_id": cid, "viewing": True})
        await lan.fence()
        self.assertFalse(any(viewers_push(p) for p in lan.pushes[start:]))
        events = await self.dump("--from", str(before + 1))
        self.assertEqual([e["type"] for e in events], ["SettingsChanged", "ConversationAssigned"])
        await self.rejected(boss, "conversations.viewing", {"conversation_id": cid},
                            "bad_request", "viewing")

    async def test_a_phone_left_in_a_chat_makes_one_draft_order(self):
        page, users, ws = await self.floor()
        admin, lan, minh = ws["admin"], ws["lan"], ws["minh"]
        pid = page["id"]
        await admin.call("subscribe", {"topics": ["me"]})
        await admin.call("settings.update", {"patch": {"orders.auto_draft": True}})
        await admin.call("sources.upsert", {"code": "web", "name": "Web", "channel": "api"})
        await admin.call("products.upsert", {"sku": "TEA", "name": "Trà", "price": 50000})
        # No warehouse yet: a system message, and no order.
        await self.deliver(pid, message("m1", user="psid-1", text="sđt em 0912 345 678"))
        pushed = await admin.wait_push(lambda p: p["type"] == "system_message", 10)
        self.assertIn("no warehouse", pushed["data"]["message"]["text"])
        self.assertEqual((await admin.call("orders.list"))["items"], [])

        await admin.call("warehouses.upsert", {"code": "HN", "name": "Hà Nội"})
        cid = (await self.deliver(pid, message("n1", user="psid-2", text="chào shop")))[
            "conversation_id"]
        await lan.call("conversations.take", {"conversation_id": cid})
        await lan.call("subscribe", {"topics": ["orders"]})
        await self.deliver(pid, message("n2", user="psid-2", text="ship cho em 0987.654.321"))
        await self.deliver(pid, message("n3", user="psid-2", text="hoặc 0977 111 222"))
        created = await lan.wait_push(
            lambda p: p.get("push") == "orders" and p["type"] == "created", 10)
        draft = created["data"]["order"]
        self.assertEqual((draft["status"], draft["phone"], draft["name"], draft["warehouse"],
                          draft["source"], draft["created_by"], draft["conversation_id"],
                          draft["lines"]),
                         ("draft", "0987654321", "Nguyễn Thị Hoa", "HN", "web", None, cid, []))
        listed = (await admin.call("orders.list", {"filters": {"status": "draft"}}))["items"]
        self.assertEqual([o["id"] for o in listed], [draft["id"]])  # one, not one per message
        await self.rejected(minh, "orders.get", {"order_id": draft["id"]}, "not_found")
        await self.rejected(lan, "orders.set_status", {"order_id": draft["id"], "status": "new"},
                            "bad_request", "no lines")

        done = await lan.call("orders.update", {"order_id": draft["id"], "address": "Huế",
                                                "items": [{"sku": "TEA", "qty": 2}]})
        self.assertEqual(done["order"]["total"], 2 * 50000)
        updated = await lan.wait_push(
            lambda p: p.get("push") == "orders" and p["type"] == "updated", 10)
        self.assertEqual(updated["data"]["order"]["address"], "Huế")
        await lan.call("orders.set_status", {"order_id": draft["id"], "status": "new"})

        # The conversation's trail shows who took it and the order made from it, by name.
        out = await asyncio.to_thread(self.server.journal, "trail", "--conversation", str(cid))
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = [json.loads(line) for line in out.stdout.splitlines()]
        self.assertEqual([r["type"] for r in rows if r["type"] != "MessageReceived"],
                         ["ConversationStarted", "ConversationAssigned", "OrderCreated",
                          "OrderUpdated", "OrderStatusChanged"])
        started, taken = rows[0], rows[2]
        self.assertEqual((started["payload"]["page_name"], started["payload"]["kind"]),
                         ("Tea shop", "message"))
        self.assertEqual((taken["payload"]["assignee_name"], taken["payload"]["previous_name"]),
                         ("lan", "nobody"))
        # And replay shows the inbox as it stood.
        out = await asyncio.to_thread(self.server.journal, "replay")
        inbox = json.loads(out.stdout)["inbox"]
        self.assertEqual((inbox["conversations"], inbox["open"], inbox["unassigned"]), (2, 2, 1))
        self.assertEqual([(r["username"], r["open"]) for r in inbox["by_assignee"]], [("lan", 1)])
        self.assertEqual([w["conversation_id"] for w in inbox["waiting"]], [1, cid])

    async def test_q_finds_message_text_the_caller_may_see(self):
        page, users, ws = await self.floor()
        admin, lan, minh = ws["admin"], ws["lan"], ws["minh"]
        pid = page["id"]

        def who(user, name):
            return {"customer": {"id": user, "name": name}}

        c1 = (await self.deliver(pid, message("m1", text="Giao hàng tận nơi không shop?",
                                              **who("u1", "Trần Văn Nam"))))["conversation_id"]
        c2 = (await self.deliver(pid, message("m2", text="Доставка до Києва є?",
                                              **who("u2", "Олена"))))["conversation_id"]
        c3 = (await self.deliver(pid, message("m3", text="hoa hồng đỏ còn không?",
                                              **who("u3", "Hoa"))))["conversation_id"]
        await lan.call("conversations.take", {"conversation_id": c3})
        await lan.call("conversations.send", {"conversation_id": c3,
                                              "text": "Dạ shop ship COD toàn quốc ạ"})

        async def found(client, q, **extra):
            r = await client.call("inbox.query", {"filters": {"q": q, **extra}})
            return [c["id"] for c in r["items"]]

        self.assertEqual(await found(admin, "giao hang"), [c1])
        self.assertEqual(await found(admin, "GIAO HÀNG tận"), [c1])
        self.assertEqual(await found(admin, "ДОСТАВКА києва"), [c2])
        self.assertEqual(await found(admin, "cod"), [c3])  # the sale's reply counts too
        self.assertEqual(await found(admin, "hoa"), [c3])  # by name and by text: once
        self.assertEqual(await found(admin, "giao xyz"), [])
        self.assertEqual(await found(admin, "giao h"), [c1])  # a one-letter word is left out
        self.assertEqual(await found(admin, "giao", status="closed"), [])

        await admin.call("settings.update", {"patch": {"inbox.visibility": "assigned_only"}})
        self.assertEqual(await found(minh, "giao"), [])
        await admin.call("conversations.assign", {"conversation_id": c1,
                                                  "user_id": users["minh"]["id"]})
        self.assertEqual(await found(minh, "giao"), [c1])
        self.assertEqual(await found(lan, "giao"), [])

        await asyncio.to_thread(self.server.restart)
        admin = await self.admin()
        self.assertEqual(await found(admin, "tan noi"), [c1])

    async def test_survives_a_restart(self):
        page, _, ws = await self.floor()
        cid = (await self.deliver(page["id"], message("m1")))["conversation_id"]
        await self.deliver(page["id"], message("m2", text="second"))
        await asyncio.to_thread(self.server.restart)
        again = await self.deliver(page["id"], message("m2", text="second"))
        self.assertTrue(again.get("duplicate"), again)
        admin = await self.admin()
        msgs = await admin.call("conversations.messages", {"conversation_id": cid})
        self.assertEqual([m["text"] for m in msgs["items"]], ["second", "Chào shop"])
        listed = (await admin.call("inbox.query", {"filters": {"unanswered": True}}))["items"]
        self.assertEqual([c["id"] for c in listed], [cid])


if __name__ == "__main__":
    unittest.main()
