"""The floating number pool (PROTOCOL.md "Leads and the pool" and section 5, SPEC.md section 3,
schema/protocol.md "The pool (issue 4)" and "Pushes (issue 4)"): when leads float and leave,
what a sale and a manager see in a row (masking, heart, duplicates), the draw, the filters,
claiming (one winner among 50, the errors, the quotas), the eye (reveal, being viewed, one view
at a time, cooldown, TTL, disconnect, claim), the view history and the pool pushes.

One server serves the whole file (creating 50 sales is slow: PBKDF2). The tests keep apart by
using their own phones, sources and products, and every test starts from the same pool
settings."""

import asyncio
import itertools
import json
import time
import unittest
from datetime import datetime, timezone

from harness import (RejectionChecks, ServerTestCase, SharedServer, WsClient, dump_events,
                     wait_until)

FLOAT_DEADLINE_S = 3.0   # "enters the pool within 2 seconds" + slack
PUSH_DEADLINE_S = 2.0    # "pushed within 1 s of its acknowledgement" + slack
TTL_DEADLINE_S = 3.5     # a 1 s reveal "ends within 2 seconds of its TTL" + slack
RACERS = 50
CLAIMED_MSG = "Another sale already handles this number"
VIEWED_MSG = "Another sale is viewing this number, please choose another"

BASELINE = {
    "pool.enabled": True,
    "pool.float_all": True,
    "pool.float_after_minutes": 1440,
    "pool.mask_phone": True,
    "pool.allow_reveal": True,
    "pool.reveal_cooldown_s": 0,
    "pool.reveal_ttl_s": 60,
    "pool.batch_size": 50,
    "pool.batch_window_s": 60,
    "pool.daily_claim_limit": 0,
    "pool.max_held_per_sale": 0,
    "pool.reclaim_cooldown_minutes": 0,
}

SALES = [f"s{i:02d}" for i in range(1, RACERS + 1)]
# Sales kept for one test each (quotas count claims and held leads per sale).
DEDICATED = ["prevowner", "qdaily", "qheld", "qcoola", "qcoolb"]
_phones = itertools.count(13_000_000)


def pw(username):
    return f"{username}-password"


def new_phone():
    """A fresh valid VN mobile number, unique within this file's run (0913000000, ...)."""
    return f"09{next(_phones):08d}"


def masked(phone):
    return phone[:3] + "****" + phone[-3:]


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def is_push(topic, type_, lead_id=None):
    def match(p):
        if p.get("push") != topic or p.get("type") != type_:
            return False
        if lead_id is None:
            return True
        data = p.get("data") or {}
        return data.get("lead_id") == lead_id or (data.get("lead") or {}).get("lead_id") == \
            lead_id or (data.get("lead") or {}).get("id") == lead_id
    return match


_shared = SharedServer()


def setUpModule():
    """One server, its users and their tokens for every test of this file."""
    specs = [("manager1", "manager", pw("manager1"))]
    specs += [(u, "sale", pw(u)) for u in SALES + DEDICATED]
    _shared.start(specs)


def tearDownModule():
    _shared.stop()


class PoolCase(RejectionChecks, ServerTestCase):
    per_test = False
    _rotation = itertools.count()

    @classmethod
    def setUpClass(cls):
        unittest.IsolatedAsyncioTestCase.setUpClass()
        cls.server = _shared.server
        cls.users = _shared.users
        cls.tokens = _shared.tokens

    @classmethod
    def tearDownClass(cls):
        cls.server = None  # the module's server stops in tearDownModule
        unittest.IsolatedAsyncioTestCase.tearDownClass()

    async def asyncSetUp(self):
        self.tag = self._testMethodName.replace("test_", "")[:40]
        self.src = f"src-{self.tag}"
        self.admin = await self.as_user("admin")
        self.manager = await self.as_user("manager1")
        await self.admin.call("settings.update", {"patch": BASELINE})

    async def as_user(self, username, label=None):
        return await self.connect(self.tokens[username], label=label or username)

    async def sales(self, k):
        """k connections of sales from the shared rotation: (user objects, connections)."""
        names = [SALES[next(self._rotation) % len(SALES)] for _ in range(k)]
        conns = [await self.as_user(n) for n in names]
        return [self.users[n] for n in names], conns

    def uid(self, username):
        return self.users[username]["id"]

    async def settings(self, **patch):
        patch = {k.replace("__", "."): v for k, v in patch.items()}
        await self.admin.call("settings.update", {"patch": patch})

    async def import_leads(self, rows):
        """Imports rows (the test's source by default) as the manager; returns their ids."""
        rows = [dict({"source": self.src}, **r) for r in rows]
        return (await self.manager.call("leads.import", {"leads": rows}))["ids"]

    async def pooled_ids(self):
        ids, cursor = set(), None
        while True:
            args = {"in_pool": True, "limit": 1000}
            if cursor is not None:
                args["cursor"] = cursor
            page = await self.manager.call("leads.list", args)
            ids |= {l["id"] for l in page["items"]}
            cursor = page["next_cursor"]
            if cursor is None:
                return ids

    async def wait_in_pool(self, ids, timeout=FLOAT_DEADLINE_S):
        want = set(ids)

        async def check():
            return want <= await self.pooled_ids()
        if not await wait_until(check, timeout):
            missing = want - await self.pooled_ids()
            self.fail(f"leads {sorted(missing)} did not enter the pool within {timeout}s")

    async def float_leads(self, rows):
        ids = await self.import_leads(rows)
        await self.wait_in_pool(ids)
        return ids

    async def lead(self, lead_id):
        return (await self.manager.call("leads.get", {"lead_id": lead_id}))["lead"]

    async def query(self, ws, **filters):
        filters.setdefault("source", self.src)
        return await ws.call("pool.query", {"filters": filters})

    async def rows(self, ws, **filters):
        return (await self.query(ws, **filters))["items"]

    async def row_ids(self, ws, **filters):
        return [r["lead_id"] for r in await self.rows(ws, **filters)]


