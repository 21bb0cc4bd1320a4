import { request } from "@playwright/test";
import { BASE_URL, STAFF_STATE } from "./playwright.config";
import { DEMO_PASSWORD, DEMO_USER } from "./tests/helpers";

/** Signs in as the demo administrator once; the tests' pages start signed in. */
export default async function globalSetup() {
  const context = await request.newContext({ baseURL: BASE_URL });
  const r = await context.post("/signin", {
    form: { username: DEMO_USER, password: DEMO_PASSWORD, next: "/" },
    maxRedirects: 0,
  });
  if (r.status() !== 303) throw new Error(`signing in as ${DEMO_USER} failed: ${r.status()} ${await r.text()}`);
  await context.storageState({ path: STAFF_STATE });
  await context.dispose();
}
