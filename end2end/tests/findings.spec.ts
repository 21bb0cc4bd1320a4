import { Page } from "@playwright/test";
import { test, expect, chooseNobody, freshSlot, importOffice, openHydrated, OFFICE_ZONE, textAtAnyHour, textInDemoHours } from "./helpers";

// What a practice manager's first real use of the picker tripped on (2026-11-30), one test per
// finding, each at a desktop's and a front-desk tablet's width. Patients are each width's own,
// so the daily text limit of one run does not reach the other's.

/** Three textable patients on clinic 1's ASAP list, 30 minutes each, with Dr. Ruiz (provider 1); the
 * first one's appointment was set for a day years ahead, so it has not passed. */
function findingPatients(tag: string, base: number) {
  const patient = (n: number, lname: string, fname: string) =>
    ({ PatNum: base + n, LName: lname, FName: fname, WirelessPhone: `555${String(base + n).padStart(7, "0")}`, TxtMsgOk: "Yes", ClinicNum: 1 });
  const apt = (n: number, at: string) => ({ AptNum: base + n, PatNum: base + n, AptStatus: "UnschedList", Pattern: "XXXXXX", Op: 1,
    ProvNum: 1, AptDateTime: at, ClinicNum: 1, Priority: "ASAP" });
  importOffice(`findings-${tag}`, {
    patients: [patient(1, `Finda${tag}`, "Fern"), patient(2, `Findb${tag}`, "Felix"), patient(3, `Findc${tag}`, "Flo")],
    appointments: [apt(1, "2040-01-06 09:00:00"), apt(2, "2001-01-01 09:00:00"), apt(3, "2001-01-01 09:00:00")],
  });
}

/** The office's hour now (0–23), as the server's clock reads it. */
function officeHour(): number {
  return Number(new Intl.DateTimeFormat("en-GB", { timeZone: OFFICE_ZONE, hour: "2-digit", hourCycle: "h23" }).format(new Date()));
}

/** Texting hours that exclude this hour, so a send now has to wait. */
function textingHoursClosedNow() {
  const [start, end] = officeHour() < 12 ? ["22:00:00", "23:00:00"] : ["02:00:00", "03:00:00"];
  importOffice("closed-now", { preferences: { AutomaticCommunicationTimeStart: start, AutomaticCommunicationTimeEnd: end } });
}

/** Picks a fresh hour-long opening in clinic 1 and chooses exactly `who` (last names) in the list. */
async function offerTo(page: Page, who: string[]) {
  const { day, slot } = await freshSlot(page.request, 60);
  await openHydrated(page, `/?clinic=1&date=${day}`);
  const cell = page.locator(`.cell[data-op="${slot.OpNum}"][data-start="${slot.DateTimeStart}"]`);
  await cell.click();
  await chooseNobody(page);
  for (const name of who) {
    await page.getByLabel("Find a patient").fill(name);
    await page.locator(".asap-list li.fits").filter({ hasText: name }).first().locator("input[type=checkbox]").check();
  }
  await page.getByLabel("Find a patient").fill("");
  return { day, slot, cell };
}

/** Sends and returns the new opening's ScheduleNum, from the outcome's link to its offers. */
async function send(page: Page) {
  await page.getByRole("button", { name: "Send offers" }).click();
  const done = page.getByRole("status").filter({ hasText: /^Offered to/ });
  await expect(done).toBeVisible();
  const href = await done.getByRole("link").first().getAttribute("href");
  return { done, scheduleNum: href!.split("=")[1] };
}

