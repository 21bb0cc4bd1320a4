// What each staff page's first load brings over the line, for the benchmark: signs in, opens
// each PATH in a fresh browser context (empty cache), waits until it has hydrated and the network
// is idle, and sums the WebAssembly and JavaScript files as transferred (compressed, with their
// headers; a page's split chunk included). Prints JSON {path: {code_bytes, files}}.
//   node end2end/measure-first-load.mjs http://127.0.0.1:PORT USER PASSWORD / /history …
import { chromium } from "@playwright/test";

const [base, user, password, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const out = {};
  for (const path of paths) {
    const context = await browser.newContext();
    const signin = await context.request.post(`${base}/signin`, { form: { username: user, password, next: "/" }, maxRedirects: 0 });
    if (signin.status() !== 303) throw new Error(`sign-in answered ${signin.status()}`);
    const page = await context.newPage();
    await page.goto(`${base}${path}`);
    await page.waitForSelector('html[data-hydrated="true"]', { timeout: 60_000 });
    await page.waitForLoadState("networkidle");
    out[path] = await page.evaluate(() => {
      const code = performance.getEntriesByType("resource").filter((e) => /\.(wasm|js)(\?|$)/.test(e.name));
      return { code_bytes: code.reduce((n, e) => n + e.transferSize, 0), files: code.length };
    });
    await context.close();
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