class FloatingTest(PoolCase):

    async def test_pool_off_refuses_pool_ops_and_nothing_floats(self):
        _, (sale,) = await self.sales(1)
        [first] = await self.float_leads([{"phone": new_phone()}])
        await sale.call("subscribe", {"topics": ["pool"]})
        start = len(sale.pushes)
        await self.settings(pool__enabled=False)
        drained = await sale.wait_push(is_push("pool", "drained"), PUSH_DEADLINE_S, start)
        self.assertIsNotNone(drained, "turning the pool off must push pool/drained")
        self.assertEqual(drained["data"], {"status": None})
        self.assertEqual(await self.pooled_ids(), set(), "the pool was turned off, not emptied")
        self.assertIsNone((await self.lead(first))["entered_pool_at"])

        for ws in (sale, self.manager):
            await self.rejected(ws, "pool.query", {"filters": {"source": self.src}},
                                "pool_disabled")
        await self.rejected(sale, "pool.claim", {"lead_id": first}, "pool_disabled")
        # Not a sale comes first.
        await self.rejected(self.manager, "pool.claim", {"lead_id": first}, "forbidden")
        await self.rejected(sale, "pool.reveal", {"lead_id": first}, "pool_disabled")

        # With the pool off nothing floats, even with float_all.
        [second] = await self.import_leads([{"phone": new_phone()}])
        await self.advance(1200)
        self.assertEqual(await self.pooled_ids(), set(), "a lead floated with the pool off")

        await self.settings(pool__enabled=True)
        await self.wait_in_pool([first, second])

    async def test_float_all_floats_only_statuses_with_the_tick(self):
        await self.admin.call("statuses.upsert", {"code": "vip_t", "name": "VIP", "floats": False})
        floating = ["new", "no_answer", "busy", "refused"]
        still = ["call_back", "wrong_number", "ordered", "vip_t"]
        await self.manager.call("subscribe", {"topics": ["pool"]})
        ids = await self.import_leads([{"phone": new_phone(), "status": s}
                                       for s in floating + still])
        floats, stays = ids[:len(floating)], ids[len(floating):]
        await self.wait_in_pool(floats)
        for lead_id in floats:
            lead = await self.lead(lead_id)
            self.assertTrue(lead["in_pool"], lead)
            self.assertIsNotNone(lead["entered_pool_at"], lead)
            self.assertGreaterEqual(lead["entered_pool_at"], lead["last_action_at"], lead)
        await self.advance(1000)
        pooled = await self.pooled_ids()
        self.assertEqual(pooled & set(stays), set(),
                         f"leads in statuses without the floats tick floated: {still}")
        vip = stays[-1]
        self.assertFalse((await self.lead(vip))["in_pool"])

        # Ticking floats on a status makes its leads float; taking it off drains them.
        await self.admin.call("statuses.upsert", {"code": "vip_t", "name": "VIP", "floats": True})
        await self.wait_in_pool([vip])
        start = len(self.manager.pushes)
        await self.admin.call("statuses.upsert", {"code": "vip_t", "name": "VIP",
                                                  "floats": False})
        drained = await self.manager.wait_push(is_push("pool", "drained"), PUSH_DEADLINE_S, start)
        self.assertIsNotNone(drained, "untick floats on a status with pooled leads: no push")
        self.assertEqual(drained["data"], {"status": "vip_t"})
        pooled = await self.pooled_ids()
        self.assertNotIn(vip, pooled)
        self.assertTrue(set(floats) <= pooled, "leads of other statuses must stay in the pool")

    async def test_float_after_minutes(self):
        await self.settings(pool__float_all=False, pool__float_after_minutes=1)
        [lead_id] = await self.import_leads([{"phone": new_phone()}])
        await self.advance(1200)
        self.assertFalse((await self.lead(lead_id))["in_pool"],
                         "with float_all off a lead floats only after float_after_minutes")
        await self.settings(pool__float_after_minutes=0)
        t0 = time.monotonic()
        await self.wait_in_pool([lead_id])
        self.assertLess(time.monotonic() - t0, FLOAT_DEADLINE_S)

    async def test_the_owner_does_not_see_their_lead_and_acting_takes_it_out(self):
        (owner_u, other_u), (owner, other) = await self.sales(2)
        own1, own2, own3, free = await self.float_leads([
            {"phone": new_phone(), "owner_id": owner_u["id"]},
            {"phone": new_phone(), "owner_id": owner_u["id"]},
            {"phone": new_phone(), "owner_id": owner_u["id"]},
            {"phone": new_phone()}])
        self.assertEqual(await self.row_ids(owner), [free],
                         "the owner must not see their own leads in the pool")
        self.assertEqual(sorted(await self.row_ids(other)), sorted([own1, own2, own3, free]))
        mine = {l["id"]: l for l in (await owner.call("leads.mine"))["items"]}
        self.assertTrue(mine[own1]["in_pool"], mine[own1])
        self.assertIsNotNone(mine[own1]["entered_pool_at"])

        # Keep acted-on leads from floating straight back.
        await self.settings(pool__float_all=False)
        await other.call("subscribe", {"topics": ["pool"]})
        start = len(other.pushes)
        r = await owner.call("leads.update", {"lead_id": own1, "status": "busy",
                                              "note": "Đã gọi"})
        self.assertFalse(r["lead"]["in_pool"], "the owner's action takes the lead out")
        self.assertIsNone(r["lead"]["entered_pool_at"])
        left = await other.wait_push(is_push("pool", "left", own1), PUSH_DEADLINE_S, start)
        self.assertIsNotNone(left, "no pool/left push when the owner acted")
        r = await owner.call("leads.note", {"lead_id": own2, "text": "Hẹn mai"})
        self.assertFalse(r["lead"]["in_pool"], "a note by the owner is an action too")
        self.assertEqual(sorted(await self.row_ids(other)), sorted([own3, free]),
                         "leads that left must leave the other sale's draw")

        # A manager's update keeps a floating status in the pool; a non-floating one leaves.
        r = await self.manager.call("leads.update", {"lead_id": own3, "status": "no_answer"})
        self.assertTrue(r["lead"]["in_pool"], "a manager's update is not the owner's action")
        r = await self.manager.call("leads.update", {"lead_id": own3, "status": "call_back"})
        self.assertFalse(r["lead"]["in_pool"], "a status that does not float leaves the pool")

        await self.advance(600)
        pooled = await self.pooled_ids()
        self.assertEqual(pooled & {own1, own2, own3}, set())
        self.assertIn(free, pooled)

        # Reassigning takes a lead out of the pool too.
        r = await self.manager.call("leads.assign", {"lead_id": free,
                                                     "owner_id": other_u["id"]})
        self.assertFalse(r["lead"]["in_pool"], "a reassigned lead leaves the pool")


