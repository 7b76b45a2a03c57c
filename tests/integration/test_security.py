"""What a security reviewer checks (issue 8, "Trust what exists"), over the real protocol against
the real binary:

- numbers that reach an index (cursors, ids, limits) are range-checked when a request is decoded;
- a password is hashed only after the caller's role allows the command;
- the login throttle stops one attacker without locking the account's owner or the office out;
- chunked imports stage nothing for a sale, are capped per user and commit whole or not at all;
- idempotency keys are bounded and a no-op command journals nothing;
- one client address cannot hold every connection;
- a pooled number stays masked for a sale in orders, order pushes, lookups and notes, and a sale
  cannot confirm a guessed number by looking it up (nor look up numbers without limit);
- request ids that cannot be echoed as JSON are not echoed;
- malformed HTTP is answered (431/400) and closed;
- a WebSocket opened while its session is logged out does not outlive the logout;
- names cannot hold invisible or control characters;
- /metrics, the session cookie's Secure flag and session expiry settings.

Every wait is bounded (a deadline, or a fence: a later request on the same connection)."""

import asyncio
import base64
import collections
import concurrent.futures
import http.client
import json
import math
import os
import re
import socket
import struct
import time
import unicodedata
import unittest

import harness
from harness import (HOST, REQUEST_TIMEOUT_S, ConnectionLost, HttpResponse, RejectionChecks,
                     Server, ServerTestCase, WsClient, create_users, metric_value)

SECOND_ADDRESS = "127.0.0.2"  # another client address on the loopback network


# ---------------------------------------------------------------------------------------------
# Helpers this file needs and harness.py does not have

def http_from(port, method, path, body=None, headers=None, source=HOST,
              timeout=REQUEST_TIMEOUT_S):
    """One HTTP request to 127.0.0.1:port from the client address `source` (urllib cannot bind
    its socket); any status comes back as an HttpResponse."""
    body, hdrs = harness.request_body(body, headers)
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=hdrs)
        res = conn.getresponse()
        return HttpResponse(res.status, res.msg, res.read())
    finally:
        conn.close()


def read_until_closed(sock, timeout):
    """Reads until the peer closes (EOF or reset) or the deadline passes; returns (bytes, closed)."""
    chunks = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), False
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return b"".join(chunks), False
        except (ConnectionResetError, ConnectionAbortedError):
            return b"".join(chunks), True
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def parse_answer(raw):
    """(status or None, head text, body bytes) of a raw HTTP answer."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0]) if lines and lines[0] else None
    return (int(m.group(1)) if m else None), "\r\n".join(lines[1:]), body


def raw_exchange(port, data, timeout=5.0, source=HOST):
    """Sends data on a new connection, keeps our side open, and reads what the server answers
    until it closes the connection or the deadline passes: (status, head, body, closed)."""
    with socket.create_connection((HOST, port), timeout=timeout,
                                  source_address=(source, 0)) as s:
        try:
            if data:
                s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading everything: read the answer
        raw, closed = read_until_closed(s, timeout)
    status, head, body = parse_answer(raw)
    return status, head, body, closed


def session_cookie(response):
    cookies = response.headers.get_all("Set-Cookie") or []
    found = [c for c in cookies if c.strip().startswith("sd_session=")]
    if len(found) != 1:
        raise AssertionError(f"expected one sd_session cookie, got {cookies!r}")
    return found[0]


def cookie_attributes(cookie):
    return [p.strip().lower() for p in cookie.split(";")[1:]]


def strict_json(text):
    """json.loads that refuses what is not JSON: NaN, Infinity, and numbers too large for a
    double (Python would read 1e99999 as inf)."""
    def no_constant(name):
        raise ValueError(f"not JSON: {name}")

    def finite(literal):
        value = float(literal)
        if not math.isfinite(value):
            raise ValueError(f"a number that is not finite: {literal}")
        return value
    return json.loads(text, parse_constant=no_constant, parse_float=finite)


def masked(phone):
    return phone[:3] + "****" + phone[-3:]


def digit_runs(text):
    """The runs of digits in a text as a person reads it: full-width digits read as digits, and
    anything that is not a letter, a digit or '*' (spaces, dots, dashes, slashes, commas,
    underscores, zero-width characters) does not separate digits."""
    text = unicodedata.normalize("NFKC", text)
    kept = "".join(c for c in text if c.isalnum() or c == "*")
    return re.findall(r"[0-9]+", kept)


def leaked_digits(text, number):
    """Runs of four or more consecutive digits of `number` that survive in `text`."""
    found = []
    for run in digit_runs(text):
        for i in range(len(number) - 3):
            if number[i:i + 4] in run:
                found.append(number[i:i + 4])
    return found


# A WebSocket client on a raw socket, so that an upgrade and a logout can be written back to
# back (the websockets library cannot be told when to send its handshake).

def ws_text_frame(text):
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x81, 0x80 | n])
    elif n < 65536:
        head = bytes([0x81, 0x80 | 126]) + struct.pack(">H", n)
    else:
        head = bytes([0x81, 0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def ws_frames(data):
    """Complete server frames (unmasked) at the start of data: ([(opcode, payload)], rest)."""
    frames = []
    while len(data) >= 2:
        n, h = data[1] & 0x7F, 2
        if n == 126:
            if len(data) < 4:
                break
            n, h = struct.unpack(">H", data[2:4])[0], 4
        elif n == 127:
            if len(data) < 10:
                break
            n, h = struct.unpack(">Q", data[2:10])[0], 10
        if len(data) < h + n:
            break
        frames.append((data[0] & 0x0F, data[h:h + n]))
        data = data[h + n:]
    return frames, data


def read_http_head(sock, deadline):
    """(status or None, bytes after the head)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, buf
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except (socket.timeout, ConnectionResetError):
            return None, buf
        if not chunk:
            return None, buf
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status, _, _ = parse_answer(head + b"\r\n\r\n")
    return status, rest


def ws_wait_close(sock, data, timeout):
    """Reads frames until a close frame or the end of the connection (True), or the deadline
    (False); returns (closed, text frames seen, what is left unparsed)."""
    texts = []
    deadline = time.monotonic() + timeout
    while True:
        frames, data = ws_frames(data)
        for op, payload in frames:
            if op == 0x8:
                return True, texts, data
            if op == 0x1:
                texts.append(payload.decode("utf-8", "replace"))
        left = deadline - time.monotonic()
        if left <= 0:
            return False, texts, data
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False, texts, data
        except (ConnectionResetError, ConnectionAbortedError):
            return True, texts, data
        if not chunk:
            return True, texts, data
        data += chunk


