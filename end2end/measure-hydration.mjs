// Navigation-to-hydrated in headless Chromium, for the benchmark: signs in, then opens PATH
// RUNS times and prints the first (cold cache) and the median of the rest (warm) as JSON.
//   node end2end/measure-hydration.mjs http://127.0.0.1:PORT USER PASSWORD / 11
import { chromium } from "@playwright/test";

const [base, user, password, path = "/", runs = "11"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext();
  const signin = await context.request.post(`${base}/signin`, { form: { username: user, password, next: "/" }, maxRedirects: 0 });
  if (signin.status() !== 303) throw new Error(`sign-in answered ${signin.status()}`);
  const page = await context.newPage();
  let transferred = 0;
  page.on("requestfinished", async (r) => {
    const s = await r.sizes().catch(() => null);
    if (s) transferred += s.responseBodySize + s.responseHeadersSize;
  });
  const times = [];
  let firstBytes = 0;
  for (let i = 0; i < Number(runs); i++) {
    const started = Date.now();
    await page.goto(`${base}${path}`, { waitUntil: "commit" });
    await page.waitForSelector('html[data-hydrated="true"]', { timeout: 60_000 });
    times.push(Date.now() - started);
    if (i === 0) {
      await page.waitForLoadState("networkidle");
      firstBytes = transferred;
    }
    await page.goto("about:blank");
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  console.log(JSON.stringify({ cold_ms: times[0], warm_median_ms: warm[Math.floor(warm.length / 2)] ?? times[0], first_load_bytes: firstBytes }));
} finally {
  await browser.close();
}
