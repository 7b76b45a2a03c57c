"""Presence (SPEC.md section 1, PROTOCOL.md section 4): logging in sets online, presence.set
switches between online, away and offline and a manager sees it in users.list, logging out sets
offline, and a user left with no connection goes offline after the 60 s grace period (on the
server's test clock)."""

import asyncio
import base64
import os
import socket
import time
import unittest

from harness import ServerTestCase, metric_value, wait_until


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


def silent_websocket(port, token, timeout=10):
    """Opens a WebSocket with a raw socket that completes the handshake and then never answers
    (a phone that lost its network); returns the socket."""
    key = base64.b64encode(os.urandom(16)).decode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n")
                 .encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise AssertionError(f"the server closed the upgrade: {head!r}")
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def read_until_closed(sock, timeout):
    """Reads (never answering) until the server closes the connection; returns the seconds it
    took, or None if it stayed open for `timeout` seconds."""
    start = time.monotonic()
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            if time.monotonic() - start > timeout:
                return None
    except (socket.timeout, TimeoutError):
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


class SilentConnectionTest(ServerTestCase):
    """The server pings idle WebSockets and closes one that does not answer (here after 2 s of
    silence, --ws-idle-seconds 2; 20 s in production): the user's grace period starts then."""
    per_test = True
    server_args = ("--ws-idle-seconds", "2")

    async def test_a_connection_that_stops_answering_is_closed_and_its_user_goes_offline(self):
        _, admin = await self.login_ws("admin")
        sale = await self.create_user(admin, "sale1", "sale", password="sale1-password")
        # A browser that answers pings, idle all along.
        _, idle_but_alive = await self.login_ws("admin", label="idle")
        token = await asyncio.to_thread(self.server.login, "sale1", "sale1-password")
        sock = silent_websocket(self.server.port, token)
        took = await asyncio.to_thread(read_until_closed, sock, 15)
        sock.close()
        self.assertIsNotNone(took, "a connection that never answered pings was kept open")
        def connections():
            return metric_value(self.server, "salesdesk_connected_clients")
        gone = await wait_until(lambda: asyncio.to_thread(lambda: connections() == 2), 10)
        self.assertTrue(gone, "the server still counts the silent connection")
        # The idle browser answered the pings: it is still connected, and was never cut.
        self.assertEqual((await idle_but_alive.call("me"))["user"]["username"], "admin")
        users = {u["id"]: u for u in (await admin.call("users.list"))["items"]}
        self.assertEqual(users[sale["id"]]["presence"], "online", "no flapping at the drop")
        await self.advance(61_000)
        users = {u["id"]: u for u in (await admin.call("users.list"))["items"]}
        self.assertEqual(users[sale["id"]]["presence"], "offline")


if __name__ == "__main__":
    unittest.main()
