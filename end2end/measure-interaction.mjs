// Navigation to the first answered interaction in headless Chromium on a throttled line, for the
// benchmark. Chrome DevTools Protocol throttles the network (Network.emulateNetworkConditions)
// and the CPU (Emulation.setCPUThrottlingRate) of the measured page; the clock starts when the
// navigation starts and stops when the page has answered one click:
//   /         a click on a free time in the slot picker, answered when the cell shows it is chosen;
//   /history  a change of the Status filter (choose, then Show), answered when the filtered page
//             has come back.
// `embed` opens the page inside an office portal's iframe (another loopback origin), signed in by
// an embed token. Prints JSON: cold (empty cache, fresh context) and warm (the median of the rest,
// same context), each with the time to hydrated and to the answered click, and network idle.
//   node end2end/measure-interaction.mjs BASE USER PASSWORD EMBED_SECRET PATH PROFILE RUNS [embed]
import { chromium } from "@playwright/test";
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:http";

const [base, user, password, embedSecret, path, profileName, runs = "5", mode = ""] = process.argv.slice(2);
const embed = mode === "embed";

/** The lines the issue names: an office line and a slow one (bits per second, ms, CPU slowdown). */
const PROFILES = {
  office: { down: 10e6, up: 2e6, rtt: 40, cpu: 4 },
  slow: { down: 2e6, up: 2e6, rtt: 150, cpu: 6 },
};
const profile = PROFILES[profileName];
if (!profile) throw new Error(`unknown profile ${profileName}`);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

/** An office portal page on its own origin, framing `next` through an embed token. */
async function portal() {
  const server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${server.address().port}`;
    const claims = { sub: user, exp: Math.floor(Date.now() / 1000) + 120, nonce: randomUUID(), origin };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const signature = createHmac("sha256", embedSecret).update(payload).digest("base64url");
    const next = new URL(req.url, origin).searchParams.get("next") || "/";
    const src = `${base}/embed?token=${payload}.${signature}&next=${encodeURIComponent(next)}`;
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><html><body><iframe id="asap" title="Web Sched ASAP" src="${src}" width="1200" height="900"></iframe></body></html>`);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

async function signedInContext() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  if (!embed) {
    const r = await context.request.post(`${base}/signin`, { form: { username: user, password, next: "/" }, maxRedirects: 0 });
    if (r.status() !== 303) throw new Error(`sign-in answered ${r.status()}`);
  }
  return context;
}

async function throttle(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: profile.rtt,
    downloadThroughput: profile.down / 8,
    uploadThroughput: profile.up / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: profile.cpu });
}

/** The picker on the first upcoming weekday that has a free time (found without throttling). */
async function pickerPath(context) {
  const page = await context.newPage();
  try {
    for (let i = 1; i <= 14; i++) {
      const d = new Date(Date.now() + i * 86400_000);
      if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
      const candidate = `/?clinic=1&date=${d.toISOString().slice(0, 10)}`;
      await page.goto(`${base}${candidate}`);
      if (await page.locator(".cell.free").count()) return candidate;
    }
    throw new Error("no free time in the next two weeks");
  } finally {
    await page.close();
  }
}

let portalServer = null;
let measuredPath = path;
if (path === "/") {
  const probe = await signedInContext();
  if (embed) {
    // The probe needs a session of its own: sign in directly for it.
    await probe.request.post(`${base}/signin`, { form: { username: user, password, next: "/" }, maxRedirects: 0 });
  }
  measuredPath = await pickerPath(probe);
  await probe.close();
}
if (embed) portalServer = await portal();

/** One navigation: ms to hydrated, to the answered click, and to network idle. */
async function once(page) {
  const started = Date.now();
  let frame;
  if (embed) {
    const url = `http://127.0.0.1:${portalServer.address().port}/?next=${encodeURIComponent(measuredPath)}`;
    await page.goto(url, { waitUntil: "commit" });
    const handle = await page.waitForSelector("iframe#asap");
    frame = await handle.contentFrame();
    await frame.waitForURL((u) => !u.pathname.startsWith("/embed"), { timeout: 60_000 });
  } else {
    await page.goto(`${base}${measuredPath}`, { waitUntil: "commit" });
    frame = page.mainFrame();
  }
  await frame.waitForSelector('html[data-hydrated="true"]', { timeout: 60_000 });
  const hydrated = Date.now() - started;
  // Where the time went, from the page's own timings (ms from its navigation's start): the HTML
  // received, the last WebAssembly file received (and the bytes that came over the line).
  const timing = await frame.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const wasm = performance.getEntriesByType("resource").filter((e) => e.name.endsWith(".wasm"));
    const code = performance.getEntriesByType("resource").filter((e) => /\.(wasm|js)$/.test(e.name));
    return {
      html: Math.round(nav ? nav.responseEnd : 0),
      wasm: Math.round(wasm.length ? Math.max(...wasm.map((e) => e.responseEnd)) : 0),
      code_bytes: code.reduce((n, e) => n + e.transferSize, 0),
    };
  });
  if (path === "/") {
    const cell = frame.locator(".cell.free").first();
    await cell.click();
    await frame.waitForSelector('.cell[aria-selected="true"]', { timeout: 60_000 });
  } else {
    const answered = page.waitForResponse((r) => r.url().includes("/ui-api/history"), { timeout: 60_000 });
    await frame.getByLabel("Status", { exact: true }).selectOption({ index: 2 });
    await frame.getByRole("button", { name: "Show" }).click();
    await answered;
    await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  }
  const clicked = Date.now() - started;
  await page.waitForLoadState("networkidle");
  const idle = Date.now() - started;
  return { hydrated, clicked, idle, ...timing };
}

try {
  const results = [];
  let context = await signedInContext();
  for (let i = 0; i < Number(runs); i++) {
    const page = await context.newPage();
    await throttle(page);
    results.push(await once(page));
    await page.close();
  }
  await context.close();
  const median = (k) => {
    const warm = results.slice(1).map((r) => r[k]).sort((a, b) => a - b);
    return warm.length ? warm[Math.floor(warm.length / 2)] : results[0][k];
  };
  console.log(JSON.stringify({
    path: measuredPath,
    cold: results[0],
    warm: { hydrated: median("hydrated"), clicked: median("clicked"), idle: median("idle"), html: median("html"), wasm: median("wasm"), code_bytes: median("code_bytes") },
  }));
} finally {
  portalServer?.close();
  await browser.close();
}
