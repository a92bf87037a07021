/**
 * What may appear where: one policy per sink, from the service's promise (seed document,
 * "Security and privacy"): "A central design goal of the Push Notification Service is to avoid
 * any message content being stored or logged by the service, even in error cases", it "receives
 * (but does not store) the contents of individual mobile push notifications" — message content
 * and the sender's name among them —, and it stores only delivery metadata; the architecture adds
 * that secrets (org keys, provider keys, bearer tokens) are redacted at every logger.
 *
 * Each policy is a text (it goes into the audit) and a judge: given one occurrence of a needle in
 * the sink, null when the occurrence is allowed, else the finding's kind and the rule it breaks.
 *
 * Decisions (documented in the audit text of each policy):
 * - The bouncer stores the api_key of each server it registered: that is the server's
 *   zulip_org_key, by design (remote_zulip_server.api_key). Org keys are therefore allowed in the
 *   bouncer database — in the table dump only in that column; in the raw database bytes anywhere
 *   (raw pages cannot name a column; free pages and the WAL keep rotated keys a while). Likewise a
 *   realm's uuid_owner_secret, uploaded with realm metadata (remote_realm.uuid_owner_secret).
 *   Org keys are never allowed in a log, and in a response only as the new zulip_org_key that a
 *   successful `register/verify_challenge` hands to the server taking over a registration.
 * - Provider journals hold what Apple and Google receive. Legacy (non-E2EE) payloads carry the
 *   message content and the sender's name — the seed says so — except that content of a realm
 *   that requires E2EE push notifications must never leave the Zulip server (11.x redacts it to
 *   "New message"; 12.x sends no legacy push). The sender's name stays in a redacted 11.x payload
 *   (Zulip only replaces the body), so names are allowed in every legacy payload. An entry that
 *   carries `encrypted_data` is on the E2EE path: any content or sender name in it, in any
 *   encoding (base64 of the plaintext included), is "plaintext-on-e2ee-path". Secrets never.
 * - The fake Zulip server's log: no content and no secrets; sender names are the server's own
 *   users' names and may appear.
 * - Every other log (the bouncer's, the mocks'), the bouncer's responses and its database: no
 *   content, no sender names, no secrets.
 * - A sink of a component not known here gets the strictest policy: nothing.
 */
import type { Sink } from '../../simulator/core/sinks';
import type { Realm } from '../../simulator/zulip-server/types';
import type { Hit } from './scan';

export interface Judgement {
  /** The finding's kind: 'content', 'sender-name', 'secret:<kind>', 'plaintext-on-e2ee-path', 'redaction-bypass'. */
  kind: string;
  /** The rule broken, in words. */
  rule: string;
}

export interface PolicyContext {
  /** The realm of a realm URL (payloads carry `realm_url` / `realm_uri`), if the server has it. */
  realmByUrl(url: string): Realm | undefined;
  realmById(id: number): Realm | undefined;
}

export interface SinkPolicy {
  /** Short name, e.g. `bouncer-database`. */
  id: string;
  /** The policy in words, for the audit. */
  text: string;
  judge(hit: Hit, ctx: PolicyContext): Judgement | null;
}

export const VERIFY_CHALLENGE_PATH = '/api/v1/remotes/server/register/verify_challenge';

const isSecret = (hit: Hit) => hit.needle.kind.startsWith('secret:');

/** The strict judgement: the needle's own kind is the finding's kind. */
const forbidden = (hit: Hit, rule: string): Judgement => ({ kind: hit.needle.kind, rule });

const NOTHING = 'no message content, no sender names, no secrets';

const bouncerLog: SinkPolicy = {
  id: 'bouncer-log',
  text: `${NOTHING} — "avoid any message content being stored or logged by the service, even in error cases"; secrets are redacted at the logger.`,
  judge: (hit) => forbidden(hit, 'the bouncer logs no content, sender names or secrets'),
};

const bouncerDbRaw: SinkPolicy = {
  id: 'bouncer-database-bytes',
  text:
    'raw bytes of the database file and its -wal/-shm: no message content, no sender names, no secrets — ' +
    'except zulip_org_keys (stored by design as remote_zulip_server.api_key) and realm uuid_owner_secrets (remote_realm.uuid_owner_secret), ' +
    'allowed anywhere in the raw bytes (pages cannot name a column; the table dump checks the columns).',
  judge: (hit) => {
    if (hit.needle.kind === 'secret:zulip-org-key' || hit.needle.kind === 'secret:realm-owner-secret') return null;
    return forbidden(hit, 'the bouncer stores only delivery metadata: no content, sender names or other secrets');
  },
};

const ALLOWED_COLUMNS: Record<string, { table: string; column: string }> = {
  'secret:zulip-org-key': { table: 'remote_zulip_server', column: 'api_key' },
  'secret:realm-owner-secret': { table: 'remote_realm', column: 'uuid_owner_secret' },
};

const bouncerDbTables: SinkPolicy = {
  id: 'bouncer-database-tables',
  text:
    'every row of every table: no message content, no sender names, no secrets — except a zulip_org_key in ' +
    'remote_zulip_server.api_key and a realm uuid_owner_secret in remote_realm.uuid_owner_secret, where the service keeps them by design.',
  judge: (hit) => {
    const allowed = ALLOWED_COLUMNS[hit.needle.kind];
    const rec = hit.record as { table?: string } | undefined;
    const columns = (hit.fields ?? []).map(columnOf);
    if (allowed && rec?.table === allowed.table && columns.length > 0 && columns.every((c) => c === allowed.column)) return null;
    return forbidden(
      hit,
      allowed ? `only ${allowed.table}.${allowed.column} may hold this secret` : 'the bouncer stores only delivery metadata: no content, sender names or secrets',
    );
  },
};