class RowsTest(PoolCase):

    async def test_phones_are_masked_for_a_sale_and_full_for_a_manager(self):
        _, (sale,) = await self.sales(1)
        phone = new_phone()
        [lead_id] = await self.float_leads([{"phone": phone, "name": "Khách Mặt Nạ",
                                             "product": "SOAP", "status": "busy"}])
        [row] = await self.rows(sale)
        self.assertEqual(row["lead_id"], lead_id)
        self.assertEqual(row["phone"], masked(phone))
        self.assertIs(row["masked"], True)
        self.assertEqual((row["name"], row["source"], row["product"], row["status"]),
                         ("Khách Mặt Nạ", self.src, "SOAP", "busy"))
        self.assertEqual(row["entered_pool_at"], (await self.lead(lead_id))["entered_pool_at"])
        self.assertIsNone(row["last_note"])
        [row] = await self.rows(self.manager)
        self.assertEqual((row["phone"], row["masked"]), (phone, False))
        [row] = await self.rows(self.admin)
        self.assertEqual((row["phone"], row["masked"]), (phone, False))

        await self.settings(pool__mask_phone=False)
        [row] = await self.rows(sale)
        self.assertEqual((row["phone"], row["masked"]), (phone, False),
                         "with pool.mask_phone off a sale sees the phone")

    async def test_heart_and_duplicates_count_the_phones_orders(self):
        await self.admin.call("products.upsert", {"sku": "TEA", "name": "Trà", "price": 45000})
        _, (sale,) = await self.sales(1)
        phone, other_phone = new_phone(), new_phone()
        [lead_id, plain] = await self.float_leads([{"phone": phone, "name": "Khách Tim"},
                                                   {"phone": other_phone}])
        orders = []
        for _ in range(4):
            o = (await self.manager.call("orders.create", {
                "phone": phone, "name": "Khách Tim", "note": f"Gọi {phone} trước khi giao",
                "items": [{"sku": "TEA", "qty": 1}]}))["order"]
            orders.append(o["id"])
        for status in ("confirmed",):
            await self.manager.call("orders.set_status", {"order_id": orders[0],
                                                          "status": status})
        for status in ("confirmed", "shipping", "delivered"):
            await self.manager.call("orders.set_status", {"order_id": orders[1],
                                                          "status": status})
        await self.manager.call("orders.set_status", {"order_id": orders[2],
                                                      "status": "cancelled"})
        # An order of another phone counts for nobody here.
        await self.manager.call("orders.create", {"phone": "0987000111", "name": "X",
                                                  "items": [{"sku": "TEA", "qty": 1}]})

        rows = {r["lead_id"]: r for r in await self.rows(sale)}
        self.assertEqual((rows[lead_id]["orders"], rows[lead_id]["duplicates"]), (2, 4),
                         "heart = closed orders (confirmed, delivered), duplicates = all orders")
        self.assertEqual((rows[plain]["orders"], rows[plain]["duplicates"]), (0, 0))
        mrows = {r["lead_id"]: r for r in await self.rows(self.manager)}
        self.assertEqual((mrows[lead_id]["orders"], mrows[lead_id]["duplicates"]), (2, 4))

        history = (await sale.call("orders.history", {"lead_id": lead_id}))["items"]
        self.assertEqual(sorted(o["id"] for o in history), sorted(orders[:2]))
        by_phone = (await sale.call("orders.by_phone", {"lead_id": lead_id}))["items"]
        self.assertEqual(sorted(o["id"] for o in by_phone), sorted(orders))
        for o in history + by_phone:
            self.assertEqual(o["phone"], masked(phone), f"a sale sees the order's phone: {o}")
            self.assertNotIn(phone, json.dumps(o), f"the phone leaks from an order: {o}")
        full = (await self.manager.call("orders.by_phone", {"lead_id": lead_id}))["items"]
        self.assertEqual({o["phone"] for o in full}, {phone})
        await self.rejected(sale, "orders.history", {"lead_id": 10_000_000}, "not_found")


    async def test_a_phone_that_is_a_lead_already_does_not_float_as_a_second_lead(self):
        # One phone is one lead: a second row with an owned lead's phone (written otherwise) is
        # reported with that lead and its owner, and never floats to the others as a new lead.
        (owner_u, _), (owner, other) = await self.sales(2)
        phone = new_phone()
        [kept] = await self.import_leads([
            {"phone": phone, "owner_id": owner_u["id"], "status": "call_back"}])
        spaced = phone[:4] + " " + phone[4:7] + " " + phone[7:]
        answer = await self.manager.call("leads.import", {"leads": [
            {"phone": spaced, "name": "Same phone", "source": self.src}]})
        self.assertEqual(answer["ids"], [None])
        self.assertEqual(answer["duplicates"],
                         [{"row": 1, "lead_id": kept, "owner_id": owner_u["id"], "updated": False}])
        self.assertEqual(await self.rows(other, q="same phone"), [])
        self.assertEqual((await owner.call("leads.get", {"lead_id": kept}))["lead"]["phone"],
                         phone)


