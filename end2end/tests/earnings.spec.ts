import { readFileSync } from "node:fs";
import { test, expect, openHydrated } from "./helpers";

// What ASAP texting earned, on the overview: the demo's four weeks of simulated bookings by week
// and by month, the chart, the CSV, and the values an administrator sets.

for (const width of [1440, 768, 360]) {
  test(`the earnings by week and month, with a chart and a CSV, at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await openHydrated(page, "/overview");
    await expect(page.getByRole("heading", { name: "What ASAP texting earned" })).toBeVisible();
    const table = page.locator("table.earnings");
    await expect(table.locator("thead")).toContainText("Week of");
    await expect(table.locator("tbody tr").first()).toBeVisible();
    await expect(table.locator("tbody tr").first().locator("td").nth(3)).toHaveText(/^\$[\d,]+\.\d\d$/);
    await expect(page.getByRole("img", { name: /^Production booked, oldest first\./ })).toBeVisible();

    await page.getByRole("button", { name: "By month" }).click();
    await expect(page.getByRole("button", { name: "By month" })).toHaveAttribute("aria-pressed", "true");
    await expect(table.locator("thead")).toContainText("Month");
    await expect(table.locator("tbody tr").first().locator("th")).toHaveText(/^[A-Z][a-z]+ \d{4}$/);

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download CSV" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("asap-earnings-by-month.csv");
    const csv = readFileSync((await file.path())!, "utf8");
    expect(csv.split("\r\n")[0]).toBe(
      "month_start,clinic,openings,bookings,chair_hours,production,valued_by_kind,texts,emails,text_cost,cost_per_booking,median_minutes_to_fill",
    );
    expect(csv.split("\r\n")[1]).toMatch(/^\d{4}-\d\d-01,/);

    // The page never scrolls sideways; the table scrolls in its own box.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: `.tmp/earnings-${width}.png`, fullPage: true });
  });
}

test("an administrator sets what a visit is worth; the figures follow", async ({ page }) => {
  await openHydrated(page, "/overview");
  await page.getByText("Values used for the earnings").click();
  await page.getByLabel("One text ($)").fill("ten cents");
  await page.getByRole("button", { name: "Save values" }).click();
  await expect(page.getByRole("alert")).toContainText("Type each amount in dollars");
  await page.getByLabel("One text ($)").fill("0.02");
  await page.getByLabel("Any other visit ($)").fill("275");
  await page.getByRole("button", { name: "Save values" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await openHydrated(page, "/overview");
  await expect(page.getByText(/\$275\.00 any other visit\. Texts at \$0\.02 each\./)).toBeVisible();
});
