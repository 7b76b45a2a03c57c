// The demo's simulated customers (salesdesk serve --demo --demo-stream N): messages arrive on
// the demo API page as they would from its webhook, and the inbox moves by itself.
import assert from "node:assert/strict";
import {after, before, test} from "node:test";

import {launch, open_page, screenshot, sign_in, start_server} from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await start_server({stream: 1});
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
});

test("a newcomer's inbox fills with customers writing, without anyone touching it", async () => {
  const page = await open_page(browser, server.url, {language: "vi"});
  await sign_in(page, "manager");
  await page.waitForSelector(".conversation");
  const first = await page.locator(".conversation").count();
  // About one a second: within a few seconds the list has grown, pushed, with no reload.
  await page.waitForFunction(
      (n) => document.querySelectorAll(".conversation").length >= n + 2, first, {timeout: 20000});
  // The count on the tab follows (a moment later: counts are asked again after the pushes).
  await page.waitForFunction(
      (n) => Number(document.querySelector(".tab[data-tab=all] .badge").textContent) >= n + 2,
      first);
  await screenshot(page, "demo-stream-vi-1400");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
