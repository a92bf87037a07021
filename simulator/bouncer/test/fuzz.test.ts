/**
 * Fuzzing every bouncer endpoint under /api/v1/remotes/ (routes/index.ts) with fast-check:
 * ZPG_FUZZ_RUNS (default 1000) generated requests each — random methods, content types, form
 * and JSON bodies with parameters missing, repeated, mistyped, huge or Unicode, invalid JSON,
 * JSON of the wrong shape, garbage bytes, and valid/invalid/malformed credentials (mostly a
 * registered server's, so validation past authentication runs). For every request:
 *   - never a 5xx, always Zulip's envelope (bouncer-protocol.md §1.3; 405 per app.ts);
 *   - the canary planted in the input never comes back and never reaches a log — the bouncer's
 *     nor the mock APNs'/FCM's it delivers to (fields echoed by design carry no canary; each
 *     is marked `echoed` below with the spec line that says so);
 * and afterwards the bouncer still serves and still holds the registrations made before.
 *
 * Replay a failure exactly (the report prints these values):
 *   ZPG_FUZZ_SEED=<seed> ZPG_FUZZ_PATH='<path>' npx jest simulator/bouncer/test/fuzz.test.ts -t '<endpoint>'
 * Another seed or more runs: ZPG_FUZZ_SEED=7 ZPG_FUZZ_RUNS=5000 npx jest simulator/bouncer/test/fuzz.test.ts
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { tempDir } from '../../../harness/testing/temp-dir';
import {
  CANARY,
  LogTap,
  alnumText,
  answerLabel,
  anyText,
  assertZulipEnvelope,
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
import { startMockApns, type MockApnsHandle } from '../../apns';
import { VirtualClock } from '../../core/clock';
import { startMockFcm, type MockFcmHandle } from '../../fcm';
import { startBouncer, type BouncerHandle } from '../index';
import { routes } from '../routes';
import { realmFixture, uploadRealms, type RealmFixture } from './analytics-fixtures';
import { appTokenId } from './e2ee-app';
import { call, registerServer, type ServerIdentity, type TestBouncer } from './support';

const FILE = 'simulator/bouncer/test/fuzz.test.ts';
const FUZZ_TIMEOUT = 180_000;
const IOS_APP = 'org.zulip.Zulip';

let clock: VirtualClock;
let bouncer: BouncerHandle;
let apns: MockApnsHandle;
let fcm: MockFcmHandle;
let client: HttpClient;
let logs: LogTap[];

/** The server most cases authenticate as, its realm, and one user's phones the fuzzer may use. */
let main: ServerIdentity;
let realm: RealmFixture;
const fuzzUser = { uuid: crypto.randomUUID(), id: 17 };
let fuzzApnsToken: string;
let fuzzFcmToken: string;
let fuzzE2ee: { tokenId: string; sealed: string };
/** Registrations made before the fuzzing that it must not lose (their user and tokens are never generated). */
const sentinel = { uuid: crypto.randomUUID(), apnsToken: '', fcmToken: '', e2eeTokenId: '' };
/** Servers the destructive endpoints may wreck: registration (its key in the body), deactivation, analytics. */
let registerVictim: ServerIdentity;
let deactivateVictim: ServerIdentity;
let analyticsVictim: ServerIdentity;

const nowS = () => Math.floor(clock.now() / 1000);

function seal(plaintext: Uint8Array): string {
  return Buffer.from(sodium.crypto_box_seal(plaintext, Buffer.from(bouncer.e2eePublicKey, 'base64'))).toString('base64');
}
const sealJson = (plain: unknown) => seal(Buffer.from(JSON.stringify(plain), 'utf8'));

async function post(path: string, identity: ServerIdentity, opts: { form?: Record<string, string>; json?: unknown }) {
  const res = await call(bouncer, 'POST', path, { ...opts, auth: identity });
  if (res.status !== 200) throw new Error(`setup: ${path} answered ${res.status} ${res.text}`);
  return res;
}

async function registerLegacy(userUuid: string, token: string, kind: 1 | 2) {
  const form: Record<string, string> = { user_uuid: userUuid, realm_uuid: realm.uuid, token, token_kind: String(kind) };
  if (kind === 1) form.ios_app_id = IOS_APP;
  await post('/api/v1/remotes/push/register', main, { form });
}

