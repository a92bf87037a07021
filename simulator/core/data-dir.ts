/**
 * Data dirs: a component given none makes a fresh temp dir and removes it when it stops, so
 * runs leave no keys or logs behind in /tmp. ZPG_KEEP_DATA=1 keeps them for debugging; a dir
 * the caller chose is never removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DataDir {
  path: string;
  /** Removes the dir if this process made it (and ZPG_KEEP_DATA is not set). */
  release(): void;
}

export function acquireDataDir(given: string | undefined, prefix: string): DataDir {
  if (given !== undefined) {
    fs.mkdirSync(given, { recursive: true });
    return { path: path.resolve(given), release: () => undefined };
  }
  const made = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    path: made,
    release: () => {
      if (!process.env.ZPG_KEEP_DATA) fs.rmSync(made, { recursive: true, force: true });
    },
  };
}
