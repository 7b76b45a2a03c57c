"""Pages and who may work on them (PROTOCOL.md "Pages, conversations, messages", SPEC.md
section 4 "Pages and access", schema/protocol.md "Pages and access"), over the real server:
admin connects, updates, grants and disconnects pages; secrets never come back, not even to
admin, and the journal shows them redacted; with inbox.page_permissions on, a user (a manager
too) sees and is told of only the pages granted to them or their team; merged-page views are
each user's own; bad input and a role reaching above itself change nothing; pages survive a
restart."""

import asyncio
import unittest

from harness import CommerceCase

SALE_PW = "sale-one-password"
MANAGER_PW = "manager-one-password"
SECRET = "api-signing-key-7f3a"
TOKEN = "send-token-91c2"


class PagesTest(CommerceCase):

    async def floor(self):
        """admin, a team, lan (in the team), minh (not), and a manager; each logged in."""
        admin = await self.admin()
        team = (await admin.call("teams.create", {"name": "Hà Nội"}))["team"]
        lan = await self.create_user(admin, "lan", "sale", password=SALE_PW,
                                     team_ids=[team["id"]])
        minh = await self.create_user(admin, "minh", "sale", password=SALE_PW)
        boss = await self.create_user(admin, "boss", "manager", password=MANAGER_PW)
        ws = {"admin": admin}
        for name, pw in (("lan", SALE_PW), ("minh", SALE_PW), ("boss", MANAGER_PW)):
            ws[name] = (await self.login_ws(name, pw))[1]
        return ws, team, {"lan": lan, "minh": minh, "boss": boss}

    async def connect_page(self, admin, external_id, channel="api", **extra):
        args = {"channel": channel, "external_id": external_id, "name": f"Page {external_id}",
                "secret": SECRET}
        args.update(extra)
        return (await admin.call("pages.connect", args))["page"]

    async def test_secrets_never_come_back(self):
        admin = await self.admin()
        page = await self.connect_page(admin, "shop", token=TOKEN, verify_token="verify-me",
                                       callback_url="https://crm.example/hook")
        self.assertEqual(page["channel"], "api")
        self.assertTrue(page["connected"])
        self.assertTrue(page["has_secret"])
        self.assertTrue(page["has_token"])
        self.assertEqual(page["callback_url"], "https://crm.example/hook")
        listed = (await admin.call("pages.list"))["items"]
        self.assertEqual([p["id"] for p in listed], [page["id"]])
        page = (await admin.call("pages.update", {"page_id": page["id"], "token": ""}))["page"]
        self.assertFalse(page["has_token"])
        for f in admin.frames:
            for secret in (SECRET, TOKEN, "verify-me"):
                self.assertNotIn(secret, f, "a page's secret reached a client")
        dumped = await self.dump("--type", "PageConnected")
        self.assertEqual(len(dumped), 1, dumped)
        text = repr(dumped)
        self.assertNotIn(SECRET, text)
        self.assertNotIn(TOKEN, text)
        self.assertIn("[redacted]", text)
        self.assertIn("'channel': 'api'", text)

    async def test_only_admin_manages_pages_and_bad_input_changes_nothing(self):
        ws, team, users = await self.floor()
        admin = ws["admin"]
        page = await self.connect_page(admin, "shop")
        for who in ("lan", "boss"):
            await self.rejected(ws[who], "pages.connect",
                                {"channel": "api", "external_id": "x", "name": "X",
                                 "secret": "k"}, "forbidden")
            await self.rejected(ws[who], "pages.update", {"page_id": page["id"], "name": "Mine"},
                                "forbidden")
            await self.rejected(ws[who], "pages.set_access",
                                {"page_id": page["id"], "user_ids": [users["lan"]["id"]]},
                                "forbidden")
            await self.rejected(ws[who], "pages.disconnect", {"page_id": page["id"]},
                                "forbidden")
        base = {"channel": "api", "external_id": "new", "name": "New", "secret": "k"}
        for change, needle in (({"channel": "fax"}, "channel"),
                               ({"secret": None}, "secret"),
                               ({"secret": ""}, "secret"),
                               ({"external_id": ""}, "external_id"),
                               ({"name": "two\nlines"}, "name"),
                               ({"name": 7}, "name"),
                               ({"callback_url": "javascript:alert(1)"}, "callback_url"),
                               ({"api_base": "https://"}, "api_base"),
                               ({"token": "x" * 4097}, "token")):
            args = {k: v for k, v in {**base, **change}.items() if v is not None}
            await self.rejected(admin, "pages.connect", args, "bad_request", needle)
        await self.rejected(admin, "pages.connect",
                            {**base, "external_id": "shop"}, "conflict", "page")
        await self.rejected(admin, "pages.update", {"page_id": 99, "name": "X"}, "not_found")
        await self.rejected(admin, "pages.set_access",
                            {"page_id": page["id"], "user_ids": [999]}, "not_found", "999")
        await self.rejected(admin, "pages.set_access",
                            {"page_id": page["id"], "user_ids": [], "team_ids": [42]},
                            "not_found", "42")
        await self.rejected(admin, "pages.set_access", {"page_id": page["id"]}, "bad_request",
                            "user_ids")
        await self.rejected(admin, "pages.set_access",
                            {"page_id": page["id"], "user_ids": ["1"]}, "bad_request",
                            "user_ids")

    async def test_page_permissions_decide_what_each_user_sees_and_hears(self):
        ws, team, users = await self.floor()
        admin = ws["admin"]
        for client in ws.values():
            await client.call("subscribe", {"topics": ["inbox"]})
        shop = await self.connect_page(admin, "shop")
        zalo = await self.connect_page(admin, "oa-1", channel="zalo")
        # Permissions off (the default): everyone works on every page.
        for name in ("lan", "minh", "boss"):
            ids = [p["id"] for p in (await ws[name].call("pages.list"))["items"]]
            self.assertEqual(ids, [shop["id"], zalo["id"]], name)

        await admin.call("settings.update", {"patch": {"inbox.page_permissions": True}})
        await admin.call("pages.set_access", {"page_id": shop["id"],
                                              "user_ids": [users["minh"]["id"]]})
        await admin.call("pages.set_access", {"page_id": zalo["id"], "user_ids": [],
                                              "team_ids": [team["id"]]})
        seen = {name: [p["id"] for p in (await ws[name].call("pages.list"))["items"]]
                for name in ws}
        self.assertEqual(seen["admin"], [shop["id"], zalo["id"]])
        self.assertEqual(seen["minh"], [shop["id"]])
        self.assertEqual(seen["lan"], [zalo["id"]], "a team's grant")
        self.assertEqual(seen["boss"], [], "a manager is no exception")
        # What a worker sees of a page: no settings, no grants.
        self.assertEqual(set((await ws["lan"].call("pages.list"))["items"][0]),
                         {"id", "channel", "external_id", "name", "connected"})

        # A rename is told to admin and to those who may work on the page, nobody else.
        marks = {name: len(client.pushes) for name, client in ws.items()}
        await admin.call("pages.update", {"page_id": zalo["id"], "name": "Zalo Hà Nội"})
        for name in ("admin", "lan"):
            push = await ws[name].wait_push(
                lambda p: p["type"] == "page" and p["data"]["page"]["name"] == "Zalo Hà Nội",
                5, start=marks[name])
            self.assertIsNotNone(push, f"{name} was not told of the rename")
            self.assertEqual("user_ids" in push["data"]["page"], name == "admin")
        for name in ("minh", "boss"):
            await ws[name].fence()
            got = [p for p in ws[name].pushes[marks[name]:] if p["push"] == "inbox"]
            self.assertEqual(got, [], f"{name} heard of a page they may not work on")

        # Taking a grant away tells the one who lost it.
        mark = len(ws["minh"].pushes)
        await admin.call("pages.set_access", {"page_id": shop["id"], "user_ids": []})
        removed = await ws["minh"].wait_push(lambda p: p["type"] == "page_removed", 5,
                                             start=mark)
        self.assertEqual(removed["data"], {"page_id": shop["id"]})
        self.assertEqual((await ws["minh"].call("pages.list"))["items"], [])

        # Disconnected: still listed (its conversations stay readable), marked so.
        page = (await admin.call("pages.disconnect", {"page_id": zalo["id"]}))["page"]
        self.assertFalse(page["connected"])
        await self.rejected(admin, "pages.disconnect", {"page_id": zalo["id"]}, "conflict")
        self.assertFalse((await ws["lan"].call("pages.list"))["items"][0]["connected"])

    async def test_merged_views_are_each_users_own(self):
        ws, team, users = await self.floor()
        admin, lan = ws["admin"], ws["lan"]
        a = await self.connect_page(admin, "a")
        b = await self.connect_page(admin, "b")
        _, lan_phone = await self.login_ws("lan", SALE_PW, label="lan-phone")
        await lan_phone.call("subscribe", {"topics": ["me"]})
        mark = len(lan_phone.pushes)
        r = await lan.call("inbox.views.save", {"name": "Hà Nội", "page_ids": [b["id"], a["id"]]})
        self.assertEqual(r, {"view": {"name": "Hà Nội", "page_ids": [b["id"], a["id"]]}})
        push = await lan_phone.wait_push(lambda p: p["type"] == "inbox_views", 5, start=mark)
        self.assertEqual(push["data"]["items"], [r["view"]], "the sale's other screen follows")
        self.assertEqual((await ws["minh"].call("inbox.views.list"))["items"], [])
        self.assertEqual((await lan.call("inbox.views.list"))["items"], [r["view"]])

        # Access taken away: the view keeps only what lan may still work on, and a page lan
        # may not work on cannot be put in one (answered as if it did not exist).
        await admin.call("pages.set_access", {"page_id": a["id"], "user_ids": [users["lan"]["id"]]})
        await admin.call("settings.update", {"patch": {"inbox.page_permissions": True}})
        self.assertEqual((await lan.call("inbox.views.list"))["items"],
                         [{"name": "Hà Nội", "page_ids": [a["id"]]}])
        await self.rejected(lan, "inbox.views.save", {"name": "B", "page_ids": [b["id"]]},
                            "not_found", f"no page {b['id']}")
        await self.rejected(lan, "inbox.views.save", {"name": "none", "page_ids": []},
                            "bad_request", "page_ids")
        await self.rejected(lan, "inbox.views.save", {"name": "x" * 101, "page_ids": [a["id"]]},
                            "bad_request", "name")
        await self.rejected(ws["minh"], "inbox.views.delete", {"name": "Hà Nội"}, "not_found")
        await lan.call("inbox.views.delete", {"name": "Hà Nội"})
        self.assertEqual((await lan.call("inbox.views.list"))["items"], [])

    async def test_pages_survive_a_restart_and_reconnect_keeps_the_id(self):
        ws, team, users = await self.floor()
        admin = ws["admin"]
        shop = await self.connect_page(admin, "shop")
        await admin.call("pages.set_access", {"page_id": shop["id"],
                                              "user_ids": [users["lan"]["id"]]})
        await ws["lan"].call("inbox.views.save", {"name": "Mine", "page_ids": [shop["id"]]})
        await admin.call("pages.disconnect", {"page_id": shop["id"]})
        for client in list(ws.values()):
            await client.close()
        await asyncio.to_thread(self.server.restart)

        admin = await self.admin()
        page = (await admin.call("pages.list"))["items"][0]
        self.assertEqual((page["id"], page["connected"], page["user_ids"]),
                         (shop["id"], False, [users["lan"]["id"]]))
        again = await self.connect_page(admin, "shop", secret="rotated-secret")
        self.assertEqual(again["id"], shop["id"], "connected again: the same page")
        self.assertTrue(again["connected"])
        self.assertEqual(again["user_ids"], [users["lan"]["id"]], "its grants kept")
        _, lan = await self.login_ws("lan", SALE_PW, label="lan-again")
        self.assertEqual((await lan.call("inbox.views.list"))["items"],
                         [{"name": "Mine", "page_ids": [shop["id"]]}])


if __name__ == "__main__":
    unittest.main()
