import AxeBuilder from "@axe-core/playwright";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { test, expect, API_KEY, api, dayWithOpening, embedToken, historyKeys, openHydrated, officeToday } from "./helpers";
import { STAFF_STATE } from "../playwright.config";

test.describe("ASAP history", () => {
  test("shows the last 7 days by default, with totals that match the rows", async ({ page }) => {
    await openHydrated(page, "/history");
    await expect(page.getByRole("heading", { name: "ASAP history" })).toBeVisible();
    const table = page.getByRole("table");
    await expect(table).toBeVisible();
    await expect(page.getByRole("columnheader", { name: "Patient" })).toBeVisible();
    // A day with fewer rows than a page: every offer is in the table and the totals.
    const today = officeToday();
    const range = await api(page.request, `/asapcomms?date=${today}`);
    await page.goto(`/history?date=${today}`);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    const offers = page.getByRole("list", { name: "Totals for the range" }).locator("li").first();
    await expect(offers).toContainText(String(range.length));
    if (range.length > 0) {
      expect((await historyKeys(page)).length).toBe(range.length);
    } else {
      await expect(page.getByText("No ASAP messages in this range.")).toBeVisible();
    }
    // Never 0001-01-01 on the page.
    await expect(page.getByText("0001", { exact: false })).toHaveCount(0);
  });

  test("each filter changes the rows and the URL, and back restores them", async ({ page }) => {
    await openHydrated(page, "/history");
    const all = await historyKeys(page);
    expect(all.length).toBeGreaterThan(0);

    await page.getByLabel("Clinic", { exact: true }).selectOption({ index: 2 });
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(/ClinicNum=2/);
    await expect.poll(() => historyKeys(page)).not.toEqual(all);
    const clinicCells = await page.locator("tbody tr td:nth-child(4)").allTextContents();
    expect(new Set(clinicCells).size).toBe(1);

    // Filter on a status this clinic's rows actually have, whatever the demo made today: the
    // first badge that is also a choice of the filter ("Not sent" is shown, not filtered on).
    const status = await filterableStatus(page);
    await page.getByLabel("Status", { exact: true }).selectOption({ label: status });
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(/ResponseStatus=\w+/);
    await expect.poll(async () => new Set(await page.locator("tbody .badge").allTextContents())).toEqual(new Set([status]));

    await page.getByLabel("Text", { exact: true }).selectOption("DoNotSend");
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(/SmsSendStatus=DoNotSend/);

    expect(page.url()).not.toMatch(/=(&|$)/);
    await page.goBack();
    await expect(page).not.toHaveURL(/SmsSendStatus/);
    await expect(page.getByLabel("Status", { exact: true }).locator("option:checked")).toHaveText(status);
    await page.goBack();
    await expect(page).not.toHaveURL(/ResponseStatus/);
    await page.goBack();
    await expect(page).not.toHaveURL(/ClinicNum/);
    await expect.poll(() => historyKeys(page)).toEqual(all);
    await expect(page.getByLabel("Clinic", { exact: true })).toHaveValue("all");

    const day = officeToday();
    await page.getByLabel("From").fill(day);
    await page.getByLabel("Through").fill(day);
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(new RegExp(`dateStart=${day}&dateThrough=${day}`));
  });

  test("works with JavaScript off: the same rows for the same URL", async ({ browser, page }) => {
    await openHydrated(page, "/history?ClinicNum=1");
    const hydrated = await historyKeys(page);
    const context = await browser.newContext({ javaScriptEnabled: false, storageState: STAFF_STATE });
    const plain = await context.newPage();
    await plain.goto("/history?ClinicNum=1");
    expect(await historyKeys(plain)).toEqual(hydrated);
    // The form is a plain GET form.
    await plain.getByLabel("Status", { exact: true }).selectOption("PendingRsvp");
    await plain.getByRole("button", { name: "Show" }).click();
    await expect(plain).toHaveURL(/ResponseStatus=PendingRsvp/);
    await context.close();
  });

  test("a bad date in the URL gives an inline message", async ({ page }) => {
    await openHydrated(page, "/history?dateStart=2026-13-40");
    await expect(page.getByRole("alert")).toContainText("The From date '2026-13-40' is not a date. Pick one in the calendar, or type it as 2026-05-01.");
    await expect(page.getByRole("button", { name: "Show" })).toBeVisible();
    await openHydrated(page, "/history?dateStart=2026-05-02&dateThrough=2026-05-01");
    await expect(page.getByRole("alert")).toContainText("is after the last day");
  });

  test("a new offer made through the API appears without a reload", async ({ page, request }) => {
    await openHydrated(page, "/history");
    const before = await historyKeys(page);
    // A message someone has opened stays open through the live re-reads.
    const opened = page.locator(`tbody tr[data-asapcommnum="${before[0]}"] details`);
    await opened.locator("summary").click();
    await expect(opened).toHaveAttribute("open", "");
    const { slot } = await dayWithOpening(request, 120);
    // The first patient on the list who was not offered that opening already (nobody is offered
    // the same opening twice, and the demo may have offered it).
    let created: any = null;
    for (const apt of await api(request, "/appointments/ASAP?ClinicNum=1&Limit=20")) {
      const r = await request.post("/api/v1/asapcomms", {
        headers: { Authorization: API_KEY },
        data: { op: slot.OpNum, aptNum: apt.AptNum, dateTimeStart: slot.DateTimeStart },
      });
      if (r.status() === 201) {
        created = await r.json();
        break;
      }
      expect(await r.text()).toContain("already has an offer for this opening");
    }
    expect(created, "a patient not yet offered this opening").not.toBeNull();
    const row = page.locator(`tbody tr[data-asapcommnum="${created.AsapCommNum}"]`);
    await expect(row).toBeVisible({ timeout: 20_000 });
    expect(before).not.toContain(String(created.AsapCommNum));
    await expect(row.locator(".badge")).toHaveText(/Sending|Sent|Unable to send/);
    await expect(page.locator(`tbody tr[data-asapcommnum="${before[0]}"] details`)).toHaveJSProperty("open", true);
  });

  test("narrow iframe layout scrolls only the table", async ({ page }) => {
    await page.setViewportSize({ width: 480, height: 900 });
    await openHydrated(page, "/history");
    const pageOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(pageOverflow).toBeLessThanOrEqual(0);
    const tableScrolls = await page.locator(".table-scroll").evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(tableScrolls).toBe(true);
    await page.screenshot({ path: ".tmp/history-narrow.png", fullPage: false });
  });

  test("inside an office portal iframe, signed in by the portal's token", async ({ browser }) => {
    // The portal is another site on the office network: a page on another port embeds us.
    const portal = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
      const src = `http://127.0.0.1:3100/embed?token=${embedToken("demo", origin)}&next=/history`;
      res.setHeader("Content-Type", "text/html");
      res.end(`<!doctype html><html lang="en"><title>Office portal</title><h1>Portal</h1>
        <iframe title="ASAP history" src="${src}" width="480" height="300"></iframe></html>`);
    });
    await new Promise<void>((ok) => portal.listen(0, "127.0.0.1", ok));
    const { port } = portal.address() as AddressInfo;
    // Nobody is signed in to begin with: the token alone lets the frame in.
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      const frame = page.frameLocator('iframe[title="ASAP history"]');
      await expect(frame.locator("html")).toHaveAttribute("data-hydrated", "true");
      await expect(frame.getByRole("heading", { name: "ASAP history" })).toBeVisible();
      // The compact layout: no header of our own inside the portal.
      await expect(frame.locator(".top-bar")).toBeHidden();
      const status = await filterableStatus(frame);
      await frame.getByLabel("Status", { exact: true }).selectOption({ label: status });
      await frame.getByRole("button", { name: "Show" }).click();
      await expect.poll(async () => new Set(await frame.locator("tbody .badge").allTextContents())).toEqual(new Set([status]));
      await page.screenshot({ path: ".tmp/history-iframe.png" });
    } finally {
      await context.close();
      portal.close();
    }
  });

  test("passes an axe accessibility check", async ({ page }) => {
    await openHydrated(page, "/history");
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await page.screenshot({ path: ".tmp/history-desktop.png", fullPage: false });
  });
});

/** The first status badge on the page that the Status filter offers as a choice. */
async function filterableStatus(scope: import("@playwright/test").Page | import("@playwright/test").FrameLocator): Promise<string> {
  const choices = (await scope.getByLabel("Status", { exact: true }).locator("option").allTextContents()).map((t) => t.trim());
  const badges = (await scope.locator("tbody .badge").allTextContents()).map((t) => t.trim());
  const status = badges.find((b) => choices.includes(b));
  expect(status, `a badge among ${badges.join(", ")} that the filter offers`).toBeTruthy();
  return status!;
}
