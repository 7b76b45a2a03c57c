"""Leads and the work queue (PROTOCOL.md "Leads and the pool", SPEC.md section 3,
schema/protocol.md "Leads and the work queue (issue 4)", issue 8 items 22-25): imports (roles,
input order, phone normalisation, one phone one lead with duplicates reported or updated, every
bad row listed by its 1-based row with nothing imported or skipped on request, owners that must
be sales, chunked imports with a single-use batch id that commit whole or not at all, a
100,000-row import), the work queue (leads.mine), actions and notes, who may work a lead,
reassignment and its pushes, and the journal CLI's trail and replay of a lead's life."""

import asyncio
import json
import os
import time
import unittest

from harness import RejectionChecks, ServerTestCase, dump_events, wait_until

PW = {"manager1": "manager-one-password", "sale1": "sale-one-password",
      "sale2": "sale-two-password", "sale3": "sale-three-password"}
FLOAT_DEADLINE_S = 3.0  # "enters the pool within 2 seconds", plus slack for a loaded machine

FORMS = ("plain", "intl", "spaced", "dashed")


def written(phone, form):
    """A Vietnamese mobile number "0912345678" as people write it: "0912345678",
    "+84 912 345 678", "0912 345 678" or "0912-345-678" (one phone, PROTOCOL.md)."""
    assert len(phone) == 10 and phone.startswith("0"), phone
    if form == "plain":
        return phone
    if form == "intl":
        return f"+84 {phone[1:4]} {phone[4:7]} {phone[7:]}"
    if form == "spaced":
        return f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    if form == "dashed":
        return f"{phone[:4]}-{phone[4:7]}-{phone[7:]}"
    raise ValueError(form)


class LeadsCase(RejectionChecks, ServerTestCase):
    per_test = True

    async def setup_users(self, *names):
        """admin plus the named users; returns (admin ws, {name: user}, {name: ws})."""
        _, admin = await self.login_ws("admin", label="admin")
        users, conns = {}, {}
        for name in names:
            role = "manager" if name.startswith("manager") else "sale"
            users[name] = await self.create_user(admin, name, role, password=PW[name],
                                                 name=name.title())
        for name in names:
            _, conns[name] = await self.login_ws(name, PW[name], label=name)
        return admin, users, conns

    async def all_leads(self, ws, **filters):
        """Every lead through leads.list paging (1,000 a page); the cursor is an opaque string."""
        out, cursor = [], None
        for _ in range(1000):
            args = dict(filters, limit=1000)
            if cursor is not None:
                args["cursor"] = cursor
            page = await ws.call("leads.list", args)
            out.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return out
            self.assertIsInstance(cursor, str, f"next_cursor must be an opaque string: {cursor!r}")
        self.fail("leads.list paging did not end")

    async def lead(self, ws, lead_id):
        return (await ws.call("leads.get", {"lead_id": lead_id}))["lead"]

    async def float_at_once(self, admin, lead_id):
        """Turns the pool on with every floating lead floating at once (no reveal cooldown), and
        waits until lead_id is in it."""
        await admin.call("settings.update", {"patch": {"pool.enabled": True,
                                                       "pool.float_all": True,
                                                       "pool.reveal_cooldown_s": 0}})

        async def floated():
            return (await self.lead(admin, lead_id))["in_pool"]
        self.assertTrue(await wait_until(floated, FLOAT_DEADLINE_S), "the lead did not float")

    async def admin_id(self, admin):
        return (await admin.call("me"))["user"]["id"]

    def assert_import_result(self, result, n_rows):
        """The shape of every leads.import answer that imported: ids (one per row, int or null,
        the ints distinct and growing in input order), duplicates and invalid."""
        self.assertEqual(set(result), {"ids", "duplicates", "invalid"}, result)
        ids = result["ids"]
        self.assertEqual(len(ids), n_rows, "one id (or null) per row, in input order")
        got = [i for i in ids if i is not None]
        for i in got:
            self.assertIsInstance(i, int)
            self.assertGreater(i, 0)
        self.assertEqual(got, sorted(set(got)), "imported ids must be distinct, in input order")
        for d in result["duplicates"]:
            self.assertEqual(set(d), {"row", "lead_id", "owner_id", "updated"}, d)
            self.assertIsNone(ids[d["row"] - 1], f"a duplicate row got an id: {d}")
        for p in result["invalid"]:
            self.assertEqual(set(p), {"row", "field", "value", "reason"}, p)
            self.assertIsNone(ids[p["row"] - 1], f"an invalid row got an id: {p}")
        return ids

    def assert_problems(self, problems, expected):
        """problems (an `invalid` list) are exactly expected [(row, field, value, reason
        needle or None)], by row; every reason is a non-empty string."""
        self.assertIsInstance(problems, list, problems)
        got = sorted(problems, key=lambda p: p.get("row", 0))
        self.assertEqual([(p.get("row"), p.get("field"), p.get("value")) for p in got],
                         [(r, f, v) for r, f, v, _ in expected], problems)
        for p, (_, _, _, needle) in zip(got, expected):
            self.assertIsInstance(p.get("reason"), str, p)
            self.assertTrue(p["reason"], p)
            if needle is not None:
                self.assertIn(needle, p["reason"], p)


