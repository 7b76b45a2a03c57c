// The web UI's timing budget (issue 11 item 8), in Debian's chromium through playwright-core:
//   - inbox first paint: from pressing "Sign in" to the first conversation row on screen;
//   - push to screen: from a webhook's POST to its message heading the inbox list;
//   - pool first paint: from opening the pool to its first row.
// Each on a big unit (the demo plus N conversations written through the API page's webhook and
// P leads imported and floated into the pool) and, as the baseline measured in the same run,
// on the demo's small unit. Prints each measure's median (and spread) and the ratio big/small.
//
//   node tools/bench/ui.mjs [--bin build/release/app/salesdesk] [--conversations 10000]
//                           [--pooled 200000] [--reps 7] [--deep 2000]
//
// Talks to 127.0.0.1 only; stops its servers and browser when done.
import {createHmac} from "node:crypto";
import {cpus} from "node:os";
import {resolve} from "node:path";
import {performance} from "node:perf_hooks";

import {launch, open_page, start_server} from "../../tests/browser/harness.mjs";

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
process.env.SALESDESK_BIN =
    resolve(option("bin", process.env.SALESDESK_BIN ?? "build/release/app/salesdesk"));
const conversations = Number(option("conversations", 10000));
const pooled = Number(option("pooled", 200000));
const reps = Number(option("reps", 7));
const demo_secret = "demo-api-secret";  // the demo's API page (id 1), README

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function spread(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return `${s[0].toFixed(0)}–${s[s.length - 1].toFixed(0)}`;
}

// One message through the API page's webhook, signed as PROTOCOL.md section 6 says.
async function webhook(url, id, user, text) {
  const body = JSON.stringify(
      {event: "message", message_id: id, customer: {id: user, name: `Khách ${user}`}, text});
  const signature = createHmac("sha256", demo_secret).update(body).digest("hex");
  for (let tries = 0;; tries++) {
    const r = await fetch(`${url}/webhooks/api/1`, {
      method: "POST",
      body,
      headers: {"X-Salesdesk-Signature": `sha256=${signature}`, "Content-Type": "application/json"}
    });
    if (r.status === 200) return;
    // A busy server says so (503); a channel would send again later, and so does this.
    if (r.status !== 503 || tries > 100) {
      throw new Error(`webhook answered ${r.status}: ${await r.text()}`);
    }
    await new Promise((ok) => setTimeout(ok, 20 * (tries + 1)));
  }
}

async function write_conversations(url, n) {
  let next = 0;
  const sender = async () => {
    while (next < n) {
      const i = next++;
      const text = `Tin nhắn ${i}: còn hàng không shop?`;
      await webhook(url, `bench-${i}`, `bench-user-${i}`, text);
    }
  };
  await Promise.all(Array.from({length: 16}, sender));
}

// Requests over a WebSocket of a signed-in page (the protocol's own envelope), in order.
async function calls(page, list) {
  return page.evaluate(async (list) => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    await new Promise((ok, fail) => {
      ws.onopen = ok;
      ws.onerror = fail;
    });
    const out = [];
    for (const [i, [op, args]] of list.entries()) {
      const answer = new Promise((ok) => {
        ws.onmessage = (e) => {
          const frame = JSON.parse(e.data);
          if (frame.id === `b${i}`) ok(frame);
        };
      });
      ws.send(JSON.stringify({id: `b${i}`, op, args}));
      const frame = await answer;
      if (!frame.ok) throw new Error(`${op}: ${JSON.stringify(frame.error)}`);
      out.push(frame.result);
    }
    ws.close();
    return out;
  }, list);
}

// P leads, imported by the manager in chunks under 1 MiB, floating at once (the demo's pool
// floats every lead in a floating status); waits until the reports count them in the pool.
async function fill_pool(browser, url, n) {
  const page = await open_page(browser, url, {language: "en"});
  await sign_in(page, "manager");
  const chunk = 5000;
  for (let start = 0; start < n; start += 100000) {
    const rows = Math.min(100000, n - start);
    const id = `bench-${start}`;
    for (let k = 0; k < rows; k += chunk) {
      const leads = [];
      for (let j = k; j < Math.min(rows, k + chunk); j++) {
        const number = String(start + j).padStart(7, "0");
        leads.push({phone: `039${number}`, name: `Lead ${start + j}`, status: "new"});
      }
      const final = k + chunk >= rows;
      await calls(page, [["leads.import", {leads, batch: final ? {id, final, rows} : {id}}]]);
    }
  }
  const from = new Date(Date.now() - 3600000).toISOString();
  for (;;) {
    const [r] = await calls(page, [["reports.summary", {from}]]);
    if (r.totals.pool_entered >= n) break;
    await page.waitForTimeout(500);  // (a benchmark's setup, not a test: polling is fine here)
  }
  await page.context().close();
}

