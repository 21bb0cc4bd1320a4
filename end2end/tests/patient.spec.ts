import { Page, APIRequestContext, Browser } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, API_KEY, api, chooseNobody, dayWithOpening, freshSlot, importOffice, officeToday, openHydrated, textAtAnyHour, textInDemoHours } from "./helpers";

/** A phone: the patient opens the link from a text. */
const PHONE = { width: 360, height: 740 };

/** Offers one opening to `count` textable patients of clinic 1 through the API; returns their offers. */
async function offerOpening(request: APIRequestContext, count: number, minutes = 120) {
  const { slot } = await freshSlot(request, minutes);
  const list = await api(request, "/appointments/ASAP?ClinicNum=1");
  const offers: any[] = [];
  for (const apt of list) {
    if (offers.length === count) break;
    const r = await request.post("/api/v1/asapcomms", {
      headers: { Authorization: API_KEY },
      data: { op: slot.OpNum, aptNum: apt.AptNum, dateTimeStart: slot.DateTimeStart },
    });
    if (r.status() !== 201) continue;
    const c = await r.json();
    if (c.SmsSendStatus === "SendNotAttempted") offers.push(c);
  }
  expect(offers.length).toBe(count);
  return { slot, offers };
}

/** The patient link texted for an AsapComm, read from the outbox page once the sender has sent it. */
async function linkFor(page: Page, asapCommNum: number): Promise<string> {
  await page.goto("/outbox");
  const card = page.locator(`.message-card[data-channel="text"][data-asapcommnum="${asapCommNum}"]`);
  await expect(async () => {
    await page.reload();
    await expect(card).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  const href = await card.locator("a").getAttribute("href");
  return new URL(href!).pathname;
}

async function phonePage(browser: Browser, javaScriptEnabled = true) {
  // A patient's phone: nobody from the office is signed in there.
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled, storageState: { cookies: [], origins: [] } });
  return { context, page: await context.newPage() };
}

/** The accept button: "Yes, book me in" for one opening, "Book the time I chose" when the patient
 * holds several (the link's own is chosen first). */
const BOOK = /^(Yes, book me in|Book the time I chose)$/;