class DrawTest(PoolCase):

    async def test_the_draw_is_the_oldest_batch_and_stays_for_the_window(self):
        window_s = 3
        await self.settings(pool__batch_size=3, pool__batch_window_s=window_s)
        _, (viewer, claimer) = await self.sales(2)
        ids = []
        for i in range(5):  # one at a time, so each has its own entry time
            ids += await self.float_leads([{"phone": new_phone(), "name": f"Draw {i}"}])
        entered = [(await self.lead(i))["entered_pool_at"] for i in ids]
        self.assertEqual(entered, sorted(entered))

        t0 = time.monotonic()
        first = await self.query(viewer)
        self.assertEqual([r["lead_id"] for r in first["items"]], ids[:3],
                         "the draw is pool.batch_size leads, oldest in the pool first")
        self.assertEqual([r["entered_pool_at"] for r in first["items"]], entered[:3])
        ends = parse_time(first["window_ends_at"])
        last_entered = parse_time(entered[-1])
        self.assertGreater(ends, last_entered)
        self.assertLess((ends - last_entered).total_seconds(), window_s + 5)

        again = await self.query(viewer)
        self.assertEqual([r["lead_id"] for r in again["items"]], ids[:3])
        self.assertEqual(again["window_ends_at"], first["window_ends_at"],
                         "the same draw within the window")

        await claimer.call("pool.claim", {"lead_id": ids[0]})
        after_claim = await self.query(viewer)
        self.assertEqual([r["lead_id"] for r in after_claim["items"]], ids[1:3],
                         "within the window the same draw, less the claimed lead (not refilled)")
        self.assertEqual(after_claim["window_ends_at"], first["window_ends_at"])
        self.assertLess(time.monotonic() - t0, window_s, "the test was too slow for its window")

        # Another sale gets its own draw of the oldest three.
        _, (third,) = await self.sales(1)
        self.assertEqual(await self.row_ids(third), ids[1:4])

        await self.advance(window_s * 1000 + 300)
        fresh = await self.query(viewer)
        self.assertEqual([r["lead_id"] for r in fresh["items"]], ids[1:4],
                         "after the window a new draw of the oldest three")
        self.assertGreater(parse_time(fresh["window_ends_at"]), ends)

    async def test_filters(self):
        _, (sale,) = await self.sales(1)
        src_a, src_b = f"{self.src}-a", f"{self.src}-b"
        soap, tea = f"SOAP-{self.tag}", f"TEA-{self.tag}"
        l1, l2 = await self.float_leads([
            {"phone": new_phone(), "name": "Nguyễn Thị Thuỷ", "source": src_a,
             "product": soap, "status": "new"},
            {"phone": new_phone(), "name": "Trần Văn Đức", "source": src_a,
             "product": tea, "status": "busy"}])
        await self.advance(50)
        l3, l4 = await self.float_leads([
            {"phone": new_phone(), "name": "Nguyễn Văn Đức", "source": src_b,
             "product": soap, "status": "no_answer"},
            {"phone": new_phone(), "name": "Lê Hoàng Yến", "source": src_b,
             "product": tea, "status": "new"}])
        t1 = (await self.lead(l1))["entered_pool_at"]
        t2 = (await self.lead(l3))["entered_pool_at"]
        self.assertEqual((await self.lead(l2))["entered_pool_at"], t1)
        self.assertLess(t1, t2)

        async def ids(**filters):
            return sorted(r["lead_id"] for r in (await sale.call(
                "pool.query", {"filters": filters}))["items"])

        cases = [
            ({"source": src_a}, [l1, l2]),
            ({"source": src_b}, [l3, l4]),
            # Case- and accent-insensitive, words by prefix (issue 8, item 30).
            ({"source": src_a.upper()}, [l1, l2]),
            ({"product": soap}, [l1, l3]),
            ({"product": tea, "status": "new"}, [l4]),
            ({"source": src_a, "status": "busy"}, [l2]),
            ({"source": src_b, "product": soap}, [l3]),
            ({"source": src_a, "q": "nguyen"}, [l1]),
            ({"source": src_b, "q": "NGUYỄN"}, [l3]),
            ({"product": tea, "q": "duc"}, [l2]),
            ({"product": soap, "q": "đức"}, [l3]),
            ({"product": soap, "q": "nguyen duc"}, [l3]),
            ({"product": soap, "q": "ng th"}, [l1]),
            ({"source": src_a, "q": "thuy"}, [l1]),
            ({"source": src_b, "q": "hoang yen"}, [l4]),
            ({"source": src_b, "q": "uc"}, []),
            ({"source": src_a, "q": "duc nguyen"}, []),
            ({"product": soap, "entered_from": t2}, [l3]),
            ({"product": tea, "entered_to": t1}, [l2]),
            ({"source": src_a, "entered_from": t1, "entered_to": t1}, [l1, l2]),
            ({"source": src_b, "entered_from": t1, "entered_to": t2}, [l3, l4]),
            ({"product": tea, "entered_from": t2}, [l4]),
        ]
        for filters, expected in cases:
            with self.subTest(filters=filters):
                self.assertEqual(await ids(**filters), sorted(expected))
        await self.rejected(sale, "pool.query", {"filters": {"entered_from": "yesterday"}},
                            "bad_request")


