// The browser tests' harness: the real salesdesk binary on 127.0.0.1 with demo data, and
// Debian's chromium driven by playwright-core. Every page's console errors are collected: a
// test ends by checking there were none.
import {spawn} from "node:child_process";
import {createHmac} from "node:crypto";
import {mkdirSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {after, before} from "node:test";
import {fileURLToPath} from "node:url";
import {chromium} from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const web_root = join(here, "..", "..", "app", "web");
export const demo_password = "demo-pass-1";
const ready_timeout_ms = 15000;

// A server on a fresh journal (--demo), or on `db` and `port` again (a restart).
// (no simulated customers unless asked: the tests' lists must hold still)
export async function start_server({db, port, stream = 0} = {}) {
  const bin = process.env.SALESDESK_BIN;
  if (!bin) throw new Error("SALESDESK_BIN is not set");
  const dir = db ? null : mkdtempSync(join(tmpdir(), "salesdesk-browser-"));
  db ??= join(dir, "ui.db");
  const child = spawn(
      bin,
      [
        "serve", "--db", db, "--listen", `127.0.0.1:${port ?? 0}`, "--demo", "--demo-stream",
        String(stream), "--web", web_root
      ],
      {
        env: {...process.env, SALESDESK_ADMIN_PASSWORD: "admin-pass-1"},
        stdio: ["ignore", "pipe", "inherit"]
      });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start")), ready_timeout_ms);
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/listening on (http:\/\/[\d.:]+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  });
  const stopped = new Promise((resolve) => child.on("exit", resolve));
  return {
    url,
    db,
    port: Number(new URL(url).port),
    async stop() {
      child.kill("SIGTERM");
      await stopped;
    },
    cleanup() {
      if (dir) rmSync(dir, {recursive: true, force: true});
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"]
  });
}

// A new browser context (its own cookies) with a page whose console errors are kept.
export async function open_page(browser, url, {width = 1400, height = 850, language} = {}) {
  const context = await browser.newContext({viewport: {width, height}});
  if (language) {
    // (the first visit's choice: a language switched later is kept across reloads)
    await context.addInitScript((lang) => {
      if (!localStorage.getItem("salesdesk.language"))
        localStorage.setItem("salesdesk.language", lang);
    }, language);
  }
  const page = await context.newPage();
  page.errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") page.errors.push(m.text());
  });
  page.on("pageerror", (e) => page.errors.push(String(e)));
  await page.goto(url);
  return page;
}

export async function sign_in(page, username, password = demo_password) {
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForSelector(".bar");
}

// Screenshots for a person to look at: SALESDESK_SCREENSHOTS, else build/screenshots.
export async function screenshot(page, name) {
  const dir = process.env.SALESDESK_SCREENSHOTS || join(here, "..", "..", "build", "screenshots");
  mkdirSync(dir, {recursive: true});
  await page.screenshot({path: join(dir, `${name}.png`)});
}

// A server with demo data and a browser for one test file: started before its first test,
// stopped after its last. Tests read `env.server` and `env.browser` (a test may restart the
// server and put the new one in `env.server`).
export function per_file(options = {}) {
  const env = {};
  before(async () => {
    env.server = await start_server(options);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
    env.server?.cleanup();
  });
  return env;
}

// A customer's message through the demo's API page (PROTOCOL.md section 6; the README's demo
// secret), as a channel would send it.
export async function customer_writes(server, {id, user, name, text}) {
  const body = JSON.stringify({event: "message", message_id: id, customer: {id: user, name}, text});
  const signature = createHmac("sha256", "demo-api-secret").update(body).digest("hex");
  const r = await fetch(
      `${server.url}/webhooks/api/1`,
      {method: "POST", body, headers: {"X-Salesdesk-Signature": `sha256=${signature}`}});
  if (r.status !== 200) throw new Error(`the webhook answered ${r.status}: ${await r.text()}`);
}
