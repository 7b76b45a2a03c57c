// The inbox with hundreds of conversations: the list is virtual (only the rows in sight are in
// the page, in order, however far it is scrolled), a push still puts its conversation on top,
// and the keyboard's next brings a row out of sight into view.
import assert from "node:assert/strict";
import {test} from "node:test";

import {customer_writes, open_page, per_file, screenshot, sign_in} from "./harness.mjs";

const env = per_file();

function write(i, text = `Tin nhắn số ${i}`) {
  return customer_writes(env.server, {
    id: `many-${i}-${text}`,
    user: `many-${i}`,
    name: `Khách ${String(i).padStart(3, "0")}`,
    text
  });
}

test("300 conversations: a virtual list that follows pushes and the keyboard", async () => {
  for (let i = 0; i < 300; i += 20)
    await Promise.all(Array.from({length: 20}, (_, k) => write(i + k)));
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "manager");
  await page.waitForSelector(".conversation");
  const loaded = () => page.$eval(".conversations", (l) => Number(l.dataset.loaded));
  // Scrolled to the end: every conversation is loaded, a screenful is in the page.
  // Scrolled to the end until the list is whole (its rows then know how many there are).
  const whole = () => page.$eval(
      ".conversation", (r) => r.getAttribute("aria-setsize") === r.parentElement.dataset.loaded);
  for (let before = await loaded(); !(await whole()); before = await loaded()) {
    await page.$eval(".list-pane", (p) => (p.scrollTop = p.scrollHeight));
    await page.waitForFunction(
        (n) => Number(document.querySelector(".conversations").dataset.loaded) > n ||
            document.querySelector(".conversation").getAttribute("aria-setsize") === String(n),
        before);
  }
  const total = await loaded();
  assert.ok(total >= 300, `${total} conversations`);
  await page.$eval(".list-pane", (p) => (p.scrollTop = p.scrollHeight));
  await page.waitForFunction(
      (n) => document.querySelector(`.conversation[aria-posinset='${n}']`), total);
  const in_page = await page.locator(".conversation").count();
  assert.ok(in_page < 40, `${in_page} rows in the page`);
  const positions = await page.$$eval(
      ".conversation", (rows) => rows.map((r) => Number(r.getAttribute("aria-posinset"))));
  assert.deepEqual(positions, positions.slice().sort((a, b) => a - b), "rows in the page in order");
  assert.equal(positions.at(-1), total, "the last row, in sight at the end");

  // A customer far down writes again: back at the top, the conversation heads the list.
  await write(5, "Cho em hỏi lại giá");
  await page.$eval(".list-pane", (p) => (p.scrollTop = 0));
  await page.waitForFunction(
      () => document.querySelector(".conversation .name")?.textContent === "Khách 005");
  await screenshot(page, "inbox-many-en-1400");

  // Alt+J from the top row walks down past the screen; the open row stays in sight.
  const top = await page.locator(".conversation").first().getAttribute("data-id");
  await page.locator(".conversation a").first().click();
  await page.waitForFunction((id) => location.hash === `#/inbox/${id}`, top);
  // Fifteen quick presses (faster than the pane opens each): the sixteenth row is open.
  for (let k = 0; k < 15; k++) await page.keyboard.press("Alt+J");
  await page.waitForFunction(() => {
    const open = location.hash.split("/")[2];
    return document.querySelector(`.conversation[data-id='${open}']`)
               ?.getAttribute("aria-posinset") === "16";
  });
  const open = await page.evaluate(() => Number(location.hash.split("/")[2]));
  const row = page.locator(`.conversation[data-id='${open}']`);
  assert.ok(await row.isVisible());
  const name = await row.locator(".name").textContent();
  await page.waitForFunction(
      (n) => document.querySelector(".conversation-header h2")?.textContent === n, name);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
