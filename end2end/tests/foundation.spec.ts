import { test, expect } from "@playwright/test";
import { openHydrated } from "./helpers";

test("health and readiness answer", async ({ request }) => {
  expect((await request.get("/healthz")).status()).toBe(200);
  const ready = await request.get("/readyz");
  expect(ready.status()).toBe(200);
});

test("the API refuses a request without a key, in plain words", async ({ request }) => {
  const r = await request.get("/api/v1/asapcomms");
  expect(r.status()).toBe(401);
  expect(await r.text()).toContain("Authorization header is missing");
});

test("an unknown page says so", async ({ page }) => {
  const r = await page.goto("/no-such-page");
  expect(r?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
