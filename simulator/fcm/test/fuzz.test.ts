/**
 * Fuzzing the mock FCM with fast-check: ZPG_FUZZ_RUNS (default 1000) requests each to
 * `POST /v1/projects/<p>/messages:send` and to the OAuth `POST /token`, over plain HTTP and
 * HTTP/2 + TLS — messages built from the HTTP v1 schema (message-schema.ts) with every field
 * right, mistyped, unknown or doubled, any JSON, garbage bytes; good, foreign, under-scoped and
 * forged credentials and assertions. Each answer:
 *   - never a 5xx;
 *   - messages:send: 200 `{"name": "projects/<p>/messages/<id>"}` or google.rpc.Status
 *     `{"error": {"code": <the HTTP status>, "message", "status": <canonical code>, "details"?}}`
 *     (providers.md §A2 "Errors"); another method or path: Google's HTML 404 (outcome.ts);
 *   - /token: `{"access_token","expires_in","token_type"}` or OAuth's `{"error","error_description"}`
 *     (providers.md §A2 "OAuth2 service-account flow": 400 `{"error":"invalid_grant", …}`);
 *   - the canary planted in the input never comes back and never reaches the mock's log.
 * Echoed by design, so never planted: values the proto-JSON parser refuses ("Invalid value at
 * 'message.data[0].value' (TYPE_STRING), 12", providers.md §A2) — the canary goes only into
 * well-typed string fields —; data keys ("Invalid data payload key: <key>"); unknown field names;
 * the project (IAM's "…/projects/<p>' (or it may not exist)") and the path (the HTML 404); the
 * registration token (logged: send.ts logFields); grant_type ("Invalid grant_type: <g>") and the
 * assertion's iss and scope (logged: token-route.ts).
 * Afterwards the mock still sends, and the devices registered before are all still there.
 *
 * Replay a failure exactly (the report prints these values):
 *   ZPG_FUZZ_SEED=<seed> ZPG_FUZZ_PATH='<path>' npx jest simulator/fcm/test/fuzz.test.ts -t '<endpoint>'
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fc from 'fast-check';
import {
  CANARY,
  FORM,
  JSON_TYPE,
  LogTap,
  asciiText,
  assertNo5xx,
  assertNoEcho,
  canaryText,
  contentType,
  fail,
  fieldName,
  fuzz,
  fuzzSettings,
  garbageBytes,
  h2Client,
  httpClient,
  jsonish,
  limitStackTraces,
  methodFor,
  oddJsonText,
  parseJsonObject,
  shortText,
  testRunCa,
  withCanary,
  type H2Client,
  type HttpClient,
  type HttpResponse,
} from '../../../harness/testing/fuzz';
import { tempDir } from '../../../harness/testing/temp-dir';
import { VirtualClock } from '../../core/clock';
import { startMockFcm, type MockFcmHandle, type ServiceAccountJson } from '../index';
import { canonicalStatus } from '../errors';
import { MESSAGE, jsonName, type FieldType, type MessageSchema } from '../message-schema';
import { JWT_BEARER_GRANT } from '../oauth';
import { SEND_PATH } from '../send';

const FILE = 'simulator/fcm/test/fuzz.test.ts';
const SEND = 'POST /v1/projects/<p>/messages:send';
const TOKEN = 'POST /token';
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

let fcm: MockFcmHandle;
let clock: VirtualClock;
let http: HttpClient;
let h2: H2Client;
let log: LogTap;
let sa: ServiceAccountJson;
const OTHER_PROJECT = 'fuzz-other-project';
/** Access tokens: the default project's, another project's, one without an FCM scope. */
const bearer = { good: '', otherProject: '', noScope: '' };
/** Registration tokens the fuzzer sends to: live, of another project, uninstalled. */
const devices = { live: '', otherProject: '', gone: '' };
/** A device no fuzzed request names: still there, and reachable, afterwards. */
let sentinel = '';

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
/** An assertion as google-auth-library signs it (RS256 with the service account's key); header and claims overridable. */
function assertion(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256' }): string {
  const signingInput = `${b64url(header)}.${b64url(claims)}`;
  return `${signingInput}.${crypto.sign('RSA-SHA256', Buffer.from(signingInput), sa.private_key).toString('base64url')}`;
}
const nowS = () => Math.floor(clock.now() / 1000);
const grant = (claims: Record<string, unknown>) => new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: assertion(claims) }).toString();

