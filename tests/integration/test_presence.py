"""Presence (SPEC.md section 1, PROTOCOL.md section 4): logging in sets online, presence.set
switches between online, away and offline and a manager sees it in users.list, logging out sets
offline, and a user left with no connection goes offline after the 60 s grace period (on the
server's test clock)."""

import asyncio
import unittest

from harness import ServerTestCase


class PresenceTest(ServerTestCase):
    per_test = True

    async def presence_seen_by(self, ws, user_id):
        users = {u["id"]: u for u in (await ws.call("users.list"))["items"]}
        return users[user_id]["presence"]

    async def setup_team(self):
        _, admin = await self.login_ws("admin")
        sale = await self.create_user(admin, "sale1", "sale", password="sale1-password")
        await self.create_user(admin, "manager1", "manager", password="manager1-password")
        _, manager = await self.login_ws("manager1", "manager1-password")
        return admin, manager, sale["id"]

    async def test_login_sets_online(self):
        admin, manager, sale_id = await self.setup_team()
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "offline",
                         "a user who never logged in is offline")
        r = await asyncio.to_thread(self.server.login_response, "sale1", "sale1-password")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "online")
        self.assertEqual(await self.presence_seen_by(admin, sale_id), "online")
        # The manager's own login made them online too.
        me = (await manager.call("me"))["user"]
        self.assertEqual(me["presence"], "online")
        # A failed login changes nothing.
        _, sale = await self.login_ws("sale1", "sale1-password")
        await sale.call("presence.set", {"status": "away"})
        r = await asyncio.to_thread(self.server.login_response, "sale1", "wrong-password")
        self.assertEqual(r.status, 401)
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "away")

    async def test_presence_set_is_visible_to_a_manager(self):
        _, manager, sale_id = await self.setup_team()
        _, sale = await self.login_ws("sale1", "sale1-password")
        for status in ("away", "online", "offline", "online", "away"):
            before = await self.seq()
            r = await sale.request("presence.set", {"status": status})
            self.assertIs(r["ok"], True, r)
            self.assertGreater(r["seq"], before, f"presence.set {status} appended nothing")
            self.assertEqual(await self.presence_seen_by(manager, sale_id), status)
            self.assertEqual((await sale.call("me"))["user"]["presence"], status)
        # Setting the current status again changes nothing.
        before = await self.seq()
        await sale.call("presence.set", {"status": "away"})
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "away")
        self.assertEqual(await self.seq(), before)
        # A bad status is refused and changes nothing.
        err = await sale.error("presence.set", {"status": "busy"})
        self.assertEqual(err["code"], "bad_request")
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "away")
        # presence.set changes only the caller's own presence.
        self.assertEqual((await manager.call("me"))["user"]["presence"], "online")

    async def test_logout_sets_offline(self):
        _, manager, sale_id = await self.setup_team()
        token, sale = await self.login_ws("sale1", "sale1-password")
        await sale.call("presence.set", {"status": "away"})
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "away")
        r = await asyncio.to_thread(self.server.logout, token=token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "offline")
        # Logging in again sets online again.
        await asyncio.to_thread(self.server.login, "sale1", "sale1-password")
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "online")

    async def test_no_connection_for_the_grace_period_sets_offline(self):
        _, manager, sale_id = await self.setup_team()
        _, sale = await self.login_ws("sale1", "sale1-password")
        await self.close_and_wait(sale)
        # A phone that drops its connection for a while is still online...
        await self.advance(59_000)
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "online")
        # ...and offline once a minute has passed with no connection, on record.
        await self.advance(2_000)
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "offline")
        # Whoever kept a connection open stays online.
        self.assertEqual((await manager.call("me"))["user"]["presence"], "online")
        # Connecting again within the grace period keeps a user online.
        _, sale = await self.login_ws("sale1", "sale1-password")
        await self.close_and_wait(sale)
        await self.advance(30_000)
        _, sale = await self.login_ws("sale1", "sale1-password")
        await self.advance(40_000)
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "online")

    async def test_presence_survives_a_restart(self):
        _, manager, sale_id = await self.setup_team()
        _, sale = await self.login_ws("sale1", "sale1-password")
        await sale.call("presence.set", {"status": "away"})
        for c in self.clients:
            await c.close()
        code = await asyncio.to_thread(self.server.restart)
        self.assertEqual(code, 0)
        _, manager = await self.login_ws("manager1", "manager1-password", label="manager-after")
        self.assertEqual(await self.presence_seen_by(manager, sale_id), "away")


if __name__ == "__main__":
    unittest.main()
