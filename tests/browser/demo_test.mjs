// The demo's simulated customers (salesdesk serve --demo --demo-stream N): messages arrive on
// the demo API page as they would from its webhook, and the inbox moves by itself.
import assert from "node:assert/strict";
import {test} from "node:test";

import {open_page, per_file, screenshot, sign_in} from "./harness.mjs";

const env = per_file({stream: 1});

test("a newcomer's inbox fills with customers writing, without anyone touching it", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "vi"});
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
