// My leads in a real browser: the work queue, a status changed in place, a note and a call
// logged, and a number taken from the pool in another tab arriving live.
import assert from "node:assert/strict";
import {test} from "node:test";

import {open_page, per_file, screenshot, sign_in} from "./harness.mjs";

const env = per_file();

test(
    "a sale works a lead: status, note, call, and a number taken elsewhere arrives live",
    async () => {
      const page = await open_page(env.browser, env.server.url, {language: "en"});
      await sign_in(page, "lan");
      await page.click("a[data-screen=leads]");
      await page.waitForSelector(".leads .pool-table tbody tr");
      const before_count = await page.locator(".leads tbody tr").count();
      // Her cold leads floated (the demo floats at once) and stay hers until someone claims them.
      await page.waitForSelector(
          ".leads td.hint-cell:text-is('in the pool now: anyone may claim it')");

      const row = page.locator(".leads tbody tr").first();
      const name = (await row.locator("td").nth(1).textContent()).trim();
      await row.locator("select").selectOption("busy");
      await page.waitForFunction(
          (n) => [...document.querySelectorAll(".leads tbody tr")]
                     .find((tr) => tr.textContent.includes(n))
                     ?.querySelector("select")
                     .value === "busy",
          name);
      // Busy floats, and the demo floats at once: the row hears it from the server (lead_changed).
      await page.locator(".leads tbody tr", {hasText: name})
          .locator("td.hint-cell:text-is('in the pool now: anyone may claim it')")
          .waitFor();

      await row.locator("button", {hasText: "Notes and calls"}).click();
      const note = `gọi lại sau 5 giờ chiều <i>${Date.now()}</i>`;
      await page.fill(".lead-detail textarea", note);
      await page.click(".lead-detail button:has-text('Add note')");
      await page.waitForSelector(`.lead-detail .text:text-is("${note}")`);
      await page.fill(".lead-detail input[type=number]", "3");
      await page.fill(".lead-detail input[placeholder=Outcome]", "no answer");
      await page.click(".lead-detail button:has-text('Log call')");
      await page.waitForSelector(".lead-detail li:has-text('outgoing · 3 min · no answer')");
      // The history says who did what, newest first: her call, note and status, the import.
      const history = page.locator(".lead-detail .history li");
      await history.filter({hasText: "Nguyễn Thị Lan: a call, outgoing, 3 min"}).waitFor();
      await history.filter({hasText: "Nguyễn Thị Lan set the status to Busy"}).waitFor();
      assert.match(await history.last().textContent(), /Trần Thị Mai imported it/);
      await screenshot(page, "leads-en-1400");

      // Another tab of hers takes a number from the pool: it shows up here without a reload.
      const other = await open_page(env.browser, env.server.url, {language: "en"});
      await sign_in(other, "lan");
      await other.click("a[data-screen=pool]");
      await other.waitForSelector(".pool-table tbody tr");
      const taken = (await other.locator(".pool-table tbody tr td").nth(1).textContent()).trim();
      await other.locator(".pool-table tbody tr")
          .first()
          .locator("button", {hasText: "Take number"})
          .click();
      await page.waitForSelector(`.leads tbody tr:has-text("${taken}")`);
      assert.equal(await page.locator(".leads tbody tr:not(.detail)").count(), before_count + 1);
      assert.deepEqual(page.errors, []);
      assert.deepEqual(other.errors, []);
      await page.context().close();
      await other.context().close();
    });

