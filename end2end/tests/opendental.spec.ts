import type { Page } from "@playwright/test";
import { FAKE_CONTROL_URL, SYNCED_URL } from "../playwright.config";
import { API_KEY, addDays, expect, officeToday, openHydrated, test } from "./helpers";

// A second server whose book comes from the fake Open Dental (serve-synced.sh), read every 5 s.
test.use({ storageState: { cookies: [], origins: [] } });

async function signIn(page: Page) {
  await page.goto(`${SYNCED_URL}/signin`);
  await page.getByLabel("User name").fill("dana");
  await page.getByLabel("Password").fill("synced-e2e-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${SYNCED_URL}/`);
}

test.describe("Open Dental", () => {
  test("every page says how fresh the copy of Open Dental is", async ({ page }) => {
    await signIn(page);
    await openHydrated(page, `${SYNCED_URL}/`);
    const badge = page.getByRole("status").filter({ hasText: /Open Dental last synced (just now|\d+ min ago)/ });
    await expect(badge).toBeVisible();
    await expect(badge).not.toHaveClass(/stale/);
    await openHydrated(page, `${SYNCED_URL}/history`);
    await expect(badge).toBeVisible();
  });

  test("an opening disappears from the picker when Open Dental books its time", async ({ page, request }) => {
    const day = addDays(officeToday(), 2);
    const r = await request.post(`${SYNCED_URL}/api/v1/asapcomms`, {
      headers: { Authorization: API_KEY },
      data: { op: 1, aptNum: 1001, dateTimeStart: `${day} 13:00:00` },
    });
    expect(r.status(), await r.text()).toBe(201);
    await signIn(page);
    await openHydrated(page, `${SYNCED_URL}/?clinic=1&date=${day}`);
    const cell = page.locator(`.cell[data-op="1"][data-start="${day} 13:00:00"]`);
    await expect(cell).toHaveAttribute("aria-label", /ASAP opening \(1 patient offered/);

    // The front desk books another patient at 13:10 in Open Dental.
    const booked = await request.put(`${FAKE_CONTROL_URL}/control/appointments/7100`, {
      data: {
        AptNum: 7100, PatNum: 105, AptStatus: "Scheduled", Pattern: "XXXXXX", Op: 1, ProvNum: 1,
        AptDateTime: `${day} 13:10:00`, ClinicNum: 1, Priority: "Normal", IsHygiene: "false",
      },
    });
    expect(booked.status()).toBe(204);
    // Within a sync pass or two the opening is gone and the booking is there, without a reload.
    await expect(cell).not.toHaveAttribute("aria-label", /ASAP opening/, { timeout: 20_000 });
    await expect(page.locator(`.cell[data-op="1"][data-start="${day} 13:10:00"]`)).toHaveAttribute("aria-label", /appointment/);
  });
});
