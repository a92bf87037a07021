/**
 * "A central design goal of the Push Notification Service is to avoid any message content being
 * stored or logged by the service, even in error cases." (seed document, "Security and privacy").
 * One test per rule — never logged, never stored — after legacy notifications that succeed and
 * that fail in every way a request can fail, each carrying unique canaries in the message body,
 * the sender's name and avatar URL, the channel and the topic.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { basicAuth, call, type CallResult } from './support';
import {
  addApnsPhone,
  addFcmPhone,
  messagePayloads,
  newUser,
  NOTIFY,
  notify,
  notifyBody,
  setUpServer,
  startNotifyStack,
  type NotifyWorld,
  type ZulipServer,
  type ZulipUser,
} from './notify-support';

const FIELDS = ['content', 'sender_full_name', 'sender_avatar_url', 'stream', 'topic'] as const;
type Field = (typeof FIELDS)[number];

/** A canary: an ASCII core no escaping changes, wrapped in text that JSON and Python do escape. */
const canaries = Object.fromEntries(
  FIELDS.map((f) => {
    const core = `cnry${f.replace(/_/g, '')}${crypto.randomBytes(12).toString('hex')}`;
    return [f, { core, full: `${core} «${f}» "quoted" \\ ünïcödé\n` }];
  }),
) as Record<Field, { core: string; full: string }>;

/** The byte strings that would betray a canary: raw, JSON-escaped, \u-escaped, base64 (any alignment), hex. */
function needles(c: { core: string; full: string }): { form: string; needle: Buffer }[] {
  const jsonAscii = JSON.stringify(c.full).slice(1, -1).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const out = [
    { form: 'raw', needle: Buffer.from(c.full) },
    { form: 'core', needle: Buffer.from(c.core) },
    { form: 'json', needle: Buffer.from(JSON.stringify(c.full).slice(1, -1)) },
    { form: 'json-ascii', needle: Buffer.from(jsonAscii) },
    { form: 'hex', needle: Buffer.from(Buffer.from(c.core).toString('hex')) },
  ];
  // Whatever the canary's offset in a base64 text, one of these three appears in it verbatim.
  for (const bytes of [Buffer.from(c.core), Buffer.from(c.full)]) {
    for (let k = 0; k < 3; k++) {
      const aligned = bytes.subarray(k, k + Math.floor((bytes.length - k) / 3) * 3);
      const b64 = aligned.toString('base64');
      out.push({ form: `base64+${k}`, needle: Buffer.from(b64) }, { form: `base64url+${k}`, needle: Buffer.from(aligned.toString('base64url')) });
    }
  }
  return out;
}

/** Every canary form found in `bytes`, as "field/form". */
function leaks(bytes: Buffer): string[] {
  return FIELDS.flatMap((f) => needles(canaries[f]).filter((n) => bytes.includes(n.needle)).map((n) => `${f}/${n.form}`));
}

let w: NotifyWorld;
let dataDir: string;
const responses: { what: string; res: CallResult }[] = [];

/** A message whose every sensitive field is a canary. */
function canaryBody(server: ZulipServer, user: ZulipUser, extra: Record<string, unknown> = {}) {
  const sender = newUser({ fullName: canaries.sender_full_name.full });
  const payloads = messagePayloads(server, user, {
    sender,
    content: canaries.content.full,
    messageId: 77,
    time: 1_767_268_000,
    stream: { name: canaries.stream.full, id: 12, topic: canaries.topic.full },
  });
  payloads.gcm_payload.sender_avatar_url = `https://${canaries.sender_avatar_url.full}`;
  return { ...notifyBody(server, user, payloads), ...extra };
}

