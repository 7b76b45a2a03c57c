"""The catalog (PROTOCOL.md section 4 "Catalog", SPEC.md section 5, schema/protocol.md "Catalog"):
products, combos, sources, warehouses and workflow statuses are upserted by admin only and listed
for everyone; bad codes, prices, channels and combos are refused and change nothing; an upsert
replaces; seeded statuses come in their order and new ones go to the end; and
orders.default_source accepts only a source that exists."""

import unittest

from harness import CommerceCase

SALE_PW = "sale-one-password"
MANAGER_PW = "manager-one-password"

# PROTOCOL.md "Catalog": seeded on an empty journal, in this order, with their floats tick.
SEEDED_STATUSES = [("new", True), ("no_answer", True), ("busy", True), ("call_back", False),
                   ("refused", True), ("wrong_number", False), ("ordered", False)]
CHANNELS = ["facebook", "instagram", "zalo", "telegram", "api", "pbx", "phone", "web", "offline",
            "other"]


class CatalogTest(CommerceCase):

    async def test_admin_upserts_and_everyone_lists(self):
        admin = await self.admin()
        await self.create_user(admin, "sale1", "sale", password=SALE_PW)
        await self.create_user(admin, "manager1", "manager", password=MANAGER_PW)

        r = await admin.call("products.upsert", {"sku": "TEA-01", "name": "Green tea",
                                                 "price": 45000})
        self.assertEqual(r, {"product": {"sku": "TEA-01", "name": "Green tea", "price": 45000}})
        await admin.call("products.upsert", {"sku": "CUP-02", "name": "Cup", "price": 0})
        await admin.call("products.upsert", {"sku": "BAG-03", "name": "Tote bag",
                                             "price": 10 ** 12})
        # Codes are case-sensitive: another product.
        await admin.call("products.upsert", {"sku": "tea-01", "name": "Black tea", "price": 40000})

        r = await admin.call("combos.upsert", {"code": "SET-A", "name": "Tea set", "price": 60000,
                                               "items": [{"sku": "TEA-01", "qty": 2},
                                                         {"sku": "CUP-02", "qty": 1}]})
        self.assertEqual(r["combo"]["code"], "SET-A")
        self.assertEqual(r["combo"]["name"], "Tea set")
        self.assertEqual(r["combo"]["price"], 60000)
        self.assertEqual(r["combo"]["items"], [{"sku": "TEA-01", "qty": 2},
                                               {"sku": "CUP-02", "qty": 1}])

        for i, channel in enumerate(CHANNELS):
            r = await admin.call("sources.upsert", {"code": f"src_{i}", "name": f"Via {channel}",
                                                    "channel": channel})
            self.assertEqual(r, {"source": {"code": f"src_{i}", "name": f"Via {channel}",
                                            "channel": channel}})

        r = await admin.call("warehouses.upsert", {"code": "HN.1", "name": "Hà Nội"})
        self.assertEqual(r, {"warehouse": {"code": "HN.1", "name": "Hà Nội"}})
        await admin.call("warehouses.upsert", {"code": "HCM.1", "name": "Sài Gòn"})

        _, sale = await self.login_ws("sale1", SALE_PW)
        _, manager = await self.login_ws("manager1", MANAGER_PW)
        for ws in (admin, manager, sale):
            products = (await ws.call("products.list"))["items"]
            # protocol.md: products.list is "by sku".
            self.assertEqual([p["sku"] for p in products],
                             sorted(["TEA-01", "CUP-02", "BAG-03", "tea-01"]), ws.label)
            by_sku = {p["sku"]: p for p in products}
            self.assertEqual(by_sku["TEA-01"], {"sku": "TEA-01", "name": "Green tea",
                                                "price": 45000})
            self.assertEqual(by_sku["tea-01"]["name"], "Black tea")
            self.assertEqual(by_sku["BAG-03"]["price"], 10 ** 12)
            self.assertEqual(by_sku["CUP-02"]["price"], 0)

            combos = (await ws.call("combos.list"))["items"]
            self.assertEqual(len(combos), 1, combos)
            self.assertEqual(combos[0]["code"], "SET-A")
            self.assertEqual(combos[0]["items"], [{"sku": "TEA-01", "qty": 2},
                                                  {"sku": "CUP-02", "qty": 1}])

            sources = (await ws.call("sources.list"))["items"]
            self.assertEqual({s["code"]: s["channel"] for s in sources},
                             {f"src_{i}": c for i, c in enumerate(CHANNELS)})
            warehouses = (await ws.call("warehouses.list"))["items"]
            self.assertEqual({w["code"]: w["name"] for w in warehouses},
                             {"HN.1": "Hà Nội", "HCM.1": "Sài Gòn"})

    async def test_manager_and_sale_may_not_upsert(self):
        admin = await self.admin()
        await self.create_user(admin, "sale1", "sale", password=SALE_PW)
        await self.create_user(admin, "manager1", "manager", password=MANAGER_PW)
        await admin.call("products.upsert", {"sku": "TEA", "name": "Tea", "price": 100})
        _, sale = await self.login_ws("sale1", SALE_PW)
        _, manager = await self.login_ws("manager1", MANAGER_PW)
        upserts = [
            ("products.upsert", {"sku": "TEA", "name": "Cheap tea", "price": 1}),
            ("products.upsert", {"sku": "NEW", "name": "New", "price": 1}),
            ("combos.upsert", {"code": "C", "name": "Combo", "price": 1,
                               "items": [{"sku": "TEA", "qty": 1}]}),
            ("sources.upsert", {"code": "fb", "name": "Facebook", "channel": "facebook"}),
            ("warehouses.upsert", {"code": "W", "name": "Warehouse"}),
            ("statuses.upsert", {"code": "vip", "name": "VIP", "floats": False}),
            ("statuses.upsert", {"code": "busy", "name": "Renamed", "floats": False}),
        ]
        for ws in (manager, sale):
            for op, args in upserts:
                await self.rejected(ws, op, args, "forbidden")
        # Nothing of it shows.
        self.assertEqual((await sale.call("products.list"))["items"],
                         [{"sku": "TEA", "name": "Tea", "price": 100}])
        self.assertEqual((await sale.call("combos.list"))["items"], [])
        self.assertEqual((await sale.call("sources.list"))["items"], [])
        self.assertEqual((await sale.call("warehouses.list"))["items"], [])
        statuses = (await manager.call("statuses.list"))["items"]
        self.assertEqual([(s["code"], s["floats"]) for s in statuses], SEEDED_STATUSES)
        self.assertEqual(statuses[2]["name"], "Busy")

    async def test_combo_naming_an_unknown_sku_is_bad_request(self):
        admin = await self.admin()
        await admin.call("products.upsert", {"sku": "TEA", "name": "Tea", "price": 100})
        await self.rejected(admin, "combos.upsert",
                            {"code": "SET", "name": "Set", "price": 150,
                             "items": [{"sku": "TEA", "qty": 1}, {"sku": "GHOST", "qty": 1}]},
                            "bad_request", "GHOST")
        # A sku differs by case: "tea" is not "TEA".
        await self.rejected(admin, "combos.upsert",
                            {"code": "SET", "name": "Set", "price": 150,
                             "items": [{"sku": "tea", "qty": 1}]}, "bad_request", "tea")
        await self.rejected(admin, "combos.upsert",
                            {"code": "SET", "name": "Set", "price": 150, "items": []},
                            "bad_request")
        await self.rejected(admin, "combos.upsert",
                            {"code": "SET", "name": "Set", "price": 150}, "bad_request")
        await self.rejected(admin, "combos.upsert",
                            {"code": "SET", "name": "Set", "price": 150,
                             "items": [{"sku": "TEA", "qty": 0}]}, "bad_request")
        await self.rejected(admin, "combos.upsert",
                            {"code": "SET", "name": "Set", "price": 150,
                             "items": [{"sku": "TEA", "qty": 1}] * 51}, "bad_request")
        self.assertEqual((await admin.call("combos.list"))["items"], [])
        # Once the product exists the same combo is fine.
        await admin.call("products.upsert", {"sku": "GHOST", "name": "Ghost", "price": 5})
        await admin.call("combos.upsert",
                         {"code": "SET", "name": "Set", "price": 150,
                          "items": [{"sku": "TEA", "qty": 1}, {"sku": "GHOST", "qty": 1}]})
        self.assertEqual([c["code"] for c in (await admin.call("combos.list"))["items"]], ["SET"])

    async def test_bad_codes_prices_names_and_channels_are_refused(self):
        admin = await self.admin()
        await admin.call("products.upsert", {"sku": "TEA", "name": "Tea", "price": 100})
        bad_codes = ["", "two words", "a/b", "tea!", "x" * 65, "sữa", "a\nb", "#1"]
        for code in bad_codes:
            await self.rejected(admin, "products.upsert", {"sku": code, "name": "N", "price": 1},
                                "bad_request")
            await self.rejected(admin, "combos.upsert",
                                {"code": code, "name": "N", "price": 1,
                                 "items": [{"sku": "TEA", "qty": 1}]}, "bad_request")
            await self.rejected(admin, "sources.upsert",
                                {"code": code, "name": "N", "channel": "web"}, "bad_request")
            await self.rejected(admin, "warehouses.upsert", {"code": code, "name": "N"},
                                "bad_request")
            await self.rejected(admin, "statuses.upsert",
                                {"code": code, "name": "N", "floats": False}, "bad_request")
        # The longest code allowed is 64 characters.
        await admin.call("products.upsert", {"sku": "x" * 64, "name": "Long", "price": 1})

        for price in (-1, -100000, 10 ** 12 + 1, 1.5, "100", None, True):
            await self.rejected(admin, "products.upsert",
                                {"sku": "TEA", "name": "Tea", "price": price}, "bad_request")
            await self.rejected(admin, "combos.upsert",
                                {"code": "SET", "name": "Set", "price": price,
                                 "items": [{"sku": "TEA", "qty": 1}]}, "bad_request")
        await self.rejected(admin, "products.upsert", {"sku": "TEA", "name": "Tea"},
                            "bad_request")
        await self.rejected(admin, "products.upsert", {"sku": "TEA", "name": "", "price": 5},
                            "bad_request")
        await self.rejected(admin, "warehouses.upsert", {"code": "W"}, "bad_request")

        for channel in ("fax", "", "Facebook", "email", 5, None):
            await self.rejected(admin, "sources.upsert",
                                {"code": "src", "name": "Source", "channel": channel},
                                "bad_request")
        await self.rejected(admin, "sources.upsert", {"code": "src", "name": "Source"},
                            "bad_request")

        products = (await admin.call("products.list"))["items"]
        self.assertEqual({p["sku"]: p["price"] for p in products}, {"TEA": 100, "x" * 64: 1})
        self.assertEqual((await admin.call("combos.list"))["items"], [])
        self.assertEqual((await admin.call("sources.list"))["items"], [])
        self.assertEqual((await admin.call("warehouses.list"))["items"], [])
        self.assertEqual(len((await admin.call("statuses.list"))["items"]), len(SEEDED_STATUSES))

    async def test_an_upsert_replaces_and_orders_keep_their_prices(self):
        admin = await self.admin()
        await admin.call("products.upsert", {"sku": "TEA", "name": "Tea", "price": 45000})
        await admin.call("products.upsert", {"sku": "CUP", "name": "Cup", "price": 9000})
        await admin.call("combos.upsert", {"code": "SET", "name": "Set", "price": 50000,
                                           "items": [{"sku": "TEA", "qty": 1}]})
        await admin.call("sources.upsert", {"code": "fb", "name": "Facebook page",
                                            "channel": "facebook"})
        await admin.call("warehouses.upsert", {"code": "W1", "name": "Old store"})
        order = (await admin.call("orders.create", {
            "phone": "0912345678", "name": "Khách Một", "items": [{"sku": "TEA", "qty": 2}],
            "combos": [{"code": "SET", "qty": 1}]}))["order"]
        self.assertEqual(order["total"], 2 * 45000 + 50000)

        r = await admin.call("products.upsert", {"sku": "TEA", "name": "Premium tea",
                                                 "price": 52000})
        self.assertEqual(r["product"], {"sku": "TEA", "name": "Premium tea", "price": 52000})
        await admin.call("combos.upsert", {"code": "SET", "name": "Big set", "price": 80000,
                                           "items": [{"sku": "TEA", "qty": 1},
                                                     {"sku": "CUP", "qty": 2}]})
        await admin.call("sources.upsert", {"code": "fb", "name": "FB shop", "channel": "zalo"})
        await admin.call("warehouses.upsert", {"code": "W1", "name": "New store"})

        self.assertEqual((await admin.call("products.list"))["items"],
                         [{"sku": "CUP", "name": "Cup", "price": 9000},
                          {"sku": "TEA", "name": "Premium tea", "price": 52000}])
        self.assertEqual((await admin.call("combos.list"))["items"],
                         [{"code": "SET", "name": "Big set", "price": 80000,
                           "items": [{"sku": "TEA", "qty": 1}, {"sku": "CUP", "qty": 2}]}])
        self.assertEqual((await admin.call("sources.list"))["items"],
                         [{"code": "fb", "name": "FB shop", "channel": "zalo"}])
        self.assertEqual((await admin.call("warehouses.list"))["items"],
                         [{"code": "W1", "name": "New store"}])

        # protocol.md: orders keep the name and price they were created with.
        again = (await admin.call("orders.get", {"order_id": order["id"]}))["order"]
        self.assertEqual(again["total"], 140000)
        self.assertEqual(again["lines"], order["lines"])
        tea = [l for l in again["lines"] if l.get("sku") == "TEA"]
        self.assertEqual([(l["name"], l["price"], l["total"]) for l in tea],
                         [("Tea", 45000, 90000)])
        combo = [l for l in again["lines"] if l.get("code") == "SET"]
        self.assertEqual([(l["name"], l["price"], l["total"]) for l in combo],
                         [("Set", 50000, 50000)])
        # New orders use the new prices.
        fresh = (await admin.call("orders.create", {
            "phone": "0912345678", "items": [{"sku": "TEA", "qty": 1}],
            "combos": [{"code": "SET", "qty": 1}]}))["order"]
        self.assertEqual(fresh["total"], 52000 + 80000)

    async def test_seeded_statuses_in_order_and_new_ones_at_the_end(self):
        admin = await self.admin()
        await self.create_user(admin, "sale1", "sale", password=SALE_PW)
        _, sale = await self.login_ws("sale1", SALE_PW)
        statuses = (await sale.call("statuses.list"))["items"]
        self.assertEqual([(s["code"], s["floats"]) for s in statuses], SEEDED_STATUSES)
        for s in statuses:
            self.assertIsInstance(s["name"], str)
            self.assertTrue(s["name"])

        r = await admin.call("statuses.upsert", {"code": "vip", "name": "VIP customer",
                                                 "floats": False})
        self.assertEqual(r, {"status": {"code": "vip", "name": "VIP customer", "floats": False}})
        r = await admin.call("statuses.upsert", {"code": "asleep", "name": "Asleep",
                                                 "floats": True})
        self.assertEqual(r["status"]["floats"], True)
        # An existing code keeps its place; its name and floats tick change.
        r = await admin.call("statuses.upsert", {"code": "no_answer", "name": "Did not pick up",
                                                 "floats": False})
        self.assertEqual(r["status"], {"code": "no_answer", "name": "Did not pick up",
                                       "floats": False})
        statuses = (await sale.call("statuses.list"))["items"]
        expected = [("new", True), ("no_answer", False), ("busy", True), ("call_back", False),
                    ("refused", True), ("wrong_number", False), ("ordered", False),
                    ("vip", False), ("asleep", True)]
        self.assertEqual([(s["code"], s["floats"]) for s in statuses], expected)
        self.assertEqual(statuses[1]["name"], "Did not pick up")
        self.assertEqual(statuses[7]["name"], "VIP customer")
        # An upsert of the new status again does not move it either.
        await admin.call("statuses.upsert", {"code": "vip", "name": "VIP", "floats": True})
        statuses = (await admin.call("statuses.list"))["items"]
        self.assertEqual([s["code"] for s in statuses], [c for c, _ in expected])
        self.assertEqual(statuses[7], {"code": "vip", "name": "VIP", "floats": True})
        # floats may be left out: false.
        r = await admin.call("statuses.upsert", {"code": "later", "name": "Later"})
        self.assertEqual(r["status"], {"code": "later", "name": "Later", "floats": False})
        self.assertEqual((await admin.call("statuses.list"))["items"][-1]["code"], "later")
        await self.rejected(admin, "statuses.upsert", {"code": "x", "name": "", "floats": True},
                            "bad_request")
        await self.rejected(admin, "statuses.upsert", {"code": "x", "name": "X", "floats": "yes"},
                            "bad_request")

    async def test_default_source_must_be_a_known_source(self):
        admin = await self.admin()
        await self.rejected(admin, "settings.update",
                            {"patch": {"orders.default_source": "shopee"}}, "bad_request",
                            "orders.default_source")
        await self.rejected(admin, "settings.update",
                            {"patch": {"orders.default_source": 5}}, "bad_request",
                            "orders.default_source")
        # One bad pair rejects the whole patch.
        await self.rejected(admin, "settings.update",
                            {"patch": {"orders.lock_source": True,
                                       "orders.default_source": "shopee"}}, "bad_request",
                            "orders.default_source")
        settings = (await admin.call("settings.get"))["settings"]
        self.assertIsNone(settings["orders.default_source"])
        self.assertIs(settings["orders.lock_source"], False)

        await admin.call("sources.upsert", {"code": "shopee", "name": "Shopee",
                                            "channel": "web"})
        r = await admin.call("settings.update", {"patch": {"orders.default_source": "shopee"}})
        self.assertEqual(r["settings"]["orders.default_source"], "shopee")
        self.assertEqual((await admin.call("settings.get"))["settings"]["orders.default_source"],
                         "shopee")
        # Codes are case-sensitive.
        await self.rejected(admin, "settings.update",
                            {"patch": {"orders.default_source": "Shopee"}}, "bad_request")
        # "" means null.
        r = await admin.call("settings.update", {"patch": {"orders.default_source": ""}})
        self.assertIsNone(r["settings"]["orders.default_source"])
        r = await admin.call("settings.update", {"patch": {"orders.default_source": "shopee"}})
        r = await admin.call("settings.update", {"patch": {"orders.default_source": None}})
        self.assertIsNone(r["settings"]["orders.default_source"])


if __name__ == "__main__":
    unittest.main()
