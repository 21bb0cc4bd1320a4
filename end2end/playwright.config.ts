import { defineConfig } from "@playwright/test";

export const BASE_URL = "http://127.0.0.1:3100";
/** The server whose book comes from the fake Open Dental (serve-synced.sh). */
export const SYNCED_URL = "http://127.0.0.1:3200";
/** The fake Open Dental's control port: the tests change its book through it. */
export const FAKE_CONTROL_URL = "http://127.0.0.1:3202";
/** The demo administrator's signed-in session, made by global-setup.ts. */
export const STAFF_STATE = ".tmp/staff.json";

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  use: {
    baseURL: BASE_URL,
    storageState: STAFF_STATE,
    trace: "off",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      command: "./serve.sh",
      url: `${BASE_URL}/healthz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: "./serve-synced.sh",
      url: `${SYNCED_URL}/healthz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
