/**
 * Fuzzing the fake Zulip server's app-facing API with fast-check — the device API
 * (http/routes/devices.ts), the message API and test notifications (messages.ts) and the
 * snapshot endpoints (register-snapshot.ts): ZPG_FUZZ_RUNS (default 1000) requests per endpoint
 * over HTTPS, mostly with a real user's Basic auth (so validation past authentication runs),
 * parameters missing, repeated, mistyped, huge or Unicode, other encodings, methods and
 * credentials. The server is wired to a real bouncer (in memory), so registrations and the
 * pushes of fuzzed messages travel on to it. For every request:
 *   - never a 5xx, always Zulip's envelope (`{"result","msg","code"}`; 405 with allowed_methods);
 *   - the canary planted in the input — message content above all — never comes back and never
 *     reaches a log, the server's or the bouncer's. Fields echoed by design carry no canary (each
 *     is marked `echoed` below, with where that is said);
 * and afterwards the server still serves, and the registrations made before are still there.
 *
 * Replay a failure exactly (the report prints these values):
 *   ZPG_FUZZ_SEED=<seed> ZPG_FUZZ_PATH='<path>' npx jest simulator/zulip-server/test/fuzz.test.ts -t '<METHOD> <path>:'
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import {
  CANARY,
  LogTap,
  answerLabel,
  assertZulipEnvelope,
  basicAuth,
  basicAuthHeader,
  canaryText,
  fuzz,
  fuzzSettings,
  httpClient,
  jsonish,
  limitStackTraces,
  testRunCa,
  withCanary,
  zulipCase,
  type EndpointSpec,
  type HttpClient,
  type ParamSpec,
} from '../../../harness/testing/fuzz';
import { tempDir } from '../../../harness/testing/temp-dir';
import { startBouncer, type BouncerHandle } from '../../bouncer';
import { VirtualClock } from '../../core/clock';
import { uploadServerData } from '../bouncer-client/analytics-upload';
import { isSkipped } from '../bouncer-client/client';
import { startZulipServer, type ZulipServerHandle } from '../index';
import { serverVersion } from '../settings';
import type { User } from '../types';

const FILE = 'simulator/zulip-server/test/fuzz.test.ts';
const IOS_APP = 'org.zulip.Zulip';

let clock: VirtualClock;
let bouncer: BouncerHandle;
let zulip: ZulipServerHandle;
let client: HttpClient;
let logs: LogTap[];

/**
 * The fuzzing users: one per group of endpoints, so what one group piles up (hundreds of legacy
 * tokens, of client devices) does not make another group's every request slow; the realm's bot;
 * and the human whose phones must survive it all.
 */
let registrar: User; // legacy token endpoints
let fuzzer: User; // client devices, E2EE registration and test notifications, messages
let reader: User; // the /register snapshot
let bot: User;
let sentinel: User;
const sentinelTokens = { apns: 'a1'.repeat(32), fcm: `fcm-sentinel-${crypto.randomBytes(8).toString('hex')}:APA91bSENTINEL` };
let sentinelDeviceId = 0;
/** The fuzzer's client devices, messages it sent and received, and the realm's channels. */
let deviceIds: number[] = [];
let sentIds: number[] = [];
let receivedIds: number[] = [];
let channels: string[] = [];
/** What mobile_push/register needs to get far: a push key, a sealed registration and its token id. */
let e2ee: { pushKey: string; sealed: string; tokenId: string };

const auth = (u: User) => ({ user: u.email, password: zulip.state.apiKeyOf(u.id) });

