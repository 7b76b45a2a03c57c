"""`salesdesk serve --demo` (PROTOCOL.md section 1; README): on an empty journal the server
adds demo users who can log in, the tea shop's catalog, pages granted to the teams, customers,
orders and leads; the demo API page's secret is never returned; and a restart does not add the
demo data twice."""

import unittest

from harness import ServerTestCase, Server

DEMO_PW = "demo-pass-1"


class DemoTest(ServerTestCase):
    per_test = False

    @classmethod
    def setUpClass(cls):
        unittest.IsolatedAsyncioTestCase.setUpClass()
        # (no simulated customers: the counts below must hold still)
        cls.server = Server(extra_args=("--demo", "--demo-stream", "0"))
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    async def test_a_newcomer_finds_a_working_shop(self):
        _, lan = await self.login_ws("lan", DEMO_PW)
        me = (await lan.call("me"))["user"]
        self.assertEqual((me["username"], me["role"]), ("lan", "sale"))
        pages = (await lan.call("pages.list"))["items"]
        self.assertEqual([(p["channel"], p["external_id"]) for p in pages],
                         [("api", "tea-shop"), ("facebook", "100200300400500"),
                          ("zalo", "4318800000000000000")])
        skus = [p["sku"] for p in (await lan.call("products.list"))["items"]]
        self.assertIn("TRA-XANH", skus)
        self.assertEqual(len((await lan.call("orders.list"))["items"]), 2, "lan's two orders")
        self.assertGreater(len((await lan.call("leads.mine"))["items"]), 0)

        _, admin = await self.login_ws("admin", label="admin")
        await admin.call("settings.update", {"patch": {"inbox.page_permissions": True}})
        _, olena = await self.login_ws("olena", DEMO_PW)
        names = [p["external_id"] for p in (await olena.call("pages.list"))["items"]]
        self.assertEqual(names, ["4318800000000000000"], "Telesales is granted the Zalo OA only")
        full = (await admin.call("pages.list"))["items"]
        self.assertTrue(all(p["has_secret"] for p in full))
        for client in (lan, admin, olena):
            for frame in client.frames:
                self.assertNotIn("demo-api-secret", frame)
        await admin.call("settings.update", {"patch": {"inbox.page_permissions": False}})

    async def test_the_inbox_has_a_morning_of_conversations(self):
        _, manager = await self.login_ws("manager", DEMO_PW)
        listed = (await manager.call("inbox.query"))["items"]
        self.assertGreaterEqual(len(listed), 6)
        kinds = {c["kind"] for c in listed}
        self.assertEqual(kinds, {"message", "comment", "livestream"})
        open_ = (await manager.call("inbox.query", {"filters": {"status": "open"}}))["items"]
        self.assertLess(len(open_), len(listed), "one conversation is closed")
        counts = await manager.call("inbox.counts")
        self.assertGreater(counts["unassigned"], 0)
        # Lan answered Hoa with the price quick reply, and Hoa wrote again.
        _, lan = await self.login_ws("lan", DEMO_PW)
        mine = (await lan.call("inbox.query", {"filters": {"assignee_id": 3}}))["items"]
        self.assertEqual([c["customer"]["name"] for c in mine], ["Nguyễn Thị Hoa"])
        texts = [m["text"] for m in (await lan.call("conversations.messages",
                                                    {"conversation_id": mine[0]["id"]}))["items"]]
        self.assertEqual(len(texts), 3)
        self.assertIn("85.000đ", texts[1])
        self.assertIn("hỏi giá", [t["name"] for t in (await lan.call("tags.list"))["items"]])
        self.assertGreaterEqual(len((await lan.call("quick_replies.list"))["items"]), 2)
        # The phone Đức left made a draft order, which Minh (who has the chat) sees.
        _, minh = await self.login_ws("minh", DEMO_PW)
        drafts = (await minh.call("orders.list", {"filters": {"status": "draft"}}))["items"]
        self.assertEqual([(o["name"], o["phone"]) for o in drafts],
                         [("Trần Văn Đức", "0903456789")])
        found = (await minh.call("inbox.query", {"filters": {"q": "доставка"}}))["items"]
        self.assertEqual([c["customer"]["name"] for c in found], ["Олена Мельник"])

    async def test_a_restart_does_not_add_the_demo_again(self):
        _, admin = await self.login_ws("admin", label="admin-1")
        before = len((await admin.call("pages.list"))["items"])
        await admin.close()
        # On this thread: a server started from a worker thread dies with that thread
        # (the harness's parent-death signal), and this class's server outlives the test.
        self.server.restart()
        _, admin = await self.login_ws("admin", label="admin-2")
        self.assertEqual(len((await admin.call("pages.list"))["items"]), before)
        self.assertEqual(len((await admin.call("users.list"))["items"]), 6)


if __name__ == "__main__":
    unittest.main()
