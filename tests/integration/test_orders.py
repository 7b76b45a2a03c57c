"""Orders (PROTOCOL.md "Customers and orders" and "Subscriptions", SPEC.md sections 5 and 6,
schema/protocol.md "Orders", "System messages" and "Pushes (issue 3)"): line totals and discounts,
refused lines, where an order's customer comes from, numbers, the status flow, who sees which
order, list filters and paging, purchase history, source rules, auto-distribution and system
messages, pushes on `orders`, idempotency keys, and that a restart and the journal CLI keep it all.

Expected totals are written out by hand, not computed the server's way."""

import asyncio
import json
import time
import unittest

from harness import CommerceCase

PUSH_DEADLINE_S = 1.0  # "A change is pushed within 1 s of its acknowledgement."
PW = {"sale1": "sale-one-password", "sale2": "sale-two-password",
      "sale3": "sale-three-password", "manager1": "manager-one-password"}
ORDER_STATUSES = ["draft", "new", "confirmed", "shipping", "delivered", "returned", "cancelled"]
# schema/protocol.md "Orders": draft -> new -> confirmed -> shipping -> delivered; returned from
# shipping or delivered; cancelled from draft, new or confirmed; returned and cancelled are final.
ALLOWED = {("draft", "new"), ("new", "confirmed"), ("confirmed", "shipping"),
           ("shipping", "delivered"), ("shipping", "returned"), ("delivered", "returned"),
           ("draft", "cancelled"), ("new", "cancelled"), ("confirmed", "cancelled")}
# How to bring a new order (created as "new", or "draft") to each status.
PATH = {"draft": [], "new": [], "confirmed": ["confirmed"],
        "shipping": ["confirmed", "shipping"], "delivered": ["confirmed", "shipping", "delivered"],
        "returned": ["confirmed", "shipping", "returned"], "cancelled": ["cancelled"]}

PHONE_X = "0912345678"
PHONE_Y = "0987654321"


def is_push(topic, type_, order_id=None):
    def match(p):
        if p.get("push") != topic or p.get("type") != type_:
            return False
        return order_id is None or pushed_order_id(p) == order_id
    return match


def pushed_order_id(p):
    data = p.get("data")
    order = data.get("order") if isinstance(data, dict) else None
    return order.get("id") if isinstance(order, dict) else None


