"""schema/protocol.json agrees with the running server (PROTOCOL.md: "keep the two in agreement
with a test"): one scenario calls every operation listed under "ops" successfully, as a user of
a role the schema allows, with args that validate against the op's "args" schema, and validates
every result against its "result" schema and every push received against "pushes"[topic][type];
every documented push type is produced; roles the schema leaves out are forbidden; queries
append nothing; every listed op is known to the server and an unlisted one is unknown_op."""

import asyncio
import hashlib
import hmac
import json
import os
import re
import unittest

import jsonschema

from harness import Receiver, ServerTestCase

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schema",
                           "protocol.json")
with open(SCHEMA_PATH, encoding="utf-8") as f:
    ROOT = json.load(f)
OPS = ROOT["ops"]
PUSHES = ROOT["pushes"]

PW = {"manager1": "manager-one-password", "sale1": "sale-one-password",
      "sale2": "sale-two-password"}


def validator(schema):
    """A Draft 2020-12 validator for one schema of protocol.json, resolving "#/$defs/..."."""
    return jsonschema.Draft202012Validator({"$defs": ROOT["$defs"], **schema})


def errors_of(schema, instance):
    errs = sorted(validator(schema).iter_errors(instance), key=lambda e: list(e.path))
    return [f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errs[:5]]


