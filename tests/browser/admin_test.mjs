// Admin in a real browser: the settings grouped as a function configuration, each saved as
// it is changed, a value out of range refused with the server's words, read-only for managers.
import assert from "node:assert/strict";
import {test} from "node:test";

import {open_page, per_file, screenshot, sign_in} from "./harness.mjs";

const env = per_file();

test("admin changes settings one by one; a bad value is refused and said; they stay", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "admin", "admin-pass-1");
  await page.click("a[data-screen=admin]");
  await page.waitForSelector(".settings-group legend:text-is('Number pool')");
  const cooldown = page.locator("[data-key='pool.reveal_cooldown_s']");
  await cooldown.locator("input").fill("5");
  await cooldown.locator("input").press("Tab");
  await cooldown.locator(".saved:text-is('Saved')").waitFor();
  const offset = page.locator("[data-key='unit.utc_offset_minutes']");
  await offset.locator("input").fill("9999");
  await offset.locator("input").press("Tab");
  await offset.locator(".saved.bad").waitFor();
  assert.match(await offset.locator(".saved.bad").textContent(), /between -720 and 840/);
  assert.equal(await offset.locator("input").inputValue(), "420", "the box shows what is kept");
  await page.locator("[data-key='inbox.visibility'] select").selectOption("self_assign");
  await page.locator("[data-key='inbox.visibility'] .saved:text-is('Saved')").waitFor();
  await screenshot(page, "admin-settings-en-1400");

  await page.reload();
  await page.waitForSelector(".settings-group");
  assert.equal(await cooldown.locator("input").inputValue(), "5");
  assert.equal(await offset.locator("input").inputValue(), "420");
  assert.equal(
      await page.locator("[data-key='inbox.visibility'] select").inputValue(), "self_assign");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a manager sees the settings but cannot change them", async () => {
  const page =
      await open_page(env.browser, env.server.url, {width: 390, height: 800, language: "vi"});
  await sign_in(page, "manager");
  await page.click("a[data-screen=admin]");
  await page.waitForSelector(".settings-group");
  assert.equal(
      await page.locator(".setting input:not([disabled]), .setting select:not([disabled])").count(),
      0);
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
  assert.equal(sideways, false);
  await screenshot(page, "admin-settings-vi-390");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("admin's badge counts system messages as they come, and clearing empties it", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "admin", "admin-pass-1");
  await page.click("a[data-screen=admin]");
  await page.waitForSelector(".system-messages h2");
  const badge = page.locator("a[data-screen=admin] .count");
  const before = Number((await badge.textContent()) || "0");
  // A forged webhook raises one (at most once a minute per page).
  const response = await page.evaluate(async () => {
    const r = await fetch(
        "/webhooks/api/1",
        {method: "POST", body: "{}", headers: {"X-Salesdesk-Signature": "sha256=00"}});
    return r.status;
  });
  assert.equal(response, 401);
  await page.waitForFunction(
      (n) => Number(document.querySelector("a[data-screen=admin] .count")?.textContent || "0") ===
          n + 1,
      before);
  await page.waitForSelector(".system-messages li:has-text('signature')");
  await screenshot(page, "admin-messages-en-1400");
  await page.click(".system-messages button:has-text('Clear')");
  await page.waitForSelector(".system-messages p:has-text('Nothing needs you now.')");
  await page.waitForFunction(
      () => !document.querySelector("a[data-screen=admin] .count")?.textContent);
  // (the forged call's 401 is the browser's own console entry)
  assert.deepEqual(page.errors.filter((e) => !/status of 401/.test(e)), []);
  await page.context().close();
});
