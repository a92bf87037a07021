/** Jest globalTeardown: removes the run's CA made by global-setup.ts. */
import fs from 'node:fs';
import path from 'node:path';

export default function globalTeardown(): void {
  const file = process.env.ZPG_RUN_CA_FILE;
  if (file && process.env.ZPG_RUN_CA_OWNED === '1') fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
