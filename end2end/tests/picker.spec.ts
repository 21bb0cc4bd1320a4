import { Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, api, chooseNobody, dayWithOpening, importOffice, offersInCell, openHydrated, weekdaysAhead } from "./helpers";

/** The first cell with at least `minutes` free on the day shown; with `fresh`, only time no opening covers yet. */
async function freeCell(page: Page, minutes: number, fresh = false) {
  const cell = await findFreeCell(page, minutes, fresh);
  if (!cell) throw new Error(`no cell with ${minutes} free minutes`);
  return cell;
}

async function findFreeCell(page: Page, minutes: number, fresh: boolean) {
  const cells = page.locator(fresh ? ".cell.free" : ".cell.free, .cell.opening");
  const count = await cells.count();
  for (let i = 0; i < count; i++) {
    const cell = cells.nth(i);
    if (Number(await cell.getAttribute("data-free")) >= minutes) return cell;
  }
  return null;
}

/** Opens the first upcoming weekday in clinic 1 with `minutes` free that no opening covers yet. */
async function openDayWithFreshTime(page: Page, minutes: number) {
  for (const day of weekdaysAhead(12)) {
    await openHydrated(page, `/?clinic=1&date=${day}`);
    if (await page.getByRole("grid").isVisible() && (await findFreeCell(page, minutes, true))) return day;
  }
  throw new Error(`no fresh ${minutes}-minute opening in the next 12 weekdays`);
}

/** Opens the first upcoming weekday with a 120-minute opening in clinic 1; returns the day. */
async function openDay(page: Page) {
  const { day } = await dayWithOpening(page.request, 120);
  await openHydrated(page, `/?clinic=1&date=${day}`);
  await expect(page.getByRole("grid")).toBeVisible();
  return day;
}

