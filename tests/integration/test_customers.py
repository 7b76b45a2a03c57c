"""Customer cards (PROTOCOL.md "Customers and orders", SPEC.md section 5, schema/protocol.md
"Customers"): phones in any spelling are stored normalised and belong to one card at most; search
by phone prefix, by name words (accent- and case-insensitive, Cyrillic too) and by @nickname;
customers.get shows the card with its orders; notes; what a sale may change; phone.country UA."""

import asyncio
import re
import unittest

from harness import CommerceCase

SALE1_PW = "sale-one-password"
SALE2_PW = "sale-two-password"
MANAGER_PW = "manager-one-password"
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def ids(items):
    return sorted(c["id"] for c in items)


class CustomersTest(CommerceCase):

    async def search(self, ws, q):
        return ids((await ws.call("customers.search", {"q": q}))["items"])

    async def test_phones_in_any_spelling_are_stored_normalised(self):
        admin = await self.admin()
        r = await admin.call("customers.create", {
            "name": "Nguyễn Thị Hoa",
            "phones": ["+84 912 345 678", "0912.345.678", "84912345678", "0912-345-678"],
            "address": "12 Hàng Bạc, Hà Nội"})
        c = r["customer"]
        self.assertEqual(c["phones"], ["0912345678"], "one phone, in national form")
        self.assertEqual(c["name"], "Nguyễn Thị Hoa")
        self.assertEqual(c["address"], "12 Hàng Bạc, Hà Nội")
        self.assertEqual(c["nicknames"], [])
        self.assertEqual(c["notes"], [])
        self.assertIsNone(c["responsible_id"], "a card made by admin has no responsible sale")
        self.assertIsInstance(c["id"], int)
        self.assertGreaterEqual(c["id"], 1)

        # Several different phones keep their order; an old 11-digit mobile is renumbered
        # (SPEC.md section 5: 0166 -> 036), a foreign one keeps its international form.
        r = await admin.call("customers.create", {
            "name": "Trần Văn Nam",
            "phones": ["(090) 123-4567", "01662345678", "+380 67 123 4567", "0901234567"]})
        self.assertEqual(r["customer"]["phones"], ["0901234567", "0362345678", "+380671234567"])
        self.assertEqual(r["customer"]["address"], "")

        got = await admin.call("customers.get", {"customer_id": c["id"]})
        self.assertEqual(got["customer"], c)
        self.assertEqual(got["orders"], [])

        # A card without phones is allowed (phones is optional).
        r = await admin.call("customers.create", {"name": "Walk-in"})
        self.assertEqual(r["customer"]["phones"], [])

        # Updating phones normalises too.
        r = await admin.call("customers.update", {"customer_id": c["id"],
                                                  "phones": ["0912 345 678", "+84 98 765 4321"]})
        self.assertEqual(r["customer"]["phones"], ["0912345678", "0987654321"])

    async def test_an_invalid_phone_is_bad_request_naming_it(self):
        admin = await self.admin()
        before = await self.seq()
        await self.rejected(admin, "customers.create",
                            {"name": "A", "phones": ["0912345678", "12345"]}, "bad_request",
                            "phones[1]")
        await self.rejected(admin, "customers.create",
                            {"name": "A", "phones": ["09123abc78"]}, "bad_request", "phones[0]")
        await self.rejected(admin, "customers.create",
                            {"name": "A", "phones": ["0912345678", "0987654321", "0000000000"]},
                            "bad_request", "phones[2]")
        await self.rejected(admin, "customers.create", {"name": "A", "phones": [""]},
                            "bad_request", "phones[0]")
        await self.rejected(admin, "customers.create", {"name": "A", "phones": "0912345678"},
                            "bad_request", "phones")
        await self.rejected(admin, "customers.create", {"name": "", "phones": ["0912345678"]},
                            "bad_request", "name")
        await self.rejected(admin, "customers.create", {"phones": ["0912345678"]},
                            "bad_request", "name")
        await self.rejected(admin, "customers.create",
                            {"name": "Too many", "phones": [f"09123456{i:02d}" for i in range(11)]},
                            "bad_request")
        self.assertEqual(await self.seq(), before)
        # Nothing was created: the valid phones of those requests are free.
        self.assertEqual(await self.search(admin, "0912345678"), [])
        ok = (await admin.call("customers.create", {"name": "A", "phones": ["0912345678"]}))
        self.assertEqual(ok["customer"]["id"], 1, "a rejected create used up a customer id")
        await self.rejected(admin, "customers.update",
                            {"customer_id": 1, "phones": ["0912345678", "+84 1"]},
                            "bad_request", "phones[1]")
        self.assertEqual((await admin.call("customers.get", {"customer_id": 1}))
                         ["customer"]["phones"], ["0912345678"])

    async def test_a_phone_belongs_to_one_customer(self):
        admin = await self.admin()
        a = (await admin.call("customers.create", {"name": "Anh", "phones": ["0912345678"]}))
        a = a["customer"]
        b = (await admin.call("customers.create", {"name": "Bình", "phones": ["0987654321"]}))
        b = b["customer"]
        # The same phone in another spelling is the same phone.
        for spelling in ("0912345678", "+84 912 345 678", "84912345678", "0912.345.678"):
            err = await self.rejected(admin, "customers.create",
                                      {"name": "Chi", "phones": ["0901111222", spelling]},
                                      "conflict")
            self.assertIn(str(a["id"]), err["message"],
                          f"the conflict does not name customer {a['id']}: {err}")
        err = await self.rejected(admin, "customers.update",
                                  {"customer_id": b["id"], "phones": ["0987654321", "0912345678"]},
                                  "conflict")
        self.assertIn(str(a["id"]), err["message"])
        # Nothing moved.
        self.assertEqual(await self.search(admin, "0901111222"), [])
        self.assertEqual(await self.search(admin, "0912345678"), [a["id"]])
        self.assertEqual((await admin.call("customers.get", {"customer_id": b["id"]}))
                         ["customer"]["phones"], ["0987654321"])
        # A card may repeat its own phone, and once a card lets a phone go another may take it.
        await admin.call("customers.update", {"customer_id": a["id"],
                                              "phones": ["0912 345 678", "0933333333"]})
        await admin.call("customers.update", {"customer_id": a["id"], "phones": ["0933333333"]})
        r = await admin.call("customers.update", {"customer_id": b["id"],
                                                  "phones": ["0987654321", "0912345678"]})
        self.assertEqual(r["customer"]["phones"], ["0987654321", "0912345678"])
        self.assertEqual(await self.search(admin, "0912345678"), [b["id"]])

    async def test_search_by_phone_name_nickname_and_cyrillic(self):
        admin = await self.admin()

        async def create(name, phones):
            return (await admin.call("customers.create", {"name": name, "phones": phones}))[
                "customer"]["id"]

        hoa = await create("Nguyễn Thị Hoa", ["0912345678"])
        tuan = await create("Phạm Minh Tuấn", ["0913000111"])
        nam = await create("Lê Văn Nam", ["0987654321"])
        olena = await create("Олена Коваль", ["+380671234567"])
        hoang = await create("Đỗ Hoàng", ["0356789012"])

        # Phone prefixes, in any spelling.
        self.assertEqual(await self.search(admin, "0912"), [hoa])
        self.assertEqual(await self.search(admin, "912"), [hoa])
        self.assertEqual(await self.search(admin, "+84 91"), sorted([hoa, tuan]))
        self.assertEqual(await self.search(admin, "091"), sorted([hoa, tuan]))
        self.assertEqual(await self.search(admin, "0912.345.678"), [hoa])
        self.assertEqual(await self.search(admin, "0987 65"), [nam])
        self.assertEqual(await self.search(admin, "035"), [hoang])
        self.assertEqual(await self.search(admin, "0999"), [])

        # Name words, case- and accent-insensitive, in any order; every word must match.
        self.assertEqual(await self.search(admin, "nguyen hoa"), [hoa])
        self.assertEqual(await self.search(admin, "HOA"), sorted([hoa, hoang]),
                         "'hoa' begins both Hoa and Hoàng")
        self.assertEqual(await self.search(admin, "hoa nguyen"), [hoa])
        self.assertEqual(await self.search(admin, "Nguyễn Thị Hoa"), [hoa])
        self.assertEqual(await self.search(admin, "thi"), [hoa])
        self.assertEqual(await self.search(admin, "tuan"), [tuan])
        self.assertEqual(await self.search(admin, "TUẤN"), [tuan])
        self.assertEqual(await self.search(admin, "do hoang"), [hoang])
        self.assertEqual(await self.search(admin, "nguyen nam"), [])
        self.assertEqual(await self.search(admin, "uyen"), [], "words match at their beginning")
        self.assertEqual(await self.search(admin, "олена"), [olena])
        self.assertEqual(await self.search(admin, "ОЛЕНА"), [olena])
        self.assertEqual(await self.search(admin, "ков"), [olena])
        self.assertEqual(await self.search(admin, "коваль олена"), [olena])

        # Nicknames, after customers.update.
        self.assertEqual(await self.search(admin, "@tuan"), [])
        r = await admin.call("customers.update", {"customer_id": tuan,
                                                  "nicknames": ["Tuấn Shop", "tuan.fb"]})
        self.assertEqual(r["customer"]["nicknames"], ["Tuấn Shop", "tuan.fb"])
        self.assertEqual(await self.search(admin, "@tuan"), [tuan])
        self.assertEqual(await self.search(admin, "@TUAN SH"), [tuan])
        self.assertEqual(await self.search(admin, "@tuan.f"), [tuan])
        self.assertEqual(await self.search(admin, "@nguyen"), [], "@ searches nicknames only")
        self.assertEqual(await self.search(admin, "@shopx"), [])
        await admin.call("customers.update", {"customer_id": olena, "nicknames": ["Оленка"]})
        self.assertEqual(await self.search(admin, "@оленка"), [olena])

        # A renamed card is found by its new name only.
        await admin.call("customers.update", {"customer_id": hoa, "name": "Nguyễn Thị Lan"})
        self.assertEqual(await self.search(admin, "nguyen hoa"), [])
        self.assertEqual(await self.search(admin, "nguyen lan"), [hoa])
        self.assertEqual(await self.search(admin, "hoa"), [hoang])
        # Nicknames replaced: the old ones are gone.
        await admin.call("customers.update", {"customer_id": tuan, "nicknames": ["Bếp Nhà"]})
        self.assertEqual(await self.search(admin, "@tuan"), [])
        self.assertEqual(await self.search(admin, "@bep"), [tuan])
        # Phones replaced: the old prefix no longer finds the card.
        await admin.call("customers.update", {"customer_id": nam, "phones": ["0977000111"]})
        self.assertEqual(await self.search(admin, "0987"), [])
        self.assertEqual(await self.search(admin, "0977"), [nam])

        items = (await admin.call("customers.search", {"q": "lan"}))["items"]
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["name"], "Nguyễn Thị Lan")
        self.assertEqual(items[0]["phones"], ["0912345678"])
        await self.rejected(admin, "customers.search", {}, "bad_request")

    async def test_search_answers_at_most_50(self):
        admin = await self.admin()
        pending = [(await admin.send_request("customers.create", {
            "name": f"Khách Sỉ {i}", "phones": [f"09123{i:05d}"]}))[1] for i in range(60)]
        for fut in pending:
            r = await asyncio.wait_for(fut, 60)
            self.assertIs(r.get("ok"), True, r)
        for q in ("khach si", "09123", "912"):
            items = (await admin.call("customers.search", {"q": q}))["items"]
            self.assertEqual(len(items), 50, q)
            self.assertEqual(len({c["id"] for c in items}), 50, q)
        items = (await admin.call("customers.search", {"q": "0912300059"}))["items"]
        self.assertEqual([c["name"] for c in items], ["Khách Sỉ 59"])

    async def test_get_returns_the_card_and_its_orders(self):
        admin = await self.admin()
        await admin.call("products.upsert", {"sku": "TEA", "name": "Tea", "price": 45000})
        c = (await admin.call("customers.create", {"name": "Mai", "phones": ["0912345678"],
                                                   "address": "Huế"}))["customer"]
        other = (await admin.call("customers.create", {"name": "Other",
                                                       "phones": ["0987654321"]}))["customer"]
        o1 = (await admin.call("orders.create", {"customer_id": c["id"],
                                                 "items": [{"sku": "TEA", "qty": 1}]}))["order"]
        await admin.call("orders.create", {"customer_id": other["id"],
                                           "items": [{"sku": "TEA", "qty": 3}]})
        o2 = (await admin.call("orders.create", {"phone": "+84 912 345 678",
                                                 "items": [{"sku": "TEA", "qty": 2}]}))["order"]
        await admin.call("orders.set_status", {"order_id": o1["id"], "status": "confirmed"})
        got = await admin.call("customers.get", {"customer_id": c["id"]})
        self.assertEqual(got["customer"]["id"], c["id"])
        self.assertEqual(got["customer"]["name"], "Mai")
        self.assertEqual(got["customer"]["address"], "Huế")
        self.assertEqual(got["customer"]["phones"], ["0912345678"])
        self.assertEqual([o["id"] for o in got["orders"]], [o1["id"], o2["id"]],
                         "every order of the customer, oldest first")
        self.assertEqual([o["number"] for o in got["orders"]], [o1["number"], o2["number"]])
        self.assertEqual([o["status"] for o in got["orders"]], ["confirmed", "new"])
        self.assertEqual([o["total"] for o in got["orders"]], [45000, 90000])
        self.assertEqual([len(o["lines"]) for o in got["orders"]], [1, 1])

    async def test_notes_record_who_when_and_what(self):
        admin = await self.admin()
        sale = await self.create_user(admin, "sale1", "sale", password=SALE1_PW, name="Lan Sale")
        _, sale_ws = await self.login_ws("sale1", SALE1_PW)
        c = (await admin.call("customers.create", {"name": "Mai",
                                                   "phones": ["0912345678"]}))["customer"]
        r = await sale_ws.call("customers.note", {"customer_id": c["id"],
                                                  "text": "Gọi lại sau 5 giờ chiều"})
        notes = r["customer"]["notes"]
        self.assertEqual(len(notes), 1, r)
        self.assertEqual(notes[0]["by"], sale["id"])
        self.assertEqual(notes[0]["text"], "Gọi lại sau 5 giờ chiều")
        self.assertRegex(notes[0]["at"], TIME_RE)
        self.assertEqual(notes[0].get("by_name"), "Lan Sale")
        r = await admin.call("customers.note", {"customer_id": c["id"], "text": "VIP"})
        got = (await sale_ws.call("customers.get", {"customer_id": c["id"]}))["customer"]
        self.assertEqual([(n["by"], n["text"]) for n in got["notes"]],
                         [(sale["id"], "Gọi lại sau 5 giờ chiều"), (1, "VIP")])
        self.assertLessEqual(got["notes"][0]["at"], got["notes"][1]["at"])
        await self.rejected(sale_ws, "customers.note", {"customer_id": c["id"], "text": ""},
                            "bad_request")
        await self.rejected(sale_ws, "customers.note", {"customer_id": c["id"]}, "bad_request")
        await self.rejected(sale_ws, "customers.note", {"customer_id": 999, "text": "x"},
                            "not_found")
        self.assertEqual(len((await admin.call("customers.get", {"customer_id": c["id"]}))
                             ["customer"]["notes"]), 2)

    async def test_what_a_sale_may_change(self):
        admin = await self.admin()
        s1 = await self.create_user(admin, "sale1", "sale", password=SALE1_PW)
        s2 = await self.create_user(admin, "sale2", "sale", password=SALE2_PW)
        await self.create_user(admin, "manager1", "manager", password=MANAGER_PW)
        _, sale1 = await self.login_ws("sale1", SALE1_PW)
        _, sale2 = await self.login_ws("sale2", SALE2_PW)
        _, manager = await self.login_ws("manager1", MANAGER_PW)

        # A sale who creates a card becomes its responsible sale.
        mine = (await sale1.call("customers.create", {"name": "Khách của Lan",
                                                      "phones": ["0912345678"]}))["customer"]
        self.assertEqual(mine["responsible_id"], s1["id"])
        # Another sale may not change it, nor hand it to themselves or anyone.
        await self.rejected(sale2, "customers.update",
                            {"customer_id": mine["id"], "name": "Stolen"}, "forbidden")
        await self.rejected(sale2, "customers.update",
                            {"customer_id": mine["id"], "responsible_id": s2["id"]}, "forbidden")
        await self.rejected(sale2, "customers.update",
                            {"customer_id": mine["id"], "nicknames": ["x"]}, "forbidden")
        # The owner may not make someone else responsible.
        await self.rejected(sale1, "customers.update",
                            {"customer_id": mine["id"], "responsible_id": s2["id"]}, "forbidden")
        got = (await admin.call("customers.get", {"customer_id": mine["id"]}))["customer"]
        self.assertEqual((got["name"], got["responsible_id"], got["nicknames"]),
                         ("Khách của Lan", s1["id"], []))
        # The owner may change their card.
        r = await sale1.call("customers.update", {"customer_id": mine["id"],
                                                  "address": "Đà Nẵng", "nicknames": ["Lan ơi"]})
        self.assertEqual(r["customer"]["address"], "Đà Nẵng")
        self.assertEqual(r["customer"]["responsible_id"], s1["id"])

        # A card of nobody's: a sale may change it and make only themselves responsible.
        free = (await admin.call("customers.create", {"name": "Free",
                                                      "phones": ["0987654321"]}))["customer"]
        self.assertIsNone(free["responsible_id"])
        await self.rejected(sale2, "customers.update",
                            {"customer_id": free["id"], "responsible_id": s1["id"]}, "forbidden")
        r = await sale2.call("customers.update", {"customer_id": free["id"],
                                                  "responsible_id": s2["id"]})
        self.assertEqual(r["customer"]["responsible_id"], s2["id"])
        await self.rejected(sale1, "customers.update",
                            {"customer_id": free["id"], "name": "Mine now"}, "forbidden")
        # Managers change any card and set anyone responsible; 0 or null clears it.
        r = await manager.call("customers.update", {"customer_id": free["id"],
                                                    "responsible_id": s1["id"]})
        self.assertEqual(r["customer"]["responsible_id"], s1["id"])
        r = await sale1.call("customers.update", {"customer_id": free["id"],
                                                  "responsible_id": 0})
        self.assertIsNone(r["customer"]["responsible_id"])
        r = await admin.call("customers.update", {"customer_id": free["id"],
                                                  "responsible_id": s2["id"]})
        self.assertEqual(r["customer"]["responsible_id"], s2["id"])
        r = await admin.call("customers.update", {"customer_id": free["id"],
                                                  "responsible_id": None})
        self.assertIsNone(r["customer"]["responsible_id"])
        # Responsible must be a real user.
        await self.rejected(admin, "customers.update",
                            {"customer_id": free["id"], "responsible_id": 999}, "not_found")
        # An update that changes nothing appends nothing.
        before = await self.seq()
        r = await sale1.call("customers.update", {"customer_id": mine["id"],
                                                  "address": "Đà Nẵng"})
        self.assertEqual(r["customer"]["address"], "Đà Nẵng")
        await self.assert_nothing_appended(before, "an update that changes nothing")

    async def test_unknown_customer_is_not_found(self):
        admin = await self.admin()
        await admin.call("customers.create", {"name": "Only", "phones": ["0912345678"]})
        for cid in (2, 999, 10 ** 12):
            err = await admin.error("customers.get", {"customer_id": cid})
            self.assertEqual(err["code"], "not_found", err)
            await self.rejected(admin, "customers.update", {"customer_id": cid, "name": "X"},
                                "not_found")
            await self.rejected(admin, "customers.note", {"customer_id": cid, "text": "X"},
                                "not_found")
        await self.rejected(admin, "orders.create",
                            {"customer_id": 999, "items": [{"sku": "X", "qty": 1}]}, "not_found")

    async def test_phone_country_ua(self):
        admin = await self.admin()
        await admin.call("settings.update", {"patch": {"phone.country": "UA"}})
        c = (await admin.call("customers.create", {"name": "Олена Коваль",
                                                   "phones": ["+380 67 123 4567"]}))["customer"]
        self.assertEqual(c["phones"], ["0671234567"])
        for spelling in ("067 123 45 67", "380671234567", "+380671234567", "067-123-45-67"):
            await self.rejected(admin, "customers.create",
                                {"name": "Dup", "phones": [spelling]}, "conflict")
        # A Vietnamese number in a UA unit keeps its international form.
        r = await admin.call("customers.create", {"name": "Hoa",
                                                  "phones": ["+84 912 345 678"]})
        self.assertEqual(r["customer"]["phones"], ["+84912345678"])
        # A number outside the UA plan (no UA number begins 02) is not valid.
        await self.rejected(admin, "customers.create", {"name": "X", "phones": ["021 234 5678"]},
                            "bad_request", "phones[0]")
        self.assertEqual(await self.search(admin, "067"), [c["id"]])
        self.assertEqual(await self.search(admin, "+380 67"), [c["id"]])


if __name__ == "__main__":
    unittest.main()