async function registerE2ee(token: string): Promise<{ tokenId: string; sealed: string }> {
  const sealed = sealJson({ token_kind: 'apns', token, timestamp: nowS(), ios_app_id: IOS_APP });
  const tokenId = appTokenId(token);
  await post('/api/v1/remotes/push/e2ee/register', main, {
    form: { realm_uuid: realm.uuid, token_id: tokenId, encrypted_push_registration: sealed, bouncer_public_key: bouncer.e2eePublicKey },
  });
  return { tokenId, sealed };
}

async function restoreFuzzUser(): Promise<void> {
  await registerLegacy(fuzzUser.uuid, fuzzApnsToken, 1);
  await registerLegacy(fuzzUser.uuid, fuzzFcmToken, 2);
}

limitStackTraces();

beforeAll(async () => {
  await sodium.ready;
  clock = new VirtualClock();
  const dataDir = tempDir('zpg-fuzz-bouncer-');
  const ca = testRunCa();
  [apns, fcm] = await Promise.all([startMockApns({ clock, ca, dataDir, seed: 3 }), startMockFcm({ clock, ca, dataDir, seed: 3 })]);
  const serviceAccount = JSON.parse(fs.readFileSync(fcm.serviceAccountFile, 'utf8'));
  bouncer = await startBouncer({
    clock,
    dataDir,
    database: 'memory',
    rateLimit: false,
    transferVerifyLimit: false,
    logLevel: 'debug',
    apns: { url: apns.url, caPem: ca.certPem, teamId: apns.teamId, keyId: apns.keyId, keyPem: fs.readFileSync(apns.keyFile, 'utf8') },
    fcm: { url: fcm.tlsUrl, caPem: ca.certPem, serviceAccount: { ...serviceAccount, token_uri: fcm.tlsTokenUri } },
  });
  client = httpClient(bouncer.url);
  logs = [new LogTap('bouncer', bouncer.logFile), new LogTap('mock APNs', apns.logFile), new LogTap('mock FCM', fcm.logFile)];

  main = await registerServer(bouncer);
  realm = realmFixture();
  const uploaded = await uploadRealms(bouncer as TestBouncer, main, [{ realm, roles: { members: 3 }, auditId: 1 }]);
  if (uploaded.status !== 200) throw new Error(`setup: realm upload ${uploaded.status} ${uploaded.text}`);
  [registerVictim, deactivateVictim, analyticsVictim] = await Promise.all([registerServer(bouncer), registerServer(bouncer), registerServer(bouncer)]);

  fuzzApnsToken = apns.createDevice(IOS_APP).token;
  fuzzFcmToken = fcm.createDevice().token;
  await restoreFuzzUser();
  fuzzE2ee = await registerE2ee(apns.createDevice(IOS_APP).token);

  sentinel.apnsToken = apns.createDevice(IOS_APP).token;
  sentinel.fcmToken = fcm.createDevice().token;
  await registerLegacy(sentinel.uuid, sentinel.apnsToken, 1);
  await registerLegacy(sentinel.uuid, sentinel.fcmToken, 2);
  sentinel.e2eeTokenId = (await registerE2ee(apns.createDevice(IOS_APP).token)).tokenId;
}, 60_000);

afterAll(async () => {
  await client?.close();
  await bouncer?.stop();
  await Promise.all([apns?.stop(), fcm?.stop()]);
});

// ---------------------------------------------------------------------------------------------
// Values

const digits = fc.integer({ min: -5, max: 100 }).map(String);
/** A 64-character org key; sometimes with the canary inside (keys are secrets, never echoed). */
const orgKey = fc.oneof(alnumText(64), alnumText(48).map((s) => CANARY + s));
const hexToken = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')), fc.constantFrom('ab', 'AB'.repeat(32)));
const hostnames = () => fc.oneof(fc.constantFrom(main.hostname, registerVictim.hostname, 'localhost', '127.0.0.1', '[::1]:8443', 'zulip.example.com:443'), fc.nat(999).map((n) => `fuzz-${n}.example.net`));