class SchemaTest(ServerTestCase):
    per_test = True

    def test_the_schema_file_is_valid(self):
        for name, op in OPS.items():
            self.assertIn(op.get("kind"), ("query", "command", "session"), name)
            self.assertTrue(set(op.get("roles", [])) <= {"admin", "manager", "sale"}, name)
            self.assertTrue(op.get("roles"), name)
            for part in ("args", "result"):
                self.assertIn(part, op, f"{name} has no {part} schema")
                jsonschema.Draft202012Validator.check_schema(op[part])
                validator(op[part])  # the $refs resolve when used below
        for topic, types in PUSHES.items():
            for type_, schema in types.items():
                jsonschema.Draft202012Validator.check_schema(schema)

    async def asyncSetUp(self):
        self.called = {}  # op -> number of successful, validated calls
        self.roles = {}   # ws label -> role

    async def call(self, ws, op, args=None, key=None):
        """Calls op (it must be in protocol.json and succeed), checks its args and result
        against the schema, and that a query appended nothing."""
        self.assertIn(op, OPS, f"{op} is not in protocol.json")
        spec = OPS[op]
        self.assertIn(self.roles[ws.label], spec["roles"],
                      f"the scenario calls {op} as a {self.roles[ws.label]}")
        sent = {} if args is None else args
        self.assertEqual(errors_of(spec["args"], sent), [],
                         f"the scenario's args for {op} do not match protocol.json: {sent!r}")
        before = await self.seq()
        r = await ws.request(op, args, key=key)
        self.assertIs(r.get("ok"), True, f"{op} {sent!r} as {ws.label} failed: {r!r}")
        self.assertIsInstance(r.get("seq"), int, r)
        self.assertEqual(errors_of(spec["result"], r["result"]), [],
                         f"the result of {op} does not match protocol.json: {r['result']!r}")
        if spec["kind"] == "query":
            after = await self.seq()
            self.assertEqual(after, before, f"the query {op} appended events")
        self.called[op] = self.called.get(op, 0) + 1
        self.last_args = sent
        return r["result"]

    async def delivered(self, ws, message_id):
        """Waits until the callback took the reply: the outbox's MessageDelivered is journaled
        then, not during a later query."""
        push = await ws.wait_push(lambda p: p.get("type") == "message_status"
                                  and p["data"]["message_id"] == message_id
                                  and p["data"]["delivery"] == "delivered", 10)
        self.assertIsNotNone(push, f"reply {message_id} was not delivered")

    async def user(self, username):
        _, ws = await self.login_ws(username, PW.get(username), label=username)
        self.roles[username] = "admin" if username == "admin" else \
            "manager" if username.startswith("manager") else "sale"
        return ws

    async def test_every_op_and_push_agrees_with_the_schema(self):
        admin = await self.user("admin")
        self.roles["admin"] = "admin"
        call = self.call

        # ---- session, users, teams, settings ----
        await call(admin, "me")
        await call(admin, "subscribe", {"topics": ["me", "orders"]})
        team = (await call(admin, "teams.create", {"name": "Online sales"}))["team"]
        await call(admin, "users.create", {"username": "manager1", "password": PW["manager1"],
                                           "name": "Manager One", "role": "manager"})
        s1 = (await call(admin, "users.create", {
            "username": "sale1", "password": PW["sale1"], "name": "Sale One", "role": "sale",
            "team_ids": [team["id"]]}))["user"]
        s2 = (await call(admin, "users.create", {
            "username": "sale2", "password": PW["sale2"], "name": "Sale Two",
            "role": "sale"}))["user"]
        manager = await self.user("manager1")
        sale = await self.user("sale1")
        sale2 = await self.user("sale2")
        await call(manager, "subscribe", {"topics": ["reports"]})
        for ws in (manager, sale, sale2):
            await call(ws, "subscribe", {"topics": ["me", "orders"]})
            await call(ws, "me")
            await call(ws, "teams.list")
            await call(ws, "settings.get")
            await call(ws, "statuses.list")
        await call(manager, "users.list")
        await call(admin, "users.list")
        await call(sale, "users.names")
        await call(admin, "users.update", {"user_id": s1["id"], "name": "Lan"})
        await call(sale, "presence.set", {"status": "away"})
        await call(sale, "presence.set", {"status": "online"})
        await call(admin, "settings.update", {"patch": {"pool.batch_size": 20,
                                                        "phone.country": "VN"}})
        await call(sale2, "unsubscribe", {"topics": ["me"]})
        await call(sale2, "subscribe", {"topics": ["me"]})

        # ---- catalog ----
        await call(admin, "statuses.upsert", {"code": "vip", "name": "VIP", "floats": False})
        await call(admin, "products.upsert", {"sku": "SOAP", "name": "Soap", "price": 20100})
        await call(admin, "products.upsert", {"sku": "TEA", "name": "Tea", "price": 45000})
        await call(admin, "combos.upsert", {"code": "GIFT", "name": "Gift box", "price": 99000,
                                            "items": [{"sku": "SOAP", "qty": 2},
                                                      {"sku": "TEA", "qty": 1}]})
        await call(admin, "sources.upsert", {"code": "fb", "name": "Facebook",
                                             "channel": "facebook"})
        await call(admin, "warehouses.upsert", {"code": "HN", "name": "Hà Nội"})
        for ws in (admin, manager, sale):
            await call(ws, "products.list")
            await call(ws, "combos.list")
            await call(ws, "sources.list")
            await call(ws, "warehouses.list")
            await call(ws, "statuses.list")

        # ---- customers ----
        c = (await call(sale, "customers.create", {"name": "Nguyễn Thị Hoa",
                                                   "phones": ["+84 912 345 678"],
                                                   "address": "Hà Nội"}))["customer"]
        await call(admin, "customers.create", {"name": "Walk-in"})
        await call(sale, "customers.update", {"customer_id": c["id"], "nicknames": ["hoa.shop"],
                                              "address": "12 Hàng Bạc"})
        await call(admin, "customers.update", {"customer_id": c["id"],
                                               "responsible_id": s1["id"]})
        await call(sale, "customers.note", {"customer_id": c["id"], "text": "Gọi sau 5 giờ"})
        for ws in (sale, manager):
            await call(ws, "customers.search", {"q": "nguyen hoa"})
            await call(ws, "customers.search", {"q": "0912"})
            await call(ws, "customers.search", {"q": "@hoa"})

        # ---- orders ----
        o1 = (await call(sale, "orders.create", {
            "customer_id": c["id"], "source": "fb", "warehouse": "HN", "note": "Sáng",
            "items": [{"sku": "SOAP", "qty": 1, "discount_pct": 12.5},
                      {"sku": "TEA", "qty": 2, "discount_amount": 5000}],
            "combos": [{"code": "GIFT", "qty": 1}]}, key="schema-order-1"))["order"]
        await call(sale, "orders.create", {
            "customer_id": c["id"], "source": "fb", "warehouse": "HN", "note": "Sáng",
            "items": [{"sku": "SOAP", "qty": 1, "discount_pct": 12.5},
                      {"sku": "TEA", "qty": 2, "discount_amount": 5000}],
            "combos": [{"code": "GIFT", "qty": 1}]}, key="schema-order-1")
        o2 = (await call(manager, "orders.create", {
            "phone": "0987.654.321", "name": "Lê Nam", "address": "Huế", "status": "draft",
            "items": [{"sku": "TEA", "qty": 1}]}))["order"]
        await call(sale, "orders.set_status", {"order_id": o1["id"], "status": "confirmed"})
        await call(manager, "orders.update", {
            "order_id": o2["id"], "phone": "0987654321", "name": "Lê Văn Nam", "address": "Huế",
            "items": [{"sku": "TEA", "qty": 2, "discount_pct": 10}],
            "combos": [{"code": "GIFT", "qty": 1, "discount_amount": 1000}],
            "source": "fb", "warehouse": "HN", "note": "Giao chiều"})
        await call(manager, "orders.set_status", {"order_id": o2["id"], "status": "new"})
        for ws in (sale, manager, admin):
            await call(ws, "orders.get", {"order_id": o1["id"]})
            await call(ws, "orders.list")
            await call(ws, "orders.list", {"filters": {"status": "confirmed", "source": "fb",
                                                       "customer_id": c["id"],
                                                       "created_by": s1["id"],
                                                       "phone": "0912345678",
                                                       "from": o1["created_at"]},
                                           "limit": 1})
            await call(ws, "orders.history", {"phone": "0912345678"})
            await call(ws, "orders.history", {"customer_id": c["id"]})
            await call(ws, "orders.by_phone", {"phone": "+84 987 654 321"})
            await call(ws, "customers.get", {"customer_id": c["id"]})
        page = await call(admin, "orders.list", {"limit": 1})
        await call(admin, "orders.list", {"limit": 1, "cursor": page["next_cursor"]})

        # ---- distribution and system messages ----
        await call(admin, "settings.update", {"patch": {"orders.auto_distribute": True}})
        given = (await call(admin, "orders.create", {"phone": "0912345678",
                                                     "items": [{"sku": "TEA", "qty": 1}]}))
        self.assertIsNotNone(given["order"]["assignee_id"])
        for ws in (sale, sale2):
            await call(ws, "presence.set", {"status": "away"})
        await call(admin, "orders.create", {"phone": "0912345678",
                                            "items": [{"sku": "TEA", "qty": 1}]})
        msgs = await call(admin, "system_messages.list")
        self.assertEqual(len(msgs["items"]), 1, msgs)
        await call(admin, "me")
        await call(admin, "system_messages.clear")
        await call(admin, "system_messages.list")
        await call(admin, "system_messages.clear")

        # ---- leads and the pool (issue 4) ----
        for ws in (admin, manager, sale, sale2):
            await call(ws, "subscribe", {"topics": ["pool"]})
        await call(admin, "settings.update", {"patch": {"pool.enabled": True,
                                                        "pool.float_all": True,
                                                        "pool.reveal_cooldown_s": 0}})
        l1, l2, l3 = (await call(manager, "leads.import", {"leads": [
            {"phone": "0912 345 678", "name": "Nguyễn Thị Hoa", "source": "fb",
             "product": "SOAP", "status": "new", "owner_id": s1["id"]},
            {"phone": "0987654321", "name": "Lê Nam"},
            {"phone": "0911222333", "status": "call_back", "owner_id": s2["id"]},
        ]}))["ids"]
        staged = await call(admin, "leads.import", {"leads": [{"phone": "0933444555"}],
                                                     "batch": {"id": "schema-batch"}})
        self.assertEqual(staged, {"staged": True})
        done = await call(admin, "leads.import", {"leads": [{"phone": "0933444556",
                                                            "status": "call_back"}],
                                                  "batch": {"id": "schema-batch",
                                                            "final": True}})
        self.assertEqual(len(done["ids"]), 2, done)
        # 0933444555 ("new") floats too; wait (outside call(), which wants queries to append
        # nothing) until the floating leads are in the pool.
        async def floated():
            page = await admin.call("leads.list", {"in_pool": True})
            return len(page["items"]) == 3
        deadline = asyncio.get_running_loop().time() + 3
        while not await floated():
            self.assertLess(asyncio.get_running_loop().time(), deadline, "leads did not float")
            await asyncio.sleep(0.05)
        entered_at = (await admin.call("leads.get", {"lead_id": l1}))["lead"]["entered_pool_at"]
        await call(manager, "leads.list")
        await call(admin, "leads.list", {"in_pool": True, "status": "new", "limit": 2})
        await call(manager, "leads.list", {"owner_id": s1["id"], "cursor": "0", "limit": 1000})
        await call(sale, "leads.mine")
        await call(sale2, "leads.mine")
        await call(manager, "leads.get", {"lead_id": l1})
        await call(sale, "leads.get", {"lead_id": l1})
        await call(admin, "leads.get", {"lead_id": l3})
        await call(admin, "leads.log_call", {"lead_id": l3, "direction": "out", "duration_s": 30,
                                             "outcome": "answered", "note": "hẹn gọi lại"})
        for ws in (sale2, manager, admin):
            await call(ws, "pool.query")
        await call(sale2, "pool.query", {"filters": {
            "source": "fb", "product": "SOAP", "status": "new", "q": "nguyen hoa",
            "entered_from": entered_at, "entered_to": entered_at}})
        await call(sale2, "orders.history", {"lead_id": l1})
        await call(sale2, "orders.by_phone", {"lead_id": l1})
        await call(sale2, "pool.reveal", {"lead_id": l2})
        await call(sale2, "pool.views", {"lead_id": l2})
        await call(sale, "pool.views", {"lead_id": l2})
        await call(sale2, "pool.hide", {"lead_id": l2})
        await call(sale2, "pool.claim", {"lead_id": l1})
        # A manager's note on a pooled lead changes its row; a status that does not float
        # takes it out of the pool.
        await call(manager, "leads.note", {"lead_id": l2, "text": "Khách hỏi giá"})
        await call(manager, "leads.update", {"lead_id": l2, "status": "call_back"})
        # Out of the floating statuses, so nothing floats back while queries run.
        await call(sale2, "leads.update", {"lead_id": l1, "status": "call_back",
                                           "note": "Gọi lại sau"})
        await call(sale2, "leads.note", {"lead_id": l1, "text": "Khách bận"})
        await call(manager, "leads.update", {"lead_id": l3, "status": "call_back",
                                             "note": "Manager"})
        await call(manager, "leads.assign", {"lead_id": l3, "owner_id": s1["id"]})
        await call(admin, "leads.assign", {"lead_id": l3, "owner_id": None})
        await call(admin, "settings.update", {"patch": {"pool.enabled": False}})
        await admin.wait_push(lambda p: p.get("type") == "drained", 3)
        # A float of more than 100 leads at once is one pool/refill push.
        await call(manager, "leads.import", {"leads": [
            {"phone": f"0939{n:06d}", "status": "call_back"} for n in range(120)]})
        await call(admin, "statuses.upsert", {"code": "call_back", "name": "Call back",
                                              "floats": True})
        await call(admin, "settings.update", {"patch": {"pool.enabled": True}})
        await admin.wait_push(lambda p: p.get("type") == "refill", 3)

        # ---- pages and merged-page views (issue 10) ----
        for ws in (admin, sale):
            await call(ws, "subscribe", {"topics": ["inbox"]})
        await call(admin, "settings.update", {"patch": {"inbox.page_permissions": True}})
        # The page's callback is on 127.0.0.1 and takes every reply at once.
        receiver = Receiver([200])
        self.addCleanup(receiver.close)
        shop = (await call(admin, "pages.connect", {
            "channel": "api", "external_id": "shop-api", "name": "Shop API",
            "secret": "signing-key", "token": "t", "callback_url": receiver.url}))
        shop_id = shop["page"]["id"]
        zalo_id = (await call(admin, "pages.connect", {
            "channel": "zalo", "external_id": "oa-1", "name": "Zalo OA",
            "secret": "oa-secret"}))["page"]["id"]
        await call(admin, "pages.update", {"page_id": shop_id, "name": "Shop", "token": ""})
        await call(admin, "pages.set_access", {"page_id": shop_id, "user_ids": [s1["id"]],
                                               "team_ids": [team["id"]]})
        await call(admin, "pages.set_access", {"page_id": zalo_id, "user_ids": []})
        for ws in (admin, manager, sale):
            await call(ws, "pages.list")
        await call(sale, "inbox.views.save", {"name": "Mine", "page_ids": [shop_id]})
        await call(sale, "inbox.views.list")
        await call(sale, "inbox.views.delete", {"name": "Mine"})
        await call(admin, "pages.disconnect", {"page_id": zalo_id})

        # ---- conversations: a delivery of the API channel, then the working ops ----
        body = json.dumps({"event": "message", "message_id": "m-1",
                           "customer": {"id": "psid-1", "name": "Hoa"},
                           "text": "Chào shop, sdt 0912345678",
                           "attachments": [{"type": "image", "url": "https://cdn.example/a.jpg",
                                            "name": "a.jpg"}]}).encode()
        mac = hmac.new(b"signing-key", body, hashlib.sha256).hexdigest()
        r = await asyncio.to_thread(self.server.http, "POST", f"/webhooks/api/{shop_id}", body,
                                    {"X-Salesdesk-Signature": "sha256=" + mac})
        self.assertEqual(r.status, 200, r)
        cid = r.json()["conversation_id"]
        await call(sale, "subscribe", {"topics": [f"conversation:{cid}"]})
        for ws in (admin, manager, sale):
            await call(ws, "inbox.query")
            await call(ws, "inbox.counts")
        for ws in (admin, manager):
            await call(ws, "inbox.rotation")
        await call(sale, "inbox.query", {"filters": {"page_ids": [shop_id], "status": "open",
                                                     "unread": True, "q": "Hoa"},
                                         "sort": "waiting", "limit": 10})
        await call(sale, "conversations.get", {"conversation_id": cid})
        await call(sale, "conversations.take", {"conversation_id": cid})
        sent = await call(sale, "conversations.send", {
            "conversation_id": cid, "text": "Dạ shop chào chị",
            "attachments": [{"type": "file", "url": "https://cdn.example/price.pdf",
                             "name": "price.pdf", "size": 1200}]})
        await self.delivered(sale, sent["message"]["id"])
        await call(sale, "conversations.messages", {"conversation_id": cid, "limit": 1})
        await call(sale, "conversations.mark", {"conversation_id": cid, "read": False})
        await call(sale, "conversations.close", {"conversation_id": cid})
        await call(sale, "conversations.reopen", {"conversation_id": cid})
        await call(sale, "conversations.tag", {"conversation_id": cid, "add": ["VIP", "hỏi giá"],
                                               "remove": ["nothing"]})
        await call(sale, "tags.list")
        await call(sale, "conversations.viewing", {"conversation_id": cid, "viewing": True})
        await call(admin, "subscribe", {"topics": ["inbox", f"conversation:{cid}"]})
        await call(manager, "quick_replies.create", {"code": "Ship", "text": "Phí ship 30k ạ",
                                                     "tag": "hỏi ship"})
        await call(sale, "quick_replies.list")
        sent = await call(sale, "conversations.send", {"conversation_id": cid,
                                                       "quick_reply": "ship"})
        await self.delivered(sale, sent["message"]["id"])
        await call(sale, "conversations.note", {"conversation_id": cid, "text": "khách quen"})
        card = await call(sale, "customers.create", {"name": "Hoa Trần",
                                                     "phones": ["0977000111"]})
        await call(sale, "conversations.link_customer", {"conversation_id": cid,
                                                         "customer_id": card["customer"]["id"]})
        made = await call(sale, "conversations.to_lead", {"conversation_id": cid})
        # Out of the floating statuses (this unit floats everything at once), so the timer
        # appends nothing later.
        await call(sale, "leads.update", {"lead_id": made["lead"]["id"], "status": "vip"})
        await call(sale, "leads.history", {"lead_id": made["lead"]["id"]})
        await call(sale, "orders.create", {"conversation_id": cid,
                                           "items": [{"sku": "TEA", "qty": 1}]})
        await call(sale, "conversations.unlink_customer", {"conversation_id": cid})
        await call(admin, "quick_replies.delete", {"code": "ship"})
        await call(admin, "settings.update", {"patch": {"inbox.visibility": "assigned_only"}})
        await call(admin, "conversations.assign", {"conversation_id": cid, "user_id": None})
        await call(admin, "settings.update", {"patch": {"inbox.visibility": "all"}})

        await call(manager, "reports.summary")
        await call(admin, "reports.summary", {"from": "2026-01-01T00:00:00.000Z",
                                              "to": "2026-12-31T00:00:00.000Z"})

        # Let the last pushes arrive.
        await admin.wait_push(lambda p: p.get("type") == "system_messages_cleared", 3)
        for ws in self.clients:
            if not ws.closed.is_set():
                await ws.fence()

        # ---- roles the schema leaves out are forbidden ----
        by_role = {"admin": admin, "manager": manager, "sale": sale}
        samples = {
            "users.create": {"username": "x-user", "password": "x-user-password",
                             "name": "X", "role": "sale"},
            "users.update": {"user_id": s2["id"], "name": "Renamed"},
            "users.list": {},
            "teams.create": {"name": "Team X"},
            "settings.update": {"patch": {"pool.batch_size": 30}},
            "statuses.upsert": {"code": "vip2", "name": "VIP2", "floats": False},
            "products.upsert": {"sku": "X", "name": "X", "price": 1},
            "combos.upsert": {"code": "X", "name": "X", "price": 1,
                              "items": [{"sku": "TEA", "qty": 1}]},
            "sources.upsert": {"code": "X", "name": "X", "channel": "web"},
            "warehouses.upsert": {"code": "X", "name": "X"},
            "system_messages.list": {},
            "system_messages.clear": {},
            "leads.import": {"leads": [{"phone": "0912000111"}]},
            "leads.mine": {},
            "leads.list": {},
            "leads.assign": {"lead_id": l3, "owner_id": None},
            "pool.claim": {"lead_id": l2},
            "pool.reveal": {"lead_id": l2},
            "pages.connect": {"channel": "api", "external_id": "x", "name": "X",
                              "secret": "k"},
            "pages.update": {"page_id": shop_id, "name": "Mine"},
            "pages.disconnect": {"page_id": shop_id},
            "pages.set_access": {"page_id": shop_id, "user_ids": []},
            "conversations.take": {"conversation_id": cid},
            "conversations.assign": {"conversation_id": cid, "user_id": None},
            "quick_replies.create": {"code": "x", "text": "x"},
            "quick_replies.delete": {"code": "x"},
            "reports.summary": {},
            "inbox.rotation": {},
        }
        for op, spec in OPS.items():
            for role, ws in by_role.items():
                if role in spec["roles"]:
                    continue
                self.assertIn(op, samples, f"no sample args to check that {role} may not {op}")
                before = await self.seq()
                r = await ws.request(op, samples[op])
                self.assertEqual(r.get("error", {}).get("code"), "forbidden",
                                 f"{op} as {role}, which protocol.json does not allow: {r!r}")
                # Timers and the outbox may append system events meanwhile; nothing may be
                # journaled as the refused caller.
                after = await self.seq()
                if after != before:
                    appended = await self.dump("--from", str(before + 1), "--to", str(after))
                    self.assertEqual([e for e in appended if e["actor"] != 0], [],
                                     f"the forbidden {op} appended")

        # ---- every op was called, every push is documented and valid ----
        self.assertEqual(sorted(set(OPS) - set(self.called)), [],
                         "ops of protocol.json the scenario did not call")
        seen = set()
        for ws in self.clients:
            for p in ws.batch_frames:  # the pushes inside are checked one by one below
                self.assertEqual(set(p), {"push", "type", "data", "seq"}, p)
                family = re.sub(r":[0-9]+$", ":{id}", p["push"])
                self.assertEqual(errors_of(PUSHES[family]["batch"], p["data"]), [],
                                 f"batch frame does not match protocol.json: {p}")
                self.assertEqual(p["seq"], p["data"]["pushes"][-1]["seq"], p)
                seen.add((p["push"], "batch"))
            for p in ws.pushes:
                # A family of topics is documented once: conversation:{id}.
                topic = re.sub(r":[0-9]+$", ":{id}", p.get("push", ""))
                type_ = p.get("type")
                self.assertIn(topic, PUSHES, f"push topic {topic!r} is not in protocol.json: {p}")
                self.assertIn(type_, PUSHES[topic],
                              f"push {topic}/{type_} is not in protocol.json: {p}")
                self.assertEqual(set(p), {"push", "type", "data", "seq"}, p)
                self.assertIsInstance(p["seq"], int, p)
                self.assertEqual(errors_of(PUSHES[topic][type_], p["data"]), [],
                                 f"push {topic}/{type_} does not match protocol.json: {p}")
                seen.add((topic, type_))
        documented = {(t, k) for t, types in PUSHES.items() for k in types}
        self.assertEqual(sorted(documented - seen), [],
                         "documented push types the scenario never received")

    async def test_every_listed_op_is_known_and_others_are_not(self):
        _, admin = await self.login_ws("admin", label="admin")
        for op in OPS:
            r = await admin.request(op, {})
            if r.get("ok") is False:
                self.assertNotEqual(r["error"].get("code"), "unknown_op",
                                    f"{op} is in protocol.json but the server does not know it")
        for op in ("nope.nope", "orders.delete", "customers.remove", "Orders.create",
                   "orders.create ", "system_messages"):
            r = await admin.request(op, {})
            self.assertIs(r.get("ok"), False, r)
            self.assertEqual(r["error"].get("code"), "unknown_op", (op, r))
            self.assertNotIn(op, OPS)


if __name__ == "__main__":
    unittest.main()
