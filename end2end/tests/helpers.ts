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

/** The next Monday–Friday after today (UTC, the demo office's zone): the demo schedules it. */
export function nextWeekday(): string {
  const d = new Date();
  do {
    d.setUTCDate(d.getUTCDate() + 1);
  } while (d.getUTCDay() === 0 || d.getUTCDay() === 6);
  return d.toISOString().slice(0, 10);
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Row keys of the history table, in order. */
export async function historyKeys(page: Page): Promise<string[]> {
  return page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-asapcommnum") ?? ""));
}
