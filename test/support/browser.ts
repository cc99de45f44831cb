/**
 * Debian's headless Chromium for the browser tests, driven by playwright-core (no browser download):
 * the one place that knows where it is and how it must start on a machine with no network beyond
 * loopback.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Where Chromium is: `CHROMIUM_PATH`, or Debian's `chromium-headless-shell` (which `.ci/prepare
 * --browser` installs). The headless shell is what Playwright itself runs for headless tests: the same
 * Blink and V8 without the browser's own user interface, whose start and pages cost the full
 * `chromium` about three times the CPU (20 fresh pages loaded twice: 27 s of CPU against 9.5 s).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium-headless-shell";

/** Starts headless Chromium, or fails naming what to install. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's chromium-headless-shell package or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // This machine has no network beyond loopback: keep Chromium from reaching for Google's services.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
