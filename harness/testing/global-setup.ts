/**
 * Jest globalSetup: one throwaway CA (with its leaf key) for the whole test run, written to a
 * 0600 temp file that every worker's stacks read (ZPG_RUN_CA_FILE) instead of generating RSA
 * keys per test file. global-teardown.ts removes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCertificateAuthorityWithLeafKey } from '../../simulator/core/tls';

export default function globalSetup(): void {
  if (process.env.ZPG_RUN_CA_FILE && fs.existsSync(process.env.ZPG_RUN_CA_FILE)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-run-ca-'));
  const file = path.join(dir, 'ca.json');
  fs.writeFileSync(file, JSON.stringify(createCertificateAuthorityWithLeafKey('Zulip Push Proving Ground Test Run CA')), { mode: 0o600 });
  process.env.ZPG_RUN_CA_FILE = file;
  process.env.ZPG_RUN_CA_OWNED = '1';
}
