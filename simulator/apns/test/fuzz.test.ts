/**
 * Fuzzing the mock APNs push endpoint (`POST /3/device/<token>` over HTTP/2 + TLS) with
 * fast-check: ZPG_FUZZ_RUNS (default 1000) requests on one connection — valid, stale, foreign,
 * forged and garbage provider tokens; every apns-* header right, wrong, repeated or absent;
 * other methods and paths; payloads valid, oversized, empty, not JSON, not UTF-8. Each answer:
 *   - never a 5xx; 200 with an empty body and an apns-id, or Apple's `{"reason": …}` (410 adds
 *     `timestamp`) with exactly the status Apple documents for that reason (providers.md §A1
 *     "Responses"; reasons.ts);
 *   - the canary planted in the input never comes back and never reaches the mock's log. Not
 *     planted where the log names it by design (record.ts: "APNs: <status> <reason> for device
 *     <token> topic <topic> apns-id <id> (<why>)"): the path's device token, apns-topic, and the
 *     provider token's `alg`/`kid`/`iss` that an InvalidProviderToken line explains.
 * Afterwards the mock still delivers, and the devices registered before are all still there.
 *
 * Replay a failure exactly (the report prints these values):
 *   ZPG_FUZZ_SEED=<seed> ZPG_FUZZ_PATH='<path>' npx jest simulator/apns/test/fuzz.test.ts -t 'POST /3/device'
 */
import fc from 'fast-check';
import { SignJWT, importPKCS8 } from 'jose';
import fs from 'node:fs';
import {
  CANARY,
  LogTap,
  asciiText,
  assertNo5xx,
  assertNoEcho,
  canaryText,
  fail,
  fuzz,
  fuzzSettings,
  garbageBytes,
  h2Client,
  jsonish,
  limitStackTraces,
  methodFor,
  parseJsonObject,
  shortText,
  testRunCa,
  withCanary,
  type H2Client,
} from '../../../harness/testing/fuzz';
import { VirtualClock } from '../../core/clock';
import { APNS_REASONS, startMockApns, type MockApnsHandle } from '../index';
import { tempDir } from '../../../harness/testing/temp-dir';

const FILE = 'simulator/apns/test/fuzz.test.ts';
const NAME = 'POST /3/device/<token>';
const TOPIC = 'org.zulip.Zulip';

let apns: MockApnsHandle;
let clock: VirtualClock;
let client: H2Client;
let log: LogTap;
/** Devices the fuzzer pushes to: live for each default topic, uninstalled (410), and one of an app this provider may not push to. */
const tokens = { live: '', flutter: '', gone: '', otherApp: '' };
/** A device no fuzzed request names: it must still be there, and reachable, afterwards. */
let sentinel = '';
/** Provider tokens (JWTs), good and bad. */
let jwts: string[] = [];

