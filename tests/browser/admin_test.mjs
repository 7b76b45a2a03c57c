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
  // Said in the admin's language: the message has a code and its values, not only English.
  const vi = await open_page(env.browser, env.server.url, {language: "vi"});
  await sign_in(vi, "admin", "admin-pass-1");
  await vi.click("a[data-screen=admin]");
  const said = vi.locator(".system-messages li[data-code=webhook_bad_signature]").last();
  await said.waitFor();
  assert.match(await said.textContent(),
               /webhook · Webhook cho trang 1 từ 127\.0\.0\.1 bị từ chối: chữ ký không khớp/);
  await screenshot(vi, "admin-messages-vi-1400");
  assert.deepEqual(vi.errors, []);
  await vi.context().close();
  await page.click(".system-messages button:has-text('Clear')");
  await page.waitForSelector(".system-messages p:has-text('Nothing needs you now.')");
  await page.waitForFunction(
      () => !document.querySelector("a[data-screen=admin] .count")?.textContent);
  // (the forged call's 401 is the browser's own console entry)
  assert.deepEqual(page.errors.filter((e) => !/status of 401/.test(e)), []);
  await page.context().close();
});

// The form of an admin part by its name, and a field in it.
const form_named = (page, name) => page.locator(`form[aria-label='${name}']`);
const field = (form, name) => form.locator(
    `[data-field=${name}] input, [data-field=${name}] select,` +
    ` [data-field=${name}] textarea`);