/** Who else the Authorization header may claim to be (echoed by auth errors, §2: never the canary). */
const otherRoles = fc.oneof(fc.uuid().map(String), fc.constantFrom('admin@example.com', '', 'not-a-uuid', '6CDE5F7A-1F7E-4978-9716-49F69EBFC9FE'), anyText);
const authAs = (s: ServerIdentity) => basicAuthHeader({ user: s.uuid, password: s.key }, otherRoles);

// Echo-by-design citations (bouncer-protocol.md). A field marked with one never carries the canary.
const ECHO = {
  hostname: '§3.1 step 2/6, §3.3 step 1: "<hostname> is not a valid hostname", "A server with hostname <h> already exists", "<hostname> not yet registered"',
  hostnameLogged: '§3.3 step 3: INFO "verify_registration_transfer:host:<hostname>|…"',
  email: '§3.1 step 3: "<domain> does not exist" / "… does not have any MX records"',
  orgId: '§3.1 step 5: "key does not match role <zulip_org_id>" plus a "role" field',
  token: '§7.1–7.3, §12: device tokens are logged ("FCM: Sent message with ID: <id> to <token>", "APNs: … to device <token>")',
  tokenList: '§5.1 step 11: listed tokens come back in deleted_devices',
  iosAppId: '§7.2: the APNs topic is the device\'s ios_app_id; the mock APNs logs every topic (apns/record.ts grammar)',
  userUuid: '§5.1 step 6: "Sending mobile push notifications for remote user <server uuid>:<identity>", identity <uuid:…>',
  realmUuid: '§4, §6.2 step 1: INFO "<path>: Received request for unknown realm <realm_uuid>, server <id>"',
  gcmOptions: '§7.1: "Invalid GCM option to bouncer: priority \'<p>\'" / "Invalid GCM options to bouncer: <json>"',
  tokenId: '§6.3 step 4: requested token ids that match no live device come back in delete_token_ids',
  jsonKeys: '§1.4: "Argument \\"<key>\\" at <var_name> is unexpected" (strict models echo unknown keys)',
} as const;

// ---------------------------------------------------------------------------------------------
// Endpoint specs, one per route of routes/index.ts

const userId: ParamSpec = { name: 'user_id', valid: fc.constantFrom(String(fuzzUser.id), '0', '10'), validJson: fc.constantFrom(fuzzUser.id, null) };
const known = <T>(value: T, other: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: other });
const userUuid = (): ParamSpec => ({ name: 'user_uuid', valid: known(fuzzUser.uuid, fc.uuid().map(String)), echoed: ECHO.userUuid });
const realmUuid = (): ParamSpec => ({ name: 'realm_uuid', valid: known(realm.uuid, fc.uuid().map(String)), echoed: ECHO.realmUuid });
const legacyToken = (): ParamSpec => ({ name: 'token', valid: fc.oneof(fc.constantFrom(fuzzApnsToken, fuzzFcmToken), hexToken), echoed: ECHO.token });
const tokenKind: ParamSpec = { name: 'token_kind', valid: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('1', '2') }, { weight: 1, arbitrary: fc.constantFrom('3', '-1', '2.0') }), validJson: fc.constantFrom(1, 2) };
const iosAppId: ParamSpec = { name: 'ios_app_id', valid: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(IOS_APP, 'com.zulip.flutter') }, { weight: 1, arbitrary: fc.constant('; tables --') }), echoed: ECHO.iosAppId };

/** Message content as a Zulip server sends it: the canary is the content that must never be logged. */
const gcmPayload = () =>
  fc.oneof(
    fc.record({
      event: fc.constantFrom('message', 'test'),
      zulip_message_id: fc.nat(),
      time: fc.constant(nowS()),
      content: canaryText,
      sender_full_name: canaryText,
      realm_name: canaryText,
      user_id: fc.constant(fuzzUser.id),
    }),
    fc.record({ event: fc.constant('remove'), zulip_message_ids: fc.oneof(fc.array(fc.nat(300), { maxLength: 300 }).map((a) => a.join(',')), canaryText) }),
    jsonish().filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
  );
