"""The journal CLI for the questions people ask (PROTOCOL.md section 7, issue 8 item 28):
`replay --at` takes UTC, offsets and the unit's local time (UTC+7 here, then UTC+9 after the
unit's offset changes); `trail --from/--until` narrow an entity's history; an option a command
does not take is an error, never ignored; and values read as people read them: ISO times with the
unit's local time alongside, local days as dates, roles, presence and order statuses as names,
and the pool with its leads' names.

One server per class: the scene is built once over the protocol, then only the CLI runs."""

import asyncio
import datetime
import json
import time
import unittest

from harness import ServerTestCase, WsClient, dump_events, wait_until

UTC = datetime.timezone.utc
FLOAT_DEADLINE_S = 3.0  # "enters the pool within 2 seconds", plus slack for a loaded machine
CLOCK_DEADLINE_S = 1.0
PW = {"sale1": "sale-one-password", "sale2": "sale-two-password"}
LEADS = [
    {"phone": "0912345678", "name": "Nguyễn Thị Hoa", "source": "fb", "product": "SOAP",
     "status": "no_answer"},
    {"phone": "0987654321", "name": "Trần Văn Nam", "source": "zalo"},
    {"phone": "0356789123", "name": "Lê Minh Châu", "source": "fb", "status": "busy"},
]
FIRST_OFFSET = 420   # UTC+7, the unit's default, set explicitly as a unit would
# UTC+9, the unit's clock after the change halfway through the scene. Forward, so that every
# local time after the change is unambiguous; the clock skipped two hours instead.
SECOND_OFFSET = 540
EPOCH_MS_MIN = 10 ** 11  # any epoch-milliseconds time since 1973 is at least this


# ---- times, written the ways a person would type them ----------------------------------------