async function sign(keyPem: string, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const key = await importPKCS8(keyPem, 'ES256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...header }).sign(key);
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

limitStackTraces();

beforeAll(async () => {
  clock = new VirtualClock(Date.now());
  apns = await startMockApns({ clock, ca: testRunCa(), dataDir: tempDir('zpg-fuzz-apns-'), seed: 5, logLevel: 'info' });
  const other = await apns.addKey({ teamId: 'OTHERTEAM1', keyId: 'OTHERKEY01' });
  client = await h2Client(apns.url, apns.caCertPem);
  log = new LogTap('mock APNs', apns.logFile);

  tokens.live = apns.createDevice(TOPIC).token;
  tokens.flutter = apns.createDevice('com.zulip.flutter').token;
  tokens.gone = apns.createDevice(TOPIC).token;
  apns.unregisterDevice(tokens.gone);
  tokens.otherApp = apns.createDevice('com.example.other').token;
  sentinel = apns.createDevice(TOPIC).token;

  const keyPem = fs.readFileSync(apns.keyFile, 'utf8');
  const otherPem = fs.readFileSync(other.keyFile!, 'utf8');
  const now = Math.floor(clock.now() / 1000);
  const valid = await sign(keyPem, { kid: apns.keyId }, { iss: apns.teamId, iat: now });
  const [head, body, sig] = valid.split('.') as [string, string, string];
  jwts = [
    valid,
    await sign(keyPem, { kid: apns.keyId }, { iss: apns.teamId, iat: now - 60 }), // a refresh too soon on one connection
    await sign(otherPem, { kid: other.keyId }, { iss: other.teamId, iat: now }), // another team on the same connection
    await sign(keyPem, { kid: apns.keyId }, { iss: apns.teamId, iat: now - 7200 }), // expired
    await sign(keyPem, { kid: apns.keyId }, { iss: apns.teamId, iat: now + 7200 }), // from the future
    await sign(keyPem, { kid: apns.keyId }, { iss: other.teamId, iat: now }), // another team's iss
    await sign(keyPem, { kid: apns.keyId }, { iss: apns.teamId }), // no iat
    await sign(keyPem, { kid: apns.keyId }, { iss: apns.teamId, iat: String(now), note: CANARY }),
    await sign(keyPem, { kid: 'UNKNOWNKEY' }, { iss: apns.teamId, iat: now }),
    await sign(otherPem, { kid: apns.keyId }, { iss: apns.teamId, iat: now }), // signed with the wrong key
    `${head}.${body}.${sig.slice(0, -4)}AAAA`, // tampered signature
    `${b64url({ alg: 'none', kid: apns.keyId })}.${body}.`,
    `${b64url({ alg: 'HS256', kid: apns.keyId })}.${body}.${sig}`,
    `${head}.${b64url({ iss: apns.teamId, iat: now, content: CANARY })}.${sig}`, // claims swapped, old signature
    `${head}.${body}`,
    `${head}..${sig}`,
  ];
}, 60_000);

afterAll(async () => {
  await client?.close();
  await apns?.stop();
});

// ---------------------------------------------------------------------------------------------

/** :path segments and header values nghttp2 accepts (no controls, no edge whitespace). */
const PATH_CHARS = 'abcdefABCDEF0123456789ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ-._~%!$&\'()*+,;=:@/';
const pathText = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Array.from(b, (x) => PATH_CHARS[x % PATH_CHARS.length]).join(''));
const headerText = (a: fc.Arbitrary<string>) => a.map((s) => s.trim());
const optional = (name: string, value: string | undefined): [string, string][] => (value === undefined ? [] : [[name, value]]);
const hex = (min: number, max: number) => fc.uint8Array({ minLength: Math.ceil(min / 2), maxLength: Math.ceil(max / 2) }).map((b) => Buffer.from(b).toString('hex'));

/**
 * Where a push goes: mostly a coherent (device, apns-topic, apns-push-type) of the registry — so
 * the checks after the path, topic and push type (provider token, payload) are reached — else any
 * path, topic and push type. The device token in the path and the topic are logged by design
 * (record.ts): no canary in either.
 */
function target(): fc.Arbitrary<{ path: string; topic: string | undefined; pushType: string | undefined }> {
  const coherent = fc.constantFrom(
    { token: tokens.live, topic: TOPIC, pushType: 'alert' },
    { token: tokens.live.toUpperCase(), topic: TOPIC, pushType: 'alert' },
    { token: tokens.live, topic: TOPIC, pushType: undefined },
    { token: tokens.live, topic: TOPIC, pushType: 'background' },
    { token: tokens.live, topic: `${TOPIC}.voip`, pushType: 'voip' },
    { token: tokens.flutter, topic: 'com.zulip.flutter', pushType: 'alert' },
    { token: tokens.gone, topic: TOPIC, pushType: 'alert' },
    { token: tokens.otherApp, topic: 'com.example.other', pushType: 'alert' },
    { token: tokens.flutter, topic: TOPIC, pushType: 'alert' },
  );
  const anyPath = fc.oneof(
    { weight: 3, arbitrary: fc.oneof(hex(0, 80), hex(64, 64), pathText(70)).map((t) => `/3/device/${t}`) },
    { weight: 1, arbitrary: fc.constantFrom('/3/device/', '/3/device', '/3/devices/' + 'a'.repeat(64), '/', '/4/device/' + 'a'.repeat(64), `/3/device/${'a'.repeat(64)}?x=1`, `/3/device/${'a'.repeat(64)}/`, '//3/device/x') },
    { weight: 1, arbitrary: pathText(40).map((p) => `/${p}`) },
  );
  const anyTopic = fc.option(fc.oneof(fc.constantFrom(TOPIC, 'com.zulip.flutter', `${TOPIC}.voip`, `${TOPIC}.push-type.liveactivity`, '.bad', 'a b'), shortText.map((s) => s.replace(/[^\x21-\x7e]/g, ''))), { nil: undefined, freq: 8 });
  const anyPushType = fc.option(fc.oneof(fc.constantFrom('alert', 'background', 'voip', 'liveactivity', 'widgets', 'ALERT'), withCanary(asciiText(12)).map((s) => s.trim())), { nil: undefined, freq: 4 });
  return fc.oneof(
    { weight: 8, arbitrary: coherent.map((t) => ({ path: `/3/device/${t.token}`, topic: t.topic, pushType: t.pushType })) },
    { weight: 2, arbitrary: fc.record({ path: anyPath, topic: anyTopic, pushType: anyPushType }) },
  );
}

/** A payload: Zulip-shaped with the canary as content (never logged), other JSON, or not JSON at all. */
const payload = () =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .record({
          aps: fc.record({ alert: fc.record({ title: canaryText, body: canaryText }, { requiredKeys: [] }), badge: fc.nat(9), sound: fc.constant('default') }, { requiredKeys: [] }),
          zulip: fc.record({ message_ids: fc.array(fc.nat(), { maxLength: 3 }), sender_email: canaryText }, { requiredKeys: [] }),
        }, { requiredKeys: [] })
        .map((o) => JSON.stringify(o)),
    },
    { weight: 2, arbitrary: jsonish().map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: garbageBytes },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '{', 'null', '[]', '{"aps":{}}') },
    { weight: 1, arbitrary: fc.integer({ min: 4000, max: 6000 }).map((n) => JSON.stringify({ aps: { alert: { body: CANARY + 'x'.repeat(n) } } })) },
  );

