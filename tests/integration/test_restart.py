"""Durability (PROTOCOL.md section 1 and 3, SPEC.md section 7): state and sessions survive a
SIGTERM restart; a SIGKILL in the middle of a stream of commands loses none that was
acknowledged; and the journal CLI (section 7) verifies, dumps, trails and replays the journal."""

import asyncio
import json
import re
import sqlite3
import unittest

from harness import ConnectionLost, ServerTestCase, token_digest


def json_lines(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return [json.loads(l) for l in lines]


class RestartTest(ServerTestCase):
    per_test = True

    async def snapshot(self, admin, sale):
        return {
            "users": (await admin.call("users.list"))["items"],
            "teams": (await admin.call("teams.list"))["items"],
            "settings": (await admin.call("settings.get"))["settings"],
            "statuses": (await admin.call("statuses.list"))["items"],
            "sale_me": (await sale.call("me"))["user"],
        }

    async def test_state_and_sessions_survive_a_sigterm_restart(self):
        admin_token, admin = await self.login_ws("admin")
        alpha = (await admin.call("teams.create", {"name": "Alpha"}))["team"]
        await admin.call("teams.create", {"name": "Beta"})
        sale = await self.create_user(admin, "sale1", "sale", password="sale1-password",
                                      team_ids=[alpha["id"]])
        await self.create_user(admin, "manager1", "manager", password="manager1-password")
        # A default source must name an existing source.
        await admin.call("sources.upsert", {"code": "facebook", "name": "Facebook", "channel": "facebook"})
        await admin.call("settings.update", {"patch": {"pool.enabled": True,
                                                       "inbox.visibility": "assigned_only",
                                                       "orders.default_source": "facebook",
                                                       "pool.batch_size": 25}})
        await admin.call("users.update", {"user_id": sale["id"], "name": "Sale One"})
        sale_token, sale_ws = await self.login_ws("sale1", "sale1-password")
        await sale_ws.call("presence.set", {"status": "away"})
        before = await self.snapshot(admin, sale_ws)
        head = await self.seq()
        await admin.close()
        await sale_ws.close()

        code = await asyncio.to_thread(self.server.stop)
        self.assertEqual(code, 0, f"exit code on SIGTERM\n{self.server.stderr_tail()}")
        await asyncio.to_thread(self.server.start)

        self.assertEqual(await self.seq(), head, "the head moved across a restart")
        # Tokens issued before the restart still open a WebSocket.
        admin = await self.connect(admin_token, label="admin-after")
        sale_ws = await self.connect(sale_token, label="sale-after")
        after = await self.snapshot(admin, sale_ws)
        for part in before:
            self.assertEqual(after[part], before[part], f"{part} changed across a restart")
        self.assertEqual(after["sale_me"]["name"], "Sale One")
        self.assertEqual(after["sale_me"].get("team_ids", [alpha["id"]]), [alpha["id"]])
        # Passwords survive too.
        r = await asyncio.to_thread(self.server.login_response, "manager1", "manager1-password")
        self.assertEqual(r.status, 200, r)
        r = await asyncio.to_thread(self.server.login_response, "manager1", "wrong-password")
        self.assertEqual(r.status, 401, r)
        # And the restarted server takes new commands.
        await admin.call("teams.create", {"name": "Gamma"})

    async def stream(self, conns, kill_after, stop, max_sent=4000, window=16, sizes=False,
                     prefix="stream"):
        """Streams teams.create (and on the first connection, if sizes, settings.update of
        pool.batch_size 1, 2, 3, ...) over conns, keeping window requests in flight on each;
        calls stop() once kill_after commands are acknowledged and goes on until every
        connection is closed. Returns what was sent, acknowledged and refused."""
        st = {"sent_teams": set(), "acked_teams": set(), "sent_sizes": set(), "acked_sizes": [],
              "acked_seqs": [], "refused": [], "unanswered": 0, "sent": 0, "acked": 0,
              "in_flight_at_stop": 0, "stopped": False}
        everything = set()

        async def worker(i, ws):
            n = 0
            in_flight = {}
            while True:
                while (len(in_flight) < window and st["sent"] < max_sent
                       and not ws.closed.is_set()):
                    n += 1
                    st["sent"] += 1
                    if sizes and i == 0 and n % 2 == 0:
                        size = min(1000, n // 2)
                        st["sent_sizes"].add(size)
                        _, fut = await ws.send_request("settings.update",
                                                       {"patch": {"pool.batch_size": size}})
                        in_flight[fut] = ("size", size)
                    else:
                        name = f"{prefix}-{i}-{n}"
                        st["sent_teams"].add(name)
                        _, fut = await ws.send_request("teams.create", {"name": name})
                        in_flight[fut] = ("team", name)
                    everything.add(fut)
                if not in_flight:
                    break
                done, _ = await asyncio.wait(list(in_flight), timeout=30,
                                             return_when=asyncio.FIRST_COMPLETED)
                if not done:
                    raise AssertionError(f"no answer within 30 s on {ws.label}: {st}")
                for fut in done:
                    kind, value = in_flight.pop(fut)
                    if fut.exception() is not None:
                        st["unanswered"] += 1
                        continue
                    r = fut.result()
                    if not r.get("ok"):
                        st["refused"].append(r.get("error", {}).get("code"))
                        continue
                    st["acked"] += 1
                    st["acked_seqs"].append(r["seq"])
                    if kind == "team":
                        st["acked_teams"].add(value)
                    else:
                        st["acked_sizes"].append(value)
                if st["acked"] >= kill_after and not st["stopped"]:
                    st["stopped"] = True
                    st["in_flight_at_stop"] = sum(1 for f in everything if not f.done())
                    stop()

        await asyncio.wait_for(asyncio.gather(*(worker(i, ws) for i, ws in enumerate(conns))),
                               120)
        return st

    async def test_sigterm_acknowledges_what_it_applied(self):
        """SIGTERM while a burst of pipelined commands is in flight: every command the server
        applied (durable after the restart) must have been acknowledged. The race is timing
        dependent, so five rounds."""
        known = set()
        for round_ in range(5):
            token = await asyncio.to_thread(self.server.login, "admin")
            conns = [await self.connect(token, label=f"r{round_}c{i}") for i in range(4)]
            sent = {}
            for n in range(100):
                for i, ws in enumerate(conns):
                    name = f"r{round_}-{i}-{n}"
                    sent[name] = (await ws.send_request("teams.create", {"name": name}))[1]
                if n == 50:
                    self.server.terminate()
            code = await asyncio.to_thread(self.server.wait)
            self.assertEqual(code, 0, f"exit code on SIGTERM\n{self.server.stderr_tail()}")
            acked, refused, unanswered = set(), [], 0
            for name, fut in sent.items():
                try:
                    r = await asyncio.wait_for(fut, 10)
                except (ConnectionLost, asyncio.TimeoutError):
                    unanswered += 1
                    continue
                if r.get("ok"):
                    acked.add(name)
                else:
                    refused.append(r["error"]["code"])
            await asyncio.to_thread(self.server.start)
            admin = await self.connect(await asyncio.to_thread(self.server.login, "admin"),
                                       label=f"after{round_}")
            stored = {t["name"] for t in (await admin.call("teams.list"))["items"]} - known
            known |= stored
            await admin.close()
            self.assertLessEqual(acked, stored, "acknowledged teams lost by a SIGTERM")
            self.assertEqual(
                stored - acked, set(),
                f"round {round_}: {len(stored - acked)} of {len(stored)} teams.create were "
                f"applied but never acknowledged (sent {len(sent)}, acked {len(acked)}, "
                f"refused {len(refused)}: {sorted(set(refused))}, unanswered {unanswered}, "
                f"close codes {[(c.close_code, c.ws.close_reason) for c in conns]})")

    async def test_sigkill_mid_stream_loses_no_acknowledged_command(self):
        token = await asyncio.to_thread(self.server.login, "admin")
        conns = [await self.connect(token, label=f"stream{i}") for i in range(4)]
        kill_code = []
        st = await self.stream(conns, 300, lambda: kill_code.append(self.server.kill()),
                               sizes=True)
        self.assertTrue(st["stopped"], f"the stream ended before the kill: {st['sent']} sent")
        self.assertEqual(kill_code, [-9])
        self.assertGreater(st["in_flight_at_stop"], 0,
                           "nothing was in flight at the kill: not a mid-stream kill")
        acked_teams, sent_teams = st["acked_teams"], st["sent_teams"]
        acked_sizes, sent_sizes, acked_seqs = st["acked_sizes"], st["sent_sizes"], st["acked_seqs"]
        self.assertGreaterEqual(len(acked_teams) + len(acked_sizes), 300)
        self.assertTrue(acked_sizes, "no settings.update was acknowledged before the kill")

        await asyncio.to_thread(self.server.start)
        admin = await self.connect(await asyncio.to_thread(self.server.login, "admin"),
                                   label="after")
        stored = {t["name"] for t in (await admin.call("teams.list"))["items"]}
        lost = acked_teams - stored
        self.assertEqual(lost, set(), f"{len(lost)} acknowledged teams lost: {sorted(lost)[:10]}")
        self.assertLessEqual(stored, sent_teams, "teams nobody created appeared")
        size = (await admin.call("settings.get"))["settings"]["pool.batch_size"]
        self.assertIn(size, sent_sizes)
        self.assertGreaterEqual(size, max(acked_sizes),
                                "an acknowledged settings.update was lost")
        head = await self.seq()
        self.assertGreaterEqual(head, max(acked_seqs))

        out = await asyncio.to_thread(self.server.journal, "verify")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        m = re.fullmatch(r"ok (\d+) events\s*", out.stdout)
        self.assertIsNotNone(m, out.stdout)
        self.assertEqual(int(m.group(1)), head)

    async def test_journal_cli(self):
        srv = self.server
        admin_token, admin = await self.login_ws("admin")
        sale = await self.create_user(admin, "sale1", "sale", password="sale1-password")
        sale_token, sale_ws = await self.login_ws("sale1", "sale1-password")
        await sale_ws.call("presence.set", {"status": "away"})

        actions = []  # (seq before, ack seq, what)
        before_team = await self.seq()
        r = await admin.request("teams.create", {"name": "Journal team"})
        self.assertIs(r["ok"], True, r)
        actions.append((before_team, r["seq"], "team"))
        before_settings = await self.seq()
        r = await admin.request("settings.update", {"patch": {"pool.batch_size": 33}})
        self.assertIs(r["ok"], True, r)
        actions.append((before_settings, r["seq"], "settings"))
        before_user = await self.seq()
        r = await admin.request("users.create", {"username": "cli-user", "name": "Cli",
                                                 "password": "cli-user-password",
                                                 "role": "manager"})
        self.assertIs(r["ok"], True, r)
        actions.append((before_user, r["seq"], "user"))
        await sale_ws.call("presence.set", {"status": "online"})
        head = await self.seq()

        # verify, while the server runs
        out = await asyncio.to_thread(srv.journal, "verify")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(out.stdout.strip(), f"ok {head} events")

        # dump: one JSON object per line, in seq order, no secrets
        out = await asyncio.to_thread(srv.journal, "dump")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertNotIn("pbkdf2", out.stdout.lower())
        for t in srv.tokens:
            self.assertNotIn(token_digest(t), out.stdout)
            self.assertNotIn(t, out.stdout)
        lines = out.stdout.splitlines()
        events = []
        for line in lines:
            obj = json.loads(line)
            self.assertIsInstance(obj, dict, line)
            events.append(obj)
        self.assertEqual([e["seq"] for e in events], list(range(1, head + 1)))
        team_events = [e for e in events if "Journal team" in json.dumps(e)]
        self.assertEqual(len(team_events), 1)
        self.assertTrue(before_team < team_events[0]["seq"] <= actions[0][1])

        # dump --from/--to
        s = team_events[0]["seq"]
        out = await asyncio.to_thread(srv.journal, "dump", "--from", str(s), "--to", str(s))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual([e["seq"] for e in json_lines(out.stdout)], [s])

        # trail --user 1: the admin's actions, oldest first, and not the sale's own ones
        out = await asyncio.to_thread(srv.journal, "trail", "--user", "1")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertNotIn("pbkdf2", out.stdout.lower())
        trail = json_lines(out.stdout)
        seqs = [e["seq"] for e in trail]
        self.assertEqual(seqs, sorted(seqs), "trail is not oldest first")
        self.assertEqual(len(seqs), len(set(seqs)))
        for lo, hi, what in actions:
            self.assertTrue(any(lo < e["seq"] <= hi for e in trail),
                            f"the admin's {what} action (seq {lo + 1}..{hi}) is not in the trail")
        sale_events = [e for e in trail if e.get("actor") == sale["id"]]
        self.assertEqual(sale_events, [], "trail --user 1 lists another user's actions")
        lo, hi, _ = actions[2]
        self.assertIn("cli-user", json.dumps([e for e in trail if lo < e["seq"] <= hi]),
                      "the trail does not show which user the admin created")

        # replay --until: the state at that point
        async def replay(*args):
            out = await asyncio.to_thread(srv.journal, "replay", *args)
            self.assertEqual(out.returncode, 0, out.stderr)
            return json.loads(out.stdout)

        def count(v):
            return len(v) if isinstance(v, list) else v

        at_before = await replay("--until", str(before_team))
        at_team = await replay("--until", str(actions[0][1]))
        now = await replay()
        self.assertEqual(count(at_before["teams"]), 0, at_before)
        self.assertEqual(count(at_team["teams"]), 1, at_team)
        self.assertEqual(count(now["teams"]), 1, now)
        self.assertEqual(at_team["settings"]["pool.batch_size"], 50)
        at_settings = await replay("--until", str(actions[1][1]))
        self.assertEqual(at_settings["settings"]["pool.batch_size"], 33)
        self.assertEqual(count(at_settings["users"]), 2)
        self.assertEqual(count(now["users"]), 3)
        self.assertEqual(now["seq"], head)

        # After a clean stop the CLI gives the same answers, and a tampered journal fails.
        await admin.close()
        await sale_ws.close()
        code = await asyncio.to_thread(srv.stop)
        self.assertEqual(code, 0, srv.stderr_tail())
        out = await asyncio.to_thread(srv.journal, "verify")
        self.assertEqual((out.returncode, out.stdout.strip()), (0, f"ok {head} events"))
        # Tamper with one event's time, behind the journal's back (SQLite file, events table).
        # The journal's schema is ours (schema/journal.sql): a failure here is a failure.
        db = sqlite3.connect(srv.db)
        try:
            changed = db.execute("UPDATE events SET at = at + 1 WHERE seq = ?", (s,)).rowcount
            db.commit()
        finally:
            db.close()
        self.assertEqual(changed, 1, f"event {s} was not in the journal's events table")
        out = await asyncio.to_thread(srv.journal, "verify")
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn(str(s), out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