class ClaimTest(PoolCase):

    async def test_fifty_sales_claim_one_lead_and_exactly_one_wins(self):
        owner_name = "prevowner"
        prev = await self.as_user(owner_name)
        await prev.call("subscribe", {"topics": ["me"]})
        [lead_id] = await self.float_leads([{"phone": new_phone(),
                                             "owner_id": self.uid(owner_name)}])
        racers = await asyncio.gather(*[
            WsClient.connect(self.server.port, token=self.tokens[u], label=u) for u in SALES])
        self.clients.extend(racers)
        await asyncio.gather(*[ws.call("subscribe", {"topics": ["me"]}) for ws in racers])
        sent = [await ws.send_request("pool.claim", {"lead_id": lead_id}) for ws in racers]
        answers = await asyncio.wait_for(asyncio.gather(*[fut for _, fut in sent]), 60)

        wins = [(ws, a) for ws, a in zip(racers, answers) if a.get("ok") is True]
        losses = [a for a in answers if a.get("ok") is not True]
        self.assertEqual(len(wins), 1, f"exactly one claim must win: {len(wins)} won")
        self.assertEqual(len(losses), RACERS - 1)
        for a in losses:
            self.assertEqual(a["error"]["code"], "already_claimed", a)
            self.assertEqual(a["error"]["message"], CLAIMED_MSG, a)
        winner_ws, win = wins[0]
        winner_id = self.uid(winner_ws.label)
        self.assertEqual(win["result"]["lead"]["owner_id"], winner_id)
        self.assertFalse(win["result"]["lead"]["in_pool"])

        mine = (await winner_ws.call("leads.mine"))["items"]
        self.assertIn(lead_id, [l["id"] for l in mine])
        lead = await self.lead(lead_id)
        self.assertEqual((lead["owner_id"], lead["in_pool"]), (winner_id, False))
        self.assertNotIn(lead_id, [l["id"] for l in (await prev.call("leads.mine"))["items"]])

        lost = await prev.wait_push(is_push("me", "lead_lost", lead_id), PUSH_DEADLINE_S)
        self.assertIsNotNone(lost, "the previous owner must be told (me/lead_lost)")
        self.assertEqual(lost["data"].get("by"), winner_id)
        self.assertEqual(lost["data"]["reason"], "claimed")
        got = await winner_ws.wait_push(is_push("me", "lead_assigned", lead_id), PUSH_DEADLINE_S)
        self.assertIsNotNone(got, "the winner gets me/lead_assigned")
        for ws in racers:
            if ws is not winner_ws:
                self.assertFalse([p for p in ws.pushes if is_push("me", "lead_assigned",
                                                                  lead_id)(p)], ws.label)
        claims = [e for e in await asyncio.to_thread(dump_events, self.server, "--type",
                                                     "LeadClaimed")
                  if e["payload"]["lead_id"] == lead_id]
        self.assertEqual(len(claims), 1, claims)

        # A claimed lead does not float again until its new owner acts (float_all is on).
        await self.advance(1200)
        self.assertFalse((await self.lead(lead_id))["in_pool"],
                         "a claimed lead floated again before its new owner acted")
        await winner_ws.call("leads.update", {"lead_id": lead_id, "status": "no_answer"})
        await self.wait_in_pool([lead_id])

    async def test_claim_errors(self):
        (a_u, b_u), (a, b) = await self.sales(2)
        mine, a_kept, nobodys = await self.import_leads([
            {"phone": new_phone(), "owner_id": a_u["id"]},
            {"phone": new_phone(), "owner_id": a_u["id"], "status": "call_back"},
            {"phone": new_phone(), "status": "call_back"}])
        await self.wait_in_pool([mine])
        await self.rejected(a, "pool.claim", {"lead_id": mine}, "conflict")
        await self.rejected(self.manager, "pool.claim", {"lead_id": mine}, "forbidden")
        await self.rejected(self.admin, "pool.claim", {"lead_id": mine}, "forbidden")
        await self.rejected(b, "pool.claim", {"lead_id": 10_000_000}, "not_found")
        await self.rejected(b, "pool.claim", {"lead_id": a_kept}, "already_claimed")
        await self.rejected(b, "pool.claim", {"lead_id": nobodys}, "not_found")
        self.assertEqual((await self.lead(mine))["owner_id"], a_u["id"])

        r = await b.call("pool.claim", {"lead_id": mine})
        self.assertEqual(r["lead"]["owner_id"], b_u["id"])
        self.assertEqual(r["lead"]["phone"], (await self.lead(mine))["phone"],
                         "the winner sees the phone of their lead")
        err = await self.rejected(a, "pool.claim", {"lead_id": mine}, "already_claimed")
        self.assertEqual(err["message"], CLAIMED_MSG)
        self.assertNotIn((await self.lead(mine))["phone"], json.dumps(err))
        # Claiming one's own lead again (it is no longer in the pool) is a conflict.
        await self.rejected(b, "pool.claim", {"lead_id": mine}, "conflict")

    async def test_quota_daily_claim_limit(self):
        ws = await self.as_user("qdaily")
        await self.settings(pool__daily_claim_limit=1)
        first, second = await self.float_leads([{"phone": new_phone()}, {"phone": new_phone()}])
        await ws.call("pool.claim", {"lead_id": first})
        await self.rejected(ws, "pool.claim", {"lead_id": second}, "quota_exceeded", "daily")
        self.assertTrue((await self.lead(second))["in_pool"])
        await self.settings(pool__daily_claim_limit=2)
        await ws.call("pool.claim", {"lead_id": second})

    async def test_quota_max_held_per_sale(self):
        ws = await self.as_user("qheld")
        held = self.uid("qheld")
        await self.import_leads([{"phone": new_phone(), "owner_id": held,
                                  "status": "call_back"}])
        [lead_id] = await self.float_leads([{"phone": new_phone()}])
        await self.settings(pool__max_held_per_sale=1)
        await self.rejected(ws, "pool.claim", {"lead_id": lead_id}, "quota_exceeded", "holding")
        await self.settings(pool__max_held_per_sale=2)
        await ws.call("pool.claim", {"lead_id": lead_id})
        self.assertEqual(len((await ws.call("leads.mine"))["items"]), 2)

    async def test_quota_reclaim_cooldown(self):
        a, b = await self.as_user("qcoola"), await self.as_user("qcoolb")
        await self.settings(pool__reclaim_cooldown_minutes=10)
        [lead_id] = await self.float_leads([{"phone": new_phone(),
                                             "owner_id": self.uid("qcoola")}])
        await b.call("pool.claim", {"lead_id": lead_id})
        await b.call("leads.update", {"lead_id": lead_id, "status": "no_answer"})
        await self.wait_in_pool([lead_id])  # float_all: the new owner's action lets it float
        await self.rejected(a, "pool.claim", {"lead_id": lead_id}, "quota_exceeded", "cooldown")
        self.assertEqual((await self.lead(lead_id))["owner_id"], self.uid("qcoolb"))
        await self.settings(pool__reclaim_cooldown_minutes=0)
        r = await a.call("pool.claim", {"lead_id": lead_id})
        self.assertEqual(r["lead"]["owner_id"], self.uid("qcoola"))


