"""The managers' dashboard over the real server (schema/protocol.md "Reports (issue 11)"):
reports.summary sums what happened in a period (reply and first-response times per sale,
conversations by page, the pool's flow, claims, orders by sale and by source), is for managers
and admin only, refuses a bad period, and the `reports` topic tells managers when a figure moved."""

import asyncio
import unittest
from datetime import datetime, timedelta, timezone

from harness import CommerceCase
from test_inbox import SECRET, message, signed

PW = "reports-password"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class ReportsTest(CommerceCase):

    async def shop(self):
        admin = await self.admin()
        page = (await admin.call("pages.connect", {"channel": "api", "external_id": "shop",
                                                   "name": "Tea shop", "secret": SECRET}))["page"]
        await admin.call("products.upsert", {"sku": "TEA", "name": "Trà", "price": 50000})
        await admin.call("sources.upsert", {"code": "web", "name": "Website", "channel": "web"})
        await admin.call("settings.update", {"patch": {
            "pool.enabled": True, "pool.float_all": True, "pool.reveal_cooldown_s": 0}})
        lan = await self.create_user(admin, "lan", "sale", password=PW)
        await self.create_user(admin, "boss", "manager", password=PW)
        ws = {"admin": admin, "lan": (await self.login_ws("lan", PW))[1],
              "boss": (await self.login_ws("boss", PW))[1]}
        return page, lan, ws

    async def deliver(self, page_id, body):
        raw, headers = signed(body)
        r = await asyncio.to_thread(self.server.http, "POST", f"/webhooks/api/{page_id}", raw,
                                    headers)
        self.assertEqual(r.status, 200, r)
        return r.json()["conversation_id"]

    async def test_a_day_of_work_in_figures(self):
        page, lan, ws = await self.shop()
        boss, sale = ws["boss"], ws["lan"]
        await boss.call("subscribe", {"topics": ["reports"]})
        await sale.call("subscribe", {"topics": ["reports"]})
        empty = await boss.call("reports.summary")
        self.assertEqual(empty["totals"]["replies"], 0)
        self.assertIsNone(empty["totals"]["reply_avg_s"])
        self.assertEqual([s["name"] for s in empty["sales"]], ["Lan"], "every active sale")

        # A customer writes; lan takes it and answers 90 seconds later.
        cid = await self.deliver(page["id"], message("m1"))
        await boss.wait_push(lambda p: p.get("push") == "reports", 3)
        await sale.call("conversations.take", {"conversation_id": cid})
        await asyncio.to_thread(self.server.advance, 90_000)
        await sale.call("conversations.send", {"conversation_id": cid, "text": "Dạ shop chào chị"})
        # A lead floats in; lan looks at its number and claims it; she orders from the chat.
        await boss.call("leads.import", {"leads": [{"phone": "0912345678", "name": "Khách"}]})
        lead_id = (await boss.call("leads.list"))["items"][0]["id"]
        await self.wait_pool(sale, lead_id)
        await sale.call("pool.reveal", {"lead_id": lead_id})
        await sale.call("pool.claim", {"lead_id": lead_id})
        await sale.call("orders.create", {"conversation_id": cid, "source": "web",
                                          "phone": "0987654321",
                                          "items": [{"sku": "TEA", "qty": 3}]})

        r = await boss.call("reports.summary")  # the last 7 days, by day
        self.assertEqual(r["step"], "day")
        mine = next(s for s in r["sales"] if s["user_id"] == lan["id"])
        self.assertEqual(mine["replies"], 1)
        self.assertEqual(mine["reply_avg_s"], 90)
        self.assertEqual(mine["fast_replies"], 1)
        self.assertEqual(mine["first_responses"], 1)
        self.assertEqual(mine["first_response_avg_s"], 90)
        self.assertEqual(mine["claims"], 1)
        self.assertEqual(mine["orders"], 1)
        self.assertEqual(mine["order_total"], 150000)
        self.assertEqual(r["pages"], [{"page_id": page["id"], "name": "Tea shop",
                                       "channel": "api", "conversations": 1}])
        self.assertEqual(r["sources"], [{"source": "web", "name": "Website", "orders": 1,
                                         "total": 150000}])
        flow = {k: sum(h[k] for h in r["pool"]) for k in ("entered", "claimed", "revealed")}
        self.assertEqual(flow, {"entered": 1, "claimed": 1, "revealed": 1})
        self.assertEqual(r["totals"]["conversations"], 1)
        self.assertEqual(r["totals"]["order_total"], 150000)

        # A month is drawn by day, from the unit's midnight, with the same sums.
        now = datetime.fromisoformat(r["to"].replace("Z", "+00:00"))
        month = await boss.call("reports.summary", {"from": iso(now - timedelta(days=30)),
                                                    "to": iso(now)})
        self.assertEqual(month["step"], "day")
        self.assertIn(len(month["pool"]), (30, 31))
        self.assertEqual(sum(d["claimed"] for d in month["pool"]), 1)
        self.assertTrue(all(d["at"].endswith("T17:00:00.000Z") for d in month["pool"]),
                        "a VN day starts at 17:00 UTC")
        self.assertEqual(month["totals"]["orders"], 1)
        # A period before all this is empty.
        before = await boss.call("reports.summary", {"from": iso(now - timedelta(days=60)),
                                                     "to": iso(now - timedelta(days=31))})
        self.assertEqual(before["totals"]["orders"], 0)

        # Managers were told the figures moved; the sale on the same topic was not.
        await boss.wait_push(lambda p: p.get("push") == "reports" and p.get("type") == "changed",
                             3)
        await sale.fence()
        self.assertEqual([p for p in sale.pushes if p.get("push") == "reports"], [])

    async def wait_pool(self, ws, lead_id):
        for _ in range(50):
            rows = (await ws.call("pool.query"))["items"]
            if any(x["lead_id"] == lead_id for x in rows):
                return
            await asyncio.to_thread(self.server.advance, 1000)
        self.fail(f"lead {lead_id} never floated")

    async def test_who_may_ask_and_for_what_period(self):
        _, _, ws = await self.shop()
        await self.rejected(ws["lan"], "reports.summary", {}, "forbidden")
        now = datetime(2026, 12, 1, tzinfo=timezone.utc)
        cases = [
            ({"from": iso(now), "to": iso(now)}, "before"),
            ({"from": iso(now), "to": iso(now - timedelta(hours=1))}, "before"),
            ({"from": iso(now - timedelta(days=401)), "to": iso(now)}, "400 days"),
            ({"from": "yesterday"}, "from"),
            ({"to": 5}, "to"),
        ]
        for args, words in cases:
            await self.rejected(ws["boss"], "reports.summary", args, "bad_request", words)
        r = await ws["admin"].call("reports.summary", {"from": iso(now - timedelta(hours=5)),
                                                       "to": iso(now)})
        self.assertEqual(r["step"], "hour")
        self.assertEqual(len(r["pool"]), 5)
        self.assertEqual(r["pool"][0]["at"], "2026-11-30T19:00:00.000Z")


if __name__ == "__main__":
    unittest.main()
