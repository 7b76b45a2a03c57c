// The web UI's first screens in a real browser: login, the inbox, a conversation worked from
// take to reply with another user watching live, a phone-sized screen, the languages, and the
// reconnection after a server restart.
import assert from "node:assert/strict";
import {test} from "node:test";

import {customer_writes, open_page, per_file, screenshot, sign_in, start_server} from "./harness.mjs";

const env = per_file();

// The names in the conversation list, top to bottom.
async function listed(page) {
  return page.locator(".conversation .name").allTextContents();
}

test(
    "a wrong password is told, the right one opens the inbox, and the console stays clean",
    async () => {
      const page = await open_page(env.browser, env.server.url, {language: "en"});
      await page.waitForSelector("form.login");
      await screenshot(page, "login-en-1400");
      await page.fill("input[name=username]", "lan");
      await page.fill("input[name=password]", "not-her-password");
      await page.click("button[type=submit]");
      await page.waitForSelector("text=Wrong username or password.");
      await sign_in(page, "lan");
      await page.waitForSelector(".conversation");
      assert.ok((await listed(page)).length >= 5, "the demo's conversations are listed");
      await screenshot(page, "inbox-en-1400");
      // The browser logs the refused login's 401 itself; nothing else may be there.
      assert.deepEqual(
          page.errors,
          ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
      await page.context().close();
    });

test("a sale takes a conversation and replies; a manager's inbox follows live", async () => {
  const lan = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(lan, "lan");
  const boss = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(boss, "manager");
  await lan.waitForSelector(".conversation");
  await boss.waitForSelector(".conversation");

  // The last conversation in Lan's list: an older one, so the reply must move it up.
  const rows = lan.locator(".conversation");
  const target = rows.last();
  const name = await target.locator(".name").textContent();
  await target.locator("a").click();
  await lan.waitForSelector(".conversation-header h2");
  assert.equal(await lan.locator(".conversation-header h2").textContent(), name);

  // Someone else has it open: the manager sees Lan as a viewer once he opens it too.
  await boss.locator(".conversation", {hasText: name}).locator("a").click();
  await boss.waitForSelector(`.viewers:has-text("Nguyễn Thị Lan")`);

  // A sale replies only once the conversation is hers.
  const take = lan.locator(".conversation-header button", {hasText: "Take"});
  if (await take.count()) {
    await take.click();
    await lan.waitForSelector(".composer textarea");
  }
  const reply = `Dạ shop còn hàng ạ <b>${Date.now()}</b>`;
  await lan.fill(".composer textarea", reply);
  await lan.keyboard.press("Enter");
  // Her message shows in her pane, as text (the tags are not markup).
  await lan.waitForSelector(`.message.out .text:text-is("${reply}")`);
  assert.equal(await lan.locator(".message.out b").count(), 0);
  // The manager's pane gets the message, and his list puts the conversation on top.
  await boss.waitForSelector(`.message.out .text:text-is("${reply}")`);
  await boss.waitForFunction(
      (n) => document.querySelector(".conversation .name")?.textContent === n, name);
  await screenshot(lan, "conversation-en-1400");
  assert.deepEqual(lan.errors, []);
  assert.deepEqual(boss.errors, []);
  await lan.context().close();
  await boss.context().close();
});

test("on a 390 px screen one pane shows at a time and nothing scrolls sideways", async () => {
  const page =
      await open_page(env.browser, env.server.url, {width: 390, height: 800, language: "vi"});
  await sign_in(page, "minh");
  await page.waitForSelector(".conversation");
  const sideways = () => page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
  assert.equal(await sideways(), false);
  assert.equal(await page.locator(".conversation-pane").isVisible(), false);
  // A sale sees who has the others' conversations (Lan's initials on Hoa's).
  const hoa = page.locator(".conversation", {hasText: "Nguyễn Thị Hoa"});
  await hoa.locator(".assignee:text-is('TL')").waitFor();
  await screenshot(page, "inbox-vi-390");
  await page.locator(".conversation a").first().click();
  await page.waitForSelector(".conversation-header h2");
  assert.equal(await page.locator(".list-pane").isVisible(), false);
  assert.equal(await sideways(), false);
  await screenshot(page, "conversation-vi-390");
  await page.click(".back");
  await page.waitForSelector(".list-pane", {state: "visible"});
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test(
    "the language is switched, kept after a reload, and every screen's text is in it", async () => {
      const page = await open_page(env.browser, env.server.url, {language: "vi"});
      await sign_in(page, "olena");
      await page.waitForSelector("text=Hội thoại");
      await page.selectOption("select.language", "uk");
      await page.waitForSelector(".screens a:text-is('Чати')");
      await page.reload();
      await page.waitForSelector(".screens a:text-is('Чати')");
      await page.waitForSelector(".conversation");
      await screenshot(page, "inbox-uk-1400");
      await page.selectOption("select.language", "en");
      await page.waitForSelector(".screens a:text-is('Inbox')");
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

test(
    "after a server restart the page says it is reconnecting, then works again by itself",
    async () => {
      const page = await open_page(env.browser, env.server.url, {language: "en"});
      await sign_in(page, "lan");
      await page.waitForSelector(".conversation");
      await env.server.stop();
      await page.waitForSelector(".status.warn:has-text('Reconnecting')");
      await screenshot(page, "reconnecting-en-1400");
      env.server = await start_server({db: env.server.db, port: env.server.port});
      await page.waitForSelector(".status.ok:has-text('Connected again')");
      // The list was asked again, and a conversation opens.
      await page.locator(".conversation a").first().click();
      await page.waitForSelector(".message");
      // Only refused connections (the server down) and 503s (starting up) may be in the console.
      const unexpected = page.errors.filter(
          (e) => !/ERR_CONNECTION_REFUSED|WebSocket connection|status of 503/.test(e));
      assert.deepEqual(unexpected, []);
      await page.context().close();
    });

test(
    "a manager assigns by name; the sale gets the composer live; a quick reply puts its tag on",
    async () => {
      const boss = await open_page(env.browser, env.server.url, {language: "en"});
      await sign_in(boss, "manager");
      const minh = await open_page(env.browser, env.server.url, {language: "en"});
      await sign_in(minh, "minh");
      await boss.click(".tab[data-tab=unassigned]");
      await boss.waitForSelector(".conversation");
      const row = boss.locator(".conversation").first();
      const name = (await row.locator(".name").textContent()).trim();
      const id = await row.getAttribute("data-id");
      await row.locator("a").click();
      await minh.goto(`${env.server.url}/#/inbox/${id}`);
      await minh.waitForSelector(".composer-slot .taken");

      // (an online sale's name comes with a dot)
      const minh_id = await boss.locator(".conversation-header option", {hasText: "Lê Văn Minh"})
                          .getAttribute("value");
      await boss.selectOption(".conversation-header select", minh_id);
      // Minh's pane gives him the composer without a reload; the manager's unassigned list lets
      // the conversation go.
      await minh.waitForSelector(".composer textarea");
      await boss.waitForFunction(
          (n) => ![...document.querySelectorAll(".conversation .name")].some(
              (e) => e.textContent === n),
          name);

      // "/gi" offers the price reply; Enter picks it, Enter again sends it with its tag.
      await minh.click(".composer textarea");
      await minh.keyboard.type("/gi");
      await minh.waitForSelector(".quick-replies li.active:has-text('/gia')");
      await minh.keyboard.press("Enter");
      const text = await minh.inputValue(".composer textarea");
      assert.ok(text.length > 10, "the reply's text is in the box for editing");
      await minh.keyboard.press("Enter");
      await minh.waitForSelector(".message.out");
      await boss.click(".tab[data-tab=all]");
      await boss.waitForSelector(`.conversation:has-text("${name}") .tag:text-is("hỏi giá")`);
      assert.deepEqual(boss.errors, []);
      assert.deepEqual(minh.errors, []);
      await boss.context().close();
      await minh.context().close();
    });

test("the keyboard moves through the inbox, and ? lists the shortcuts", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "manager");
  await page.waitForSelector(".conversation");
  const ids =
      await page.locator(".conversation").evaluateAll((rows) => rows.map((r) => r.dataset.id));
  await page.keyboard.press("Alt+KeyJ");
  await page.waitForFunction((id) => location.hash === `#/inbox/${id}`, ids[0]);
  await page.keyboard.press("Alt+KeyJ");
  await page.waitForFunction((id) => location.hash === `#/inbox/${id}`, ids[1]);
  await page.keyboard.press("Alt+KeyK");
  await page.waitForFunction((id) => location.hash === `#/inbox/${id}`, ids[0]);
  await page.waitForSelector(".composer textarea");
  await page.keyboard.press("Alt+KeyR");
  assert.equal(await page.evaluate(() => document.activeElement.tagName), "TEXTAREA");
  await page.locator(".conversation-header").click();
  await page.keyboard.press("?");
  await page.waitForSelector("dialog.shortcuts[open]:has-text('Keyboard shortcuts')");
  await screenshot(page, "shortcuts-en-1400");
  await page.keyboard.press("Escape");
  await page.waitForSelector("dialog.shortcuts", {state: "detached"});
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test(
    "the client block: a tag, a note, a lead from a phone left, and a link to another card",
    async () => {
      const page = await open_page(env.browser, env.server.url, {language: "en"});
      await sign_in(page, "minh");
      await page.waitForSelector(".conversation");
      // The conversation where a phone was left (the phone icon): Minh's in the demo.
      const row = page.locator(".conversation:has(.phone-icon)").first();
      const name = (await row.locator(".name").textContent()).trim();
      await row.locator("a").click();
      await page.waitForSelector(".client-block h3");
      assert.equal(await page.locator(".conversation-header button", {hasText: "Take"}).count(), 0);

      await page.fill(".client-block input[placeholder='Add a tag']", "khách quen");
      await page.keyboard.press("Enter");
      await page.waitForSelector(".client-block .tag:has-text('khách quen')");
      await page.waitForSelector(`.conversation:has-text("${name}") .tag:text-is("khách quen")`);

      const note = "giao sau 18h, gọi trước <script>x</script>";
      await page.fill(".client-block textarea", note);
      await page.click(".client-block button:has-text('Add note')");
      await page.waitForSelector(`.client-block .notes .text:text-is("${note}")`);

      await page.click(".client-block button:has-text('Make a lead')");
      await page.waitForSelector(".client-block .notice.ok:has-text('is a lead now')");
      await screenshot(page, "client-block-en-1400");

      // Linked to another card found by name: the block shows that card, and unlink brings it back.
      await page.fill(".client-block input[type=search]", "Hoa");
      await page.click(".client-block .suggestions button:has-text('Nguyễn Thị Hoa')");
      await page.waitForSelector(".client-block h3:text-is('Nguyễn Thị Hoa')");
      await page.click(".client-block button:has-text('Unlink')");
      await page.waitForSelector(`.client-block h3:text-is("${name}")`);
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

test("the list narrows to one page, and a conversation is marked processed", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "manager");
  await page.waitForSelector(".conversation");
  await pick_page(page, "Trà Thái Nguyên Zalo OA");
  await page.waitForSelector(".conversation:has-text('Олена Мельник')");
  await page.waitForSelector(".conversation:has-text('Nguyễn Thị Hoa')", {state: "detached"});
  await page.locator(".conversation", {hasText: "Олена Мельник"}).locator("a").click();
  await page.click(".conversation-header button:text-is('Processed')");
  await page.waitForSelector(".conversation-header button:text-is('Not processed')");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a sale orders a combo and a discounted product from a conversation", async () => {
  const minh = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(minh, "minh");
  await minh.click(".conversation:has-text('Trần Văn Đức') a");
  await minh.click(".client-block button.new-order");
  const dialog = minh.locator("dialog.order-dialog[open]");
  await dialog.waitFor();
  assert.match(await dialog.locator("input[name=phone]").inputValue(), /^0\d{9}$/);

  // A combo, and 2 × a product with 10 % off: the totals follow the typing.
  await dialog.locator(".order-line select").first().selectOption("c:QUA-TET");
  await dialog.locator("button:has-text('Add a line')").click();
  const second = dialog.locator(".order-line").nth(1);
  await second.locator("select").first().selectOption("p:TRA-XANH");
  await second.locator("input[type=number]").first().fill("2");
  await second.locator("select[aria-label=Discount]").selectOption("pct");
  await second.locator("input[aria-label='Discount value']").fill("10");
  await minh.waitForFunction(
      () => /153\.000/.test(
          document.querySelector(".order-line:nth-child(2) .line-total").textContent));
  assert.match(await dialog.locator(".order-total").textContent(), /552\.000\s*₫/);

  // An amount above its line shows no total, and the server's refusal is said; nothing is made.
  const first = dialog.locator(".order-line").first();
  await first.locator("select[aria-label=Discount]").selectOption("amount");
  await first.locator("input[aria-label='Discount value']").fill("500000");
  await minh.waitForFunction(() => document.querySelector(".order-total").textContent === "—");
  await dialog.locator("button[type=submit]").click();
  await dialog.locator(".error:not(:empty)").waitFor();
  assert.match(await dialog.locator(".error").textContent(), /larger than the line/);
  await screenshot(minh, "inbox-order-form-en-1400");

  await first.locator("input[aria-label='Discount value']").fill("49000");
  await minh.waitForFunction(
      () => /503\.000/.test(document.querySelector(".order-total").textContent));
  await dialog.locator("button[type=submit]").click();
  await dialog.waitFor({state: "detached"});
  const made = minh.locator(".client-block .notice.ok");
  await made.waitFor();
  assert.match(await made.textContent(), /Order ORD-\d+ created: 503\.000\s*₫/);
  const number = (await made.textContent()).match(/ORD-\d+/)[0];
  const order = minh.locator(`.client-block .orders button:has-text('${number}')`);
  await order.click();
  const lines = await minh.locator(".client-block .orders .lines").first().textContent();
  assert.match(lines, /2 × Trà xanh Thái Nguyên 100g 153\.000/);
  assert.match(lines, /1 × Hộp quà Tết 350\.000/);
  assert.match(lines, /Total 503\.000/);
  await screenshot(minh, "inbox-order-made-en-1400");
  assert.deepEqual(minh.errors, []);
  await minh.context().close();
});

// Picks a page in the list's pages picker by its name (an option may end in its unread count).
async function pick_page(page, name) {
  const value = await page.waitForFunction((n) => {
    const picker = document.querySelector(".filters select[aria-label='All pages']");
    return [...picker.options].find((o) => o.text.replace(/ \(\d+\)$/, "") === n)?.value;
  }, name);
  await page.selectOption(".filters select[aria-label='All pages']", await value.jsonValue());
}

test("a view merges two pages into one list; kind and tag narrow it", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "manager");
  await page.waitForSelector(".conversation:has-text('Nguyễn Thị Hoa')");
  await page.selectOption(".filters select[aria-label='All pages']", "edit");
  const dialog = page.locator("dialog.views-dialog[open]");
  await dialog.locator("input[name=name]").fill("Zalo + web");
  await dialog.locator("label.check:text-is('Trà Thái Nguyên (API)') input").check();
  await dialog.locator("label.check:text-is('Trà Thái Nguyên Zalo OA') input").check();
  await dialog.locator("button[type=submit]").click();
  await dialog.locator("li[data-view='Zalo + web']").waitFor();
  await screenshot(page, "inbox-views-en-1400");
  await dialog.locator("button:text-is('Done')").click();

  await page.selectOption(".filters select[aria-label='All pages']", "v:Zalo + web");
  await page.waitForSelector(".conversation:has-text('Nguyễn Thị Hoa')", {state: "detached"});
  for (const name of ["Олена Мельник", "Trần Văn Đức", "Lê Thu Trang"])
    await page.waitForSelector(`.conversation:has-text('${name}')`);

  // Kept by the server: after a reload the view is offered again.
  await page.reload();
  await page.waitForSelector(".filters option[value='v:Zalo + web']", {state: "attached"});
  await page.selectOption(".filters select[aria-label='All kinds']", "comment");
  await page.waitForSelector(".conversation:has-text('Đặng Mỹ Linh')");
  assert.equal(await page.locator(".conversation").count(), 1);
  await page.selectOption(".filters select[aria-label='All kinds']", "");
  await page.selectOption(".filters select[aria-label='All tags']", "VIP");
  await shows_only(page, ["Trần Văn Đức"]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

// A 1×1 PNG.
const tiny_png = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4" +
        "nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==",
    "base64");

test(
    "the composer puts an emoji at the caret, and sends a picture after confirming it",
    async () => {
      const minh = await open_page(env.browser, env.server.url, {language: "en"});
      await sign_in(minh, "minh");
      await minh.click(".conversation:has-text('Trần Văn Đức') a");
      const box = minh.locator(".composer textarea");
      await box.fill("Dạ shop cảm ơn ạ");
      await minh.click("button[aria-label=Emoji]");
      await minh.click(".emoji-menu button:text-is('🙏')");
      assert.equal(await box.inputValue(), "Dạ shop cảm ơn ạ🙏");
      assert.ok(await minh.locator(".emoji-menu").isHidden());
      // Escape closes it, and so does its button pressed again.
      await minh.click("button[aria-label=Emoji]");
      await minh.keyboard.press("Escape");
      assert.ok(await minh.locator(".emoji-menu").isHidden());
      await minh.click("button[aria-label=Emoji]");
      await minh.click("button[aria-label=Emoji]");
      assert.ok(await minh.locator(".emoji-menu").isHidden());
      await box.press("Enter");
      await minh.waitForSelector(".message.out .text:text-is('Dạ shop cảm ơn ạ🙏')");

      // A picture picked waits, shown, until "Send file"; the text typed goes with it.
      await box.fill("Ảnh hộp quà ạ");
      await minh.setInputFiles(
          ".composer input[type=file]",
          {name: "hop-qua.png", mimeType: "image/png", buffer: tiny_png});
      const pending = minh.locator(".pending-file");
      await pending.locator(".preview img").waitFor();
      assert.match(await pending.textContent(), /hop-qua\.png · 70 B/);
      await screenshot(minh, "composer-file-en-1400");
      assert.equal(
          await minh.locator(".message.out img").count(), 0, "nothing sent before confirming");
      await pending.locator("button:text-is('Send file')").click();
      const sent = minh.locator(".message.out", {hasText: "Ảnh hộp quà ạ"});
      await sent.locator("img[src^='/files/']").waitFor();
      assert.ok(await pending.isHidden());
      assert.equal(await box.inputValue(), "");

      // Cancel leaves nothing behind.
      await minh.setInputFiles(
          ".composer input[type=file]",
          {name: "bao-gia.txt", mimeType: "text/plain", buffer: Buffer.from("giá")});
      await pending.locator("button:text-is('Cancel')").click();
      assert.ok(await pending.isHidden());
      assert.equal(await minh.locator(".message a.file:text-is('bao-gia.txt')").count(), 0);
      assert.deepEqual(minh.errors, []);
      await minh.context().close();
    });

// Waits until the list shows exactly these names, in order (a filter's list is asked anew: the
// rows go before the new ones come).
async function shows_only(page, names) {
  await page.waitForFunction(
      (want) => JSON.stringify([...document.querySelectorAll(".conversation .name")].map(
                    (e) => e.textContent)) === JSON.stringify(want),
      names);
}

test("more filters: a phone, processed, a sale's, a customer's, and the days", async () => {
  const page = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(page, "manager");
  await page.waitForSelector(".conversation:has-text('Nguyễn Thị Hoa')");
  await page.click(".filters button:text-is('More filters')");
  await page.check(".more-filters.extra label:has-text('Left a phone') input");
  await shows_only(page, ["Trần Văn Đức"]);
  await page.uncheck(".more-filters.extra label:has-text('Left a phone') input");

  // Hoa's conversation marked processed: "Processed" lists it and not Tâm's.
  await page.locator(".conversation", {hasText: "Nguyễn Thị Hoa"}).locator("a").click();
  await page.click(".conversation-header button:text-is('Processed')");
  await page.waitForSelector(".conversation-header button:text-is('Not processed')");
  await page.selectOption(".filters select[aria-label='Processed or not']", "true");
  await page.waitForSelector(".conversation:has-text('Hồ Văn Tâm')", {state: "detached"});
  await page.waitForSelector(".conversation:has-text('Nguyễn Thị Hoa')");
  await page.selectOption(".filters select[aria-label='Processed or not']", "false");
  await page.waitForSelector(".conversation:has-text('Nguyễn Thị Hoa')", {state: "detached"});
  await page.selectOption(".filters select[aria-label='Processed or not']", "");

  await page.selectOption(".filters select[aria-label='Any sale']", {label: "Lê Văn Minh"});
  // (once the list has asked again: every row is his, and there is one)
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll(".conversation")];
    return rows.length > 0 && rows.every((r) => r.querySelector(".assignee")?.textContent === "VM");
  });
  await page.selectOption(".filters select[aria-label='Any sale']", "");

  // From the client block: only this customer's conversations, until the chip's × is pressed.
  await page.locator(".conversation", {hasText: "Trần Văn Đức"}).locator("a").click();
  await page.click(".client-block button:text-is(\"All this customer's conversations\")");
  await page.waitForSelector(".customer-filter:has-text('Only Trần Văn Đức')");
  await shows_only(page, ["Trần Văn Đức"]);
  await page.click(".customer-filter button");
  await page.waitForSelector(".conversation:has-text('Nguyễn Thị Hoa')");

  // Yesterday and before: nothing (the demo's conversations are all from today).
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  await page.fill(".more-filters.extra label:has-text('To') input", yesterday);
  await page.waitForSelector(".list-state:text-is('No conversations here.')");
  await screenshot(page, "inbox-more-filters-en-1400");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("an order from a chat where the customer left a phone the card does not have", async () => {
  await customer_writes(env.server, {
    id: "phone-left-1",
    user: "web-phone-left",
    name: "Đinh Thị Nga",
    text: "Em lấy 1 hũ mật ong, sđt em 0977 123 456 nha"
  });
  const boss = await open_page(env.browser, env.server.url, {language: "en"});
  await sign_in(boss, "manager");
  await boss.click(".conversation:has-text('Đinh Thị Nga') a");
  await boss.click(".client-block button.new-order");
  const dialog = boss.locator("dialog.order-dialog[open]");
  assert.equal(await dialog.locator("input[name=phone]").inputValue(), "0977123456");
  await dialog.locator(".order-line select").first().selectOption("p:MAT-ONG");
  await dialog.locator("button[type=submit]").click();
  await dialog.waitFor({state: "detached"});
  await boss.waitForSelector(".client-block .notice.ok:has-text('150.000')");
  assert.deepEqual(boss.errors, []);
  await boss.context().close();
});