async function sign_in(page, username, password = "demo-pass-1") {
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForSelector(".bar");
}

// From a webhook's POST to its message heading the open inbox list.
async function push_to_top(page, url, label, i) {
  const text = `đo ${label} ${i} ${Date.now()}`;
  const seen = page.waitForFunction(
      (want) => document.querySelector(".conversation .last")?.textContent === want, text,
      {polling: "raf", timeout: 30000});
  const t = performance.now();
  await webhook(url, `bench-push-${label}-${i}-${Date.now()}`, `bench-push-${i}`, text);
  await seen;
  return performance.now() - t;
}

// Scrolls the inbox list down until `n` conversations are loaded in it, then back up.
async function scroll_list(page, n) {
  await page.evaluate(async (n) => {
    const pane = document.querySelector(".list-pane");
    const loaded = () => Number(document.querySelector(".conversations").dataset.loaded);
    while (loaded() < n) {
      pane.scrollTop = pane.scrollHeight;
      await new Promise((ok) => setTimeout(ok, 20));
    }
    pane.scrollTop = 0;  // back to the top, where a new message shows
  }, n);
}

// The measures on one server, each `reps` times: a push right after the first paint, a second
// one (warm), and with deep_rows a third once that many rows are loaded in the list (compared
// with the small unit's second).
async function measure(browser, url, label, deep_rows = 0) {
  const login = [], push = [], again = [], pool = [], deep = [];
  for (let i = 0; i < reps; i++) {
    const page = await open_page(browser, url, {language: "en"});
    await page.fill("input[name=username]", "manager");
    await page.fill("input[name=password]", "demo-pass-1");
    const t0 = performance.now();
    await page.click("button[type=submit]");
    await page.waitForSelector(".conversation");
    login.push(performance.now() - t0);
    push.push(await push_to_top(page, url, label, i));
    again.push(await push_to_top(page, url, `${label}-again`, i));
    if (deep_rows) {
      await scroll_list(page, deep_rows);
      deep.push(await push_to_top(page, url, `${label}-deep`, i));
    }
    const t2 = performance.now();
    await page.click("a[data-screen=pool]");
    await page.waitForSelector(".pool-table tbody tr");
    pool.push(performance.now() - t2);
    await page.context().close();
  }
  return {login, push, again, pool, deep};
}

const deep_rows = Math.min(Number(option("deep", 2000)), conversations);
const browser = await launch();
const servers = [];
try {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}`);
  const small = await start_server({stream: 0});
  servers.push(small);
  const base = await measure(browser, small.url, "small");

  const big = await start_server({stream: 0});
  servers.push(big);
  let t = performance.now();
  await write_conversations(big.url, conversations);
  const took = () => `${((performance.now() - t) / 1000).toFixed(1)} s`;
  console.log(`setup: ${conversations} conversations in ${took()}`);
  t = performance.now();
  await fill_pool(browser, big.url, pooled);
  console.log(`setup: ${pooled} leads imported and floated in ${took()}`);
  const at_size = await measure(browser, big.url, "big", deep_rows);

  console.log(`\nmeasure (ms, median of ${reps}; range)      small unit       big unit    ratio`);
  const lines = [
    ["login", "login", "inbox first paint after login"],
    ["push", "push", "webhook message to the list's top"],
    ["again", "again", "the same, the page's second"],
    ["again", "deep", `the same, ${deep_rows} rows loaded`],
    ["pool", "pool", "pool first paint"],
  ];
  for (const [small_key, big_key, name] of lines) {
    const a = median(base[small_key]), b = median(at_size[big_key]);
    console.log(
        `${name.padEnd(40)} ${a.toFixed(0).padStart(6)} (${spread(base[small_key])})` +
        `  ${b.toFixed(0).padStart(6)} (${spread(at_size[big_key])})  ${(b / a).toFixed(2)}`);
  }
} finally {
  await browser.close();
  for (const s of servers) {
    await s.stop();
    s.cleanup();
  }
}
