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
