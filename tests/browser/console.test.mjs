// The export console in Debian's headless Chromium. Started by ConsoleBrowserTests (tests/VoucherExport.Server.Tests),
// which runs a real server and passes its address and credentials in VX_* variables. Never downloads a browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";

const base = process.env.VX_CONSOLE_URL;
const app = { id: process.env.VX_APP_ID, token: process.env.VX_APP_TOKEN };
const wait = { timeout: 30_000 };
let browser, page;

async function createExport(body) {
  const response = await fetch(base + "/v1/exports", {
    method: "POST",
    headers: { "X-App-Id": app.id, "X-App-Token": app.token, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text).id;
}

const row = (id, status) => page.locator(`tr.row[data-export-id="${id}"]` + (status ? `[data-status="${status}"]` : ""));

before(async () => {
  assert.ok(base, "VX_CONSOLE_URL is not set: run this through ConsoleBrowserTests");
  // Chromium from Debian; the flags keep it off the network (this machine has none beyond localhost) and quiet.
  browser = await chromium.launch({
    executablePath: process.env.VX_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  page.on("dialog", (dialog) => dialog.accept());
});

after(async () => { await browser?.close(); });

test("signs in with the console token", async () => {
  await page.goto(base + "/console");
  await page.locator('body[data-page="login"]').waitFor(wait);
  await page.fill('input[name="token"]', process.env.VX_CONSOLE_TOKEN);
  await page.click('button[type="submit"]');
  await page.locator('body[data-page="console"]').waitFor(wait);
  await page.locator("#viewer", { hasText: "every application" }).waitFor(wait);
});

test("shows hostile values as text and runs none of them", async () => {
  const hostile = row(process.env.VX_HOSTILE_EXPORT, "ERROR");
  await hostile.waitFor(wait);
  assert.equal(await hostile.locator(".app").textContent(), process.env.VX_HOSTILE_APP);
  assert.ok((await hostile.locator(".error-key").textContent()).includes(process.env.VX_HOSTILE_DETAILS));
  assert.equal(await page.locator("#exports img, #exports script, #exports b, #exports i").count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
});

test("an export reaches DONE on the page, and a chunk downloads through its link", async () => {
  const id = await createExport({ exported_object: "voucher_transactions", parameters: { fields: ["id", "amount", "created_at"] } });
  await row(id, "DONE").waitFor(wait);
  await row(id).locator("td.scope").click();
  const detail = page.locator(`tr.detail[data-detail-of="${id}"]`);
  await detail.waitFor(wait);
  const first = detail.locator("table.chunks tbody tr").first();
  const expectedHash = (await first.locator("td.hash").textContent()).trim();
  assert.match(expectedHash, /^[0-9a-f]{64}$/);
  assert.ok((await detail.locator("table.chunks tbody tr").count()) > 1, "600 rows at 100 a chunk make several chunks");

  const [download] = await Promise.all([page.waitForEvent("download", wait), first.locator("a.chunk-link").click()]);
  const bytes = await readFile(await download.path());
  assert.equal(createHash("sha256").update(bytes).digest("hex"), expectedHash);
  assert.ok(bytes.toString("utf8").startsWith("ID,Amount,Creation Date"), bytes.toString("utf8", 0, 80));
  assert.equal(download.suggestedFilename(), `${id}-part-00001.csv`);
});

test("a running export is cancelled from the page", async () => {
  // A filter on source_id makes the test's source pause after its first batch, so this export surely runs.
  const id = await createExport({ exported_object: "voucher_transactions", parameters: { filters: { source_id: { conditions: { $not_in: ["pause"] } } } } });
  const running = row(id, "IN_PROGRESS");
  await running.waitFor(wait);
  await running.locator('button[data-action="cancel"]').click();
  const ended = row(id, "ERROR");
  await ended.waitFor(wait);
  assert.ok((await ended.locator(".error-key").textContent()).startsWith("export_cancelled"));
  if (process.env.VX_SCREENSHOT) await page.screenshot({ path: process.env.VX_SCREENSHOT, fullPage: true });
});
