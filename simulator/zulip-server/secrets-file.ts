/**
 * `/etc/zulip/zulip-secrets.conf`: an INI file whose `[secrets]` section holds, among others,
 * `zulip_org_id` and `zulip_org_key` — the server's credentials for the push notification service
 * (server-and-app.md §F). `register_server` creates them, `--rotate-key` and
 * `--registration-transfer` rewrite them, and every request to the service reads them fresh,
 * so editing the file (as an admin copying credentials from an old machine does) takes effect
 * at once.
 *
 * Writes keep every other line and section as they were, go through a temp file and rename,
 * and leave the file mode 0600 (it holds a bearer secret).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { BouncerCredentials } from './bouncer-client/wire';

export const SECRETS_SECTION = 'secrets';

/** Every `key = value` of one section (Python configparser's basic syntax: `=` or `:`, `#`/`;` comments). */
export function parseIniSection(text: string, section: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim();
      continue;
    }
    if (current !== section) continue;
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!.toLowerCase(), m[2]!);
  }
  return out;
}

/** `text` with `values` set in `section`: existing keys replaced in place, new ones appended to it. */
export function updateIniSection(text: string, section: string, values: Record<string, string>): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split(/\r?\n/);
  const pending = new Map(Object.entries(values));
  let current: string | null = null;
  let sectionEnd = -1;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim();
      continue;
    }
    if (current !== section) continue;
    sectionEnd = i;
    const m = /^([^=:#;]+?)\s*[=:]/.exec(line);
    const key = m?.[1]?.toLowerCase();
    if (key !== undefined && pending.has(key)) {
      lines[i] = `${key} = ${pending.get(key)!}`;
      pending.delete(key);
    }
  }
  const added = [...pending].map(([k, v]) => `${k} = ${v}`);
  if (added.length > 0) {
    if (sectionEnd === -1) {
      const headerAt = lines.findIndex((l) => l.trim() === `[${section}]`);
      if (headerAt === -1) lines.push(...(lines.length > 0 ? [''] : []), `[${section}]`, ...added);
      else lines.splice(headerAt + 1, 0, ...added);
    } else {
      lines.splice(sectionEnd + 1, 0, ...added);
    }
  }
  return lines.join('\n') + '\n';
}

export class SecretsFile {
  private readonly orgKeysSeen = new Set<string>();

  constructor(readonly path: string) {}

  /** The whole `[secrets]` section; empty when the file does not exist. */
  read(): Map<string, string> {
    if (!fs.existsSync(this.path)) return new Map();
    const section = parseIniSection(fs.readFileSync(this.path, 'utf8'), SECRETS_SECTION);
    this.remember(section.get('zulip_org_key'));
    return section;
  }

  /**
   * Every zulip_org_key this file held while this object watched it (written, or read — an
   * admin may edit the file), oldest first: rotated and transferred-away keys stay secrets, and
   * the privacy scanner searches every sink for all of them.
   */
  orgKeyHistory(): string[] {
    return [...this.orgKeysSeen];
  }

  private remember(key: string | undefined): void {
    if (key) this.orgKeysSeen.add(key);
  }

  /** settings.ZULIP_ORG_ID / ZULIP_ORG_KEY, or null when either is missing (not registered). */
  credentials(): BouncerCredentials | null {
    const s = this.read();
    const zulipOrgId = s.get('zulip_org_id');
    const zulipOrgKey = s.get('zulip_org_key');
    return zulipOrgId && zulipOrgKey ? { zulipOrgId, zulipOrgKey } : null;
  }

  /** Sets keys in `[secrets]`, keeping everything else. */
  write(values: Record<string, string>): void {
    this.remember(values.zulip_org_key);
    const text = fs.existsSync(this.path) ? fs.readFileSync(this.path, 'utf8') : '';
    const tmp = `${this.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, updateIniSection(text, SECRETS_SECTION, values), { mode: 0o600 });
    fs.renameSync(tmp, this.path);
    fs.chmodSync(this.path, 0o600);
  }

  /**
   * What the installer does (`generate_secrets.py`): a fresh zulip_org_id (UUIDv4) and a
   * 64-character zulip_org_key when the file has none; otherwise the existing ones.
   */
  ensureCredentials(random: (n: number) => Buffer = crypto.randomBytes): BouncerCredentials {
    const existing = this.credentials();
    if (existing) return existing;
    const creds = { zulipOrgId: uuidV4(random), zulipOrgKey: randomKey(random) };
    this.write({ zulip_org_id: creds.zulipOrgId, zulip_org_key: creds.zulipOrgKey });
    return creds;
  }
}

const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Django's get_random_string(64): the length the bouncer requires of zulip_org_key. */
export function randomKey(random: (n: number) => Buffer = crypto.randomBytes, length = 64): string {
  let out = '';
  while (out.length < length) {
    for (const b of random(length)) {
      // Rejection sampling keeps every character equally likely.
      if (b < 248 && out.length < length) out += KEY_ALPHABET[b % 62];
    }
  }
  return out;
}

export function uuidV4(random: (n: number) => Buffer = crypto.randomBytes): string {
  const b = Buffer.from(random(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
