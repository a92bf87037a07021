/**
 * A real Chromium for pages and reports, through playwright-core (no downloaded browsers: the
 * system's chromium, e.g. Debian's `apt-get install chromium`). `ZPG_CHROMIUM` overrides the path.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export const BROWSER_HELP =
  'No Chromium found. Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set ZPG_CHROMIUM to its path.';

/** The browser executable, or null when none is installed. */
export function findChromium(): string | null {
  const fromEnv = process.env.ZPG_CHROMIUM;
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : null;
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

/** Launch flags measured on this stack (toolchain-notes.md): headless, no sandbox (root), offline. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(BROWSER_HELP);
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
