/**
 * What the privacy scan searches for, gathered from a running stack after a scenario:
 *
 * - content: every message the fake Zulip server holds — each canary token in its rendered
 *   content (canary.ts; tokens survive rendering, escaping and URL-encoding unchanged) and the
 *   message's whole plain text as a push notification carries it (getMobilePushContent, and its
 *   200-code-point truncation when that differs);
 * - sender names: every user's full name (faker names, unique per world);
 * - secrets: every zulip_org_key the secrets file held (current and earlier ones) and every
 *   api_key the bouncer stores for a server, every user's API key, each APNs .p8 private key and
 *   each FCM service-account private_key (their base64 body lines), the provider bearer tokens the
 *   bouncer obtained (APNs provider JWTs — their signature part —, FCM OAuth access tokens), the
 *   bouncer's own secret key and E2EE registration private keys, every device's E2EE push key
 *   (the bouncer must never see one), and every realm's uuid_owner_secret.
 *
 * Each needle carries its encoded forms (encodings.ts); its `subject` names what it belongs to
 * without ever containing the value.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Stack } from '../stack/embedded';
import { findCanaries } from '../../simulator/zulip-server/canary';
import { getMobilePushContent, truncateContent, ELLIPSIS } from '../../simulator/zulip-server/payloads/plain-text';
import { ALL_ENCODINGS, TEXT_ENCODINGS, encodedForms, type EncodedForm, type EncodingName } from './encodings';

export type SecretKind =
  | 'zulip-org-key'
  | 'user-api-key'
  | 'apns-private-key'
  | 'fcm-private-key'
  | 'bearer-token'
  | 'bouncer-secret-key'
  | 'e2ee-registration-private-key'
  | 'e2ee-push-key'
  | 'realm-owner-secret';

export type NeedleKind = 'content' | 'sender-name' | `secret:${SecretKind}`;

export interface Needle {
  kind: NeedleKind;
  /** What the value belongs to, e.g. `message 3 (canary)`, `user 5`, `zulip_org_key (current)`; never the value. */
  subject: string;
  /** The value as text (binary values: base64), for redacted display only. */
  value: string;
  forms: EncodedForm[];
  /** content: the message's realm. */
  realmId?: number;
}

/** Plain texts shorter than this are not searched as a whole (their canary still is). */
export const MIN_TEXT_CHARS = 16;
/** Names shorter than this are not searched: they would match ordinary words. */
export const MIN_NAME_CHARS = 5;
/** PEM body lines shorter than this (the last line of a key) are not searched. */
export const MIN_PEM_LINE_CHARS = 16;

export interface NeedleSet {
  needles: Needle[];
  /** Every known canary token (to tell a known canary from a stray one). */
  canaries: Set<string>;
  /** What is searched, per kind (distinct values). */
  counts: Record<string, number>;
}

export function makeNeedle(kind: NeedleKind, subject: string, value: string | Buffer, encodings: readonly EncodingName[] = ALL_ENCODINGS, extra: Partial<Needle> = {}): Needle {
  return { kind, subject, value: typeof value === 'string' ? value : value.toString('base64'), forms: encodedForms(value, encodings), ...extra };
}