def parse_at(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def wall(dt, minutes):
    """dt on a clock `minutes` east of UTC, without a zone: 2026-11-23T17:32:00.123."""
    local = dt + datetime.timedelta(minutes=minutes)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def offset(minutes, colon=True):
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


def utc_text(dt):
    return wall(dt, 0) + "Z"


def local_text(dt, minutes, colon=True):
    return wall(dt, minutes) + offset(minutes, colon)


def utc_of_local(local, timeline):
    """The rule the CLI documents for a local time (a naive datetime): the first instant the
    unit's clock showed it; one it never showed is read with the offset before the change."""
    before_gap = None
    for i, (start, minutes) in enumerate(timeline):
        utc = local.replace(tzinfo=UTC) - datetime.timedelta(minutes=minutes)
        end = timeline[i + 1][0] if i + 1 < len(timeline) else None
        if (start is None or utc >= start) and (end is None or utc < end):
            return utc
        if end is not None and utc >= end:
            before_gap = utc
    return before_gap


def epoch_numbers(obj):
    """Every integer in a JSON value large enough to be epoch milliseconds."""
    if isinstance(obj, bool):
        return []
    if isinstance(obj, int):
        return [obj] if obj >= EPOCH_MS_MIN else []
    if isinstance(obj, dict):
        return [n for v in obj.values() for n in epoch_numbers(v)]
    if isinstance(obj, list):
        return [n for v in obj for n in epoch_numbers(v)]
    return []


async def clock_past(ms):
    """Waits (bounded) until the wall clock is past ms, so the next event's time is later than
    every earlier one: the assertions below tell events apart by their times."""
    deadline = time.monotonic() + CLOCK_DEADLINE_S
    while time.time() * 1000 <= ms:
        if time.monotonic() > deadline:
            raise AssertionError("the wall clock did not advance")
        await asyncio.sleep(0.001)


async def next_ms():
    await clock_past(time.time() * 1000 + 1)


# ---- the scene --------------------------------------------------------------------------------

async def build_scene(server):
    """Users, an order moved to confirmed, three imported leads floated into the pool, a reveal
    and a claim on UTC+7, then the unit's offset set to UTC+9, an action and another claim."""
    admin = await WsClient.connect(server.port, token=server.login("admin"), label="admin")
    conns = [admin]
    try:
        users = {}
        for name in ("sale1", "sale2"):
            users[name] = (await admin.call("users.create", {
                "username": name, "password": PW[name], "name": name.title(),
                "role": "sale"}))["user"]
        await admin.call("users.update", {"user_id": users["sale2"]["id"], "name": "Sale Two"})
        await admin.call("products.upsert", {"sku": "TEA", "name": "Trà", "price": 45000})
        order = (await admin.call("orders.create", {
            "phone": "0901234567", "name": "Khách",
            "items": [{"sku": "TEA", "qty": 1}]}))["order"]
        await admin.call("orders.set_status", {"order_id": order["id"], "status": "confirmed"})
        await admin.call("settings.update", {"patch": {
            "pool.enabled": True, "pool.float_all": True,
            "unit.utc_offset_minutes": FIRST_OFFSET}})
        leads = (await admin.call("leads.import", {"leads": LEADS}))["ids"]

        async def all_pooled():
            got = [(await admin.call("leads.get", {"lead_id": i}))["lead"] for i in leads]
            return all(l["in_pool"] for l in got)
        if not await wait_until(all_pooled, FLOAT_DEADLINE_S):
            raise AssertionError(f"leads {leads} did not float within {FLOAT_DEADLINE_S}s")

        sale = {}
        for name in ("sale1", "sale2"):
            sale[name] = await WsClient.connect(
                server.port, token=server.login(name, PW[name]), label=name)
            conns.append(sale[name])
        await next_ms()
        await sale["sale2"].call("pool.reveal", {"lead_id": leads[0]})
        await next_ms()
        await sale["sale2"].call("pool.claim", {"lead_id": leads[0]})
        await next_ms()
        change_from = server.seq() + 1
        await admin.call("settings.update", {"patch": {"unit.utc_offset_minutes": SECOND_OFFSET}})
        await next_ms()
        await sale["sale2"].call("leads.update", {"lead_id": leads[0], "status": "call_back",
                                                  "note": "Gọi lại chiều mai"})
        await next_ms()
        await sale["sale1"].call("pool.claim", {"lead_id": leads[1]})
        return {"users": users, "order": order, "leads": leads, "change_from": change_from}
    finally:
        for c in conns:
            await c.close()


class JournalCliTest(ServerTestCase):
    per_test = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.scene = asyncio.run(build_scene(cls.server))
        except BaseException:
            cls.server.cleanup()  # tearDownClass does not run when setUpClass fails
            raise
        events = dump_events(cls.server)
        cls.events = events
        change = next(e for e in events if e["type"] == "SettingsChanged"
                      and e["seq"] >= cls.scene["change_from"])
        cls.change_at = parse_at(change["at"])
        # The unit's offset over time: (from, minutes), as the CLI must read it.
        cls.timeline = [(None, FIRST_OFFSET), (cls.change_at, SECOND_OFFSET)]
        lead1 = cls.scene["leads"][0]
        cls.revealed = cls.only("PhoneRevealed", lead1)
        cls.claimed = cls.only("LeadClaimed", lead1)
        cls.acted = cls.only("LeadActed", lead1)

    @classmethod
    def only(cls, type_, lead_id):
        [e] = [e for e in cls.events
               if e["type"] == type_ and e["payload"].get("lead_id") == lead_id]
        return e

    # -- running the CLI --
    def cli(self, *args):
        return self.server.journal(*args)

    def ok_json(self, *args):
        out = self.cli(*args)
        self.assertEqual(out.returncode, 0, f"{args}: {out.stderr}")
        return json.loads(out.stdout)

    def ok_lines(self, *args):
        out = self.cli(*args)
        self.assertEqual(out.returncode, 0, f"{args}: {out.stderr}")
        return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]

    def seq_at(self, instant):
        """What replay --at must fold to: the last event at or before the instant."""
        return max([e["seq"] for e in self.events if parse_at(e["at"]) <= instant], default=0)

    def offset_at(self, instant):
        return SECOND_OFFSET if instant >= self.change_at else FIRST_OFFSET

    # -- replay --at --
    def test_at_with_an_offset_is_the_same_instant_as_in_utc(self):
        t = parse_at(self.revealed["at"])
        base = self.ok_json("replay", "--at", utc_text(t))
        self.assertEqual(base["seq"], self.seq_at(t))
        self.assertEqual([l["lead_id"] for l in base["pool"]["leads"]], self.scene["leads"],
                         "the three floated leads were in the pool at the reveal")
        forms = [local_text(t, 420), local_text(t, 420, colon=False), local_text(t, -180),
                 local_text(t, 0), utc_text(t).replace("Z", "z")]
        for form in forms:
            with self.subTest(at=form):
                got = self.ok_json("replay", "--at", form)
                self.assertEqual(got, base, f"--at {form} is {utc_text(t)}")
                self.assertEqual(got["requested_at"], utc_text(t))

    def test_at_without_an_offset_is_the_units_local_time_as_it_was_then(self):
        head = self.events[-1]["seq"]
        for event, minutes in ((self.revealed, FIRST_OFFSET), (self.acted, SECOND_OFFSET)):
            t = parse_at(event["at"])
            self.assertEqual(self.offset_at(t), minutes)
            self.assertLess(self.seq_at(t), head, "the scene has events after this one")
            for form in (wall(t, minutes), wall(t, minutes).replace("T", " ")):
                with self.subTest(at=form):
                    got = self.ok_json("replay", "--at", form)
                    self.assertEqual(got["seq"], self.seq_at(t),
                                     f"{form} on UTC{offset(minutes)} is {utc_text(t)}")
                    self.assertEqual(got["requested_at"], utc_text(t))
                    self.assertEqual(got["requested_at_local"], local_text(t, minutes))
                    self.assertEqual(got["utc_offset"], offset(minutes))
                    self.assertEqual(got["at_local"],
                                     local_text(parse_at(self.events[got["seq"] - 1]["at"]),
                                                minutes))

    def test_at_a_date_is_the_end_of_that_local_day(self):
        self.assertEqual(self.ok_json("replay", "--at", "2000-01-01")["seq"], 0)
        t = parse_at(self.revealed["at"])
        day = (t + datetime.timedelta(minutes=FIRST_OFFSET)).date()
        midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
        end = utc_of_local(midnight, self.timeline) - datetime.timedelta(milliseconds=1)
        got = self.ok_json("replay", "--at", day.isoformat())
        self.assertEqual(got["requested_at"], utc_text(end), "the last millisecond of the day")
        self.assertEqual(got["seq"], self.seq_at(end))
        self.assertGreater(got["seq"], 0)

    def test_a_local_time_the_units_clock_skipped_is_read_with_the_offset_before(self):
        skipped = wall(self.change_at, FIRST_OFFSET + 60)  # between +07:00 and +09:00
        got = self.ok_json("replay", "--at", skipped)
        moment = self.change_at + datetime.timedelta(minutes=60)
        self.assertEqual(got["requested_at"], utc_text(moment))
        self.assertEqual(got["seq"], self.seq_at(moment))

    def test_a_bad_time_is_refused_naming_the_accepted_forms(self):
        bad = ["yesterday", "1796040340706", "2026-13-01T00:00:00Z", "2026-02-30",
               "2026-11-23T24:00:00Z", "2026-11-23T10:32:00+25:00", "2026-11-23T10:32:00 Z",
               "2026-11-23T10:32:00.Z", "23/11/2026"]
        for args in [("replay", "--at"), ("trail", "--lead", "1", "--from"),
                     ("trail", "--lead", "1", "--until")]:
            for text in bad:
                with self.subTest(args=args, time=text):
                    out = self.cli(*args, text)
                    self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
                    self.assertEqual(out.stdout, "")
                    self.assertIn(f'"{text}"', out.stderr, "the error names what was given")
                    for form in ("2026-11-23T10:32:00Z", "+07:00", "-03:00", "local"):
                        self.assertIn(form, out.stderr, "the error names the accepted forms")

    # -- trail --from/--until --
    def test_trail_from_and_until_narrow_the_history(self):
        lead1 = self.scene["leads"][0]
        full = self.ok_lines("trail", "--lead", str(lead1))
        start, end = parse_at(self.revealed["at"]), parse_at(self.claimed["at"])
        # --from in UTC, --until on the unit's clock without an offset (UTC+7 then).
        got = self.ok_lines("trail", "--lead", str(lead1), "--from", utc_text(start),
                            "--until", wall(end, FIRST_OFFSET))
        want = [e["seq"] for e in full if start <= parse_at(e["at"]) <= end]
        self.assertEqual([e["seq"] for e in got], want)
        self.assertIn(self.revealed["seq"], want)
        self.assertIn(self.claimed["seq"], want)
        self.assertLess(len(want), len(full), "the window leaves the import and the action out")
        after = self.ok_lines("trail", "--lead", str(lead1), "--from", local_text(end, 180))
        self.assertEqual([e["seq"] for e in after],
                         [e["seq"] for e in full if parse_at(e["at"]) >= end])
        self.assertEqual(self.ok_lines("trail", "--lead", str(lead1), "--until", "2000-01-01"),
                         [])
        self.assertEqual(self.ok_lines("trail", "--lead", str(lead1), "--from", "2999-01-01"),
                         [])
        out = self.cli("trail", "--lead", str(lead1), "--from", utc_text(end),
                       "--until", utc_text(start))
        self.assertEqual(out.returncode, 2,
                         "--from after --until is a mistake, not an empty trail")

    # -- options --
    def test_an_option_a_command_does_not_take_is_an_error(self):
        t = utc_text(parse_at(self.revealed["at"]))
        # Each case and what its error must name (the harness adds --db PATH to every run).
        cases = [
            (("verify", "--from", "1"), "--from"),
            (("stats", "--type", "UserCreated"), "--type"),
            (("dump", "--at", t), "--at"),
            (("dump", "--lead", "1"), "--lead"),
            (("dump", "--until", "3"), "--until"),
            (("trail", "--lead", "1", "--at", t), "--at"),
            (("trail", "--lead", "1", "--to", "5"), "--to"),
            (("trail", "--lead", "1", "--type", "LeadImported"), "--type"),
            (("trail", "--lead", "1", "--user", "2"), "--user"),
            (("replay", "--from", t), "--from"),
            (("replay", "--bogus", "1"), "--bogus"),
            (("verify", "--db", self.server.db), "twice"),
        ]
        for args, needle in cases:
            with self.subTest(args=args):
                out = self.cli(*args)
                self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
                self.assertEqual(out.stdout, "", "nothing is printed for a refused command")
                self.assertIn(needle, out.stderr)

    # -- values as people read them --
    def test_a_leads_trail_reads_as_people_read_it(self):
        lead1, lead2 = self.scene["leads"][:2]
        trail = self.ok_lines("trail", "--lead", str(lead1))
        self.assertEqual(epoch_numbers(trail), [], "times are ISO 8601, not epoch milliseconds")
        for e in trail:
            at = parse_at(e["at"])
            self.assertEqual(e.get("at_local"), local_text(at, self.offset_at(at)), e)
        by_type = {e["type"]: e for e in trail}
        imported = by_type["LeadImported"]["payload"]
        self.assertEqual(imported["status"], "no_answer")
        self.assertEqual(imported.get("status_name"), "No answer")
        revealed = by_type["PhoneRevealed"]["payload"]
        expires = parse_at(revealed["expires_at"])
        self.assertGreater(expires, parse_at(by_type["PhoneRevealed"]["at"]))
        self.assertEqual(revealed.get("expires_at_local"),
                         local_text(expires, self.offset_at(expires)))
        claimed_at = parse_at(by_type["LeadClaimed"]["at"])
        self.assertEqual(by_type["LeadClaimed"]["payload"]["day"],
                         local_text(claimed_at, FIRST_OFFSET)[:10],
                         "a claim's day is the unit's local date")
        self.assertEqual(by_type["LeadActed"]["payload"].get("status_name"), "Call back")
        # The second claim came after the change to UTC+9: its day and local time follow it.
        [claim2] = [e for e in self.ok_lines("trail", "--lead", str(lead2))
                    if e["type"] == "LeadClaimed"]
        at2 = parse_at(claim2["at"])
        self.assertEqual(claim2["at_local"], local_text(at2, SECOND_OFFSET))
        self.assertEqual(claim2["payload"]["day"], local_text(at2, SECOND_OFFSET)[:10])

    def test_a_users_and_an_orders_trail_show_names(self):
        sale2 = self.scene["users"]["sale2"]
        trail = self.ok_lines("trail", "--user", str(sale2["id"]))
        self.assertEqual(epoch_numbers(trail), [])
        by_type = {}
        for e in trail:
            by_type.setdefault(e["type"], e)
        self.assertEqual(by_type["UserCreated"]["payload"]["role"], "sale")
        self.assertEqual(by_type["UserCreated"]["payload"]["password_hash"], "[redacted]")
        self.assertEqual(by_type["SessionStarted"]["payload"]["token_digest"], "[redacted]")
        self.assertEqual(by_type["PresenceChanged"]["payload"]["presence"], "online")
        updated = by_type["UserUpdated"]["payload"]
        self.assertEqual((updated["display_name"], updated["role"]), ("Sale Two", None),
                         "what changed as its value, what did not as null")
        self.assertNotIn("cereal_class_version", updated)
        order = self.ok_lines("trail", "--order", str(self.scene["order"]["id"]))
        self.assertEqual([e["type"] for e in order], ["OrderCreated", "OrderStatusChanged"])
        self.assertEqual(order[0]["payload"]["status"], "new")
        self.assertEqual((order[1]["payload"]["from"], order[1]["payload"]["to"]),
                         ("new", "confirmed"))
        dumped = self.ok_lines("dump", "--type", "UserCreated")
        self.assertEqual({e["payload"]["role"] for e in dumped}, {"admin", "sale"})

    def test_the_replayed_pool_lists_each_lead_with_its_name(self):
        t = parse_at(self.revealed["at"])
        pool = self.ok_json("replay", "--at", utc_text(t))["pool"]
        floated = {e["payload"]["lead_id"]: parse_at(e["at"]) for e in self.events
                   if e["type"] == "LeadFloated"}
        got = {l["lead_id"]: l for l in pool["leads"]}
        self.assertEqual(set(got), set(self.scene["leads"]))
        for lead_id, row in zip(self.scene["leads"], LEADS):
            with self.subTest(lead=lead_id):
                lead = got[lead_id]
                self.assertEqual(lead.get("name"), row["name"])
                self.assertEqual(lead.get("source"), row["source"])
                self.assertEqual(lead["status"], row.get("status", "new"))
                self.assertEqual(lead.get("status_name"),
                                 {"new": "New", "no_answer": "No answer",
                                  "busy": "Busy"}[lead["status"]])
                self.assertEqual(lead["entered_pool_at"], utc_text(floated[lead_id]))
                self.assertEqual(lead.get("entered_pool_at_local"),
                                 local_text(floated[lead_id], FIRST_OFFSET))
        now = self.ok_json("replay")
        self.assertEqual([(l["lead_id"], l.get("name")) for l in now["pool"]["leads"]],
                         [(self.scene["leads"][2], LEADS[2]["name"])],
                         "two claimed leads left the pool")


if __name__ == "__main__":
    unittest.main()
