"""Who may see and work on a conversation, as a table (schema/protocol.md "Conversations", "Who
may"; SPEC.md section 4): every visibility mode (`all`, `assigned_only`, `self_assign`) with page
permissions off and on, every role, every kind of conversation (the caller's own, another
sale's, an unassigned one, one on a page the caller may not use), and every operation on a
conversation and the inbox push, against a model of the rules written here once.

The floor: page P1 is granted to lan and to the manager boss, page P2 to nobody (admin sees
every page). lan has c_lan, minh has c_minh, c_free and c_far (on P2) are unassigned."""

import asyncio
import itertools
import unittest

from harness import CommerceCase
from test_inbox import SECRET, message, signed

PW = "visibility-pass-1"
MODES = ["all", "assigned_only", "self_assign"]


def may_use_page(user, page, permissions):
    """Page access: admin always; others as granted when permissions are on."""
    if user == "admin" or not permissions:
        return True
    return page == "P1" and user in ("lan", "boss")


def sees(user, conv, mode, permissions):
    """The model of may_see_conversation."""
    if not may_use_page(user, conv["page"], permissions):
        return False
    if user in ("admin", "boss"):
        return True
    if mode == "assigned_only":
        return conv["assignee"] == user
    if mode == "self_assign":
        return conv["assignee"] in (user, None)
    return True


def works(user, conv, mode, permissions):
    """What a working op answers: ok, or the error code."""
    if not sees(user, conv, mode, permissions):
        return "forbidden"
    if user in ("lan", "minh") and conv["assignee"] not in (user, None):
        return "not_assignee"
    return "ok"


def replies(user, conv, mode, permissions):
    """conversations.send: only the assignee replies as a sale."""
    code = works(user, conv, mode, permissions)
    if code == "ok" and user in ("lan", "minh") and conv["assignee"] != user:
        return "not_assignee"
    return code


def takes(user, conv, mode, permissions):
    """conversations.take: sales only; first wins."""
    if user not in ("lan", "minh"):
        return "forbidden"
    if not sees(user, conv, mode, permissions):
        return "forbidden"
    if conv["assignee"] == user:
        return "ok"
    return "already_assigned" if conv["assignee"] else "ok"


