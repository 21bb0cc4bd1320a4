import { Page } from "@playwright/test";
import { test, expect, api, chooseNobody, freshSlot, importOffice, openHydrated, textAtAnyHour, textInDemoHours } from "./helpers";

// The send panel beyond choosing patients: the opening's Start/End, preselection, the message
// edited for one send, and ASAP Message Setup. Each runs at a desktop's and a front-desk
// tablet's width.

/** Textable patients on clinic 1's ASAP list, their own for each width (the daily text limit
 * counts per patient): a 30- and a 90-minute visit, and one for the message test. */
function panelPatients(tag: string, base: number) {
  const patient = (n: number, lname: string, fname: string) =>
    ({ PatNum: base + n, LName: lname, FName: fname, WirelessPhone: `555${String(base + n).padStart(7, "0")}`, TxtMsgOk: "Yes", ClinicNum: 1 });
  const apt = (n: number, pattern: string) => ({ AptNum: base + n, PatNum: base + n, AptStatus: "UnschedList", Pattern: pattern, Op: 1,
    ProvNum: 1, AptDateTime: "2001-01-01 09:00:00", ClinicNum: 1, Priority: "ASAP" });
  importOffice(`panel-${tag}`, {
    patients: [patient(1, `Lenshort${tag}`, "Lenny"), patient(2, `Lenlong${tag}`, "Lola"), patient(3, `Msgtest${tag}`, "Mia")],
    appointments: [apt(1, "XXXXXX"), apt(2, "XXXXXXXXXXXXXXXXXX"), apt(3, "XXXXXX")],
  });
}

/** Opens the picker on a fresh two-hour opening in clinic 1 and picks its start. */
async function pickFreshTwoHours(page: Page) {
  const { day, slot } = await freshSlot(page.request, 120);
  await openHydrated(page, `/?clinic=1&date=${day}`);
  const cell = page.locator(`.cell[data-op="${slot.OpNum}"][data-start="${slot.DateTimeStart}"]`);
  await cell.click();
  await expect(cell).toHaveAttribute("aria-selected", "true");
  return { day, slot, cell };
}

/** hh:mm a, as the panel writes a time: "9:00 AM". */
function clock(at: string, plusMinutes = 0) {
  const d = new Date(at.replace(" ", "T") + "Z");
  d.setUTCMinutes(d.getUTCMinutes() + plusMinutes);
  const h = d.getUTCHours();
  return `${((h + 11) % 12) + 1}:${String(d.getUTCMinutes()).padStart(2, "0")} ${h < 12 ? "AM" : "PM"}`;
}

function plus(at: string, minutes: number) {
  const d = new Date(at.replace(" ", "T") + "Z");
  d.setUTCMinutes(d.getUTCMinutes() + minutes);
  return d.toISOString().slice(0, 19).replace("T", " ");
}

