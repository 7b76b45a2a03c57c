// The number pool in a real browser (seed 000): masked numbers, the eye with its countdown and
// the "another sale is viewing" and cooldown messages, take number (first wins, the others'
// rows grey and go), the heart and duplicate lists, and a manager's full numbers.
import assert from "node:assert/strict";
import {test} from "node:test";

import {open_page, per_file, screenshot, sign_in} from "./harness.mjs";

const env = per_file();

async function pool_of(user, options = {}) {
  const page = await open_page(env.browser, env.server.url, {language: "en", ...options});
  await sign_in(page, user);
  await page.click("a[data-screen=pool]");
  await page.waitForSelector(".pool-table tbody tr");
  return page;
}

const row_of = (page, name) => page.locator(".pool-table tbody tr", {hasText: name});

test(
    "the eye shows one number at a time to one sale, and take number goes to the first",
    async () => {
      const lan = await pool_of("lan");
      const minh = await pool_of("minh");
      // A lead in both draws (each sale's draw leaves out their own leads).
      const names = async (page) =>
          (await page.locator(".pool-table tbody td:nth-child(2)").allTextContents())
              .map((n) => n.trim());
      const theirs = await names(minh);
      const name = (await names(lan)).find((n) => theirs.includes(n));
      assert.ok(name, "the two sales' draws share a lead");
      const first = row_of(lan, name);
      const masked = (await first.locator(".number").textContent()).trim();
      assert.match(masked, /\*/, "a sale sees the number masked");

      await first.locator("button.eye").click();
      await lan.waitForFunction(
          (n) => !/\*/.test(
              [...document.querySelectorAll(".pool-table tbody tr")]
                  .find((tr) => tr.textContent.includes(n))
                  ?.querySelector(".number")
                  .textContent ??
              "*"),
          name);
      await lan.waitForSelector(".countdown:has-text('s left')");
      await screenshot(lan, "pool-en-1400");
      // Minh's row says someone is viewing, and his eye is refused with the same words.
      await row_of(minh, name).locator(".hint:has-text('Another sale is viewing')").waitFor();
      await row_of(minh, name).locator("button.eye").click();
      await row_of(minh, name).locator(".hint.bad:has-text('Another sale is viewing')").waitFor();
      // Lan cannot look at a second number before the cooldown: the message says how long.
      const second = lan.locator(".pool-table tbody tr").filter({hasNotText: name}).first();
      await second.locator("button.eye").click();
      await second.locator(".hint.bad", {hasText: /Wait \d+ s before viewing another number/})
          .waitFor();

      // Lan takes the number; it leaves her pool, and Minh's row greys and goes.
      await first.locator("button", {hasText: "Take number"}).click();
      await lan.waitForSelector(`.notice.ok:has-text("${name} is yours now")`);
      assert.equal(await row_of(lan, name).count(), 0);
      await row_of(minh, name).waitFor({state: "detached"});
      assert.deepEqual(lan.errors, []);
      assert.deepEqual(minh.errors, []);
      await lan.context().close();
      await minh.context().close();
    });

test(
    "a manager sees every number in full, and the heart and duplicate lists open under a row",
    async () => {
      const boss = await pool_of("manager");
      const numbers = await boss.locator(".pool-table .number").allTextContents();
      assert.ok(numbers.length > 0);
      for (const n of numbers) assert.doesNotMatch(n, /\*/);
      assert.equal(await boss.locator("button", {hasText: "Take number"}).count(), 0);
      // Statuses and sources by the catalog's names, not their codes.
      const table = await boss.locator(".pool-table tbody").textContent();
      assert.doesNotMatch(table, /no_answer|\bfb\b|hotline/);
      const row = boss.locator(".pool-table tbody tr").first();
      await row.locator("button.heart").click();
      await boss.locator("tr.detail").first().waitFor();
      await row.locator("button.dup").click();  // closes the open line
      await boss.waitForSelector("tr.detail", {state: "detached"});
      await row.locator("button.link", {hasText: "Views"}).click();
      await boss.locator("tr.detail").first().waitFor();
      assert.deepEqual(boss.errors, []);
      await boss.context().close();
    });

test("on a 390 px screen the pool fits without sideways scrolling", async () => {
  const page = await pool_of("minh", {width: 390, height: 800, language: "vi"});
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
  assert.equal(sideways, false);
  await screenshot(page, "pool-vi-390");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

// (No pool push follows a change of masking: the settings push on `me` is what moves the screen.)
test("admin stops masking phones; a sale's pool shows them in full without a reload", async () => {
  const lan = await pool_of("lan");
  assert.match(await lan.locator(".pool-table .number").first().textContent(), /\*/);
  const admin = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(admin, "admin", "admin-pass-1");
  await admin.click("a[data-screen=admin]");
  const mask = admin.locator("[data-key='pool.mask_phone'] input");
  await mask.uncheck();
  await admin.locator("[data-key='pool.mask_phone'] .saved:text-is('Saved')").waitFor();
  await lan.waitForFunction(() => {
    const numbers = [...document.querySelectorAll(".pool-table .number")];
    return numbers.length && numbers.every((n) => !n.textContent.includes("*"));
  });
  await mask.check();
  await lan.waitForFunction(
      () => document.querySelector(".pool-table .number")?.textContent.includes("*"));
  assert.deepEqual(lan.errors, []);
  assert.deepEqual(admin.errors, []);
  await lan.context().close();
  await admin.context().close();
});