const apnsPayload = () =>
  fc.oneof(
    fc.record({
      alert: fc.record({ title: canaryText, subtitle: canaryText, body: canaryText }),
      sound: fc.constant('default'),
      badge: fc.nat(5),
      custom: fc.record({ zulip: fc.record({ message_ids: fc.array(fc.nat(), { maxLength: 3 }), sender_email: canaryText, time: fc.constant(nowS()) }) }),
    }),
    fc.record({ badge: fc.constant(0), custom: fc.record({ zulip: fc.record({ event: fc.constant('remove'), zulip_message_ids: fc.constantFrom('1,2,3', '') }) }) }),
    jsonish().filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
  );

/** A PushRegistration plaintext (§6.1) for the sealed box: mostly plausible, sometimes not JSON at all. */
const sealedRegistration = () => {
  const plain = fc.record(
    {
      token_kind: fc.oneof(fc.constantFrom('apns', 'fcm', 'xyz', 1), jsonish({ canary: false })),
      token: fc.oneof(hexToken, fc.constant(fuzzApnsToken), anyText),
      ios_app_id: fc.oneof(fc.constantFrom(IOS_APP, null, '; tables --'), anyText),
      timestamp: fc.oneof(fc.constantFrom(nowS(), nowS() - 2 * 86400, nowS() + 3600, '1', 1.5, null), fc.integer()),
      extra: canaryText,
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 4, arbitrary: plain.map(sealJson) },
    { weight: 1, arbitrary: fc.oneof(canaryText, fc.uint8Array({ maxLength: 64 }).map((b) => String.fromCharCode(...b))).map((s) => seal(Buffer.from(s, 'utf8'))) },
    { weight: 1, arbitrary: withCanary(fc.base64String({ maxLength: 120 })) },
  );
};

/** A push request of §6.3 (12.x): APNs- or FCM-shaped, the content only in encrypted_data / aps. */
const pushRequest = () => {
  const tokenId = fc.oneof(
    { weight: 6, arbitrary: fc.constant(fuzzE2ee.tokenId) },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('base64')) },
    { weight: 1, arbitrary: anyText },
    { weight: 1, arbitrary: jsonish({ canary: false }) },
  );
  const payload = fc.record(
    { push_key_id: fc.oneof(fc.nat(), jsonish()), encrypted_data: fc.oneof(canaryText, jsonish()), aps: fc.oneof(jsonish(), fc.record({ alert: fc.record({ title: canaryText }) })) },
    { requiredKeys: [] },
  );
  const apnsShaped = fc.record(
    { token_id: tokenId, http_headers: fc.oneof(fc.record({ apns_priority: fc.constantFrom(10, 5, 1, 7), apns_push_type: fc.constantFrom('alert', 'background', 'voip', 'nope') }), jsonish()), payload },
    { requiredKeys: ['token_id', 'payload'] },
  );
  const fcmShaped = fc.record({ token_id: tokenId, fcm_priority: fc.oneof(fc.constantFrom('high', 'normal', 'HIGH'), jsonish()), payload }, { requiredKeys: ['token_id', 'payload'] });
  // Mostly what a Zulip server sends (to the fuzz user's APNs device), so delivery runs.
  const wellFormed = fc.record({
    token_id: fc.constant(fuzzE2ee.tokenId),
    http_headers: fc.record({ apns_priority: fc.constantFrom(10, 5), apns_push_type: fc.constantFrom('alert', 'background') }),
    payload: fc.record({ push_key_id: fc.nat(), encrypted_data: canaryText, aps: fc.record({ alert: fc.record({ title: canaryText }) }) }, { requiredKeys: ['push_key_id', 'encrypted_data'] }),
  });
  return fc.oneof({ weight: 6, arbitrary: wellFormed }, { weight: 3, arbitrary: fc.oneof(apnsShaped, fcmShaped) }, { weight: 1, arbitrary: jsonish({ canary: false }) });
};

