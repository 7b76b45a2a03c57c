"""The WebSocket message protocol (PROTOCOL.md section 3) and the session/user operations of
section 4: framing errors, ids, size limit, argument checking, roles, users.create and
settings.update validation, seq ordering, and that no secret ever reaches a client."""

import asyncio
import json
import socket
import unittest

import websockets
import websockets.exceptions

from harness import (HOST, SETTINGS_DEFAULTS, ServerTestCase, create_users, find_value,
                     metric_value, token_digest, wait_until)

SALE_PW = "sale-one-password"
MANAGER_PW = "manager-one-password"


class WsProtocolTest(ServerTestCase):
    per_test = False  # one server for the class; no test here changes settings

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.users = create_users(cls.server, [("sale1", "sale", SALE_PW),
                                                  ("manager1", "manager", MANAGER_PW)])
        except BaseException:
            cls.tearDownClass()
            raise

    async def admin(self):
        return (await self.login_ws("admin", self.server.admin_password, label="admin"))[1]

    async def sale(self):
        return (await self.login_ws("sale1", SALE_PW, label="sale1"))[1]

    async def manager(self):
        return (await self.login_ws("manager1", MANAGER_PW, label="manager1"))[1]

    # ---- me ----
    async def test_me_returns_user_and_default_settings(self):
        ws = await self.sale()
        r = await ws.request("me")
        self.assertIs(r["ok"], True, r)
        self.assertIsInstance(r.get("seq"), int, r)
        result = r["result"]
        user = result["user"]
        self.assertEqual(user["id"], self.users["sale1"]["id"])
        self.assertEqual(user["username"], "sale1")
        self.assertEqual(user["name"], "Sale1")
        self.assertEqual(user["role"], "sale")
        self.assertEqual(user["presence"], "online", "logging in sets the user online")
        settings = result["settings"]
        self.assertIsInstance(settings, dict)
        for key, default in SETTINGS_DEFAULTS.items():
            self.assertIn(key, settings, f"setting {key} missing from me")
            self.assertEqual(settings[key], default, f"default of {key}")
            self.assertIs(type(settings[key]), type(default), f"type of {key}")
        # settings.get gives the same flat object.
        got = await ws.call("settings.get")
        self.assertEqual(got["settings"], settings)

        admin = await self.admin()
        me = await admin.call("me")
        self.assertEqual(me["user"]["role"], "admin")
        self.assertEqual(me["user"]["id"], 1)

    # ---- framing ----
    async def test_not_json_frame_is_bad_request_with_null_id(self):
        ws = await self.sale()
        for i, text in enumerate(["this is not json", "{\"id\": 1, \"op\": \"me\"", ""], 1):
            await ws.send_text(text)
            r = await ws.wait_null_id(i)
            self.assertIsNotNone(r, f"no answer to {text!r}")
            self.assertIsNone(r["id"])
            self.assertIs(r["ok"], False)
            self.assertEqual(r["error"]["code"], "bad_request", r)
            self.assertIsInstance(r["error"]["message"], str)
        # The connection stays open.
        await ws.call("me")
        self.assertFalse(ws.closed.is_set())

    async def test_frame_without_op_is_bad_request_with_null_id(self):
        ws = await self.sale()
        await ws.send_text(json.dumps({"id": "no-op", "args": {}}))
        r = await ws.wait_null_id(1)
        self.assertIsNotNone(r, "no answer to a frame without op")
        self.assertIsNone(r["id"], r)
        self.assertEqual(r["error"]["code"], "bad_request", r)
        await ws.send_text(json.dumps({"id": 7, "op": None}))
        r = await ws.wait_null_id(2)
        self.assertIsNotNone(r, "no answer to a frame with op null")
        self.assertEqual(r["error"]["code"], "bad_request", r)
        await ws.call("me")

    async def test_unknown_op_keeps_the_connection_open(self):
        ws = await self.sale()
        r = await ws.request("no.such.op", {}, id="u-1")
        self.assertEqual(r["id"], "u-1")
        self.assertIs(r["ok"], False)
        self.assertEqual(r["error"]["code"], "unknown_op", r)
        self.assertIsInstance(r["error"]["message"], str)
        me = await ws.request("me", id="u-2")
        self.assertIs(me["ok"], True, me)
        self.assertFalse(ws.closed.is_set())

    async def test_a_connection_outlives_the_http_read_timeout(self):
        # The upgrade's HTTP read timeout (30 s) once stayed armed on the socket and cut every
        # WebSocket after 30 s. A working connection must live on past it.
        ws = await self.sale()
        deadline = asyncio.get_running_loop().time() + 34
        n = 0
        while asyncio.get_running_loop().time() < deadline:
            me = await ws.request("me", id=f"long-{n}")
            self.assertIs(me["ok"], True, me)
            n += 1
            await asyncio.sleep(2)
        self.assertFalse(ws.closed.is_set(), "the connection was closed while in use")
        self.assertIs((await ws.request("me", id="long-last"))["ok"], True)

    async def test_id_is_echoed_as_string_and_number(self):
        ws = await self.sale()
        r = await ws.request("me", id="abc-123")
        self.assertEqual(r["id"], "abc-123")
        self.assertIsInstance(r["id"], str)
        r = await ws.request("me", id=42)
        self.assertEqual(r["id"], 42)
        self.assertIsInstance(r["id"], int)
        # A string that looks like a number stays a string, and errors echo the id too.
        r = await ws.request("me", id="42")
        self.assertEqual(r["id"], "42")
        r = await ws.request("nope", id=43)
        self.assertEqual((r["id"], r["error"]["code"]), (43, "unknown_op"))
        r = await ws.request("presence.set", {"status": 5}, id="bad-args")
        self.assertEqual((r["id"], r["error"]["code"]), ("bad-args", "bad_request"))
        # Concurrent requests are matched by id, not by order.
        futs = [await ws.send_request("me", id=n) for n in range(100, 120)]
        for n, fut in futs:
            got = await asyncio.wait_for(fut, 20)
            self.assertEqual(got["id"], n)
        self.assertEqual(ws.unmatched, [])

    async def test_frame_over_1_mib_closes_with_1009(self):
        ws = await self.sale()
        # Just under the limit: read and answered.
        pad = "x" * (1024 * 1024 - 200)
        r = await ws.request("me", {"pad": pad}, id="under", timeout=30)
        self.assertEqual(r["id"], "under")
        self.assertFalse(ws.closed.is_set())
        # Over the limit: the connection is closed with 1009 (message too big).
        frame = json.dumps({"id": "over", "op": "me", "args": {"pad": "y" * (1024 * 1024 + 10)}})
        await ws.send_text(frame)
        self.assertTrue(await ws.wait_closed(10), "a frame over 1 MiB did not close the socket")
        self.assertEqual(ws.close_code, 1009)

    def dropped_slow_clients(self):
        return metric_value(self.server, "salesdesk_dropped_slow_clients_total")

    async def test_a_client_that_stops_reading_is_dropped_and_the_others_are_served(self):
        token = await asyncio.to_thread(self.server.login, "sale1", SALE_PW)
        before = await asyncio.to_thread(self.dropped_slow_clients)
        # A client that never reads: its library stops reading the socket once a message waits,
        # and its socket's receive buffer is fixed small (else Linux may grow it to 32 MiB).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (HOST, self.server.port))
        slow = await websockets.connect(f"ws://{HOST}:{self.server.port}/ws", sock=sock,
                                        extra_headers=[("Authorization", f"Bearer {token}")],
                                        max_queue=1, read_limit=4096, max_size=None,
                                        ping_interval=None, close_timeout=1)
        # Each unknown op is answered with an error that names it, about 512 KiB a reply: 100 of
        # them are more than the kernel's socket buffers and the server's 16 MiB together.
        name = "z" * (512 * 1024)
        sent = 0
        try:
            for n in range(100):
                await asyncio.wait_for(slow.send(json.dumps({"id": n, "op": name})), 30)
                sent += 1
        except websockets.exceptions.ConnectionClosed:
            pass  # dropped while still sending: the server stopped reading it too
        dropped = await wait_until(
            lambda: asyncio.to_thread(lambda: self.dropped_slow_clients() > before), 60)
        self.assertTrue(dropped, f"a client that read nothing of {sent} large replies was kept")
        # Everyone else is still served.
        other = await self.sale()
        self.assertEqual((await other.call("me"))["user"]["username"], "sale1")
        # The slow client gets what was in flight, then finds the connection gone.
        received = 0
        with self.assertRaises(websockets.exceptions.ConnectionClosed):
            while True:
                await asyncio.wait_for(slow.recv(), 30)
                received += 1
        self.assertLess(received, sent, "every reply arrived: the client was not cut off")

    # ---- arguments ----
    async def test_wrong_argument_types_are_bad_request_naming_the_field(self):
        admin = await self.admin()
        sale_id = self.users["sale1"]["id"]
        before_seq = await self.seq()
        cases = [
            ("presence.set", {"status": 5}, "status"),
            ("presence.set", {"status": "busy"}, "status"),
            ("presence.set", {}, "status"),
            ("users.create", {"username": 5, "password": "long-enough-pw", "name": "X",
                              "role": "sale"}, "username"),
            ("users.create", {"username": "typed1", "password": 12345678, "name": "X",
                              "role": "sale"}, "password"),
            ("users.create", {"username": "typed2", "password": "long-enough-pw", "name": ["X"],
                              "role": "sale"}, "name"),
            ("users.create", {"username": "typed3", "password": "long-enough-pw", "name": "X",
                              "role": "boss"}, "role"),
            ("users.create", {"username": "typed4", "password": "long-enough-pw", "name": "X",
                              "role": "sale", "team_ids": "1"}, "team_ids"),
            ("users.update", {"user_id": "two"}, "user_id"),
            ("users.update", {}, "user_id"),
            ("users.update", {"user_id": sale_id, "active": "no"}, "active"),
            ("users.update", {"user_id": sale_id, "name": 7}, "name"),
            ("users.update", {"user_id": sale_id, "team_ids": {"a": 1}}, "team_ids"),
            ("teams.create", {"name": 42}, "name"),
            ("teams.create", {}, "name"),
            ("settings.update", {"patch": "pool.enabled=true"}, "patch"),
            ("settings.update", {}, "patch"),
            ("subscribe", {"topics": "me"}, "topics"),
            ("subscribe", {}, "topics"),
        ]
        for op, args, field in cases:
            err = await admin.error(op, args)
            self.assertEqual(err["code"], "bad_request", (op, args, err))
            self.assertIn(field, err["message"], (op, args, err))
        # args that are not an object.
        r = await admin.request("teams.create", extra={"args": ["Team"]})
        self.assertEqual(r["error"]["code"], "bad_request", r)
        self.assertIn("args", r["error"]["message"], r)
        self.assertEqual(await self.seq(), before_seq, "a refused request appended events")

    # ---- roles ----
    async def test_sale_and_manager_may_not_run_admin_commands(self):
        sale = await self.sale()
        manager = await self.manager()
        admin = await self.admin()
        sale_id = self.users["sale1"]["id"]
        before_users = (await admin.call("users.list"))["items"]
        before_teams = (await admin.call("teams.list"))["items"]
        before_settings = (await admin.call("settings.get"))["settings"]
        before_seq = await self.seq()
        for who, ws in (("sale", sale), ("manager", manager)):
            calls = [
                ("users.create", {"username": f"sneaky-{who}", "password": "sneaky-password",
                                  "name": "Sneaky", "role": "admin"}),
                ("users.update", {"user_id": sale_id, "role": "admin"}),
                ("users.update", {"user_id": sale_id, "name": "Renamed"}),
                ("users.update", {"user_id": 1, "active": False}),
                ("teams.create", {"name": f"Team by {who}"}),
                ("settings.update", {"patch": {"pool.enabled": True}}),
            ]
            for op, args in calls:
                err = await ws.error(op, args)
                self.assertEqual(err["code"], "forbidden", (who, op, err))
        self.assertEqual((await admin.call("users.list"))["items"], before_users)
        self.assertEqual((await admin.call("teams.list"))["items"], before_teams)
        self.assertEqual((await admin.call("settings.get"))["settings"], before_settings)
        self.assertEqual(await self.seq(), before_seq, "a forbidden command appended events")
        # Queries open to everyone.
        for ws in (sale, manager):
            await ws.call("teams.list")
            await ws.call("settings.get")
            await ws.call("statuses.list")

    async def test_users_list_is_for_admins_and_managers(self):
        sale = await self.sale()
        err = await sale.error("users.list")
        self.assertEqual(err["code"], "forbidden", err)
        manager = await self.manager()
        admin = await self.admin()
        for ws in (manager, admin):
            result = await ws.call("users.list")
            items = result["items"]
            names = [u["username"] for u in items]
            self.assertEqual(names[:3], ["admin", "sale1", "manager1"], "oldest first")
            for u in items:
                for field in ("id", "username", "name", "role", "presence"):
                    self.assertIn(field, u)
                self.assertIn(u["presence"], ("online", "away", "offline"))
            ids = [u["id"] for u in items]
            self.assertEqual(ids, sorted(ids))

    # ---- users.create validation ----
    async def test_users_create_duplicate_and_short_password(self):
        admin = await self.admin()
        before_seq = await self.seq()
        err = await admin.error("users.create", {"username": "sale1", "password": "another-pw-1",
                                                 "name": "Dup", "role": "sale"})
        self.assertEqual(err["code"], "conflict", err)
        err = await admin.error("users.create", {"username": "admin", "password": "another-pw-1",
                                                 "name": "Dup", "role": "admin"})
        self.assertEqual(err["code"], "conflict", err)
        err = await admin.error("users.create", {"username": "shorty", "password": "1234567",
                                                 "name": "Shorty", "role": "sale"})
        self.assertEqual(err["code"], "bad_request", err)
        self.assertEqual(await self.seq(), before_seq)
        users = (await admin.call("users.list"))["items"]
        self.assertNotIn("shorty", [u["username"] for u in users])
        self.assertEqual([u["username"] for u in users].count("sale1"), 1)
        # Exactly 8 characters is enough, and the new user can log in with it.
        created = await self.create_user(admin, "eightchr", "sale", password="12345678")
        self.assertEqual(created["username"], "eightchr")
        self.assertEqual(created["role"], "sale")
        self.assertIsInstance(created["id"], int)
        r = await asyncio.to_thread(self.server.login_response, "eightchr", "12345678")
        self.assertEqual(r.status, 200, r)

    # ---- settings.update validation ----
    async def test_invalid_settings_update_changes_nothing(self):
        admin = await self.admin()
        before = (await admin.call("settings.get"))["settings"]
        before_seq = await self.seq()
        patches = [
            {"no.such.key": 1},
            {"pool.enabled": "yes"},
            {"pool.enabled": 1},
            {"pool.batch_size": "10"},
            {"pool.batch_size": 1.5},
            {"pool.batch_size": True},
            {"pool.batch_size": -1},
            {"pool.reveal_ttl_s": -5},
            {"pool.reveal_cooldown_s": -1},
            {"pool.float_after_minutes": 10 ** 12},
            {"pool.daily_claim_limit": 2 ** 63},
            {"inbox.visibility": "everyone"},
            {"inbox.visibility": True},
            {"phone.country": "XX"},
            {"orders.default_source": 5},
            {"pool.enabled": True, "pool.batch_size": -1},
            {"pool.enabled": True, "no.such.key": 1},
            {"pool.enabled": None},
        ]
        for patch in patches:
            err = await admin.error("settings.update", {"patch": patch})
            self.assertEqual(err["code"], "bad_request", (patch, err))
            self.assertIsInstance(err["message"], str)
        self.assertEqual((await admin.call("settings.get"))["settings"], before)
        self.assertEqual(await self.seq(), before_seq, "a refused settings.update appended events")

    # ---- seq ----
    async def test_seq_never_goes_backwards(self):
        sale = await self.sale()
        admin = await self.admin()
        start = await self.seq()
        sent = []
        for i in range(40):
            status = "away" if i % 2 == 0 else "online"
            sent.append(("cmd", await sale.send_request("presence.set", {"status": status})))
            sent.append(("query", await sale.send_request("me")))
            sent.append(("query", await admin.send_request("settings.get")))
            if i % 10 == 0:
                sent.append(("err", await sale.send_request("users.list")))
        cmd_seqs = []
        for kind, (_, fut) in sent:
            r = await asyncio.wait_for(fut, 30)
            if kind == "err":
                self.assertIs(r["ok"], False)
                continue
            self.assertIs(r["ok"], True, r)
            self.assertIsInstance(r["seq"], int)
            self.assertGreaterEqual(r["seq"], start)
            if kind == "cmd":
                cmd_seqs.append(r["seq"])
        # Commands of one connection are acknowledged in order (several may share a batch and
        # so a seq); each presence flip is a new event, so the head moved by at least 40.
        self.assertEqual(cmd_seqs, sorted(cmd_seqs))
        self.assertGreaterEqual(max(cmd_seqs) - start, 40, cmd_seqs)
        self.assertEqual(len(sale.response_seqs), len(sent) - 4 - 40)
        for c in (sale, admin):
            seqs = c.response_seqs
            self.assertTrue(all(a <= b for a, b in zip(seqs, seqs[1:])),
                            f"seq went backwards on {c.label}: {seqs}")
        self.assertGreaterEqual(await self.seq(), max(cmd_seqs))
        await sale.call("presence.set", {"status": "online"})

    # ---- secrets ----
    async def test_no_password_hash_or_token_digest_in_any_frame(self):
        sale_token, sale = await self.login_ws("sale1", SALE_PW, label="sale1")
        admin_token, admin = await self.login_ws("admin", self.server.admin_password,
                                                 label="admin")
        manager = await self.manager()
        for ws in (sale, admin, manager):
            await ws.call("subscribe", {"topics": ["me"]})
        created = await self.create_user(admin, "secretive", "sale", password="secretive-pw-1")
        await admin.call("users.update", {"user_id": created["id"], "password": "secretive-pw-2",
                                          "name": "Secretive Two"})
        await admin.call("users.update", {"user_id": self.users["sale1"]["id"],
                                          "name": "Sale1"})
        await admin.call("users.update", {"user_id": self.users["sale1"]["id"],
                                          "name": "Sale One"})
        await admin.call("users.update", {"user_id": self.users["sale1"]["id"],
                                          "name": "Sale1"})
        await sale.call("presence.set", {"status": "away"})
        await sale.call("presence.set", {"status": "online"})
        await admin.call("teams.create", {"name": "Secret keepers"})
        for ws in (admin, manager):
            await ws.call("users.list")
        for ws in (sale, admin, manager):
            await ws.call("me")
            await ws.call("teams.list")
            await ws.call("settings.get")
            await ws.call("statuses.list")
        # Wait for the pushes the changes above cause (sale1 hears of its own renames).
        await sale.wait_for(lambda: len(sale.pushes) >= 3, 3)
        digests = [token_digest(t) for t in self.server.tokens]
        self.assertIn(token_digest(sale_token), digests)
        for ws in (sale, admin, manager):
            self.assertTrue(ws.frames)
            for f in ws.frames:
                low = f.lower()
                self.assertNotIn("pbkdf2", low, f)
                for d in digests:
                    self.assertNotIn(d, low, f)
                # Another session's token never appears either.
                for t in self.server.tokens:
                    self.assertNotIn(t, low, f)
                obj = json.loads(f)
                for key in ("password", "password_hash", "token", "token_digest", "hash"):
                    self.assertEqual(find_value(obj, key), [], f"{key} in {f}")


if __name__ == "__main__":
    unittest.main()