class OrdersTest(CommerceCase):

    async def catalog(self, admin):
        await admin.call("products.upsert", {"sku": "SOAP", "name": "Xà phòng", "price": 20100})
        await admin.call("products.upsert", {"sku": "CREAM", "name": "Kem dưỡng",
                                             "price": 150000})
        await admin.call("products.upsert", {"sku": "TEA", "name": "Trà", "price": 45000})
        await admin.call("combos.upsert", {"code": "GIFT", "name": "Hộp quà", "price": 99000,
                                           "items": [{"sku": "SOAP", "qty": 2},
                                                     {"sku": "CREAM", "qty": 1}]})

    async def users(self, admin, *names):
        out = {}
        for name in names:
            role = "manager" if name.startswith("manager") else "sale"
            out[name] = await self.create_user(admin, name, role, password=PW[name])
        return out

    async def order(self, ws, status=None, **args):
        args.setdefault("items", [{"sku": "TEA", "qty": 1}])
        if "customer_id" not in args:
            args.setdefault("phone", PHONE_X)
            args.setdefault("name", "Khách X")
        if status:
            args["status"] = status
        return (await ws.call("orders.create", args))["order"]

    async def order_ids(self, ws, filters=None, **extra):
        args = dict(extra)
        if filters is not None:
            args["filters"] = filters
        return [o["id"] for o in (await ws.call("orders.list", args))["items"]]

    # ---- totals ----
    async def test_line_totals_and_discounts(self):
        admin = await self.admin()
        await self.catalog(admin)

        # 12.5 % of 20,100 is 2,512.5: rounded half up to 2,513.
        o = await self.order(admin, items=[{"sku": "SOAP", "qty": 1, "discount_pct": 12.5}])
        self.assertEqual(o["total"], 17587)
        self.assertEqual(len(o["lines"]), 1)
        line = o["lines"][0]
        self.assertEqual((line["kind"], line["sku"], line["name"], line["qty"], line["price"],
                          line["discount_amount"], line["total"]),
                         ("product", "SOAP", "Xà phòng", 1, 20100, 2513, 17587))
        self.assertEqual(line.get("discount_pct"), 12.5)

        # 12.5 % of 3 x 20,100 = 60,300 is 7,537.5 -> 7,538.
        o = await self.order(admin, items=[{"sku": "SOAP", "qty": 3, "discount_pct": 12.5}])
        self.assertEqual(o["total"], 52762)
        # 0.5 % of 20,100 is 100.5 -> 101; 33.33 % of 150,000 is 49,995.
        o = await self.order(admin, items=[{"sku": "SOAP", "qty": 1, "discount_pct": 0.5},
                                           {"sku": "CREAM", "qty": 1, "discount_pct": 33.33}])
        self.assertEqual([l["total"] for l in o["lines"]], [19999, 100005])
        self.assertEqual(o["total"], 120004)

        # An amount off the line: 2 x 150,000 - 25,000.
        o = await self.order(admin, items=[{"sku": "CREAM", "qty": 2, "discount_amount": 25000}])
        self.assertEqual(o["total"], 275000)
        self.assertEqual((o["lines"][0]["discount_amount"], o["lines"][0]["total"]),
                         (25000, 275000))

        # A combo line is qty x combo price.
        o = await self.order(admin, items=[], combos=[{"code": "GIFT", "qty": 3}])
        self.assertEqual(o["total"], 297000)
        line = o["lines"][0]
        self.assertEqual((line["kind"], line["code"], line["name"], line["qty"], line["price"],
                          line["total"]), ("combo", "GIFT", "Hộp quà", 3, 99000, 297000))

        # Several lines: 17,587 + 275,000 + 60,300 + 99,000.
        o = await self.order(admin,
                             items=[{"sku": "SOAP", "qty": 1, "discount_pct": 12.5},
                                    {"sku": "CREAM", "qty": 2, "discount_amount": 25000},
                                    {"sku": "SOAP", "qty": 3}],
                             combos=[{"code": "GIFT", "qty": 1}])
        self.assertEqual([l["total"] for l in o["lines"]], [17587, 275000, 60300, 99000])
        self.assertEqual([l["kind"] for l in o["lines"]], ["product"] * 3 + ["combo"])
        self.assertEqual(o["total"], 451887)

        # The edges are allowed: 100 % off, and an amount equal to the line.
        o = await self.order(admin, items=[{"sku": "TEA", "qty": 2, "discount_pct": 100},
                                           {"sku": "SOAP", "qty": 2, "discount_amount": 40200},
                                           {"sku": "CREAM", "qty": 1, "discount_pct": 0}])
        self.assertEqual([l["total"] for l in o["lines"]], [0, 0, 150000])
        self.assertEqual(o["total"], 150000)

        # orders.get gives the same order back.
        again = (await admin.call("orders.get", {"order_id": o["id"]}))["order"]
        self.assertEqual(again, o)

    async def test_every_invalid_line_is_refused_naming_it(self):
        admin = await self.admin()
        await self.catalog(admin)
        good = {"sku": "TEA", "qty": 1}
        cases = [
            ({"items": [good, {"sku": "GHOST", "qty": 1}]}, "items[1]"),
            ({"items": [{"sku": "tea", "qty": 1}]}, "items[0]"),
            ({"items": [{"sku": "TEA", "qty": 0}]}, "items[0]"),
            ({"items": [good, good, {"sku": "TEA", "qty": -2}]}, "items[2]"),
            ({"items": [{"sku": "TEA", "qty": 1000001}]}, "items[0]"),
            ({"items": [good, {"sku": "TEA", "qty": 1, "discount_pct": 10,
                               "discount_amount": 100}]}, "items[1]"),
            ({"items": [{"sku": "TEA", "qty": 1, "discount_pct": 100.5}]}, "items[0]"),
            ({"items": [{"sku": "TEA", "qty": 1, "discount_pct": -5}]}, "items[0]"),
            ({"items": [{"sku": "TEA", "qty": 1, "discount_pct": 12.345}]}, "items[0]"),
            # 2 x 150,000 = 300,000: 300,001 off is above the line.
            ({"items": [good, {"sku": "CREAM", "qty": 2, "discount_amount": 300001}]},
             "items[1]"),
            ({"items": [{"sku": "TEA", "qty": 1, "discount_amount": -1}]}, "items[0]"),
            ({"items": [good], "combos": [{"code": "NOPE", "qty": 1}]}, "combos[0]"),
            ({"items": [], "combos": [{"code": "GIFT", "qty": 1}, {"code": "GIFT", "qty": 0}]},
             "combos[1]"),
            ({"items": []}, None),
            ({"items": [], "combos": []}, None),
            ({}, None),
            ({"items": [good] * 101}, None),
        ]
        for extra, needle in cases:
            args = {"phone": PHONE_X, "name": "Khách Mới", **extra}
            needles = [needle] if needle else []
            await self.rejected(admin, "orders.create", args, "bad_request", *needles)
        # Totals that would overflow a 64-bit integer: 10 lines of 10^12 x 10^6 = 10^19.
        await admin.call("products.upsert", {"sku": "GOLD", "name": "Gold", "price": 10 ** 12})
        await admin.call("combos.upsert", {"code": "VAULT", "name": "Vault", "price": 10 ** 12,
                                           "items": [{"sku": "GOLD", "qty": 1}]})
        huge = {"sku": "GOLD", "qty": 1000000}
        await self.rejected(admin, "orders.create",
                            {"phone": PHONE_X, "name": "Khách Mới", "items": [huge] * 10},
                            "bad_request")
        await self.rejected(admin, "orders.create",
                            {"phone": PHONE_X, "name": "Khách Mới", "items": [huge] * 9,
                             "combos": [{"code": "VAULT", "qty": 1000000}]}, "bad_request")
        # A lead or a conversation that does not exist (conversations come with the inbox).
        await self.rejected(admin, "orders.create",
                            {"lead_id": 1, "phone": PHONE_X, "name": "Khách Mới",
                             "items": [good]}, "not_found")
        await self.rejected(admin, "orders.create",
                            {"conversation_id": 1, "phone": PHONE_X, "name": "Khách Mới",
                             "items": [good]}, "not_found")
        await self.rejected(admin, "orders.create",
                            {"phone": PHONE_X, "name": "Khách Mới", "items": [good],
                             "warehouse": "NOWHERE"}, "bad_request", "warehouse")
        await self.rejected(admin, "orders.create",
                            {"phone": PHONE_X, "name": "Khách Mới", "items": [good],
                             "status": "confirmed"}, "bad_request")
        # None of it made an order or a customer card.
        self.assertEqual(await self.order_ids(admin), [])
        self.assertEqual((await admin.call("customers.search", {"q": PHONE_X}))["items"], [])
        self.assertEqual((await admin.call("orders.by_phone", {"phone": PHONE_X}))["items"], [])
        o = await self.order(admin)
        self.assertEqual((o["id"], o["number"]), (1, "ORD-000001"))
        # 100 lines are allowed.
        o = await self.order(admin, items=[good] * 100)
        self.assertEqual(o["total"], 100 * 45000)
        # 9 x 10^18 still fits in 64 bits.
        o = await self.order(admin, items=[huge] * 9)
        self.assertEqual(o["total"], 9 * 10 ** 18)

    # ---- customers ----
    async def test_order_from_a_customer_card_takes_its_details(self):
        admin = await self.admin()
        await self.catalog(admin)
        c = (await admin.call("customers.create", {
            "name": "Trần Thị Mai", "phones": ["+84 912 345 678", "0987.654.321"],
            "address": "5 Lê Lợi, Huế"}))["customer"]
        o = await self.order(admin, customer_id=c["id"])
        self.assertEqual((o["customer_id"], o["phone"], o["name"], o["address"]),
                         (c["id"], PHONE_X, "Trần Thị Mai", "5 Lê Lợi, Huế"))
        # Given details win over the card's; a phone of the card in another spelling is fine.
        o = await self.order(admin, customer_id=c["id"], phone="+84 98 765 4321",
                             address="Kho 2, Đà Nẵng")
        self.assertEqual((o["customer_id"], o["phone"], o["name"], o["address"]),
                         (c["id"], PHONE_Y, "Trần Thị Mai", "Kho 2, Đà Nẵng"))
        got = await admin.call("customers.get", {"customer_id": c["id"]})
        self.assertEqual([x["id"] for x in got["orders"]], [1, 2])

        # A card without a phone cannot make an order without one.
        bare = (await admin.call("customers.create", {"name": "No phone"}))["customer"]
        await self.rejected(admin, "orders.create",
                            {"customer_id": bare["id"], "items": [{"sku": "TEA", "qty": 1}]},
                            "bad_request", "phone")
        await self.rejected(admin, "orders.create",
                            {"customer_id": 999, "items": [{"sku": "TEA", "qty": 1}]},
                            "not_found")

    async def test_order_from_a_known_phone_links_its_customer(self):
        admin = await self.admin()
        await self.catalog(admin)
        c = (await admin.call("customers.create", {"name": "Lê Văn Nam", "phones": [PHONE_X],
                                                   "address": "Hà Nội"}))["customer"]
        for spelling in ("+84 912 345 678", "0912.345.678", "84912345678"):
            o = (await admin.call("orders.create", {"phone": spelling,
                                                    "items": [{"sku": "TEA", "qty": 1}]}))
            o = o["order"]
            self.assertEqual((o["customer_id"], o["phone"], o["name"], o["address"]),
                             (c["id"], PHONE_X, "Lê Văn Nam", "Hà Nội"), spelling)
        # No second card was made.
        found = (await admin.call("customers.search", {"q": "0912"}))["items"]
        self.assertEqual([x["id"] for x in found], [c["id"]])
        self.assertEqual(len((await admin.call("customers.get", {"customer_id": c["id"]}))
                             ["orders"]), 3)

    async def test_order_from_a_new_phone_creates_the_customer(self):
        admin = await self.admin()
        await self.catalog(admin)
        users = await self.users(admin, "sale1")
        _, sale = await self.login_ws("sale1", PW["sale1"])
        o = (await sale.call("orders.create", {
            "phone": "+84 987 654 321", "name": "Phạm Thu Hà", "address": "Cần Thơ",
            "items": [{"sku": "SOAP", "qty": 2}]}))["order"]
        self.assertEqual((o["phone"], o["name"], o["address"], o["total"]),
                         (PHONE_Y, "Phạm Thu Hà", "Cần Thơ", 40200))
        self.assertEqual(o["created_by"], users["sale1"]["id"])
        found = (await sale.call("customers.search", {"q": "0987 654"}))["items"]
        self.assertEqual(len(found), 1, found)
        card = found[0]
        self.assertEqual(card["id"], o["customer_id"])
        self.assertEqual((card["name"], card["phones"], card["address"]),
                         ("Phạm Thu Hà", [PHONE_Y], "Cần Thơ"))
        self.assertEqual(card["responsible_id"], users["sale1"]["id"],
                         "the creating sale is responsible for the new card")
        self.assertEqual([x["id"] for x in (await sale.call("customers.search",
                                                            {"q": "thu ha"}))["items"]],
                         [card["id"]])
        # A second order from that phone uses the same card.
        o2 = (await sale.call("orders.create", {"phone": "0987654321",
                                                "items": [{"sku": "TEA", "qty": 1}]}))["order"]
        self.assertEqual((o2["customer_id"], o2["name"]), (card["id"], "Phạm Thu Hà"))

        # No phone at all, or an invalid one: refused, and no card is made.
        await self.rejected(sale, "orders.create",
                            {"name": "Ai đó", "items": [{"sku": "TEA", "qty": 1}]},
                            "bad_request", "phone")
        await self.rejected(sale, "orders.create",
                            {"phone": "12345", "name": "Ai đó",
                             "items": [{"sku": "TEA", "qty": 1}]}, "bad_request", "phone")
        await self.rejected(sale, "orders.create",
                            {"phone": "0901234567", "items": [{"sku": "TEA", "qty": 1}]},
                            "bad_request", "name")
        self.assertEqual((await sale.call("customers.search", {"q": "090"}))["items"], [])

    async def test_numbers_are_sequential(self):
        admin = await self.admin()
        await self.catalog(admin)
        numbers = []
        for i in range(12):
            o = await self.order(admin)
            numbers.append((o["id"], o["number"]))
            if i == 4:  # a refused order takes no number
                await self.rejected(admin, "orders.create",
                                    {"phone": PHONE_X, "items": [{"sku": "X", "qty": 1}]},
                                    "bad_request")
        self.assertEqual(numbers, [(i, f"ORD-{i:06d}") for i in range(1, 13)])
        self.assertEqual((await admin.call("orders.get", {"order_id": 10}))["order"]["number"],
                         "ORD-000010")

    # ---- status flow ----
    async def test_status_flow(self):
        admin = await self.admin()
        await self.catalog(admin)

        async def order_in(status):
            o = await self.order(admin, status="draft" if status == "draft" else None)
            for step in PATH[status]:
                o = (await admin.call("orders.set_status", {"order_id": o["id"],
                                                            "status": step}))["order"]
            self.assertEqual(o["status"], status)
            return o

        # Every allowed move works.
        for frm, to in sorted(ALLOWED):
            o = await order_in(frm)
            r = await admin.request("orders.set_status", {"order_id": o["id"], "status": to})
            self.assertIs(r.get("ok"), True, f"{frm} -> {to}: {r}")
            self.assertEqual(r["result"]["order"]["status"], to, f"{frm} -> {to}")
            got = (await admin.call("orders.get", {"order_id": o["id"]}))["order"]
            self.assertEqual(got["status"], to)
            self.assertGreaterEqual(got["updated_at"], got["created_at"])

        # Every other move is a conflict and changes nothing; the same status is ok and
        # appends nothing.
        in_status = {s: await order_in(s) for s in ORDER_STATUSES}
        for frm in ORDER_STATUSES:
            o = in_status[frm]
            for to in ORDER_STATUSES:
                if (frm, to) in ALLOWED:
                    continue
                if frm == to:
                    before = await self.seq()
                    r = await admin.request("orders.set_status", {"order_id": o["id"],
                                                                  "status": to})
                    self.assertIs(r.get("ok"), True, f"{frm} -> {to}: {r}")
                    self.assertEqual(r["result"]["order"]["status"], to)
                    await self.assert_nothing_appended(before, f"{frm} -> {frm}")
                    continue
                await self.rejected(admin, "orders.set_status",
                                    {"order_id": o["id"], "status": to}, "conflict")
            got = (await admin.call("orders.get", {"order_id": o["id"]}))["order"]
            self.assertEqual(got["status"], frm)
        # No journal event for the same-status calls either.
        trail = await asyncio.to_thread(self.server.journal, "trail", "--order",
                                        str(in_status["new"]["id"]))
        self.assertEqual([json.loads(l)["type"] for l in trail.stdout.splitlines() if l.strip()],
                         ["OrderCreated"], trail.stdout)
        # A status that does not exist, or an order that does not.
        await self.rejected(admin, "orders.set_status",
                            {"order_id": in_status["new"]["id"], "status": "lost"}, "bad_request")
        await self.rejected(admin, "orders.set_status",
                            {"order_id": in_status["new"]["id"], "status": "New"}, "bad_request")
        await self.rejected(admin, "orders.set_status", {"order_id": 9999, "status": "confirmed"},
                            "not_found")

    # ---- visibility ----
    async def test_a_sale_sees_only_their_orders(self):
        admin = await self.admin()
        await self.catalog(admin)
        u = await self.users(admin, "sale1", "sale2", "manager1")
        _, sale1 = await self.login_ws("sale1", PW["sale1"])
        _, sale2 = await self.login_ws("sale2", PW["sale2"])
        _, manager = await self.login_ws("manager1", PW["manager1"])
        o1 = await self.order(sale1)
        o2 = await self.order(sale2, phone=PHONE_Y, name="Khách Y")
        o3 = await self.order(admin)
        for ws in (admin, manager):
            self.assertEqual(await self.order_ids(ws), [o1["id"], o2["id"], o3["id"]], ws.label)
            for o in (o1, o2, o3):
                self.assertEqual((await ws.call("orders.get", {"order_id": o["id"]}))
                                 ["order"]["id"], o["id"])
        self.assertEqual(await self.order_ids(sale1), [o1["id"]])
        self.assertEqual(await self.order_ids(sale2), [o2["id"]])
        self.assertEqual(await self.order_ids(sale1, {"phone": PHONE_Y}), [])
        self.assertEqual(await self.order_ids(sale1, {"customer_id": o2["customer_id"]}), [])
        self.assertEqual(await self.order_ids(sale1, {"created_by": u["sale2"]["id"]}), [])
        for o in (o2, o3):
            err = await sale1.error("orders.get", {"order_id": o["id"]})
            self.assertEqual(err["code"], "not_found", err)
            await self.rejected(sale1, "orders.set_status",
                                {"order_id": o["id"], "status": "confirmed"}, "not_found")
        # The same answer as for an order that does not exist.
        self.assertEqual((await sale1.error("orders.get", {"order_id": 999}))["code"],
                         "not_found")
        self.assertEqual((await admin.call("orders.get", {"order_id": o2["id"]}))
                         ["order"]["status"], "new")
        # A sale may move their own order.
        r = await sale1.call("orders.set_status", {"order_id": o1["id"], "status": "confirmed"})
        self.assertEqual(r["order"]["status"], "confirmed")

        # "or were given": an order handed to sale2 by auto-distribution.
        await admin.call("settings.update", {"patch": {"orders.auto_distribute": True}})
        await sale1.call("presence.set", {"status": "away"})
        o4 = await self.order(admin)
        self.assertEqual(o4["assignee_id"], u["sale2"]["id"])
        self.assertEqual((await sale2.call("orders.get", {"order_id": o4["id"]}))
                         ["order"]["id"], o4["id"])
        self.assertEqual(await self.order_ids(sale2), [o2["id"], o4["id"]])
        self.assertEqual(await self.order_ids(sale2, {"assignee_id": u["sale2"]["id"]}),
                         [o4["id"]])
        r = await sale2.call("orders.set_status", {"order_id": o4["id"], "status": "confirmed"})
        self.assertEqual(r["order"]["status"], "confirmed")
        self.assertEqual((await sale1.error("orders.get", {"order_id": o4["id"]}))["code"],
                         "not_found")
        self.assertEqual(await self.order_ids(sale1), [o1["id"]])
        self.assertEqual(len(await self.order_ids(manager)), 4)

    async def test_a_customer_card_shows_a_sale_only_the_orders_they_may_see(self):
        # protocol.md "Orders": a sale sees the orders they created or were given; orders a
        # caller may not see are not_found for them (only orders.history and orders.by_phone
        # are open to every user). customers.get lists the card's orders, so it must not hand
        # a sale another sale's order.
        admin = await self.admin()
        await self.catalog(admin)
        await self.users(admin, "sale1", "sale2")
        _, sale1 = await self.login_ws("sale1", PW["sale1"])
        _, sale2 = await self.login_ws("sale2", PW["sale2"])
        mine = await self.order(sale1)
        theirs = await self.order(sale2)
        self.assertEqual(mine["customer_id"], theirs["customer_id"])
        got = await sale1.call("customers.get", {"customer_id": mine["customer_id"]})
        self.assertEqual([o["id"] for o in got["orders"]], [mine["id"]],
                         "customers.get shows a sale an order of another sale, which "
                         "orders.get answers not_found")
        got = await admin.call("customers.get", {"customer_id": mine["customer_id"]})
        self.assertEqual([o["id"] for o in got["orders"]], [mine["id"], theirs["id"]])

    # ---- lists ----
    async def test_list_filters_and_paging(self):
        admin = await self.admin()
        await self.catalog(admin)
        await admin.call("sources.upsert", {"code": "fb", "name": "Facebook",
                                            "channel": "facebook"})
        await admin.call("sources.upsert", {"code": "zl", "name": "Zalo", "channel": "zalo"})
        x = (await admin.call("customers.create", {"name": "X", "phones": [PHONE_X]}))["customer"]
        y = (await admin.call("customers.create", {"name": "Y", "phones": [PHONE_Y]}))["customer"]
        o1 = await self.order(admin, customer_id=x["id"], source="fb")
        o2 = await self.order(admin, customer_id=y["id"], source="zl")
        o3 = await self.order(admin, customer_id=x["id"], status="draft")
        await self.advance(50)
        o4 = await self.order(admin, customer_id=y["id"], source="fb")
        o5 = await self.order(admin, customer_id=x["id"], source="zl")
        o6 = await self.order(admin, customer_id=x["id"], source="fb")
        o7 = await self.order(admin, customer_id=y["id"])
        self.assertLess(o3["created_at"], o4["created_at"])
        await admin.call("orders.set_status", {"order_id": o1["id"], "status": "confirmed"})
        await admin.call("orders.set_status", {"order_id": o5["id"], "status": "cancelled"})
        await admin.call("orders.set_status", {"order_id": o7["id"], "status": "confirmed"})
        i1, i2, i3, i4, i5, i6, i7 = (o["id"] for o in (o1, o2, o3, o4, o5, o6, o7))

        self.assertEqual(await self.order_ids(admin), [i1, i2, i3, i4, i5, i6, i7])
        self.assertEqual(await self.order_ids(admin, {}), [i1, i2, i3, i4, i5, i6, i7])
        self.assertEqual(await self.order_ids(admin, {"status": "confirmed"}), [i1, i7])
        self.assertEqual(await self.order_ids(admin, {"status": "new"}), [i2, i4, i6])
        self.assertEqual(await self.order_ids(admin, {"status": "draft"}), [i3])
        self.assertEqual(await self.order_ids(admin, {"status": "cancelled"}), [i5])
        self.assertEqual(await self.order_ids(admin, {"status": "delivered"}), [])
        self.assertEqual(await self.order_ids(admin, {"source": "fb"}), [i1, i4, i6])
        self.assertEqual(await self.order_ids(admin, {"source": "zl"}), [i2, i5])
        self.assertEqual(await self.order_ids(admin, {"source": "nope"}), [])
        self.assertEqual(await self.order_ids(admin, {"customer_id": x["id"]}),
                         [i1, i3, i5, i6])
        self.assertEqual(await self.order_ids(admin, {"customer_id": y["id"]}), [i2, i4, i7])
        for spelling in (PHONE_X, "+84 912 345 678", "0912.345.678", "84912345678"):
            self.assertEqual(await self.order_ids(admin, {"phone": spelling}),
                             [i1, i3, i5, i6], spelling)
        self.assertEqual(await self.order_ids(admin, {"phone": "+84 98 765 4321"}),
                         [i2, i4, i7])
        self.assertEqual(await self.order_ids(admin, {"phone": "0901234567"}), [])
        self.assertEqual(await self.order_ids(admin, {"from": o4["created_at"]}),
                         [i4, i5, i6, i7])
        self.assertEqual(await self.order_ids(admin, {"to": o3["created_at"]}), [i1, i2, i3])
        self.assertEqual(await self.order_ids(admin, {"from": o1["created_at"],
                                                      "to": o3["created_at"]}), [i1, i2, i3])
        self.assertEqual(await self.order_ids(admin, {"from": o4["created_at"],
                                                      "to": o3["created_at"]}), [])
        self.assertEqual(await self.order_ids(admin, {"from": "2000-01-01T00:00:00.000Z",
                                                      "to": "2000-12-31T00:00:00.000Z"}), [])
        # Filters combine.
        self.assertEqual(await self.order_ids(admin, {"status": "new", "source": "fb"}),
                         [i4, i6])
        self.assertEqual(await self.order_ids(admin, {"customer_id": x["id"], "source": "fb"}),
                         [i1, i6])
        self.assertEqual(await self.order_ids(admin, {"phone": PHONE_Y, "status": "confirmed"}),
                         [i7])
        self.assertEqual(await self.order_ids(admin, {"customer_id": y["id"],
                                                      "from": o4["created_at"]}), [i4, i7])
        self.assertEqual(await self.order_ids(admin, {"created_by": 1}),
                         [i1, i2, i3, i4, i5, i6, i7])

        # Paging: limit + next_cursor, oldest first, every order exactly once.
        async def pages(filters, limit):
            seen, cursor, n = [], None, 0
            while True:
                args = {"limit": limit}
                if filters:
                    args["filters"] = filters
                if cursor is not None:
                    args["cursor"] = cursor
                r = await admin.call("orders.list", args)
                self.assertLessEqual(len(r["items"]), limit)
                seen.append([o["id"] for o in r["items"]])
                cursor = r["next_cursor"]
                n += 1
                self.assertLess(n, 20, "paging does not end")
                if cursor is None:
                    return seen
                self.assertIsInstance(cursor, str)
                self.assertEqual(len(r["items"]), limit, "a short page with a next_cursor")

        got = await pages(None, 3)
        self.assertEqual(got[:3], [[i1, i2, i3], [i4, i5, i6], [i7]])
        self.assertEqual(got[3:], [])
        got = await pages(None, 7)
        self.assertEqual([i for page in got for i in page], [i1, i2, i3, i4, i5, i6, i7])
        self.assertEqual(got[0], [i1, i2, i3, i4, i5, i6, i7])
        self.assertEqual(got[1:], [[]] * (len(got) - 1))
        got = await pages({"customer_id": x["id"]}, 3)
        self.assertEqual(got[0], [i1, i3, i5])
        self.assertEqual([i for page in got for i in page], [i1, i3, i5, i6])
        got = await pages({"source": "fb"}, 1)
        self.assertEqual([i for page in got for i in page], [i1, i4, i6])
        self.assertTrue(all(len(p) == 1 for p in got[:3]), got)
        r = await admin.call("orders.list", {"limit": 100})
        self.assertIsNone(r["next_cursor"])
        self.assertEqual(len(r["items"]), 7)

        # Bad queries.
        for args in ({"limit": 0}, {"limit": 501}, {"limit": "5"}, {"cursor": "garbage"},
                     {"filters": {"status": "lost"}}, {"filters": {"from": "yesterday"}},
                     {"filters": {"phone": "12"}}, {"filters": "all"}):
            err = await admin.error("orders.list", args)
            self.assertEqual(err["code"], "bad_request", (args, err))

    async def test_list_pages_100_by_default(self):
        admin = await self.admin()
        await self.catalog(admin)
        pending = [(await admin.send_request("orders.create", {
            "phone": PHONE_X, "name": "Khách", "items": [{"sku": "TEA", "qty": 1}]}))[1]
            for _ in range(105)]
        for fut in pending:
            r = await asyncio.wait_for(fut, 60)
            self.assertIs(r.get("ok"), True, r)
        r = await admin.call("orders.list")
        self.assertEqual([o["id"] for o in r["items"]], list(range(1, 101)))
        self.assertIsInstance(r["next_cursor"], str)
        r = await admin.call("orders.list", {"cursor": r["next_cursor"]})
        self.assertEqual([o["id"] for o in r["items"]], list(range(101, 106)))
        self.assertIsNone(r["next_cursor"])
        r = await admin.call("orders.list", {"limit": 500})
        self.assertEqual(len(r["items"]), 105)
        self.assertIsNone(r["next_cursor"])

    async def test_history_and_by_phone(self):
        admin = await self.admin()
        await self.catalog(admin)
        await self.users(admin, "sale1")
        _, sale = await self.login_ws("sale1", PW["sale1"])
        x = (await admin.call("customers.create", {"name": "X",
                                                   "phones": [PHONE_X, "0933333333"]}))["customer"]
        by_status = {}
        for status in ORDER_STATUSES:
            o = await self.order(admin, customer_id=x["id"],
                                 status="draft" if status == "draft" else None)
            for step in PATH[status]:
                await admin.call("orders.set_status", {"order_id": o["id"], "status": step})
            by_status[status] = o["id"]
        other_phone = await self.order(admin, customer_id=x["id"], phone="0933 333 333")
        await admin.call("orders.set_status", {"order_id": other_phone["id"],
                                               "status": "confirmed"})
        y = await self.order(admin, phone=PHONE_Y, name="Y")
        await admin.call("orders.set_status", {"order_id": y["id"], "status": "confirmed"})

        closed = [by_status["confirmed"], by_status["shipping"], by_status["delivered"]]
        every = [by_status[s] for s in ORDER_STATUSES]
        for ws in (admin, sale):  # open to every user, also for orders the sale did not make
            for spelling in (PHONE_X, "+84 912 345 678", "0912.345.678", "84912345678"):
                h = (await ws.call("orders.history", {"phone": spelling}))["items"]
                self.assertEqual([o["id"] for o in h], closed, (ws.label, spelling))
                self.assertEqual([o["status"] for o in h], ["confirmed", "shipping", "delivered"])
                b = (await ws.call("orders.by_phone", {"phone": spelling}))["items"]
                self.assertEqual([o["id"] for o in b], every, (ws.label, spelling))
            h = (await ws.call("orders.history", {"customer_id": x["id"]}))["items"]
            self.assertEqual([o["id"] for o in h], sorted(closed + [other_phone["id"]]),
                             "the history of a customer covers all their phones")
            self.assertEqual([o["id"] for o in (await ws.call("orders.by_phone",
                                                              {"phone": "0933333333"}))["items"]],
                             [other_phone["id"]])
            self.assertEqual([o["id"] for o in (await ws.call("orders.history",
                                                              {"phone": PHONE_Y}))["items"]],
                             [y["id"]])
            self.assertEqual((await ws.call("orders.by_phone", {"phone": "0901234567"}))
                             ["items"], [])
            self.assertEqual((await ws.call("orders.history", {"phone": "0901234567"}))
                             ["items"], [])
        for op, args in (("orders.history", {}), ("orders.by_phone", {}),
                         ("orders.by_phone", {"phone": "12"}),
                         ("orders.history", {"phone": "abc"})):
            err = await admin.error(op, args)
            self.assertEqual(err["code"], "bad_request", (op, args, err))

    # ---- sources ----
    async def test_source_rules(self):
        admin = await self.admin()
        await self.catalog(admin)
        await self.users(admin, "sale1", "manager1")
        _, sale = await self.login_ws("sale1", PW["sale1"])
        _, manager = await self.login_ws("manager1", PW["manager1"])
        await admin.call("sources.upsert", {"code": "fb", "name": "Facebook",
                                            "channel": "facebook"})
        await admin.call("sources.upsert", {"code": "shop", "name": "Cửa hàng",
                                            "channel": "offline"})
        self.assertIsNone((await self.order(sale))["source"], "no source and no default")
        self.assertEqual((await self.order(sale, source="fb"))["source"], "fb")
        await self.rejected(sale, "orders.create",
                            {"phone": PHONE_X, "items": [{"sku": "TEA", "qty": 1}],
                             "source": "tiktok"}, "bad_request", "source")
        await self.rejected(sale, "orders.create",
                            {"phone": PHONE_X, "items": [{"sku": "TEA", "qty": 1}],
                             "source": "FB"}, "bad_request", "source")

        await admin.call("settings.update", {"patch": {"orders.default_source": "shop"}})
        self.assertEqual((await self.order(sale))["source"], "shop")
        self.assertEqual((await self.order(sale, source="fb"))["source"], "fb",
                         "without lock_source a sale chooses")

        await admin.call("settings.update", {"patch": {"orders.lock_source": True}})
        await self.rejected(sale, "orders.create",
                            {"phone": PHONE_X, "items": [{"sku": "TEA", "qty": 1}],
                             "source": "fb"}, "forbidden")
        self.assertEqual((await self.order(sale))["source"], "shop")
        self.assertEqual((await self.order(sale, source="shop"))["source"], "shop")
        self.assertEqual((await self.order(admin, source="fb"))["source"], "fb")
        self.assertEqual((await self.order(admin))["source"], "shop")
        self.assertEqual((await self.order(manager, source="fb"))["source"], "fb")
        await self.rejected(admin, "orders.create",
                            {"phone": PHONE_X, "items": [{"sku": "TEA", "qty": 1}],
                             "source": "tiktok"}, "bad_request", "source")
        self.assertEqual(len(await self.order_ids(admin)), 9)

    # ---- auto-distribution and system messages ----
    async def test_auto_distribution_and_system_messages(self):
        admin = await self.admin()
        await self.catalog(admin)
        u = await self.users(admin, "sale1", "sale2", "sale3", "manager1")
        s1, s2, s3 = (u[n]["id"] for n in ("sale1", "sale2", "sale3"))
        sales = {}
        for name in ("sale1", "sale2", "sale3"):
            _, sales[name] = await self.login_ws(name, PW[name])
            self.assertEqual((await sales[name].call("me"))["user"]["presence"], "online")
        _, manager = await self.login_ws("manager1", PW["manager1"])
        await admin.call("settings.update", {"patch": {"orders.auto_distribute": True}})
        await admin.request("subscribe", {"topics": ["me"]})
        self.assertEqual((await admin.call("me")).get("system_messages"), 0)

        head = await self.seq()
        got = []
        for i in range(30):
            o = await self.order(admin, phone=PHONE_X if i % 2 else PHONE_Y, name="Khách")
            got.append(o["assignee_id"])
        self.assertEqual(got, [s1, s2, s3] * 10, "30 new orders go to the sales in turn")
        self.assertEqual([got.count(s) for s in (s1, s2, s3)], [10, 10, 10])
        assigned = [e for e in await self.dump("--from", str(head + 1))
                    if e["type"] == "OrderAssigned"]
        self.assertEqual([e["payload"]["user_id"] for e in assigned], [s1, s2, s3] * 10)
        self.assertEqual({e["payload"]["reason"] for e in assigned}, {"rotation"})
        for i, sale in ((1, s1), (2, s2), (3, s3)):
            mine = await self.order_ids(sales[f"sale{i}"], {"assignee_id": sale})
            self.assertEqual(len(mine), 10)

        # A sale who is away is skipped.
        await sales["sale2"].call("presence.set", {"status": "away"})
        got = [(await self.order(admin))["assignee_id"] for _ in range(4)]
        self.assertEqual(got, [s1, s3, s1, s3])
        # Drafts are not distributed until they become new.
        draft = await self.order(admin, status="draft")
        self.assertIsNone(draft["assignee_id"])
        r = await admin.call("orders.set_status", {"order_id": draft["id"], "status": "new"})
        self.assertEqual(r["order"]["assignee_id"], s1)
        self.assertEqual((await admin.call("system_messages.list"))["items"], [])

        # Nobody online: the order stays unassigned and a system message says so.
        for name in ("sale1", "sale3"):
            await sales[name].call("presence.set", {"status": "away"})
        start = len(admin.pushes)
        r = await admin.request("orders.create", {"phone": PHONE_X,
                                                  "items": [{"sku": "TEA", "qty": 1}]})
        acked = time.monotonic()
        self.assertIs(r.get("ok"), True, r)
        lonely = r["result"]["order"]
        self.assertIsNone(lonely["assignee_id"])
        msgs = (await admin.call("system_messages.list"))["items"]
        self.assertEqual(len(msgs), 1, msgs)
        self.assertTrue(lonely["number"] in msgs[0]["text"] or
                        str(lonely["id"]) in msgs[0].get("ref", ""),
                        f"the system message does not say which order: {msgs[0]}")
        self.assertEqual((await admin.call("me")).get("system_messages"), 1)
        push = await admin.wait_push(is_push("me", "system_message"), 3, start)
        self.assertIsNotNone(push, f"no system_message push: {admin.pushes[start:]}")
        self.assertLessEqual(admin.push_times[admin.pushes.index(push)] - acked,
                             PUSH_DEADLINE_S, "the system_message push came more than 1 s late")
        self.assertEqual(push["data"]["open"], 1)
        self.assertEqual(push["data"]["message"]["id"], msgs[0]["id"])
        self.assertGreaterEqual(push["seq"], r["seq"])
        # The same with a draft that becomes new.
        d = await self.order(admin, status="draft")
        r = await admin.call("orders.set_status", {"order_id": d["id"], "status": "new"})
        self.assertIsNone(r["order"]["assignee_id"])
        self.assertEqual(len((await admin.call("system_messages.list"))["items"]), 2)
        self.assertEqual((await admin.call("me")).get("system_messages"), 2)

        # Only admin sees and clears them.
        for ws in (manager, sales["sale1"]):
            await self.rejected(ws, "system_messages.clear", {}, "forbidden")
            err = await ws.error("system_messages.list", {})
            self.assertEqual(err["code"], "forbidden", err)
        start = len(admin.pushes)
        r = await admin.call("system_messages.clear", {})
        self.assertEqual(r, {"cleared": 2, "open": 0})
        self.assertEqual((await admin.call("system_messages.list"))["items"], [])
        self.assertEqual((await admin.call("me")).get("system_messages"), 0)
        push = await admin.wait_push(is_push("me", "system_messages_cleared"), 3, start)
        self.assertIsNotNone(push, f"no system_messages_cleared push: {admin.pushes[start:]}")
        self.assertEqual(push["data"], {"open": 0})
        # A second clear is a no-op.
        before = await self.seq()
        r = await admin.call("system_messages.clear", {})
        self.assertEqual(r, {"cleared": 0, "open": 0})
        await self.assert_nothing_appended(before, "a second system_messages.clear")
        # A later message is counted on its own.
        await self.order(admin)
        self.assertEqual((await admin.call("me")).get("system_messages"), 1)
        r = await admin.call("system_messages.clear", {})
        self.assertEqual(r, {"cleared": 1, "open": 0},
                         "cleared should count the messages this clear removed")

    # ---- pushes ----
    async def test_order_pushes_reach_only_who_may_see_them(self):
        admin = await self.admin()
        await self.catalog(admin)
        u = await self.users(admin, "sale1", "sale2", "manager1")
        _, sale1 = await self.login_ws("sale1", PW["sale1"])
        _, sale2 = await self.login_ws("sale2", PW["sale2"])
        _, manager = await self.login_ws("manager1", PW["manager1"])
        for ws in (sale1, sale2, manager):
            r = await ws.request("subscribe", {"topics": ["orders"]})
            self.assertIs(r.get("ok"), True, r)

        async def pushed(ws, match, acked, start, what):
            p = await ws.wait_push(match, 3, start)
            self.assertIsNotNone(p, f"{ws.label} got no {what} push: {ws.pushes[start:]}")
            at = ws.push_times[ws.pushes.index(p)]
            self.assertLessEqual(at - acked, PUSH_DEADLINE_S, f"{what} push came late")
            return p

        starts = {ws.label: len(ws.pushes) for ws in (sale1, sale2, manager)}
        r = await sale1.request("orders.create", {"phone": PHONE_X, "name": "Khách",
                                                  "items": [{"sku": "TEA", "qty": 2}]})
        acked = time.monotonic()
        self.assertIs(r.get("ok"), True, r)
        o = r["result"]["order"]
        for ws in (manager, sale1):
            p = await pushed(ws, is_push("orders", "created", o["id"]), acked,
                             starts[ws.label], "created")
            self.assertEqual(p["data"]["order"]["total"], 90000)
            self.assertEqual(p["data"]["order"]["number"], o["number"])
            self.assertGreaterEqual(p["seq"], r["seq"])

        r = await sale1.request("orders.set_status", {"order_id": o["id"],
                                                      "status": "confirmed"})
        acked = time.monotonic()
        self.assertIs(r.get("ok"), True, r)
        for ws in (manager, sale1):
            p = await pushed(ws, is_push("orders", "status", o["id"]), acked, starts[ws.label],
                             "status")
            self.assertEqual(p["data"]["order"]["status"], "confirmed")

        # An admin's order: the manager hears of it, the sales do not.
        r = await admin.request("orders.create", {"phone": PHONE_Y, "name": "Y",
                                                  "items": [{"sku": "TEA", "qty": 1}]})
        acked = time.monotonic()
        admin_order = r["result"]["order"]
        await pushed(manager, is_push("orders", "created", admin_order["id"]), acked,
                     starts["manager1"], "created")

        # Given to sale2 by auto-distribution: sale2 hears of it now.
        await admin.call("settings.update", {"patch": {"orders.auto_distribute": True}})
        await sale1.call("presence.set", {"status": "away"})
        r = await admin.request("orders.create", {"phone": PHONE_Y,
                                                  "items": [{"sku": "TEA", "qty": 1}]})
        acked = time.monotonic()
        given = r["result"]["order"]
        self.assertEqual(given["assignee_id"], u["sale2"]["id"])
        p = await pushed(sale2, is_push("orders", "assigned", given["id"]), acked,
                         starts["sale2"], "assigned")
        self.assertEqual(p["data"]["order"]["assignee_id"], u["sale2"]["id"])
        await pushed(manager, is_push("orders", "assigned", given["id"]), acked,
                     starts["manager1"], "assigned")

        await sale2.fence()
        await sale1.fence()
        sale2_saw = {pushed_order_id(p) for p in sale2.pushes[starts["sale2"]:]
                     if p.get("push") == "orders"}
        self.assertEqual(sale2_saw, {given["id"]}, "sale2 was told of orders it may not see")
        sale1_saw = {pushed_order_id(p) for p in sale1.pushes[starts["sale1"]:]
                     if p.get("push") == "orders"}
        self.assertEqual(sale1_saw, {o["id"]}, "sale1 was told of orders it may not see")

        # After unsubscribing, no more.
        await manager.call("unsubscribe", {"topics": ["orders"]})
        start = len(manager.pushes)
        await self.order(admin)
        await manager.fence()
        self.assertEqual([p for p in manager.pushes[start:] if p.get("push") == "orders"], [])

    # ---- idempotency ----
    async def test_orders_create_with_a_key_happens_once(self):
        admin = await self.admin()
        await self.catalog(admin)
        await self.users(admin, "sale1")
        _, sale = await self.login_ws("sale1", PW["sale1"])
        args = {"phone": "+84 912 345 678", "name": "Khách Mới",
                "items": [{"sku": "SOAP", "qty": 1, "discount_pct": 12.5}]}
        first = await sale.request("orders.create", args, key="order-key-1")
        self.assertIs(first.get("ok"), True, first)
        head = await self.seq()
        again = await sale.request("orders.create", args, key="order-key-1")
        self.assertIs(again.get("ok"), True, again)
        self.assertEqual(again["result"], first["result"])
        await self.assert_nothing_appended(head, "a repeated orders.create with its key")
        # Even with other args, the key returns the first result.
        changed = dict(args, items=[{"sku": "TEA", "qty": 5}])
        third = await sale.request("orders.create", changed, key="order-key-1")
        self.assertEqual(third.get("result"), first["result"])
        await self.assert_nothing_appended(head, "a repeated key with other args")
        self.assertEqual([o["id"] for o in (await admin.call("orders.list"))["items"]], [1])
        self.assertEqual(len((await admin.call("customers.search", {"q": "0912"}))["items"]), 1)
        # Another key, or another user with the same key, makes a new order.
        r = await sale.call("orders.create", args, key="order-key-2")
        self.assertEqual(r["order"]["number"], "ORD-000002")
        r = await admin.call("orders.create", args, key="order-key-1")
        self.assertEqual(r["order"]["number"], "ORD-000003")
        self.assertEqual(r["order"]["customer_id"], first["result"]["order"]["customer_id"])

    # ---- durability and the journal CLI ----
    async def test_restart_and_journal_cli(self):
        admin = await self.admin()
        await self.catalog(admin)
        await admin.call("statuses.upsert", {"code": "vip", "name": "VIP", "floats": False})
        await admin.call("statuses.upsert", {"code": "busy", "name": "Bận", "floats": False})
        await admin.call("sources.upsert", {"code": "fb", "name": "Facebook",
                                            "channel": "facebook"})
        await admin.call("warehouses.upsert", {"code": "HN", "name": "Hà Nội"})
        c = (await admin.call("customers.create", {"name": "Олена Коваль",
                                                   "phones": [PHONE_X]}))["customer"]
        await admin.call("customers.update", {"customer_id": c["id"], "nicknames": ["olena"]})
        await admin.call("customers.note", {"customer_id": c["id"], "text": "Khách quen"})
        steps = []  # (head before, ack seq) of order 1's creation and status changes
        before = await self.seq()
        r = await admin.request("orders.create", {
            "customer_id": c["id"], "source": "fb", "warehouse": "HN", "note": "Giao buổi sáng",
            "items": [{"sku": "SOAP", "qty": 1, "discount_pct": 12.5}],
            "combos": [{"code": "GIFT", "qty": 1}]})
        self.assertIs(r.get("ok"), True, r)
        steps.append((before, r["seq"]))
        first = r["result"]["order"]
        self.assertEqual(first["total"], 17587 + 99000)
        for status in ("confirmed", "shipping", "delivered", "returned"):
            before = await self.seq()
            r = await admin.request("orders.set_status", {"order_id": first["id"],
                                                          "status": status})
            self.assertIs(r.get("ok"), True, r)
            steps.append((before, r["seq"]))
        await self.order(admin, phone=PHONE_Y, name="Y", status="draft")
        keyed_args = {"phone": "0933333333", "name": "Z", "items": [{"sku": "TEA", "qty": 1}]}
        keyed = await admin.request("orders.create", keyed_args, key="before-restart")
        self.assertIs(keyed.get("ok"), True, keyed)

        async def snapshot(ws):
            return {
                "customers": [await ws.call("customers.get", {"customer_id": i})
                              for i in (1, 2, 3)],
                "orders": await ws.call("orders.list"),
                "statuses": await ws.call("statuses.list"),
                "products": await ws.call("products.list"),
                "combos": await ws.call("combos.list"),
                "sources": await ws.call("sources.list"),
                "warehouses": await ws.call("warehouses.list"),
                "search": await ws.call("customers.search", {"q": "олена"}),
                "nick": await ws.call("customers.search", {"q": "@olena"}),
                "history": await ws.call("orders.history", {"phone": PHONE_X}),
            }

        snap = await snapshot(admin)
        self.assertEqual(len(snap["orders"]["items"]), 3)
        self.assertEqual(len(snap["search"]["items"]), 1)
        head = await self.seq()
        await admin.close()
        code = await asyncio.to_thread(self.server.stop)
        self.assertEqual(code, 0, self.server.stderr_tail())
        await asyncio.to_thread(self.server.start)
        self.assertEqual(await self.seq(), head)
        admin = await self.admin()
        after = await snapshot(admin)
        for part in snap:
            self.assertEqual(after[part], snap[part], f"{part} changed across a restart")
        # An idempotency key still answers with the first result after a restart.
        head = await self.seq()
        again = await admin.request("orders.create", keyed_args, key="before-restart")
        self.assertEqual(again.get("result"), keyed["result"])
        await self.assert_nothing_appended(head, "a keyed orders.create repeated after a restart")
        o = await self.order(admin)
        self.assertEqual(o["number"], "ORD-000004")
        self.assertEqual(o["customer_id"], c["id"])

        # trail --order 1: the creation and each status change, oldest first.
        out = await asyncio.to_thread(self.server.journal, "trail", "--order", str(first["id"]))
        self.assertEqual(out.returncode, 0, out.stderr)
        trail = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
        self.assertEqual([e["type"] for e in trail],
                         ["OrderCreated"] + ["OrderStatusChanged"] * 4, out.stdout)
        seqs = [e["seq"] for e in trail]
        self.assertEqual(seqs, sorted(seqs))
        for e, (lo, hi) in zip(trail, steps):
            self.assertTrue(lo < e["seq"] <= hi, f"{e['type']} at seq {e['seq']} not in "
                                                 f"({lo}, {hi}]")
        self.assertTrue(all(e.get("actor") == 1 for e in trail), trail)
        self.assertIn("Giao buổi sáng", json.dumps(trail[0], ensure_ascii=False))

        # replay: the summary counts customers and orders.
        out = await asyncio.to_thread(self.server.journal, "replay")
        self.assertEqual(out.returncode, 0, out.stderr)
        summary = json.loads(out.stdout)

        def count(v):
            return len(v) if isinstance(v, list) else v

        self.assertEqual(count(summary["customers"]), 3, summary)
        self.assertEqual(count(summary["orders"]), 4, summary)
        out = await asyncio.to_thread(self.server.journal, "replay", "--until", str(steps[0][0]))
        self.assertEqual(out.returncode, 0, out.stderr)
        early = json.loads(out.stdout)
        self.assertEqual((count(early["customers"]), count(early["orders"])), (1, 0), early)


if __name__ == "__main__":
    unittest.main()
