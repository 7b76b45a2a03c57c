"""Subscriptions and pushes on the `me` topic (PROTOCOL.md sections 3 and 4), and sessions that
end while their socket is open (SPEC.md section 1: deactivated users cannot log in and their
sessions end; a password change ends the sessions)."""

import asyncio
import time
import unittest

from harness import ServerTestCase, find_value, upgrade_status

PUSH_DEADLINE_S = 1.0  # "A change is pushed within 1 s of its acknowledgement."


def is_push(topic, type_):
    return lambda p: p.get("push") == topic and p.get("type") == type_


class PushTest(ServerTestCase):
    per_test = True

    async def setup_users(self, *specs):
        _, admin = await self.login_ws("admin")
        ids = {}
        for name, role in specs:
            ids[name] = (await self.create_user(admin, name, role,
                                                password=f"{name}-password"))["id"]
        return admin, ids

    async def subscribe(self, ws, topics=("me",)):
        r = await ws.request("subscribe", {"topics": list(topics)})
        self.assertIs(r["ok"], True, r)
        return r

    async def test_settings_update_reaches_a_subscribed_sale(self):
        admin, _ = await self.setup_users(("sale1", "sale"))
        _, sale = await self.login_ws("sale1", "sale1-password")
        await self.subscribe(sale)
        start = len(sale.pushes)
        r = await admin.request("settings.update", {"patch": {"pool.enabled": True,
                                                              "pool.batch_size": 7}})
        acked = time.monotonic()
        self.assertIs(r["ok"], True, r)
        push = await sale.wait_push(is_push("me", "settings"), 3, start)
        self.assertIsNotNone(push, f"no settings push; got {sale.pushes[start:]}")
        at = sale.push_times[sale.pushes.index(push)]
        self.assertLessEqual(at - acked, PUSH_DEADLINE_S, "the push came more than 1 s late")
        self.assertIsInstance(push.get("seq"), int, push)
        self.assertGreaterEqual(push["seq"], r["seq"], push)
        self.assertIn("data", push)
        self.assertEqual(find_value(push["data"], "pool.enabled"), [True], push)
        self.assertEqual(find_value(push["data"], "pool.batch_size"), [7], push)
        # The sale's view agrees.
        self.assertIs((await sale.call("settings.get"))["settings"]["pool.enabled"], True)

    async def test_presence_set_reaches_the_users_own_connections(self):
        await self.setup_users(("sale1", "sale"), ("sale2", "sale"))
        _, sale = await self.login_ws("sale1", "sale1-password", label="sale1-a")
        _, sale_b = await self.login_ws("sale1", "sale1-password", label="sale1-b")
        _, other = await self.login_ws("sale2", "sale2-password", label="sale2")
        for ws in (sale, sale_b, other):
            await self.subscribe(ws)
        starts = [len(ws.pushes) for ws in (sale, sale_b, other)]
        r = await sale.request("presence.set", {"status": "away"})
        self.assertIs(r["ok"], True, r)
        for ws, start in zip((sale, sale_b), starts):
            push = await ws.wait_push(
                lambda p: is_push("me", "presence")(p) and find_value(p, "presence") == ["away"],
                PUSH_DEADLINE_S + 1, start)
            self.assertIsNotNone(push, f"{ws.label} got no presence push: {ws.pushes[start:]}")
            self.assertGreaterEqual(push["seq"], r["seq"])
        # Another user's me topic does not hear about sale1's presence.
        await other.fence()
        leaked = [p for p in other.pushes[starts[2]:] if p.get("type") == "presence"]
        self.assertEqual(leaked, [], "sale2 was told sale1's presence on its me topic")

    async def test_unsubscribe_stops_pushes(self):
        admin, _ = await self.setup_users(("sale1", "sale"), ("sale2", "sale"))
        _, sale = await self.login_ws("sale1", "sale1-password", label="sale1")
        _, witness = await self.login_ws("sale2", "sale2-password", label="witness")
        await self.subscribe(sale)
        await self.subscribe(witness)
        r = await sale.request("unsubscribe", {"topics": ["me"]})
        self.assertIs(r["ok"], True, r)
        start, wstart = len(sale.pushes), len(witness.pushes)
        await admin.call("settings.update", {"patch": {"pool.mask_phone": False}})
        await sale.call("presence.set", {"status": "away"})
        # The witness (still subscribed) hears the settings change...
        self.assertIsNotNone(await witness.wait_push(is_push("me", "settings"), 3, wstart))
        # ...the unsubscribed sale hears nothing.
        await sale.fence()
        self.assertEqual(sale.pushes[start:], [], "pushes after unsubscribe")
        # Subscribing again brings them back.
        await self.subscribe(sale)
        start = len(sale.pushes)
        await admin.call("settings.update", {"patch": {"pool.mask_phone": True}})
        self.assertIsNotNone(await sale.wait_push(is_push("me", "settings"), 3, start))

    async def test_no_pushes_without_subscribing(self):
        admin, _ = await self.setup_users(("sale1", "sale"))
        _, sale = await self.login_ws("sale1", "sale1-password")
        await admin.call("settings.update", {"patch": {"pool.float_all": True}})
        await sale.call("presence.set", {"status": "away"})
        await sale.fence()
        self.assertEqual(sale.pushes, [])

    async def test_deactivated_user_is_disconnected_and_cannot_log_in(self):
        admin, ids = await self.setup_users(("sale1", "sale"))
        token, sale = await self.login_ws("sale1", "sale1-password")
        await self.subscribe(sale)
        r = await admin.request("users.update", {"user_id": ids["sale1"], "active": False})
        self.assertIs(r["ok"], True, r)
        self.assertIs(r["result"]["user"]["active"], False, r)
        self.assertTrue(await sale.wait_closed(3), "the deactivated user's socket stays open")
        r = await asyncio.to_thread(self.server.login_response, "sale1", "sale1-password")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json()["error"]["code"], "bad_credentials", r)
        self.assertEqual(await upgrade_status(self.server.port, token=token), 401)
        users = {u["id"]: u for u in (await admin.call("users.list"))["items"]}
        self.assertIs(users[ids["sale1"]]["active"], False)
        self.assertEqual(users[ids["sale1"]]["presence"], "offline")
        # Reactivated, they can log in again (the old session stays ended).
        await admin.call("users.update", {"user_id": ids["sale1"], "active": True})
        r = await asyncio.to_thread(self.server.login_response, "sale1", "sale1-password")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(await upgrade_status(self.server.port, token=token), 401)

    async def test_password_change_ends_existing_sessions(self):
        admin, ids = await self.setup_users(("sale1", "sale"))
        token_a, sale_a = await self.login_ws("sale1", "sale1-password", label="sale1-a")
        token_b, sale_b = await self.login_ws("sale1", "sale1-password", label="sale1-b")
        r = await admin.request("users.update", {"user_id": ids["sale1"],
                                                 "password": "sale1-new-password"})
        self.assertIs(r["ok"], True, r)
        for ws in (sale_a, sale_b):
            self.assertTrue(await ws.wait_closed(3), f"{ws.label} stays open after a password "
                                                     "change")
        for token in (token_a, token_b):
            self.assertEqual(await upgrade_status(self.server.port, token=token), 401)
            self.assertEqual(await upgrade_status(self.server.port, cookie=token), 401)
        r = await asyncio.to_thread(self.server.login_response, "sale1", "sale1-password")
        self.assertEqual(r.status, 401, r)
        r = await asyncio.to_thread(self.server.login_response, "sale1", "sale1-new-password")
        self.assertEqual(r.status, 200, r)
        # The admin's own connection is untouched.
        await admin.call("me")

    async def test_subscribe_to_an_unknown_topic_is_bad_request(self):
        _, admin = await self.login_ws("admin")
        for topics in (["nope"], ["me", "nope"], ["ME"], [""]):
            err = await admin.error("subscribe", {"topics": topics})
            self.assertEqual(err["code"], "bad_request", (topics, err))
        r = await admin.request("subscribe", {"topics": ["me"]})
        self.assertIs(r["ok"], True, r)
        err = await admin.error("subscribe", {"topics": [5]})
        self.assertEqual(err["code"], "bad_request")


if __name__ == "__main__":
    unittest.main()
