"""Leads and the work queue (PROTOCOL.md "Leads and the pool", SPEC.md section 3,
schema/protocol.md "Leads and the work queue (issue 4)"): imports (roles, input order, phone
normalisation, all-or-nothing with the bad row named, chunked imports with a batch id, a
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
        """Every lead through leads.list paging (1,000 a page)."""
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
        self.fail("leads.list paging did not end")

    async def lead(self, ws, lead_id):
        return (await ws.call("leads.get", {"lead_id": lead_id}))["lead"]


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
        expected_phones = ["0912345678", "0987654321", "0901234567", "0362345678",
                           "0912345678"]

        # A sale may not import.
        await self.rejected(c["sale1"], "leads.import", {"leads": rows}, "forbidden")
        self.assertEqual(await self.all_leads(admin), [], "the forbidden import created leads")

        ids = (await c["manager1"].call("leads.import", {"leads": rows}))["ids"]
        self.assertEqual(len(ids), len(rows), ids)
        self.assertEqual(len(set(ids)), len(ids), ids)
        for i, (lead_id, row, phone) in enumerate(zip(ids, rows, expected_phones)):
            self.assertIsInstance(lead_id, int)
            self.assertGreater(lead_id, 0)
            lead = await self.lead(admin, lead_id)
            self.assertEqual(lead["id"], lead_id)
            self.assertEqual(lead["phone"], phone, f"row {i}: phone not normalised: {lead}")
            self.assertEqual(lead["name"], row.get("name", ""), f"row {i}: {lead}")
            self.assertEqual(lead["status"], row.get("status", "new"), f"row {i}: {lead}")
            self.assertEqual(lead["owner_id"], row.get("owner_id"), f"row {i}: {lead}")
            self.assertIs(lead["in_pool"], False)
            self.assertIsNone(lead["entered_pool_at"])
        first = await self.lead(admin, ids[0])
        self.assertEqual((first["source"], first["product"]), ("fb", "SOAP"))

        # Admin may import too; ids keep growing in input order.
        more = (await admin.call("leads.import", {"leads": [{"phone": "0356789123"},
                                                            {"phone": "0356789124"}]}))["ids"]
        self.assertEqual(len(more), 2)
        self.assertLess(max(ids), more[0])
        self.assertEqual([(await self.lead(admin, i))["phone"] for i in more],
                         ["0356789123", "0356789124"])
        listed = await self.all_leads(c["manager1"])
        self.assertEqual([l["id"] for l in listed], ids + more, "leads.list is by id")

    async def test_a_bad_row_is_named_and_nothing_is_imported(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2")
        manager = c["manager1"]
        good = {"phone": "0912345678", "name": "Khách"}
        # Deactivate sale2: an inactive owner is a bad row.
        await admin.call("users.update", {"user_id": users["sale2"]["id"], "active": False})
        cases = [
            ([good, good, good, {"phone": "12345"}, good], "leads[3]"),
            ([good, {"phone": "0912345678", "status": "no_such_status"}], "leads[1]"),
            ([good, good, {"phone": "0912345678", "owner_id": users["sale2"]["id"]}],
             "leads[2]"),
            ([{"phone": "0912345678", "owner_id": 999}, good], "leads[0]"),
            ([good, {"phone": "0912345678", "name": "x" * 201}], "leads[1]"),
            ([good, {"phone": ""}], "leads[1]"),
            ([good, {"name": "no phone"}], "leads[1]"),
        ]
        for rows, needle in cases:
            with self.subTest(needle=needle, rows=rows[-1]):
                await self.rejected(manager, "leads.import", {"leads": rows}, "bad_request",
                                    needle)
        await self.rejected(manager, "leads.import", {"leads": []}, "bad_request")
        self.assertEqual(await self.all_leads(admin), [], "a rejected import imported leads")
        # The same rows without the bad one import fine.
        ids = (await manager.call("leads.import", {"leads": [good, good, good, good]}))["ids"]
        self.assertEqual(len(ids), 4)

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
        self.assertEqual(set(r3), {"ids"}, r3)
        ids = r3["ids"]
        rows = chunk1 + chunk2 + chunk3
        self.assertEqual(len(ids), len(rows), "the final chunk must answer every staged id")
        got = [await self.lead(admin, i) for i in ids]
        self.assertEqual([l["phone"] for l in got], [r["phone"] for r in rows])
        self.assertEqual([l["name"] for l in got], [r["name"] for r in rows])
        self.assertEqual(got[-1]["owner_id"], users["sale1"]["id"])
        self.assertEqual(len(await self.all_leads(admin)), len(rows))
        mine = (await c["sale1"].call("leads.mine"))["items"]
        self.assertEqual([l["id"] for l in mine], [ids[-1]])

        # A bad row in a staged chunk rejects the whole import, named by its place in it.
        await manager.call("leads.import", {"leads": chunk1, "batch": {"id": "file-3"}})
        await manager.call("leads.import", {"leads": [{"phone": "0904000000"},
                                                      {"phone": "not a phone"}],
                                            "batch": {"id": "file-3"}})
        await self.rejected(manager, "leads.import",
                            {"leads": [{"phone": "0905000000"}],
                             "batch": {"id": "file-3", "final": True}},
                            "bad_request", "leads[4]")
        self.assertEqual(len(await self.all_leads(admin)), len(rows), "a rejected batch imported")

        # A sale may not stage chunks either.
        await self.rejected(c["sale1"], "leads.import",
                            {"leads": chunk1, "batch": {"id": "sale-file"}}, "forbidden")

    async def test_a_hundred_thousand_rows_in_chunks(self):
        admin, users, c = await self.setup_users("manager1")
        manager = c["manager1"]
        n, chunk = 100_000, 10_000
        phones = [f"09{10000000 + i:08d}" for i in range(n)]  # 0910000000 ... 0910099999
        started = time.monotonic()
        ids = None
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
                ids = r.get("ids")
            else:
                self.assertEqual(r, {"staged": True})
        imported_s = time.monotonic() - started
        self.assertIsInstance(ids, list)
        self.assertEqual(len(ids), n)
        self.assertEqual(len(set(ids)), n)
        self.assertEqual(ids, sorted(ids), "ids must be in input order")

        # leads.list pages through all of them, by id, 1,000 at a time.
        page = await manager.call("leads.list", {"limit": 1000})
        self.assertEqual(len(page["items"]), 1000)
        self.assertIsNotNone(page["next_cursor"])
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

        # One row past 100,000 in one import is refused, and the batch is dropped.
        rows = [{"phone": phones[0]}] * chunk
        for _ in range(n // chunk):
            r = await manager.call("leads.import", {"leads": rows, "batch": {"id": "big-2"}},
                                   timeout=120)
            self.assertEqual(r, {"staged": True})
        await self.rejected(manager, "leads.import",
                            {"leads": [{"phone": phones[1]}],
                             "batch": {"id": "big-2", "final": True}}, "bad_request", "100")
        r = await manager.call("leads.import", {"leads": [{"phone": phones[2]}],
                                                "batch": {"id": "big-2", "final": True}})
        self.assertEqual(len(r["ids"]), 1, "the refused batch was not dropped")

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
        await asyncio.sleep(0.02)

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
        await asyncio.sleep(0.02)
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
        await self.rejected(c["sale1"], "leads.assign", {"lead_id": lead_id, "owner_id": s1},
                            "forbidden")
        self.assertIsNone((await self.lead(admin, lead_id))["owner_id"])


class JournalTest(LeadsCase):

    async def test_trail_and_replay_of_a_lead(self):
        admin, users, c = await self.setup_users("manager1", "sale1", "sale2", "sale3")
        s1 = users["sale1"]["id"]
        [lead_id] = (await admin.call("leads.import", {"leads": [
            {"phone": "0912345678", "name": "Hoa", "owner_id": s1}]}))["ids"]
        await c["sale1"].call("leads.update", {"lead_id": lead_id, "status": "no_answer",
                                               "note": "Không nghe máy"})
        await admin.call("settings.update", {"patch": {"pool.enabled": True,
                                                       "pool.float_all": True,
                                                       "pool.reveal_cooldown_s": 0}})

        async def floated():
            return (await self.lead(admin, lead_id))["in_pool"]
        self.assertTrue(await wait_until(floated, FLOAT_DEADLINE_S), "the lead did not float")
        await c["sale2"].call("pool.reveal", {"lead_id": lead_id})
        await asyncio.sleep(0.01)
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
        await asyncio.sleep(1.0)
        self.assertFalse((await self.lead(manager, l1))["in_pool"],
                         "a claimed, unworked lead floated after a restart")


if __name__ == "__main__":
    unittest.main()