class VisibilityTable(CommerceCase):

    async def floor(self):
        admin = await self.admin()
        pages = {}
        for name in ("P1", "P2"):
            pages[name] = (await admin.call("pages.connect", {
                "channel": "api", "external_id": name, "name": name, "secret": SECRET}))["page"]
        users, ws = {"admin": None}, {"admin": admin}
        for name, role in (("lan", "sale"), ("minh", "sale"), ("boss", "manager")):
            users[name] = (await self.create_user(admin, name, role, password=PW))["id"]
            ws[name] = (await self.login_ws(name, PW))[1]
        await admin.call("pages.set_access", {"page_id": pages["P1"]["id"],
                                              "user_ids": [users["lan"], users["boss"]]})
        await admin.call("pages.set_access", {"page_id": pages["P2"]["id"], "user_ids": []})
        convs = {}
        for name, page, assignee in (("c_lan", "P1", "lan"), ("c_minh", "P1", "minh"),
                                     ("c_free", "P1", None), ("c_far", "P2", None)):
            body = message(name + "-1", user=name, text="chào shop")
            r = await asyncio.to_thread(self.hook, pages[page]["id"], body)
            cid = r.json()["conversation_id"]
            if assignee:
                await admin.call("conversations.assign", {"conversation_id": cid,
                                                          "user_id": users[assignee]})
            convs[name] = {"id": cid, "page": page, "page_id": pages[page]["id"],
                           "assignee": assignee}
        return users, ws, convs

    def hook(self, page_id, body):
        raw, sig = signed(body)
        return self.server.http("POST", f"/webhooks/api/{page_id}", raw, sig)

    async def outcome(self, client, op, args):
        r = await client.request(op, args)
        return "ok" if r.get("ok") else r.get("error", {}).get("code")

    async def test_every_mode_role_and_conversation(self):
        users, ws, convs = await self.floor()
        admin = ws["admin"]
        for client in ws.values():
            await client.call("subscribe", {"topics": ["inbox"]})
        seen_rows = 0
        for mode, permissions in itertools.product(MODES, (False, True)):
            await admin.call("settings.update", {"patch": {"inbox.visibility": mode,
                                                           "inbox.page_permissions": permissions}})
            where = f"{mode}, page permissions {'on' if permissions else 'off'}"
            for user, (name, conv) in itertools.product(ws, convs.items()):
                client, cid = ws[user], conv["id"]
                row = f"{where}: {user} on {name}"
                visible = sees(user, conv, mode, permissions)
                seen_rows += visible
                # Reading: the summary, the messages, the list; and a note.
                want = "ok" if visible else "forbidden"
                for op, args in (("conversations.get", {"conversation_id": cid}),
                                 ("conversations.messages", {"conversation_id": cid}),
                                 ("conversations.viewing", {"conversation_id": cid,
                                                            "viewing": False}),
                                 # a note goes on the customer's card: whoever sees may write
                                 ("conversations.note", {"conversation_id": cid,
                                                         "text": "note"})):
                    self.assertEqual(await self.outcome(client, op, args), want, f"{row}: {op}")
                listed = [c["id"] for c in (await client.call("inbox.query"))["items"]]
                self.assertEqual(cid in listed, visible, f"{row}: inbox.query")
                # Working: marks, tags, closing and reopening (undone when they pass).
                want = works(user, conv, mode, permissions)
                for op, args in (
                        ("conversations.mark", {"conversation_id": cid, "read": True}),
                        ("conversations.tag", {"conversation_id": cid, "add": ["t"]}),
                        ("conversations.tag", {"conversation_id": cid, "remove": ["t"]}),
                        ("conversations.close", {"conversation_id": cid}),
                        ("conversations.reopen", {"conversation_id": cid})):
                    self.assertEqual(await self.outcome(client, op, args), want, f"{row}: {op}")
                # Checked for who may work on it before what they ask for: an allowed call is
                # refused only for its argument (no phone, an unknown product or card).
                for op, args, refusal in (
                        ("conversations.to_lead", {"conversation_id": cid}, "bad_request"),
                        ("orders.create", {"conversation_id": cid,
                                           "items": [{"sku": "NONE", "qty": 1}]}, "bad_request"),
                        ("conversations.link_customer", {"conversation_id": cid,
                                                         "customer_id": 999}, "not_found")):
                    want = works(user, conv, mode, permissions)
                    got = await self.outcome(client, op, args)
                    self.assertEqual(got, refusal if want == "ok" else want, f"{row}: {op}")
                # Assigning (to whom it is already assigned: nothing changes): managers only,
                # to someone who may use the page.
                want = "forbidden" if user in ("lan", "minh") or not visible else "ok"
                if want == "ok" and conv["assignee"] and not may_use_page(
                        conv["assignee"], conv["page"], permissions):
                    want = "bad_request"
                same = users[conv["assignee"]] if conv["assignee"] else None
                got = await self.outcome(client, "conversations.assign",
                                         {"conversation_id": cid, "user_id": same})
                self.assertEqual(got, want, f"{row}: conversations.assign")
                want = replies(user, conv, mode, permissions)
                got = await self.outcome(client, "conversations.send",
                                         {"conversation_id": cid, "text": "Dạ"})
                self.assertEqual(got, want, f"{row}: conversations.send")
                # Taking (an unassigned one is given back by admin at once).
                want = takes(user, conv, mode, permissions)
                got = await self.outcome(client, "conversations.take", {"conversation_id": cid})
                self.assertEqual(got, want, f"{row}: conversations.take")
                if got == "ok" and conv["assignee"] is None:
                    await admin.call("conversations.assign", {"conversation_id": cid,
                                                              "user_id": None})
            await self.check_counts(ws, convs, mode, permissions, where)
            await self.check_pushes(ws, convs, mode, permissions, where)
        self.assertGreater(seen_rows, 20, "the table must hold visible rows too")

    async def check_counts(self, ws, convs, mode, permissions, where):
        for user, client in ws.items():
            counts = await client.call("inbox.counts")
            seen = [c for c in convs.values() if sees(user, c, mode, permissions)]
            self.assertEqual(counts["all"], len(seen), f"{where}: {user}'s inbox.counts")
            self.assertEqual(counts["mine"], sum(c["assignee"] == user for c in seen),
                             f"{where}: {user}'s mine")
            self.assertEqual(counts["unassigned"], sum(c["assignee"] is None for c in seen),
                             f"{where}: {user}'s unassigned")

    async def check_pushes(self, ws, convs, mode, permissions, where):
        """A customer writes in each conversation: the inbox push reaches exactly its seers."""
        for name, conv in convs.items():
            starts = {user: len(client.pushes) for user, client in ws.items()}
            body = message(f"{name}-{mode}-{permissions}", user=name, text="còn hàng không?")
            r = await asyncio.to_thread(self.hook, conv["page_id"], body)
            self.assertEqual(r.status, 200, r)
            for user, client in ws.items():
                await client.fence()
                got = any(p.get("push") == "inbox" and p["type"] == "conversation"
                          and p["data"]["conversation"]["id"] == conv["id"]
                          for p in client.pushes[starts[user]:])
                self.assertEqual(got, sees(user, conv, mode, permissions),
                                 f"{where}: the push of {name} to {user}")


if __name__ == "__main__":
    unittest.main()
