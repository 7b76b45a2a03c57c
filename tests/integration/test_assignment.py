"""Automatic assignment over the real server (SPEC.md section 4 "Assignment", schema/protocol.md
"Automatic assignment"): conversations given in turn to online sales as customers write through
the webhook, comments and live videos, reassignment when a sale has logged out, the sweep when a
sale comes online, capacity, the reply timeout on the test clock, rotation off, races between
take and the rotation, a restart mid-rotation, and the reason in the summary and the trail."""

import asyncio
import json
import unittest

from harness import CommerceCase
from test_inbox import SECRET, message, signed

PW = "sale-floor-password"


class AssignmentTest(CommerceCase):
    per_test = True

    async def floor(self, names=("lan", "minh", "olga"), **settings):
        admin = await self.admin()
        page = (await admin.call("pages.connect", {"channel": "api", "external_id": "shop",
                                                   "name": "Live shop", "secret": SECRET}))["page"]
        users, ws, tokens = {}, {}, {}
        for name in names:
            users[name] = await self.create_user(admin, name, "sale", password=PW)
            tokens[name], ws[name] = await self.login_ws(name, PW)
            await ws[name].call("subscribe", {"topics": ["inbox"]})
        patch = {"inbox.auto_assign": True}
        patch.update({f"inbox.{k}": v for k, v in settings.items()})
        await admin.call("settings.update", {"patch": patch})
        self.page_id = page["id"]
        return admin, users, ws, tokens

    async def deliver(self, body):
        raw, sig = signed(body)
        r = await asyncio.to_thread(self.server.http, "POST", f"/webhooks/api/{self.page_id}",
                                    raw, sig)
        self.assertEqual(r.status, 200, r)
        return r.json()["conversation_id"]

    async def summary(self, ws, cid):
        return (await ws.call("conversations.get", {"conversation_id": cid}))["conversation"]

    async def assigned_events(self, cid):
        trail = await asyncio.to_thread(self.server.journal, "trail", "--conversation", str(cid))
        self.assertEqual(trail.returncode, 0, trail.stderr)
        rows = [json.loads(line) for line in trail.stdout.splitlines() if line.strip()]
        return [r for r in rows if r["type"] == "ConversationAssigned"]

    async def pushed_to(self, ws, cid, user_id):
        """The inbox push that shows the conversation as the sale's, waited for."""
        got = await ws.wait_push(
            lambda p: p["push"] == "inbox" and p["type"] == "conversation"
            and p["data"]["conversation"]["id"] == cid
            and p["data"]["conversation"]["assignee_id"] == user_id, 5)
        self.assertIsNotNone(got, f"conversation {cid} was not pushed to its new sale {ws.label}")
        return got["data"]["conversation"]

    async def test_private_messages_go_in_turn_and_stay_with_their_sale(self):
        admin, users, ws, _ = await self.floor()
        ids = [await self.deliver(message(f"m{i}", user=f"psid-{i}")) for i in range(4)]
        order = ["lan", "minh", "olga", "lan"]
        for cid, name in zip(ids, order):
            shown = await self.pushed_to(ws[name], cid, users[name]["id"])
            self.assertEqual(shown["assigned"]["reason"], "first_message")
            self.assertTrue(shown["assigned"]["automatic"])
        # The customer writes again: still lan's, nothing assigned anew.
        await self.deliver(message("again", user="psid-0"))
        self.assertEqual((await self.summary(admin, ids[0]))["assignee_id"], users["lan"]["id"])
        events = await self.assigned_events(ids[0])
        self.assertEqual(len(events), 1, events)
        self.assertEqual(events[0]["payload"]["reason"], "first_message")
        self.assertEqual(events[0]["payload"]["assignee_name"], "lan")
        self.assertIs(events[0]["payload"]["in_turn"], True)
        # Exactly one sale: another's take is refused, and only lan may answer.
        await self.rejected(ws["minh"], "conversations.take", {"conversation_id": ids[0]},
                            "already_assigned", "Lan")
        await self.rejected(ws["minh"], "conversations.send",
                            {"conversation_id": ids[0], "text": "Dạ"}, "not_assignee")
        await ws["lan"].call("conversations.send", {"conversation_id": ids[0], "text": "Dạ"})

    async def test_comments_go_round_and_live_customers_keep_their_sale(self):
        admin, users, ws, _ = await self.floor(names=("lan", "minh"))
        threads = [await self.deliver(message(f"c{i}", user="psid-1", event="comment",
                                              post_id="post-1")) for i in range(3)]
        got = [(await self.summary(admin, c))["assignee_id"] for c in threads]
        self.assertEqual(got, [users["lan"]["id"], users["minh"]["id"], users["lan"]["id"]],
                         "every new comment goes to the next sale, whoever wrote it")
        live = await self.deliver(message("l1", user="psid-9", event="livestream_comment",
                                          live_id="live-1"))
        self.assertEqual((await self.summary(admin, live))["assignee_id"], users["minh"]["id"])
        await self.deliver(message("l2", user="psid-9", event="livestream_comment",
                                   live_id="live-1"))
        # The live customer's private message follows them to their sale, out of turn.
        private = await self.deliver(message("p1", user="psid-9"))
        shown = await self.summary(admin, private)
        self.assertEqual(shown["assignee_id"], users["minh"]["id"])
        self.assertEqual(shown["assigned"]["reason"], "livestream_customer")
        nxt = await self.deliver(message("p2", user="psid-10"))
        self.assertEqual((await self.summary(admin, nxt))["assignee_id"], users["lan"]["id"])

    async def test_a_customer_whose_sale_logged_out_moves_on(self):
        admin, users, ws, tokens = await self.floor(names=("lan", "minh"), auto_reassign=True)
        cid = await self.deliver(message("m1"))
        self.assertEqual((await self.summary(admin, cid))["assignee_id"], users["lan"]["id"])
        r = await asyncio.to_thread(self.server.logout, token=tokens["lan"])
        self.assertEqual(r.status, 200, r)
        await self.deliver(message("m2", text="Alo shop ơi"))
        shown = await self.pushed_to(ws["minh"], cid, users["minh"]["id"])
        self.assertEqual(shown["assigned"]["reason"], "offline_reassign")
        last = (await self.assigned_events(cid))[-1]["payload"]
        self.assertEqual((last["previous_id"], last["assignee_id"]),
                         (users["lan"]["id"], users["minh"]["id"]))

    async def test_waiting_conversations_are_swept_to_a_sale_who_comes_online(self):
        admin, users, ws, _ = await self.floor(names=("lan", "minh"), max_open_per_agent=2)
        for name in ("lan", "minh"):
            await ws[name].call("presence.set", {"status": "offline"})
        ids = []
        for i in range(3):
            ids.append(await self.deliver(message(f"m{i}", user=f"psid-{i}")))
            await self.advance(1000)
        for cid in ids:
            self.assertIsNone((await self.summary(admin, cid))["assignee_id"])
        await ws["minh"].call("presence.set", {"status": "online"})
        # The two longest-waiting, at once, without another message; the third waits.
        for cid in ids[:2]:
            shown = await self.pushed_to(ws["minh"], cid, users["minh"]["id"])
            self.assertEqual(shown["assigned"]["reason"], "sweep")
        await self.advance(0)
        self.assertIsNone((await self.summary(admin, ids[2]))["assignee_id"])
        # minh closes one: below capacity, the third is theirs.
        await ws["minh"].call("conversations.close", {"conversation_id": ids[0]})
        await self.pushed_to(ws["minh"], ids[2], users["minh"]["id"])

    async def test_the_reply_timeout_moves_a_conversation_on_the_test_clock(self):
        admin, users, ws, _ = await self.floor(names=("lan", "minh"), reply_timeout_s=60)
        cid = await self.deliver(message("m1"))
        self.assertEqual((await self.summary(admin, cid))["assignee_id"], users["lan"]["id"])
        await self.advance(59_000)
        self.assertEqual((await self.summary(admin, cid))["assignee_id"], users["lan"]["id"])
        await self.advance(2_000)
        shown = await self.summary(admin, cid)
        self.assertEqual(shown["assignee_id"], users["minh"]["id"])
        self.assertEqual(shown["assigned"]["reason"], "reply_timeout")
        await self.rejected(ws["lan"], "conversations.send", {"conversation_id": cid, "text": "x"},
                            "not_assignee")
        # minh answers in time: it stays.
        await ws["minh"].call("conversations.send", {"conversation_id": cid, "text": "Dạ"})
        await self.advance(120_000)
        self.assertEqual((await self.summary(admin, cid))["assignee_id"], users["minh"]["id"])

    async def test_rotation_off_assigns_nothing_and_take_still_works(self):
        admin, users, ws, _ = await self.floor(names=("lan", "minh"), reply_timeout_s=60)
        await admin.call("settings.update", {"patch": {"inbox.auto_assign": False}})
        cid = await self.deliver(message("m1"))
        await self.advance(120_000)
        self.assertIsNone((await self.summary(admin, cid))["assignee_id"])
        await ws["minh"].call("conversations.take", {"conversation_id": cid})
        shown = await self.summary(admin, cid)
        self.assertEqual(shown["assigned"], {"reason": "take", "automatic": False,
                                             "at": shown["assigned"]["at"]})
        await self.advance(120_000)
        self.assertEqual((await self.summary(admin, cid))["assignee_id"], users["minh"]["id"])

    async def test_take_racing_the_sweep_leaves_exactly_one_sale(self):
        admin, users, ws, _ = await self.floor(names=("lan", "minh"))
        for name in ("lan", "minh"):
            await ws[name].call("presence.set", {"status": "offline"})
        ids = [await self.deliver(message(f"m{i}", user=f"psid-{i}")) for i in range(5)]
        # lan comes online (the sweep starts) while minh takes every conversation.
        results = await asyncio.gather(
            ws["lan"].request("presence.set", {"status": "online"}),
            *[ws["minh"].request("conversations.take", {"conversation_id": c}) for c in ids])
        self.assertTrue(results[0]["ok"], results[0])
        await self.advance(0)
        for cid, took in zip(ids, results[1:]):
            events = await self.assigned_events(cid)
            self.assertEqual(len(events), 1, f"conversation {cid} was given twice: {events}")
            winner = events[0]["payload"]["assignee_id"]
            self.assertEqual((await self.summary(admin, cid))["assignee_id"], winner)
            if took["ok"]:
                self.assertEqual(winner, users["minh"]["id"])
            else:
                self.assertEqual(took["error"]["code"], "already_assigned")
                self.assertEqual(winner, users["lan"]["id"])

    async def test_a_restart_mid_rotation_gives_the_same_next_sale(self):
        admin, users, ws, _ = await self.floor()
        for i in range(2):
            await self.deliver(message(f"m{i}", user=f"psid-{i}"))
        for c in self.clients:
            await c.close()
        self.assertEqual(await asyncio.to_thread(self.server.restart), 0)
        cid = await self.deliver(message("m2", user="psid-2"))
        admin = await self.admin()
        self.assertEqual((await self.summary(admin, cid))["assignee_id"], users["olga"]["id"])

    async def test_managers_see_the_rotation_as_it_stands(self):
        admin, users, ws, _ = await self.floor(names=("lan", "minh"), max_open_per_agent=5)
        lan, minh = users["lan"]["id"], users["minh"]["id"]

        async def rotation():
            r = await admin.call("inbox.rotation")
            page = next(p for p in r["pages"] if p["page_id"] == self.page_id)
            sales = {s["user_id"]: (s["presence"], s["open"]) for s in r["sales"]}
            return r, page, sales

        r, page, sales = await rotation()
        self.assertEqual((r["auto_assign"], r["capacity"]), (True, 5))
        self.assertEqual((page["next_id"], page["next_name"], page["unassigned"]), (lan, "Lan", 0))
        self.assertEqual(sales, {lan: ("online", 0), minh: ("online", 0)})
        await self.deliver(message("m1"))
        _, page, sales = await rotation()
        self.assertEqual(page["next_id"], minh)
        self.assertEqual(sales[lan], ("online", 1))
        # An open dashboard is told to ask again when a sale steps away.
        await admin.call("subscribe", {"topics": ["reports"]})
        start = len(admin.pushes)
        await ws["minh"].call("presence.set", {"status": "away"})
        told = await admin.wait_push(lambda p: p.get("push") == "reports", 5, start)
        self.assertEqual(told["type"], "changed")
        _, page, sales = await rotation()
        self.assertEqual(page["next_id"], lan, "an away sale is skipped")
        self.assertEqual(sales[minh], ("away", 0))
        await admin.call("settings.update", {"patch": {"inbox.auto_assign": False}})
        _, page, _ = await rotation()
        self.assertIsNone(page["next_id"])
        await self.rejected(ws["lan"], "inbox.rotation", {}, "forbidden")


if __name__ == "__main__":
    unittest.main()