test.describe("patient's page", () => {
  // Whatever the hour of the run, texts go out at once; the texting hours have their own tests.
  test.beforeAll(() => textAtAnyHour());
  test.afterAll(() => textInDemoHours());

  test("the whole loop: send from the picker, read the text in the outbox, accept, see it filled", async ({ page, browser }) => {
    const { day } = await dayWithOpening(page.request, 120);
    await openHydrated(page, `/?clinic=1&date=${day}`);
    const cells = page.locator(".cell.free");
    let cell = cells.first();
    for (let i = 0; i < (await cells.count()); i++) {
      if (Number(await cells.nth(i).getAttribute("data-free")) >= 120) { cell = cells.nth(i); break; }
    }
    await cell.click();
    await chooseNobody(page);
    // A patient a text can reach: no "why not" line.
    const row = page.locator(".asap-list li.fits").filter({ hasNot: page.locator(".why") }).first();
    const name = (await row.locator(".who").textContent())!.trim();
    await row.locator("input[type=checkbox]").check();
    await page.getByRole("button", { name: "Send offers" }).click();
    const done = page.getByRole("status").filter({ hasText: "Offered to 1 patient" });
    await expect(done).toBeVisible();
    const scheduleNum = (await done.getByRole("link").getAttribute("href"))!.split("=")[1];
    const [offer] = (await api(page.request, `/asapcomms?date=${officeToday()}`))
      .filter((c: any) => String(c.ScheduleNum) === scheduleNum)
      .sort((a: any, b: any) => b.AsapCommNum - a.AsapCommNum);
    const link = await linkFor(page, offer.AsapCommNum);
    await expect(page.locator(`.message-card[data-asapcommnum="${offer.AsapCommNum}"] .bubble`)).toContainText(name.split(", ")[1]);

    const phone = await phonePage(browser);
    await phone.page.goto(link);
    await expect(phone.page.getByRole("heading", { name: "An earlier appointment is available" })).toBeVisible();
    await phone.page.getByRole("button", { name: BOOK }).click();
    await expect(phone.page.getByRole("heading", { name: "Your appointment is booked" })).toBeVisible();
    await phone.page.screenshot({ path: ".tmp/patient-booked.png", fullPage: true });
    await phone.context.close();

    await openHydrated(page, `/?clinic=1&date=${day}`);
    const opening = page.locator(`.opening-list li[data-schedulenum="${scheduleNum}"]`);
    await expect(opening).toContainText(`Filled by ${name}`);
    await page.screenshot({ path: ".tmp/picker-filled.png", fullPage: true });
    await openHydrated(page, `/history?ScheduleNum=${scheduleNum}`);
    await expect(page.locator("tbody tr").filter({ hasText: name }).locator(".badge")).toHaveText("Appointment made");
    await expect(page.locator("tbody tr").filter({ hasText: name }).locator(".timeline")).toContainText("Accepted");
  });

  test("a patient with no mobile gets the offer by email, books it, and gets the confirmation", async ({ page, browser }) => {
    importOffice("email-only-patient", {
      patients: [{ PatNum: 910_001, LName: "Emailonly", FName: "Erin", WirelessPhone: "", TxtMsgOk: "Unknown", ClinicNum: 1,
        Email: "erin.emailonly@example.com", PreferContactMethod: "Email" }],
      appointments: [{ AptNum: 991_001, PatNum: 910_001, AptStatus: "Broken", Pattern: "XXXXXX", Op: 1, ProvNum: 1,
        AptDateTime: "2001-01-01 09:00:00", ClinicNum: 1, Priority: "ASAP" }],
    });
    const { day } = await dayWithOpening(page.request, 30);
    await openHydrated(page, `/?clinic=1&date=${day}`);
    const cells = page.locator(".cell.free");
    let cell = cells.first();
    for (let i = 0; i < (await cells.count()); i++) {
      if (Number(await cells.nth(i).getAttribute("data-free")) >= 30) { cell = cells.nth(i); break; }
    }
    await cell.click();
    await chooseNobody(page);
    await page.getByLabel("Find a patient").fill("Emailonly");
    const row = page.locator(".asap-list li.fits").filter({ hasText: "Emailonly, Erin" });
    await row.locator("input[type=checkbox]").check();
    // Texts cannot reach her: the send details say so, and by email they can.
    const details = page.locator(".send-details");
    await expect(details).toContainText("Emailonly, Erin: no message (no mobile number)");
    await page.getByLabel("Send by").selectOption("preferred");
    await expect(details).toContainText("Emailonly, Erin: email to e…@example.com");
    await expect(page.getByLabel("Email preview")).toContainText("Dear Erin,");
    await page.getByRole("button", { name: "Send offers" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Offered to 1 patient" })).toBeVisible();

    // The email arrives in the outbox with her link.
    await page.goto("/outbox");
    const offer = page.locator('.message-card[data-channel="email"]').filter({ hasText: "erin.emailonly@example.com" }).filter({ hasText: "Dear Erin" });
    await expect(async () => {
      await page.reload();
      await expect(offer.first()).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    const href = await offer.first().locator("a").first().getAttribute("href");
    const phone = await phonePage(browser);
    await phone.page.goto(new URL(href!).pathname);
    await phone.page.getByRole("button", { name: BOOK }).click();
    await expect(phone.page.getByRole("heading", { name: "Your appointment is booked" })).toBeVisible();
    await phone.context.close();

    // And the confirmation follows, by email, with the booked time.
    const confirmation = page.locator('.message-card[data-channel="email"]').filter({ hasText: "erin.emailonly@example.com" }).filter({ hasText: "Booked:" });
    await expect(async () => {
      await page.reload();
      await expect(confirmation.first()).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await expect(confirmation.first()).toContainText("You're booked at");
    await page.screenshot({ path: ".tmp/outbox-email.png", fullPage: true });
  });

  test("a late claimer is told the opening was just taken, and sees nothing of the other patient", async ({ page, browser }) => {
    const { offers } = await offerOpening(page.request, 2);
    const first = await linkFor(page, offers[0].AsapCommNum);
    const second = await linkFor(page, offers[1].AsapCommNum);
    const a = await phonePage(browser);
    const b = await phonePage(browser);
    await a.page.goto(first);
    await b.page.goto(second);
    await a.page.getByRole("button", { name: BOOK }).click();
    await expect(a.page.getByRole("heading", { name: "Your appointment is booked" })).toBeVisible();
    await b.page.getByRole("button", { name: BOOK }).click();
    await expect(b.page.getByRole("heading", { name: "This opening was just taken" })).toBeVisible();
    await expect(b.page.getByText("You stay on our list for earlier openings.")).toBeVisible();
    expect(await b.page.content()).not.toContain(offers[0].PatNum.toString());
    await b.page.screenshot({ path: ".tmp/patient-taken.png", fullPage: true });
    const late = await api(page.request, `/asapcomms/${offers[1].AsapCommNum}`);
    expect(late.ResponseStatus).toBe("AcceptedAndNotAvailable");
    await a.context.close();
    await b.context.close();
  });

  test("decline, and don't offer again", async ({ page, browser }) => {
    const { offers } = await offerOpening(page.request, 2);
    const p = await phonePage(browser);
    await p.page.goto(await linkFor(page, offers[0].AsapCommNum));
    await p.page.getByRole("button", { name: "No, thanks" }).click();
    await expect(p.page.getByRole("heading", { name: "Thank you for letting us know" })).toBeVisible();
    await expect(p.page.getByText("keep you on our list")).toBeVisible();
    await p.page.goto(await linkFor(page, offers[1].AsapCommNum));
    await p.page.getByRole("button", { name: "Don't offer me this appointment again" }).click();
    await expect(p.page.getByText("won't offer you openings for this appointment again")).toBeVisible();
    expect((await api(page.request, `/asapcomms/${offers[0].AsapCommNum}`)).ResponseStatus).toBe("Declined");
    expect((await api(page.request, `/asapcomms/${offers[1].AsapCommNum}`)).ResponseStatus).toBe("DeclinedStopComm");
    await p.context.close();
  });

  test("works with JavaScript off, fits a 360 px phone, and loads in under 50 KB", async ({ page, browser }) => {
    const { offers } = await offerOpening(page.request, 1);
    const link = await linkFor(page, offers[0].AsapCommNum);
    const p = await phonePage(browser, false);
    const requests: any[] = [];
    p.page.on("requestfinished", (request) => requests.push(request));
    await p.page.goto(link);
    await p.page.waitForLoadState("networkidle");
    let bytes = 0;
    for (const request of requests) {
      const sizes = await request.sizes();
      bytes += sizes.responseBodySize + sizes.responseHeadersSize;
    }
    console.log(`patient page first load: ${requests.length} requests, ${bytes} bytes`);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(50_000);
    const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await p.page.screenshot({ path: ".tmp/patient-offer.png", fullPage: true });
    // The accessibility check runs a script, which the page itself never needs.
    const checker = await browser.newContext({ viewport: PHONE, bypassCSP: true, storageState: { cookies: [], origins: [] } });
    const checked = await checker.newPage();
    await checked.goto(link);
    const results = await new AxeBuilder({ page: checked }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await checker.close();
    await p.page.getByRole("button", { name: BOOK }).click();
    await expect(p.page.getByRole("heading", { name: "Your appointment is booked" })).toBeVisible();
    expect((await api(page.request, `/asapcomms/${offers[0].AsapCommNum}`)).ResponseStatus).toBe("AcceptedAndMoved");
    await p.context.close();
  });

  test("an unknown link and an ended one get the same friendly page", async ({ page, browser }) => {
    const p = await phonePage(browser);
    const unknown = await p.page.goto("/asap/AAAAAAAAAAAAAAAAAAAAAA");
    expect(unknown!.status()).toBe(404);
    await expect(p.page.getByRole("heading", { name: "This link is no longer active" })).toBeVisible();
    // The oldest texts in the outbox are the demo's, weeks old: their openings have passed.
    await page.goto("/outbox?before=5");
    const old = await page.locator(".message-card a").first().getAttribute("href");
    const ended = await p.page.goto(new URL(old!).pathname);
    expect(ended!.status()).toBe(404);
    await expect(p.page.getByRole("heading", { name: "This link is no longer active" })).toBeVisible();
    await p.page.screenshot({ path: ".tmp/patient-ended.png", fullPage: true });
    await p.context.close();
  });

  test("a patient books by texting back YES, tried from the outbox", async ({ page }) => {
    const { offers } = await offerOpening(page.request, 1);
    await linkFor(page, offers[0].AsapCommNum);
    const card = page.locator(`.message-card[data-channel="text"][data-asapcommnum="${offers[0].AsapCommNum}"]`);
    await expect(card.locator(".bubble")).toContainText("Reply YES to book, or tap");
    await card.getByLabel("Reply as the patient").fill("yes");
    await card.getByRole("button", { name: "Send reply" }).click();
    await expect(card.getByRole("status")).toContainText("The server texted back: You're booked:");
    const offer = await api(page.request, `/asapcomms/${offers[0].AsapCommNum}`);
    expect(offer.ResponseStatus).toBe("AcceptedAndMoved");
    expect(offer.Note).toContain("Booked by a text reply.");
    // The reply and the answer are kept in the outbox, as a phone would show them.
    await page.reload();
    await expect(page.locator(".message-card.from-patient").first()).toContainText("yes");
    await page.screenshot({ path: ".tmp/outbox-reply.png", fullPage: false });
  });
});