class EyeTest(PoolCase):

    async def test_reveal_shows_phone_notes_and_expiry_and_one_viewer_at_a_time(self):
        (owner_u, b_u, c_u), (owner, b, c) = await self.sales(3)
        phone = new_phone()
        [lead_id] = await self.import_leads([{"phone": phone, "owner_id": owner_u["id"],
                                              "status": "call_back"}])
        await owner.call("leads.update", {"lead_id": lead_id, "status": "no_answer",
                                          "note": "Khách hẹn gọi lại buổi tối"})
        await self.wait_in_pool([lead_id])
        [row] = await self.rows(b)
        self.assertEqual(row["last_note"], "Khách hẹn gọi lại buổi tối")

        r = await b.call("pool.reveal", {"lead_id": lead_id})
        self.assertEqual(r["phone"], phone)
        self.assertEqual(len(r["notes"]), 1, r)
        self.assertEqual((r["notes"][0]["by"], r["notes"][0]["text"]),
                         (owner_u["id"], "Khách hẹn gọi lại buổi tối"))
        self.assertIn("at", r["notes"][0])
        entered = parse_time((await self.lead(lead_id))["entered_pool_at"])
        expires = parse_time(r["expires_at"])
        self.assertGreater((expires - entered).total_seconds(), 55,
                           "expires_at is about pool.reveal_ttl_s (60 s) from now")
        self.assertLess((expires - entered).total_seconds(), 60 + FLOAT_DEADLINE_S + 5)
        [row] = await self.rows(b)
        self.assertEqual((row["phone"], row["masked"]), (phone, False),
                         "the viewer sees the number in the pool")
        [row] = await self.rows(c)
        self.assertEqual((row["phone"], row["masked"]), (masked(phone), True))

        err = await self.rejected(c, "pool.reveal", {"lead_id": lead_id}, "being_viewed")
        self.assertEqual(err["message"], VIEWED_MSG)
        # Revealing the number one is viewing answers again and records nothing.
        before = await self.seq()
        again = await b.call("pool.reveal", {"lead_id": lead_id})
        self.assertEqual(again["phone"], phone)
        await self.assert_nothing_appended(before, "revealing the number one views again")
        self.assertEqual(len((await b.call("pool.views", {"lead_id": lead_id}))["views"]), 1)
        await self.rejected(self.manager, "pool.reveal", {"lead_id": lead_id}, "forbidden")
        await self.rejected(b, "pool.reveal", {"lead_id": 10_000_000}, "not_found")
        await self.rejected(b, "pool.hide", {"lead_id": 10_000_000}, "not_found")

        self.assertEqual(await b.call("pool.hide", {"lead_id": lead_id}), {"hidden": True})
        self.assertEqual(await b.call("pool.hide", {"lead_id": lead_id}), {"hidden": False})
        [row] = await self.rows(b)
        self.assertEqual(row["phone"], masked(phone), "hidden again after pool.hide")
        await self.advance(10)
        await c.call("pool.reveal", {"lead_id": lead_id})
        views = (await owner.call("pool.views", {"lead_id": lead_id}))["views"]
        self.assertEqual([(v["user_id"], v["user_name"]) for v in views],
                         [(b_u["id"], b_u["name"]), (c_u["id"], c_u["name"])],
                         "every reveal, oldest first, with the user's name")
        self.assertLess(views[0]["at"], views[1]["at"])
        await self.rejected(b, "pool.views", {"lead_id": 10_000_000}, "not_found")

    async def test_revealing_a_second_number_hides_the_first(self):
        _, (b, c) = await self.sales(2)
        p1, p2 = new_phone(), new_phone()
        l1, l2 = await self.float_leads([{"phone": p1}, {"phone": p2}])
        await c.call("subscribe", {"topics": ["pool"]})
        await b.call("pool.reveal", {"lead_id": l1})
        start = len(c.pushes)
        await b.call("pool.reveal", {"lead_id": l2})
        rows = {r["lead_id"]: r for r in await self.rows(b)}
        self.assertEqual((rows[l1]["phone"], rows[l1]["masked"]), (masked(p1), True),
                         "revealing a second number must mask the first")
        self.assertEqual((rows[l2]["phone"], rows[l2]["masked"]), (p2, False))
        free = await c.wait_push(is_push("pool", "free", l1), PUSH_DEADLINE_S, start)
        self.assertIsNotNone(free, "the first view's end is pushed (pool/free)")
        r = await c.call("pool.reveal", {"lead_id": l1})
        self.assertEqual(r["phone"], p1)

    async def test_reveal_cooldown(self):
        await self.settings(pool__reveal_cooldown_s=2)
        _, (b,) = await self.sales(1)
        l1, l2 = await self.float_leads([{"phone": new_phone()}, {"phone": new_phone()}])
        await b.call("pool.reveal", {"lead_id": l1})
        err = await self.rejected(b, "pool.reveal", {"lead_id": l2}, "view_cooldown")
        retry = err.get("retry_after_s")
        self.assertIsInstance(retry, int, f"view_cooldown without retry_after_s: {err}")
        self.assertGreaterEqual(retry, 1)
        self.assertLessEqual(retry, 2)
        [row] = [r for r in await self.rows(b) if r["lead_id"] == l1]
        self.assertFalse(row["masked"], "a refused reveal must not end the open view")
        await self.advance(int((retry + 0.1) * 1000))
        await b.call("pool.reveal", {"lead_id": l2})

    async def test_reveal_not_allowed(self):
        await self.settings(pool__allow_reveal=False)
        _, (b,) = await self.sales(1)
        [lead_id] = await self.float_leads([{"phone": new_phone()}])
        await self.rejected(b, "pool.reveal", {"lead_id": lead_id}, "reveal_not_allowed")
        self.assertEqual((await b.call("pool.views", {"lead_id": lead_id}))["views"], [])

    async def test_a_view_ends_after_its_ttl(self):
        await self.settings(pool__reveal_ttl_s=1)
        _, (b, c) = await self.sales(2)
        phone = new_phone()
        [lead_id] = await self.float_leads([{"phone": phone}])
        await c.call("subscribe", {"topics": ["pool"]})
        start = len(c.pushes)
        t0 = time.monotonic()
        r = await b.call("pool.reveal", {"lead_id": lead_id})
        self.assertIsNotNone(r["expires_at"])
        free = await c.wait_push(is_push("pool", "free", lead_id), TTL_DEADLINE_S, start)
        self.assertIsNotNone(free, f"the view did not end within {TTL_DEADLINE_S}s of a 1 s TTL")
        self.assertGreater(time.monotonic() - t0, 0.8, "the view ended before its TTL")
        [row] = await self.rows(b)
        self.assertEqual(row["phone"], masked(phone), "after the TTL the number is masked again")
        r = await c.call("pool.reveal", {"lead_id": lead_id})
        self.assertEqual(r["phone"], phone)
        ended = [e for e in await asyncio.to_thread(dump_events, self.server, "--type",
                                                    "RevealEnded")
                 if e["payload"]["lead_id"] == lead_id]
        self.assertEqual([e["payload"]["reason"] for e in ended], ["ttl"])

    async def test_disconnect_ends_the_view(self):
        _, (b, c) = await self.sales(2)
        phone = new_phone()
        [lead_id] = await self.float_leads([{"phone": phone}])
        await b.call("pool.reveal", {"lead_id": lead_id})
        await self.rejected(c, "pool.reveal", {"lead_id": lead_id}, "being_viewed")
        await b.close()

        async def revealed():
            r = await c.request("pool.reveal", {"lead_id": lead_id})
            return r if r.get("ok") else None
        r = await wait_until(revealed, 3.0, interval=0.1)
        self.assertTrue(r, "the view did not end when the viewer's connection closed")
        self.assertEqual(r["result"]["phone"], phone)

    async def test_the_last_connection_closing_ends_the_view(self):
        _, (b, c) = await self.sales(2)
        b2 = await self.as_user(b.label, label=f"{b.label}-2")
        [lead_id] = await self.float_leads([{"phone": new_phone()}])
        await b.call("pool.reveal", {"lead_id": lead_id})
        await self.close_and_wait(b)
        await self.rejected(c, "pool.reveal", {"lead_id": lead_id}, "being_viewed")
        await b2.close()

        async def revealed():
            r = await c.request("pool.reveal", {"lead_id": lead_id})
            return r.get("ok")
        self.assertTrue(await wait_until(revealed, 3.0, interval=0.1),
                        "the view did not end when the viewer's last connection closed")

    async def test_draining_the_pool_ends_open_views(self):
        """"An open view of a lead that leaves ends with it"; "a view's end is RevealEnded
        with its reason"; pool/free: "a view ended"."""
        _, (b, c) = await self.sales(2)
        await self.admin.call("statuses.upsert", {"code": "drain_t", "name": "Drain",
                                                  "floats": True})
        l1, l2 = await self.float_leads([{"phone": new_phone(), "status": "drain_t"},
                                         {"phone": new_phone()}])
        await c.call("subscribe", {"topics": ["pool"]})
        await b.call("pool.reveal", {"lead_id": l1})
        await c.call("pool.reveal", {"lead_id": l2})
        start = len(c.pushes)
        # The status stops floating: l1 leaves the pool, and b's view of it ends.
        await self.admin.call("statuses.upsert", {"code": "drain_t", "name": "Drain",
                                                  "floats": False})
        await self.settings(pool__enabled=False)
        for lead_id in (l1, l2):
            free = await c.wait_push(is_push("pool", "free", lead_id), PUSH_DEADLINE_S, start)
            self.assertIsNotNone(free, f"a view of lead {lead_id} ended as it left the pool, "
                                       f"but no pool/free was pushed")
        ended = {e["payload"]["lead_id"] for e in await asyncio.to_thread(
            dump_events, self.server, "--type", "RevealEnded")}
        self.assertTrue({l1, l2} <= ended, "the views' ends are not journaled as RevealEnded")

    async def test_a_claim_ends_an_open_view(self):
        _, (b, c) = await self.sales(2)
        l1, l2 = await self.float_leads([{"phone": new_phone()}, {"phone": new_phone()}])
        await b.call("subscribe", {"topics": ["pool"]})
        await b.call("pool.reveal", {"lead_id": l1})
        start = len(b.pushes)
        await c.call("pool.claim", {"lead_id": l1})  # viewing does not block claiming
        free = await b.wait_push(is_push("pool", "free", l1), PUSH_DEADLINE_S, start)
        self.assertIsNotNone(free, "the claim must end the open view (pool/free)")
        self.assertNotIn(l1, await self.row_ids(b))
        await self.rejected(b, "pool.reveal", {"lead_id": l1}, "already_claimed")
        self.assertEqual(await b.call("pool.hide", {"lead_id": l1}), {"hidden": False})
        # The viewer may reveal another number at once (the view ended).
        await b.call("pool.reveal", {"lead_id": l2})
        ended = [e for e in await asyncio.to_thread(dump_events, self.server, "--type",
                                                    "RevealEnded")
                 if e["payload"]["lead_id"] == l1]
        self.assertEqual([e["payload"]["reason"] for e in ended], ["claim"])