/**
 * An optional header: absent, a good value, anything (the canary allowed), or repeated — except
 * for the headers node's HTTP/2 client refuses to repeat (authorization, content-type, user-agent).
 */
const header = (name: string, good: fc.Arbitrary<string>, bad: fc.Arbitrary<string>, absent = 4): fc.Arbitrary<[string, string][]> =>
  fc.oneof(
    { weight: absent, arbitrary: fc.constant<[string, string][]>([]) },
    { weight: 40, arbitrary: good.map((v): [string, string][] => [[name, v]]) },
    { weight: 2, arbitrary: headerText(bad).map((v): [string, string][] => [[name, v]]) },
    ...(name === 'authorization' ? [] : [{ weight: 1, arbitrary: fc.tuple(good, headerText(bad)).map(([a, b]): [string, string][] => [[name, a], [name, b]]) }]),
  );

function apnsCase() {
  const auth = fc.oneof(
    { weight: 10, arbitrary: fc.constant(jwts[0]!).map((j) => `bearer ${j}`) },
    { weight: 3, arbitrary: fc.constantFrom(...jwts).map((j) => `bearer ${j}`) },
    { weight: 1, arbitrary: fc.constantFrom(...jwts).map((j) => `Bearer  ${j} `) },
    { weight: 1, arbitrary: withCanary(asciiText(40)).map((s) => `bearer ${s}`) },
    { weight: 1, arbitrary: fc.constantFrom('bearer', 'Basic abc', `token ${jwts[0]}`, '') },
  );
  return fc.record({
    method: methodFor('POST'),
    target: target(),
    headers: fc
      .tuple(
        header('apns-priority', fc.constantFrom('10', '5', '1'), withCanary(asciiText(6)), 10),
        header('apns-expiration', fc.constantFrom('0', String(Math.floor(clock.now() / 1000) + 3600)), withCanary(asciiText(20)), 30),
        header('apns-collapse-id', fc.constantFrom('thread-1', 'x'.repeat(64)), withCanary(asciiText(80)), 30),
        header('apns-id', fc.uuid().map(String), withCanary(asciiText(40)), 30),
        header('authorization', auth, withCanary(asciiText(40)), 1),
        fc.oneof({ weight: 4, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom('x-fuzz', 'apns-foo', 'accept', 'x-forwarded-for'), headerText(canaryText.map((s) => s.replace(/[^\x20-\x7e]/g, '')))), { maxLength: 2 }) }),
      )
      .map((groups) => groups.flat()),
    body: fc.option(payload(), { nil: undefined, freq: 12 }),
  }).map(({ method, target: t, headers, body }) => ({
    method,
    path: t.path,
    headers: [...optional('apns-topic', t.topic), ...optional('apns-push-type', t.pushType), ...headers],
    body,
  }));
}