async function tokenFor(body: string): Promise<string> {
  const res = await http.send({ method: 'POST', path: '/token', query: [], headers: [['content-type', FORM]], body });
  if (res.status !== 200) throw new Error(`setup: /token answered ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { access_token: string }).access_token;
}

limitStackTraces();

beforeAll(async () => {
  clock = new VirtualClock();
  fcm = await startMockFcm({ clock, ca: testRunCa(), dataDir: tempDir('zpg-fuzz-fcm-'), seed: 9, logLevel: 'debug' });
  http = httpClient(fcm.url);
  h2 = await h2Client(fcm.tlsUrl, fcm.caCertPem);
  log = new LogTap('mock FCM', fcm.logFile);
  sa = JSON.parse(fs.readFileSync(fcm.serviceAccountFile, 'utf8')) as ServiceAccountJson;
  const other = await fcm.addProject(OTHER_PROJECT);
  const otherSa = JSON.parse(fs.readFileSync(other.serviceAccountFile, 'utf8')) as ServiceAccountJson;

  const claims = { iss: sa.client_email, scope: FCM_SCOPE, aud: fcm.tokenUri, iat: nowS(), exp: nowS() + 3600 };
  bearer.good = await tokenFor(grant(claims));
  bearer.noScope = await tokenFor(grant({ ...claims, scope: 'https://www.googleapis.com/auth/userinfo.email' }));
  const otherInput = `${b64url({ alg: 'RS256' })}.${b64url({ ...claims, iss: otherSa.client_email })}`;
  bearer.otherProject = await tokenFor(
    new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: `${otherInput}.${crypto.sign('RSA-SHA256', Buffer.from(otherInput), otherSa.private_key).toString('base64url')}` }).toString(),
  );

  signedPool = makeSignedPool();
  devices.live = fcm.createDevice().token;
  devices.otherProject = fcm.createDevice(OTHER_PROJECT).token;
  devices.gone = fcm.createDevice().token;
  fcm.unregisterDevice(devices.gone);
  sentinel = fcm.createDevice().token;
}, 60_000);

afterAll(async () => {
  await h2?.close();
  await http?.close();
  await fcm?.stop();
});

// ---------------------------------------------------------------------------------------------
// Transport: plain HTTP mostly, HTTP/2 + TLS sometimes (one handler serves both, router.ts)

interface Request {
  via: 'http' | 'h2';
  method: string;
  path: string;
  headers: [string, string][];
  body: string | Uint8Array | undefined;
}

async function send(r: Request): Promise<HttpResponse> {
  const body = r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body;
  if (r.via === 'http') return http.send({ method: r.method, path: r.path, query: [], headers: r.headers, body });
  // node's HTTP/2 client repeats no single-value header: keep the last.
  const seen = new Map(r.headers.map(([k, v]) => [k, v]));
  return h2.send([[':method', r.method], [':path', r.path], ...seen], body);
}

const via = fc.oneof({ weight: 4, arbitrary: fc.constant<'http' | 'h2'>('http') }, { weight: 1, arbitrary: fc.constant<'http' | 'h2'>('h2') });
const headerValue = (a: fc.Arbitrary<string>) => a.map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());

// ---------------------------------------------------------------------------------------------
// messages:send bodies from the schema

/** A value of a field of `type`: well-typed (strings may carry the canary) or, rarely, another JSON type (no canary: echoed). */
function valueOf(type: FieldType, depth: number, echoed = false): fc.Arbitrary<unknown> {
  const wrong = jsonish({ canary: false, maxDepth: 1 });
  const typed = ((): fc.Arbitrary<unknown> => {
    switch (type.kind) {
      case 'string':
        return echoed ? shortText : canaryText;
      case 'bool':
        return fc.boolean();
      case 'int32':
        return fc.oneof(fc.integer(), fc.constantFrom('12', 2 ** 31, -1));
      case 'float':
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('0.5', 'NaN'));
      case 'enum':
        // A bad enum value is echoed ("Invalid value at …, <value>"): no canary.
        return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...type.values, ...type.values.map((v) => v.toLowerCase())) }, { weight: 1, arbitrary: fc.oneof(shortText, fc.nat(9)) });
      case 'duration':
        return fc.oneof(fc.constantFrom('0s', '3.5s', '86400s', '2419201s', '-1s', '10', '1.0000000001s'), withCanary(shortText));
      case 'timestamp':
        return fc.oneof(fc.constantFrom('2026-01-01T12:00:00Z', '2026-13-01T00:00:00Z', 'now'), withCanary(shortText));
      case 'map':
        // Keys are echoed ("Invalid data payload key: <key>"), values only when ill-typed.
        return fc.dictionary(fc.oneof(fieldName(['event', 'content', 'from', 'google.x', 'gcm.notification.x', 'message_type'])), fc.oneof({ weight: 8, arbitrary: canaryText }, { weight: 1, arbitrary: wrong }), { maxKeys: 4 });
      case 'struct':
        return jsonish().filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
      case 'message':
        return depth > 3 ? fc.constant({}) : messageOf(type.fields, depth + 1);
      case 'repeated':
        return fc.array(valueOf(type.of, depth), { maxLength: 3 });
    }
  })();
  return fc.oneof({ weight: 12, arbitrary: typed }, { weight: 1, arbitrary: wrong });
}

/** A message of `schema`: some fields (proto or JSON names, both sometimes), now and then an unknown one. */
function messageOf(schema: MessageSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  // message.token is logged (send.ts logFields): no canary in it.
  const fields = Object.entries(schema).map(([name, spec]) =>
    fc.option(fc.tuple(fc.constantFrom(name, jsonName(name)), valueOf(spec.type, depth, schema === MESSAGE && name === 'token')), { nil: undefined, freq: 2 }),
  );
  return fc
    .tuple(fc.tuple(...fields), fc.option(fc.tuple(fieldName(), jsonish()), { nil: undefined, freq: 6 }))
    .map(([present, unknown]) => {
      const out: Record<string, unknown> = {};
      for (const f of present) if (f) out[f[0]] = f[1];
      if (unknown && !(unknown[0] in schema)) out[unknown[0]] = unknown[1];
      return out;
    });
}

const sendBody = () => {
  // The recipient: the token is logged (send.ts) and so carries no canary; topic and condition may.
  const target = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(devices.live, devices.live, devices.otherProject, devices.gone, 'not-a-registration-token', '').map((token) => ({ token })) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('news', '/topics/news', 'bad topic!'), withCanary(shortText)).map((topic) => ({ topic })) },
    { weight: 1, arbitrary: withCanary(shortText).map((condition) => ({ condition })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
  // What a Zulip bouncer sends: a data message with the content in data (the canary), Android priority.
  const zulip = fc.record({
    data: fc.dictionary(fc.constantFrom('event', 'content', 'sender_full_name', 'realm_name', 'zulip_message_id'), canaryText, { maxKeys: 5 }),
    android: fc.record({ priority: fc.constantFrom('high', 'normal', 'HIGH') }),
  });
  const message = fc
    .tuple(target, fc.oneof({ weight: 3, arbitrary: zulip }, { weight: 2, arbitrary: messageOf(MESSAGE, 1) }))
    .map(([t, m]) => ({ ...m, ...t }));
  const request = fc.record({ message, validate_only: fc.boolean() }, { requiredKeys: ['message'] });
  return fc.oneof(
    { weight: 14, arbitrary: request.map((r) => JSON.stringify(r)) },
    { weight: 1, arbitrary: jsonish({ keys: ['message', 'validate_only'] }).map((v) => JSON.stringify(v) ?? '') },
    { weight: 1, arbitrary: withCanary(oddJsonText(['message', 'validate_only'])) },
    { weight: 1, arbitrary: garbageBytes },
    { weight: 1, arbitrary: fc.constantFrom('', ' ') },
  );
};

function sendCase(): fc.Arbitrary<Request> {
  // The project is echoed (403 wording, the 404 page): no canary. Project ids are 6–30 of [a-z0-9-].
  const project = fc.oneof(
    { weight: 10, arbitrary: fc.constant(fcm.projectId) },
    { weight: 1, arbitrary: fc.constantFrom(OTHER_PROJECT, 'nope', 'a', 'A-B', 'x'.repeat(40)) },
    { weight: 1, arbitrary: shortText.map((s) => Array.from(Buffer.from(s, 'utf8'), (b) => (/[a-z0-9-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('')) },
  );
  const path = fc.oneof(
    { weight: 12, arbitrary: project.map((p) => `/v1/projects/${p}/messages:send`) },
    { weight: 1, arbitrary: fc.constantFrom('/v1/projects//messages:send', '/v1/projects/x/messages:sendx', '/v1/projects/x/messages', '/fcm/send', '/', '/v1/projects/x/messages:send/', '/v1/projects/%zz/messages:send') },
  );
  const auth = fc.oneof(
    { weight: 12, arbitrary: fc.constant(`Bearer ${bearer.good}`) },
    { weight: 1, arbitrary: fc.constantFrom(`Bearer ${bearer.otherProject}`, `Bearer ${bearer.noScope}`, `bearer ${bearer.good}`, `Bearer  ${bearer.good} `, 'Bearer', 'Basic abc', `Bearer ya29.${'x'.repeat(40)}`) },
    { weight: 1, arbitrary: headerValue(withCanary(asciiText(40))).map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc
    .record({
      via,
      method: methodFor('POST'),
      path,
      auth,
      type: fc.oneof({ weight: 8, arbitrary: fc.constant<string | undefined>(JSON_TYPE) }, { weight: 1, arbitrary: contentType }),
      // x-firebase-client is logged (send.ts logFields): no canary there.
      client: fc.option(fc.constantFrom('fire-admin-node/13.9.0', 'fire-admin-python/6.0.0'), { nil: undefined }),
      // Headers stay under Node's 16 KiB limit: past it, Node's parser answers a bare 431 before the mock sees the request.
      extra: fc.option(fc.tuple(fc.constantFrom('x-goog-api-client', 'x-fuzz', 'accept'), headerValue(withCanary(shortText))), { nil: undefined, freq: 4 }),
      body: fc.option(sendBody(), { nil: undefined, freq: 20 }),
    })
    .map((r) => {
      const headers: [string, string][] = [];
      if (r.type !== undefined) headers.push(['content-type', r.type]);
      if (r.auth !== undefined) headers.push(['authorization', r.auth]);
      if (r.client !== undefined) headers.push(['x-firebase-client', r.client]);
      if (r.extra) headers.push(r.extra);
      return { via: r.via, method: r.method, path: r.path, headers, body: r.body };
    });
}

// ---------------------------------------------------------------------------------------------
// /token bodies

/**
 * Signed assertions, made once (an RS256 signature costs a millisecond): every combination of a
 * good or bad iss, scope, aud, lifetime and header, some carrying the canary in a claim nothing
 * logs. iss and scope are logged (token-route.ts): no canary there.
 */
let signedPool: string[] = [];
function makeSignedPool(): string[] {
  const now = nowS();
  const isses = [sa.client_email, 'nobody@example.iam.gserviceaccount.com', ''];
  const scopes: unknown[] = [FCM_SCOPE, '', 42];
  const auds = [fcm.tokenUri, 'https://oauth2.googleapis.com/token', `https://${CANARY}.example/token`];
  const times: [unknown, unknown][] = [[now, now + 3600], [now - 7200, now - 3600], [now, now + 7200], [String(now), now + 3600], [now + 7200, now + 9000]];
  const headers: Record<string, unknown>[] = [{ alg: 'RS256' }, { alg: 'RS256', kid: sa.private_key_id }, { alg: 'RS256', kid: 'other-kid' }, { alg: 'HS256' }, {}];
  const pool: string[] = [];
  // The good assertion in several spellings, then each field wrong on its own.
  for (const note of [undefined, CANARY]) pool.push(assertion({ iss: isses[0], scope: FCM_SCOPE, aud: auds[0], iat: now, exp: now + 3600, ...(note ? { note } : {}) }));
  for (const iss of isses) for (const scope of scopes) pool.push(assertion({ iss, scope, aud: auds[0], iat: now, exp: now + 3600 }));
  for (const aud of auds) for (const [iat, exp] of times) pool.push(assertion({ iss: isses[0], scope: FCM_SCOPE, aud, iat, exp, note: CANARY }));
  for (const h of headers) pool.push(assertion({ iss: isses[0], scope: FCM_SCOPE, aud: auds[0], iat: now, exp: now + 3600 }, h));
  return pool;
}

function tokenCase(): fc.Arbitrary<Request> {
  const signed = fc.oneof({ weight: 3, arbitrary: fc.constant(signedPool[0]!) }, { weight: 5, arbitrary: fc.constantFrom(...signedPool) });
  const forged = fc.oneof(
    fc.tuple(jsonish(), jsonish(), canaryText).map(([h, c, s]) => `${b64url(h)}.${b64url(c)}.${b64url(s)}`),
    signed.map((a) => `${a.slice(0, -6)}AAAAAA`),
    signed.map((a) => a.split('.').slice(0, 2).join('.')),
    canaryText,
  );
  const assertionValue = fc.oneof({ weight: 6, arbitrary: signed }, { weight: 3, arbitrary: forged });
  const grantType = fc.oneof({ weight: 10, arbitrary: fc.constant(JWT_BEARER_GRANT) }, { weight: 1, arbitrary: fc.constantFrom('client_credentials', '', 'urn:ietf:params:oauth:grant-type:JWT-BEARER') }, { weight: 1, arbitrary: shortText });
  const form = fc
    .tuple(
      fc.option(grantType, { nil: undefined, freq: 12 }),
      fc.option(assertionValue, { nil: undefined, freq: 12 }),
      fc.option(fc.tuple(fc.constantFrom('scope', 'client_id', 'assertion', 'x'), canaryText), { nil: undefined, freq: 4 }),
    )
    .map(([g, a, extra]) => {
      const pairs: [string, string][] = [];
      if (g !== undefined) pairs.push(['grant_type', g]);
      if (a !== undefined) pairs.push(['assertion', a]);
      // A repeated grant_type would be echoed; the extra pair never names it.
      if (extra) pairs.push(extra);
      return new URLSearchParams(pairs).toString();
    });
  return fc
    .record({
      via,
      method: methodFor('POST'),
      path: fc.oneof({ weight: 12, arbitrary: fc.constant('/token') }, { weight: 1, arbitrary: fc.constantFrom('/token/', '/oauth2/v4/token', '/token?x=1') }),
      type: fc.oneof({ weight: 8, arbitrary: fc.constant<string | undefined>(FORM) }, { weight: 1, arbitrary: contentType }),
      // A body that is not form-encoded is still read as a form: its text becomes names and values, so no canary.
      body: fc.oneof({ weight: 12, arbitrary: form }, { weight: 1, arbitrary: fc.oneof(jsonish({ canary: false }).map((v) => JSON.stringify(v) ?? ''), fc.uint8Array({ maxLength: 64 })) }),
    })
    .map((r) => ({ via: r.via, method: r.method, path: r.path, headers: r.type === undefined ? [] : [['content-type', r.type]], body: r.body }));
}

// ---------------------------------------------------------------------------------------------
// Answers

const isHtml404 = (res: HttpResponse) => res.status === 404 && /^text\/html\b/.test(res.headers['content-type'] ?? '');

/** google.rpc.Status: {"error": {"code": <status>, "message": <text>, "status": <canonical>, "details"?: [...]}}. */
function assertRpcStatus(res: HttpResponse): string {
  const body = parseJsonObject(res, 'google.rpc.Status');
  const error = body.error as Record<string, unknown> | undefined;
  if (typeof error !== 'object' || error === null || Object.keys(body).length !== 1) fail('an error outside {"error": {…}}', res);
  if (error.code !== res.status) fail('error.code is not the HTTP status', res);
  if (typeof error.message !== 'string' || error.message === '') fail('error.message missing', res);
  if (error.status !== canonicalStatus(res.status)) fail(`error.status is not ${canonicalStatus(res.status)}`, res);
  if ('details' in error && !Array.isArray(error.details)) fail('error.details is not a list', res);
  const detail = (error.details as { errorCode?: string; '@type'?: string }[] | undefined)?.find((d) => d.errorCode)?.errorCode;
  return `${res.status} ${detail ?? error.status} ${String(error.message).split('\n')[0]!.replace(/\d+/g, '#').slice(0, 60)}`;
}

/** The path as the router matches it: no query string, percent-decoded (router.ts readRequest). */
function routedPath(path: string): string {
  const p = new URL(path, 'http://fcm').pathname;
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

function assertSendAnswer(res: HttpResponse, r: Request): string {
  assertNo5xx(res);
  assertNoEcho(res);
  if (r.method !== 'POST' || !SEND_PATH.test(routedPath(r.path))) {
    if (!isHtml404(res) && !(r.method === 'HEAD' && res.status === 404)) fail('another method or path: not the HTML 404', res);
    return '404 (HTML)';
  }
  if (res.status === 200) {
    const body = parseJsonObject(res, 'send success');
    if (typeof body.name !== 'string' || !/^projects\/[^/]+\/messages\/.+$/.test(body.name)) fail('200 without a message name', res);
    return '200';
  }
  return assertRpcStatus(res);
}

function assertTokenAnswer(res: HttpResponse, r: Request): string {
  assertNo5xx(res);
  assertNoEcho(res);
  if (r.method !== 'POST' || routedPath(r.path) !== '/token') {
    if (!isHtml404(res) && !(r.method === 'HEAD' && res.status === 404)) fail('another method or path: not the HTML 404', res);
    return '404 (HTML)';
  }
  const body = parseJsonObject(res, 'token endpoint');
  if (res.status === 200) {
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number' || body.token_type !== 'Bearer') fail('200 without an access token', res);
    return '200';
  }
  if (res.status < 400 || typeof body.error !== 'string' || typeof body.error_description !== 'string') fail('an error outside {"error","error_description"}', res);
  return `${res.status} ${body.error}: ${String(body.error_description).slice(0, 50)}`;
}

describe('mock FCM fuzzing', () => {
  it(
    `${SEND}: ${fuzzSettings().runs} fuzzed sends, each answered with a message name or a google.rpc.Status, no canary echoed or logged`,
    async () => {
      await fuzz({ name: SEND, testFile: FILE, arbitrary: sendCase(), logs: [log], run: async (r) => assertSendAnswer(await send(r), r) });
    },
    180_000,
  );

  it(
    `${TOKEN}: ${fuzzSettings().runs} fuzzed token requests, each answered with a token or an OAuth error, no canary echoed or logged`,
    async () => {
      await fuzz({ name: TOKEN, testFile: FILE, arbitrary: tokenCase(), logs: [log], run: async (r) => assertTokenAnswer(await send(r), r) });
    },
    180_000,
  );

  it('still sends afterwards, and every device registered before is still there', async () => {
    for (const t of [...Object.values(devices), sentinel]) expect(fcm.devices.get(t)).toBeDefined();
    const token = await tokenFor(grant({ iss: sa.client_email, scope: FCM_SCOPE, aud: fcm.tokenUri, iat: nowS(), exp: nowS() + 3600 }));
    for (const device of [sentinel, devices.live]) {
      const res = await send({ via: 'h2', method: 'POST', path: `/v1/projects/${fcm.projectId}/messages:send`, headers: [['content-type', JSON_TYPE], ['authorization', `Bearer ${token}`]], body: JSON.stringify({ message: { token: device, data: { content: 'still here' } } }) });
      expect(res.status).toBe(200);
    }
  });
});
