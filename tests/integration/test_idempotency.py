"""Idempotency keys (PROTOCOL.md section 3): a command sent again with a key it was already
applied with returns the first result and appends nothing, also after a restart; keys belong to
the user who sent them."""

import asyncio
import unittest

from harness import ServerTestCase


class IdempotencyTest(ServerTestCase):
    per_test = True

    async def assert_replayed(self, ws, op, args, key, first, what=""):
        """Sends op/args/key again: the same result as first, and the head does not move."""
        before = await self.seq()
        r = await ws.request(op, args, key=key)
        self.assertIs(r["ok"], True, (what, r))
        self.assertEqual(r["result"], first, f"{what}: a repeated key gave another result")
        self.assertEqual(await self.seq(), before, f"{what}: a repeated key appended events")
        return r

    async def keyed_once(self, ws, op, args, key):
        """Sends a keyed command that must append; returns its result."""
        before = await self.seq()
        r = await ws.request(op, args, key=key)
        self.assertIs(r["ok"], True, r)
        self.assertGreater(await self.seq(), before, f"{op} appended nothing")
        self.assertGreaterEqual(r["seq"], before + 1)
        return r["result"]

    async def test_presence_set(self):
        _, sale_admin = await self.login_ws("admin")
        await self.create_user(sale_admin, "sale1", "sale", password="sale1-password")
        _, sale = await self.login_ws("sale1", "sale1-password")
        args = {"status": "away"}
        first = await self.keyed_once(sale, "presence.set", args, "presence-1")
        await self.assert_replayed(sale, "presence.set", args, "presence-1", first, "same request")
        # Change presence without a key, then replay the key: still the first result, and the
        # presence is not set back to away.
        await sale.call("presence.set", {"status": "online"})
        await self.assert_replayed(sale, "presence.set", args, "presence-1", first,
                                   "after another change")
        self.assertEqual((await sale.call("me"))["user"]["presence"], "online")

    async def test_users_create(self):
        _, admin = await self.login_ws("admin")
        args = {"username": "keyed", "password": "keyed-password", "name": "Keyed",
                "role": "sale"}
        first = await self.keyed_once(admin, "users.create", args, "create-1")
        self.assertEqual(first["user"]["username"], "keyed")
        await self.assert_replayed(admin, "users.create", args, "create-1", first)
        names = [u["username"] for u in (await admin.call("users.list"))["items"]]
        self.assertEqual(names.count("keyed"), 1, names)
        # Without the key, the same request is a new command: a duplicate.
        err = await admin.error("users.create", args)
        self.assertEqual(err["code"], "conflict")
        # The password of the first (and only) application works.
        r = await asyncio.to_thread(self.server.login_response, "keyed", "keyed-password")
        self.assertEqual(r.status, 200, r)

    async def test_users_update(self):
        _, admin = await self.login_ws("admin")
        user = await self.create_user(admin, "target", "sale", password="target-password")
        args = {"user_id": user["id"], "name": "First name"}
        first = await self.keyed_once(admin, "users.update", args, "update-1")
        self.assertEqual(first["user"]["name"], "First name")
        await self.assert_replayed(admin, "users.update", args, "update-1", first)
        await admin.call("users.update", {"user_id": user["id"], "name": "Second name"})
        await self.assert_replayed(admin, "users.update", args, "update-1", first,
                                   "after another change")
        users = {u["id"]: u for u in (await admin.call("users.list"))["items"]}
        self.assertEqual(users[user["id"]]["name"], "Second name",
                         "a replayed key applied the update again")
        # A password change is an event every time it is applied: keyed, it is applied once.
        pw_args = {"user_id": user["id"], "password": "target-password-2"}
        first = await self.keyed_once(admin, "users.update", pw_args, "update-pw")
        await self.assert_replayed(admin, "users.update", pw_args, "update-pw", first)
        r = await asyncio.to_thread(self.server.login_response, "target", "target-password-2")
        self.assertEqual(r.status, 200, r)

    async def test_teams_create(self):
        _, admin = await self.login_ws("admin")
        args = {"name": "Keyed team"}
        first = await self.keyed_once(admin, "teams.create", args, "team-1")
        self.assertEqual(first["team"]["name"], "Keyed team")
        await self.assert_replayed(admin, "teams.create", args, "team-1", first)
        # Two copies in flight at once (one batch): one team, the same result twice.
        before = await self.seq()
        futs = [await admin.send_request("teams.create", {"name": "Twin team"}, key="team-2")
                for _ in range(2)]
        answers = [await asyncio.wait_for(f, 20) for _, f in futs]
        for a in answers:
            self.assertIs(a["ok"], True, a)
        self.assertEqual(answers[0]["result"], answers[1]["result"])
        self.assertEqual(await self.seq(), before + 1)
        teams = [t["name"] for t in (await admin.call("teams.list"))["items"]]
        self.assertEqual(teams, ["Keyed team", "Twin team"])
        err = await admin.error("teams.create", args)
        self.assertEqual(err["code"], "conflict", "team names are unique; keyless repeat")

    async def test_settings_update(self):
        _, admin = await self.login_ws("admin")
        args = {"patch": {"pool.batch_size": 10, "pool.enabled": True}}
        first = await self.keyed_once(admin, "settings.update", args, "settings-1")
        self.assertEqual(first["settings"]["pool.batch_size"], 10)
        await self.assert_replayed(admin, "settings.update", args, "settings-1", first)
        await admin.call("settings.update", {"patch": {"pool.batch_size": 20}})
        await self.assert_replayed(admin, "settings.update", args, "settings-1", first,
                                   "after another change")
        settings = (await admin.call("settings.get"))["settings"]
        self.assertEqual(settings["pool.batch_size"], 20, "a replayed key applied the patch again")

    async def do_all_keyed(self):
        """One keyed command of each kind; returns [(ws, op, args, key, result)]."""
        token, admin = await self.login_ws("admin")
        sale_user = await self.create_user(admin, "sale1", "sale", password="sale1-password")
        sale_token, sale = await self.login_ws("sale1", "sale1-password")
        done = []
        for ws, op, args, key in (
                (sale, "presence.set", {"status": "away"}, "k-presence"),
                (admin, "users.create", {"username": "made", "password": "made-password",
                                         "name": "Made", "role": "manager"}, "k-create"),
                (admin, "users.update", {"user_id": sale_user["id"], "name": "Renamed"},
                 "k-update"),
                (admin, "teams.create", {"name": "Restart team"}, "k-team"),
                (admin, "settings.update", {"patch": {"pool.reveal_ttl_s": 90}}, "k-settings")):
            done.append((ws.label, op, args, key, await self.keyed_once(ws, op, args, key)))
        await admin.close()
        await sale.close()
        return done

    async def replay_all_after_restart(self, done):
        tokens = {"admin": await asyncio.to_thread(self.server.login, "admin"),
                  "sale1": await asyncio.to_thread(self.server.login, "sale1", "sale1-password")}
        conns = {name: await self.connect(tok, label=f"{name}-after") for name, tok in tokens.items()}
        state_before = [await conns["admin"].call(q) for q in ("users.list", "teams.list",
                                                              "settings.get")]
        head = await self.seq()
        for label, op, args, key, first in done:
            r = await conns[label].request(op, args, key=key)
            self.assertIs(r["ok"], True, (op, r))
            self.assertEqual(r["result"], first, f"{op}: after a restart the key gave another "
                                                 f"result")
        self.assertEqual(await self.seq(), head, "keys replayed after a restart appended events")
        state_after = [await conns["admin"].call(q) for q in ("users.list", "teams.list",
                                                             "settings.get")]
        self.assertEqual(state_after, state_before)

    async def test_keys_survive_a_sigterm_restart(self):
        done = await self.do_all_keyed()
        code = await asyncio.to_thread(self.server.restart)
        self.assertEqual(code, 0, self.server.stderr_tail())
        await self.replay_all_after_restart(done)

    async def test_keys_survive_a_sigkill_restart(self):
        done = await self.do_all_keyed()
        await asyncio.to_thread(self.server.kill)
        await asyncio.to_thread(self.server.start)
        await self.replay_all_after_restart(done)

    async def test_the_same_key_from_another_user_is_independent(self):
        _, admin = await self.login_ws("admin")
        ids = {}
        for name, role in (("admin2", "admin"), ("sale1", "sale"), ("sale2", "sale")):
            ids[name] = (await self.create_user(admin, name, role,
                                                password=f"{name}-password"))["id"]
        _, admin2 = await self.login_ws("admin2", "admin2-password")
        _, sale1 = await self.login_ws("sale1", "sale1-password")
        _, sale2 = await self.login_ws("sale2", "sale2-password")

        pairs = [
            (admin, admin2, "teams.create", {"name": "Team A"}, {"name": "Team B"}),
            (admin, admin2, "settings.update", {"patch": {"pool.batch_size": 11}},
             {"patch": {"pool.batch_size": 22}}),
            (sale1, sale2, "presence.set", {"status": "away"}, {"status": "away"}),
            (admin, admin2, "users.create",
             {"username": "by-admin", "password": "by-admin-pw", "name": "A", "role": "sale"},
             {"username": "by-admin2", "password": "by-admin2-pw", "name": "B", "role": "sale"}),
            (admin, admin2, "users.update", {"user_id": ids["sale1"], "name": "Renamed by 1"},
             {"user_id": ids["sale2"], "name": "Renamed by 2"}),
        ]
        for first_ws, second_ws, op, first_args, second_args in pairs:
            key = "shared-key"  # the very same key for everyone and every op
            await self.keyed_once(first_ws, op, first_args, key=f"{key}-{op}")
            second = await self.keyed_once(second_ws, op, second_args, key=f"{key}-{op}")
            if op == "teams.create":
                self.assertEqual(second["team"]["name"], "Team B")
            if op == "settings.update":
                self.assertEqual(second["settings"]["pool.batch_size"], 22)
            if op == "users.create":
                self.assertEqual(second["user"]["username"], "by-admin2")
            if op == "users.update":
                self.assertEqual(second["user"]["name"], "Renamed by 2")

        users = {u["username"]: u for u in (await admin.call("users.list"))["items"]}
        self.assertEqual(users["sale1"]["presence"], "away")
        self.assertEqual(users["sale2"]["presence"], "away")
        self.assertIn("by-admin", users)
        self.assertIn("by-admin2", users)
        self.assertEqual(users["sale1"]["name"], "Renamed by 1")
        self.assertEqual(users["sale2"]["name"], "Renamed by 2")
        teams = [t["name"] for t in (await admin.call("teams.list"))["items"]]
        self.assertEqual(teams, ["Team A", "Team B"])
        self.assertEqual((await admin.call("settings.get"))["settings"]["pool.batch_size"], 22)


if __name__ == "__main__":
    unittest.main()
