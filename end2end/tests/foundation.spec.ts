import { test, expect, openHydrated } from "./helpers";

test("health and readiness answer", async ({ request }) => {
  expect((await request.get("/healthz")).status()).toBe(200);
  expect((await request.get("/readyz")).status()).toBe(200);
});

test("the API refuses a request without a key, in plain words", async ({ request }) => {
  const r = await request.get("/api/v1/asapcomms");
  expect(r.status()).toBe(401);
  expect(await r.text()).toContain("Authorization header is missing");
});

test("the overview hydrates and a server function answers", async ({ page }) => {
  await openHydrated(page, "/overview");
  await expect(page.getByRole("heading", { name: "Office overview" })).toBeVisible();
  await page.getByRole("button", { name: "Refresh" }).click();
  await expect(page.getByText(/Up to date: \d+ appointments and \d+ recalls on the ASAP list; \d+ offers in the last 7 days\./)).toBeVisible();
});

test("an unknown page says so", async ({ page }) => {
  const r = await page.goto("/no-such-page");
  expect(r?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
