// Automatic assignment in a real browser (issue 12): admin turns rotation on in the settings
// screen, a customer writes through the webhook and the conversation appears in the chosen sale's
// "Mine", saying why; the sale steps away with the presence picker and the next customer goes
// to the sale still at work.
import assert from "node:assert/strict";
import {test} from "node:test";

import {customer_writes, open_page, per_file, screenshot, sign_in} from "./harness.mjs";

const env = per_file();

const names = {
  lan: "Nguyễn Thị Lan",
  minh: "Lê Văn Minh"
};

async function mine(page) {
  await page.click("button.tab[data-tab=mine]");
  return page;
}

// The row of the customer's conversation in the page's current list, once it is there.
function row(page, customer) {
  return page.locator(".conversation", {hasText: customer});
}

test("a message on a page with rotation on appears in the chosen sale's inbox", async () => {
  const admin = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(admin, "admin", "admin-pass-1");
  const sales = {};
  for (const name of ["lan", "minh"]) {
    sales[name] = await open_page(env.browser, env.server.url, {language: "en"});
    await sign_in(sales[name], name);
    await sales[name].waitForSelector(".conversation");
    assert.equal(await sales[name].locator("select.presence").inputValue(), "online");
    await mine(sales[name]);
  }

  // Admin turns rotation on, in the settings screen, beside the other keys of the issue.
  await admin.click("a[data-screen=admin]");
  const setting = admin.locator("[data-key='inbox.auto_assign']");
  await setting.waitFor();
  for (const key of ["inbox.auto_reassign", "inbox.max_open_per_agent", "inbox.reply_timeout_s"])
    assert.equal(await admin.locator(`[data-key='${key}']`).count(), 1, key);
  await setting.locator("input[type=checkbox]").check();
  await setting.locator(".saved:text-is('Saved')").waitFor();

  // A new customer writes: one of the two online sales has it in "Mine".
  await customer_writes(
      env.server,
      {id: "rot-1", user: "rot-psid-1", name: "Phạm Thu Hà", text: "Còn trà xanh không ạ?"});
  const chosen = await Promise.any(["lan", "minh"].map(
      (name) => row(sales[name], "Phạm Thu Hà").waitFor({timeout: 10000}).then(() => name)));
  const other = chosen === "lan" ? "minh" : "lan";
  const page = sales[chosen];
  await row(page, "Phạm Thu Hà").locator("a").click();
  await page.waitForSelector(".conversation-header h2:text-is('Phạm Thu Hà')");
  assert.equal(
      await page.locator(".conversation-header .assigned-how").textContent(),
      "automatically: first message, in turn");
  assert.match(await page.locator(".conversation-header .meta").textContent(), /Assigned to you/);
  // Theirs to answer: the composer is there, no "Take".
  await page.locator(".composer textarea").waitFor();
  assert.equal(await page.locator(".conversation-header button", {hasText: "Take"}).count(), 0);
  await screenshot(page, "assignment-chosen-en-1400");

  // The other sale sees it in "All" as the chosen one's.
  const watcher = sales[other];
  await watcher.click("button.tab[data-tab=all]");
  await row(watcher, "Phạm Thu Hà").locator(`.assignee[title='${names[chosen]}']`).waitFor();
  await mine(watcher);

  // The chosen sale steps away: the next customer goes to the other, who is still online.
  await page.locator("select.presence").selectOption("away");
  await page.waitForSelector("select.presence[data-presence=away]");
  await customer_writes(
      env.server,
      {id: "rot-2", user: "rot-psid-2", name: "Đỗ Minh Châu", text: "Giá bao nhiêu ạ?"});
  await row(watcher, "Đỗ Minh Châu").waitFor();
  await screenshot(page, "assignment-away-en-1400");
  assert.deepEqual(page.errors, []);
  assert.deepEqual(watcher.errors, []);

  // Admin's dashboard shows the rotation as it stands: whose turn is next, who is away.
  await admin.click("a[data-screen=dashboard]");
  const rotation = admin.locator("[data-panel=rotation]");
  await rotation.locator("li", {hasText: `next: ${names[other]}`}).first().waitFor();
  await rotation.locator("tr", {hasText: names[chosen]}).locator("td", {hasText: "Away"}).waitFor();
  await screenshot(admin, "assignment-dashboard-en-1400");
  // The other sale steps away too: the open dashboard follows, without a reload.
  await watcher.locator("select.presence").selectOption("away");
  await rotation.locator("tr", {hasText: names[other]}).locator("td", {hasText: "Away"}).waitFor();
  assert.deepEqual(admin.errors, []);

  // On a phone, in Ukrainian: the presence picker is in the bar.
  const phone = await open_page(env.browser, env.server.url, {width: 390, language: "uk"});
  await sign_in(phone, "olena");
  await phone.waitForSelector("select.presence[data-presence=online]");
  assert.equal(await phone.locator("select.presence option:checked").textContent(), "Онлайн");
  await screenshot(phone, "assignment-bar-uk-390");
  // The chosen sale on a phone, in Vietnamese: the conversation says why it is theirs.
  const vi = await open_page(env.browser, env.server.url, {width: 390, language: "vi"});
  await sign_in(vi, chosen);
  await row(vi, "Phạm Thu Hà").locator("a").click();
  await vi.waitForSelector(".conversation-header h2:text-is('Phạm Thu Hà')");
  assert.equal(
      await vi.locator(".conversation-header .assigned-how").textContent(),
      "tự động: tin nhắn đầu, theo lượt");
  await screenshot(vi, "assignment-pane-vi-390");
  assert.deepEqual(vi.errors, []);
  for (const p of [admin, phone, vi, ...Object.values(sales)]) await p.context().close();
});
