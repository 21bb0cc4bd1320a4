import { test, expect, freshSlot, importOffice, openHydrated } from "./helpers";

// The asking order: once staff pick a time, those who fit are listed in the order they will be
// asked, each with the reasons in words, at a desktop's, a tablet's and a phone's width.

/** Two 60-minute patients on clinic 1's list: one took both earlier offers, one turned down
 * three. Their offers are from 2001, so nothing here depends on today's date. */
function rankedPatients() {
  const patient = (n: number, lname: string) =>
    ({ PatNum: 930_000 + n, LName: lname, FName: "Ria", WirelessPhone: `555930${String(n).padStart(4, "0")}`, TxtMsgOk: "Yes", ClinicNum: 1 });
  const apt = (n: number) => ({ AptNum: 930_000 + n, PatNum: 930_000 + n, AptStatus: "UnschedList", Pattern: "XXXXXXXXXXXX", Op: 1,
    ProvNum: 1, AptDateTime: "2001-01-01 09:00:00", ClinicNum: 1, Priority: "ASAP" });
  const offer = (num: number, n: number, ResponseStatus: string) => ({
    AsapCommNum: num, FKey: 930_000 + n, FKeyType: "UnscheduledAppt", ScheduleNum: 0, PatNum: 930_000 + n, ClinicNum: 1,
    DateTimeEntry: "2001-02-01 08:00:00", DateTimeExpire: "2001-02-02 08:00:00", DateTimeSmsScheduled: "2001-02-01 08:00:00",
    SmsSendStatus: "SendSuccessful", DateTimeSmsSent: "2001-02-01 08:00:00", ResponseStatus, DateTimeOrig: "2001-01-01 09:00:00",
    TemplateText: "", Note: "",
  });
  importOffice("ranked", {
    patients: [patient(1, "Rankkeen"), patient(2, "Rankshy")],
    appointments: [apt(1), apt(2)],
    asapcomms: [
      offer(9_300_001, 1, "AcceptedAndMoved"), offer(9_300_002, 1, "AcceptedAndMoved"),
      offer(9_300_003, 2, "Declined"), offer(9_300_004, 2, "Declined"), offer(9_300_005, 2, "Declined"),
    ],
  });
}

test.beforeAll(() => rankedPatients());

for (const width of [1440, 768, 360]) {
  test(`those who fit are listed in the asking order with the reasons, at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    const { day, slot } = await freshSlot(page.request, 60);
    await openHydrated(page, `/?clinic=1&date=${day}`);
    // Before a time is picked, the list keeps its own order and gives no reasons.
    await expect(page.locator(".asap-list .rank")).toHaveCount(0);
    await page.locator(`.cell[data-op="${slot.OpNum}"][data-start="${slot.DateTimeStart}"]`).click();
    await expect(page.locator(".asap-count")).toHaveText(/^Fit the chosen time/);
    await page.getByLabel("Find a patient").fill("Rank");
    const rows = page.locator(".asap-list li");
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toContainText("Rankkeen, Ria");
    await expect(rows.nth(0).locator(".rank")).toContainText(/^No\. 1 · accepted 2 of 2 earlier offers · waiting \d+ days · not asked in the last 7 days/);
    await expect(rows.nth(1)).toContainText("Rankshy, Ria");
    await expect(rows.nth(1).locator(".rank")).toContainText(/^No\. 2 · accepted 0 of 3 earlier offers/);
    await page.screenshot({ path: `.tmp/ranked-list-${width}.png`, fullPage: true });
  });
}
