"""Shared helpers for the integration tests: run the real salesdesk binary on 127.0.0.1, talk
HTTP to it (urllib, never through a proxy) and WebSocket (python3-websockets 10.4, asyncio).

Every wait here is bounded, every server started is stopped (SIGTERM, then SIGKILL if it does not
exit) and every temporary directory is removed, also when a test fails or the runner exits.
"""

import asyncio
import atexit
import ctypes
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import websockets
import websockets.exceptions

HOST = "127.0.0.1"
ADMIN_PASSWORD = "admin-secret-pw"
READY_RE = re.compile(r"^salesdesk listening on http://([0-9.]+):(\d+)\s*$")

# The ASan build is about 3x slower; every timeout below is generous and bounded.
START_TIMEOUT_S = float(os.environ.get("SALESDESK_TEST_START_TIMEOUT", "60"))
STOP_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 20.0

# Settings keys of PROTOCOL.md section 4 and their defaults.
SETTINGS_DEFAULTS = {
    "pool.enabled": False,
    "pool.float_after_minutes": 1440,
    "pool.float_all": False,
    "pool.mask_phone": True,
    "pool.allow_reveal": True,
    "pool.reveal_cooldown_s": 30,
    "pool.reveal_ttl_s": 60,
    "pool.batch_size": 50,
    "pool.batch_window_s": 60,
    "pool.daily_claim_limit": 0,
    "pool.max_held_per_sale": 0,
    "pool.reclaim_cooldown_minutes": 0,
    "inbox.page_permissions": False,
    "inbox.visibility": "all",
    "inbox.auto_assign": False,
    "inbox.auto_reassign": False,
    "inbox.max_open_per_agent": 0,
    "inbox.reply_timeout_s": 0,
    "orders.default_source": None,
    "orders.lock_source": False,
    "orders.auto_draft": False,
    "orders.auto_distribute": False,
    "phone.country": "VN",
    # Beyond PROTOCOL.md (schema/protocol.md): the unit's UTC offset, for the local day.
    "unit.utc_offset_minutes": 420,
    "session.idle_minutes": 720,
    "session.lifetime_days": 30,
}


def _find_binary(env_name, candidates):
    path = os.environ.get(env_name)
    if path:
        return path
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(os.path.join(here, "..", ".."))
    for c in candidates:
        p = os.path.join(root, c)
        if os.access(p, os.X_OK):
            return p
    raise AssertionError(f"{env_name} is not set and no built binary was found")


def server_binary():
    return _find_binary("SALESDESK_BIN", ["build/app/salesdesk", "build-integ/app/salesdesk"])


def journal_binary():
    return _find_binary("SALESDESK_JOURNAL_BIN",
                        ["build/tools/salesdesk-journal", "build-integ/tools/salesdesk-journal"])


def token_digest(token):
    """The SHA-256 hex digest of a session token (what the journal keeps instead of the token)."""
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Processes

_live_servers = set()
_live_lock = threading.Lock()


def _kill_leftovers():
    with _live_lock:
        servers = list(_live_servers)
    for s in servers:
        s.cleanup()


atexit.register(_kill_leftovers)


def _die_with_parent():
    # Linux: the server gets SIGKILL if the test process dies without cleaning up. (Strictly,
    # when the *thread* that started it ends: a server started from asyncio.to_thread lives at
    # most as long as the test's event loop, which is how every test here uses it.)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - best effort only
        pass


class ServerError(AssertionError):
    pass