/** An analytics row list (§10.2): plausible rows, each field sometimes of another type. */
const rows = (fields: Record<string, fc.Arbitrary<unknown>>) => {
  const clean = fc.record(fields);
  const broken = fc.record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: jsonish() })])), { requiredKeys: [] });
  return fc.array(fc.oneof({ weight: 12, arbitrary: clean }, { weight: 1, arbitrary: broken }), { maxLength: 3 });
};
/** Row ids: they must grow from upload to upload, so most are large (and many uploads still come out of order). */
const rowId = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 2 ** 31 }) }, { weight: 1, arbitrary: fc.nat(50) });
// `property` is echoed ("Invalid property <property>", §10.2 step 2): never the canary.
const property = fc.oneof(fc.constantFrom('messages_read::hour', 'active_users_audit:is_bot:day', 'mobile_pushes_received::day', 'invites_sent::day'), anyText);
const realmRow = () => {
  const fields = {
      id: fc.integer({ min: 1, max: 5 }),
      host: canaryText,
      url: canaryText,
      name: canaryText,
      org_type: fc.constantFrom(0, 10, 1000, 10, 11),
      date_created: fc.double({ noNaN: true, noDefaultInfinity: true }),
      deactivated: fc.boolean(),
      is_system_bot_realm: fc.boolean(),
      // Keys of authentication_methods appear in error var_names (§1.4): never the canary.
      authentication_methods: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: jsonish({ canary: false }) }), { maxKeys: 3 }),
      uuid: fc.oneof({ weight: 6, arbitrary: fc.uuid({ version: 4 }).map(String) }, { weight: 1, arbitrary: fc.constant(realm.uuid) }, { weight: 1, arbitrary: anyText }),
      uuid_owner_secret: canaryText,
  };
  return fc.oneof({ weight: 8, arbitrary: fc.record(fields) }, { weight: 1, arbitrary: fc.record(fields, { requiredKeys: ['id', 'uuid'] }) });
};

const jsonParam = (name: string, validJson: fc.Arbitrary<unknown>, echoed?: string): ParamSpec => ({
  name,
  valid: validJson.map((v) => JSON.stringify(v) ?? 'null'),
  validJson,
  echoed,
});

