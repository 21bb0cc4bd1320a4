import { expect, Page, APIRequestContext } from "@playwright/test";

export const API_KEY = "ODFHIR e2e-developer/e2e-customer";

/** Opens a page and waits until the WASM bundle has hydrated it. */
export async function openHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

export async function api(request: APIRequestContext, path: string) {
  const r = await request.get(`/api/v1${path}`, { headers: { Authorization: API_KEY } });
  expect(r.status(), await r.text()).toBe(200);
  return r.json();
}

/** Monday–Friday days after today (UTC, the demo office's zone): the demo schedules them. */
export function weekdaysAhead(count: number): string[] {
  const d = new Date();
  const days: string[] = [];
  while (days.length < count) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) days.push(d.toISOString().slice(0, 10));
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

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Row keys of the history table, in order. */
export async function historyKeys(page: Page): Promise<string[]> {
  return page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-asapcommnum") ?? ""));
}