class ImportTest(LeadsCase):

    async def test_import_roles_input_order_and_normalised_phones(self):
        admin, users, c = await self.setup_users("manager1", "sale1")
        sale_id = users["sale1"]["id"]
        rows = [
            {"phone": "+84 912 345 678", "name": "Nguyễn Thị Hoa", "source": "fb",
             "product": "SOAP", "status": "busy"},
            {"phone": "0987.654.321", "name": "Trần Văn Nam"},
            {"phone": "(090) 123-4567", "owner_id": sale_id, "status": "call_back"},
            {"phone": "01662345678", "name": "Old prefix"},  # 0166 -> 036 (2018 renumbering)
            {"phone": "0912 345 678", "name": "Same phone again", "owner_id": None},
        ]
        expected_phones = ["0912345678", "0987654321", "0901234567", "0362345678"]

        # A sale may not import.
        await self.rejected(c["sale1"], "leads.import", {"leads": rows}, "forbidden")
        self.assertEqual(await self.all_leads(admin), [], "the forbidden import created leads")

        result = await c["manager1"].call("leads.import", {"leads": rows})
        ids = self.assert_import_result(result, len(rows))
        # One phone is one lead: row 5 is row 1's phone written another way.
        self.assertIsNone(ids[4], f"row 5 repeats row 1's phone and must not be imported: {result}")
        self.assertEqual(result["duplicates"],
                         [{"row": 5, "lead_id": ids[0], "owner_id": None, "updated": False}],
                         result)
        self.assertEqual(result["invalid"], [], result)
        ids = ids[:4]
        for i, (lead_id, row, phone) in enumerate(zip(ids, rows, expected_phones)):
            self.assertIsInstance(lead_id, int)
            self.assertGreater(lead_id, 0)
            lead = await self.lead(admin, lead_id)
            self.assertEqual(lead["id"], lead_id)
            self.assertEqual(lead["phone"], phone, f"row {i + 1}: phone not normalised: {lead}")
            self.assertEqual(lead["name"], row.get("name", ""), f"row {i + 1}: {lead}")
            self.assertEqual(lead["status"], row.get("status", "new"), f"row {i + 1}: {lead}")
            self.assertEqual(lead["owner_id"], row.get("owner_id"), f"row {i + 1}: {lead}")
            self.assertIs(lead["in_pool"], False)
            self.assertIsNone(lead["entered_pool_at"])
        first = await self.lead(admin, ids[0])
        self.assertEqual((first["source"], first["product"]), ("fb", "SOAP"))
        self.assertEqual(first["name"], "Nguyễn Thị Hoa", "a skipped duplicate changed the lead")

        # Admin may import too; ids keep growing in input order.
        r = await admin.call("leads.import", {"leads": [{"phone": "0356789123"},
                                                        {"phone": "0356789124"}]})
        more = self.assert_import_result(r, 2)
        self.assertEqual((r["duplicates"], r["invalid"]), ([], []), r)
        self.assertLess(max(ids), more[0])
        self.assertEqual([(await self.lead(admin, i))["phone"] for i in more],
                         ["0356789123", "0356789124"])
        listed = await self.all_leads(c["manager1"])
        self.assertEqual([l["id"] for l in listed], ids + more, "leads.list is by id")

    async def test_a_bad_row_is_named_with_its_value_and_nothing_is_imported(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2")
        manager = c["manager1"]
        manager_id, admin_id = users["manager1"]["id"], await self.admin_id(admin)
        good = {"phone": "0912345678", "name": "Khách"}
        other = "0912345679"
        # Deactivate sale2: an inactive owner is a bad row.
        s2 = users["sale2"]["id"]
        await admin.call("users.update", {"user_id": s2, "active": False})
        # (what, rows, row, field, value as given, a word of the reason or None)
        cases = [
            ("bad phone", [good, good, good, {"phone": "12345"}, good],
             4, "phone", "12345", None),
            ("empty phone", [good, {"phone": ""}], 2, "phone", "", None),
            ("unknown status", [good, {"phone": other, "status": "no_such_status"}],
             2, "status", "no_such_status", None),
            ("inactive owner", [good, good, {"phone": other, "owner_id": s2}],
             3, "owner_id", str(s2), None),
            ("unknown owner", [{"phone": other, "owner_id": 999}, good],
             1, "owner_id", "999", None),
            ("a manager as owner", [good, {"phone": other, "owner_id": manager_id}],
             2, "owner_id", str(manager_id), "must be a sale"),
            ("the admin as owner", [good, {"phone": other, "owner_id": admin_id}],
             2, "owner_id", str(admin_id), "must be a sale"),
            ("long name", [good, {"phone": other, "name": "x" * 201}],
             2, "name", "x" * 201, None),
            ("long source", [good, {"phone": other, "source": "s" * 201}],
             2, "source", "s" * 201, None),
            ("long product", [{"phone": other, "product": "p" * 201}, good],
             1, "product", "p" * 201, None),
        ]
        for what, rows, row, field, value, reason in cases:
            with self.subTest(what):
                err = await self.rejected(manager, "leads.import", {"leads": rows},
                                          "bad_request", f'row {row} {field} "{value}"')
                self.assertTrue(err["message"].startswith("1 row is invalid, nothing was imported:"),
                                err)
                self.assert_problems(err.get("invalid"), [(row, field, value, reason)])
        with self.subTest("a row without a phone is a bad row like any other"):
            err = await self.rejected(manager, "leads.import",
                                      {"leads": [good, {"name": "no phone"}]}, "bad_request")
            problems = err.get("invalid")
            self.assertIsInstance(problems, list, f"a row without a phone is not listed: {err}")
            self.assertEqual([(p.get("row"), p.get("field")) for p in problems], [(2, "phone")],
                             err)
            self.assertIn("row 2 phone", err["message"], err)
        await self.rejected(manager, "leads.import", {"leads": []}, "bad_request")
        await self.rejected(manager, "leads.import", {"leads": [good], "on_duplicate": "merge"},
                            "bad_request", "on_duplicate")
        self.assertEqual(await self.all_leads(admin), [], "a rejected import imported leads")

        # The same rows without the bad one import fine: one lead, the repeats its duplicates.
        r = await manager.call("leads.import", {"leads": [good, good, good, good]})
        ids = self.assert_import_result(r, 4)
        self.assertIsInstance(ids[0], int)
        self.assertEqual(ids[1:], [None, None, None], r)
        self.assertEqual(r["duplicates"],
                         [{"row": k, "lead_id": ids[0], "owner_id": None, "updated": False}
                          for k in (2, 3, 4)], r)
        self.assertEqual(len(await self.all_leads(admin)), 1)

        with self.subTest("skip_invalid skips a row without a phone"):
            r = await manager.call("leads.import", {"leads": [{"name": "no phone"},
                                                              {"phone": other}],
                                                    "skip_invalid": True})
            self.assertEqual(len(r["ids"]), 2, r)
            self.assertIsNone(r["ids"][0], r)
            self.assertIsInstance(r["ids"][1], int, r)
            self.assertEqual([(p.get("row"), p.get("field")) for p in r["invalid"]],
                             [(1, "phone")], r)

    async def test_bad_rows_at_100_and_250_are_listed_together_and_nothing_is_imported(self):
        admin, users, c = await self.setup_users("manager1", "sale1")
        manager = c["manager1"]
        manager_id, s1 = users["manager1"]["id"], users["sale1"]["id"]
        rows = [{"phone": f"0915{i:06d}", "name": f"Khách {i + 1}", "owner_id": s1}
                for i in range(300)]
        rows[99] = {"phone": "12345", "name": "Khách 100"}
        rows[249] = {"phone": "0915000249", "name": "Khách 250", "owner_id": manager_id}
        err = await self.rejected(manager, "leads.import", {"leads": rows}, "bad_request",
                                  'row 100 phone "12345"', f'row 250 owner_id "{manager_id}"')
        self.assertTrue(err["message"].startswith("2 rows are invalid, nothing was imported:"),
                        err)
        self.assert_problems(err.get("invalid"), [(100, "phone", "12345", None),
                                                  (250, "owner_id", str(manager_id),
                                                   "must be a sale")])
        self.assertEqual(await self.all_leads(admin), [], "a refused import imported leads")
        self.assertEqual((await c["sale1"].call("leads.mine"))["items"], [])

        # Corrected, the list imports whole.
        rows[99] = {"phone": "0915000099", "name": "Khách 100", "owner_id": s1}
        rows[249] = {"phone": "0915000249", "name": "Khách 250", "owner_id": s1}
        r = await manager.call("leads.import", {"leads": rows})
        ids = self.assert_import_result(r, 300)
        self.assertNotIn(None, ids)
        self.assertEqual((r["duplicates"], r["invalid"]), ([], []))
        self.assertEqual(len((await c["sale1"].call("leads.mine"))["items"]), 300)

        # Every bad row is listed, up to 1,000; the message counts them all.
        bad = [{"phone": f"1{i}"} for i in range(1200)]
        err = await self.rejected(manager, "leads.import", {"leads": bad}, "bad_request",
                                  'row 1 phone "10"')
        self.assertTrue(err["message"].startswith("1200 rows are invalid, nothing was imported:"),
                        err["message"][:300])
        problems = err.get("invalid")
        self.assertEqual(len(problems), 1000, "up to 1,000 bad rows are listed")
        self.assertEqual(sorted(p["row"] for p in problems), list(range(1, 1001)))
        self.assertTrue(all(p["field"] == "phone" and p["value"] == f"1{p['row'] - 1}"
                            for p in problems), problems[:5])
        self.assertEqual(len(await self.all_leads(admin)), 300)

    async def test_500_rows_with_20_repeats_make_480_leads_and_one_owner_per_phone(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2", "sale3")
        manager = c["manager1"]
        sales = [users[n]["id"] for n in ("sale1", "sale2", "sale3")]
        # Already in the unit: 10 leads, owned by sale1, sale2 or nobody.
        old_phones = [f"0914{i:06d}" for i in range(10)]
        old_owners = [None if i % 3 == 0 else sales[i % 2] for i in range(10)]
        r = await manager.call("leads.import", {"leads": [
            {"phone": p, "name": f"Cũ {i}", "owner_id": o}
            for i, (p, o) in enumerate(zip(old_phones, old_owners))]})
        old_ids = self.assert_import_result(r, 10)

        # The list: 480 new phones in all four written forms, owned round robin (or by nobody),
        # and at rows 25, 50, ..., 500 a repeat in another written form, with another owner
        # and name: rows 25, 75, ... repeat a lead already in the unit, rows 50, 100, ... a
        # row earlier in the list.
        rows, expect = [], []  # expect[k]: ("new", index of the new phone) or ("dup", lead ref)
        new_phones = [f"0913{i:06d}" for i in range(480)]
        new_owner = [None if i % 4 == 3 else sales[i % 3] for i in range(480)]
        placed = 0
        for k in range(500):
            j, is_repeat = divmod(k + 1, 25)
            if is_repeat == 0:
                j -= 1
                if j % 2 == 0:
                    n = j // 2
                    phone, owner_then = old_phones[n], old_owners[n]
                    form = FORMS[1 + j % 3]
                    expect.append(("dup-old", n))
                else:
                    n = 24 * j + 3  # placed before this row
                    self.assertLess(n, placed)
                    phone, owner_then = new_phones[n], new_owner[n]
                    form = FORMS[(n + 1 + j % 3) % 4]
                    expect.append(("dup-new", n))
                others = [s for s in sales if s != owner_then]
                rows.append({"phone": written(phone, form), "name": f"Repeat {j}",
                             "owner_id": others[j % len(others)]})
            else:
                n = placed
                placed += 1
                row = {"phone": written(new_phones[n], FORMS[n % 4]), "name": f"Khách {n}"}
                if new_owner[n] is not None:
                    row["owner_id"] = new_owner[n]
                rows.append(row)
                expect.append(("new", n))
        self.assertEqual(placed, 480)

        r = await manager.call("leads.import", {"leads": rows}, timeout=60)
        ids = self.assert_import_result(r, 500)
        self.assertEqual(r["invalid"], [])
        self.assertEqual(sum(1 for i in ids if i is not None), 480, "500 rows, 20 repeats")
        id_of_new = {}
        for k, (kind, n) in enumerate(expect):
            if kind == "new":
                self.assertIsNotNone(ids[k], f"row {k + 1} is a new phone")
                id_of_new[n] = ids[k]
            else:
                self.assertIsNone(ids[k], f"row {k + 1} repeats a phone and got an id")
        want_dups = []
        for k, (kind, n) in enumerate(expect):
            if kind == "dup-old":
                want_dups.append({"row": k + 1, "lead_id": old_ids[n], "owner_id": old_owners[n],
                                  "updated": False})
            elif kind == "dup-new":
                want_dups.append({"row": k + 1, "lead_id": id_of_new[n], "owner_id": new_owner[n],
                                  "updated": False})
        self.assertEqual(len(want_dups), 20)
        self.assertEqual(sorted(r["duplicates"], key=lambda d: d["row"]), want_dups,
                         "each duplicate names the lead that has the phone and its owner")

        # The unit: 490 leads, one per phone, with the first row's name and owner.
        leads = await self.all_leads(admin)
        self.assertEqual(len(leads), 490)
        phones = [l["phone"] for l in leads]
        self.assertEqual(len(set(phones)), 490, "a phone belongs to two leads")
        by_phone = {l["phone"]: l for l in leads}
        for n, p in enumerate(new_phones):
            lead = by_phone[p]
            self.assertEqual((lead["id"], lead["owner_id"], lead["name"]),
                             (id_of_new[n], new_owner[n], f"Khách {n}"), lead)
        for n, p in enumerate(old_phones):
            lead = by_phone[p]
            self.assertEqual((lead["id"], lead["owner_id"], lead["name"]),
                             (old_ids[n], old_owners[n], f"Cũ {n}"), lead)
        # And no phone sits in two sales' work queues.
        seen = {}
        for name, sale_id in zip(("sale1", "sale2", "sale3"), sales):
            mine = (await c[name].call("leads.mine"))["items"]
            want = sorted(l["id"] for l in leads if l["owner_id"] == sale_id)
            self.assertEqual(sorted(l["id"] for l in mine), want, name)
            for l in mine:
                self.assertNotIn(l["phone"], seen,
                                 f"{l['phone']} is owned by {seen.get(l['phone'])} and {name}")
                seen[l["phone"]] = name

    async def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(self):
        admin, users, c = await self.setup_users("manager1", "sale1")
        manager = c["manager1"]
        s1, manager_id = users["sale1"]["id"], users["manager1"]["id"]
        rows = [
            {"phone": "0912000001", "name": "A"},
            {"phone": "12345", "name": "Typo"},
            {"phone": "0912 000 003", "name": "C", "owner_id": s1, "status": "call_back"},
            {"phone": "0912000004", "owner_id": manager_id},
            {"phone": "0912000005", "status": "no_such_status"},
            {"phone": "+84 912 000 001", "name": "A again"},
            {"phone": "0912-000-007", "name": "G", "source": "fb"},
            {"phone": "0912000008", "owner_id": 999},
        ]
        before = await self.seq()
        r = await manager.call("leads.import", {"leads": rows, "skip_invalid": True})
        ids = self.assert_import_result(r, len(rows))
        a, cc, g = ids[0], ids[2], ids[6]
        self.assertEqual([i is not None for i in ids],
                         [True, False, True, False, False, False, True, False], r)
        self.assert_problems(r["invalid"], [(2, "phone", "12345", None),
                                            (4, "owner_id", str(manager_id), "must be a sale"),
                                            (5, "status", "no_such_status", None),
                                            (8, "owner_id", "999", None)])
        self.assertEqual(r["duplicates"],
                         [{"row": 6, "lead_id": a, "owner_id": None, "updated": False}], r)
        self.assertGreater(await self.seq(), before)
        leads = await self.all_leads(admin)
        self.assertEqual([l["id"] for l in leads], [a, cc, g])
        self.assertEqual([(l["phone"], l["name"], l["owner_id"], l["status"]) for l in leads],
                         [("0912000001", "A", None, "new"),
                          ("0912000003", "C", s1, "call_back"),
                          ("0912000007", "G", None, "new")])
        self.assertEqual([l["id"] for l in (await c["sale1"].call("leads.mine"))["items"]], [cc])

        # Only bad rows: nothing to import, every row reported, no error.
        r = await manager.call("leads.import", {"leads": [{"phone": "1"}, {"phone": "22"}],
                                                "skip_invalid": True})
        self.assertEqual(r["ids"], [None, None], r)
        self.assert_problems(r["invalid"], [(1, "phone", "1", None), (2, "phone", "22", None)])
        self.assertEqual(len(await self.all_leads(admin)), 3)

    async def test_skip_invalid_a_bad_row_gives_its_phone_to_no_one(self):
        # A bad row is not imported, so it is no earlier row for a later good row with the same
        # phone: that row is imported, and the bad row's id stays null.
        admin, users, c = await self.setup_users("manager1")
        rows = [{"phone": "0912000005", "status": "no_such_status", "name": "Bad"},
                {"phone": "0912 000 005", "name": "Good"}]
        r = await c["manager1"].call("leads.import", {"leads": rows, "skip_invalid": True})
        ids = r["ids"]
        self.assertEqual(len(ids), 2, r)
        self.assertIsNone(ids[0], f"the bad row 1 got an id: {r}")
        self.assertIsInstance(ids[1], int, f"the good row 2 was not imported: {r}")
        self.assertEqual(r["duplicates"], [], r)
        self.assert_problems(r["invalid"], [(1, "status", "no_such_status", None)])
        self.assertEqual((await self.lead(admin, ids[1]))["name"], "Good")

    async def test_on_duplicate_update_changes_the_existing_lead(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2")
        manager = c["manager1"]
        s1, s2 = users["sale1"]["id"], users["sale2"]["id"]
        l1, l2, l3 = (await manager.call("leads.import", {"leads": [
            {"phone": "0912345001", "name": "Hoa", "source": "fb", "product": "SOAP",
             "owner_id": s1},
            {"phone": "0912345002", "name": "Nam"},
            {"phone": "0912345003", "name": "Lan", "status": "busy", "owner_id": s2},
        ]}))["ids"]
        for name in ("sale1", "sale2"):
            await c[name].call("subscribe", {"topics": ["me"]})
        start1 = len(c["sale1"].pushes)

        rows = [
            {"phone": "+84 912 345 001", "name": "Hoa Nguyễn", "status": "call_back",
             "owner_id": s2},
            {"phone": "0912-345-002", "source": "zalo"},
            {"phone": "0912345004", "name": "Mới"},
            {"phone": "0912 345 003", "status": "busy", "product": "TEA"},
            {"phone": "+84 912 345 004", "name": "Mới 2", "status": "no_answer"},
        ]
        r = await manager.call("leads.import", {"leads": rows, "on_duplicate": "update"})
        ids = self.assert_import_result(r, len(rows))
        self.assertEqual([i is None for i in ids], [True, True, False, True, True], r)
        l4 = ids[2]
        self.assertEqual(r["invalid"], [])
        dups = sorted(r["duplicates"], key=lambda d: d["row"])
        self.assertEqual([(d["row"], d["lead_id"], d["updated"]) for d in dups],
                         [(1, l1, True), (2, l2, True), (4, l3, True), (5, l4, True)], r)
        self.assertIn(dups[0]["owner_id"], (s1, s2), dups[0])
        self.assertEqual([d["owner_id"] for d in dups[1:]], [None, s2, None], dups)

        got = await self.lead(admin, l1)
        self.assertEqual((got["phone"], got["name"], got["status"], got["owner_id"],
                          got["source"], got["product"]),
                         ("0912345001", "Hoa Nguyễn", "call_back", s2, "fb", "SOAP"),
                         "name, status and owner from the row; empty fields keep the lead's")
        got = await self.lead(admin, l2)
        self.assertEqual((got["name"], got["source"], got["status"], got["owner_id"]),
                         ("Nam", "zalo", "new", None), got)
        got = await self.lead(admin, l3)
        self.assertEqual((got["name"], got["product"], got["status"], got["owner_id"]),
                         ("Lan", "TEA", "busy", s2), "no owner in the row keeps the owner")
        got = await self.lead(admin, l4)
        self.assertEqual((got["phone"], got["name"], got["status"]),
                         ("0912345004", "Mới 2", "no_answer"), "an earlier row is updated too")
        self.assertEqual(len(await self.all_leads(admin)), 4, "an update made a new lead")
        # The owner change is a reassignment: the work queues and the old owner see it.
        self.assertEqual((await c["sale1"].call("leads.mine"))["items"], [])
        self.assertEqual(sorted(l["id"] for l in (await c["sale2"].call("leads.mine"))["items"]),
                         [l1, l3])
        lost = await c["sale1"].wait_push(
            lambda p: p["push"] == "me" and p["type"] == "lead_lost", 2, start1)
        self.assertIsNotNone(lost, "the previous owner is told (me/lead_lost)")
        self.assertEqual(lost["data"]["lead_id"], l1)

        # An update may not hand a lead to a manager: a bad row, nothing changes.
        err = await self.rejected(manager, "leads.import",
                                  {"leads": [{"phone": "0912345002", "name": "X",
                                              "owner_id": users["manager1"]["id"]}],
                                   "on_duplicate": "update"}, "bad_request", "row 1 owner_id")
        self.assert_problems(err.get("invalid"),
                             [(1, "owner_id", str(users["manager1"]["id"]), "must be a sale")])
        self.assertEqual((await self.lead(admin, l2))["name"], "Nam")

    async def test_chunked_import_with_a_batch_id(self):
        admin, users, c = await self.setup_users("manager1", "sale1")
        manager = c["manager1"]
        chunk1 = [{"phone": f"090100000{i}", "name": f"A{i}"} for i in range(3)]
        chunk2 = [{"phone": f"090200000{i}", "name": f"B{i}"} for i in range(2)]
        chunk3 = [{"phone": "0903000000", "name": "C0", "owner_id": users["sale1"]["id"]}]
        before = await self.seq()
        r1 = await manager.call("leads.import", {"leads": chunk1, "batch": {"id": "file-1"}})
        self.assertEqual(r1, {"staged": True})
        r2 = await manager.call("leads.import", {"leads": chunk2,
                                                 "batch": {"id": "file-1", "final": False}})
        self.assertEqual(r2, {"staged": True})
        self.assertEqual(await self.seq(), before, "staged chunks were journaled")
        self.assertEqual(await self.all_leads(admin), [], "staged chunks made leads")
        # Another batch of the same user does not mix with it.
        other = await manager.call("leads.import", {"leads": [{"phone": "0909999999"}],
                                                    "batch": {"id": "file-2"}})
        self.assertEqual(other, {"staged": True})

        r3 = await manager.call("leads.import", {"leads": chunk3,
                                                 "batch": {"id": "file-1", "final": True}})
        rows = chunk1 + chunk2 + chunk3
        ids = self.assert_import_result(r3, len(rows))
        self.assertEqual((r3["duplicates"], r3["invalid"]), ([], []), r3)
        self.assertNotIn(None, ids, "the final chunk must answer every staged id")
        got = [await self.lead(admin, i) for i in ids]
        self.assertEqual([l["phone"] for l in got], [r["phone"] for r in rows])
        self.assertEqual([l["name"] for l in got], [r["name"] for r in rows])
        self.assertEqual(got[-1]["owner_id"], users["sale1"]["id"])
        self.assertEqual(len(await self.all_leads(admin)), len(rows))
        mine = (await c["sale1"].call("leads.mine"))["items"]
        self.assertEqual([l["id"] for l in mine], [ids[-1]])

        # A committed batch's id is spent: any chunk under it is refused.
        for final in (False, True):
            await self.rejected(manager, "leads.import",
                                {"leads": [{"phone": "0906000000"}],
                                 "batch": {"id": "file-1", "final": final}},
                                "bad_request", "batch file-1 has ended", "new batch id")
        self.assertEqual(len(await self.all_leads(admin)), len(rows))

        # A bad row in a staged chunk refuses the whole batch, named by its row in the batch.
        await manager.call("leads.import", {"leads": chunk1, "batch": {"id": "file-3"}})
        await manager.call("leads.import", {"leads": [{"phone": "0904000000"},
                                                      {"phone": "not a phone"}],
                                            "batch": {"id": "file-3"}})
        err = await self.rejected(manager, "leads.import",
                                  {"leads": [{"phone": "0905000000"}],
                                   "batch": {"id": "file-3", "final": True}},
                                  "bad_request", 'row 5 phone "not a phone"')
        self.assert_problems(err.get("invalid"), [(5, "phone", "not a phone", None)])
        self.assertEqual(len(await self.all_leads(admin)), len(rows), "a rejected batch imported")
        # Its rows are gone: the same rows as a new batch, without the bad one, import alone.
        r = await manager.call("leads.import", {"leads": [{"phone": "0905000000"}],
                                                "batch": {"id": "file-4", "final": True}})
        self.assertEqual(len(r["ids"]), 1, f"rows of the refused batch came back: {r}")

        # A sale may not stage chunks either.
        await self.rejected(c["sale1"], "leads.import",
                            {"leads": chunk1, "batch": {"id": "sale-file"}}, "forbidden")

    async def test_a_refused_final_chunk_imports_nothing_and_spends_the_batch_id(self):
        admin, users, c = await self.setup_users("manager1", "sale1")
        manager = c["manager1"]
        s1 = users["sale1"]["id"]
        chunks = [[{"phone": f"09160{k}{i:04d}", "name": f"K{k}-{i}", "owner_id": s1}
                   for i in range(5)] for k in range(3)]
        for chunk in chunks[:2]:
            r = await manager.call("leads.import", {"leads": chunk, "batch": {"id": "list-7"}})
            self.assertEqual(r, {"staged": True})
        bad_final = [dict(row) for row in chunks[2]]
        bad_final[1]["status"] = "no_such_status"  # row 12 of the batch
        err = await self.rejected(manager, "leads.import",
                                  {"leads": bad_final, "batch": {"id": "list-7", "final": True}},
                                  "bad_request", 'row 12 status "no_such_status"')
        self.assert_problems(err.get("invalid"), [(12, "status", "no_such_status", None)])
        self.assertEqual(await self.all_leads(admin), [], "a refused batch imported rows")
        self.assertEqual((await c["sale1"].call("leads.mine"))["items"], [])

        # Resending only the corrected final chunk under the same id would import a third of
        # the list: it is refused, and so is a new first chunk under that id.
        await self.rejected(manager, "leads.import",
                            {"leads": chunks[2], "batch": {"id": "list-7", "final": True}},
                            "bad_request", "batch list-7 has ended", "new batch id")
        await self.rejected(manager, "leads.import",
                            {"leads": chunks[0], "batch": {"id": "list-7"}},
                            "bad_request", "batch list-7 has ended")
        self.assertEqual(await self.all_leads(admin), [], "a spent batch id imported rows")

        # The whole list again under a new id imports whole.
        for chunk in chunks[:2]:
            await manager.call("leads.import", {"leads": chunk, "batch": {"id": "list-7b"}})
        r = await manager.call("leads.import", {"leads": chunks[2],
                                                "batch": {"id": "list-7b", "final": True}})
        ids = self.assert_import_result(r, 15)
        self.assertNotIn(None, ids)
        self.assertEqual([l["phone"] for l in await self.all_leads(admin)],
                         [row["phone"] for chunk in chunks for row in chunk])

    async def test_a_final_chunk_that_names_the_wrong_row_count_imports_nothing(self):
        admin, users, c = await self.setup_users("manager1")
        manager = c["manager1"]
        rows = [{"phone": f"091810000{i}"} for i in range(6)]
        await manager.call("leads.import", {"leads": rows[:3], "batch": {"id": "counted"}})
        for bad in ("six", -1, 100001, 1.5):
            await self.rejected(manager, "leads.import",
                                {"leads": rows[3:], "batch": {"id": "counted", "final": True,
                                                              "rows": bad}},
                                "bad_request", "rows")
        # A wrong count refuses the whole batch and spends its id.
        await self.rejected(manager, "leads.import",
                            {"leads": rows[3:], "batch": {"id": "counted", "final": True,
                                                          "rows": 7}},
                            "bad_request", "has 6 rows here, not 7", "nothing was imported")
        self.assertEqual(await self.all_leads(admin), [], "a miscounted batch imported rows")
        await self.rejected(manager, "leads.import",
                            {"leads": rows, "batch": {"id": "counted", "final": True, "rows": 6}},
                            "bad_request", "batch counted has ended")
        # The right count imports whole.
        await manager.call("leads.import", {"leads": rows[:3], "batch": {"id": "counted-2"}})
        r = await manager.call("leads.import", {"leads": rows[3:], "batch": {
            "id": "counted-2", "final": True, "rows": 6}})
        self.assertEqual(len([i for i in r["ids"] if i is not None]), 6, r)

    async def test_a_sales_chunks_are_forbidden_and_nothing_is_staged(self):
        admin, users, c = await self.setup_users("manager1", "sale1")
        sale = c["sale1"]
        rows = [{"phone": f"091700000{i}"} for i in range(3)]
        # More open batches than a user may have: each is refused as forbidden, none staged.
        for k in range(6):
            await self.rejected(sale, "leads.import",
                                {"leads": rows, "batch": {"id": f"sale-{k}"}}, "forbidden")
        await self.rejected(sale, "leads.import",
                            {"leads": [{"phone": "0917000009"}],
                             "batch": {"id": "sale-0", "final": True}}, "forbidden")
        self.assertEqual(await self.all_leads(admin), [])
        # Made a manager, the same user's final chunk under that id carries only its own rows.
        await admin.call("users.update", {"user_id": users["sale1"]["id"], "role": "manager"})
        _, promoted = await self.login_ws("sale1", PW["sale1"], label="sale1-manager")
        r = await promoted.call("leads.import", {"leads": [{"phone": "0917000009"}],
                                                 "batch": {"id": "sale-1", "final": True}})
        self.assertEqual(len(r["ids"]), 1, f"a sale's forbidden chunk was staged: {r}")
        self.assertEqual([l["phone"] for l in await self.all_leads(admin)], ["0917000009"])

    async def test_at_most_four_open_batches_per_user(self):
        admin, users, c = await self.setup_users("manager1")
        manager = c["manager1"]
        for k in range(4):
            r = await manager.call("leads.import", {"leads": [{"phone": f"091800000{k}"}],
                                                    "batch": {"id": f"open-{k}"}})
            self.assertEqual(r, {"staged": True})
        await self.rejected(manager, "leads.import",
                            {"leads": [{"phone": "0918000004"}], "batch": {"id": "open-4"}},
                            "bad_request", "4")
        # Per user: the admin may still stage.
        r = await admin.call("leads.import", {"leads": [{"phone": "0918000009"}],
                                              "batch": {"id": "open-0"}})
        self.assertEqual(r, {"staged": True})
        # Ending one frees its place.
        r = await manager.call("leads.import", {"leads": [{"phone": "0918000005"}],
                                                "batch": {"id": "open-0", "final": True}})
        self.assertEqual(len(r["ids"]), 2)
        r = await manager.call("leads.import", {"leads": [{"phone": "0918000004"}],
                                                "batch": {"id": "open-4"}})
        self.assertEqual(r, {"staged": True})
        r = await admin.call("leads.import", {"leads": [{"phone": "0918000008"}],
                                              "batch": {"id": "open-0", "final": True}})
        self.assertEqual(len(r["ids"]), 2, "the admin's batch open-0 is not the manager's")
        self.assertEqual(len(await self.all_leads(admin)), 4)

    async def test_a_hundred_thousand_rows_in_chunks(self):
        admin, users, c = await self.setup_users("manager1")
        manager = c["manager1"]
        n, chunk = 100_000, 10_000
        phones = [f"09{10000000 + i:08d}" for i in range(n)]  # 0910000000 ... 0910099999
        started = time.monotonic()
        result = None
        for k in range(0, n, chunk):
            rows = [{"phone": p} for p in phones[k:k + chunk]]
            final = k + chunk >= n
            frame_size = len(json.dumps({"id": "x", "op": "leads.import",
                                         "args": {"leads": rows, "batch": {"id": "big"}}}))
            self.assertLess(frame_size, 1024 * 1024, "a chunk must fit in one frame")
            r = await manager.call("leads.import", {"leads": rows,
                                                    "batch": {"id": "big", "final": final}},
                                   timeout=120)
            if final:
                result = r
            else:
                self.assertEqual(r, {"staged": True})
        imported_s = time.monotonic() - started
        self.assertIsInstance(result, dict)
        self.assertEqual((result.get("duplicates"), result.get("invalid")), ([], []))
        ids = result.get("ids")
        self.assertIsInstance(ids, list)
        self.assertEqual(len(ids), n)
        self.assertNotIn(None, ids)
        self.assertEqual(len(set(ids)), n)
        self.assertEqual(ids, sorted(ids), "ids must be in input order")

        # leads.list pages through all of them, by id, 1,000 at a time.
        page = await manager.call("leads.list", {"limit": 1000})
        self.assertEqual(len(page["items"]), 1000)
        self.assertIsInstance(page["next_cursor"], str, "next_cursor is an opaque string")
        listed = await self.all_leads(manager)
        self.assertEqual(len(listed), n)
        self.assertEqual([l["id"] for l in listed], ids)
        self.assertEqual([l["phone"] for l in listed[:3]], phones[:3])
        self.assertEqual(listed[-1]["phone"], phones[-1])
        # The default page is 100.
        default = await manager.call("leads.list")
        self.assertEqual(len(default["items"]), 100)
        total_s = time.monotonic() - started
        self.assertLess(total_s, 30.0 * self.slowness(),
                        f"100,000 leads: import took {imported_s:.1f}s, with paging {total_s:.1f}s")

        # One row past 100,000 in one import is refused, and the batch ends with it.
        rows = [{"phone": phones[0]}] * chunk
        for _ in range(n // chunk):
            r = await manager.call("leads.import", {"leads": rows, "batch": {"id": "big-2"}},
                                   timeout=120)
            self.assertEqual(r, {"staged": True})
        await self.rejected(manager, "leads.import",
                            {"leads": [{"phone": phones[1]}],
                             "batch": {"id": "big-2", "final": True}}, "bad_request", "100")
        await self.rejected(manager, "leads.import",
                            {"leads": [{"phone": phones[2]}],
                             "batch": {"id": "big-2", "final": True}},
                            "bad_request", "batch big-2 has ended")
        # Under a new id, the row is a duplicate of the lead imported above.
        r = await manager.call("leads.import", {"leads": [{"phone": phones[2]}],
                                                "batch": {"id": "big-3", "final": True}})
        self.assertEqual(r["ids"], [None], "the refused batch was not dropped")
        self.assertEqual(r["duplicates"],
                         [{"row": 1, "lead_id": ids[2], "owner_id": None, "updated": False}])
        self.assertEqual(len(await self.all_leads(manager)), n)

    def slowness(self):
        """Sanitizer builds are several times slower; their build directory says so."""
        path = os.environ.get("SALESDESK_BIN", "").lower()
        return 4.0 if ("asan" in path or "sanit" in path or "tsan" in path) else 1.0


class WorkQueueTest(LeadsCase):

    async def test_mine_shows_only_the_callers_leads(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2")
        s1, s2 = users["sale1"]["id"], users["sale2"]["id"]
        ids = (await c["manager1"].call("leads.import", {"leads": [
            {"phone": "0912345001", "owner_id": s1},
            {"phone": "0912345002", "owner_id": s2},
            {"phone": "0912345003", "owner_id": s1},
            {"phone": "0912345004"},
        ]}))["ids"]
        mine1 = (await c["sale1"].call("leads.mine"))["items"]
        mine2 = (await c["sale2"].call("leads.mine"))["items"]
        self.assertEqual(sorted(l["id"] for l in mine1), [ids[0], ids[2]])
        self.assertEqual([l["id"] for l in mine2], [ids[1]])
        self.assertTrue(all(l["owner_id"] == s1 for l in mine1), mine1)
        # Their own phones in full.
        self.assertEqual(sorted(l["phone"] for l in mine1), ["0912345001", "0912345003"])
        # leads.mine is for sales, leads.list for managers.
        await self.rejected(c["manager1"], "leads.mine", {}, "forbidden")
        await self.rejected(c["sale1"], "leads.list", {}, "forbidden")
        by_owner = (await c["manager1"].call("leads.list", {"owner_id": s1}))["items"]
        self.assertEqual([l["id"] for l in by_owner], [ids[0], ids[2]])

    async def test_update_and_note_by_the_owner_and_by_others(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2")
        s1 = users["sale1"]["id"]
        [lead_id] = (await c["manager1"].call("leads.import", {"leads": [
            {"phone": "0912345678", "name": "Hoa", "owner_id": s1}]}))["ids"]
        before = (await c["sale1"].call("leads.get", {"lead_id": lead_id}))["lead"]
        await self.advance(20)

        r = await c["sale1"].call("leads.update", {"lead_id": lead_id, "status": "call_back",
                                                   "note": "Gọi lại sau 5 giờ chiều"})
        self.assertEqual(r["lead"]["status"], "call_back")
        self.assertEqual(r["lead"]["owner_id"], s1)
        self.assertGreater(r["lead"]["last_action_at"], before["last_action_at"],
                           "an action by the owner restarts the clock")
        detail = await c["sale1"].call("leads.get", {"lead_id": lead_id})
        self.assertEqual(detail["lead"]["status"], "call_back")
        self.assertEqual(len(detail["notes"]), 1, detail)
        note = detail["notes"][0]
        self.assertEqual(note["by"], s1)
        self.assertEqual(note["text"], "Gọi lại sau 5 giờ chiều")
        self.assertEqual(note["by_name"], "Sale1")
        self.assertRegex(note["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(detail["calls"], [])

        r = await c["sale1"].call("leads.note", {"lead_id": lead_id, "text": "Khách bận"})
        self.assertEqual(r["lead"]["status"], "call_back", "a note keeps the status")
        detail = await c["manager1"].call("leads.get", {"lead_id": lead_id})
        self.assertEqual([n["text"] for n in detail["notes"]],
                         ["Gọi lại sau 5 giờ chiều", "Khách bận"], "notes oldest first")

        # Another sale may not work it, nor see it.
        await self.rejected(c["sale2"], "leads.update",
                            {"lead_id": lead_id, "status": "refused", "note": "mine now"},
                            "forbidden")
        await self.rejected(c["sale2"], "leads.note", {"lead_id": lead_id, "text": "x"},
                            "forbidden")
        err = await c["sale2"].error("leads.get", {"lead_id": lead_id})
        self.assertEqual(err["code"], "not_found", err)
        self.assertEqual((await self.lead(admin, lead_id))["status"], "call_back")

        # Unknown lead, unknown status.
        await self.rejected(c["sale1"], "leads.update", {"lead_id": 9999, "status": "busy"},
                            "not_found")
        await self.rejected(c["sale1"], "leads.update",
                            {"lead_id": lead_id, "status": "no_such_status"}, "bad_request")

        # A manager's update changes the status but not the owner's clock.
        clock = (await self.lead(admin, lead_id))["last_action_at"]
        await self.advance(20)
        r = await c["manager1"].call("leads.update", {"lead_id": lead_id, "status": "busy",
                                                      "note": "Manager checked"})
        self.assertEqual(r["lead"]["status"], "busy")
        self.assertEqual(r["lead"]["owner_id"], s1, "a manager's update keeps the owner")
        self.assertEqual(r["lead"]["last_action_at"], clock,
                         "a manager's update must not restart the owner's clock")
        detail = await c["sale1"].call("leads.get", {"lead_id": lead_id})
        self.assertEqual(detail["notes"][-1]["by"], users["manager1"]["id"])

    async def test_assign_moves_the_lead_and_tells_both_sales(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2")
        s1, s2 = users["sale1"]["id"], users["sale2"]["id"]
        for name in ("sale1", "sale2"):
            await c[name].call("subscribe", {"topics": ["me"]})
        [lead_id] = (await c["manager1"].call("leads.import", {"leads": [
            {"phone": "0912345678", "owner_id": s1}]}))["ids"]
        got = await c["sale1"].wait_push(
            lambda p: p["push"] == "me" and p["type"] == "lead_assigned"
            and p["data"]["lead"]["id"] == lead_id, 2)
        self.assertIsNotNone(got, "an import with an owner pushes me/lead_assigned to them")
        start1, start2 = len(c["sale1"].pushes), len(c["sale2"].pushes)

        r = await c["manager1"].call("leads.assign", {"lead_id": lead_id, "owner_id": s2})
        self.assertEqual(r["lead"]["owner_id"], s2)
        self.assertEqual([l["id"] for l in (await c["sale1"].call("leads.mine"))["items"]], [])
        self.assertEqual([l["id"] for l in (await c["sale2"].call("leads.mine"))["items"]],
                         [lead_id])
        lost = await c["sale1"].wait_push(
            lambda p: p["push"] == "me" and p["type"] == "lead_lost", 2, start1)
        self.assertIsNotNone(lost, "the previous owner is told (me/lead_lost)")
        self.assertEqual(lost["data"]["lead_id"], lead_id)
        self.assertEqual(lost["data"]["reason"], "reassigned")
        assigned = await c["sale2"].wait_push(
            lambda p: p["push"] == "me" and p["type"] == "lead_assigned", 2, start2)
        self.assertIsNotNone(assigned, "the new owner is told (me/lead_assigned)")
        self.assertEqual(assigned["data"]["lead"]["id"], lead_id)
        self.assertEqual(assigned["data"]["lead"]["owner_id"], s2)
        self.assertEqual(assigned["data"]["lead"]["phone"], "0912345678")
        self.assertFalse([p for p in c["sale2"].pushes[start2:] if p["type"] == "lead_lost"])
        self.assertFalse([p for p in c["sale1"].pushes[start1:] if p["type"] == "lead_assigned"])
        # The new owner may work it, the old one may not.
        await c["sale2"].call("leads.update", {"lead_id": lead_id, "status": "busy"})
        await self.rejected(c["sale1"], "leads.update", {"lead_id": lead_id, "status": "new"},
                            "forbidden")

        # To nobody.
        r = await c["manager1"].call("leads.assign", {"lead_id": lead_id, "owner_id": None})
        self.assertIsNone(r["lead"]["owner_id"])
        self.assertEqual((await c["sale2"].call("leads.mine"))["items"], [])

        await self.rejected(c["manager1"], "leads.assign", {"lead_id": 9999, "owner_id": s1},
                            "not_found")
        # An owner must be an active sale: not a manager, not the admin.
        await self.rejected(c["manager1"], "leads.assign",
                            {"lead_id": lead_id, "owner_id": users["manager1"]["id"]},
                            "bad_request", "must be a sale")
        await self.rejected(c["manager1"], "leads.assign",
                            {"lead_id": lead_id, "owner_id": await self.admin_id(admin)},
                            "bad_request", "must be a sale")
        await self.rejected(c["sale1"], "leads.assign", {"lead_id": lead_id, "owner_id": s1},
                            "forbidden")
        self.assertIsNone((await self.lead(admin, lead_id))["owner_id"])


class HistoryTest(LeadsCase):

    async def test_a_leads_history_newest_first_without_phones_for_who_may_work_it(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2", "sale3")
        s1, s3 = users["sale1"]["id"], users["sale3"]["id"]
        [lead_id] = (await admin.call("leads.import", {"leads": [
            {"phone": "0912345678", "name": "Hoa", "owner_id": s1}]}))["ids"]
        await c["sale1"].call("leads.update", {"lead_id": lead_id, "status": "no_answer",
                                               "note": "gọi lại số 0987654321"})
        await c["sale1"].call("leads.log_call", {"lead_id": lead_id, "direction": "out",
                                                 "duration_s": 45})
        await self.float_at_once(admin, lead_id)
        await c["sale3"].call("pool.reveal", {"lead_id": lead_id})
        await c["sale3"].call("pool.claim", {"lead_id": lead_id})

        page = await c["sale3"].call("leads.history", {"lead_id": lead_id})
        events = [(i["event"], i["by"]) for i in page["items"]]
        self.assertEqual(events[:3], [("claimed", s3), ("revealed", s3), ("floated", None)])
        self.assertIn(("called", s1), events)
        acted = [i for i in page["items"] if i["event"] == "acted"][-1]  # the update (a call acts too)
        self.assertEqual((acted["by"], acted["status"], acted["note"]), (s1, "no_answer", True))
        self.assertEqual(events[-1][0], "imported")
        self.assertEqual(page["items"][-1]["owner_id"], s1)
        self.assertEqual(page["items"][0]["previous_owner_id"], s1)
        self.assertIsNone(page["next_cursor"])
        text = json.dumps(page, ensure_ascii=False)
        for phone in ("0912345678", "0987654321", "912345678"):
            self.assertNotIn(phone, text, "no phone in a history")

        # Pages of two, newest first, to the end.
        seen, cursor = [], None
        while True:
            args = {"lead_id": lead_id, "limit": 2}
            if cursor:
                args["before"] = cursor
            part = await admin.call("leads.history", args)
            seen += part["items"]
            cursor = part["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, page["items"])

        # The sale who lost it, another sale, an unknown lead: not found; nothing appended.
        for ws, lid in ((c["sale1"], lead_id), (c["sale2"], lead_id), (admin, 999)):
            await self.rejected(ws, "leads.history", {"lead_id": lid}, "not_found")
        await self.rejected(admin, "leads.history", {"lead_id": lead_id, "limit": 500},
                            "bad_request", "limit")


class JournalTest(LeadsCase):

    async def test_trail_and_replay_of_a_lead(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2", "sale3")
        s1 = users["sale1"]["id"]
        [lead_id] = (await admin.call("leads.import", {"leads": [
            {"phone": "0912345678", "name": "Hoa", "owner_id": s1}]}))["ids"]
        await c["sale1"].call("leads.update", {"lead_id": lead_id, "status": "no_answer",
                                               "note": "Không nghe máy"})
        await self.float_at_once(admin, lead_id)
        await c["sale2"].call("pool.reveal", {"lead_id": lead_id})
        await self.advance(10)
        claimed = await c["sale3"].call("pool.claim", {"lead_id": lead_id})
        self.assertEqual(claimed["lead"]["owner_id"], users["sale3"]["id"])

        out = await asyncio.to_thread(self.server.journal, "trail", "--lead", str(lead_id))
        self.assertEqual(out.returncode, 0, out.stderr)
        trail = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
        wanted = ["LeadImported", "LeadActed", "LeadFloated", "PhoneRevealed", "LeadClaimed"]
        steps = [(e["type"], e.get("actor_name")) for e in trail if e["type"] in wanted]
        self.assertEqual(steps, [("LeadImported", "admin"), ("LeadActed", "sale1"),
                                 ("LeadFloated", "system"), ("PhoneRevealed", "sale2"),
                                 ("LeadClaimed", "sale3")], out.stdout)
        seqs = [e["seq"] for e in trail]
        self.assertEqual(seqs, sorted(seqs), "a trail is oldest first")
        self.assertTrue(all(e.get("stream") == f"lead:{lead_id}" for e in trail), out.stdout)

        # Replay at a time: the pool as it was then.
        by_type = {e["type"]: e for e in trail}
        imported_at = by_type["LeadImported"]["at"]
        viewed_at = by_type["PhoneRevealed"]["at"]
        floated_at = by_type["LeadFloated"]["at"]
        claimed_at = by_type["LeadClaimed"]["at"]

        async def replay_at(t):
            r = await asyncio.to_thread(self.server.journal, "replay", "--at", t)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout)

        then = await replay_at(viewed_at)
        self.assertIn("pool", then, f"replay prints no pool summary: {then}")
        pool = then["pool"]
        self.assertEqual(pool.get("count"), 1, then)
        self.assertEqual([l["lead_id"] for l in pool.get("leads", [])], [lead_id], then)
        self.assertEqual(pool["leads"][0].get("entered_pool_at"), floated_at, then)
        self.assertEqual(pool["leads"][0].get("status"), "no_answer", then)
        self.assertEqual(then["leads"], 1)
        self.assertLessEqual(then["seq"], by_type["LeadClaimed"]["seq"])
        self.assertGreaterEqual(then["seq"], by_type["PhoneRevealed"]["seq"])

        before = await replay_at(imported_at)
        self.assertEqual(before["pool"]["count"], 0, before)
        self.assertEqual(before["leads"], 1, before)
        after = await replay_at(claimed_at)
        self.assertEqual(after["pool"]["count"], 0, f"a claimed lead left the pool: {after}")

        # And the server agrees with the last replay.
        lead = await self.lead(admin, lead_id)
        self.assertFalse(lead["in_pool"])
        self.assertEqual(lead["owner_id"], users["sale3"]["id"])
        events = await asyncio.to_thread(dump_events, self.server, "--type", "LeadClaimed")
        self.assertEqual(len(events), 1, events)


class RestartTest(LeadsCase):

    async def test_a_restart_keeps_leads_the_pool_views_and_claims(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2", "sale3")
        s1, s2, s3 = (users[n]["id"] for n in ("sale1", "sale2", "sale3"))
        await admin.call("settings.update", {"patch": {
            "pool.enabled": True, "pool.float_all": True, "pool.reveal_cooldown_s": 0,
            "pool.daily_claim_limit": 1}})
        l1, l2, l3 = (await c["manager1"].call("leads.import", {"leads": [
            {"phone": "0912345678", "owner_id": s1, "name": "Hoa"},
            {"phone": "0987654321", "name": "Nam"},
            {"phone": "0356789123", "owner_id": s2, "status": "call_back"}]}))["ids"]

        async def floated():
            return all([(await self.lead(admin, i))["in_pool"] for i in (l1, l2)])
        self.assertTrue(await wait_until(floated, FLOAT_DEADLINE_S), "the leads did not float")
        await c["sale1"].call("leads.note", {"lead_id": l1,
                                             "text": "Không nghe máy"})
        self.assertTrue(await wait_until(floated, FLOAT_DEADLINE_S), "l1 did not float again")
        await c["sale2"].call("pool.reveal", {"lead_id": l2})
        await c["sale3"].call("pool.claim", {"lead_id": l1})

        leads = await self.all_leads(c["manager1"])
        views = await c["manager1"].call("pool.views", {"lead_id": l2})
        mine = await c["sale3"].call("leads.mine")
        detail = await c["manager1"].call("leads.get", {"lead_id": l1})
        for ws in self.clients:
            await ws.close()
        code = await asyncio.to_thread(self.server.restart)
        self.assertEqual(code, 0, self.server.stderr_tail())

        _, manager = await self.login_ws("manager1", PW["manager1"], label="manager1-again")
        _, sale3 = await self.login_ws("sale3", PW["sale3"], label="sale3-again")
        self.assertEqual(await self.all_leads(manager), leads, "leads changed over a restart")
        self.assertEqual(await manager.call("pool.views", {"lead_id": l2}), views)
        self.assertEqual(await sale3.call("leads.mine"), mine)
        self.assertEqual(await manager.call("leads.get", {"lead_id": l1}), detail)
        # The day's claim count survives: the limit of one claim a day still holds.
        await self.rejected(sale3, "pool.claim", {"lead_id": l2}, "quota_exceeded", "daily")
        # A claimed lead that its new owner has not worked still does not float.
        await self.advance(1000)
        self.assertFalse((await self.lead(manager, l1))["in_pool"],
                         "a claimed, unworked lead floated after a restart")


if __name__ == "__main__":
    unittest.main()