test.describe("slot picker", () => {
  test("pick an opening, choose a patient, send, and find it in the history", async ({ page }) => {
    const day = await openDay(page);
    const cell = await freeCell(page, 120);
    await expect(cell).toHaveAttribute("aria-label", /minutes free/);
    // The demo (or an earlier test) may already have offered this time: count from what is there.
    const op = await cell.getAttribute("data-op");
    const start = await cell.getAttribute("data-start");
    const offersBefore = offersInCell(await cell.getAttribute("aria-label"));
    await cell.click();
    await expect(cell).toHaveAttribute("aria-selected", "true");
    await expect(page.getByText(/up to \d+ minutes free/)).toBeVisible();
    await chooseNobody(page);
    // A patient a text can reach (no "why not" line): the preview is of the text they get.
    const row = page.locator(".asap-list li.fits").filter({ hasNot: page.locator(".why") }).first();
    const name = (await row.locator(".who").textContent())!.trim();
    await row.locator("input[type=checkbox]").check();
    await expect(page.locator(".send-details")).toContainText(`${name}: text to `);
    const preview = page.getByLabel("Text preview");
    await expect(preview).toContainText(name.split(", ")[1]);
    await expect(preview).toContainText("an appointment opening has become available");
    await page.getByRole("button", { name: "Send offers" }).click();
    const done = page.getByRole("status").filter({ hasText: "Offered to 1 patient" });
    await expect(done).toBeVisible();
    const after = offersBefore + 1;
    await expect(page.locator(`.cell[data-op="${op}"][data-start="${start}"]`))
      .toHaveAttribute("aria-label", new RegExp(`ASAP opening \\(${after} patients? offered\\)`));
    await done.getByRole("link", { name: "See these offers in the ASAP history" }).click();
    await expect(page).toHaveURL(/\/history\?ScheduleNum=\d+/);
    // The opening's offers: this one, and any made on the same opening before.
    await expect(page.locator("tbody tr th").filter({ hasText: name }).first()).toBeVisible();
    expect(await page.locator("tbody tr").count()).toBeLessThanOrEqual(offersBefore + 1);
    await page.goto(`/?clinic=1&date=${day}`);
    await expect(page.locator(".asap-list .meta").filter({ hasText: "offered" }).first()).toBeVisible();
  });

  test("one opening offered to three patients is one blockout with three offers", async ({ page, request }) => {
    // Time no opening covers yet, so this is a new opening and not more offers on an old one.
    await openDayWithFreshTime(page, 120);
    await (await freeCell(page, 120, true)).click();
    await chooseNobody(page);
    const boxes = page.locator(".asap-list input[type=checkbox]:enabled");
    expect(await boxes.count()).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 3; i++) await boxes.nth(i).check();
    await expect(page.locator(".send-details summary")).toContainText("3 patients chosen");
    await page.getByRole("button", { name: "Send offers" }).click();
    const done = page.getByRole("status").filter({ hasText: "Offered to 3 patients" });
    await expect(done).toBeVisible();
    const href = await done.getByRole("link").getAttribute("href");
    const scheduleNum = href!.split("=")[1];
    const schedule = await api(request, `/schedules/${scheduleNum}`);
    expect(schedule.SchedType).toBe("WebSchedASAP");
    await page.goto(href!);
    await expect(page.locator("tbody tr")).toHaveCount(3);
  });

  test("a time taken between pick and send fails clearly and creates nothing", async ({ page, request }) => {
    const day = await openDay(page);
    const cell = await freeCell(page, 120);
    const op = await cell.getAttribute("data-op");
    const start = await cell.getAttribute("data-start");
    await cell.click();
    await page.locator(".asap-list input[type=checkbox]:enabled").first().check();
    // Another system books that time: an office data sync through `server import`.
    const [someone] = await api(request, "/appointments/ASAP?ClinicNum=1&Limit=1");
    importOffice("conflict", {
      appointments: [{ AptNum: 990001, PatNum: someone.PatNum, AptStatus: "Scheduled", Pattern: "XXXXXXXXXXXX",
        Op: Number(op), ProvNum: 0, AptDateTime: start, ClinicNum: 1, Priority: "Normal" }],
    });
    const before = (await api(request, `/schedules?date=${day}&SchedType=WebSchedASAP`)).length;
    await page.getByRole("button", { name: "Send offers" }).click();
    const alert = page.locator(".offer").getByRole("alert");
    await expect(alert).toContainText("appointment 990001");
    await expect(alert).toContainText("is not free");
    expect((await api(request, `/schedules?date=${day}&SchedType=WebSchedASAP`)).length).toBe(before);
    // The grid was read again and shows the appointment.
    await expect(page.locator(`.cell[data-op="${op}"][data-start="${start}"]`)).toHaveClass(/busy/);
  });

  test("keyboard only: arrows, Enter, Space and Send", async ({ page }) => {
    await openDay(page);
    const target = await freeCell(page, 60);
    const [, c, r] = (await target.getAttribute("id"))!.split("-").map(Number);
    await page.getByRole("gridcell").first().focus();
    await expect(page.locator("#cell-0-0")).toBeFocused();
    for (let i = 0; i < c; i++) await page.keyboard.press("ArrowRight");
    for (let i = 0; i < r; i++) await page.keyboard.press("ArrowDown");
    await expect(target).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(target).toHaveAttribute("aria-selected", "true");
    await chooseNobody(page);
    const box = page.locator(".asap-list input[type=checkbox]:enabled").first();
    await box.focus();
    await page.keyboard.press("Space");
    await expect(box).toBeChecked();
    await page.getByRole("button", { name: "Send offers" }).focus();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "Offered to 1 patient" })).toBeVisible();
  });

  test("the ASAP list shows a page at a time, finds a name, and narrows to who fits", async ({ page }) => {
    // Sixty more patients at the end of the appointments on the list (broken, long ago), so the
    // list is longer than a page whatever the demo holds.
    const patients = [], appointments = [];
    for (let i = 0; i < 60; i++) {
      patients.push({ PatNum: 900_000 + i, LName: `Pagetest${String(i).padStart(3, "0")}`, FName: "Pat",
        WirelessPhone: `555${4_000_000 + i}`, TxtMsgOk: "Yes", ClinicNum: 1 });
      appointments.push({ AptNum: 980_000 + i, PatNum: 900_000 + i, AptStatus: "Broken", Pattern: "XXXXXX", Op: 1,
        ProvNum: 1, AptDateTime: "2001-01-01 09:00:00", ClinicNum: 1, Priority: "ASAP" });
    }
    importOffice("long-asap-list", { patients, appointments });
    await openDay(page);
    const rows = page.locator(".asap-list li");
    const count = page.locator(".asap-count");
    await expect(count).toHaveText(/^Showing 50 of \d+\.$/);
    await expect(rows).toHaveCount(50);
    const total = Number((await count.textContent())!.match(/of (\d+)/)![1]);
    await page.locator("button.more").click();
    await expect(rows).toHaveCount(Math.min(100, total));

    await page.getByLabel("Find a patient").fill("pagetest007");
    await expect(rows).toHaveCount(1);
    await expect(rows.locator(".who")).toHaveText("Pagetest007, Pat");
    await expect(count).toHaveText(/^Named like “pagetest007”: 1 of \d+; showing 1\.$/);
    await page.getByLabel("Find a patient").fill("pagetest");
    await expect(count).toHaveText(/^Named like “pagetest”: 60 of \d+; showing 50\.$/);

    // Choosing a time keeps only those who fit it, and they can be chosen.
    await page.getByLabel("Find a patient").fill("");
    await (await freeCell(page, 120)).click();
    await expect(count).toHaveText(/^Fit the chosen time: \d+ of \d+; showing \d+\.$/);
    await expect(rows.first()).toHaveClass(/fits/);
    expect(await rows.count()).toBe(await page.locator(".asap-list li.fits").count());
    await page.screenshot({ path: ".tmp/picker-asap-list.png", fullPage: true });
  });

  test("show where a patient fits highlights start times", async ({ page }) => {
    await openDay(page);
    await page.locator(".asap-list .pick-patient").first().click();
    expect(await page.locator(".cell.fits").count()).toBeGreaterThan(0);
  });

  test("narrow layout: the grid scrolls sideways, the page does not", async ({ page }) => {
    await page.setViewportSize({ width: 480, height: 900 });
    await openDay(page);
    const pageOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(pageOverflow).toBeLessThanOrEqual(0);
    expect(await page.locator(".day-grid-wrap").evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await page.screenshot({ path: ".tmp/picker-narrow.png" });
  });

  test("passes an axe accessibility check", async ({ page }) => {
    await openDay(page);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await page.screenshot({ path: ".tmp/picker-desktop.png" });
  });
});
