// The owner portal in headless Chromium, as an owner uses it: sign in, every page, the
// dashboard's figures, sorting and searching guests, a CSV export, Hebrew right to left,
// a phone-sized screen and the keyboard; no console errors and no request leaving the
// server. Run by server/tests/server/browser.rs against a real `regulars` process:
//   BASE_URL=http://127.0.0.1:8080 SCREENSHOTS=/tmp/shots EXPECT_GUESTS=50 node --test portal.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.BASE_URL ?? "http://127.0.0.1:8080";
const shots = process.env.SCREENSHOTS ?? "target/browser-screenshots";
const expectGuests = process.env.EXPECT_GUESTS;
mkdirSync(shots, { recursive: true });

let browser;
let context;
let page;
const problems = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  context = await browser.newContext({ acceptDownloads: true, locale: "en-US", viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  // A failed load is reported by its response (below), which says which; the console only
  // says that one failed.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    const expected = r.status() === 401 && r.request().method() === "POST" && r.url().endsWith("/portal/login");
    if (r.status() >= 400 && !expected) problems.push(`${r.status()} for ${r.url()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("data:")) problems.push(`request left the server: ${r.url()}`);
  });
});

after(async () => {
  await browser?.close();
});

const card = (key) => page.locator(`.card[data-key="${key}"] .value`).innerText();
const number = (text) => Number(text.replace(/[^\d-]/g, ""));

test("signing in leads to the dashboard", async () => {
  await page.goto(`${base}/portal/`);
  assert.match(page.url(), /\/portal\/login\?next=/, "not signed in: the sign-in page");
  await page.fill('input[name="login"]', "demo-owner");
  await page.fill('input[name="password"]', "wrong-password");
  await page.click("form.login button");
  assert.match(await page.locator(".error").innerText(), /Wrong login or password/);
  await page.fill('input[name="password"]', "demo-owner-password");
  await page.click("form.login button");
  await page.waitForURL(`${base}/portal/`);
  assert.equal(await page.locator("h1").innerText(), "Dashboard");
});

test("the dashboard shows the demo chain's figures and real charts", async () => {
  if (expectGuests) assert.equal(number(await card("guests")), Number(expectGuests));
  const orders = number(await card("orders"));
  assert.ok(orders > 0, "the demo's sales are counted");
  // The orders card is the same count as the CSV export of the same period.
  const csv = await download(page.locator("a.export"));
  const lines = csv.trim().split("\n");
  assert.equal(lines[0].split(",")[1], "orders");
  assert.equal(lines.length - 1, 30, "one line per day of the period");
  const summed = lines.slice(1).reduce((n, l) => n + Number(l.split(",")[1]), 0);
  assert.equal(summed, orders, "the card and the export agree");
  assert.equal(await page.locator("svg.chart").first().locator(".bar rect").count(), 8, "eight weeks of orders");
  assert.equal(await page.locator("svg.chart").nth(1).locator(".dot").count(), 30, "thirty days of revenue");
  assert.ok((await page.locator(".activity li").count()) > 0, "recent activity");
  await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
});

test("the cafe filter narrows the dashboard", async () => {
  const all = number(await card("orders"));
  const options = await page.locator('select[name="cafe"] option').all();
  assert.ok(options.length >= 3, "all cafes and each cafe");
  let sum = 0;
  for (const value of await Promise.all(options.slice(1).map((o) => o.getAttribute("value")))) {
    await page.selectOption('select[name="cafe"]', value);
    await page.waitForURL(new RegExp(`cafe=${value}`));
    sum += number(await card("orders"));
  }
  assert.equal(sum, all, "the cafes' orders add up to the chain's");
  await page.selectOption('select[name="cafe"]', "all");
  await page.waitForURL(/cafe=all/);
});

test("guests sort by spend and are found by name", async () => {
  await page.click('nav a[href="/portal/guests"]');
  await page.waitForURL(`${base}/portal/guests`);
  await page.click('.sorts a:has-text("Spend")');
  await page.waitForURL(/sort=spend/);
  const spends = await page.locator("table.guests tbody tr td:nth-child(4)").allInnerTexts();
  assert.ok(spends.length > 2);
  const values = spends.map(number);
  assert.deepEqual(values, [...values].sort((a, b) => b - a), "largest spend first");
  await page.screenshot({ path: join(shots, "guests.png"), fullPage: true });
  const name = await page.locator("table.guests tbody tr td:nth-child(1)").first().innerText();
  await page.fill('input[name="q"]', name);
  await page.press('input[name="q"]', "Enter");
  await page.waitForURL(/q=/);
  const names = await page.locator("table.guests tbody tr td:nth-child(1)").allInnerTexts();
  assert.ok(names.length >= 1 && names.every((n) => n.includes(name)), `found ${names}`);
  const csv = await download(page.locator("a.export"));
  const rows = csv.trim().split("\n");
  assert.equal(rows[0].split(",")[0], "public_id");
  assert.equal(rows.length - 1, names.length, "the export is the same query");
});

test("a guest's page, analytics and the event log open with their data", async () => {
  await page.goto(`${base}/portal/guests?sort=spend`);
  await page.locator("table.guests tbody tr td:nth-child(1) a").first().click();
  await page.waitForURL(/\/portal\/guests\/[0-9A-Z]{12}$/);
  assert.ok((await page.locator("section.wallet").count()) >= 1, "wallets");
  assert.ok((await page.locator("table.ledger tbody tr").count()) >= 1, "ledger entries");
  assert.ok((await page.locator("section.purchases tbody tr").count()) >= 1, "purchases");
  await page.screenshot({ path: join(shots, "guest.png"), fullPage: true });

  await page.click('nav a[href="/portal/analytics"]');
  await page.waitForURL(`${base}/portal/analytics`);
  assert.equal(await page.locator("table.cohorts tbody tr").count(), 12, "twelve monthly cohorts");
  assert.equal(await page.locator("table.hours tbody tr").count(), 7, "seven weekdays");
  const busiest = await page.locator("table.hours td.heat-5").count();
  assert.ok(busiest >= 1, "the busiest hour is marked");
  await page.screenshot({ path: join(shots, "analytics.png"), fullPage: true });

  await page.click('nav a[href="/portal/events"]');
  await page.waitForURL(`${base}/portal/events`);
  assert.ok((await page.locator("table.events tbody tr").count()) > 0, "events");
  await page.selectOption('select[name="kind"]', "purchase.");
  await page.waitForURL(/kind=purchase/);
  const kinds = await page.locator("table.events tbody td:nth-child(2)").allInnerTexts();
  assert.ok(kinds.length > 0 && kinds.every((k) => k.startsWith("purchase.")), `only sales: ${kinds}`);
  await page.screenshot({ path: join(shots, "events.png"), fullPage: true });
});

test("orders list the demo's sales and export the same filter", async () => {
  await page.click('nav a[href="/portal/orders"]');
  await page.waitForURL(`${base}/portal/orders`);
  const rows = await page.locator("table.orders tbody tr").count();
  assert.equal(rows, 50, "a full first page of the demo's sales");
  const totals = await page.locator("table.orders tbody tr td:nth-child(4)").allInnerTexts();
  assert.ok(totals.every((t) => number(t) > 0), "every order has its amount");
  await page.screenshot({ path: join(shots, "orders.png"), fullPage: true });
  const times = await page.locator("table.orders tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.at));
  assert.deepEqual(times, [...times].sort().reverse(), "the latest sale first");
  await page.click(".more a");
  await page.waitForURL(/after=/);
  const next = await page.locator("table.orders tbody tr").first().getAttribute("data-at");
  assert.ok(next <= times[times.length - 1], "the next page goes on where the first stopped");
  await page.goto(`${base}/portal/orders`);
  const cafe = await page.locator('select[name="cafe"] option').nth(1).getAttribute("value");
  await page.selectOption('select[name="cafe"]', cafe);
  await page.waitForURL(new RegExp(`cafe=${cafe}`));
  const names = await page.locator("table.orders tbody tr td:nth-child(2)").allInnerTexts();
  assert.ok(names.length > 0 && names.every((n) => n === names[0]), `one cafe: ${[...new Set(names)]}`);
  const csv = await download(page.locator("a.export"));
  const lines = csv.trim().split("\n");
  assert.equal(lines[0].split(",")[0], "id");
  assert.ok(lines.length - 1 >= names.length, "every order of the cafe, not one page");
  assert.ok(lines.slice(1).every((l) => l.split(",")[2] === names[0]), "and only that cafe's");
});

test("loyalty shows balances, levels and who can take a reward", async () => {
  await page.goto(`${base}/portal/loyalty`);
  assert.equal(await page.locator("h1").innerText(), "Loyalty");
  const wallets = (await page.locator("table.buckets tbody td:nth-child(2)").allInnerTexts()).map(number);
  assert.ok(wallets.reduce((a, b) => a + b, 0) > 0, "the demo's wallets are counted");
  assert.equal(await page.locator("section.loyalty-balances svg.chart .bar rect").count(), wallets.length, "one bar a range");
  assert.ok((await page.locator("table.tiers tbody tr").count()) >= 1, "levels");
  await page.screenshot({ path: join(shots, "loyalty.png"), fullPage: true });
  for (const option of await page.locator('select[name="program"] option').all()) {
    const value = await option.getAttribute("value");
    await page.selectOption('select[name="program"]', value);
    await page.waitForURL(new RegExp(`program=${value}`));
    const eligible = page.locator('[data-figure="eligible"]');
    if ((await eligible.count()) === 0) continue;
    const count = number(await eligible.innerText());
    const shown = await page.locator("section.loyalty-eligible tbody tr").count();
    assert.equal(shown, Math.min(count, 10), "the first ten of those who can take a reward");
  }
});

test("Hebrew reads right to left, with charts mirrored", async () => {
  await page.goto(`${base}/portal/`);
  await page.click('footer a[lang="he"]');
  await page.waitForURL(`${base}/portal/`);
  assert.equal(await page.getAttribute("html", "dir"), "rtl");
  assert.equal(await page.getAttribute("html", "lang"), "he");
  assert.notEqual(await page.locator("h1").innerText(), "Dashboard");
  // Time runs right to left: this week's bar is the leftmost.
  const xs = await page.locator("svg.chart").first().locator(".bar rect").evaluateAll((rs) => rs.map((r) => Number(r.getAttribute("x"))));
  assert.ok(xs[0] > xs[xs.length - 1], "the oldest week is drawn on the right");
  await page.screenshot({ path: join(shots, "dashboard-he.png"), fullPage: true });
  await page.click('footer a[lang="en"]');
});

test("a phone-sized screen and the keyboard", async () => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${base}/portal/`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `nothing wider than the screen (${overflow}px too wide)`);
  await page.screenshot({ path: join(shots, "dashboard-360.png"), fullPage: true });
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.className), "skip", "the first stop skips to content");
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("signing out ends the session", async () => {
  await page.click("form.signout button");
  await page.waitForURL(/\/portal\/login/);
  await page.goto(`${base}/portal/guests`);
  assert.match(page.url(), /\/portal\/login/);
});

test("no console errors and nothing fetched from elsewhere", () => {
  assert.deepEqual(problems, []);
});

async function download(link) {
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  return readFileSync(await file.path(), "utf8");
}
