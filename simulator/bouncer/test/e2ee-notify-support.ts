/**
 * The test side of E2EE delivery (`push/e2ee/notify`, bouncer-protocol.md §6.3, §7.3): a whole
 * embedded stack (bouncer → mock APNs over HTTP/2+TLS, mock FCM over HTTPS), phones that exist
 * at a mock provider AND are registered with the bouncer through the real `push/e2ee/register`,
 * and what a Zulip server sends (server-and-app.md §B): a libsodium secretbox of the plaintext
 * payload, `nonce(24) ‖ MAC ‖ ciphertext`, base64 — which the phone opens with its push key.
 *
 * Everything is derived from counters (keys, nonces, key ids) and the stack's seed (tokens),
 * so two runs send the same bytes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import sodium from 'libsodium-wrappers';
import { startEmbeddedStack, type Stack } from '../../../harness/stack/embedded';
import { VirtualClock } from '../../core/clock';
import type { JournalEntry } from '../../core/provider-mock/journal';
import { appTokenId, deviceRows, registerE2ee, serverWithRealm, type E2eeSetup } from './e2ee-app';
import { call, type CallResult, type ServerIdentity, type TestBouncer } from './support';

export const E2EE_NOTIFY = '/api/v1/remotes/push/e2ee/notify';
export const IOS_APP_ID = 'org.zulip.Zulip';
/** Zulip's E2EE log lines come from these two loggers (§7.3, §12). */
export const PUSH_LOGGERS = ['zerver.lib.push_notifications', 'zilencer.lib.push_notifications'] as const;

export interface NotifyEnv {
  stack: Stack;
  bouncer: TestBouncer;
  profile: 11 | 12;
}

export async function startNotifyStack(profile: 11 | 12): Promise<NotifyEnv> {
  await sodium.ready;
  const stack = await startEmbeddedStack({ profile, seed: profile });
  if (!(stack.clock instanceof VirtualClock)) throw new Error('the notify tests need a virtual clock');
  return { stack, bouncer: stack.bouncer as TestBouncer, profile };
}

/** Stops the stack and removes its temp dir. */
export async function stopNotifyStack(env: NotifyEnv | undefined): Promise<void> {
  if (!env) return;
  await env.stack.stop();
  fs.rmSync(env.stack.dataDir, { recursive: true, force: true });
}

/** A registered server with one realm that may push (no plan, no users counted). */
export const newOrg = (env: NotifyEnv): Promise<E2eeSetup> => serverWithRealm(env.bouncer);

export interface Phone {
  kind: 'apns' | 'fcm';
  token: string;
  /** The ios_app_id registered with the bouncer (null on Android). */
  iosAppId: string | null;
  /** How the server names the device to the bouncer: device_id (11.x) or token_id (12.x). */
  id: number | string;
  /** push_account_id (11.x, also registered with the bouncer) / push_key_id (12.x). */
  keyId: number;
  /** The secretbox key: the app's 33-byte push_key without its 0x31 tag. */
  key: Uint8Array;
}

let keyCounter = 0;
const derived = (label: string, n: number, bytes: number) =>
  new Uint8Array(crypto.createHash('sha256').update(`${label}:${n}`).digest().subarray(0, bytes));

/**
 * A phone the bouncer has registered. `mockTopic: null` registers a token the provider never
 * issued; `mockTopic` other than `iosAppId` installs the app under another bundle id.
 */
export async function registerPhone(
  env: NotifyEnv,
  org: E2eeSetup,
  kind: 'apns' | 'fcm',
  opts: { iosAppId?: string; mockTopic?: string | null } = {},
): Promise<Phone> {
  keyCounter += 1;
  const keyId = 100_000 + env.profile * 10_000 + keyCounter;
  const iosAppId = kind === 'apns' ? (opts.iosAppId ?? IOS_APP_ID) : null;
  let token: string;
  if (opts.mockTopic === null) token = kind === 'apns' ? Buffer.from(derived('ghost', keyId, 32)).toString('hex') : `ghost-${keyId}:APA91bX`;
  else if (kind === 'apns') token = env.stack.apns.createDevice(opts.mockTopic ?? iosAppId!).token;
  else token = env.stack.fcm.createDevice().token;
  const res = await registerE2ee(env.bouncer, org, { token, token_kind: kind, ios_app_id: iosAppId, push_account_id: keyId });
  if (res.status !== 200) throw new Error(`e2ee/register failed: ${res.status} ${res.text}`);
  const id = env.profile === 11 ? (res.body.device_id as number) : appTokenId(token);
  return { kind, token, iosAppId, id, keyId, key: derived('push-key', keyId, 32) };
}