for (const width of [1440, 768]) {
  const tag = width === 1440 ? "Wide" : "Tab";
  // The daily limit is two texts: a gets tests 4 and 8's, b 8's, c 7 and 9's.
  const [a, b, c] = [`Finda${tag}`, `Findb${tag}`, `Findc${tag}`];
  test.describe(`first-use findings at ${width} px`, () => {
    test.beforeAll(() => { findingPatients(tag, width === 1440 ? 930_100 : 930_200); textAtAnyHour(); });
    test.afterAll(() => textInDemoHours());
    test.beforeEach(async ({ page }) => { await page.setViewportSize({ width, height: 900 }); });

    test("1. the opening's length is shown, drawn and set before sending", async ({ page }) => {
      const { slot } = await offerTo(page, [a]);
      await expect(page.locator(".offer .chosen")).toContainText(/\d+:\d\d [AP]M–\d+:\d\d [AP]M, \d+ minutes/);
      await expect(page.getByLabel("Start", { exact: true })).toBeVisible();
      await expect(page.getByLabel("End", { exact: true })).toBeVisible();
      expect(await page.locator(".cell.in-opening").count(), "the whole span is drawn, not one box").toBeGreaterThan(1);
      await expect(page.locator(`.cell.in-opening[data-start="${slot.DateTimeStart}"]`)).toHaveCount(1);
    });

    test("2 and 5. a send after texting hours says when it will go; withdrawn before, it reads Not sent, not Failed", async ({ page }) => {
      textingHoursClosedNow();
      let scheduleNum = "";
      try {
        await offerTo(page, [a]);
        const sent = await send(page);
        scheduleNum = sent.scheduleNum;
        await expect(sent.done).toContainText("Nothing is sent yet: the first message goes");
        await expect(sent.done).not.toContainText("going out now");
        await expect(sent.done).toHaveClass(/\bwarn\b/);
        await expect(page.locator(`.opening-list li[data-schedulenum="${scheduleNum}"]`)).toContainText("1 waiting");
        await page.locator(`.opening-list li[data-schedulenum="${scheduleNum}"]`).getByRole("button", { name: "Withdraw…" }).click();
        await page.getByRole("button", { name: "Yes, withdraw it" }).click();
        await expect(page.getByRole("status").filter({ hasText: "Withdrew the" })).toBeVisible();
      } finally {
        textAtAnyHour();
      }
      await openHydrated(page, `/history?ScheduleNum=${scheduleNum}`);
      const row = page.locator("tbody tr").filter({ hasText: a });
      await expect(row.locator(".badge")).toHaveText("Not sent");
      await expect(row.locator(".badge")).not.toHaveClass(/tone-bad/);
      await expect(row).not.toContainText("Failed");
    });

    test("3. the send details name each patient, and Preview shows any chosen patient's own text", async ({ page }) => {
      await offerTo(page, [a, b]);
      const details = page.locator(".send-details");
      await expect(details.locator("summary")).toContainText("2 patients chosen");
      await expect(details).toHaveAttribute("open", "");
      await expect(details).toContainText(`${a}, Fern`);
      await expect(details).toContainText(`${b}, Felix`);
      await page.getByRole("button", { name: `Preview ${b}, Felix's message` }).click();
      await expect(page.getByLabel("Text preview")).toContainText("Felix");
      await page.getByRole("button", { name: `Preview ${a}, Fern's message` }).click();
      await expect(page.getByLabel("Text preview")).toContainText("Fern");
    });

    test("4. each patient's row says whose chair, a date not yet passed as such, and what they had today", async ({ page }) => {
      await offerTo(page, [a]);
      await send(page);
      await page.getByLabel("Find a patient").fill(a);
      const row = page.locator(".asap-list li").filter({ hasText: a }).first();
      await expect(row).toContainText("Ana Ruiz");
      await expect(row).toContainText("set for Fri 01/06/2040 9:00 AM");
      await expect(row).not.toContainText("was Fri 01/06/2040");
      await expect(row).toContainText(/offered .* for /);
      await expect(row.locator(".today")).toContainText(/texts? today/);
    });

    test("6. nothing is cut off: the page never scrolls sideways, and a wide grid says to scroll", async ({ page }) => {
      await openHydrated(page, "/?clinic=1");
      await expect(page.locator(".scroll-hint")).toContainText("scroll sideways to see them all");
      for (const path of ["/?clinic=1", "/history", "/messages", "/outbox", "/audit"]) {
        await openHydrated(page, path);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path} fits ${width} px`).toBeLessThanOrEqual(0);
      }
      await openHydrated(page, "/history");
      const clinicHeader = page.locator("thead th").filter({ hasText: "Clinic" });
      await clinicHeader.scrollIntoViewIfNeeded();
      await expect(clinicHeader).toBeInViewport();
    });

    test("7. the keyboard: a skip link first, and after Send the focus stays on the outcome", async ({ page }) => {
      await openHydrated(page, "/?clinic=1");
      await page.keyboard.press("Tab");
      await expect(page.getByRole("link", { name: "Skip to the page" })).toBeFocused();
      await page.keyboard.press("Enter");
      await expect(page.locator("main#main")).toBeFocused();
      await offerTo(page, [c]);
      const { done } = await send(page);
      await expect(done).toBeFocused();
    });

    test("8. one patient's offer is withdrawn from the history, asked first, and the other keeps theirs", async ({ page }) => {
      await offerTo(page, [a, b]);
      const { scheduleNum } = await send(page);
      await openHydrated(page, `/history?ScheduleNum=${scheduleNum}`);
      const rowA = page.locator("tbody tr").filter({ hasText: a });
      const rowB = page.locator("tbody tr").filter({ hasText: b });
      await rowB.getByRole("button", { name: "Withdraw…" }).click();
      const ask = rowB.getByRole("group", { name: `Confirm withdrawing ${b}, Felix's offer` });
      await expect(ask).toContainText("Others keep theirs.");
      await ask.getByRole("button", { name: "Keep it" }).click();
      await expect(ask).toHaveCount(0);
      await expect(rowB.getByRole("button", { name: "Withdraw…" }), "the keyboard goes back where it was").toBeFocused();
      await page.keyboard.press("Enter");
      await page.keyboard.press("Tab");
      await expect(rowB.getByRole("button", { name: "Yes, withdraw it" })).toBeFocused();
      await page.keyboard.press("Enter");
      const said = page.getByRole("status").filter({ hasText: `Withdrew Felix's offer` });
      await expect(said).toBeVisible();
      await expect(said).toBeFocused();
      await expect(rowB.locator(".badge")).toHaveText("Withdrawn");
      await expect(rowB).toContainText("by demo");
      await expect(rowB.getByRole("button", { name: "Withdraw…" })).toHaveCount(0);
      await expect(rowA.getByRole("button", { name: "Withdraw…" })).toBeVisible();
      await page.screenshot({ path: `.tmp/withdraw-offer-${width}.png`, fullPage: true });
    });

    test("9. the pages speak the office's words, not the database's", async ({ page }) => {
      await offerTo(page, [c]);
      await send(page);
      await openHydrated(page, "/history");
      const table = await page.locator("table").innerText();
      for (const word of ["TxtMsgOk", "(AptNum", "yyyy-MM-dd"]) expect(table, word).not.toContain(word);
      expect(await page.locator(".day-label").count(), "the chart labels its days").toBeGreaterThan(0);
      await openHydrated(page, "/history?dateStart=2026-13-40");
      await expect(page.getByRole("alert")).toContainText("The From date '2026-13-40' is not a date");
      await openHydrated(page, "/audit");
      await expect(page.locator("tbody")).toContainText("Riverside Family Dental - Downtown");
      await expect(page.locator("tbody")).not.toContainText(/\bClinic 1\b/);
      await openHydrated(page, "/overview");
      await page.getByRole("button", { name: "Refresh" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Up to date:" })).toContainText("on the ASAP list");
    });
  });
}
