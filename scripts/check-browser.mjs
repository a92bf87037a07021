#!/usr/bin/env node
// npm postinstall: says in one line whether a Chromium for the browser scenarios is installed.
// Plain JS, no dependencies, and it never fails the install (every path exits 0).
// The candidate paths and the help text are read from harness/browser.ts, the launcher the tests
// use, so the two cannot disagree; the copies below are only a fallback.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FALLBACK_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const FALLBACK_HELP =
  'No Chromium found. Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set ZPG_CHROMIUM to its path.';

function fromLauncher() {
  try {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const source = fs.readFileSync(path.join(root, 'harness', 'browser.ts'), 'utf8');
    const help = /BROWSER_HELP\s*=\s*'((?:[^'\\]|\\.)*)'/.exec(source)?.[1];
    const list = /CANDIDATES\s*=\s*\[([^\]]*)\]/.exec(source)?.[1];
    const candidates = list ? [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]) : [];
    return {
      help: help ? help.replace(/\\(.)/g, '$1') : FALLBACK_HELP,
      candidates: candidates.length > 0 ? candidates : FALLBACK_CANDIDATES,
    };
  } catch {
    return { help: FALLBACK_HELP, candidates: FALLBACK_CANDIDATES };
  }
}

try {
  const { help, candidates } = fromLauncher();
  const fromEnv = process.env.ZPG_CHROMIUM;
  const found = fromEnv ? (fs.existsSync(fromEnv) ? fromEnv : null) : (candidates.find((p) => fs.existsSync(p)) ?? null);
  console.log(found ? `Chromium found at ${found}` : help);
} catch (e) {
  console.log(`Could not check for Chromium (${e instanceof Error ? e.message : String(e)}); the browser scenarios need one.`);
}
process.exit(0);
