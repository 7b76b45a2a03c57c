#!/usr/bin/env python3
"""Writes the hand-made seeds (corpus/*/seed-*) and the libFuzzer dictionaries (*.dict) of
tests/fuzz. The seeds are meaningful requests a client sends: valid args for every op (and the
usual mistakes), frames with every kind of id and key, login bodies, and raw HTTP requests with
upgrade headers, tokens and cookies. Field names, op names and enum values for the
dictionaries come from schema/protocol.json, so a new op or field reaches the fuzzer when this
script is run again. Inputs the fuzzer found are kept beside the seeds under their SHA-1 names
(tests/fuzz/run merge)."""
import json
import pathlib

here = pathlib.Path(__file__).resolve().parent
schema = json.loads((here.parent.parent / "schema" / "protocol.json").read_text())

OP_ARGS = {
    "me": [{}],
    "presence.set": [{"status": "away"}, {"status": "online"}, {"status": "busy"}],
    "users.create": [
        {"username": "hoa", "password": "demo-pass-1", "name": "Đỗ Thị Hoa", "role": "sale", "team_ids": [1]},
        {"username": "LAN", "password": "short", "name": "x", "role": "manager"},
        {"username": "new.manager@unit", "password": "another-pass", "name": "Quản lý", "role": "manager", "team_ids": [2, 9]},
    ],
    "users.update": [
        {"user_id": 3, "name": "Lan Nguyễn", "active": False},
        {"user_id": 4, "role": "manager", "team_ids": [1, 2]},
        {"user_id": 2, "password": "new-password-1"},
        {"user_id": 6, "active": True, "role": None},
    ],
    "users.list": [{}],
    "teams.create": [{"name": "Đêm"}, {"name": ""}],
    "teams.list": [{}],
    "settings.get": [{}],
    "settings.update": [
        {"patch": {"pool.enabled": False}},
        {"patch": {"pool.batch_size": 2, "pool.batch_window_s": 1, "pool.float_after_minutes": 0}},
        {"patch": {"phone.country": "UA", "orders.default_source": "fb", "orders.lock_source": True}},
        {"patch": {"pool.daily_claim_limit": 1.0, "unit.utc_offset_minutes": -420}},
        {"patch": {"pool.mask_phone": None, "nope": 1}},
    ],
    "statuses.list": [{}],
    "statuses.upsert": [{"code": "hot", "name": "Hot", "floats": False}, {"code": "new", "name": "Mới"},
                        {"code": "bad code", "name": "x"}],
    "products.upsert": [{"sku": "TRA-DEN", "name": "Trà đen", "price": 90000},
                        {"sku": "TRA-XANH", "name": "Trà xanh", "price": 9223372036854775807}],
    "products.list": [{}],
    "combos.upsert": [{"code": "BO-3", "name": "Bộ ba", "price": 300000,
                       "items": [{"sku": "TRA-XANH", "qty": 2}, {"sku": "CA-PHE"}]},
                      {"code": "QUA-TET", "name": "Quà", "price": 1, "items": [{"sku": "NONE", "qty": -1}]}],
    "combos.list": [{}],
    "sources.upsert": [{"code": "tiktok", "name": "TikTok", "channel": "other"},
                       {"code": "fb", "name": "Facebook", "channel": "fax"}],
    "sources.list": [{}],
    "warehouses.upsert": [{"code": "DN", "name": "Kho Đà Nẵng"}],
    "warehouses.list": [{}],
    "customers.create": [
        {"name": "Trịnh Văn An", "phones": ["0901 234 567", "+84 901234568"], "address": "Huế"},
        {"name": "Ірина", "phones": ["+380 67 123 4567"]},
        {"name": "Dup", "phones": ["0912345678"]},
    ],
    "customers.update": [
        {"customer_id": 1, "name": "Hà Phạm", "phones": ["0912345678", "0912345679"],
         "nicknames": ["Hà", "chị Hà"], "responsible_id": 4},
        {"customer_id": 2, "address": "", "responsible_id": None},
        {"customer_id": 99, "name": "x"},
    ],
    "customers.note": [{"customer_id": 2, "text": "khách VIP, gọi 0987654321"}, {"customer_id": 1, "text": ""}],
    "customers.get": [{"customer_id": 1}, {"customer_id": 2}, {"customer_id": -1}],
    "customers.search": [{"q": "ha"}, {"q": "Phạm Thu"}, {"q": "0912"}, {"q": ""}],
    "orders.create": [
        {"customer_id": 1, "items": [{"sku": "TRA-XANH", "qty": 2, "discount_pct": 12.5}], "source": "fb", "warehouse": "HN"},
        {"phone": "0935222333", "name": "Yến", "address": "Đà Nẵng", "combos": [{"code": "QUA-TET", "qty": 1}],
         "status": "draft", "note": "gói quà"},
        {"lead_id": 1, "items": [{"sku": "CA-PHE", "qty": 1, "discount_amount": 20000}]},
        {"conversation_id": 1, "items": [{"sku": "MAT-ONG", "qty": 3}]},
        {"customer_id": 2, "items": [{"sku": "AM-TRA", "qty": 9007199254740993, "discount_pct": 100}]},
        {"customer_id": 1, "combos": [{"code": "QUA-TET", "qty": 2, "discount_amount": 1000}],
         "items": [{"sku": "TRA-XANH", "qty": 1000000, "discount_pct": 0.01}]},
        {"phone": "+380671234567", "name": "Олег", "items": [{"sku": "TRA-XANH", "qty": 1}], "status": "new"},
    ],
    "orders.set_status": [{"order_id": 1, "status": "shipping"}, {"order_id": 2, "status": "cancelled"},
                          {"order_id": 4, "status": "new"}, {"order_id": 3, "status": "delivered"}],
    "orders.get": [{"order_id": 1}, {"order_id": 4}, {"order_id": 0}],
    "orders.list": [
        {},
        {"limit": 1},
        {"cursor": "2", "limit": 2},
        {"filters": {"status": "confirmed", "source": "fb", "from": "2026-11-18T00:00:00.000Z",
                     "to": "2026-11-19T00:00:00Z", "customer_id": 1, "created_by": 3, "assignee_id": 3,
                     "phone": "0912 345 678"}},
        {"filters": {"phone": "abc"}, "limit": 500},
    ],
    "orders.history": [{"phone": "0912345678"}, {"customer_id": 1}, {"lead_id": 7}, {}],
    "orders.by_phone": [{"phone": "+84912345678"}, {"lead_id": 1}],
    "system_messages.list": [{}],
    "system_messages.clear": [{}],
    "leads.import": [
        {"leads": [{"phone": "0912111222", "name": "Khách", "source": "fb", "product": "Trà", "status": "new",
                    "owner_id": 3},
                   {"phone": "+380 50 111 2233", "status": "busy"}]},
        {"leads": [{"phone": "0912111333"}], "batch": {"id": "b1", "final": False}},
        {"leads": [{"phone": "0912111444"}], "batch": {"id": "b1", "final": True}},
        {"leads": [{"phone": "12"}, {"phone": "0912111555", "status": "lost", "owner_id": 99}]},
        {"leads": [{"phone": "0912345678", "name": "Hà"}, {"phone": "x"}], "on_duplicate": "update",
         "skip_invalid": True},
        {"leads": [{"phone": "0903111222"}], "on_duplicate": "skip"},
    ],
    "leads.log_call": [
        {"lead_id": 1, "direction": "out", "duration_s": 65, "outcome": "answered", "note": "hẹn gửi mẫu"},
        {"lead_id": 6, "direction": "in"},
        {"lead_id": 2, "direction": "sideways", "duration_s": 86401},
    ],
    "leads.mine": [{}],
    "leads.list": [{}, {"owner_id": 3, "status": "no_answer", "in_pool": True, "limit": 2},
                   {"cursor": "3", "limit": 1}, {"cursor": "100"}, {"cursor": 3}],
    "leads.get": [{"lead_id": 1}, {"lead_id": 6}],
    "leads.update": [{"lead_id": 1, "status": "ordered", "note": "đã chốt"}, {"lead_id": 6, "status": "busy"}],
    "leads.note": [{"lead_id": 1, "text": "gọi lại 0912345678"}],
    "leads.assign": [{"lead_id": 6, "owner_id": 4}, {"lead_id": 1, "owner_id": None}, {"lead_id": 2}],
    "pool.query": [{}, {"filters": {"source": "fb", "product": "Trà xanh", "status": "new", "q": "thi",
                                    "entered_from": "2026-11-18T00:00:00.000Z", "entered_to": "2027-01-01T00:00:00.000Z"}}],
    "pool.claim": [{"lead_id": 6}, {"lead_id": 7}],
    "pool.reveal": [{"lead_id": 6}, {"lead_id": 9}],
    "pool.hide": [{"lead_id": 6}],
    "pool.views": [{"lead_id": 6}, {"lead_id": 1}],
}