let nonceCounter = 0;
/** What the Zulip server does per device: secretbox with a fresh nonce, `base64(nonce ‖ ct)`. */
export function encryptFor(phone: Phone, plaintext: string): string {
  nonceCounter += 1;
  const nonce = derived('nonce', nonceCounter, sodium.crypto_secretbox_NONCEBYTES);
  const ct = sodium.crypto_secretbox_easy(Buffer.from(plaintext, 'utf8'), nonce, phone.key);
  return Buffer.concat([nonce, ct]).toString('base64');
}

/** What the phone does (server-and-app.md §A.3): split the nonce off and open the box. */
export function decryptFor(phone: Phone, encryptedData: string): string {
  const raw = Buffer.from(encryptedData, 'base64');
  const nonce = raw.subarray(0, sodium.crypto_secretbox_NONCEBYTES);
  const ct = raw.subarray(sodium.crypto_secretbox_NONCEBYTES);
  return Buffer.from(sodium.crypto_secretbox_open_easy(ct, nonce, phone.key)).toString('utf8');
}

/** A channel-message plaintext (§A.3) carrying `canary` in content and sender name. */
export function messagePlaintext(canary: string): string {
  return JSON.stringify({
    realm_url: 'https://zulip.example.com/',
    realm_name: 'Example Organization',
    user_id: 234,
    type: 'message',
    sender_id: 123,
    sender_avatar_url: 'https://zulip.example.com/avatar/123.jpeg',
    sender_full_name: `Sender ${canary}`,
    time: 1_767_268_800,
    message_id: 12345,
    content: `The launch code is ${canary}`,
    recipient_type: 'channel',
    channel_id: 42,
    channel_name: 'denmark',
    topic: `topic ${canary}`,
  });
}

export const removePlaintext = () =>
  JSON.stringify({ realm_url: 'https://zulip.example.com/', realm_name: 'Example Organization', user_id: 234, type: 'remove', message_ids: [12345] });

/** The `aps` a server of the profile sends (§B.2; 11.x used one default for everything). */
export function apsFor(profile: 11 | 12, removal: boolean): Record<string, unknown> {
  if (profile === 11) return { 'mutable-content': 1, alert: { title: 'New notification' } };
  return removal ? { 'mutable-content': 1 } : { 'mutable-content': 1, alert: { title: 'New notification' }, sound: 'default' };
}

const idKey = (env: NotifyEnv) => (env.profile === 11 ? 'device_id' : 'token_id');
export const keyIdKey = (env: NotifyEnv) => (env.profile === 11 ? 'push_account_id' : 'push_key_id');
export const deleteKey = (env: NotifyEnv) => (env.profile === 11 ? 'delete_device_ids' : 'delete_token_ids');

/** One push request as the server builds it: high/10/alert for messages, normal/5/background for removals. */
export function pushRequest(env: NotifyEnv, phone: Phone, encryptedData: string, opts: { removal?: boolean } = {}): Record<string, unknown> {
  const removal = opts.removal ?? false;
  if (phone.kind === 'apns') {
    return {
      [idKey(env)]: phone.id,
      http_headers: { apns_priority: removal ? 5 : 10, apns_push_type: removal ? 'background' : 'alert' },
      payload: { [keyIdKey(env)]: phone.keyId, encrypted_data: encryptedData, aps: apsFor(env.profile, removal) },
    };
  }
  return {
    [idKey(env)]: phone.id,
    fcm_priority: removal ? 'normal' : 'high',
    payload: { [keyIdKey(env)]: phone.keyId, encrypted_data: encryptedData },
  };
}

/** A request for a device id the bouncer may not know, shaped for `kind`. */
export function requestForId(env: NotifyEnv, kind: 'apns' | 'fcm', id: number | string): Record<string, unknown> {
  const ghost: Phone = { kind, token: '', iosAppId: null, id, keyId: 1, key: derived('ghost-key', 0, 32) };
  return pushRequest(env, ghost, encryptFor(ghost, removePlaintext()));
}

