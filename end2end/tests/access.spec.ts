import { Browser } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { test, expect, DEMO_PASSWORD, DEMO_USER, chooseNobody, dayWithOpening, embedToken, openHydrated } from "./helpers";

/** A browser with nobody signed in. */
async function stranger(browser: Browser) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  return { context, page: await context.newPage() };
}

/** An office portal page on another loopback origin; `frame(origin)` returns the iframe's src. */
async function portal(host: string, frame: (origin: string) => string, height = 200): Promise<{ server: Server; url: string }> {
  const server = createServer((_, res) => {
    const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
    res.setHeader("Content-Type", "text/html");
    res.end(`<!doctype html><html lang="en"><title>Office portal</title><h1>Portal</h1>
      <iframe id="asap" title="Web Sched ASAP" src="${frame(origin)}" width="900" height="${height}"></iframe>
      <script>
        window.messages = [];
        window.addEventListener("message", (e) => {
          if (e.origin !== "http://127.0.0.1:3100") return;
          window.messages.push(e.data);
          if (e.data.type === "asap:resize") document.getElementById("asap").height = e.data.height;
        });
      </script></html>`);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}/` };
}

test.describe("who may get in", () => {
  test("without a session every staff page goes to sign-in and every server function refuses", async ({ browser }) => {
    const { context, page } = await stranger(browser);
    for (const path of ["/", "/history?ClinicNum=2", "/outbox", "/overview", "/users", "/audit", "/messages?clinic=1"]) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/signin\?next=/);
      await expect(page.getByRole("heading", { name: "Web Sched ASAP" })).toBeVisible();
      expect(await page.content()).not.toContain("Riverside");
    }
    for (const fn of ["history", "day", "asap-list", "offer", "withdraw", "withdraw-offer", "outbox", "overview", "clinics", "me", "users", "audit",
      "messages", "messages-save", "messages-reset", "outbox-reply", "reckoning-save"]) {
      const r = await page.request.post(`/ui-api/${fn}`, { data: {} });
      expect(r.status(), fn).toBe(401);
      expect(await r.json()).toEqual({ Unauthorized: "Your session has ended. Sign in again." });
    }
    await context.close();
  });

  test("sign in, land where you were going, sign out", async ({ browser }) => {
    const { context, page } = await stranger(browser);
    await page.goto("/history?ClinicNum=2");
    await page.getByLabel("User name").fill(DEMO_USER);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("The user name or password is not right.");
    await page.screenshot({ path: ".tmp/signin-refused.png" });
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/history\?ClinicNum=2$/);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator(".user-menu .who")).toHaveText("Demo Administrator");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin$/);
    await page.goto("/history");
    await expect(page).toHaveURL(/\/signin\?next=/);
    await context.close();
  });

  test("a user limited to one clinic sees only that clinic", async ({ browser }) => {
    const { context, page } = await stranger(browser);
    await page.goto("/signin");
    await page.getByLabel("User name").fill("priya");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    const options = await page.getByLabel("Clinic").locator("option").allTextContents();
    expect(options).toEqual(["Riverside Family Dental - Northgate"]);
    await page.goto("/?clinic=1");
    await expect(page.getByRole("alert")).toContainText("does not have access to clinic 1");
    await openHydrated(page, "/history");
    const clinics = new Set(await page.locator("tbody tr td:nth-child(4)").allTextContents());
    expect([...clinics]).toEqual(["Northgate"]);
    await page.goto("/users");
    await expect(page.getByRole("alert")).toContainText("Only administrators");
    await context.close();
  });

  test("an administrator adds a user, who can then sign in; the audit trail shows it", async ({ page, browser }) => {
    await openHydrated(page, "/users");
    const name = `temp${Date.now() % 100000}`;
    await page.getByLabel("User name").fill(name);
    await page.getByLabel("Full name").fill("Temporary Helper");
    await page.getByLabel("Password (10+ characters)").fill("helper password 1");
    await page.getByLabel("Clinics (e.g. 1, 3; empty for all)").fill("3");
    await page.getByRole("button", { name: "Add user" }).click();
    await expect(page.getByRole("status")).toContainText(`Added ${name}.`);
    await expect(page.locator(`tr[data-username="${name}"]`)).toContainText("Clinics 3");
    await page.screenshot({ path: ".tmp/users.png", fullPage: true });
    const { context, page: other } = await stranger(browser);
    await other.goto("/signin");
    await other.getByLabel("User name").fill(name);
    await other.getByLabel("Password").fill("helper password 1");
    await other.getByRole("button", { name: "Sign in" }).click();
    await expect(other.locator(".user-menu .who")).toHaveText("Temporary Helper");
    await context.close();
    await openHydrated(page, `/audit?user=${name}`);
    await expect(page.locator('tr[data-action="sign-in"]').first()).toBeVisible();
    await openHydrated(page, "/audit?action=added+user");
    await expect(page.locator("tbody tr").first()).toContainText(name);
    await page.screenshot({ path: ".tmp/audit.png", fullPage: true });
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });

  test("the portal embeds the slot picker with a token; the frame grows to fit and hears about sends", async ({ browser }) => {
    const { day } = await dayWithOpening((await browser.newContext({ storageState: ".tmp/staff.json" })).request, 120);
    const { server, url } = await portal("127.0.0.1", (origin) => `http://127.0.0.1:3100/embed?token=${embedToken(DEMO_USER, origin)}&next=${encodeURIComponent(`/?clinic=1&date=${day}`)}`);
    const { context, page } = await stranger(browser);
    try {
      await page.goto(url);
      const frame = page.frameLocator("#asap");
      await expect(frame.locator("html")).toHaveAttribute("data-hydrated", "true");
      await expect(frame.locator(".top-bar")).toBeHidden();
      // The portal was told the page's height, and grew the frame to fit it.
      await expect.poll(async () => Number(await page.locator("#asap").getAttribute("height"))).toBeGreaterThan(600);
      const resize = await page.evaluate(() => (window as any).messages.find((m: any) => m.type === "asap:resize"));
      expect(resize.height).toBeGreaterThan(600);
      const cells = frame.locator(".cell.free");
      let chosen = cells.first();
      for (let i = 0; i < (await cells.count()); i++) {
        if (Number(await cells.nth(i).getAttribute("data-free")) >= 120) { chosen = cells.nth(i); break; }
      }
      await chosen.click();
      await chooseNobody(frame);
      await frame.locator(".asap-list input[type=checkbox]:enabled").first().check();
      await frame.getByRole("button", { name: "Send offers" }).click();
      await expect(frame.getByRole("status").filter({ hasText: "Offered to 1 patient" })).toBeVisible();
      await expect.poll(() => page.evaluate(() => (window as any).messages.filter((m: any) => m.type === "asap:offer-sent").length)).toBe(1);
      const sent = await page.evaluate(() => (window as any).messages.find((m: any) => m.type === "asap:offer-sent"));
      expect(sent.offers).toBe(1);
      expect(sent.scheduleNum).toBeGreaterThan(0);
      await page.screenshot({ path: ".tmp/portal-picker.png", fullPage: true });
    } finally {
      await context.close();
      server.close();
    }
  });

  test("a page from an origin not on the allow-list cannot frame the app", async ({ browser }) => {
    // localhost is not on the list (only 127.0.0.1 ports are).
    const { server, url } = await portal("localhost", () => "http://127.0.0.1:3100/signin");
    const { context, page } = await stranger(browser);
    try {
      await page.goto(url);
      await page.waitForTimeout(500);
      const frame = page.frames().find((f) => f.url().includes("3100"));
      const framed = frame ? await frame.locator("h1").count().catch(() => 0) : 0;
      expect(framed).toBe(0);
    } finally {
      await context.close();
      server.close();
    }
  });
});