for (const width of [1440, 768]) {
  const tag = width === 1440 ? "Wide" : "Tab";
  test.describe(`send panel at ${width} px`, () => {
    test.beforeAll(() => { panelPatients(tag, width === 1440 ? 920_100 : 920_200); textAtAnyHour(); });
    test.afterAll(() => textInDemoHours());
    test.beforeEach(async ({ page }) => { await page.setViewportSize({ width, height: 900 }); });

    test("the opening's Start and End are shown and set before sending, and who fits follows", async ({ page }) => {
      const { slot } = await pickFreshTwoHours(page);
      const start = slot.DateTimeStart as string;
      await expect(page.locator(".offer .chosen")).toContainText(`${clock(start)}–`);
      await chooseNobody(page);
      await page.getByLabel("Find a patient").fill("Len");
      const short = page.locator(".asap-list li").filter({ hasText: `Lenshort${tag}, Lenny` });
      const long = page.locator(".asap-list li").filter({ hasText: `Lenlong${tag}, Lola` });
      await expect(long).toHaveClass(/fits/);
      // Shortened to an hour: the 90-minute visit no longer fits (the list narrows to who does); the
      // opening is drawn over an hour.
      await page.getByLabel("End", { exact: true }).selectOption(plus(start, 60));
      await expect(page.locator(".offer .chosen")).toContainText(`${clock(start)}–${clock(start, 60)}, 60 minutes`);
      await expect(long).toHaveCount(0);
      await expect(short).toHaveClass(/fits/);
      const drawn = page.locator(".cell.in-opening");
      expect(await drawn.count()).toBeGreaterThan(1);
      for (const at of await drawn.evaluateAll((cells) => cells.map((c) => c.getAttribute("data-start")!))) {
        expect(at >= start && at < plus(start, 60), `${at} is inside the opening`).toBe(true);
      }
      await short.locator("input[type=checkbox]").check();
      await page.screenshot({ path: `.tmp/panel-end-${width}.png`, fullPage: true });
      await page.getByRole("button", { name: "Send offers" }).click();
      const done = page.getByRole("status").filter({ hasText: "Offered to 1 patient" });
      await expect(done).toBeVisible();
      await expect(done).toBeFocused();
      const scheduleNum = (await done.getByRole("link").getAttribute("href"))!.split("=")[1];
      const schedule = await api(page.request, `/schedules/${scheduleNum}`);
      expect(schedule.StopTime).toBe(plus(start, 60).slice(11));
    });

    test("picking a time ticks who fits and can be reached; those no message reaches keep their place, unticked and numbered", async ({ page }) => {
      await pickFreshTwoHours(page);
      await expect(page.locator(".asap-count")).toHaveText(/^Fit the chosen time/);
      const rows = page.locator(".asap-list li.fits");
      await expect(page.locator(".asap-list input[type=checkbox]:checked").first()).toBeVisible();
      const states = await rows.evaluateAll((lis) => lis.map((li) => ({
        patient: li.getAttribute("data-patnum"),
        ticked: (li.querySelector("input[type=checkbox]") as HTMLInputElement).checked,
        unreached: !!li.querySelector(".why"),
      })));
      expect(states.filter((s) => s.unreached && s.ticked)).toEqual([]);
      // Each patient a message reaches is ticked once, whatever number of their visits fit.
      const reached = [...new Set(states.filter((s) => !s.unreached).map((s) => s.patient))];
      for (const p of reached) expect(states.filter((s) => s.patient === p && s.ticked).length, `patient ${p}`).toBe(1);
      // The asking order does not move with the send mode: every row that fits is numbered in it.
      const places = await rows.locator(".place").allTextContents();
      expect(places).toEqual(places.map((_, i) => `No. ${i + 1}`));
      const ticked = states.filter((s) => s.ticked).length;
      await expect(page.locator(".send-details summary")).toContainText(`${ticked} ${ticked === 1 ? "patient" : "patients"} chosen`);
      await page.getByRole("button", { name: "Choose none" }).click();
      await expect(page.getByText("No patients chosen yet.")).toBeVisible();
      await expect(page.getByRole("button", { name: "Send offers" })).toBeDisabled();
      await page.getByRole("button", { name: "Choose all shown who fit and can be reached" }).click();
      await expect(page.locator(".send-details summary")).toContainText(`${ticked} `);
    });

    test("the message edited for one send goes out with that send, and the next starts from the template", async ({ page }) => {
      const { day } = await pickFreshTwoHours(page);
      await chooseNobody(page);
      await page.getByLabel("Find a patient").fill(`Msgtest${tag}`);
      await page.locator(".asap-list li").filter({ hasText: `Msgtest${tag}, Mia` }).locator("input[type=checkbox]").check();
      await page.locator(".message-edit summary").click();
      const text = page.getByLabel("Text", { exact: true });
      await expect(text).toHaveValue(/\[AsapURL\]/);
      await text.fill("No link here");
      await expect(page.locator(".offer").getByRole("alert")).toContainText("The text has no [AsapURL]");
      await expect(page.getByRole("button", { name: "Send offers" })).toBeDisabled();
      const mine = `[NameF], a chair is free at [Time] (panel test ${width}). Tap [AsapURL]`;
      await text.fill(mine);
      await expect(page.getByLabel("Text preview")).toContainText(`Mia, a chair is free at`);
      await expect(page.locator(".offer .segments")).toContainText(/\d+ characters, 1 segment/);
      await expect(page.locator(".message-edit summary")).toHaveText("Message for this send (edited)");
      await page.getByRole("button", { name: "Send offers" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Offered to 1 patient" })).toBeVisible();

      await page.goto("/outbox");
      const sent = page.locator(".message-card").filter({ hasText: `(panel test ${width})` });
      await expect(async () => {
        await page.reload();
        await expect(sent.first()).toBeVisible({ timeout: 1000 });
      }).toPass({ timeout: 20_000 });
      await expect(sent.first()).toContainText("Mia, a chair is free at");

      await openHydrated(page, `/?clinic=1&date=${day}`);
      await (await page.locator(".cell.free").first()).click();
      await page.locator(".message-edit summary").click();
      await expect(page.getByLabel("Text", { exact: true })).not.toHaveValue(/panel test/);
      await expect(page.locator(".message-edit summary")).toHaveText("Message for this send");
    });

    test("ASAP Message Setup: a clinic's own text, checked and previewed, is what the picker starts from", async ({ page }) => {
      await openHydrated(page, "/messages");
      await expect(page.getByRole("heading", { name: "ASAP Message Setup" })).toBeVisible();
      await page.getByLabel("Messages for").selectOption("1");
      await expect(page).toHaveURL(/\/messages\?clinic=1/);
      const text = page.getByLabel("Text message");
      await text.fill("[NameF], North has a chair [Date] [Time] [Bogus]. [AsapURL]");
      await expect(page.getByRole("alert")).toContainText("holds [Bogus], which is not a tag");
      await expect(page.getByRole("button", { name: /^Save for / })).toBeDisabled();
      await text.fill(`[NameF], North has a chair [Date] at [Time] (setup ${width}). Book: [AsapURL]`);
      await expect(page.getByLabel("Text preview")).toContainText("Alex, North has a chair");
      await expect(page.locator(".segments")).toContainText("1 segment");
      await page.getByText("Tags you can use").click();
      await expect(page.locator(".tags")).toContainText("[OfficePhone]");
      await page.screenshot({ path: `.tmp/message-setup-${width}.png`, fullPage: true });
      await page.getByRole("button", { name: /^Save for / }).click();
      await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
      await expect(page.locator(".source")).toHaveText("Set for this clinic here.");

      const { day } = await freshSlot(page.request, 30);
      await openHydrated(page, `/?clinic=1&date=${day}`);
      await page.locator(".cell.free").first().click();
      await page.locator(".message-edit summary").click();
      await expect(page.getByLabel("Text", { exact: true })).toHaveValue(`[NameF], North has a chair [Date] at [Time] (setup ${width}). Book: [AsapURL]`);

      // Back to the whole office's messages, as the other tests expect.
      await openHydrated(page, "/messages?clinic=1");
      await page.getByRole("button", { name: "Remove these, use the whole office's" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Removed." })).toBeVisible();
      await expect(page.locator(".source")).not.toHaveText("Set for this clinic here.");
    });
  });
}

test("withdrawing an opening asks first, and Keep it leaves it open", async ({ page }) => {
  importOffice("panel-withdraw", {
    patients: [{ PatNum: 920_003, LName: "Withdrawtest", FName: "Wanda", WirelessPhone: "5559200003", TxtMsgOk: "Yes", ClinicNum: 1 }],
    appointments: [{ AptNum: 992_003, PatNum: 920_003, AptStatus: "UnschedList", Pattern: "XXXXXX", Op: 1, ProvNum: 1,
      AptDateTime: "2001-01-01 09:00:00", ClinicNum: 1, Priority: "ASAP" }],
  });
  const { day } = await pickFreshTwoHours(page);
  await chooseNobody(page);
  await page.getByLabel("Find a patient").fill("Withdrawtest");
  await page.locator(".asap-list li").filter({ hasText: "Withdrawtest, Wanda" }).locator("input[type=checkbox]").check();
  await page.getByRole("button", { name: "Send offers" }).click();
  const done = page.getByRole("status").filter({ hasText: "Offered to 1 patient" });
  await expect(done).toBeVisible();
  const scheduleNum = (await done.getByRole("link").getAttribute("href"))!.split("=")[1];
  const opening = page.locator(`.opening-list li[data-schedulenum="${scheduleNum}"]`);
  await opening.getByRole("button", { name: "Withdraw…" }).click();
  await expect(opening.getByRole("group", { name: "Confirm withdrawing this opening" })).toContainText("cannot be undone");
  await opening.getByRole("button", { name: "Keep it" }).click();
  await expect(opening.getByRole("group")).toBeHidden();
  expect((await api(page.request, `/schedules?date=${day}&SchedType=WebSchedASAP`)).some((s: any) => String(s.ScheduleNum) === scheduleNum)).toBe(true);
  await opening.getByRole("button", { name: "Withdraw…" }).click();
  await opening.getByRole("button", { name: "Yes, withdraw it" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Withdrew the" })).toBeVisible();
  await expect(page.locator(`.opening-list li[data-schedulenum="${scheduleNum}"]`)).toContainText("Withdrawn");
});
