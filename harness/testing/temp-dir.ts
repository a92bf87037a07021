/**
 * Temp dirs for tests that need a data dir of their own (restarts, scanning files after stop):
 * made on demand, removed when the test file ends (ZPG_KEEP_DATA=1 keeps them). Import it at the
 * top of a test file: it registers its clean-up with Jest there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export function tempDir(prefix = 'zpg-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(() => {
  if (process.env.ZPG_KEEP_DATA) return;
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