WS_FRAMES = [
    {"id": 1, "op": "me"},
    {"id": "a-1", "op": "orders.list", "args": {"limit": 5}},
    {"id": 2.5, "op": "pool.query", "args": None},
    {"id": None, "op": "subscribe", "args": {"topics": ["me", "orders", "pool"]}},
    {"id": 3, "op": "unsubscribe", "args": {"topics": ["pool", "inbox"]}},
    {"id": 4, "op": "subscribe", "args": {"topics": "me"}},
    {"id": 5, "op": "pool.claim", "args": {"lead_id": 6}, "key": "claim-6"},
    {"id": 6, "op": "orders.create", "args": {"customer_id": 1}, "key": None},
    {"id": 7, "op": "nope"},
    {"id": 8, "op": 1},
    {"id": 9, "args": {}},
    {"id": [1], "op": "me"},
    {"id": {"x": 1}, "op": "me"},
    {"id": "x" * 128, "op": "me"},
    {"id": "x" * 129, "op": "me"},
    {"id": 10, "op": "me", "key": "k" * 128},
    {"id": 11, "op": "me", "key": "k" * 129},
    {"id": 12, "op": "me", "key": 5},
    {"id": 13, "op": "me", "args": [1, 2]},
    {"id": 18446744073709551615, "op": "me"},
    {"id": -9223372036854775808, "op": "me"},
    {"id": "Đơn 1", "op": "leads.import", "args": {"leads": [{"phone": "0912111222"}]}},
]
WS_RAW = ['{"id":1e999,"op":"me"}', '{"id":-0.0,"op":"me"}', '{"id":1,"op":"me"', "[1,2]", "null", "",
          '{"id":1,"op":"me","op":"users.list"}', '{"id":"\\ud83d\\ude00","op":"me"}', '{"id":1,"op":"m\\u0000e"}',
          '{"id":1E400,"op":"me"}', '{"id":1,"op":"me","args":{"a":' + "[" * 40 + "]" * 40 + "}}"]

