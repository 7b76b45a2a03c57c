"""The outbox of the generic API channel over the real server (PROTOCOL.md section 6,
schema/protocol.md "The outbox"): a reply on a page with a callback_url is POSTed to it signed,
retried with backoff until a 2xx, and recorded delivered; a lasting refusal, or attempts run
out, is recorded failed with a system message; what waits survives a restart."""

import asyncio
import hashlib
import hmac
import json
import unittest

from harness import CommerceCase, Receiver

SECRET = "crm-signing-key-42"


class OutboxTest(CommerceCase):
    server_args = ("--outbox-attempts", "4", "--outbox-backoff-ms", "20")

    async def floor(self, script):
        receiver = Receiver(script)
        self.addCleanup(receiver.close)
        admin = await self.admin()
        page = (await admin.call("pages.connect", {
            "channel": "api", "external_id": "crm", "name": "CRM shop", "secret": SECRET,
            "callback_url": receiver.url}))["page"]
        raw = json.dumps({"event": "message", "message_id": "m1",
                          "customer": {"id": "crm-77", "name": "Hoa"}, "text": "giá?"}).encode()
        mac = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        r = await asyncio.to_thread(self.server.http, "POST", f"/webhooks/api/{page['id']}", raw,
                                    {"X-Salesdesk-Signature": "sha256=" + mac})
        cid = r.json()["conversation_id"]
        await admin.call("subscribe", {"topics": [f"conversation:{cid}"]})
        return admin, cid, receiver

    async def wait_for_event(self, kind, deadline=10):
        """The first event of that type in the journal, waited for with a deadline."""
        end = asyncio.get_running_loop().time() + deadline
        while True:
            found = [e for e in await self.dump("--type", kind)]
            if found:
                return found[0]
            self.assertLess(asyncio.get_running_loop().time(), end, f"no {kind} in time")
            await asyncio.sleep(0.05)

    async def test_a_reply_is_delivered_signed_after_retries(self):
        admin, cid, receiver = await self.floor([500, 503, 200])
        start = len(admin.pushes)
        sent = await admin.call("conversations.send", {"conversation_id": cid,
                                                       "text": "Dạ 120k ạ"})
        mid = sent["message"]["id"]
        pushed = await admin.wait_push(lambda p: p.get("type") == "message_status"
                                       and p["data"]["delivery"] == "delivered", 10, start)
        self.assertEqual(pushed["data"]["message_id"], mid)
        delivered = await self.wait_for_event("MessageDelivered")
        self.assertEqual(delivered["payload"]["attempts"], 3)
        self.assertEqual(len(receiver.got), 3)
        headers, body = receiver.got[-1]
        mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.assertEqual(headers.get("X-Salesdesk-Signature"), "sha256=" + mac)
        got = json.loads(body)
        self.assertEqual((got["event"], got["message_id"], got["conversation_id"], got["text"]),
                         ("outgoing", mid, cid, "Dạ 120k ạ"))
        page = await admin.call("conversations.messages", {"conversation_id": cid})
        self.assertEqual(page["items"][0]["delivery"], "delivered")
        self.assertIsNone(page["items"][1]["delivery"])  # the customer's own message

    async def test_every_reply_is_delivered_not_only_the_first(self):
        # Each reply is committed after the outbox has read the journal for the one before.
        admin, cid, receiver = await self.floor([200])
        texts = ["Dạ chị ơi", "Giá 120k ạ", "Ship 30k ạ"]
        for text in texts:
            start = len(admin.pushes)
            mid = (await admin.call("conversations.send", {"conversation_id": cid,
                                                           "text": text}))["message"]["id"]
            pushed = await admin.wait_push(lambda p: p.get("type") == "message_status"
                                           and p["data"]["message_id"] == mid
                                           and p["data"]["delivery"] != "pending", 10, start)
            self.assertEqual(pushed["data"]["delivery"], "delivered", pushed)
        self.assertEqual([json.loads(body)["text"] for _, body in receiver.got], texts)
        self.assertEqual(await self.dump("--type", "MessageFailed"), [])

    async def test_a_lasting_refusal_fails_at_once_and_tells_admin(self):
        admin, cid, receiver = await self.floor([401])
        await admin.call("conversations.send", {"conversation_id": cid, "text": "Dạ"})
        failed = await self.wait_for_event("MessageFailed")
        self.assertEqual((failed["payload"]["attempts"], failed["payload"]["reason"]),
                         (1, "HTTP 401"))
        messages = await admin.call("system_messages.list")
        self.assertTrue(any("HTTP 401" in m["text"] and "CRM shop" in m["text"]
                            for m in messages["items"]), messages)
        # Its code and values, for the web UI to say it in the admin's language.
        told = [m for m in messages["items"] if m["code"] == "reply_not_delivered"]
        self.assertEqual(len(told), 1, messages)
        self.assertEqual(told[0]["params"], {"conversation": str(cid), "page": "CRM shop",
                                             "attempts": "1", "reason": "HTTP 401"})
        page = await admin.call("conversations.messages", {"conversation_id": cid})
        self.assertEqual(page["items"][0]["delivery"], "failed")

    async def test_attempts_run_out(self):
        admin, cid, receiver = await self.floor([503])
        await admin.call("conversations.send", {"conversation_id": cid, "text": "Dạ"})
        failed = await self.wait_for_event("MessageFailed")
        self.assertEqual((failed["payload"]["attempts"], failed["payload"]["reason"]),
                         (4, "HTTP 503"))
        self.assertEqual(len(receiver.got), 4)


class OutboxRestartTest(OutboxTest):
    # Long enough a wait that the server stops before the second attempt.
    server_args = ("--outbox-attempts", "4", "--outbox-backoff-ms", "60000")

    async def test_what_waits_survives_a_restart(self):
        admin, cid, receiver = await self.floor([503])
        sent = await admin.call("conversations.send", {"conversation_id": cid, "text": "Dạ"})
        with receiver.changed:
            self.assertTrue(receiver.changed.wait_for(lambda: len(receiver.got) >= 1, timeout=10))
        receiver.script = [503, 200]
        await asyncio.to_thread(self.server.restart)
        # Resumed at once after the start, not after the minute the first run would have waited.
        delivered = await self.wait_for_event("MessageDelivered", deadline=15)
        self.assertEqual(delivered["payload"]["message_id"], sent["message"]["id"])
        self.assertEqual(len(receiver.got), 2)
        self.assertEqual(json.loads(receiver.got[1][1])["message_id"], sent["message"]["id"])
        self.assertEqual(await self.dump("--type", "MessageFailed"), [])

    # The other cases belong to the class above.
    test_a_reply_is_delivered_signed_after_retries = None
    test_a_lasting_refusal_fails_at_once_and_tells_admin = None
    test_attempts_run_out = None
    test_every_reply_is_delivered_not_only_the_first = None


if __name__ == "__main__":
    unittest.main()