const bouncerResponses: SinkPolicy = {
  id: 'bouncer-responses',
  text:
    `every response body, success and error: ${NOTHING} (error responses must not echo what was sent) — ` +
    `except the new zulip_org_key a successful POST ${VERIFY_CHALLENGE_PATH} hands to the server taking over a registration.`,
  judge: (hit) => {
    const rec = hit.record as { status?: number; path?: string } | undefined;
    if (
      hit.needle.kind === 'secret:zulip-org-key' &&
      rec?.path === VERIFY_CHALLENGE_PATH &&
      rec.status === 200 &&
      (hit.fields ?? []).length > 0 &&
      hit.fields!.every((f) => f === 'body(json).zulip_org_key')
    ) {
      return null;
    }
    return forbidden(hit, 'the bouncer answers with no content, sender names or secrets');
  },
};

const zulipLog: SinkPolicy = {
  id: 'zulip-server-log',
  text: "no message content, no secrets (the server's own users' names may appear).",
  judge: (hit) => (hit.needle.kind === 'sender-name' ? null : forbidden(hit, 'the Zulip server logs no content and no secrets')),
};

const strictLog = (component: string): SinkPolicy => ({
  id: `${component}-log`,
  text: `${NOTHING}.`,
  judge: (hit) => forbidden(hit, `${component} logs no content, sender names or secrets`),
});

const journal = (component: string): SinkPolicy => ({
  id: `${component}-journal`,
  text:
    'what the provider received. Content only in legacy (non-E2EE) payloads of realms that do not require E2EE push notifications ' +
    '(content of a realm that requires them, anywhere: "redaction-bypass"); sender names only in legacy payloads (an 11.x redacted ' +
    'payload keeps the title); in an entry carrying encrypted_data any content or sender name, in any encoding, is ' +
    '"plaintext-on-e2ee-path"; secrets and E2EE push keys never.',
  judge: (hit, ctx) => {
    if (isSecret(hit)) return forbidden(hit, 'no secret reaches Apple or Google');
    const entry = hit.record;
    if (entry === undefined) return forbidden(hit, 'an unreadable journal entry holds it');
    if (hasKey(entry, 'encrypted_data')) {
      return { kind: 'plaintext-on-e2ee-path', rule: `an E2EE payload (encrypted_data) carries ${hit.needle.kind === 'content' ? 'message content' : 'a sender name'} readable without the device key` };
    }
    if (hit.needle.kind !== 'content') return null;
    const urls = stringsAt(entry, ['realm_url', 'realm_uri']);
    const realms = [
      ...urls.map((u) => ctx.realmByUrl(u)),
      hit.needle.realmId !== undefined ? ctx.realmById(hit.needle.realmId) : undefined,
    ].filter((r): r is Realm => r !== undefined);
    const strict = realms.find((r) => r.requireE2eePushNotifications);
    if (strict) return { kind: 'redaction-bypass', rule: `realm ${strict.id} (${strict.url}) requires E2EE push notifications: its content never leaves the Zulip server` };
    return null;
  },
});

/** The policy of a sink, by component and kind. */
export function policyFor(sink: Sink): SinkPolicy {
  const { component, kind } = sink;
  if (component === 'bouncer') {
    if (kind === 'database') return sink.read ? bouncerDbTables : bouncerDbRaw;
    if (kind === 'http-responses') return bouncerResponses;
    return bouncerLog;
  }
  if (kind === 'journal') return journal(component);
  if (component === 'zulip' && (kind === 'log' || kind === 'stderr')) return zulipLog;
  return strictLog(component);
}

/** `values.api_key` → `api_key` (the table dump's values object). */
export const columnOf = (field: string): string => field.replace(/^values\./, '').replace(/[.[(].*$/, '');

/** Whether `key` is a key anywhere in `doc`, JSON strings inside it included. */
export function hasKey(doc: unknown, key: string, depth = 0): boolean {
  if (typeof doc === 'string') {
    if (depth >= 4 || !/^\s*[[{]/.test(doc)) return false;
    try {
      return hasKey(JSON.parse(doc) as unknown, key, depth + 1);
    } catch {
      return false;
    }
  }
  if (Array.isArray(doc)) return doc.some((x) => hasKey(x, key, depth));
  if (doc !== null && typeof doc === 'object') {
    return Object.entries(doc as Record<string, unknown>).some(([k, v]) => k === key || hasKey(v, key, depth));
  }
  return false;
}

/** Every string value under one of `keys`, anywhere in `doc` (JSON strings inside it included). */
export function stringsAt(doc: unknown, keys: readonly string[], depth = 0): string[] {
  if (typeof doc === 'string') {
    if (depth >= 4 || !/^\s*[[{]/.test(doc)) return [];
    try {
      return stringsAt(JSON.parse(doc) as unknown, keys, depth + 1);
    } catch {
      return [];
    }
  }
  if (Array.isArray(doc)) return doc.flatMap((x) => stringsAt(x, keys, depth));
  if (doc !== null && typeof doc === 'object') {
    return Object.entries(doc as Record<string, unknown>).flatMap(([k, v]) =>
      keys.includes(k) && typeof v === 'string' ? [v] : stringsAt(v, keys, depth),
    );
  }
  return [];
}