async function call(method: string, path: string, user: User, form: Record<string, string> = {}) {
  const res = await client.send({
    method,
    path,
    query: [],
    headers: [
      ['authorization', `Basic ${Buffer.from(`${auth(user).user}:${auth(user).password}`).toString('base64')}`],
      ['content-type', 'application/x-www-form-urlencoded'],
    ],
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
}

async function setupCall(method: string, path: string, user: User, form: Record<string, string> = {}) {
  const res = await call(method, path, user, form);
  if (res.status !== 200) throw new Error(`setup: ${method} ${path} answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

limitStackTraces();

beforeAll(async () => {
  await sodium.ready;
  clock = new VirtualClock();
  const dataDir = tempDir('zpg-fuzz-zulip-');
  bouncer = await startBouncer({ clock, dataDir, database: 'memory', rateLimit: false, logLevel: 'debug', e2eeProfile: 12 });
  zulip = await startZulipServer({ dataDir, clock, ca: testRunCa(), analyticsJob: false, settings: { servicesUrl: bouncer.url, profile: 12 } });
  client = httpClient(zulip.url, { ca: zulip.caCertPem });
  logs = [new LogTap('Zulip server', zulip.logFile), new LogTap('bouncer', bouncer.logFile)];

  // manage.py register_server, then the realms (E2EE registrations need them at the bouncer).
  const registered = await zulip.context.bouncer.registerServer({ hostname: zulip.externalHost, contactEmail: 'admin@zulip.com' });
  if (isSkipped(registered)) throw new Error('setup: register_server was skipped');
  const v = serverVersion(zulip.settings());
  const upload = await uploadServerData(
    zulip.context.bouncer,
    { realms: zulip.realms(), auditLogs: [], version: v.version, mergeBase: v.mergeBase, apiFeatureLevel: v.featureLevel, uploadLevel: 'BILLING' },
    { considerUsageStatistics: false, raiseOnError: true },
  );
  if (upload.outcome !== 'uploaded') throw new Error(`setup: realm upload ${upload.outcome}`);

  const realmId = zulip.realms()[0]!.id;
  const people = zulip.users(realmId);
  const humans = people.filter((u) => !u.isBot);
  [sentinel, registrar, fuzzer, reader] = [humans[0]!, humans[1]!, humans[2]!, humans[3]!];
  bot = people.find((u) => u.isBot)!;
  channels = zulip.world.channelsOf(realmId).map((c) => c.name);

  // The sentinel's phones, registered before any fuzzing.
  await setupCall('POST', '/api/v1/users/me/apns_device_token', sentinel, { token: sentinelTokens.apns, appid: IOS_APP });
  await setupCall('POST', '/api/v1/users/me/android_gcm_reg_id', sentinel, { token: sentinelTokens.fcm });
  sentinelDeviceId = (await setupCall('POST', '/api/v1/register_client_device', sentinel)).device_id as number;

  // Two legacy phones for the fuzzer's test notifications.
  await setupCall('POST', '/api/v1/users/me/apns_device_token', fuzzer, { token: 'b2'.repeat(32), appid: IOS_APP });
  await setupCall('POST', '/api/v1/users/me/android_gcm_reg_id', fuzzer, { token: 'fcm-fuzzer:APA91bFUZZER' });
  for (let i = 0; i < 3; i++) deviceIds.push((await setupCall('POST', '/api/v1/register_client_device', fuzzer)).device_id as number);
  for (let i = 0; i < 5; i++) {
    sentIds.push((await zulip.sendMessage({ senderId: fuzzer.id, to: { type: 'direct', userIds: [sentinel.id] }, content: `hello ${i}` })).id);
    receivedIds.push((await zulip.sendMessage({ senderId: sentinel.id, to: { type: 'direct', userIds: [fuzzer.id] }, content: `hi ${i}` })).id);
  }

  const token = crypto.randomBytes(32).toString('hex');
  const plain = JSON.stringify({ token_kind: 'apns', token, timestamp: Math.floor(clock.now() / 1000), ios_app_id: IOS_APP });
  e2ee = {
    pushKey: Buffer.concat([Buffer.from([0x31]), crypto.randomBytes(32)]).toString('base64'),
    sealed: Buffer.from(sodium.crypto_box_seal(Buffer.from(plain), Buffer.from(bouncer.e2eePublicKey, 'base64'))).toString('base64'),
    tokenId: crypto.createHash('sha256').update(token).digest().subarray(0, 8).toString('base64'),
  };
  await zulip.idle();
}, 60_000);

afterAll(async () => {
  await client?.close();
  await zulip?.stop();
  await bouncer?.stop();
});

// ---------------------------------------------------------------------------------------------
// Where the server echoes or logs a field by design: such a field never carries the canary.

const ECHO = {
  token: 'server-and-app.md §G: "Registering push device: <uid> \'<token>\' <kind> \'<ios_app_id>\'", "Sending test push notification to bouncer: {…token…}"',
  appid: 'server-and-app.md §G: the registration log line names the ios_app_id',
  to: 'Zulip\'s send_message errors name the recipient: "Invalid email \'<email>\'", "Channel \'<name>\' does not exist", "Invalid user ID <id>" (push/messages.ts)',
  flag: 'Zulip\'s update_message_flags errors: "Invalid flag: \'<flag>\'", "Flag not editable: \'<flag>\'", "Invalid message flag operation: \'<op>\'" (routes/messages.ts)',
  tokenId: 'server-and-app.md §D.3: /register reports each device\'s push_token_id / pending_push_token_id',
  path: 'bouncer-protocol.md §12: the access-log line names the path (the fake server writes the same line)',
} as const;

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const fcmToken = fc.uint8Array({ minLength: 8, maxLength: 24 }).map((b) => `fcm-${Buffer.from(b).toString('base64url')}:APA91b`);
const known = <T>(value: T, other: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: other });

/** Mostly `user`'s Basic auth; sometimes the bot's (human-only endpoints refuse it), none, or broken ones. */
const userAuth = (user: User) =>
  fc.oneof(
    { weight: 12, arbitrary: basicAuthHeader(auth(user), fc.constantFrom(sentinel.email, 'nobody@example.com', '')) },
    { weight: 1, arbitrary: fc.constant(basicAuth(auth(bot).user, auth(bot).password)) },
  );

function form(method: string, path: string | fc.Arbitrary<string>, params: ParamSpec[], user = fuzzer): EndpointSpec {
  return { method, path, encoding: 'form', auth: userAuth(user), params };
}

function specs(): Record<string, EndpointSpec> {
  const legacyToken = (valid: fc.Arbitrary<string>): ParamSpec => ({ name: 'token', valid, echoed: ECHO.token });
  const apnsToken = legacyToken(fc.oneof(hex64, fc.constantFrom('AB'.repeat(32), 'xyz', '')));
  const androidToken = legacyToken(fc.oneof(fcmToken, fc.constantFrom('', 'x'.repeat(4097))));
  const deviceId = (): ParamSpec => ({ name: 'device_id', valid: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...deviceIds.map(String)) }, { weight: 1, arbitrary: fc.constantFrom(String(sentinelDeviceId), '0', '-1', '1e3', '99999') }) });
  const b64 = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64'));
  const messageIds = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...receivedIds) }, { weight: 1, arbitrary: fc.constantFrom(...sentIds, 0, -1, 2 ** 53) }), { maxLength: 4 });
  return {
    'POST /api/v1/users/me/apns_device_token': form(
      'POST',
      '/api/v1/users/me/apns_device_token',
      [{ name: 'appid', valid: fc.constantFrom(IOS_APP, 'com.zulip.flutter', '; tables --'), echoed: ECHO.appid }, apnsToken],
      registrar,
    ),
    'DELETE /api/v1/users/me/apns_device_token': form('DELETE', '/api/v1/users/me/apns_device_token', [apnsToken], registrar),
    'POST /api/v1/users/me/android_gcm_reg_id': form('POST', '/api/v1/users/me/android_gcm_reg_id', [androidToken], registrar),
    'DELETE /api/v1/users/me/android_gcm_reg_id': form('DELETE', '/api/v1/users/me/android_gcm_reg_id', [androidToken], registrar),
    'POST /api/v1/register_client_device': form('POST', '/api/v1/register_client_device', []),
    'POST /api/v1/remove_client_device': form('POST', '/api/v1/remove_client_device', [deviceId()]),
    'POST /api/v1/mobile_push/register': form('POST', '/api/v1/mobile_push/register', [
      deviceId(),
      { name: 'token_kind', valid: fc.constantFrom('apns', 'apns', 'fcm', 'APNS') },
      { name: 'push_key', valid: known(e2ee.pushKey, fc.oneof(b64(33), b64(32), fc.constant('MQ=='))) },
      { name: 'push_key_id', valid: fc.oneof(fc.nat().map(String), fc.constantFrom('4294967296', '-1')) },
      { name: 'bouncer_public_key', valid: known(bouncer.e2eePublicKey, b64(32)) },
      { name: 'encrypted_push_registration', valid: known(e2ee.sealed, withCanary(fc.base64String({ maxLength: 80 }))) },
      { name: 'token_id', valid: known(e2ee.tokenId, fc.oneof(b64(8), fc.constantFrom('192057', '////////////', 'gAAAAAAAAAA='))), echoed: ECHO.tokenId },
    ]),
    'POST /api/v1/messages': form('POST', '/api/v1/messages', [
      { name: 'type', valid: fc.constantFrom('direct', 'private', 'stream', 'channel', 'huddle') },
      {
        name: 'to',
        valid: fc.oneof(
          fc.constantFrom(sentinel.email, JSON.stringify([sentinel.id]), JSON.stringify([sentinel.email, fuzzer.email]), `${sentinel.email},${fuzzer.email}`, JSON.stringify([sentinel.id, 'x'])),
          fc.constantFrom(...channels, ...channels.map((c) => JSON.stringify(c)), JSON.stringify([channels[0]]), '999999', 'no such channel'),
        ),
        echoed: ECHO.to,
      },
      { name: 'topic', valid: fc.oneof(fc.constantFrom('greetings', ' '), canaryText) },
      // The content: exactly what must never be logged or echoed.
      { name: 'content', valid: fc.oneof(canaryText, fc.constant(`${CANARY} **bold** @**${sentinel.fullName}**`)) },
    ]),
    'POST /api/v1/messages/flags': form('POST', '/api/v1/messages/flags', [
      { name: 'messages', valid: messageIds.map((ids) => JSON.stringify(ids)) },
      { name: 'op', valid: fc.constantFrom('add', 'remove', 'toggle'), echoed: ECHO.flag },
      { name: 'flag', valid: fc.constantFrom('read', 'starred', 'mentioned', 'bogus'), echoed: ECHO.flag },
    ]),
    'DELETE /api/v1/messages/<message_id>': form(
      'DELETE',
      // The path is logged (ECHO.path): no canary in it.
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...sentIds, ...receivedIds).map((id) => `/api/v1/messages/${id}`) }, { weight: 1, arbitrary: fc.constantFrom('0', '-1', '1.5', 'abc', '99999999999999999999', '%20').map((id) => `/api/v1/messages/${id}`) }),
      [],
    ),
    'POST /api/v1/mobile_push/test_notification': form('POST', '/api/v1/mobile_push/test_notification', [legacyToken(fc.oneof(hex64, fcmToken))]),
    'POST /api/v1/mobile_push/e2ee/test_notification': form('POST', '/api/v1/mobile_push/e2ee/test_notification', [deviceId()]),
    'POST /api/v1/register': form(
      'POST',
      '/api/v1/register',
      [
        { name: 'event_types', valid: fc.constantFrom('["device"]', '[]', 'null') },
        { name: 'apply_markdown', valid: fc.constantFrom('true', 'false') },
        { name: 'client_capabilities', valid: jsonish().map((v) => JSON.stringify(v) ?? '{}') },
      ],
      reader,
    ),
    'GET /api/v1/server_settings': { method: 'GET', path: '/api/v1/server_settings', encoding: 'form', auth: fc.option(userAuth(reader), { nil: undefined }), params: [] },
  };
}

/** In an order where no endpoint's fuzzing removes what a later one needs (devices, messages). */
const ROUTES = [
  'POST /api/v1/users/me/apns_device_token',
  'DELETE /api/v1/users/me/apns_device_token',
  'POST /api/v1/users/me/android_gcm_reg_id',
  'DELETE /api/v1/users/me/android_gcm_reg_id',
  'POST /api/v1/register_client_device',
  'POST /api/v1/mobile_push/register',
  'POST /api/v1/mobile_push/e2ee/test_notification',
  'POST /api/v1/mobile_push/test_notification',
  'POST /api/v1/remove_client_device',
  'POST /api/v1/messages',
  'POST /api/v1/messages/flags',
  'DELETE /api/v1/messages/<message_id>',
  'POST /api/v1/register',
  'GET /api/v1/server_settings',
];

describe('fake Zulip server fuzzing', () => {
  it('covers every device, message and snapshot route', () => {
    expect(Object.keys(specs()).sort()).toEqual([...ROUTES].sort());
  });

  for (const route of ROUTES) {
    it(
      `${route}: ${fuzzSettings().runs} fuzzed requests, each answered in Zulip's envelope, no canary echoed or logged`,
      async () => {
        await fuzz({
          name: `${route}:`,
          testFile: FILE,
          arbitrary: zulipCase(specs()[route]!),
          logs,
          // Registrations and pushes go on to the bouncer from the server's queue, after the answer.
          settle: () => zulip.idle(),
          run: async (c) => {
            const res = await client.send(c);
            return answerLabel(res, assertZulipEnvelope(res, c.method)?.msg);
          },
        });
      },
      180_000,
    );
  }

  it('still serves afterwards, and the registrations made before are still there', async () => {
    const snapshot = await call('POST', '/api/v1/register', sentinel);
    expect(snapshot.status).toBe(200);
    expect(Object.keys(snapshot.body.devices as object)).toContain(String(sentinelDeviceId));
    // The sentinel's legacy phones: still registered here and at the bouncer.
    const rows = bouncer.query<{ token: string }>('SELECT token FROM remote_push_device_token');
    expect(rows.map((r) => r.token)).toEqual(expect.arrayContaining([sentinelTokens.apns, sentinelTokens.fcm]));
    // A message still goes out, and its pushes reach the bouncer for both phones.
    const sent = await call('POST', '/api/v1/messages', fuzzer, { type: 'direct', to: sentinel.email, content: 'still here' });
    expect(sent.status).toBe(200);
    await zulip.idle();
    const notify = bouncer.logLines().filter((l) => /Sending mobile push notifications for remote user/.test(l.msg)).at(-1);
    expect(notify?.msg).toMatch(/1 via FCM devices, 1 via APNs devices/);
  });
});
