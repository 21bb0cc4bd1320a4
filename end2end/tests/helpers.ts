import { test as base, expect, Page, APIRequestContext, ConsoleMessage } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createHmac, randomUUID } from "node:crypto";

export const API_KEY = "ODFHIR e2e-developer/e2e-customer";
/** The demo database's administrator (made by `server demo`). */
export const DEMO_USER = "demo";
export const DEMO_PASSWORD = "asap-demo-pass";
/** The secret serve.sh gives the server for office portal embed tokens. */
export const EMBED_SECRET = "e2e-embed-secret";

/** An embed token as an office portal's server signs it. */
export function embedToken(user: string, portalOrigin: string, seconds = 120): string {
  const claims = { sub: user, exp: Math.floor(Date.now() / 1000) + seconds, nonce: randomUUID(), origin: portalOrigin };
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = createHmac("sha256", EMBED_SECRET).update(payload).digest("base64url");
  return `${payload}.${signature}`;
}

/** A panic in the WASM (a hydration mismatch, say) or an uncaught script error. Server-rendered
 * pages still look right after one, so only the console tells. */
function isPageFailure(m: ConsoleMessage) {
  return m.type() === "error" && /panicked|RuntimeError|unreachable/.test(m.text());
}

/** Every test fails if a page in its default context had a script error or a WASM panic. */
export const test = base.extend<{ noPageErrors: void }>({
  noPageErrors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      context.on("weberror", (e) => errors.push(e.error().message));
      context.on("console", (m) => isPageFailure(m) && errors.push(m.text()));
      await use();
      expect(errors, "script errors or WASM panics in the page").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

/** Opens a page, waits until the WASM bundle has hydrated it (a split page's chunk included),
 * and fails on any script error or panic on the way. */
export async function openHydrated(page: Page, path: string) {
  const errors: string[] = [];
  const onError = (e: Error) => errors.push(e.message);
  const onConsole = (m: ConsoleMessage) => isPageFailure(m) && errors.push(m.text());
  page.on("pageerror", onError);
  page.on("console", onConsole);
  try {
    await page.goto(path);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await page.waitForLoadState("networkidle");
    expect(errors, `script errors or WASM panics on ${path}`).toEqual([]);
  } finally {
    page.off("pageerror", onError);
    page.off("console", onConsole);
  }
}

export async function api(request: APIRequestContext, path: string) {
  const r = await request.get(`/api/v1${path}`, { headers: { Authorization: API_KEY } });
  expect(r.status(), await r.text()).toBe(200);
  return r.json();
}

/** The office's time zone: the server reads the same variable (UTC when unset). */
export const OFFICE_ZONE = process.env.ASAP_TIMEZONE || "UTC";

/** Today's date (yyyy-MM-dd) on the office's wall clock, as the server computes it. */
export function officeToday(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: OFFICE_ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date());
}

/** `day` plus `n` calendar days, as yyyy-MM-dd (date arithmetic only, no clock). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Monday–Friday days after the office's today. Some may be holidays; callers check what is open. */
export function weekdaysAhead(count: number): string[] {
  const days: string[] = [];
  for (let n = 1; days.length < count; n++) {
    const day = addDays(officeToday(), n);
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(day);
  }
  return days;
}

/** The first upcoming weekday with an opening of at least `minutes` in the clinic (via the API). */
export async function dayWithOpening(request: APIRequestContext, minutes: number, clinic = 1) {
  const ops = (await api(request, `/operatories?ClinicNum=${clinic}`)).map((o: any) => o.OperatoryNum);
  for (const day of weekdaysAhead(12)) {
    const slots = await api(request, `/appointments/Slots?date=${day}&lengthMinutes=${minutes}`);
    const slot = slots.find((s: any) => ops.includes(s.OpNum));
    if (slot) return { day, slot };
  }
  throw new Error(`no opening of ${minutes} minutes in the next 12 weekdays`);
}

/**
 * The first upcoming opening of `minutes` in clinic 1 that no Web Sched ASAP opening covers yet,
 * so an offer there starts a new opening rather than joining one (whose texts may be queued).
 */
export async function freshSlot(request: APIRequestContext, minutes: number, clinic = 1) {
  const ops = (await api(request, `/operatories?ClinicNum=${clinic}`)).map((o: any) => o.OperatoryNum);
  const ms = (t: string) => new Date(t.replace(" ", "T") + "Z").getTime();
  for (const day of weekdaysAhead(12)) {
    const openings = await api(request, `/schedules?date=${day}&SchedType=WebSchedASAP`);
    const slots = await api(request, `/appointments/Slots?date=${day}&lengthMinutes=${minutes}`);
    for (const slot of slots) {
      if (!ops.includes(slot.OpNum)) continue;
      const start = ms(slot.DateTimeStart);
      const end = start + minutes * 60_000;
      const covered = openings.some((o: any) => {
        const opened = ms(`${o.SchedDate} ${o.StartTime}`);
        const closed = ms(`${o.SchedDate} ${o.StopTime}`);
        return String(o.operatories).split(",").map(Number).includes(slot.OpNum) && opened < end && closed > start;
      });
      if (!covered) return { day, slot };
    }
  }
  throw new Error(`no fresh opening of ${minutes} minutes in the next 12 weekdays`);
}

/** The number in a grid cell's "ASAP opening (N patients offered)", or 0 for a cell without one. */
export function offersInCell(label: string | null): number {
  const m = /ASAP opening \((\d+) patients? offered\)/.exec(label ?? "");
  return m ? Number(m[1]) : 0;
}

/** Row keys of the history table, in order. */
export async function historyKeys(page: Page): Promise<string[]> {
  return page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-asapcommnum") ?? ""));
}

/** Writes office data into the e2e database the way a practice system sync does (`server import`). */
export function importOffice(name: string, data: object) {
  const file = `.tmp/${name}.json`;
  writeFileSync(file, JSON.stringify(data));
  execFileSync("target/release/server", ["import", `end2end/${file}`], {
    cwd: "..",
    env: { ...process.env, ASAP_DATABASE_URL: "sqlite://end2end/.tmp/e2e.db" },
  });
}

/** The demo's texting hours. */
export const DEMO_TEXTING_HOURS = { AutomaticCommunicationTimeStart: "08:00:00", AutomaticCommunicationTimeEnd: "21:00:00" };

/** Texts may go at any hour (equal start and end turn the window off), so a test run at night still sees them sent. */
export function textAtAnyHour() {
  importOffice("any-hour", { preferences: { AutomaticCommunicationTimeStart: "00:00:00", AutomaticCommunicationTimeEnd: "00:00:00" } });
}

export function textInDemoHours() {
  importOffice("demo-hours", { preferences: DEMO_TEXTING_HOURS });
}

/** After a time is picked in the slot picker: waits for the ASAP list to narrow to who fits (it
 * then ticks those a message reaches, as Open Dental does), and unticks everyone, so a test
 * chooses exactly whom it means to. */
export async function chooseNobody(scope: Page | import("@playwright/test").FrameLocator) {
  await expect(scope.locator(".asap-count")).toHaveText(/^Fit the chosen time/);
  const none = scope.getByRole("button", { name: "Choose none" });
  if (await none.isEnabled()) await none.click();
  await expect(scope.getByText("No patients chosen yet.")).toBeVisible();
}