test(
    "a sale orders from a lead: its phone is the lead's, and the lead becomes ordered",
    async () => {
      const page =
          await open_page(env.browser, env.server.url, {width: 390, height: 800, language: "vi"});
      await sign_in(page, "olena");
      await page.click("a[data-screen=leads]");
      const row = page.locator(".leads tbody tr:not(.detail)").first();
      await row.waitFor();
      const phone = (await row.locator("td.phone").textContent()).trim();
      await row.locator("button", {hasText: "Tạo đơn"}).click();
      const dialog = page.locator("dialog.order-dialog[open]");
      await dialog.waitFor();
      assert.equal(await dialog.locator("input[name=phone]").inputValue(), phone);
      assert.equal(await dialog.locator("input[name=phone]").getAttribute("readonly"), "");
      await dialog.locator(".order-line select").first().selectOption("p:MAT-ONG");
      await dialog.locator(".order-line select[aria-label]").nth(1).selectOption("amount");
      await dialog.locator(".order-line input[aria-label]").nth(1).fill("20000");
      await page.waitForFunction(
          () => /130\.000/.test(document.querySelector(".order-total").textContent));
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
      assert.equal(sideways, false);
      await screenshot(page, "leads-order-vi-390");
      await dialog.locator("button[type=submit]").click();
      await dialog.waitFor({state: "detached"});
      await page.waitForSelector(".leads .notice.ok:has-text('130.000')");
      await page.waitForFunction(
          (p) => [...document.querySelectorAll(".leads tbody tr")]
                     .find((tr) => tr.textContent.includes(p))
                     ?.querySelector("select")
                     .value === "ordered",
          phone);
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

test(
    "a manager pages through every lead and narrows them by owner, status and the pool",
    async () => {
      const page = await open_page(env.browser, env.server.url, {language: "en"});
      await sign_in(page, "manager");
      // Every lead, not "my" leads: the bar says so to a manager.
      assert.equal(await page.locator("a[data-screen=leads]").textContent(), "Leads");
      await page.click("a[data-screen=leads]");
      const rows = page.locator(".leads tbody tr:not(.detail)");
      await rows.first().waitFor();
      // The demo has a few hundred leads: the first page is 100, and more follow on request.
      assert.equal(await rows.count(), 100);
      const more = page.locator(".leads button.more");
      await more.click();
      await page.waitForFunction(
          () => document.querySelectorAll(".leads tbody tr:not(.detail)").length > 100);
      const shown = await rows.count();
      const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.lead)));
      assert.equal(new Set(ids).size, shown, "a lead shown twice");

      // Lan's leads only: every row says she owns it.
      await page.locator(".lead-filters select[data-filter=owner_id]").selectOption({
        label: "Nguyễn Thị Lan"
      });
      await page.waitForFunction(() => {
        const cells = [...document.querySelectorAll(".leads tbody td.owner")];
        return cells.length > 0 && cells.every((c) => c.textContent === "Nguyễn Thị Lan");
      });
      const hers = await rows.count();
      assert.ok(hers < shown, `${hers} of ${shown}`);
      // Hers in the pool (the demo floats at once): each row says so.
      await page.check(".lead-filters input[data-filter=in_pool]");
      await page.waitForFunction(() => {
        const cells = [...document.querySelectorAll(".leads tbody td.hint-cell")];
        return cells.length > 0 && cells.length < 100 &&
            cells.every((c) => c.textContent === "in the pool now: anyone may claim it");
      });
      await screenshot(page, "leads-manager-en-1400");
      // Ordered ones, of every sale (the test before made one): each row's status says so.
      await page.uncheck(".lead-filters input[data-filter=in_pool]");
      await page.locator(".lead-filters select[data-filter=owner_id]").selectOption("");
      await page.locator(".lead-filters select[data-filter=status]").selectOption("ordered");
      await page.waitForFunction(() => {
        const picked = [...document.querySelectorAll(".leads tbody tr:not(.detail) select")];
        return picked.length > 0 && picked.every((s) => s.value === "ordered");
      });
      // An ordered lead does not float: none of them is in the pool, said in words.
      await page.check(".lead-filters input[data-filter=in_pool]");
      await page.waitForSelector(".leads .list-state:text-is('No leads match these filters.')");
      assert.equal(await rows.count(), 0);
      assert.equal(await more.isVisible(), false);
      assert.deepEqual(page.errors, []);
      await page.context().close();

      // On a phone, in Ukrainian: the filters wrap above the list, nothing runs off sideways
      // but the table itself.
      const phone = await open_page(env.browser, env.server.url, {width: 390, language: "uk"});
      await sign_in(phone, "manager");
      assert.equal(await phone.locator("a[data-screen=leads]").textContent(), "Ліди");
      await phone.click("a[data-screen=leads]");
      await phone.locator(".leads tbody tr").first().waitFor();
      const bar = await phone.locator(".lead-filters").boundingBox();
      assert.ok(bar.x >= 0 && bar.x + bar.width <= 390, JSON.stringify(bar));
      await phone.locator(".lead-filters select[data-filter=status]").selectOption("busy");
      await phone.waitForFunction(() => {
        const picked = [...document.querySelectorAll(".leads tbody tr:not(.detail) select")];
        return picked.length > 0 && picked.every((s) => s.value === "busy");
      });
      const sideways =
          await phone.evaluate(() => document.documentElement.scrollWidth > innerWidth);
      assert.equal(sideways, false);
      await screenshot(phone, "leads-manager-uk-390");
      assert.deepEqual(phone.errors, []);
      await phone.context().close();
    });
