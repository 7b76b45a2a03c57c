"""What a telesales floor trips over (issue 8, items 17, 19, 20, 21, 26, 27 and 29), over the real
protocol against the real binary:

- 17: a sale who opened an empty pool sees the leads that float in during the draw's window (the
  draw is topped up, never past pool.batch_size distinct leads), and the open screen is told;
- 19: an order from a lead takes the lead's phone and name and is an action on the lead;
- 20: combo lines take a discount like product lines;
- 21: leads.log_call records a call (an action) on the lead's call log;
- 26: a view does not outlive the process that showed it (it ends at restart, on record);
- 27: pool screens hear of rows that changed without leaving, and see which rows are viewed;
- 29: errors say what to do, in words people understand.

Every wait is bounded: a deadline, or a fence (a later request on the same connection is
answered after the pushes of earlier batches)."""

import asyncio
import itertools
import json
import time
import unittest
from datetime import datetime, timezone

from harness import RejectionChecks, ServerTestCase, SharedServer, wait_until

FLOAT_DEADLINE_S = 3.0   # "enters the pool within 2 seconds" + slack
PUSH_DEADLINE_S = 2.0    # "pushed within 1 s of its acknowledgement" + slack

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

# Each test has sales of its own: draws, cooldowns and work queues are per sale.
SALES = ["f17a", "f17b", "f19a", "f19b", "f21a", "f21b", "f27a", "f27b", "f27c", "f27d",
         "f29a"]
MANAGER = "fmanager"
_phones = itertools.count(14_000_000)


def pw(username):
    return f"{username}-password"


def new_phone():
    """A fresh valid VN mobile number, unique within this file's run (0914000000, ...)."""
    return f"09{next(_phones):08d}"


def masked(phone):
    return phone[:3] + "****" + phone[-3:]


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def row_lead_id(data):
    lead = (data or {}).get("lead") or {}
    return (data or {}).get("lead_id", lead.get("lead_id", lead.get("id")))


def is_push(topic, type_, lead_id=None):
    def match(p):
        if p.get("push") != topic or p.get("type") != type_:
            return False
        return lead_id is None or row_lead_id(p.get("data")) == lead_id
    return match