function specs(): Record<string, EndpointSpec> {
  const none = fc.oneof({ weight: 8, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: authAs(main) });
  return {
    '/api/v1/remotes/server/register': {
      method: 'POST',
      path: '/api/v1/remotes/server/register',
      encoding: 'form',
      auth: none,
      params: [
        { name: 'zulip_org_id', valid: fc.oneof(fc.constant(registerVictim.uuid), fc.uuid({ version: 4 }).map(String)), echoed: ECHO.orgId },
        { name: 'zulip_org_key', valid: fc.oneof(fc.constant(registerVictim.key), orgKey) },
        { name: 'hostname', valid: hostnames(), echoed: ECHO.hostname },
        { name: 'contact_email', valid: fc.constantFrom('admin@zulip.com', 'admin@example.com', 'x@mailnator.com', 'a@b'), echoed: ECHO.email },
        { name: 'new_org_key', valid: orgKey },
      ],
    },
    '/api/v1/remotes/server/deactivate': { method: 'POST', path: '/api/v1/remotes/server/deactivate', encoding: 'json', auth: authAs(deactivateVictim), params: [] },
    '/api/v1/remotes/server/register/transfer': {
      method: 'POST',
      path: '/api/v1/remotes/server/register/transfer',
      encoding: 'form',
      auth: none,
      params: [{ name: 'hostname', valid: hostnames(), echoed: ECHO.hostname }],
    },
    '/api/v1/remotes/server/register/verify_challenge': {
      method: 'POST',
      path: '/api/v1/remotes/server/register/verify_challenge',
      encoding: 'form',
      auth: none,
      params: [
        { name: 'hostname', valid: hostnames(), echoed: ECHO.hostnameLogged },
        { name: 'access_token', valid: fc.oneof(fc.base64String({ minLength: 43, maxLength: 44 }), canaryText) },
      ],
    },
    '/api/v1/remotes/server/analytics/status': { method: 'GET', path: '/api/v1/remotes/server/analytics/status', encoding: 'form', auth: authAs(main), params: [] },
    '/api/v1/remotes/server/analytics': {
      method: 'POST',
      path: '/api/v1/remotes/server/analytics',
      encoding: 'json-form',
      auth: authAs(analyticsVictim),
      params: [
        jsonParam('realm_counts', rows({ property, realm: fc.nat(5), id: rowId, end_time: fc.double({ noNaN: true, noDefaultInfinity: true }), subgroup: fc.option(canaryText), value: fc.integer() })),
        jsonParam('installation_counts', rows({ property, id: rowId, end_time: fc.integer(), subgroup: fc.option(canaryText), value: fc.integer() })),
        jsonParam(
          'realmauditlog_rows',
          rows({
            id: rowId,
            realm: fc.nat(5),
            event_time: fc.integer(),
            backfilled: fc.boolean(),
            extra_data: fc.oneof(canaryText, fc.dictionary(fc.string({ maxLength: 6 }), jsonish()), fc.constant(null), jsonish().map((v) => JSON.stringify({ '10': { '11': v } }))),
            event_type: fc.constantFrom(101, 105, 201, 229, 999),
          }),
        ),
        jsonParam('realms', fc.array(realmRow(), { maxLength: 2 })),
        jsonParam('version', canaryText),
        jsonParam('merge_base', canaryText),
        jsonParam('api_feature_level', fc.oneof({ weight: 8, arbitrary: fc.nat(500) }, { weight: 1, arbitrary: fc.constant(2 ** 60) })),
      ],
    },
    '/api/v1/remotes/push/register': {
      method: 'POST',
      path: '/api/v1/remotes/push/register',
      encoding: 'form',
      auth: authAs(main),
      params: [userId, userUuid(), realmUuid(), legacyToken(), tokenKind, iosAppId],
    },
    '/api/v1/remotes/push/unregister': {
      method: 'POST',
      path: '/api/v1/remotes/push/unregister',
      encoding: 'form',
      auth: authAs(main),
      params: [legacyToken(), tokenKind, userId, userUuid(), realmUuid()],
    },
    '/api/v1/remotes/push/unregister/all': { method: 'POST', path: '/api/v1/remotes/push/unregister/all', encoding: 'form', auth: authAs(main), params: [userId, userUuid(), realmUuid()] },
    '/api/v1/remotes/push/notify': {
      method: 'POST',
      path: '/api/v1/remotes/push/notify',
      encoding: 'json',
      auth: authAs(main),
      params: [
        userId,
        { ...userUuid(), validJson: fc.constantFrom(fuzzUser.uuid, null) },
        { ...realmUuid(), validJson: fc.constantFrom(realm.uuid, null) },
        { name: 'gcm_payload', valid: fc.constant('{}'), validJson: gcmPayload() },
        { name: 'apns_payload', valid: fc.constant('{}'), validJson: apnsPayload() },
        { name: 'gcm_options', valid: fc.constant('{}'), validJson: fc.oneof(fc.record({ priority: fc.constantFrom('high', 'normal', 'low') }), fc.constant({})), echoed: ECHO.gcmOptions },
        { name: 'android_devices', valid: fc.constant('[]'), validJson: fc.array(fc.constantFrom(fuzzFcmToken, 'gone-token'), { maxLength: 2 }), echoed: ECHO.tokenList },
        { name: 'apple_devices', valid: fc.constant('[]'), validJson: fc.array(fc.constantFrom(fuzzApnsToken, fuzzApnsToken.toUpperCase(), 'ab'.repeat(32)), { maxLength: 2 }), echoed: ECHO.tokenList },
      ],
    },
    '/api/v1/remotes/push/test_notification': {
      method: 'POST',
      path: '/api/v1/remotes/push/test_notification',
      encoding: 'json',
      auth: authAs(main),
      params: [
        { ...legacyToken(), validJson: fc.constantFrom(fuzzApnsToken, fuzzFcmToken, fuzzApnsToken.toUpperCase()) },
        tokenKind,
        { ...userId, validJson: fc.constant(fuzzUser.id) },
        { ...userUuid(), validJson: fc.constant(fuzzUser.uuid) },
        { ...realmUuid(), validJson: fc.constantFrom(realm.uuid, null) },
        {
          name: 'base_payload',
          valid: fc.constant('{}'),
          validJson: fc.record(
            { server: canaryText, realm_id: fc.nat(), realm_uri: canaryText, realm_url: canaryText, realm_name: canaryText, user_id: fc.constant(fuzzUser.id) },
            { requiredKeys: [] },
          ),
        },
      ],
    },
    '/api/v1/remotes/push/e2ee/register': {
      method: 'POST',
      path: '/api/v1/remotes/push/e2ee/register',
      encoding: 'form',
      auth: authAs(main),
      params: [
        realmUuid(),
        { name: 'token_id', valid: fc.oneof(fc.constant(fuzzE2ee.tokenId), fc.constantFrom('192057', 'AAAAAAAAAAA=', '////////////')) },
        { name: 'encrypted_push_registration', valid: fc.oneof(fc.constant(fuzzE2ee.sealed), sealedRegistration()) },
        { name: 'bouncer_public_key', valid: known(bouncer.e2eePublicKey, fc.constantFrom(Buffer.alloc(32).toString('base64'), 'AAAA')) },
      ],
    },
    '/api/v1/remotes/push/e2ee/notify': {
      method: 'POST',
      path: '/api/v1/remotes/push/e2ee/notify',
      encoding: 'json',
      auth: authAs(main),
      params: [
        { ...realmUuid(), validJson: fc.constant(realm.uuid) },
        { name: 'push_requests', valid: fc.constant('[]'), validJson: fc.array(pushRequest(), { maxLength: 3 }), echoed: ECHO.tokenId },
      ],
    },
  };
}

