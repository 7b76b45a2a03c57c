"""Files over the real server (PROTOCOL.md section 2, schema/protocol.md "Files"): an upload
is authorised before its body is read, its type is found from its bytes, it is stored once under
its SHA-256 beside the journal and journaled as the uploader's; it is served to logged-in users
only, with its type and name; a message may attach a stored file and no other."""

import asyncio
import hashlib
import hmac
import json
import socket
import unittest
from pathlib import Path

from harness import HOST, CommerceCase

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + "Bảng giá tháng 12".encode() + b"\n%%EOF"


class FilesTest(CommerceCase):

    def upload(self, token, body, name=None, headers=None):
        path = "/api/files" + (f"?name={name}" if name is not None else "")
        hdrs = {"Content-Type": "application/octet-stream"}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        hdrs.update(headers or {})
        return self.server.http("POST", path, body, hdrs)

    def headers_only(self, head):
        """Sends request headers that announce a body, sends no body, returns the status line."""
        with socket.create_connection((HOST, self.server.port), timeout=10) as s:
            s.sendall(head.encode())
            return s.recv(4096).decode("latin-1").split("\r\n")[0]

    async def token(self, name="lan", role="sale"):
        admin = await self.admin()
        await self.create_user(admin, name, role, password=f"{name}-password-1")
        return await asyncio.to_thread(self.server.login, name, f"{name}-password-1")

    async def test_upload_then_serve_to_logged_in_users(self):
        token = await self.token()
        before = await self.seq()
        r = await asyncio.to_thread(self.upload, token, PNG, "%E1%BA%A2nh%20m%E1%BA%ABu.jpg")
        self.assertEqual(r.status, 200, r)
        f = r.json()["file"]
        sha = hashlib.sha256(PNG).hexdigest()
        # The bytes say PNG whatever the name says.
        self.assertEqual(f, {"sha256": sha, "name": "Ảnh mẫu.jpg", "type": "image/png",
                             "kind": "image", "size": len(PNG), "url": f"/files/{sha}"})
        events = await self.dump("--from", str(before + 1))
        self.assertEqual([e["type"] for e in events], ["FileStored"])
        self.assertEqual(events[0]["payload"]["sha256"], sha)

        # Multipart, as a browser's form sends it; the same bytes are kept once.
        boundary = "----sd7MA4YWxkTrZu0gW"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"báo giá.pdf\"\r\nContent-Type: image/png\r\n\r\n").encode() \
            + PDF + f"\r\n--{boundary}--\r\n".encode()
        r = await asyncio.to_thread(self.upload, token, body, None, {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.assertEqual(r.status, 200, r)
        pdf = r.json()["file"]
        self.assertEqual((pdf["name"], pdf["type"], pdf["size"]),
                         ("báo giá.pdf", "application/pdf", len(PDF)))
        stored = sorted(p.name for p in (self.server_files_dir()).iterdir())
        self.assertEqual(stored, sorted([sha, pdf["sha256"]]))

        got = await asyncio.to_thread(self.server.http, "GET", f"/files/{pdf['sha256']}", None,
                                      {"Authorization": f"Bearer {token}"})
        self.assertEqual(got.status, 200)
        self.assertEqual(got.body, PDF)
        self.assertEqual(got.headers.get("Content-Type"), "application/pdf")
        self.assertEqual(got.headers.get("X-Content-Type-Options"), "nosniff")
        self.assertIn("filename*=UTF-8''b%C3%A1o%20gi%C3%A1.pdf",
                      got.headers.get("Content-Disposition"))
        nobody = await asyncio.to_thread(self.server.http, "GET", f"/files/{sha}")
        self.assertEqual(nobody.status, 401)
        self.assertNotIn(b"PNG", nobody.body)
        for path in (f"/files/{'0' * 64}", "/files/../salesdesk.db", f"/files/{sha.upper()}"):
            r = await asyncio.to_thread(self.server.http, "GET", path, None,
                                        {"Authorization": f"Bearer {token}"})
            self.assertEqual(r.status, 404, path)

        # After a restart the file is still known and served.
        await asyncio.to_thread(self.server.restart)
        token = await asyncio.to_thread(self.server.login, "lan", "lan-password-1")
        again = await asyncio.to_thread(self.server.http, "GET", f"/files/{sha}", None,
                                        {"Authorization": f"Bearer {token}"})
        self.assertEqual((again.status, again.body), (200, PNG))

    def server_files_dir(self):
        return Path(str(self.server.db) + ".files")

    async def test_refused_uploads_store_and_journal_nothing(self):
        token = await self.token()
        before = await self.seq()
        cases = [
            ("no session", self.upload(None, PNG, "a.png"), 401),
            ("a forged token", self.upload("not-a-token", PNG, "a.png"), 401),
            ("no name", self.upload(token, PNG), 400),
            ("empty", self.upload(token, b"", "a.png"), 400),
            ("multipart without a file", self.upload(token, b"--b\r\n\r\nx\r\n--b--\r\n", None,
                                                     {"Content-Type":
                                                      "multipart/form-data; boundary=b"}), 400),
            ("another site's page", self.upload(token, PNG, "a.png",
                                                {"Origin": "http://evil.example"}), 403),
        ]
        for what, r, status in cases:
            self.assertEqual(r.status, status, f"{what}: {r!r}")
            self.assertIn("error", r.json(), what)
        self.assertEqual(await self.seq(), before)
        self.assertFalse(self.server_files_dir().exists() and
                         any(self.server_files_dir().iterdir()))
        # Over 25 MiB, or without a session, the answer comes before any of the body is sent.
        big = (f"POST /api/files?name=big.bin HTTP/1.1\r\nHost: {HOST}\r\n"
               f"Authorization: Bearer {token}\r\nContent-Length: {25 * 1024 * 1024 + 70000}"
               "\r\n\r\n")
        self.assertIn("413", await asyncio.to_thread(self.headers_only, big))
        stranger = (f"POST /api/files?name=a.bin HTTP/1.1\r\nHost: {HOST}\r\n"
                    "Content-Length: 20000000\r\n\r\n")
        self.assertIn("401", await asyncio.to_thread(self.headers_only, stranger))
        # Other routes keep their 1 MiB limit.
        login = (f"POST /api/login HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 2000000\r\n\r\n")
        self.assertIn("413", await asyncio.to_thread(self.headers_only, login))
        self.assertEqual(await self.seq(), before)

    async def test_a_message_attaches_only_stored_files(self):
        admin = await self.admin()
        page = (await admin.call("pages.connect", {"channel": "api", "external_id": "shop",
                                                   "name": "Shop", "secret": "k"}))["page"]
        raw = json.dumps({"event": "message", "message_id": "m1",
                          "customer": {"id": "u1", "name": "Hoa"}, "text": "ảnh?"}).encode()
        mac = hmac.new(b"k", raw, hashlib.sha256).hexdigest()
        r = await asyncio.to_thread(self.server.http, "POST", f"/webhooks/api/{page['id']}",
                                    raw, {"X-Salesdesk-Signature": "sha256=" + mac})
        cid = r.json()["conversation_id"]
        token = await asyncio.to_thread(self.server.login, "admin")
        f = (await asyncio.to_thread(self.upload, token, PNG, "mau.png")).json()["file"]
        sent = await admin.call("conversations.send", {
            "conversation_id": cid,
            "attachments": [{"type": f["kind"], "url": f["url"], "name": f["name"],
                             "size": f["size"]}]})
        self.assertEqual(sent["message"]["attachments"][0]["url"], f["url"])
        await self.rejected(admin, "conversations.send", {
            "conversation_id": cid,
            "attachments": [{"type": "image", "url": "/files/" + "e" * 64, "name": "x.png"}]},
            "bad_request", "no stored file")


if __name__ == "__main__":
    unittest.main()