LOGIN = ['{"username":"admin","password":"demo-pass-1"}', '{"username":"lan","password":""}',
         '{"username":1,"password":"x"}', '{"username":"lan"}', '[]', '{"username":"l\\u00e2n","password":"\\ud800"}']


def http(request_line, headers, body=""):
    lines = [request_line] + [f"{k}: {v}" for k, v in headers] + ["", body]
    return "\r\n".join(lines)


HTTP = [
    http("POST /api/login HTTP/1.1", [("Host", "127.0.0.1:8080"), ("Content-Type", "application/json"),
                                      ("Content-Length", str(len(LOGIN[0])))], LOGIN[0]),
    http("POST /api/login HTTP/1.1", [("Host", "x"), ("Transfer-Encoding", "chunked")],
         "10\r\n" + LOGIN[0][:16] + "\r\n" + format(len(LOGIN[0]) - 16, "x") + "\r\n" + LOGIN[0][16:] + "\r\n0\r\n\r\n"),
    http("POST /api/logout HTTP/1.1", [("Host", "x"), ("Authorization", "Bearer 0123456789abcdef"),
                                       ("Content-Length", "0")]),
    http("POST /api/logout HTTP/1.0", [("Cookie", "theme=dark; sd_session=abc123; other=1")]),
    http("GET /ws HTTP/1.1", [("Host", "127.0.0.1:8080"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                              ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                              ("Origin", "http://127.0.0.1:8080"), ("Cookie", "sd_session=tok")]),
    http("GET /ws HTTP/1.1", [("Host", "a"), ("Upgrade", "WebSocket"), ("Connection", "keep-alive, Upgrade"),
                              ("Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEA=="), ("Sec-WebSocket-Version", "13"),
                              ("Sec-WebSocket-Protocol", "salesdesk"), ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
                              ("Origin", "https://evil.example"), ("Authorization", "Bearer t")]),
    http("GET /ws HTTP/1.1", [("Host", "a"), ("Upgrade", "websocket"), ("Connection", "upgrade"),
                              ("Sec-WebSocket-Key", "short"), ("Sec-WebSocket-Version", "8")]),
    http("GET /ws?x=1 HTTP/1.0", [("Upgrade", "websocket"), ("Connection", "Upgrade")]),
    http("GET /healthz HTTP/1.1", [("Host", "a")]) + http("GET /metrics HTTP/1.1", [("Host", "a"), ("Connection", "close")]),
    http("GET /../etc/passwd HTTP/1.1", [("Host", "a")]),
    http("HEAD /index.html HTTP/1.1", [("Host", "a"), ("Cookie", "sd_session=; sd_session=second")]),
    http("PUT /api/login HTTP/1.1", [("Content-Length", "3"), ("Content-Length", "3")], "abc"),
    http("POST /api/login HTTP/1.1", [("Content-Length", "1048577")]),
    http("GET / HTTP/1.1", [("Host", "a"), ("X-Long", "y" * 9000)]),
    http("OPTIONS * HTTP/1.1", [("Host", "a"), ("Origin", "null")]),
]


def dict_entry(token):
    out = []
    for b in token.encode():
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\x{b:02X}")
    return '"' + "".join(out) + '"'


def schema_words():
    """Field names and enum values of every op's args (results and pushes left out)."""
    words = set()
    seen = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/") and ref not in seen:
                seen.add(ref)
                walk(schema["$defs"][ref[len("#/$defs/"):]])
            for key, value in node.items():
                if key == "properties":
                    words.update(value.keys())
                if key == "enum":
                    words.update(v for v in value if isinstance(v, str))
                walk(value)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for op in schema["ops"].values():
        walk(op["args"])
    words.update(schema["$defs"]["settings"]["properties"].keys())  # the keys of settings.update's patch
    return words


def write_dict(name, tokens):
    lines = [f"# libFuzzer dictionary of fuzz_{name}, written by seeds.py"] + [dict_entry(t) for t in sorted(set(tokens))]
    (here / f"{name}.dict").write_text("\n".join(lines) + "\n")


def write_seeds(name, seeds):
    folder = here / "corpus" / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("seed-*"):
        old.unlink()
    for i, text in enumerate(seeds):
        (folder / f"seed-{i:03d}").write_bytes(text.encode())


def main():
    ops = list(schema["ops"].keys())
    json_tokens = ['{"', '":', ',"', "}", "[", "]", "null", "true", "false", "-1", "0", "1e999", "1.5",
                   "9007199254740993", "18446744073709551616", "\\u0000", "\\ud800", '""']
    words = sorted(schema_words() | {"id", "op", "args", "key", "topics", "cursor", "limit", "filters", "batch",
                                     "final", "patch", "password", "discount_pct", "discount_amount"})
    values = ["2026-11-18T00:00:00.000Z", "0912345678", "+380671234567", "TRA-XANH", "QUA-TET", "fb", "HN"]
    write_dict("ops", ops + [f'"{w}"' for w in words] + json_tokens + values)
    write_dict("ws", ops + [f'"{w}"' for w in words] + json_tokens)
    write_dict("http", ["GET", "POST", "HEAD", "HTTP/1.1", "HTTP/1.0", "\r\n", "\r\n\r\n", ": ", "/ws", "/api/login",
                        "/api/logout", "Host", "Upgrade", "websocket", "Connection", "Upgrade", "keep-alive", "close",
                        "Sec-WebSocket-Key", "Sec-WebSocket-Version", "13", "dGhlIHNhbXBsZSBub25jZQ==", "Origin",
                        "http://", "Cookie", "sd_session=", "; ", "Authorization", "Bearer ", "Content-Length",
                        "Transfer-Encoding", "chunked", "0\r\n\r\n", '"username"', '"password"', "Expect",
                        "100-continue", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "permessage-deflate"])
    op_seeds = [f"{op}\n{json.dumps(args, ensure_ascii=False)}" for op, cases in OP_ARGS.items() for args in cases]
    op_seeds += ["me", "leads.list\n", "orders.list\nnull"]
    missing = [op for op in ops if op not in OP_ARGS and op not in ("subscribe", "unsubscribe")]
    if missing:
        raise SystemExit(f"seeds.py: no seed for {missing}")
    write_seeds("ops", op_seeds)
    write_seeds("ws", [json.dumps(f, ensure_ascii=False) for f in WS_FRAMES] + WS_RAW)
    write_seeds("http", HTTP + LOGIN + ["theme=dark; sd_session=abc; x", "sd_session"])


if __name__ == "__main__":
    main()