// Strict (extra="forbid") JSON models echo unknown keys; keys never carry the canary (fuzz.ts fieldName), see ECHO.jsonKeys.

// ---------------------------------------------------------------------------------------------

describe('bouncer fuzzing', () => {
  it('covers every /api/v1/remotes/ route of routes/index.ts', () => {
    expect(Object.keys(specs()).sort()).toEqual(routes.map((r) => r.path).sort());
  });

  for (const path of routes.map((r) => r.path)) {
    it(
      `${path}: ${fuzzSettings().runs} fuzzed requests, each answered in Zulip's envelope, no canary echoed or logged`,
      async () => {
        // The fuzz user's phones, again: an earlier endpoint's fuzzing (unregister/all…) may have removed them.
        await restoreFuzzUser();
        const spec = specs()[path]!;
        await fuzz({
          name: `${path}:`,
          testFile: FILE,
          arbitrary: zulipCase(spec),
          logs,
          run: async (c) => {
            const res = await client.send(c);
            return answerLabel(res, assertZulipEnvelope(res, c.method)?.msg);
          },
        });
      },
      FUZZ_TIMEOUT,
    );
  }

  it('still serves afterwards and still holds the registrations made before', async () => {
    // The server and its realm: authenticated, unchanged.
    const status = await call(bouncer, 'GET', '/api/v1/remotes/server/analytics/status', { auth: main });
    expect(status.status).toBe(200);
    const [row] = bouncer.query<{ hostname: string; deactivated: number }>('SELECT hostname, deactivated FROM remote_zulip_server WHERE uuid = ?', main.uuid);
    expect(row).toEqual({ hostname: main.hostname, deactivated: 0 });

    // The sentinel's legacy phones: both still registered and both reached.
    const notify = await call(bouncer, 'POST', '/api/v1/remotes/push/notify', {
      auth: main,
      json: { user_uuid: sentinel.uuid, realm_uuid: realm.uuid, gcm_payload: { event: 'message', content: 'still here' }, apns_payload: { alert: { body: 'still here' } }, gcm_options: {}, android_devices: [sentinel.fcmToken], apple_devices: [sentinel.apnsToken] },
    });
    expect(notify.status).toBe(200);
    expect(notify.body).toMatchObject({ total_android_devices: 1, total_apple_devices: 1, deleted_devices: { android_devices: [], apple_devices: [] } });

    // The sentinel's E2EE device: still live.
    const e2ee = await call(bouncer, 'POST', '/api/v1/remotes/push/e2ee/notify', {
      auth: main,
      json: {
        realm_uuid: realm.uuid,
        push_requests: [{ token_id: sentinel.e2eeTokenId, http_headers: { apns_priority: 10, apns_push_type: 'alert' }, payload: { push_key_id: 1, encrypted_data: 'AAAA' } }],
      },
    });
    expect(e2ee.status).toBe(200);
    expect(e2ee.body).toMatchObject({ apple_successfully_sent_count: 1, delete_token_ids: [] });

    // A new server can still register.
    const fresh = await call(bouncer, 'POST', '/api/v1/remotes/server/register', {
      form: { zulip_org_id: crypto.randomUUID(), zulip_org_key: 'k'.repeat(64), hostname: `after-fuzz-${process.pid}.example.net`, contact_email: 'admin@zulip.com' },
    });
    expect(fresh.body).toEqual({ result: 'success', msg: '', created: true });
  });
});