async function record(what: string, res: Promise<CallResult>, status: number) {
  const r = await res;
  responses.push({ what, res: r });
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text}`);
}

beforeAll(async () => {
  // Our own data dir: the stack keeps it after stop(), so the files can be scanned after shutdown.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-privacy-'));
  w = await startNotifyStack({ dataDir, rateLimit: [{ windowSeconds: 60, maxRequests: 16 }] });

  // 1. A server whose notifications get through, then fail in every way a provider can fail them.
  const s1 = await setUpServer(w);
  const user = newUser();
  const [fcmA, fcmB] = [await addFcmPhone(w, s1, user), await addFcmPhone(w, s1, user)];
  const [apnsA, apnsB] = [await addApnsPhone(w, s1, user), await addApnsPhone(w, s1, user)];
  await record('delivered', notify(w, s1, canaryBody(s1, user)), 200);
  await record('bad gcm_options', notify(w, s1, canaryBody(s1, user, { gcm_options: { priority: 'urgent' } })), 400);
  w.apns.rules.add({ match: { device: apnsA }, action: { kind: 'error', reason: 'InternalServerError' }, times: 1 });
  w.fcm.rules.add({ match: { device: fcmA }, action: { kind: 'error', reason: 'QUOTA_EXCEEDED' }, times: 1 });
  await record('provider errors', notify(w, s1, canaryBody(s1, user)), 200);
  w.apns.rules.add({ match: { device: apnsA }, action: { kind: 'reset' }, times: 1 });
  w.fcm.rules.add({ match: { device: fcmA }, action: { kind: 'reset' }, times: 1 });
  await record('connections reset', notify(w, s1, canaryBody(s1, user)), 200);
  w.apns.unregisterDevice(apnsB);
  w.fcm.unregisterDevice(fcmB);
  await record('tokens invalidated', notify(w, s1, canaryBody(s1, user)), 200);

  // 2. Bodies refused before any device is looked up.
  const other = await setUpServer(w, { humans: 11 });
  await record('realm of another server', notify(w, s1, canaryBody(s1, user, { realm_uuid: other.realm.uuid })), 403);
  await record('wrong type', notify(w, s1, canaryBody(s1, user, { user_id: String(user.id) })), 400);
  const truncated = JSON.stringify(canaryBody(s1, user)).slice(0, -40);
  const auth = basicAuth(s1.identity.uuid, s1.identity.key);
  await record('malformed JSON', call(w.bouncer, 'POST', NOTIFY, { body: truncated, contentType: 'application/json', headers: { authorization: auth } }), 400);

  // 3. Plans that do not allow pushes: a modern server with 11 humans, a pre-8.0 server.
  const many = newUser();
  await addFcmPhone(w, other, many);
  await record('plan denied', notify(w, other, canaryBody(other, many)), 400);
  const old = await setUpServer(w, { featureLevel: null });
  await addFcmPhone(w, old, many, { identity: 'id' });
  await record('old server denied', notify(w, old, canaryBody(old, many, { user_uuid: undefined, realm_uuid: undefined })), 400);

  // 4. Rate limited: the request is refused before its body is read.
  for (let i = 0; i < 20; i++) {
    const res = await notify(w, s1, canaryBody(s1, user));
    responses.push({ what: `burst ${i}`, res });
    if (res.status === 429) break;
  }
});
afterAll(async () => {
  await w.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('privacy of legacy notifications', () => {
  it('should have sent the canaries to the providers and met every failure (control)', () => {
    expect(responses.map((r) => r.res.status).at(-1)).toBe(429);
    const codes = Object.fromEntries(responses.map((r) => [r.what, r.res.body.code]));
    expect(codes).toMatchObject({ 'plan denied': 'PUSH_NOTIFICATIONS_DISALLOWED', 'old server denied': 'INVALID_ZULIP_SERVER' });
    // Every provider failure path ran.
    const log = w.bouncer.logLines().map((l) => l.msg);
    for (const line of [
      /^APNs: Failed to send .*: InternalServerError$/,
      /^FCM: Delivery failed for .*QuotaExceededError/,
      /^APNs: ConnectionError sending /,
      /^FCM: Delivery failed for .*Failed to establish a connection/,
      /^APNs: Removing invalid\/expired token .* \(Unregistered\)$/,
      /^FCM: Removing .* due to NOT_FOUND$/,
      /exceeded rate limits on domain api_by_remote_server$/,
    ]) {
      expect(log.some((m) => line.test(m))).toBe(true);
    }
    // The canaries did pass through the bouncer: the providers received them.
    const received = Buffer.from(`${w.fcm.journal.dump()}\n${w.apns.journal.dump()}`);
    expect(leaks(received)).toEqual(expect.arrayContaining(FIELDS.map((f) => `${f}/core`)));
    // And the scanner finds each encoding it claims to find.
    const c = canaries.content;
    expect(leaks(Buffer.from(JSON.stringify({ x: `>${c.full}<` })))).toContain('content/json');
    expect(leaks(Buffer.from(JSON.stringify(`>${c.full}<`).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)))).toContain('content/json-ascii');
    for (const prefix of ['', 'a', 'ab']) {
      expect(leaks(Buffer.from(Buffer.from(`${prefix}${c.full}`).toString('base64'))).some((l) => l.startsWith('content/base64+'))).toBe(true);
    }
  });

  it('should never log content or sender metadata, even when the request fails', () => {
    const log = fs.readFileSync(w.bouncer.logFile);
    expect(log.length).toBeGreaterThan(0);
    expect(leaks(log)).toEqual([]);
    // Nor answer with it: error responses are logged too (§12).
    expect(responses.flatMap((r) => leaks(Buffer.from(r.res.text)).map((l) => `${r.what}: ${l}`))).toEqual([]);
  });

  it('should never store content or sender metadata, even when the request fails', async () => {
    const dir = path.dirname(w.bouncer.databaseFile!);
    const scan = () =>
      fs
        .readdirSync(dir)
        .flatMap((name) => leaks(fs.readFileSync(path.join(dir, name))).map((l) => `${name}: ${l}`));
    expect(fs.readdirSync(dir)).toEqual(expect.arrayContaining(['bouncer.sqlite3', 'bouncer.sqlite3-wal', 'bouncer.sqlite3-shm']));
    expect(scan()).toEqual([]);
    // After shutdown the WAL is checkpointed into the main file: scan what is left, too.
    await w.stop();
    expect(scan()).toEqual([]);
    expect(leaks(fs.readFileSync(w.bouncer.logFile))).toEqual([]);
  });
});