type ApnsCase = { method: string; path: string; headers: [string, string][]; body: string | Uint8Array | undefined };

/** Apple's answer: 200 + empty body + apns-id, or {"reason"} at the reason's documented status. */
function assertApnsAnswer(res: Awaited<ReturnType<H2Client['send']>>, c: ApnsCase): string {
  assertNo5xx(res);
  assertNoEcho(res);
  if (!res.headers['apns-id']) fail('an answer without apns-id', res);
  if (res.status === 200) {
    if (res.body.length !== 0) fail('200 with a body', res);
    return '200';
  }
  if (c.method === 'HEAD' && res.body.length === 0) return `${res.status} (HEAD)`;
  const body = parseJsonObject(res, 'APNs error');
  const reason = body.reason;
  if (typeof reason !== 'string' || !Object.hasOwn(APNS_REASONS, reason)) fail('an error whose reason is not in Apple\'s table', res);
  if (APNS_REASONS[reason as keyof typeof APNS_REASONS] !== res.status) fail(`${reason} at the wrong status`, res);
  const extra = Object.keys(body).filter((k) => k !== 'reason' && !(k === 'timestamp' && res.status === 410 && typeof body.timestamp === 'number'));
  if (extra.length > 0) fail(`unexpected fields ${extra.join(', ')}`, res);
  return `${res.status} ${reason}`;
}

describe('mock APNs fuzzing', () => {
  it(
    `${NAME}: ${fuzzSettings().runs} fuzzed pushes over HTTP/2, each answered as Apple documents, no canary echoed or logged`,
    async () => {
      await fuzz({
        name: NAME,
        testFile: FILE,
        arbitrary: apnsCase(),
        logs: [log],
        run: async (c) => {
          const res = await client.send([[':method', c.method], [':path', c.path], ...c.headers], c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body);
          return assertApnsAnswer(res, c);
        },
      });
    },
    180_000,
  );

  it('still delivers afterwards, and every device registered before is still there', async () => {
    for (const t of [...Object.values(tokens), sentinel]) expect(apns.devices.get(t)).toBeDefined();
    const fresh = await h2Client(apns.url, apns.caCertPem);
    try {
      const jwt = await sign(fs.readFileSync(apns.keyFile, 'utf8'), { kid: apns.keyId }, { iss: apns.teamId, iat: Math.floor(clock.now() / 1000) });
      for (const token of [sentinel, tokens.live]) {
        const res = await fresh.send(
          [[':method', 'POST'], [':path', `/3/device/${token}`], ['apns-topic', TOPIC], ['apns-push-type', 'alert'], ['authorization', `bearer ${jwt}`]],
          JSON.stringify({ aps: { alert: { body: 'still here' } } }),
        );
        expect(res.status).toBe(200);
      }
    } finally {
      await fresh.close();
    }
  });
});