class Server:
    """One salesdesk process over a journal in a temporary directory.

    The directory (and the journal in it) outlives restarts of the process; cleanup() stops the
    process and removes the directory.
    """

    def __init__(self, workdir=None, admin_password=ADMIN_PASSWORD, extra_args=(),
                 test_clock=True):
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="salesdesk-it-")
        self.db = os.path.join(self.dir, "x.db")
        self.admin_password = admin_password
        # --test-clock: advance() moves the server's time forward instead of a test sleeping.
        self.extra_args = list(extra_args) + (["--test-clock"] if test_clock else [])
        self.proc = None
        self.port = None
        self.host = None
        self.stdout_lines = []
        self.tokens = []  # every token handed out by login() in this run, to look for leaks
        self._reader = None
        self._stderr = None
        self._run = 0

    # -- lifecycle --
    def start(self, timeout=START_TIMEOUT_S):
        assert self.proc is None, "already running"
        self._run += 1
        env = dict(os.environ)
        if self.admin_password is None:
            env.pop("SALESDESK_ADMIN_PASSWORD", None)  # the server generates one
        else:
            env["SALESDESK_ADMIN_PASSWORD"] = self.admin_password
        for k in list(env):
            if k.lower() in ("http_proxy", "https_proxy", "all_proxy"):
                del env[k]
        self.stderr_path = os.path.join(self.dir, f"stderr.{self._run}.txt")
        self._stderr = open(self.stderr_path, "wb")
        self.stdout_lines = []
        ready = threading.Event()
        self.proc = subprocess.Popen(
            [server_binary(), "serve", "--db", self.db, "--listen", f"{HOST}:0", *self.extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr, env=env,
            cwd=self.dir, preexec_fn=_die_with_parent)
        with _live_lock:
            _live_servers.add(self)
        proc = self.proc
        lines = self.stdout_lines

        def read_stdout():
            # Keeps draining stdout for the whole life of the process, so it never blocks.
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                lines.append(line)
                m = READY_RE.match(line)
                if m and not ready.is_set():
                    self.host, self.port = m.group(1), int(m.group(2))
                    ready.set()
            ready.set()

        self._reader = threading.Thread(target=read_stdout, daemon=True)
        self._reader.start()
        if not ready.wait(timeout) or self.port is None:
            out = "\n".join(self.stdout_lines)
            self.kill()
            raise ServerError(f"no ready line within {timeout}s; stdout:\n{out}\nstderr:\n"
                              f"{self.stderr_tail()}")
        return self

    def _finish(self):
        if self._reader is not None:
            self._reader.join(5)
            self._reader = None
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        with _live_lock:
            _live_servers.discard(self)
        self.proc = None
        self.port = None

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM; returns the exit code (SIGKILL and ServerError if it does not exit in time)."""
        self.terminate()
        return self.wait(timeout)

    def terminate(self):
        """Sends SIGTERM without waiting (see wait())."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout=STOP_TIMEOUT_S):
        """Waits for a process that was told to stop; returns its exit code (SIGKILL and
        ServerError if it does not exit in time)."""
        if self.proc is None:
            return None
        proc = self.proc
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
            self._finish()
            raise ServerError(f"server did not exit within {timeout}s")
        self._finish()
        return code

    def kill(self):
        """SIGKILL; returns the exit code (-9)."""
        if self.proc is None:
            return None
        proc = self.proc
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        try:
            code = proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            code = None
        self._finish()
        return code

    def restart(self, timeout=STOP_TIMEOUT_S):
        code = self.stop(timeout)
        self.start()
        return code

    def cleanup(self):
        self.kill()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_tail(self, n=4000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except (OSError, AttributeError):
            return ""

    # -- addresses --
    @property
    def base(self):
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{HOST}:{self.port}/ws"

    # -- HTTP --
    def http(self, method, path, body=None, headers=None, timeout=REQUEST_TIMEOUT_S):
        return http_request(self.port, method, path, body, headers, timeout)

    def healthz(self):
        r = self.http("GET", "/healthz")
        if r.status != 200:
            raise ServerError(f"/healthz answered {r.status}: {r.body!r}")
        return r.json()

    def seq(self):
        return self.healthz()["seq"]

    def metrics(self):
        return self.http("GET", "/metrics")

    def advance(self, ms):
        """Moves the server's clock ms milliseconds forward and returns once the timers due by
        then have run and their pushes were handed to the connections (POST /test/clock)."""
        r = self.http("POST", "/test/clock", {"advance_ms": int(ms)})
        if r.status != 200:
            raise ServerError(f"/test/clock answered {r.status}: {r.body!r}")
        return r.json()

    def login_response(self, username, password):
        r = self.http("POST", "/api/login", {"username": username, "password": password})
        if r.status == 200:
            tok = r.json().get("token")
            if isinstance(tok, str):
                self.tokens.append(tok)
        return r

    def login(self, username, password=None):
        """Logs in and returns the token; fails the test on anything but 200."""
        if password is None:
            password = self.admin_password if username == "admin" else None
        r = self.login_response(username, password)
        if r.status != 200:
            raise AssertionError(f"login {username!r} answered {r.status}: {r.body!r}")
        return r.json()["token"]

    def logout(self, token=None, cookie=None):
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if cookie is not None:
            headers["Cookie"] = f"sd_session={cookie}"
        return self.http("POST", "/api/logout", b"", headers)

    # -- journal CLI --
    def journal(self, *args, timeout=60):
        return run_journal(*args, "--db", self.db, timeout=timeout)


class HttpResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # an http.client.HTTPMessage (case-insensitive get/get_all)
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"HttpResponse({self.status}, {self.body[:300]!r})"


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request_body(body, headers=None):
    """A request body as bytes (JSON for a dict or list) and its headers."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    hdrs = {"Content-Type": "application/json"} if body is not None else {}
    hdrs.update(headers or {})
    return body, hdrs


def http_request(port, method, path, body=None, headers=None, timeout=REQUEST_TIMEOUT_S):
    """One HTTP request to 127.0.0.1:port; any status comes back as an HttpResponse."""
    body, hdrs = request_body(body, headers)
    req = urllib.request.Request(f"http://{HOST}:{port}{path}", data=body, headers=hdrs,
                                 method=method)
    try:
        with _opener.open(req, timeout=timeout) as res:
            return HttpResponse(res.status, res.headers, res.read())
    except urllib.error.HTTPError as e:
        try:
            data = e.read()
        except Exception:
            data = b""
        return HttpResponse(e.code, e.headers, data)


def raw_http(port, head, body=b"", timeout=REQUEST_TIMEOUT_S):
    """Sends a raw request head, then (unless the server already answered, as a server refusing
    a too-large Content-Length does) the body; returns (status, headers_text, body_bytes) of the
    answer. Sending may be cut short by the server answering early; that is fine."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        try:
            s.sendall(head)
            answered, _, _ = select.select([s], [], [], 0.5)
            view = memoryview(body)
            while view and not answered:
                n = s.send(view[:65536])
                view = view[n:]
                answered, _, _ = select.select([s], [], [], 0)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0]) if lines and lines[0] else None
    return (int(m.group(1)) if m else None), "\r\n".join(lines[1:]), body