class PushesTest(PoolCase):

    async def test_a_big_float_is_one_refill_push_and_drops_nobody(self):
        # 150 leads floating in one tick used to queue a frame per lead on every pool screen.
        (_u,), (sale,) = await self.sales(1)
        await sale.call("subscribe", {"topics": ["pool"]})
        start = len(sale.pushes)
        ids = await self.import_leads([{"phone": new_phone()} for _ in range(150)])
        refill = await sale.wait_push(lambda p: p.get("push") == "pool" and p.get("type") == "refill",
                                      FLOAT_DEADLINE_S, start)
        self.assertIsNotNone(refill, "no pool/refill push for a 150-lead float")
        self.assertGreaterEqual(refill["data"]["entered"], 150)
        await sale.fence()
        entered = [p for p in sale.pushes[start:] if is_push("pool", "entered")(p)
                   and p["data"]["lead"]["lead_id"] in set(ids)]
        self.assertEqual(entered, [], "a big float must not send a frame per lead")
        self.assertFalse(sale.closed.is_set())
        self.assertIs((await sale.request("me", id="after-refill"))["ok"], True)

    async def test_a_fence_comes_after_every_push_of_earlier_batches(self):
        """schema/protocol.md "Pushes that scale": a request sent after a command's reply gets
        its reply only after every push that command caused, on every connection; many claims
        at once arrive as batch frames whose inner pushes read as if they came alone."""
        (_c, _w), (claimer, watcher) = await self.sales(2)
        await watcher.call("subscribe", {"topics": ["pool"]})
        ids = await self.import_leads([{"phone": new_phone()} for _ in range(40)])
        await self.wait_in_pool(ids)
        await watcher.fence()
        start, batches = len(watcher.pushes), len(watcher.batch_frames)
        sent = [await claimer.send_request("pool.claim", {"lead_id": i}) for i in ids]
        replies = [await asyncio.wait_for(f, 10) for _, f in sent]
        self.assertTrue(all(r["ok"] for r in replies), replies)
        await watcher.fence()  # no waiting for pushes: they are all here by now
        claimed = [p["data"]["lead_id"] for p in watcher.pushes[start:] if is_push("pool", "claimed")(p)]
        self.assertEqual(sorted(claimed), sorted(ids), "a claim's push came after the fence")
        seqs = [p["seq"] for p in watcher.pushes[start:]]
        self.assertEqual(seqs, sorted(seqs), "pushes out of order")
        # 40 claims sent at once commit in fewer batches than claims: some came together.
        self.assertGreater(len(watcher.batch_frames), batches, "no batch frame for 40 claims")
        for frame in watcher.batch_frames[batches:]:
            self.assertEqual(frame["seq"], frame["data"]["pushes"][-1]["seq"], frame)
            self.assertGreaterEqual(len(frame["data"]["pushes"]), 2, frame)

    async def test_pool_pushes(self):
        (owner_u, a_u, b_u), (owner, a, b) = await self.sales(3)
        for ws in (owner, a, b, self.manager):
            await ws.call("subscribe", {"topics": ["pool"]})
        phone = new_phone()
        t0 = time.monotonic()
        [lead_id] = await self.import_leads([{"phone": phone, "owner_id": owner_u["id"],
                                              "name": "Khách Đẩy"}])
        entered = await a.wait_push(is_push("pool", "entered", lead_id), FLOAT_DEADLINE_S)
        self.assertIsNotNone(entered, "no pool/entered push within 3 s of the import")
        self.assertLess(time.monotonic() - t0, FLOAT_DEADLINE_S)
        row = entered["data"]["lead"]
        self.assertEqual((row["lead_id"], row["phone"], row["masked"], row["name"]),
                         (lead_id, masked(phone), True, "Khách Đẩy"))
        self.assertEqual(row["entered_pool_at"], (await self.lead(lead_id))["entered_pool_at"])
        m = await self.manager.wait_push(is_push("pool", "entered", lead_id), PUSH_DEADLINE_S)
        self.assertIsNotNone(m, "the manager gets pool/entered too")
        self.assertEqual((m["data"]["lead"]["phone"], m["data"]["lead"]["masked"]),
                         (phone, False))
        await owner.fence()
        self.assertFalse([p for p in owner.pushes if is_push("pool", "entered", lead_id)(p)],
                         "the owner must not get pool/entered for their own lead")

        marks = {ws.label: len(ws.pushes) for ws in (owner, a, b, self.manager)}
        await a.call("pool.reveal", {"lead_id": lead_id})
        for ws in (b, self.manager, owner):
            got = await ws.wait_push(is_push("pool", "viewed", lead_id), PUSH_DEADLINE_S,
                                     marks[ws.label])
            self.assertIsNotNone(got, f"{ws.label} did not get pool/viewed")
            self.assertEqual(got["data"], {"lead_id": lead_id})
        await a.fence()
        self.assertFalse([p for p in a.pushes[marks[a.label]:]
                          if is_push("pool", "viewed", lead_id)(p)],
                         "the viewer must not get pool/viewed for their own reveal")

        await a.call("pool.hide", {"lead_id": lead_id})
        for ws in (a, b, self.manager):
            got = await ws.wait_push(is_push("pool", "free", lead_id), PUSH_DEADLINE_S,
                                     marks[ws.label])
            self.assertIsNotNone(got, f"{ws.label} did not get pool/free")
            self.assertEqual(got["data"], {"lead_id": lead_id})

        await b.call("pool.claim", {"lead_id": lead_id})
        for ws in (a, self.manager, owner):
            got = await ws.wait_push(is_push("pool", "claimed", lead_id), PUSH_DEADLINE_S,
                                     marks[ws.label])
            self.assertIsNotNone(got, f"{ws.label} did not get pool/claimed")
            self.assertEqual(got["data"], {"lead_id": lead_id, "by": b_u["id"]})

        # left: the owner acts on a floated lead.
        [other] = await self.float_leads([{"phone": new_phone(), "owner_id": owner_u["id"]}])
        mark = len(a.pushes)
        await owner.call("leads.note", {"lead_id": other, "text": "Đang gọi"})
        got = await a.wait_push(is_push("pool", "left", other), PUSH_DEADLINE_S, mark)
        self.assertIsNotNone(got, "no pool/left when the owner acted")
        self.assertEqual(got["data"], {"lead_id": other})
        # left: a manager reassigns a floated lead.
        [third] = await self.float_leads([{"phone": new_phone()}])
        mark = len(a.pushes)
        await self.manager.call("leads.assign", {"lead_id": third, "owner_id": owner_u["id"]})
        got = await a.wait_push(is_push("pool", "left", third), PUSH_DEADLINE_S, mark)
        self.assertIsNotNone(got, "no pool/left when a manager reassigned a pooled lead")
        # Every pool push carries a seq.
        for ws in (owner, a, b, self.manager):
            for p in ws.pushes:
                self.assertIsInstance(p.get("seq"), int, p)

    async def test_a_lead_that_leaves_by_a_managers_status_change_is_pushed(self):
        """A manager's update to a status that does not float takes the lead out of the pool
        (schema/protocol.md "Leaving"); every screen updates live from the pushes (SPEC.md
        section 8), so pool subscribers must be told the lead left (pool/left)."""
        _, (a,) = await self.sales(1)
        [lead_id] = await self.float_leads([{"phone": new_phone()}])
        await a.call("subscribe", {"topics": ["pool"]})
        mark = len(a.pushes)
        r = await self.manager.call("leads.update", {"lead_id": lead_id, "status": "call_back"})
        self.assertFalse(r["lead"]["in_pool"])
        got = await a.wait_push(is_push("pool", "left", lead_id), PUSH_DEADLINE_S, mark)
        self.assertIsNotNone(got, "the lead left the pool (a manager set a status that does "
                                  "not float) but pool subscribers were not told: "
                                  f"{a.pushes[mark:]}")


if __name__ == "__main__":
    unittest.main()