export function notify(env: NotifyEnv, org: { realm: { uuid: string }; server: ServerIdentity }, pushRequests: unknown[]): Promise<CallResult> {
  return call(env.bouncer, 'POST', E2EE_NOTIFY, { json: { realm_uuid: org.realm.uuid, push_requests: pushRequests }, auth: org.server });
}

/** The whole success body the profile answers with. */
export function successBody(env: NotifyEnv, apple: number, android: number, deleted: (number | string)[]) {
  return {
    result: 'success',
    msg: '',
    apple_successfully_sent_count: apple,
    android_successfully_sent_count: android,
    [deleteKey(env)]: deleted,
    realm_push_status: { can_push: true, expected_end_timestamp: null },
  };
}

/** Where the journals and the log stand now; pass to the readers below to see only what follows. */
export interface Mark {
  apns: number;
  fcm: number;
  log: number;
}
export const mark = (env: NotifyEnv): Mark => ({
  apns: env.stack.apns.journal.stats.lastSeq,
  fcm: env.stack.fcm.journal.stats.lastSeq,
  log: env.bouncer.logLines().length,
});

export const apnsSince = (env: NotifyEnv, m: Mark): JournalEntry[] => env.stack.apns.journal.list({ afterSeq: m.apns });
/** FCM sends since `m` (the journal also files the OAuth token requests, which target no device). */
export const fcmSince = (env: NotifyEnv, m: Mark): JournalEntry[] =>
  env.stack.fcm.journal.list({ afterSeq: m.fcm }).filter((e) => e.request.path.endsWith('/messages:send'));

/** The bouncer's push log lines since `m`, as `{ logger, level, msg }`. */
export function pushLogSince(env: NotifyEnv, m: Mark): { logger: string; level: number; msg: string }[] {
  return env.bouncer
    .logLines()
    .slice(m.log)
    .filter((l) => (PUSH_LOGGERS as readonly string[]).includes(l.logger ?? ''))
    .map((l) => ({ logger: l.logger!, level: l.level, msg: l.msg }));
}

/** Every log line since `m` (any logger), as `{ logger, level, msg }`. */
export const logSince = (env: NotifyEnv, m: Mark) =>
  env.bouncer
    .logLines()
    .slice(m.log)
    .map((l) => ({ logger: l.logger ?? '', level: l.level, msg: l.msg }));

/** The per-device part of a log line (§7.3): 11.x by push_account_id, 12.x by realm uuid. */
export const logContext = (env: NotifyEnv, org: E2eeSetup, phone: Phone) =>
  env.profile === 11 ? `(push_account_id=${phone.keyId}, device=${phone.token})` : `(remote_realm=${org.realm.uuid}, device=${phone.token})`;

export const INFO = 30;
export const WARN = 40;
export const ERROR = 50;

/** The bouncer's own RemoteRealmCount total for a property of a realm (all days). */
export function realmCount(env: NotifyEnv, realmUuid: string, property: 'mobile_pushes_received::day' | 'mobile_pushes_forwarded::day'): number {
  const [row] = env.bouncer.query<{ n: number | null }>(
    `SELECT SUM(c.value) AS n FROM remote_realm_count c JOIN remote_realm r ON r.id = c.remote_realm_id
     WHERE r.uuid = ? AND c.property = ? AND c.remote_id IS NULL`,
    realmUuid,
    property,
  );
  return row?.n ?? 0;
}

/** remote_push_device.expired_time of the phone's row (Unix seconds, or null). */
export function expiredTime(env: NotifyEnv, org: E2eeSetup, phone: Phone): number | null {
  const row = deviceRows(env.bouncer, org.realm.uuid).find((r) => r.token === phone.token);
  if (!row) throw new Error(`no device row for ${phone.token}`);
  return row.expired_time;
}

export const nowSeconds = (env: NotifyEnv) => env.bouncer.clock.now() / 1000;

/** Raw bytes of the bouncer's database files (main file, -wal, -shm — whichever exist). */
export function databaseBytes(env: NotifyEnv): Buffer[] {
  const file = env.bouncer.databaseFile;
  if (!file) throw new Error('needs a file database');
  return [file, `${file}-wal`, `${file}-shm`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
}