export function gatherNeedles(stack: Stack): NeedleSet {
  const out: Needle[] = [];
  const canaries = new Set<string>();
  const seenValues = new Map<string, Needle>();
  const add = (n: Needle) => {
    if (n.forms.length === 0) return;
    // One needle per value: the first subject wins (e.g. an org key both in the secrets file and the bouncer).
    const key = `${n.kind}\u0000${n.value}`;
    if (seenValues.has(key)) return;
    seenValues.set(key, n);
    out.push(n);
  };
  const zulip = stack.zulip;
  const state = zulip.state;

  // --- content ------------------------------------------------------------------------------
  for (const m of state.messages.values()) {
    for (const c of new Set(findCanaries(m.renderedContent))) {
      canaries.add(c);
      add(makeNeedle('content', `message ${m.id} (canary)`, c, ALL_ENCODINGS, { realmId: m.realmId }));
    }
    const text = getMobilePushContent(m.renderedContent, { externalHost: zulip.externalHost });
    const texts = new Set([text]);
    const truncated = truncateContent(text);
    if (truncated !== text) texts.add(truncated.endsWith(ELLIPSIS) ? truncated.slice(0, -ELLIPSIS.length) : truncated);
    for (const t of texts) {
      if (t.length < MIN_TEXT_CHARS || canaries.has(t)) continue;
      add(makeNeedle('content', `message ${m.id} (text)`, t, ALL_ENCODINGS, { realmId: m.realmId }));
    }
  }

  // --- sender names -------------------------------------------------------------------------
  for (const u of state.users.values()) {
    if (u.fullName.length >= MIN_NAME_CHARS) add(makeNeedle('sender-name', `user ${u.id}`, u.fullName));
  }

  // --- secrets ------------------------------------------------------------------------------
  const secrets = zulip.context.secrets;
  const current = secrets.credentials()?.zulipOrgKey;
  if (current) add(makeNeedle('secret:zulip-org-key', 'zulip_org_key (current)', current));
  secrets.orgKeyHistory().forEach((k, i) => add(makeNeedle('secret:zulip-org-key', `zulip_org_key (held #${i + 1})`, k)));
  for (const row of safeQuery<{ uuid: string; api_key: string }>(stack, 'SELECT uuid, api_key FROM remote_zulip_server')) {
    add(makeNeedle('secret:zulip-org-key', `api_key of remote server ${row.uuid.slice(0, 8)}`, row.api_key));
  }

  for (const u of state.users.values()) {
    let key: string | null = null;
    try {
      key = state.apiKeyOf(u.id);
    } catch {
      key = null;
    }
    if (key) add(makeNeedle('secret:user-api-key', `API key of user ${u.id}`, key));
  }

  const apnsKeyFiles = new Set<string>();
  for (const k of stack.apns.keys()) if (k.keyFile) apnsKeyFiles.add(k.keyFile);
  for (const f of listFiles(path.join(stack.dataDir, 'apns'), /\.p8$/)) apnsKeyFiles.add(f);
  for (const file of apnsKeyFiles) {
    pemBodyLines(readText(file)).forEach((line) => add(makeNeedle('secret:apns-private-key', `APNs key ${path.basename(file)}`, line, TEXT_ENCODINGS)));
  }

  const serviceAccounts = new Set<string>([stack.fcm.serviceAccountFile]);
  for (const f of listFiles(path.join(stack.dataDir, 'fcm'), /^service-account.*\.json$/)) serviceAccounts.add(f);
  for (const file of serviceAccounts) {
    let pem = '';
    try {
      pem = (JSON.parse(readText(file)) as { private_key?: string }).private_key ?? '';
    } catch {
      pem = '';
    }
    pemBodyLines(pem).forEach((line) => add(makeNeedle('secret:fcm-private-key', `private_key of ${path.basename(file)}`, line, TEXT_ENCODINGS)));
  }

  let apnsTokens = 0;
  let fcmTokens = 0;
  for (const token of stack.bouncer.bearerTokens()) {
    if (token.startsWith('ya29.')) add(makeNeedle('secret:bearer-token', `FCM access token #${++fcmTokens}`, token));
    else {
      // A JWT's header and claims are not secret (and repeat across tokens); its signature is.
      const signature = token.split('.').pop() ?? token;
      add(makeNeedle('secret:bearer-token', `APNs provider token #${++apnsTokens} (signature)`, signature));
    }
  }

  add(makeNeedle('secret:bouncer-secret-key', 'the bouncer SECRET_KEY', stack.bouncer.config.secretKey));
  const keyRingFile = path.join(stack.bouncer.dataDir, 'bouncer', 'push_registration_encryption_keys.json');
  if (fs.existsSync(keyRingFile)) {
    try {
      const ring = JSON.parse(readText(keyRingFile)) as Record<string, string>;
      Object.values(ring).forEach((priv, i) => {
        const subject = `E2EE registration private key #${i + 1}`;
        add(makeNeedle('secret:e2ee-registration-private-key', subject, priv, TEXT_ENCODINGS));
        add(makeNeedle('secret:e2ee-registration-private-key', `${subject} (bytes)`, Buffer.from(priv, 'base64'), ['base64url', 'hex']));
      });
    } catch {
      // An unreadable ring holds nothing to search for.
    }
  }

  for (const d of state.clientDevices.values()) {
    if (d.pushKey) add(makeNeedle('secret:e2ee-push-key', `push key of client device ${d.id}`, Buffer.from(d.pushKey), ['base64', 'base64url', 'hex']));
  }
  for (const d of state.pushDevices11) {
    add(makeNeedle('secret:e2ee-push-key', `push key of push device ${d.id}`, Buffer.from(d.pushKey), ['base64', 'base64url', 'hex']));
  }

  for (const r of state.realms.values()) add(makeNeedle('secret:realm-owner-secret', `uuid_owner_secret of realm ${r.id}`, r.uuidOwnerSecret));

  const counts: Record<string, number> = {};
  for (const n of out) counts[n.kind] = (counts[n.kind] ?? 0) + 1;
  return { needles: out, canaries, counts };
}

/** The base64 body lines of a PEM block (no BEGIN/END lines, none shorter than MIN_PEM_LINE_CHARS). */
export function pemBodyLines(pem: string): string[] {
  return pem
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('-----') && l.length >= MIN_PEM_LINE_CHARS);
}

function safeQuery<T>(stack: Stack, sql: string): T[] {
  try {
    return stack.bouncer.query<T>(sql);
  } catch {
    return []; // a stopped bouncer's database is closed
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function listFiles(dir: string, pattern: RegExp): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => pattern.test(n)).map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}