def json_lines(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


_shared = SharedServer()


def setUpModule():
    """One server, its users and their tokens for every test of this file."""
    _shared.start([(MANAGER, "manager", pw(MANAGER))] + [(u, "sale", pw(u)) for u in SALES])


def tearDownModule():
    _shared.stop()


class FloorCase(RejectionChecks, ServerTestCase):
    """The module's server; every test starts from the same pool settings and uses a source of
    its own, so draws and filters keep tests apart."""

    per_test = False

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
        self.manager = await self.as_user(MANAGER)
        await self.admin.call("settings.update", {"patch": BASELINE})

    async def as_user(self, username, label=None):
        return await self.connect(self.tokens[username], label=label or username)

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
        for _ in range(1000):
            args = {"in_pool": True, "limit": 1000}
            if cursor is not None:
                args["cursor"] = cursor
            page = await self.manager.call("leads.list", args)
            ids |= {l["id"] for l in page["items"]}
            cursor = page["next_cursor"]
            if cursor is None:
                break
        return ids

    async def wait_in_pool(self, ids, timeout=FLOAT_DEADLINE_S):
        """Waits (the manager's view) until every lead of ids is in the pool."""
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

    async def lead(self, lead_id, ws=None):
        return (await (ws or self.manager).call("leads.get", {"lead_id": lead_id}))["lead"]

    async def query(self, ws, **filters):
        filters.setdefault("source", self.src)
        return await ws.call("pool.query", {"filters": filters})

    async def rows(self, ws, **filters):
        return (await self.query(ws, **filters))["items"]

    async def row_ids(self, ws, **filters):
        return [r["lead_id"] for r in await self.rows(ws, **filters)]

    async def trail(self, lead_id):
        out = await asyncio.to_thread(self.server.journal, "trail", "--lead", str(lead_id))
        self.assertEqual(out.returncode, 0, out.stderr)
        return json_lines(out.stdout)

    async def fence(self, *conns):
        """A later request on each connection: its answer comes after every push of the
        batches acknowledged before it."""
        for ws in conns:
            await ws.call("me")


# ---------------------------------------------------------------------------------------------
# 17. An empty draw stays empty no more

class DrawTopUpTest(FloorCase):

    async def test_17_an_empty_draw_is_topped_up_within_its_window(self):
        await self.settings(pool__batch_size=3, pool__batch_window_s=60)
        sale = await self.as_user("f17a")
        await sale.call("subscribe", {"topics": ["pool"]})
        t0 = time.monotonic()
        empty = await self.query(sale)
        self.assertEqual(empty["items"], [], "the pool of this test's source starts empty")
        window = empty["window_ends_at"]
        self.assertIsInstance(window, str)

        phones = [new_phone() for _ in range(5)]
        start = len(sale.pushes)
        ids = await self.float_leads([{"phone": p, "name": f"Nổi {i}"}
                                      for i, p in enumerate(phones)])

        # The open pool screen is told of every lead that entered, masked for a sale.
        for lead_id, phone in zip(ids, phones):
            got = await sale.wait_push(is_push("pool", "entered", lead_id), PUSH_DEADLINE_S, start)
            self.assertIsNotNone(got, f"no pool/entered push for lead {lead_id}: "
                                      f"{sale.pushes[start:]}")
            row = got["data"]["lead"]
            self.assertEqual((row["phone"], row["masked"]), (masked(phone), True), got)
            self.assertNotIn(phone, json.dumps(got), "a pushed row carries the full number")

        # The same window shows them now: topped up to pool.batch_size, no more.
        topped = await self.query(sale)
        drawn = [r["lead_id"] for r in topped["items"]]
        self.assertEqual(len(drawn), 3,
                         "a sale who opened an empty pool must see the leads that floated in "
                         f"during the window, at most pool.batch_size (3) of them: {topped}")
        self.assertEqual(len(set(drawn)), 3, topped)
        self.assertTrue(set(drawn) <= set(ids), topped)
        self.assertEqual(topped["window_ends_at"], window, "the window does not move")
        for r in topped["items"]:
            self.assertEqual((r["phone"], r["masked"]), (masked(phones[ids.index(r["lead_id"])]),
                                                         True), r)
        again = await self.query(sale)
        self.assertEqual([r["lead_id"] for r in again["items"]], drawn,
                         "within the window the same draw is shown")
        self.assertEqual(again["window_ends_at"], window)

        # Claiming one leaves the others of the draw; no lead beyond the three is drawn in.
        await sale.call("pool.claim", {"lead_id": drawn[0]})
        after = await self.query(sale)
        self.assertEqual([r["lead_id"] for r in after["items"]], drawn[1:],
                         "within the window the draw, less the claimed lead (not refilled past "
                         "pool.batch_size distinct leads)")
        self.assertEqual(after["window_ends_at"], window)
        [late] = await self.float_leads([{"phone": new_phone(), "name": "Nổi muộn"}])
        later = await self.query(sale)
        self.assertEqual([r["lead_id"] for r in later["items"]], drawn[1:],
                         f"lead {late} floated in, but the window had drawn 3 leads already")
        self.assertEqual(later["window_ends_at"], window)
        self.assertLess(time.monotonic() - t0, 55, "the test was too slow for its 60 s window")

        # A fresh sale draws from what is in the pool now.
        fresh = await self.as_user("f17b")
        seen = await self.row_ids(fresh)
        self.assertEqual(len(seen), 3, seen)
        self.assertNotIn(drawn[0], seen, "a claimed lead is not in anyone's draw")


# ---------------------------------------------------------------------------------------------
# 19, 20. Orders from a lead; combo discounts

class OrdersTest(FloorCase):

    async def test_19_an_order_from_a_lead(self):
        sku = f"TEA-{self.tag}"[:40]
        await self.admin.call("products.upsert", {"sku": sku, "name": "Trà", "price": 45000})
        owner, other = await self.as_user("f19a"), await self.as_user("f19b")
        phone = new_phone()
        # call_back does not float: the lead stays the owner's, out of the pool.
        [lead_id] = await self.import_leads([{"phone": phone, "name": "Chị Lan",
                                              "owner_id": self.uid("f19a"),
                                              "status": "call_back"}])
        before = await self.lead(lead_id, owner)
        self.assertEqual(before["phone"], phone)

        r = await owner.request("orders.create", {"lead_id": lead_id,
                                                  "items": [{"sku": sku, "qty": 2}]})
        self.assertIs(r.get("ok"), True, f"an order from the owner's lead was refused: {r}")
        order = r["result"]["order"]
        self.assertEqual(order["lead_id"], lead_id, order)
        self.assertEqual(order["phone"], phone, "the order takes the lead's phone")
        self.assertEqual(order["name"], "Chị Lan", "the order takes the lead's name")
        self.assertEqual(order["total"], 90000, order)

        after = await self.lead(lead_id, owner)
        self.assertEqual(after["status"], "ordered", "an order is the call's result")
        self.assertGreater(parse_time(after["last_action_at"]),
                           parse_time(before["last_action_at"]),
                           "an order is an action on the lead: its last action moves")
        self.assertGreaterEqual(after["last_action_at"], order["created_at"])
        self.assertEqual(after["owner_id"], self.uid("f19a"))

        trail = await self.trail(lead_id)
        acted = [e for e in trail if e["type"] == "LeadActed"]
        self.assertTrue(any(e["payload"].get("status") == "ordered" for e in acted),
                        f"the lead's trail has no LeadActed with status ordered: {trail}")

        # Only who may work the lead orders from it; a lead_id goes alone.
        await self.rejected(other, "orders.create", {"lead_id": lead_id,
                                                     "items": [{"sku": sku, "qty": 1}]},
                            "not_found")
        await self.rejected(owner, "orders.create", {"lead_id": lead_id, "phone": phone,
                                                     "items": [{"sku": sku, "qty": 1}]},
                            "bad_request")
        self.assertNotIn(phone, json.dumps(other.frames), "the lead's phone reached another sale")

    async def test_20_combo_discounts(self):
        sku = f"SOAP-{self.tag}"[:40]
        code = f"CB-{self.tag}"[:40]
        await self.admin.call("products.upsert", {"sku": sku, "name": "Xà phòng", "price": 25000})
        await self.admin.call("combos.upsert", {"code": code, "name": "Bộ đôi", "price": 60000,
                                                "items": [{"sku": sku, "qty": 3}]})
        phone = new_phone()

        async def order(combo):
            r = await self.manager.request("orders.create", {
                "phone": phone, "name": "Khách Combo", "combos": [combo]})
            self.assertIs(r.get("ok"), True, f"orders.create with combo {combo}: {r}")
            return r["result"]["order"]

        o = await order({"code": code, "qty": 2, "discount_amount": 50000})
        [line] = o["lines"]
        self.assertEqual((line["total"], o["total"]), (70000, 70000),
                         f"2 x 60000 less 50000 off the combo line: {o}")
        self.assertEqual(line.get("discount_amount"), 50000, line)
        o = await order({"code": code, "qty": 2, "discount_pct": 10})
        [line] = o["lines"]
        self.assertEqual((line["total"], o["total"]), (108000, 108000),
                         f"2 x 60000 less 10 %: {o}")

        for bad in ({"code": code, "qty": 2, "discount_amount": 1000, "discount_pct": 5},
                    {"code": code, "qty": 2, "discount_amount": 120001},
                    {"code": code, "qty": 2, "discount_pct": 101},
                    {"code": code, "qty": 2, "discount_amount": -1},
                    {"code": code, "qty": 2, "discount_pct": -5}):
            with self.subTest(combo=bad):
                await self.rejected(self.manager, "orders.create", {
                    "phone": phone, "name": "Khách Combo", "combos": [bad]}, "bad_request")


# ---------------------------------------------------------------------------------------------
# 21. A call logged by hand

class CallLogTest(FloorCase):

    async def test_21_log_call_records_a_call_and_is_an_action(self):
        owner, other = await self.as_user("f21a"), await self.as_user("f21b")
        phone = new_phone()
        [lead_id, free] = await self.float_leads([
            {"phone": phone, "name": "Anh Tuấn", "owner_id": self.uid("f21a")},
            {"phone": new_phone()}])
        self.assertIn(lead_id, await self.row_ids(other))
        await self.settings(pool__float_all=False)  # an acted-on lead does not float straight back
        await other.call("subscribe", {"topics": ["pool"]})
        start = len(other.pushes)

        args = {"lead_id": lead_id, "direction": "out", "duration_s": 35,
                "outcome": "no_answer", "note": "rang twice"}
        r = await owner.request("leads.log_call", args)
        self.assertIs(r.get("ok"), True, f"leads.log_call by the owner: {r}")
        detail = r["result"]
        self.assertEqual(set(detail), {"lead", "notes", "calls"}, detail)
        call = detail["calls"][-1]
        self.assertEqual((call["direction"], call["duration_s"], call["state"]),
                         ("out", 35, "no_answer"), call)
        self.assertEqual(call.get("by"), self.uid("f21a"), call)
        self.assertEqual(detail["notes"][-1]["text"], "rang twice", detail)
        self.assertFalse(detail["lead"]["in_pool"], "a call by the owner takes the lead out")

        got = await owner.call("leads.get", {"lead_id": lead_id})
        self.assertEqual(got["calls"], detail["calls"])
        self.assertEqual(got["notes"], detail["notes"])

        left = await other.wait_push(is_push("pool", "left", lead_id), PUSH_DEADLINE_S, start)
        self.assertIsNotNone(left, f"no pool/left when the owner logged a call: "
                                   f"{other.pushes[start:]}")
        ids = await self.row_ids(other)
        self.assertNotIn(lead_id, ids, "the called lead is still in another sale's pool")
        self.assertIn(free, ids)

        await self.rejected(other, "leads.log_call", dict(args, lead_id=free), "forbidden")
        await self.rejected(other, "leads.log_call", args, "forbidden")
        await self.rejected(owner, "leads.log_call", dict(args, direction="sideways"),
                            "bad_request")
        await self.rejected(owner, "leads.log_call", dict(args, duration_s=-1), "bad_request")

        trail = await self.trail(lead_id)
        called = [e for e in trail if e["type"] == "LeadCalled"]
        self.assertEqual(len(called), 1, f"the lead's trail lists no LeadCalled: {trail}")
        self.assertEqual(called[0]["payload"].get("duration_s"), 35, called)


# ---------------------------------------------------------------------------------------------
# 27. Pool screens

class PoolScreensTest(FloorCase):

    async def test_27_a_managers_note_or_status_on_a_pooled_lead_is_pushed_as_changed(self):
        a, b = await self.as_user("f27a"), await self.as_user("f27b")
        phone, other_phone = new_phone(), new_phone()
        [lead_id] = await self.float_leads([{"phone": phone, "name": "Cô Hạnh"}])
        for ws in (a, self.manager):
            await ws.call("subscribe", {"topics": ["pool"]})
        start, m_start = len(a.pushes), len(self.manager.pushes)

        text = f"Khách hẹn chiều, số phụ {other_phone}"
        await self.manager.call("leads.note", {"lead_id": lead_id, "text": text})
        got = await a.wait_push(is_push("pool", "changed", lead_id), PUSH_DEADLINE_S, start)
        self.assertIsNotNone(got, "a manager's note on a pooled lead: no pool/changed push to a "
                                  f"sale's pool screen: {a.pushes[start:]}")
        row = got["data"]["lead"]
        self.assertEqual((row["phone"], row["masked"]), (masked(phone), True), got)
        note = row["last_note"] or ""
        self.assertTrue(note.startswith("Khách hẹn chiều"), f"last_note is not the new note: {got}")
        self.assertNotIn(other_phone, note, f"a number in the note reached a sale: {got}")
        self.assertNotIn(phone, json.dumps(got), got)
        m = await self.manager.wait_push(is_push("pool", "changed", lead_id), PUSH_DEADLINE_S,
                                         m_start)
        self.assertIsNotNone(m, "the manager's pool screen got no pool/changed")
        self.assertEqual((m["data"]["lead"]["phone"], m["data"]["lead"]["last_note"]),
                         (phone, text), m)

        start = len(a.pushes)
        r = await self.manager.call("leads.update", {"lead_id": lead_id, "status": "busy"})
        self.assertTrue(r["lead"]["in_pool"], "busy floats: the lead stays in the pool")
        got = await a.wait_push(is_push("pool", "changed", lead_id), PUSH_DEADLINE_S, start)
        self.assertIsNotNone(got, "a manager's status change (still floating): no pool/changed: "
                                  f"{a.pushes[start:]}")
        self.assertEqual(got["data"]["lead"]["status"], "busy", got)
        self.assertEqual(got["data"]["lead"]["phone"], masked(phone), got)
        [row] = await self.rows(b)
        self.assertEqual((row["status"], row["phone"]), ("busy", masked(phone)), row)

    async def test_27_unassigning_a_lead_out_of_the_pool_pushes_no_left(self):
        a = await self.as_user("f27c")
        # Owned, in a status that does not float: not in the pool.
        [lead_id] = await self.import_leads([{"phone": new_phone(), "status": "call_back",
                                              "owner_id": self.uid("f27a")}])
        for ws in (a, self.manager):
            await ws.call("subscribe", {"topics": ["pool"]})
        await self.fence(a, self.manager)
        self.assertFalse((await self.lead(lead_id))["in_pool"])
        start, m_start = len(a.pushes), len(self.manager.pushes)
        r = await self.manager.call("leads.assign", {"lead_id": lead_id, "owner_id": None})
        self.assertIsNone(r["lead"]["owner_id"])
        self.assertFalse(r["lead"]["in_pool"])
        await self.fence(a, self.manager)
        for ws, mark in ((a, start), (self.manager, m_start)):
            stray = [p for p in ws.pushes[mark:] if is_push("pool", "left", lead_id)(p)]
            self.assertEqual(stray, [], f"{ws.label}: pool/left for a lead that was never in "
                                        "the pool")

    async def test_27_rows_show_being_viewed(self):
        a, b = await self.as_user("f27d"), await self.as_user("f27b", label="f27b-2")
        phone = new_phone()
        [lead_id] = await self.float_leads([{"phone": phone}])
        [row] = await self.rows(b)
        self.assertIs(row.get("being_viewed"), False, f"a row nobody views: {row}")
        await a.call("pool.reveal", {"lead_id": lead_id})
        [row] = await self.rows(b)
        self.assertIs(row.get("being_viewed"), True, f"another sale views it: {row}")
        self.assertEqual(row["phone"], masked(phone))
        [row] = await self.rows(a)
        self.assertIs(row.get("being_viewed"), False, f"the viewer's own row: {row}")
        self.assertEqual(row["phone"], phone)
        await a.call("pool.hide", {"lead_id": lead_id})
        [row] = await self.rows(b)
        self.assertIs(row.get("being_viewed"), False, f"after pool.hide: {row}")


# ---------------------------------------------------------------------------------------------
# 29. Messages people understand

class MessagesTest(FloorCase):

    async def test_29_view_cooldown_says_how_long_to_wait(self):
        await self.settings(pool__reveal_cooldown_s=30)
        sale = await self.as_user("f29a")
        l1, l2 = await self.float_leads([{"phone": new_phone()}, {"phone": new_phone()}])
        await sale.call("pool.reveal", {"lead_id": l1})
        err = await self.rejected(sale, "pool.reveal", {"lead_id": l2}, "view_cooldown")
        retry = err.get("retry_after_s")
        self.assertIsInstance(retry, int, err)
        self.assertTrue(1 <= retry <= 30, err)
        self.assertIn(f"wait {retry} s", err.get("message", ""),
                      f"the message does not say how long to wait: {err}")

    async def test_29_forbidden_names_the_role(self):
        sale = await self.as_user("f29a", label="f29a-forbidden")
        patch = {"patch": {"pool.batch_size": 7}}
        err = await self.rejected(sale, "settings.update", patch, "forbidden")
        self.assertEqual(err["message"], "a sale may not do this", err)
        err = await self.rejected(self.manager, "settings.update", patch, "forbidden")
        self.assertEqual(err["message"], "a manager may not do this", err)
        [lead_id] = await self.float_leads([{"phone": new_phone()}])
        err = await self.rejected(self.admin, "pool.claim", {"lead_id": lead_id}, "forbidden")
        self.assertNotIn("a admin", err["message"], err)
        self.assertEqual(err["message"], "an admin may not do this", err)

    async def test_29_a_too_long_name_says_the_limit(self):
        name = "a" * 201
        err = await self.rejected(self.manager, "customers.create",
                                  {"name": name, "phones": [new_phone()]}, "bad_request")
        self.assertIn("at most 200", err["message"], err)
        err = await self.rejected(self.admin, "teams.create", {"name": name}, "bad_request")
        self.assertIn("at most 200", err["message"], err)
        # 200 bytes is fine.
        await self.manager.call("customers.create", {"name": "a" * 200, "phones": [new_phone()]})

    async def test_29_a_blank_note_is_refused_and_is_no_action(self):
        [lead_id] = await self.import_leads([{"phone": new_phone(), "status": "call_back"}])
        before = await self.lead(lead_id)
        for text in ("   ", "\u00a0\u3000 "):
            with self.subTest(text=text):
                await self.rejected(self.manager, "leads.note", {"lead_id": lead_id,
                                                                 "text": text},
                                    "bad_request")
        after = (await self.manager.call("leads.get", {"lead_id": lead_id}))
        self.assertEqual(after["lead"]["last_action_at"], before["last_action_at"])
        self.assertEqual(after["notes"], [], after)


# ---------------------------------------------------------------------------------------------
# 26. A view ends at restart (a server of its own: it restarts)

class RestartViewTest(RejectionChecks, ServerTestCase):
    per_test = True

    async def test_26_a_view_ends_at_restart(self):
        _, admin = await self.login_ws("admin", label="admin")
        r1 = await self.create_user(admin, "rview1", "sale", password=pw("rview1"))
        r2 = await self.create_user(admin, "rview2", "sale", password=pw("rview2"))
        await admin.call("settings.update", {"patch": dict(BASELINE)})
        phone = new_phone()
        [lead_id] = (await admin.call("leads.import", {"leads": [
            {"phone": phone, "name": "Bác Sơn"}]}))["ids"]

        async def floated():
            return (await admin.call("leads.get", {"lead_id": lead_id}))["lead"]["in_pool"]
        self.assertTrue(await wait_until(floated, FLOAT_DEADLINE_S), "the lead did not float")
        token1, first = await self.login_ws("rview1", pw("rview1"), label="rview1")
        token2, second = await self.login_ws("rview2", pw("rview2"), label="rview2")
        r = await first.call("pool.reveal", {"lead_id": lead_id})
        self.assertEqual(r["phone"], phone)
        await self.rejected(second, "pool.reveal", {"lead_id": lead_id}, "being_viewed")

        # SIGTERM with the viewer still connected, then the same journal again.
        code = await asyncio.to_thread(self.server.restart)
        self.assertEqual(code, 0, self.server.stderr_tail())
        for ws in self.clients:
            await ws.close()
        second = await self.connect(token2, label="rview2-again")
        r = await second.request("pool.reveal", {"lead_id": lead_id})
        self.assertIs(r.get("ok"), True,
                      f"after a restart the number is still held by a view of the last run: {r}")
        self.assertEqual(r["result"]["phone"], phone)

        views = (await second.call("pool.views", {"lead_id": lead_id}))["views"]
        self.assertEqual([v["user_id"] for v in views], [r1["id"], r2["id"]], views)
        trail = await asyncio.to_thread(self.server.journal, "trail", "--lead", str(lead_id))
        self.assertEqual(trail.returncode, 0, trail.stderr)
        ended = [e for e in json_lines(trail.stdout) if e["type"] == "RevealEnded"]
        self.assertEqual([(e["payload"].get("by"), e["payload"].get("reason")) for e in ended],
                         [(r1["id"], "restart")],
                         f"the first view must end on record with reason restart: {ended}")


    async def test_a_restart_forgets_draw_windows_and_staged_imports(self):
        """What is not journaled (schema/protocol.md "The engine"): a sale's draw window and
        the staged chunks of an unfinished import. After a restart the sale's next pool.query
        draws afresh, and a final chunk that gives its batch's row count is refused whole."""
        _, admin = await self.login_ws("admin", label="admin")
        await self.create_user(admin, "rdraw1", "sale", password=pw("rdraw1"))
        await admin.call("settings.update", {"patch": dict(BASELINE, **{"pool.batch_window_s": 3600})})
        phones = [new_phone() for _ in range(3)]
        ids = (await admin.call("leads.import", {"leads": [{"phone": p} for p in phones]}))["ids"]

        async def floated():
            r = await admin.call("leads.list", {"in_pool": True})
            return len(r["items"]) == len(ids)
        self.assertTrue(await wait_until(floated, FLOAT_DEADLINE_S), "the leads did not float")
        token, sale = await self.login_ws("rdraw1", pw("rdraw1"), label="rdraw1")
        first = await sale.call("pool.query")
        self.assertEqual([row["lead_id"] for row in first["items"]], ids)
        again = await sale.call("pool.query")
        self.assertEqual(again["window_ends_at"], first["window_ends_at"], "the window did not hold")

        rows = [{"phone": new_phone()} for _ in range(4)]
        r = await admin.call("leads.import", {"leads": rows[:2], "batch": {"id": "before-restart"}})
        self.assertEqual(r, {"staged": True})

        code = await asyncio.to_thread(self.server.restart)
        self.assertEqual(code, 0, self.server.stderr_tail())
        for ws in self.clients:
            await ws.close()
        sale = await self.connect(token, label="rdraw1-again")
        after = await sale.call("pool.query")
        self.assertGreater(after["window_ends_at"], first["window_ends_at"],
                           "a draw window of the last run survived the restart")
        self.assertEqual([row["lead_id"] for row in after["items"]], ids)

        _, admin = await self.login_ws("admin", label="admin-again")
        await self.rejected(admin, "leads.import",
                            {"leads": rows[2:], "batch": {"id": "before-restart", "final": True,
                                                          "rows": 4}},
                            "bad_request", "has 2 rows here, not 4", "nothing was imported",
                            "new batch id")
        in_list = {l["phone"] for l in (await admin.call("leads.list"))["items"]}
        self.assertFalse(in_list & {row["phone"] for row in rows}, "part of a batch was imported")
        # Sent again whole under a new id, with its count, it imports whole.
        await admin.call("leads.import", {"leads": rows[:2], "batch": {"id": "after-restart"}})
        r = await admin.call("leads.import", {"leads": rows[2:], "batch": {"id": "after-restart",
                                                                           "final": True, "rows": 4}})
        self.assertEqual(len([i for i in r["ids"] if i is not None]), 4, r)


if __name__ == "__main__":
    unittest.main()