def race_upgrade_and_logout(port, token, upgrade_first, timeout=5.0):
    """Writes a WebSocket upgrade and a logout of the same token back to back on two connections
    opened beforehand; returns (logout status, upgrade status, closed, answer): closed tells
    whether an upgraded socket got a close frame (or ended) within timeout; if not, answer is
    the reply to a 'me' sent on it."""
    key = base64.b64encode(os.urandom(16)).decode()
    upgrade = (f"GET /ws HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Authorization: Bearer {token}\r\n\r\n").encode()
    logout = (f"POST /api/logout HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
              f"Authorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              ).encode()
    with socket.create_connection((HOST, port), timeout=timeout) as ws, \
            socket.create_connection((HOST, port), timeout=timeout) as out:
        if upgrade_first:
            ws.sendall(upgrade)
            out.sendall(logout)
        else:
            out.sendall(logout)
            ws.sendall(upgrade)
        deadline = time.monotonic() + timeout
        logout_status, _ = read_http_head(out, deadline)
        upgrade_status, rest = read_http_head(ws, deadline)
        if upgrade_status != 101:
            return logout_status, upgrade_status, None, None
        closed, _, rest = ws_wait_close(ws, rest, timeout)
        answer = None
        if not closed:
            ws.sendall(ws_text_frame(json.dumps({"id": "after-logout", "op": "me"})))
            _, texts, _ = ws_wait_close(ws, rest, timeout)
            answer = texts
        return logout_status, upgrade_status, closed, answer


class SharedServerCase(RejectionChecks, ServerTestCase):
    """One server for the class, started with server_args; fixture() (async, optional) runs once
    against it before the tests."""

    per_test = False
    server_args = ()

    @classmethod
    def setUpClass(cls):
        super(ServerTestCase, cls).setUpClass()
        cls.server = Server(extra_args=cls.server_args)
        try:
            cls.server.start()
            cls.setup_fixture()
        except BaseException:
            cls.server.cleanup()
            cls.server = None
            raise

    @classmethod
    def setup_fixture(cls):
        pass

    async def call_or_fail(self, ws, op, args):
        """A request whose answer is awaited with the connection possibly dropped (a crash)."""
        try:
            return await ws.request(op, args)
        except ConnectionLost as e:
            self.fail(f"{op} {args!r}: the connection was lost ({e}); the server is "
                      f"{'running' if self.server.running() else 'gone'}\n"
                      f"{self.server.stderr_tail(1500)}")

    async def assert_alive(self, what):
        try:
            r = await asyncio.to_thread(self.server.http, "GET", "/healthz")
        except OSError as e:
            self.fail(f"after {what}, /healthz failed: {e}\n{self.server.stderr_tail(1500)}")
        self.assertEqual(r.status, 200, f"after {what}, /healthz answered {r!r}")


# ---------------------------------------------------------------------------------------------
# 1. Cursors, ids and limits are range-checked at decoding

RC_PW = {"rc_sale": "rc-sale-password", "rc_manager": "rc-manager-password"}


class RangeCheckTest(SharedServerCase):

    @classmethod
    def setup_fixture(cls):
        create_users(cls.server, [("rc_sale", "sale", RC_PW["rc_sale"]),
                                  ("rc_manager", "manager", RC_PW["rc_manager"])])

    async def test_cursors_and_limits_out_of_range_are_bad_request(self):
        _, admin = await self.login_ws("admin", label="admin")
        _, sale = await self.login_ws("rc_sale", RC_PW["rc_sale"], label="sale")
        _, manager = await self.login_ws("rc_manager", RC_PW["rc_manager"], label="manager")
        cases = [
            (sale, "orders.list", {"cursor": "-100000"}, ()),
            (admin, "orders.list", {"cursor": "-1"}, ()),
            (manager, "leads.list", {"cursor": -1}, ()),
            (manager, "leads.list", {"cursor": "-5"}, ()),
            (manager, "leads.list", {"cursor": "abc"}, ()),
            (manager, "leads.list", {"cursor": "1234567890" * 4}, ()),
            (manager, "leads.list", {"limit": 0}, ("1", "1000")),
            (manager, "leads.list", {"limit": 1001}, ("1", "1000")),
            (manager, "leads.list", {"limit": 10 ** 12}, ("1", "1000")),
            (sale, "orders.list", {"limit": 0}, ("1", "500")),
            (admin, "orders.list", {"limit": 501}, ("1", "500")),
        ]
        for ws, op, args, bounds in cases:
            with self.subTest(op=op, args=args, who=ws.label):
                r = await self.call_or_fail(ws, op, args)
                self.assertIs(r.get("ok"), False, f"{op} {args!r} as {ws.label}: {r!r}")
                self.assertEqual(r["error"]["code"], "bad_request", r)
                message = re.sub(r"(?<=\d)[,\s](?=\d{3})", "", r["error"]["message"])
                for b in bounds:
                    self.assertRegex(message, rf"\b{b}\b",
                                     f"the message does not name the bound {b}: {r!r}")
                await self.assert_alive(f"{op} {args!r}")

    async def test_leads_cursor_is_an_opaque_string_and_pages_every_lead_once(self):
        _, manager = await self.login_ws("rc_manager", RC_PW["rc_manager"], label="manager")
        ids = (await manager.call("leads.import", {"leads": [
            {"phone": f"0383{100000 + i}", "name": f"Paging {i}"} for i in range(25)]}))["ids"]
        self.assertEqual(len(ids), 25)
        seen = []
        cursors = []
        cursor = None
        for _ in range(100):
            args = {"limit": 7}
            if cursor is not None:
                args["cursor"] = cursor
            page = await manager.call("leads.list", args)
            seen.extend(l["id"] for l in page["items"])
            cursor = page.get("next_cursor")
            if cursor is None:
                break
            cursors.append(cursor)
            self.assertIsInstance(cursor, str, f"next_cursor is not an opaque string: {page!r}")
        self.assertIsNone(cursor, "paging did not end within 100 pages")
        self.assertTrue(cursors, "25 leads at 7 a page gave no next_cursor")
        counts = collections.Counter(seen)
        self.assertEqual([i for i, n in counts.items() if n > 1], [],
                         "paging returned some leads twice")
        self.assertEqual([i for i in ids if counts[i] != 1], [], "paging missed leads")

    async def test_ids_are_range_checked(self):
        _, manager = await self.login_ws("rc_manager", RC_PW["rc_manager"], label="manager")
        bad_values = [0, -1, 1e300, 2 ** 53, "7", True]
        shapes = [
            ("leads.get", lambda v: {"lead_id": v}),
            ("leads.note", lambda v: {"lead_id": v, "text": "x"}),
            ("orders.get", lambda v: {"order_id": v}),
            ("orders.set_status", lambda v: {"order_id": v, "status": "confirmed"}),
            ("orders.by_phone", lambda v: {"lead_id": v}),
            ("customers.get", lambda v: {"customer_id": v}),
            ("orders.create", lambda v: {"customer_id": v, "items": [{"sku": "X", "qty": 1}]}),
        ]
        for op, shape in shapes:
            for value in bad_values:
                args = shape(value)
                with self.subTest(op=op, value=value):
                    r = await self.call_or_fail(manager, op, args)
                    self.assertIs(r.get("ok"), False, f"{op} {json.dumps(args)}: {r!r}")
                    self.assertEqual(r["error"]["code"], "bad_request",
                                     f"{op} {json.dumps(args)}: {r!r}")
        await self.assert_alive("out-of-range ids")
        # An id in range that names nothing is not_found: the check is about range, not existence.
        err = await manager.error("leads.get", {"lead_id": 2 ** 53 - 1})
        self.assertEqual(err["code"], "not_found", err)


# ---------------------------------------------------------------------------------------------
# 5, 10, 11, 13, 15. Keys, request ids, malformed HTTP, names, session settings

IN_PW = {"in_sale": "in-sale-password", "in_manager": "in-manager-password"}

BAD_NAMES = {
    "right-to-left override": "\u202enimda",
    "zero-width space": "ad\u200bmin",
    "bell (C0 control)": "bell\u0007name",
    "next line (C1 control)": "next\u0085line",
}
GOOD_NAME = "Nguyễn Thị Hoà 🌸"


class InputTest(SharedServerCase):

    @classmethod
    def setup_fixture(cls):
        cls.users = create_users(cls.server, [("in_sale", "sale", IN_PW["in_sale"]),
                                              ("in_manager", "manager", IN_PW["in_manager"])])

    async def stats(self):
        out = await asyncio.to_thread(self.server.journal, "stats")
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    async def test_idempotency_key_over_128_bytes_is_refused(self):
        _, admin = await self.login_ws("admin", label="admin")
        before = await self.seq()
        keys_before = (await self.stats()).get("command_keys")
        r = await admin.request("teams.create", {"name": "Long key team"}, key="k" * 129)
        self.assertIs(r.get("ok"), False, f"a 129-byte key was accepted: {r!r}")
        self.assertEqual(r["error"]["code"], "bad_request", r)
        await self.assert_nothing_appended(before, "a command with a 129-byte key")
        self.assertEqual((await self.stats()).get("command_keys"), keys_before,
                         "a 129-byte key was stored")
        teams = [t["name"] for t in (await admin.call("teams.list"))["items"]]
        self.assertNotIn("Long key team", teams)
        # 128 bytes is within the bound.
        r = await admin.request("teams.create", {"name": "Key team 128"}, key="q" * 128)
        self.assertIs(r.get("ok"), True, f"a 128-byte key was refused: {r!r}")

    async def test_a_keyed_no_op_journals_nothing_and_a_repeat_appends_nothing(self):
        _, sale = await self.login_ws("in_sale", IN_PW["in_sale"], label="sale")
        status = (await sale.call("me"))["user"]["presence"]
        before = await self.seq()
        keys_before = (await self.stats()).get("command_keys")
        for i in range(10):
            r = await sale.request("presence.set", {"status": status}, key=f"noop-{i}")
            self.assertIs(r.get("ok"), True, r)
        await self.assert_nothing_appended(before, "presence.set to the current status")
        self.assertEqual((await self.stats()).get("command_keys"), keys_before,
                         "keys of commands that changed nothing were journaled")
        # A keyed command that does something: once, and its repeat appends nothing.
        other = "away" if status != "away" else "online"
        first = await sale.request("presence.set", {"status": other}, key="change-1")
        self.assertIs(first.get("ok"), True, first)
        mid = await self.seq()
        self.assertGreater(mid, before, "a presence change appended nothing")
        keys_mid = (await self.stats()).get("command_keys")
        again = await sale.request("presence.set", {"status": other}, key="change-1")
        self.assertIs(again.get("ok"), True, again)
        self.assertEqual(again["result"], first["result"])
        await self.assert_nothing_appended(mid, "a repeated key")
        self.assertEqual((await self.stats()).get("command_keys"), keys_mid)

    async def send_raw_and_read(self, ws, text, timeout=5.0):
        mark = len(ws.frames)
        await ws.send_text(text)
        got = await ws.wait_for(lambda: len(ws.frames) > mark or ws.closed.is_set(), timeout)
        self.assertTrue(got and len(ws.frames) > mark, f"no answer to {text[:80]!r}")
        return ws.frames[mark]

    async def test_request_ids_that_cannot_be_echoed_get_a_null_id(self):
        _, ws = await self.login_ws("in_sale", IN_PW["in_sale"], label="sale")
        for text in ('{"id":1e999,"op":"me"}', '{"id":-1e999,"op":"me"}',
                     json.dumps({"id": "i" * 200, "op": "me"})):
            with self.subTest(frame=text[:40]):
                raw = await self.send_raw_and_read(ws, text)
                try:
                    reply = strict_json(raw)
                except ValueError as e:
                    self.fail(f"the reply to {text[:40]!r} is not JSON ({e}): {raw[:300]!r}")
                self.assertIs(reply.get("ok"), False, raw[:300])
                self.assertEqual(reply.get("error", {}).get("code"), "bad_request", raw[:300])
                self.assertIn("id", reply, raw[:300])
                self.assertIsNone(reply["id"], f"the id was echoed: {raw[:300]}")
        # A usable string id of 100 characters is echoed.
        r = await ws.request("me", id="y" * 100)
        self.assertIs(r.get("ok"), True, r)
        self.assertEqual(r["id"], "y" * 100)

    async def test_malformed_http_is_answered_and_closed(self):
        port = self.server.port
        host = f"Host: {HOST}:{port}\r\n"
        cases = [
            ("a header line over 8 KiB", 431,
             f"GET /healthz HTTP/1.1\r\n{host}X-Big: {'a' * 9000}\r\n\r\n".encode()),
            ("5,000 small headers", 431,
             (f"GET /healthz HTTP/1.1\r\n{host}"
              + "".join(f"X-H{i}: v\r\n" for i in range(5000)) + "\r\n").encode()),
            ("two different Content-Lengths", 400,
             (f"POST /api/login HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
              "Content-Length: 5\r\nContent-Length: 6\r\n\r\n{}{}{}").encode()),
            ("HTTP/2.0 in the request line", 400, f"GET / HTTP/2.0\r\n{host}\r\n".encode()),
        ]
        for what, expected, data in cases:
            with self.subTest(what):
                status, head, body, closed = await asyncio.to_thread(raw_exchange, port, data)
                self.assertEqual(status, expected, f"{what}: answered {status} {head!r} "
                                                   f"{body[:200]!r}")
                self.assertTrue(closed, f"{what}: the connection was not closed after the answer")
        await self.assert_alive("malformed HTTP requests")

    async def test_names_with_invisible_or_control_characters_are_refused(self):
        _, admin = await self.login_ws("admin", label="admin")
        _, manager = await self.login_ws("in_manager", IN_PW["in_manager"], label="manager")
        sale_id = self.users["in_sale"]["id"]
        for i, (what, name) in enumerate(BAD_NAMES.items()):
            shapes = [
                (admin, "users.create", {"username": f"badname{i}", "password": "bad-name-pw-1",
                                         "name": name, "role": "sale"}),
                (admin, "users.update", {"user_id": sale_id, "name": name}),
                (admin, "teams.create", {"name": name}),
                (manager, "customers.create", {"name": name, "phones": []}),
                (admin, "products.upsert", {"sku": f"BAD-{i}", "name": name, "price": 1000}),
            ]
            for ws, op, args in shapes:
                with self.subTest(op=op, name=what):
                    await self.rejected(ws, op, args, "bad_request")
        # People's names in Vietnamese, with an emoji, are fine everywhere.
        user = (await admin.call("users.create", {"username": "hoa", "password": "hoa-password",
                                                  "name": GOOD_NAME, "role": "sale"}))["user"]
        self.assertEqual(user["name"], GOOD_NAME)
        updated = (await admin.call("users.update", {"user_id": user["id"],
                                                     "name": GOOD_NAME + " 2"}))["user"]
        self.assertEqual(updated["name"], GOOD_NAME + " 2")
        team = (await admin.call("teams.create", {"name": "Đội " + GOOD_NAME}))["team"]
        self.assertEqual(team["name"], "Đội " + GOOD_NAME)
        card = (await manager.call("customers.create", {"name": GOOD_NAME, "phones": []}))
        self.assertEqual(card["customer"]["name"], GOOD_NAME)
        await admin.call("products.upsert", {"sku": "GOOD-1", "name": "Trà " + GOOD_NAME,
                                             "price": 1000})
        names = {p["sku"]: p["name"] for p in (await admin.call("products.list"))["items"]}
        self.assertEqual(names.get("GOOD-1"), "Trà " + GOOD_NAME)

    async def test_session_expiry_settings_have_defaults_and_bounds(self):
        _, admin = await self.login_ws("admin", label="admin")
        settings = (await admin.call("settings.get"))["settings"]
        self.assertEqual(settings.get("session.idle_minutes"), 720, settings)
        self.assertEqual(settings.get("session.lifetime_days"), 30, settings)
        for key, good, default in (("session.idle_minutes", 60, 720),
                                   ("session.lifetime_days", 7, 30)):
            for bad in (0, -1):
                with self.subTest(key=key, value=bad):
                    await self.rejected(admin, "settings.update", {"patch": {key: bad}},
                                        "bad_request")
            with self.subTest(key=key, value=good):
                r = await admin.request("settings.update", {"patch": {key: good}})
                self.assertIs(r.get("ok"), True, r)
                self.assertEqual((await admin.call("settings.get"))["settings"].get(key), good)
                await admin.call("settings.update", {"patch": {key: default}})


# ---------------------------------------------------------------------------------------------
# 2, 3, 12, 14 (X-Forwarded-Proto). Hashing, the login throttle, logout races, the cookie

AU_PW = {"au_sale": "au-sale-password", "au_manager": "au-manager-password",
         "victim": "victim-password", "bystander": "bystander-password",
         "racer": "racer-password"}


class AuthTest(SharedServerCase):

    @classmethod
    def setup_fixture(cls):
        create_users(cls.server, [("au_sale", "sale", AU_PW["au_sale"]),
                                  ("au_manager", "manager", AU_PW["au_manager"]),
                                  ("victim", "sale", AU_PW["victim"]),
                                  ("bystander", "sale", AU_PW["bystander"]),
                                  ("racer", "sale", AU_PW["racer"])])

    async def hashes(self):
        return await asyncio.to_thread(metric_value, self.server,
                                       "salesdesk_password_hashes_total")

    async def test_a_sales_users_create_hashes_nothing(self):
        _, admin = await self.login_ws("admin", label="admin")
        _, sale = await self.login_ws("au_sale", AU_PW["au_sale"], label="sale")
        start = await self.hashes()
        futures = []
        for i in range(300):
            _, fut = await sale.send_request("users.create", {
                "username": f"intruder{i}", "password": "intruder-password",
                "name": f"Intruder {i}", "role": "admin"})
            futures.append(fut)
        login = asyncio.create_task(asyncio.to_thread(
            self.server.login_response, "au_manager", AU_PW["au_manager"]))
        replies = await asyncio.wait_for(asyncio.gather(*futures), 60)
        manager_login = await asyncio.wait_for(login, 60)
        self.assertEqual(manager_login.status, 200,
                         f"a manager could not log in while a sale sent users.create: "
                         f"{manager_login!r}")
        outcomes = collections.Counter(
            "ok" if r.get("ok") else r["error"]["code"] for r in replies)
        with self.subTest("every reply is forbidden"):
            other = [r for r in replies if r.get("ok") or r["error"]["code"] != "forbidden"]
            self.assertEqual(outcomes, {"forbidden": 300},
                             f"a sale's 300 pipelined users.create answered {dict(outcomes)}; "
                             f"e.g. {other[:1]}")
        after_burst = await self.hashes()
        # What one login costs in this metric, measured alone.
        await asyncio.to_thread(self.server.login, "au_manager", AU_PW["au_manager"])
        after_login = await self.hashes()
        per_login = after_login - after_burst
        self.assertEqual(after_burst - start, per_login,
                         f"300 forbidden users.create and one login hashed "
                         f"{after_burst - start:g} passwords (a login alone: {per_login:g})")
        users = [u["username"] for u in (await admin.call("users.list"))["items"]]
        self.assertFalse([u for u in users if u.startswith("intruder")])
        # An admin's users.create still works, and is one hash.
        await admin.call("users.create", {"username": "hashed-once", "password": "hashed-pw-1",
                                          "name": "Hashed Once", "role": "sale"})
        self.assertEqual(await self.hashes() - after_login, 1,
                         "an admin's users.create did not count one hash")

    async def test_login_throttle_stops_the_attacker_not_the_owner_or_the_office(self):
        port = self.server.port

        def burst():
            def one(_):
                return http_from(port, "POST", "/api/login",
                                 {"username": "victim", "password": "wrong-password"})
            with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
                return list(pool.map(one, range(200)))

        answers = await asyncio.wait_for(asyncio.to_thread(burst), 120)
        statuses = collections.Counter(r.status for r in answers)
        self.assertEqual(set(statuses) - {401, 429}, set(), f"statuses: {dict(statuses)}")
        self.assertLessEqual(statuses[401], 5,
                             f"200 concurrent wrong logins: {dict(statuses)} (at most 5 may "
                             f"be checked)")
        for r in answers:
            if r.status != 429:
                continue
            err = r.json().get("error", {})
            self.assertEqual(err.get("code"), "rate_limited", r)
            self.assertIsInstance(err.get("retry_after_s"), int, f"no retry_after_s: {r!r}")
            self.assertGreater(err["retry_after_s"], 0, r)
            self.assertRegex(r.headers.get("Retry-After") or "", r"^\d+$",
                             f"no Retry-After header: {r!r}")
        # The owner, from another address, gets in.
        r = await asyncio.to_thread(http_from, port, "POST", "/api/login",
                                    {"username": "victim", "password": AU_PW["victim"]},
                                    None, SECOND_ADDRESS)
        self.assertEqual(r.status, 200, f"the owner from {SECOND_ADDRESS}: {r!r}")
        # Someone else in the attacker's office (same address) gets in.
        r = await asyncio.to_thread(http_from, port, "POST", "/api/login",
                                    {"username": "bystander", "password": AU_PW["bystander"]})
        self.assertEqual(r.status, 200, f"another user from 127.0.0.1: {r!r}")

    async def test_a_websocket_opened_while_logging_out_does_not_outlive_the_logout(self):
        port = self.server.port
        upgraded = 0
        for i in range(20):
            token = await asyncio.to_thread(self.server.login, "racer", AU_PW["racer"])
            # Both requests are written back to back on connections opened beforehand, the
            # upgrade first in even rounds and the logout first in odd ones.
            logout, upgrade, closed, answer = await asyncio.to_thread(
                race_upgrade_and_logout, port, token, i % 2 == 0)
            self.assertEqual(logout, 200, f"round {i}: logout answered {logout}")
            if upgrade != 101:
                self.assertEqual(upgrade, 401, f"round {i}: the upgrade answered {upgrade}")
                continue
            upgraded += 1
            self.assertTrue(closed, f"round {i}: the WebSocket of a logged-out session was not "
                                    f"closed within 5 s of the logout; 'me' on it answered "
                                    f"{answer!r}")
        # How many upgrades win the race varies from run to run; each one that did was closed.

    async def test_cookie_is_secure_behind_a_tls_proxy_on_loopback(self):
        body = {"username": "admin", "password": self.server.admin_password}
        plain = await asyncio.to_thread(self.server.http, "POST", "/api/login", body)
        self.assertEqual(plain.status, 200, plain)
        self.assertNotIn("secure", cookie_attributes(session_cookie(plain)),
                         "Secure on a plain HTTP login without --secure-cookie")
        proxied = await asyncio.to_thread(self.server.http, "POST", "/api/login", body,
                                          {"X-Forwarded-Proto": "https"})
        self.assertEqual(proxied.status, 200, proxied)
        self.assertIn("secure", cookie_attributes(session_cookie(proxied)),
                      f"no Secure with X-Forwarded-Proto: https from loopback: "
                      f"{session_cookie(proxied)!r}")


# ---------------------------------------------------------------------------------------------
# 4. Staged (chunked) imports

IM_PW = {"im_sale": "im-sale-password", "im_manager1": "im-manager-1-pw",
         "im_manager2": "im-manager-2-pw", "im_manager3": "im-manager-3-pw",
         "im_manager4": "im-manager-4-pw"}


def rows(prefix, count, start=0):
    return [{"phone": f"{prefix}{start + i:06d}", "name": f"Import {start + i}"}
            for i in range(count)]


class ImportTest(SharedServerCase):

    @classmethod
    def setup_fixture(cls):
        create_users(cls.server, [(name, "sale" if name == "im_sale" else "manager", pw)
                                  for name, pw in IM_PW.items()])

    async def staged_bytes(self):
        return await asyncio.to_thread(metric_value, self.server, "salesdesk_staged_import_bytes")

    async def lead_count(self, ws):
        n, cursor = 0, None
        for _ in range(1000):
            args = {"limit": 1000}
            if cursor is not None:
                args["cursor"] = cursor
            page = await ws.call("leads.list", args)
            n += len(page["items"])
            cursor = page.get("next_cursor")
            if cursor is None:
                return n
        self.fail("leads.list did not end")

    async def test_1_a_sales_chunks_stage_nothing_and_block_nobody(self):
        _, sale = await self.login_ws("im_sale", IM_PW["im_sale"], label="sale")
        _, manager = await self.login_ws("im_manager1", IM_PW["im_manager1"], label="manager")
        self.assertEqual(await self.staged_bytes(), 0)
        r = await sale.request("leads.import", {"leads": rows("0384", 50),
                                                "batch": {"id": "b1", "final": False}})
        self.assertIs(r.get("ok"), False, f"a sale's chunk was accepted: {r!r}")
        self.assertEqual(r["error"]["code"], "forbidden", r)
        self.assertEqual(await self.staged_bytes(), 0, "a sale's refused chunk was staged")
        futures = []
        for i in range(70):
            _, fut = await sale.send_request("leads.import", {
                "leads": rows("0384", 50, 100 * i), "batch": {"id": f"s{i}", "final": False}})
            futures.append(fut)
        replies = await asyncio.wait_for(asyncio.gather(*futures), 30)
        outcomes = collections.Counter("ok" if r.get("ok") else r["error"]["code"]
                                       for r in replies)
        self.assertEqual(outcomes, {"forbidden": 70}, dict(outcomes))
        self.assertEqual(await self.staged_bytes(), 0, "a sale's refused chunks were staged")
        # A manager's chunked import goes through: two chunks, then the final one.
        before = await self.lead_count(manager)
        for part in range(2):
            r = await manager.request("leads.import", {
                "leads": rows("0385", 10, 10 * part), "batch": {"id": "m1", "final": False}})
            self.assertIs(r.get("ok"), True, f"the manager's chunk {part + 1}: {r!r}")
        r = await manager.request("leads.import", {"leads": rows("0385", 5, 20),
                                                   "batch": {"id": "m1", "final": True}})
        self.assertIs(r.get("ok"), True, f"the manager's final chunk: {r!r}")
        ids = r["result"]["ids"]
        self.assertEqual(len(ids), 25, r)
        self.assertTrue(all(isinstance(i, int) for i in ids), r)
        self.assertEqual(await self.lead_count(manager), before + 25)

    async def test_2_batches_over_the_caps_are_refused_naming_the_cap(self):
        _, manager = await self.login_ws("im_manager2", IM_PW["im_manager2"], label="manager2")
        for i in range(4):
            r = await manager.request("leads.import", {"leads": rows("0386", 2, 10 * i),
                                                       "batch": {"id": f"c{i}"}})
            self.assertIs(r.get("ok"), True, f"open batch {i + 1} of 4: {r!r}")
        r = await manager.request("leads.import", {"leads": rows("0386", 2, 100),
                                                   "batch": {"id": "c4"}})
        self.assertIs(r.get("ok"), False, f"a 5th open batch of one user was staged: {r!r}")
        self.assertRegex(r["error"]["message"], r"\b4\b", f"the message names no cap: {r!r}")
        for i in range(4):
            r = await manager.request("leads.import", {"leads": rows("0386", 1, 10 * i + 5),
                                                       "batch": {"id": f"c{i}", "final": True}})
            self.assertIs(r.get("ok"), True, f"final chunk of batch {i + 1}: {r!r}")
            self.assertEqual(len(r["result"]["ids"]), 3, r)

        # Bytes: valid rows (200-byte names) in chunks of 4,000, filling batches of 100,000
        # rows one after the other, until the server refuses; 64 MiB per user.
        _, big = await self.login_ws("im_manager3", IM_PW["im_manager3"], label="manager3")
        name = "n" * 200
        opened, refused, staged = [], None, 0
        for b in range(4):
            opened.append(f"big{b}")
            for c in range(25):
                start = 100_000 * b + 4_000 * c
                r = await big.request("leads.import", {
                    "leads": [{"phone": f"039{start + i:07d}", "name": name}
                              for i in range(4_000)],
                    "batch": {"id": f"big{b}"}}, timeout=30)
                if not r.get("ok"):
                    refused = r
                    break
                staged = await self.staged_bytes()
            if refused is not None:
                break
        self.assertIsNotNone(refused, "400,000 rows of 200-byte names were staged for one user")
        self.assertRegex(refused["error"]["message"], r"\b64\b",
                         f"the message does not name the 64 MiB cap: {refused!r}")
        with self.subTest("salesdesk_staged_import_bytes counts the staged rows"):
            self.assertGreaterEqual(staged, 56 * 2 ** 20,
                                    f"salesdesk_staged_import_bytes was {staged:g} just before "
                                    f"the refusal {refused!r}")
            self.assertLessEqual(staged, 64 * 2 ** 20, "more than 64 MiB staged for one user")
        # A final chunk commits its batch whole or not at all: with a row that cannot be
        # imported it is refused, and the staged rows are dropped.
        for batch in opened:
            r = await big.request("leads.import", {"leads": [{"phone": "12"}],
                                                   "batch": {"id": batch, "final": True}},
                                  timeout=60)
            self.assertIs(r.get("ok"), False, f"batch {batch} with a bad row was imported")
        self.assertEqual(await self.staged_bytes(), 0, "refused batches stay staged")

    async def test_3_a_refused_final_chunk_ends_the_batch(self):
        _, manager = await self.login_ws("im_manager4", IM_PW["im_manager4"], label="manager4")
        before = await self.lead_count(manager)
        r = await manager.request("leads.import", {"leads": rows("0388", 3),
                                                   "batch": {"id": "r1"}})
        self.assertIs(r.get("ok"), True, r)
        r = await manager.request("leads.import", {"leads": [{"phone": "12"}],
                                                   "batch": {"id": "r1", "final": True}})
        self.assertIs(r.get("ok"), False, r)
        self.assertEqual(r["error"]["code"], "bad_request", r)
        self.assertEqual(await self.lead_count(manager), before)
        # Only the final chunk again, under the same id: the staged rows are gone, and it must
        # not commit part of the batch.
        r = await manager.request("leads.import", {"leads": rows("0388", 2, 50),
                                                   "batch": {"id": "r1", "final": True}})
        self.assertIs(r.get("ok"), False,
                      f"the final chunk alone was committed after its batch was refused: {r!r}")
        self.assertEqual(await self.lead_count(manager), before, "part of a batch was imported")


# ---------------------------------------------------------------------------------------------
# 7, 8, 9. A pooled number through orders, lookups and notes

PM_PW = {"pm_manager": "pm-manager-password", "pm_sale": "pm-sale-password",
         "pm_spy": "pm-spy-password", "pm_counter": "pm-counter-password",
         "pm_dup": "pm-dup-password"}
POOLED = "0912345678"   # a customer's number, and a lead of it floats
OTHER = "0383000111"    # nobody's lead
SKU = "SEC-TEA"

NOTES = [
    ("call 0707/666/777", ["0707666777"]),
    ("0707_666_777", ["0707666777"]),
    ("0707,666,777", ["0707666777"]),
    ("０９８７６５４３２１", ["0987654321"]),
    ("0987\u200b654\u200b321", ["0987654321"]),
    ("SĐT khác: 0987654321, zalo 0987.654.321", ["0987654321"]),
    ("0987-654-321", ["0987654321"]),
    ("+84 987 654 321", ["0987654321"]),
    ("01688123456", ["01688123456", "0388123456"]),
]


class PoolMaskingTest(SharedServerCase):

    @classmethod
    def setup_fixture(cls):
        users = create_users(cls.server, [(name, "manager" if name == "pm_manager" else "sale",
                                           pw) for name, pw in PM_PW.items()])

        async def prepare():
            admin = await WsClient.connect(cls.server.port, token=cls.server.login("admin"),
                                           label="setup-admin")
            manager = await WsClient.connect(
                cls.server.port, token=cls.server.login("pm_manager", PM_PW["pm_manager"]),
                label="setup-manager")
            try:
                await admin.call("products.upsert", {"sku": SKU, "name": "Trà", "price": 45000})
                await admin.call("settings.update", {"patch": {
                    "pool.enabled": True, "pool.float_all": True, "pool.mask_phone": True}})
                customer = (await manager.call("customers.create", {
                    "name": "Khách Bảo Mật", "phones": [POOLED]}))["customer"]
                [lead] = (await manager.call("leads.import", {"leads": [
                    {"phone": POOLED, "name": "Khách Bảo Mật"}]}))["ids"]
                deadline = time.monotonic() + 5
                while True:
                    got = (await manager.call("leads.get", {"lead_id": lead}))["lead"]
                    if got["in_pool"]:
                        break
                    if time.monotonic() > deadline:
                        raise AssertionError(f"lead {lead} did not float within 5 s: {got}")
                    await asyncio.sleep(0.05)
                return customer["id"], lead
            finally:
                await admin.close()
                await manager.close()

        cls.users = users
        cls.customer_id, cls.lead_id = asyncio.run(prepare())

    def assert_no_full_number(self, frames, phone, where):
        """No frame holds the number: national form, +84 digits, or its nine digits with
        separators between them."""
        for f in frames:
            stripped = re.sub(r"[\s.\-()+/]", "", f)
            self.assertNotIn(phone, f, f"{phone} reached {where}: {f[:500]}")
            self.assertNotIn(phone[1:], stripped, f"{phone} reached {where}: {f[:500]}")

    async def test_orders_of_a_pooled_number_are_masked_for_a_sale(self):
        _, manager = await self.login_ws("pm_manager", PM_PW["pm_manager"], label="manager")
        _, sale = await self.login_ws("pm_sale", PM_PW["pm_sale"], label="sale")
        rows_seen = (await sale.call("pool.query"))["items"]
        row = [r for r in rows_seen if r["lead_id"] == self.lead_id]
        self.assertEqual([r["phone"] for r in row], [masked(POOLED)],
                         f"the pooled lead is not masked in the sale's pool: {rows_seen}")
        await manager.call("subscribe", {"topics": ["orders"]})
        await sale.call("subscribe", {"topics": ["orders"]})
        m_start, s_start = len(manager.pushes), len(sale.pushes)
        order = (await sale.call("orders.create", {
            "customer_id": self.customer_id, "items": [{"sku": SKU, "qty": 1}]}))["order"]
        oid = order["id"]
        self.assertEqual(order["phone"], masked(POOLED), f"orders.create result: {order}")
        got = (await sale.call("orders.get", {"order_id": oid}))["order"]
        self.assertEqual(got["phone"], masked(POOLED), f"orders.get: {got}")
        listed = [o for o in (await sale.call("orders.list"))["items"] if o["id"] == oid]
        self.assertEqual([o["phone"] for o in listed], [masked(POOLED)], f"orders.list: {listed}")

        def created(p):
            return (p.get("push") == "orders" and p.get("type") == "created"
                    and p.get("data", {}).get("order", {}).get("id") == oid)
        to_sale = await sale.wait_push(created, 3, s_start)
        to_manager = await manager.wait_push(created, 3, m_start)
        self.assertIsNotNone(to_sale, "the sale got no orders/created push")
        self.assertIsNotNone(to_manager, "the manager got no orders/created push")
        self.assertEqual(to_sale["data"]["order"]["phone"], masked(POOLED), to_sale)
        self.assertEqual(to_manager["data"]["order"]["phone"], POOLED, to_manager)
        # The fence: every push of this order has arrived; none carried the number to the sale.
        await sale.call("me")
        self.assert_no_full_number(sale.frames, POOLED, "the sale")

    async def test_a_sale_cannot_confirm_a_pooled_number_by_looking_it_up(self):
        _, manager = await self.login_ws("pm_manager", PM_PW["pm_manager"], label="manager")
        _, admin = await self.login_ws("admin", label="admin")
        _, spy = await self.login_ws("pm_spy", PM_PW["pm_spy"], label="spy")
        order = (await manager.call("orders.create", {
            "phone": POOLED, "name": "Khách Bảo Mật", "items": [{"sku": SKU, "qty": 1}]}))["order"]
        r = await spy.call("orders.by_phone", {"phone": POOLED})
        self.assertEqual(r, {"items": []},
                         "orders.by_phone with a full pooled number confirms it to a sale")
        found = (await spy.call("customers.search", {"q": POOLED}))["items"]
        self.assertNotIn(self.customer_id, [c["id"] for c in found],
                         "customers.search with the full number confirms it to a sale")
        for _ in range(9):
            self.assertEqual(await spy.call("orders.by_phone", {"phone": POOLED}), {"items": []})
        spy_id = self.users["pm_spy"]["id"]

        async def security_message():
            for m in (await admin.call("system_messages.list"))["items"]:
                text = f"{m.get('text', '')} {m.get('ref', '')}"
                if m.get("kind") == "security" and (
                        "pm_spy" in text or re.search(rf"\buser:? ?{spy_id}\b", text)):
                    return m
            return None
        deadline = time.monotonic() + 3
        message = await security_message()
        while message is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            message = await security_message()
        self.assertIsNotNone(message, "no security system message about the spy after 10 "
                                      "lookups of a hidden number: "
                                      f"{(await admin.call('system_messages.list'))['items']}")
        # The manager finds the order by the same number.
        mine = (await manager.call("orders.by_phone", {"phone": POOLED}))["items"]
        self.assertIn(order["id"], [o["id"] for o in mine])
        self.assert_no_full_number(spy.frames, POOLED, "the spy")

    async def test_phone_lookups_are_limited_for_a_sale_and_not_for_a_manager(self):
        _, counter = await self.login_ws("pm_counter", PM_PW["pm_counter"], label="counter")
        _, manager = await self.login_ws("pm_manager", PM_PW["pm_manager"], label="manager")
        for i in range(60):
            r = await counter.request("orders.by_phone", {"phone": OTHER if i % 2 else POOLED})
            self.assertIs(r.get("ok"), True, f"lookup {i + 1} of 60: {r!r}")
        r = await counter.request("orders.by_phone", {"phone": OTHER})
        self.assertIs(r.get("ok"), False, f"the 61st phone lookup in 10 minutes: {r!r}")
        self.assertEqual(r["error"]["code"], "rate_limited", r)
        for i in range(70):
            r = await manager.request("orders.by_phone", {"phone": POOLED})
            self.assertIs(r.get("ok"), True, f"a manager's lookup {i + 1}: {r!r}")
        self.assertIn(POOLED, [o["phone"] for o in r["result"]["items"]],
                      f"the manager does not find the orders of {POOLED}: {r!r}")

    async def test_phones_written_in_notes_are_masked_for_a_sale(self):
        _, manager = await self.login_ws("pm_manager", PM_PW["pm_manager"], label="manager")
        _, sale = await self.login_ws("pm_sale", PM_PW["pm_sale"], label="sale")
        _, dup = await self.login_ws("pm_dup", PM_PW["pm_dup"], label="dup")
        orders = {}
        for text, numbers in NOTES:
            with self.subTest(note=text):
                await manager.call("leads.note", {"lead_id": self.lead_id, "text": text})
                rows_seen = (await sale.call("pool.query"))["items"]
                row = [r for r in rows_seen if r["lead_id"] == self.lead_id]
                self.assertEqual(len(row), 1, f"the pooled lead is not in the sale's pool: "
                                              f"{rows_seen}")
                shown = row[0]["last_note"] or ""
                for number in numbers:
                    self.assertEqual(leaked_digits(shown, number), [],
                                     f"the note {text!r} reached the sale as {shown!r}")
                self.assertIn("*", shown, f"the note {text!r} reached the sale as {shown!r}")
                notes = (await manager.call("leads.get", {"lead_id": self.lead_id}))["notes"]
                self.assertEqual(notes[-1]["text"], text, "the manager does not see the note")
            order = (await manager.call("orders.create", {
                "phone": POOLED, "name": "Khách Bảo Mật", "note": text,
                "items": [{"sku": SKU, "qty": 1}]}))["order"]
            orders[order["id"]] = (text, numbers)
        listed = (await dup.call("orders.by_phone", {"lead_id": self.lead_id}))["items"]
        by_id = {o["id"]: o for o in listed}
        for oid, (text, numbers) in orders.items():
            with self.subTest(order_note=text):
                self.assertIn(oid, by_id, "the order is not in the pool row's duplicate list")
                shown = by_id[oid].get("note") or ""
                for number in numbers:
                    self.assertEqual(leaked_digits(shown, number), [],
                                     f"the order note {text!r} reached a sale as {shown!r}")
                self.assertIn("*", shown)


# ---------------------------------------------------------------------------------------------
# 6. Connections per address

class ConnectionCapTest(SharedServerCase):
    server_args = ("--max-connections", "40")

    async def test_one_address_cannot_hold_every_connection(self):
        port = self.server.port
        idle = []
        try:
            for _ in range(10):
                idle.append(socket.create_connection((HOST, port), timeout=5,
                                                     source_address=(HOST, 0)))

            def eleventh():
                with socket.create_connection((HOST, port), timeout=5,
                                              source_address=(HOST, 0)) as s:
                    raw, closed = read_until_closed(s, 5)
                return parse_answer(raw) + (closed,)
            status, head, body, closed = await asyncio.to_thread(eleventh)
            self.assertEqual(status, 503, f"the 11th connection from 127.0.0.1: {status} "
                                          f"{head!r} {body[:200]!r}")
            self.assertIsInstance(json.loads(body)["error"]["code"], str, body)
            self.assertTrue(closed, "the refused connection was not closed")
            r = await asyncio.to_thread(http_from, port, "GET", "/healthz", None, None,
                                        SECOND_ADDRESS)
            self.assertEqual(r.status, 200, f"/healthz from {SECOND_ADDRESS}: {r!r}")
        finally:
            for s in idle:
                s.close()

        def healthz_from_first():
            try:
                return http_from(port, "GET", "/healthz", timeout=5).status
            except OSError:
                return None
        deadline = time.monotonic() + 5
        status = await asyncio.to_thread(healthz_from_first)
        while status != 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            status = await asyncio.to_thread(healthz_from_first)
        self.assertEqual(status, 200, "127.0.0.1 is not served again after closing its "
                                      "idle connections")


# ---------------------------------------------------------------------------------------------
# 14. Server flags: --metrics-token, --secure-cookie

class ServerFlagsTest(unittest.IsolatedAsyncioTestCase):

    async def start(self, *args):
        srv = Server(extra_args=args)
        self.addCleanup(srv.cleanup)
        await asyncio.to_thread(srv.start)
        return srv

    async def stop(self, srv):
        code = await asyncio.to_thread(srv.stop)
        self.assertEqual(code, 0, f"exit code on SIGTERM\n{srv.stderr_tail()}")

    async def test_metrics_token(self):
        srv = await self.start("--metrics-token", "T-metrics-secret")
        r = await asyncio.to_thread(srv.http, "GET", "/metrics")
        self.assertEqual(r.status, 403, f"/metrics without the token: {r!r}")
        r = await asyncio.to_thread(srv.http, "GET", "/metrics", None,
                                    {"Authorization": "Bearer not-the-token"})
        self.assertEqual(r.status, 403, f"/metrics with a wrong token: {r!r}")
        r = await asyncio.to_thread(srv.http, "GET", "/metrics", None,
                                    {"Authorization": "Bearer T-metrics-secret"})
        self.assertEqual(r.status, 200, f"/metrics with the token: {r!r}")
        self.assertIn("salesdesk_events_total", r.text())
        await self.stop(srv)

    async def test_secure_cookie_flag(self):
        srv = await self.start("--secure-cookie")
        r = await asyncio.to_thread(srv.login_response, "admin", srv.admin_password)
        self.assertEqual(r.status, 200, r)
        cookie = session_cookie(r)
        attrs = cookie_attributes(cookie)
        self.assertIn("secure", attrs, f"--secure-cookie: {cookie!r}")
        self.assertIn("httponly", attrs, cookie)
        self.assertIn("samesite=strict", attrs, cookie)
        await self.stop(srv)


if __name__ == "__main__":
    unittest.main()
