"""HTTP surface of the server (PROTOCOL.md sections 1 and 2): the ready line, /healthz, login and
logout, the login throttle, how /ws is authenticated, body limits, /metrics, the web UI and the
error shape of unknown routes."""

import asyncio
import datetime
import json
import re
import time
import unittest

from harness import (HOST, Server, ServerTestCase, dump_events, raw_http, token_digest,
                     upgrade_status)


def error_of(response):
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    err = body["error"]
    assert isinstance(err.get("code"), str) and isinstance(err.get("message"), str), body
    return err


class HttpTest(ServerTestCase):
    per_test = True

    async def test_ready_line_and_healthz(self):
        srv = self.server
        self.assertTrue(any(re.fullmatch(rf"salesdesk listening on http://{HOST}:{srv.port}", l)
                            for l in srv.stdout_lines), srv.stdout_lines)
        self.assertGreater(srv.port, 0)
        r = await asyncio.to_thread(srv.http, "GET", "/healthz")
        self.assertEqual(r.status, 200)
        self.assertIn("application/json", r.headers.get("Content-Type", ""))
        body = r.json()
        self.assertIs(body.get("ok"), True, body)
        self.assertIsInstance(body.get("seq"), int, body)
        self.assertNotIsInstance(body.get("seq"), bool)
        # The empty journal got the admin user (and seeded statuses): something is journaled.
        self.assertGreaterEqual(body["seq"], 1)
        # A login journals a session: the head moves.
        await asyncio.to_thread(srv.login, "admin")
        self.assertGreater((await asyncio.to_thread(srv.healthz))["seq"], body["seq"])

    async def test_generated_admin_password_is_printed_once(self):
        srv = Server(admin_password=None)
        self.addCleanup(srv.cleanup)
        await asyncio.to_thread(srv.start)
        printed = [l for l in srv.stdout_lines if "admin" in l and "password" in l]
        self.assertEqual(len(printed), 1, srv.stdout_lines)
        words = re.findall(r"password:? (\S+)", printed[0])
        self.assertTrue(words, printed)
        password = words[0].strip("'\".,;()")
        r = await asyncio.to_thread(srv.login_response, "admin", password)
        self.assertEqual(r.status, 200, (printed, r))
        self.assertEqual(await asyncio.to_thread(srv.stop), 0)
        # Not printed again on a journal that is not empty; the password still works.
        await asyncio.to_thread(srv.start)
        self.assertFalse([l for l in srv.stdout_lines if password in l], srv.stdout_lines)
        r = await asyncio.to_thread(srv.login_response, "admin", password)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(await asyncio.to_thread(srv.stop), 0)

    async def test_login_returns_token_user_and_cookie(self):
        r = await asyncio.to_thread(self.server.login_response, "admin",
                                    self.server.admin_password)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertIsInstance(body.get("token"), str)
        self.assertGreaterEqual(len(body["token"]), 16, "a session token should be long and random")
        user = body.get("user")
        self.assertIsInstance(user, dict, body)
        for field in ("id", "username", "name", "role"):
            self.assertIn(field, user)
        self.assertEqual(user["id"], 1)
        self.assertEqual(user["username"], "admin")
        self.assertEqual(user["role"], "admin")
        self.assertIsInstance(user["name"], str)
        self.assertNotIn("pbkdf2", r.text())
        self.assertNotIn("password", json.dumps(user))

        cookies = r.headers.get_all("Set-Cookie") or []
        session = [c for c in cookies if c.strip().startswith("sd_session=")]
        self.assertEqual(len(session), 1, cookies)
        parts = [p.strip() for p in session[0].split(";")]
        value = parts[0][len("sd_session="):]
        self.assertTrue(value, session[0])
        attrs = [p.lower() for p in parts[1:]]
        self.assertIn("httponly", attrs, session[0])
        self.assertIn("samesite=strict", attrs, session[0])
        # The cookie is a working session.
        self.assertEqual(await upgrade_status(self.server.port, cookie=value), 101)

        # Two logins give two different tokens.
        other = await asyncio.to_thread(self.server.login, "admin")
        self.assertNotEqual(other, body["token"])

    async def test_wrong_password_and_unknown_user_are_401(self):
        srv = self.server
        for username, password in (("admin", "wrong-password"), ("nobody", "whatever-pw"),
                                   ("admin", "")):
            r = await asyncio.to_thread(srv.login_response, username, password)
            self.assertEqual(r.status, 401, (username, r))
            self.assertEqual(error_of(r)["code"], "bad_credentials", r)
            self.assertNotIn("Set-Cookie", r.headers)
            self.assertNotIn("token", r.json())

    async def test_malformed_login_body_is_400(self):
        srv = self.server
        bodies = [b"not json", b"{\"username\":\"admin\"", b"[]", b"{}",
                  json.dumps({"username": "admin"}).encode(),
                  json.dumps({"password": srv.admin_password}).encode(),
                  json.dumps({"username": 1, "password": srv.admin_password}).encode(),
                  json.dumps({"username": "admin", "password": 12345678}).encode()]
        for body in bodies:
            r = await asyncio.to_thread(srv.http, "POST", "/api/login", body)
            self.assertEqual(r.status, 400, (body, r))
            self.assertEqual(error_of(r)["code"], "bad_request", (body, r))

    async def test_repeated_failures_block_the_username(self):
        srv = self.server
        admin = await asyncio.to_thread(srv.login, "admin")
        ws = await self.connect(admin, label="admin")
        await self.create_user(ws, "victim", "sale", password="victim-password")
        await self.create_user(ws, "bystander", "sale", password="bystander-password")

        statuses = []
        for _ in range(5):
            r = await asyncio.to_thread(srv.login_response, "victim", "not-the-password")
            statuses.append(r.status)
        self.assertEqual(statuses, [401] * 5, "the first 5 failures are plain 401s")

        r = await asyncio.to_thread(srv.login_response, "victim", "not-the-password")
        self.assertEqual(r.status, 429, r)
        self.assertEqual(error_of(r)["code"], "rate_limited", r)
        # While blocked, even the right password is refused.
        r = await asyncio.to_thread(srv.login_response, "victim", "victim-password")
        self.assertEqual(r.status, 429, r)
        self.assertNotIn("token", r.json())
        # Also when the username is spelled in another case.
        r = await asyncio.to_thread(srv.login_response, "VICTIM", "victim-password")
        self.assertIn(r.status, (401, 429), r)
        self.assertNotEqual(r.status, 200, r)
        # Other users of the same address are not blocked.
        r = await asyncio.to_thread(srv.login_response, "bystander", "bystander-password")
        self.assertEqual(r.status, 200, r)

    async def test_logout_ends_the_session(self):
        srv = self.server
        token = await asyncio.to_thread(srv.login, "admin")
        keep = await asyncio.to_thread(srv.login, "admin")
        self.assertEqual(await upgrade_status(srv.port, token=token), 101)
        ws = await self.connect(token, label="to-end")
        await ws.call("me")

        r = await asyncio.to_thread(srv.logout, token=token)
        self.assertEqual(r.status, 200, r)
        # The token no longer opens a WebSocket, neither as a bearer nor as a cookie.
        self.assertEqual(await upgrade_status(srv.port, token=token), 401)
        self.assertEqual(await upgrade_status(srv.port, cookie=token), 401)
        # The connection that was open on it ends too.
        self.assertTrue(await ws.wait_closed(5), "the socket of a logged-out session stays open")
        # The other session of the same user is untouched.
        self.assertEqual(await upgrade_status(srv.port, token=keep), 101)

        # Logout by cookie works the same way.
        r = await asyncio.to_thread(srv.logout, cookie=keep)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(await upgrade_status(srv.port, token=keep), 401)

    async def test_the_session_route_says_whether_a_token_is_signed_in(self):
        srv = self.server

        def signed_in(headers):
            r = srv.http("GET", "/api/session", None, headers)
            self.assertEqual(r.status, 200, r)
            return r.json()["signed_in"]

        token = await asyncio.to_thread(srv.login, "admin")
        self.assertTrue(await asyncio.to_thread(signed_in, {"Cookie": f"sd_session={token}"}))
        self.assertTrue(await asyncio.to_thread(signed_in, {"Authorization": f"Bearer {token}"}))
        self.assertFalse(await asyncio.to_thread(signed_in, {}))
        self.assertFalse(await asyncio.to_thread(signed_in, {"Cookie": "sd_session=" + "0" * 64}))
        await asyncio.to_thread(srv.logout, token=token)
        self.assertFalse(await asyncio.to_thread(signed_in, {"Cookie": f"sd_session={token}"}))

    async def test_ws_authentication(self):
        srv = self.server
        token = await asyncio.to_thread(srv.login, "admin")
        self.assertEqual(await upgrade_status(srv.port), 401)
        self.assertEqual(await upgrade_status(srv.port, token="0" * 64), 401)
        self.assertEqual(await upgrade_status(srv.port, cookie="0" * 64), 401)
        # The token digest is not a token.
        self.assertEqual(await upgrade_status(srv.port, token=token_digest(token)), 401)

        by_cookie = await self.connect(cookie=token, label="cookie")
        me = await by_cookie.call("me")
        self.assertEqual(me["user"]["username"], "admin")
        by_bearer = await self.connect(token, label="bearer")
        me = await by_bearer.call("me")
        self.assertEqual(me["user"]["username"], "admin")

    async def test_ws_without_session_gets_401_body(self):
        status, headers, body = await asyncio.to_thread(
            raw_http, self.server.port,
            (f"GET /ws HTTP/1.1\r\nHost: {HOST}:{self.server.port}\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.assertEqual(status, 401, (headers, body))
        self.assertNotIn("upgrade: websocket", headers.lower())
        self.assertIsInstance(json.loads(body)["error"]["code"], str)

    async def test_foreign_origin_upgrade_is_403(self):
        srv = self.server
        token = await asyncio.to_thread(srv.login, "admin")
        self.assertEqual(await upgrade_status(srv.port, token=token, origin="http://evil.example"),
                         403)
        self.assertEqual(await upgrade_status(srv.port, cookie=token,
                                              origin="https://evil.example:8443"), 403)
        # The UI's own origin (what a browser sends) is accepted.
        self.assertEqual(await upgrade_status(srv.port, cookie=token,
                                              origin=f"http://{HOST}:{srv.port}"), 101)

    async def test_body_over_1_mib_is_413(self):
        port = self.server.port
        body = b'{"username":"admin","password":"' + b"x" * (1024 * 1024) + b'"}'
        head = (f"POST /api/login HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        status, headers, answer = await asyncio.to_thread(raw_http, port, head, body)
        self.assertEqual(status, 413, (headers, answer[:200]))
        self.assertIsInstance(json.loads(answer)["error"]["code"], str)
        # A body just under the limit is read (and refused for its content, not its size).
        small = b'{"username":"admin","password":"' + b"x" * (1024 * 1024 - 100) + b'"}'
        head = (f"POST /api/login HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(small)}\r\n\r\n").encode()
        status, headers, answer = await asyncio.to_thread(raw_http, port, head, small)
        self.assertIn(status, (401, 429), (headers, answer[:200]))
        # The server still works.
        self.assertIs((await asyncio.to_thread(self.server.healthz))["ok"], True)

    def parse_metrics(self, text):
        """{name: [(labels, value)]}; fails on a line that is not Prometheus text."""
        samples = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)', line)
            self.assertIsNotNone(m, f"not Prometheus text: {line!r}")
            samples.setdefault(m.group(1), []).append((m.group(2) or "", float(m.group(3))))
        return samples

    async def test_metrics(self):
        srv = self.server
        token = await asyncio.to_thread(srv.login, "admin")
        ws = await self.connect(token, label="admin")
        r = await asyncio.to_thread(srv.metrics)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("text/plain"),
                        r.headers.get("Content-Type"))
        before = self.parse_metrics(r.text())
        await ws.call("teams.create", {"name": "Metrics team"})
        text = (await asyncio.to_thread(srv.metrics)).text()
        samples = self.parse_metrics(text)
        for name in ("salesdesk_events_total", "salesdesk_connected_clients"):
            self.assertIn(name, samples, text)
        for name in ("salesdesk_batch_size", "salesdesk_journal_append_seconds"):
            self.assertIn(f"# TYPE {name} histogram", text)
            self.assertIn(f"{name}_bucket", samples, text)
            self.assertIn(f"{name}_count", samples, text)
            self.assertIn(f"{name}_sum", samples, text)
        self.assertIn("# TYPE salesdesk_events_total counter", text)
        self.assertIn("# TYPE salesdesk_connected_clients gauge", text)
        # The open connection is counted; the team's event is counted; appends are timed.
        self.assertEqual(samples["salesdesk_connected_clients"][0][1], 1, text)
        total = lambda s: sum(v for _, v in s.get("salesdesk_events_total", []))
        self.assertGreaterEqual(total(samples), total(before) + 1, text)
        self.assertGreaterEqual(samples["salesdesk_journal_append_seconds_count"][0][1],
                                before["salesdesk_journal_append_seconds_count"][0][1] + 1)

        await ws.close()
        ok = False
        for _ in range(50):
            text = (await asyncio.to_thread(srv.metrics)).text()
            if re.search(r"^salesdesk_connected_clients 0$", text, re.M):
                ok = True
                break
            await asyncio.sleep(0.1)
        self.assertTrue(ok, "salesdesk_connected_clients does not go back to 0:\n" + text)

    async def test_root_serves_html(self):
        r = await asyncio.to_thread(self.server.http, "GET", "/")
        self.assertEqual(r.status, 200)
        self.assertIn("text/html", r.headers.get("Content-Type", ""))
        self.assertRegex(r.text().lower(), r"<!doctype html|<html")
        # The UI's own scripts only, never framed, types never guessed.
        policy = r.headers.get("Content-Security-Policy", "")
        for rule in ("script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
            self.assertIn(rule, policy)
        self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
        for path, kind in (("/js/app.js", "text/javascript"), ("/style.css", "text/css"),
                           ("/i18n/vi.json", "application/json")):
            got = await asyncio.to_thread(self.server.http, "GET", path)
            self.assertEqual(got.status, 200, path)
            self.assertIn(kind, got.headers.get("Content-Type", ""), path)

    async def test_the_test_clock_moves_time_only_on_a_server_started_with_it(self):
        hour_ms = 3_600_000

        def last_session_at(server):
            [*_, last] = [e for e in dump_events(server) if e["type"] == "SessionStarted"]
            return datetime.datetime.fromisoformat(last["at"]).timestamp() * 1000

        # A server started without --test-clock has no such route: its time is the wall clock's.
        plain = Server(test_clock=False)
        self.addCleanup(plain.cleanup)
        await asyncio.to_thread(plain.start)
        r = await asyncio.to_thread(plain.http, "POST", "/test/clock", {"advance_ms": hour_ms})
        self.assertIn(r.status, (404, 405), r)
        await asyncio.to_thread(plain.login, "admin")
        self.assertLess(await asyncio.to_thread(last_session_at, plain),
                        time.time() * 1000 + hour_ms / 2, "the clock moved without the flag")

        # With it, a bad step is refused and moves nothing; a good one moves the next event.
        srv = self.server
        for bad in (-1, "5", 1.5, None, 7 * 24 * hour_ms + 1):
            r = await asyncio.to_thread(srv.http, "POST", "/test/clock", {"advance_ms": bad})
            self.assertEqual(r.status, 400, (bad, r))
            self.assertEqual(error_of(r)["code"], "bad_request", r)
        wall = int(time.time() * 1000)
        moved = await self.advance(hour_ms)
        self.assertGreaterEqual(moved["now"], wall + hour_ms)
        self.assertIsInstance(moved["seq"], int)
        await asyncio.to_thread(srv.login, "admin")
        self.assertGreaterEqual(await asyncio.to_thread(last_session_at, srv), wall + hour_ms)

    async def test_unknown_api_route_is_404_json(self):
        for method, path in (("GET", "/api/nope"), ("POST", "/api/nope"),
                             ("GET", "/api/login/extra")):
            body = b"{}" if method == "POST" else None
            r = await asyncio.to_thread(self.server.http, method, path, body)
            self.assertEqual(r.status, 404, (method, path, r))
            self.assertIn("application/json", r.headers.get("Content-Type", ""))
            err = error_of(r)
            self.assertEqual(err["code"], "not_found", r)


if __name__ == "__main__":
    unittest.main()