def run_journal(*args, timeout=60):
    """Runs salesdesk-journal; returns a CompletedProcess with text stdout/stderr."""
    return subprocess.run([journal_binary(), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------------------------------------
# WebSocket client

class ConnectionLost(AssertionError):
    pass


def _id_key(value):
    # 1 and "1" are different ids.
    return json.dumps(value, sort_keys=True)


class WsClient:
    """A WebSocket connection that matches responses to requests by id and keeps pushes apart.

    frames: every text frame received, in order (for leak searches).
    pushes: every push object received, in order; push_times the monotonic time of each. A
      batch frame (several pushes of one topic in one frame, schema/protocol.md "Pushes that
      scale") is opened up: each push inside it is listed as if it had come alone.
    batch_frames: every batch frame as received.
    null_id: responses with "id": null, in order.
    """

    def __init__(self, ws, label=""):
        self.ws = ws
        self.label = label
        self.frames = []
        self.pushes = []
        self.push_times = []
        self.batch_frames = []
        self.null_id = []
        self.unmatched = []
        self.response_seqs = []  # seq of every ok response, in arrival order
        self._pending = {}
        self._next = 0
        self._changed = asyncio.Condition()
        self.closed = asyncio.Event()
        self.close_code = None
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(cls, port, token=None, cookie=None, origin=None, headers=None,
                      label="", timeout=REQUEST_TIMEOUT_S, max_size=16 * 1024 * 1024):
        hdrs = []
        if token is not None:
            hdrs.append(("Authorization", f"Bearer {token}"))
        if cookie is not None:
            hdrs.append(("Cookie", f"sd_session={cookie}"))
        hdrs.extend((headers or {}).items())
        ws = await websockets.connect(f"ws://{HOST}:{port}/ws", extra_headers=hdrs, origin=origin,
                                      max_size=max_size, open_timeout=timeout, close_timeout=5,
                                      ping_interval=None)
        return cls(ws, label)

    async def _read(self):
        try:
            async for msg in self.ws:
                text = msg if isinstance(msg, str) else msg.decode("utf-8", "replace")
                self.frames.append(text)
                try:
                    obj = json.loads(text)
                except ValueError:
                    self.unmatched.append(text)
                    continue
                if not isinstance(obj, dict):
                    self.unmatched.append(obj)
                elif "push" in obj:
                    inner = unbatched(obj)
                    if inner is not None:
                        self.batch_frames.append(obj)
                    for p in inner if inner is not None else [obj]:
                        self.pushes.append(p)
                        self.push_times.append(time.monotonic())
                elif "id" in obj:
                    if obj.get("ok") is True and "seq" in obj:
                        self.response_seqs.append(obj["seq"])
                    if obj["id"] is None:
                        self.null_id.append(obj)
                    else:
                        fut = self._pending.pop(_id_key(obj["id"]), None)
                        if fut is not None and not fut.done():
                            fut.set_result(obj)
                        else:
                            self.unmatched.append(obj)
                else:
                    self.unmatched.append(obj)
                async with self._changed:
                    self._changed.notify_all()
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionLost(f"{self.label}: connection closed "
                                                     f"(code {self.close_code})"))
                    fut.exception()  # awaiting it still raises; no "never retrieved" noise
            self._pending.clear()
            try:
                async with self._changed:
                    self._changed.notify_all()
            except RuntimeError:
                pass

    def new_id(self):
        self._next += 1
        return f"{self.label or 'c'}-{self._next}"

    async def send_request(self, op, args=None, key=None, id=None, extra=None):
        """Sends a request without waiting; returns (id, future of the response frame)."""
        if id is None:
            id = self.new_id()
        frame = {"id": id, "op": op}
        if args is not None:
            frame["args"] = args
        if key is not None:
            frame["key"] = key
        if extra:
            frame.update(extra)
        fut = asyncio.get_running_loop().create_future()
        if self.closed.is_set():
            fut.set_exception(ConnectionLost(f"{self.label}: connection is closed"))
            return id, fut
        self._pending[_id_key(id)] = fut
        try:
            await self.ws.send(json.dumps(frame))
        except websockets.exceptions.ConnectionClosed as e:
            self._pending.pop(_id_key(id), None)
            if not fut.done():
                fut.set_exception(ConnectionLost(f"{self.label}: send failed: {e}"))
        return id, fut

    async def request(self, op, args=None, key=None, id=None, timeout=REQUEST_TIMEOUT_S,
                      extra=None):
        """Sends a request and returns the whole response frame."""
        _, fut = await self.send_request(op, args, key, id, extra)
        return await asyncio.wait_for(fut, timeout)

    async def call(self, op, args=None, key=None, timeout=REQUEST_TIMEOUT_S):
        """Sends a request that must succeed; returns its result."""
        r = await self.request(op, args, key, timeout=timeout)
        if r.get("ok") is not True:
            raise AssertionError(f"{op} {args!r} failed: {r!r}")
        return r["result"]

    async def error(self, op, args=None, key=None, timeout=REQUEST_TIMEOUT_S):
        """Sends a request that must fail; returns its error object."""
        r = await self.request(op, args, key, timeout=timeout)
        if r.get("ok") is not False or not isinstance(r.get("error"), dict):
            raise AssertionError(f"{op} {args!r} should have failed: {r!r}")
        return r["error"]

    async def fence(self):
        """Returns once every push of every batch committed before this call has reached this
        connection: the server writes a reply after the pushes of earlier batches (schema/
        protocol.md "Pushes that scale"). A test that saw no push by then will see none."""
        await self.call("me")

    async def send_text(self, text):
        await self.ws.send(text)

    async def wait_for(self, predicate, timeout):
        """Waits until predicate() is true (re-checked on every frame and on close)."""
        async def wait():
            async with self._changed:
                await self._changed.wait_for(predicate)
        try:
            await asyncio.wait_for(wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def wait_push(self, match, timeout, start=0):
        """The first push from index start on for which match(push) is true, or None."""
        found = []

        def check():
            for p in self.pushes[start:]:
                if match(p):
                    found.append(p)
                    return True
            return False

        await self.wait_for(check, timeout)
        return found[0] if found else None

    async def wait_null_id(self, count, timeout=REQUEST_TIMEOUT_S):
        await self.wait_for(lambda: len(self.null_id) >= count or self.closed.is_set(), timeout)
        return self.null_id[count - 1] if len(self.null_id) >= count else None

    async def wait_closed(self, timeout):
        """True if the connection is closed within timeout."""
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def close(self):
        if not self.closed.is_set():
            try:
                await asyncio.wait_for(self.ws.close(), 10)
            except (asyncio.TimeoutError, websockets.exceptions.WebSocketException, OSError):
                pass
        if not self._reader.done():
            try:
                await asyncio.wait_for(self._reader, 5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._reader.cancel()
        if not self.ws.closed:
            self.ws.transport.abort()


async def upgrade_status(port, token=None, cookie=None, origin=None, headers=None):
    """Tries a WebSocket upgrade: 101 if it was accepted (the connection is closed again), else
    the HTTP status the server refused it with."""
    try:
        client = await WsClient.connect(port, token=token, cookie=cookie, origin=origin,
                                        headers=headers)
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code
    await client.close()
    return 101


# ---------------------------------------------------------------------------------------------
# Test case base

class ServerTestCase(unittest.IsolatedAsyncioTestCase):
    """Starts a fresh server for every test (per_test = True) or one per class (False).

    Clients opened through self.connect() are closed after the test, and every frame they got
    is checked for leaked secrets (password hashes, token digests) and for a seq that went
    backwards on one connection.
    """

    per_test = True
    server = None
    server_args = ()  # extra flags of `salesdesk serve` for this class's servers

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.per_test:
            cls.server = Server(extra_args=cls.server_args)
            try:
                cls.server.start()
            except BaseException:
                cls.server.cleanup()
                raise

    @classmethod
    def tearDownClass(cls):
        if not cls.per_test and cls.server is not None:
            srv = cls.server
            cls.server = None
            try:
                code = srv.stop()
            finally:
                srv.cleanup()
            if code != 0:
                raise AssertionError(f"server exited with {code} on SIGTERM\n{srv.stderr_tail()}")
        super().tearDownClass()

    def setUp(self):
        self.clients = []
        if self.per_test:
            self.server = Server(extra_args=self.server_args)
            self.addCleanup(self.server.cleanup)
            self.server.start()

    async def asyncTearDown(self):
        for c in self.clients:
            await c.close()
        self.check_frames()
        if self.per_test and self.server.running():
            srv = self.server
            code = srv.stop()
            self.assertEqual(code, 0, f"server exit code on SIGTERM\n{srv.stderr_tail()}")

    async def connect(self, token=None, label=None, **kw):
        client = await WsClient.connect(self.server.port, token=token,
                                        label=label or f"ws{len(self.clients) + 1}", **kw)
        self.clients.append(client)
        return client

    async def login_ws(self, username, password=None, label=None):
        token = await asyncio.to_thread(self.server.login, username, password)
        return token, await self.connect(token, label=label or username)

    def check_frames(self):
        digests = [token_digest(t) for t in self.server.tokens] if self.server else []
        for c in self.clients:
            for f in c.frames:
                low = f.lower()
                self.assertNotIn("pbkdf2", low, f"a password hash was sent to {c.label}: {f[:500]}")
                for d in digests:
                    self.assertNotIn(d, low, f"a token digest was sent to {c.label}: {f[:500]}")
            seqs = c.response_seqs
            for a, b in zip(seqs, seqs[1:]):
                self.assertLessEqual(a, b, f"seq went backwards on {c.label}: {seqs}")

    # -- helpers for tests --
    async def seq(self):
        return await asyncio.to_thread(self.server.seq)

    async def advance(self, ms):
        """The server's time moves ms forward; returns once its timers have run (a fence)."""
        return await asyncio.to_thread(self.server.advance, ms)

    async def close_and_wait(self, client, timeout=10):
        """Closes client and returns once the server has let the connection go (its count of
        connected clients fell): what the connection's end sets off is queued by then, before
        any later request."""
        def connected():
            return metric_value(self.server, "salesdesk_connected_clients")
        before = await asyncio.to_thread(connected)
        await client.close()
        gone = await wait_until(lambda: asyncio.to_thread(lambda: connected() < before), timeout)
        assert gone, f"the server still counts {client.label}'s connection after {timeout} s"

    async def create_user(self, admin, username, role, password=None, name=None, **extra):
        args = {"username": username, "password": password or f"{username}-password",
                "name": name or username.title(), "role": role}
        args.update(extra)
        return (await admin.call("users.create", args))["user"]


def create_users(server, specs):
    """Creates users from plain (synchronous) code, e.g. setUpClass: specs is a list of
    (username, role, password); returns {username: user object}."""
    async def run():
        token = server.login("admin")
        admin = await WsClient.connect(server.port, token=token, label="setup")
        try:
            out = {}
            for username, role, password in specs:
                r = await admin.call("users.create", {"username": username, "password": password,
                                                      "name": username.title(), "role": role})
                out[username] = r["user"]
            return out
        finally:
            await admin.close()
    return asyncio.run(run())


def find_value(obj, key):
    """Every value stored under key anywhere in a JSON object."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                out.append(v)
            out.extend(find_value(v, key))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(find_value(v, key))
    return out


# ---------------------------------------------------------------------------------------------
# Helpers added for the leads and pool tests (issue 4); generic, usable by any test.

def unbatched(frame):
    """The pushes inside a batch frame, each as {"push","type","data","seq"}; None for a push
    that is not a batch frame."""
    if frame.get("type") != "batch":
        return None
    return [{"push": frame["push"], **p} for p in frame["data"]["pushes"]]


def metric_value(server, name):
    """The value of a metric without labels on the server's /metrics (fails if it is absent)."""
    r = server.metrics()
    if r.status != 200:
        raise AssertionError(f"/metrics from 127.0.0.1 answered {r.status}: {r.body[:300]!r}")
    m = re.search(rf"^{re.escape(name)}(?:\{{[^}}]*\}})? (\S+)$", r.text(), re.M)
    if m is None:
        raise AssertionError(f"/metrics has no {name}")
    return float(m.group(1))


async def wait_until(check, timeout, interval=0.05):
    """Polls the async callable check() until it returns something truthy (returned) or timeout
    seconds pass (returns the last value, falsy)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(interval)


class Receiver:
    """A custom integration's callback on 127.0.0.1: answers each POST with the next status of
    `script` (the last one repeats) and keeps what it got."""

    def __init__(self, script):
        self.script = list(script)
        self.got = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.changed:
                    status = receiver.script[min(len(receiver.got), len(receiver.script) - 1)]
                    receiver.got.append((dict(self.headers), body))
                    receiver.changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/salesdesk/hook?shop=1"

    def close(self):
        self.http.shutdown()
        self.http.server_close()


def dump_events(server, *args):
    """`salesdesk-journal dump` of the server's journal, parsed: one dict per event."""
    out = server.journal("dump", *args)
    if out.returncode != 0:
        raise AssertionError(f"salesdesk-journal dump failed: {out.stderr}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def login_all(server, creds):
    """Logs in every (username, password) of creds from plain code; returns {username: token}."""
    return {username: server.login(username, password) for username, password in creds}


class RejectionChecks:
    """A mixin for ServerTestCase: a rejected command must answer the expected code, name what
    it should in its message, and change nothing (the journal head may only move by events of
    the server's own timers, actor 0)."""

    async def rejected(self, ws, op, args, code, *needles):
        before = await self.seq()
        err = await ws.error(op, args)
        self.assertEqual(err.get("code"), code, f"{op} {args!r} as {ws.label} answered {err!r}")
        message = err.get("message", "")
        self.assertIsInstance(message, str, err)
        for needle in needles:
            self.assertIn(needle.lower(), message.lower(),
                          f"{op} {args!r}: the error message does not name {needle!r}: {err!r}")
        await self.assert_nothing_appended(before, f"the rejected {op} {args!r} as {ws.label}")
        return err

    async def assert_nothing_appended(self, before, what):
        after = await self.seq()
        if after == before:
            return
        events = await asyncio.to_thread(dump_events, self.server, "--from", str(before + 1))
        by_users = [e for e in events if e.get("actor") != 0]
        self.assertEqual(by_users, [], f"{what} appended events (head {before} -> {after})")


# The base of the commerce suites (test_catalog, test_customers, test_orders).
class CommerceCase(RejectionChecks, ServerTestCase):
    """A fresh server per test, and the check every rejected command must pass (RejectionChecks):
    the error code, the words its message must name, and a journal head that did not move."""

    per_test = True

    async def admin(self):
        return (await self.login_ws("admin", label="admin"))[1]

    async def dump(self, *args):
        out = await asyncio.to_thread(self.server.journal, "dump", *args)
        self.assertEqual(out.returncode, 0, out.stderr)
        return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


class SharedServer:
    """One server, its users and their tokens for every test of a module (setUpModule starts
    it, tearDownModule stops it and fails if it did not exit cleanly)."""

    def __init__(self):
        self.server = self.users = self.tokens = None

    def start(self, specs):
        """specs: [(username, role, password)]; admin is logged in too."""
        server = Server()
        try:
            server.start()
            users = create_users(server, specs)
            tokens = login_all(server, [("admin", ADMIN_PASSWORD)] + [(u, p) for u, _, p in specs])
        except BaseException:
            server.cleanup()
            raise
        self.server, self.users, self.tokens = server, users, tokens

    def stop(self):
        server, self.server = self.server, None
        if server is None:
            return
        try:
            code = server.stop()
        finally:
            server.cleanup()
        if code != 0:
            raise AssertionError(f"server exited with {code} on SIGTERM\n{server.stderr_tail()}")

