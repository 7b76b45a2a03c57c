// The managers' dashboard in a real browser: the period's figures, each sale's row, the pool's
// chart, a claim elsewhere moving the figures live, the periods, a phone, and sales kept out.
import assert from "node:assert/strict";
import {test} from "node:test";

import {open_page, per_file, screenshot, sign_in} from "./harness.mjs";

const env = per_file();

const figure = (page, key) =>
    page.locator(`.tile[data-figure=${key}] .figure`).textContent().then((x) => x.trim());

test("a manager sees today's figures, and a claim elsewhere moves them live", async () => {
  const boss = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(boss, "manager");
  await boss.click("a[data-screen=dashboard]");
  await boss.waitForSelector(".tile[data-figure=conversations]");
  assert.ok(Number(await figure(boss, "conversations")) >= 6, "the demo's conversations");
  for (const name of ["Nguyễn Thị Lan", "Lê Văn Minh", "Олена Коваль", "Тарас Бойко"])
    await boss.waitForSelector(`.panel .data-table tr:has-text('${name}')`);
  await boss.waitForSelector(".panel:has-text('Conversations by page') .bar-rows li");
  await screenshot(boss, "dashboard-en-1400");
  const before = Number(await figure(boss, "claims"));

  const lan = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(lan, "lan");
  await lan.click("a[data-screen=pool]");
  await lan.waitForSelector(".pool-table tbody tr");
  await lan.locator(".pool-table tbody tr")
      .first()
      .locator("button", {hasText: "Take number"})
      .click();
  await boss.waitForFunction(
      (n) =>
          Number(document.querySelector(".tile[data-figure=claims] .figure").textContent) === n + 1,
      before);
  const row = boss.locator(".panel .data-table tr:has-text('Nguyễn Thị Lan') td");
  assert.ok(Number(await row.nth(4).textContent()) >= 1, "lan's claims");
  await lan.context().close();

  await boss.click(".periods button[data-period=month]");
  await boss.waitForSelector(".panel h3:text-is('The pool by day')");
  await boss.waitForFunction(
      () => [...document.querySelectorAll(".plot .col")].some((c) => c.offsetHeight > 0));
  await screenshot(boss, "dashboard-month-en-1400");
  assert.deepEqual(boss.errors, []);
  await boss.context().close();
});

test("on a phone the dashboard fits; a sale has no dashboard", async () => {
  const page =
      await open_page(env.browser, env.server.url, {width: 390, height: 800, language: "vi"});
  await sign_in(page, "manager");
  await page.goto(`${env.server.url}/#/dashboard`);
  await page.waitForSelector(".tile");
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
  assert.equal(sideways, false);
  await screenshot(page, "dashboard-vi-390");
  await page.context().close();

  const sale = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(sale, "minh");
  assert.equal(await sale.locator("a[data-screen=dashboard]").count(), 0);
  await sale.context().close();
});