test("admin makes a team and a user; a short password is refused; the user signs in", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "admin", "admin-pass-1");
  await page.goto(`${env.server.url}/#/admin/users`);
  await page.waitForSelector(".data-table tr[data-key] >> text=minh");
  const team = form_named(page, "New team");
  await field(team, "name").fill("Night shift");
  await team.locator("button[type=submit]").click();
  await page.waitForSelector(".chips li:text-is('Night shift')");

  const create = form_named(page, "New user");
  await field(create, "name").fill("Phạm Thu Hà");
  await field(create, "username").fill("ha");
  await field(create, "password").fill("short");
  await field(create, "role").selectOption("sale");
  await create.locator("label.check:has-text('Night shift') input").check();
  await create.locator("button[type=submit]").click();
  await create.locator(".error:not(:empty)").waitFor();
  assert.match(await create.locator(".error").textContent(), /8 characters/);
  assert.equal(await page.locator(".data-table tr:has-text('Phạm Thu Hà')").count(), 0);
  await field(create, "password").fill("ha-pass-123");
  await create.locator("button[type=submit]").click();
  const row = page.locator(".data-table tr:has-text('Phạm Thu Hà')");
  await row.waitFor();
  assert.match(await row.textContent(), /Sale.*Night shift/);

  // A change: manager now, and what is unchanged is not sent (the server answers the same).
  await row.locator("button:has-text('Edit')").click();
  const edit = form_named(page, "Change a user");
  assert.equal(await field(edit, "name").inputValue(), "Phạm Thu Hà");
  await field(edit, "role").selectOption("manager");
  await edit.locator("button[type=submit]").click();
  await page.waitForSelector(".data-table tr:has-text('Phạm Thu Hà') >> text=Manager");
  await screenshot(page, "admin-users-en-1400");

  const other = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(other, "ha", "ha-pass-123");
  await other.waitForSelector("a[data-screen=admin]");
  await other.context().close();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("admin connects an API page, sees its webhook address, grants it, disconnects", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "admin", "admin-pass-1");
  await page.goto(`${env.server.url}/#/admin/pages`);
  await page.waitForSelector(".data-table tr[data-key]");
  const connect = form_named(page, "Connect a page");
  await field(connect, "channel").selectOption("api");
  await field(connect, "name").fill("Shop site");
  await field(connect, "external_id").fill("shop-site");
  await field(connect, "secret").fill("site-signing-key");
  await connect.locator("button[type=submit]").click();
  const row = page.locator(".data-table tr:has-text('Shop site')");
  await row.waitFor();
  const id = await row.getAttribute("data-key");
  assert.match(await row.textContent(), new RegExp(`/webhooks/api/${id}`));
  assert.match(await row.textContent(), /secret set/);
  assert.doesNotMatch(await page.content(), /site-signing-key/, "a secret is never shown");

  // The new page opens for change: grant it to lan, and lan's inbox offers it.
  const access = form_named(page, "Who works on it");
  await access.locator("label.check:has-text('Nguyễn Thị Lan') input").check();
  await access.locator("button[type=submit]").click();
  await page.waitForSelector(`.data-table tr[data-key='${id}'] >> text=Nguyễn Thị Lan`);
  const lan = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(lan, "lan");
  await lan.waitForSelector(
      `select[aria-label='All pages'] option[value='p:${id}']`, {state: "attached"});
  await lan.context().close();

  // Disconnecting asks first.
  page.once("dialog", (d) => d.accept());
  await page.click(".edit-part button.danger");
  await page.waitForSelector(`.data-table tr[data-key='${id}'] >> text=Disconnected`);
  await screenshot(page, "admin-pages-en-1400");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("admin fills the catalog (product, combo, floating status) and quick replies", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "admin", "admin-pass-1");
  await page.click("a[data-screen=admin]");
  await page.click(".admin-tabs a[data-part=catalog]");
  const products = form_named(page, "Products");
  await field(products, "sku").fill("TEA-100");
  await field(products, "name").fill("Trà sen 100 g");
  await field(products, "price").fill("85000");
  await products.locator("button[type=submit]").click();
  const product = page.locator("[data-kind=products] tr[data-key='TEA-100']");
  await product.waitFor();
  assert.match(await product.textContent(), /85\.000\s*₫/);

  // Edit puts the row into the form; the same sku again changes its price.
  await product.locator("button:has-text('Edit')").click();
  assert.equal(await field(products, "sku").inputValue(), "TEA-100");
  await field(products, "price").fill("90000");
  await products.locator("button[type=submit]").click();
  await page.waitForSelector("[data-kind=products] tr[data-key='TEA-100'] >> text=/90\\.000/");

  const combos = form_named(page, "Combos");
  await field(combos, "code").fill("TEA-GIFT");
  await field(combos, "name").fill("Hộp quà trà");
  await field(combos, "price").fill("160000");
  await combos.locator("button:has-text('Add a product')").click();
  await combos.locator(".lines-control select").selectOption("TEA-100");
  await combos.locator(".lines-control input").fill("2");
  await combos.locator("button[type=submit]").click();
  await page.waitForSelector(
      "[data-kind=combos] tr[data-key='TEA-GIFT'] >> text=2 × Trà sen 100 g");

  // A combo of nothing is refused with the server's words, and nothing is added.
  await field(combos, "code").fill("EMPTY");
  await field(combos, "name").fill("Nothing inside");
  await field(combos, "price").fill("1000");
  assert.equal(await combos.locator(".lines-control li").count(), 0, "a saved form starts anew");
  await combos.locator("button[type=submit]").click();
  await combos.locator(".error:not(:empty)").waitFor();
  assert.equal(await page.locator("[data-kind=combos] tr[data-key='EMPTY']").count(), 0);

  const statuses = form_named(page, "Lead statuses");
  await field(statuses, "code").fill("cold");
  await field(statuses, "name").fill("Went cold");
  await field(statuses, "floats").check();
  await statuses.locator("button[type=submit]").click();
  await page.waitForSelector("[data-kind=statuses] tr[data-key='cold'] >> text=✓");
  await screenshot(page, "admin-catalog-en-1400");

  await page.click(".admin-tabs a[data-part=replies]");
  const replies = form_named(page, "Quick replies");
  await field(replies, "code").fill("ship");
  await field(replies, "text").fill("Shop giao hàng trong 2-3 ngày ạ.");
  await replies.locator("button[type=submit]").click();
  const reply = page.locator(".data-table tr[data-key='ship']");
  await reply.waitFor();
  await screenshot(page, "admin-replies-en-1400");
  await reply.locator("button:has-text('Remove')").click();
  await reply.waitFor({state: "detached"});
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a manager reads users, pages and catalog on a phone, keeps quick replies", async () => {
  const page =
      await open_page(env.browser, env.server.url, {width: 390, height: 800, language: "uk"});
  await sign_in(page, "manager");
  for (const part of ["users", "pages", "catalog"]) {
    await page.goto(`${env.server.url}/#/admin/${part}`);
    await page.waitForSelector(".data-table tr[data-key]");
    assert.equal(await page.locator(".record-form").count(), 0, `${part}: no forms`);
    assert.equal(await page.locator("td.row-actions button").count(), 0, `${part}: no edit`);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
    assert.equal(sideways, false, part);
    await screenshot(page, `admin-${part}-uk-390`);
  }
  await page.goto(`${env.server.url}/#/admin/replies`);
  await page.waitForSelector("form.record-form");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
