/**
 * verify_challenge when the host misbehaves (§3.3 step 3; §15 case 17): each failure of the
 * outgoing GET becomes Zulip's 400 and one INFO line on zilencer.views — real TLS, real
 * refused connections, a real silent peer.
 */
import fs from 'node:fs';
import { createCertificateAuthority } from '../../core/tls';
import { call, logMessages, registerServer, startTestBouncer, VERIFY_CHALLENGE, type TestBouncer } from './support';
import { closedPort, newAccessToken, startFakeZulipHost, startSilentHost, type FakeZulipHost } from './transfer-host';

const GOOD = 'zulip.example.net';
const WRONG_CA = 'wrong-ca.example.net';
const WRONG_NAME = 'wrong-name.example.net';
const REFUSED = 'refused.example.net';
const SILENT = 'silent.example.net';
const UNMAPPED = 'unmapped.example.net';

let bouncer: TestBouncer;
let good: FakeZulipHost;
let wrongCa: FakeZulipHost;
let silent: { close(): Promise<void> };

beforeAll(async () => {
  const ca = createCertificateAuthority();
  const strangerCa = createCertificateAuthority('Some Other CA');
  good = await startFakeZulipHost(ca, [GOOD]);
  wrongCa = await startFakeZulipHost(strangerCa, [WRONG_CA]);
  const silentHost = await startSilentHost();
  silent = silentHost;
  const loopback = (port: number) => ({ host: '127.0.0.1', port });
  bouncer = await startTestBouncer({
    database: 'memory',
    transferHosts: {
      hosts: {
        [GOOD]: loopback(good.port),
        [WRONG_CA]: loopback(wrongCa.port),
        // served by the good host, whose certificate does not name it
        [WRONG_NAME]: loopback(good.port),
        [REFUSED]: loopback(await closedPort()),
        [SILENT]: loopback(silentHost.port),
      },
      caCertsPem: [ca.certPem],
      timeoutMs: 300,
      retries: 0,
    },
  });
  for (const hostname of [GOOD, WRONG_CA, WRONG_NAME, REFUSED, SILENT, UNMAPPED]) {
    await registerServer(bouncer, { hostname });
  }
});
afterAll(async () => {
  await bouncer.stop();
  await Promise.all([good.close(), wrongCa.close(), silent.close()]);
});
beforeEach(() => good.override(undefined));

async function verifyAt(hostname: string) {
  const accessToken = newAccessToken();
  const res = await call(bouncer, 'POST', VERIFY_CHALLENGE, { form: { hostname, access_token: accessToken } });
  return { res, accessToken };
}

function expectError(res: { status: number; body: unknown }, msg: string) {
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ result: 'error', msg, code: 'BAD_REQUEST' });
}

const viewLines = () => logMessages(bouncer, 'zilencer.views');

it('should report a host that has no secret prepared, with its own log line', async () => {
  const { res } = await verifyAt(GOOD); // the host has nothing for this token
  expectError(res, 'The host reported it has no verification secret.');
  expect(viewLines().at(-1)).toBe(`verify_registration_transfer:host:${GOOD}|secret_not_prepared`);
});

it.each([403, 500])('should report an HTTP %i from the host', async (status) => {
  good.override((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end('{"result":"error","msg":"nope","code":"BAD_REQUEST"}');
  });
  const { res } = await verifyAt(GOOD);
  expectError(res, `Error response received from the host: ${status}`);
  const reason = status === 403 ? 'Client Error: Forbidden' : 'Server Error: Internal Server Error';
  expect(viewLines().at(-1)).toBe(
    `verify_registration_transfer:host:${GOOD}|exception:${status} ${reason} for url: https://${GOOD}/api/v1/zulip-services/verify/[REDACTED]/`,
  );
});

it('should treat a 400 with another error code as an error response, not as "not prepared"', async () => {
  good.override((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"result":"error","msg":"Bad","code":"BAD_REQUEST"}');
  });
  expectError((await verifyAt(GOOD)).res, 'Error response received from the host: 400');
});

it.each([
  ['a certificate from an untrusted CA', WRONG_CA],
  ['a certificate that does not name the host', WRONG_NAME],
])('should report an SSL error for %s', async (_what, hostname) => {
  expectError((await verifyAt(hostname)).res, 'SSL error occurred while communicating with the host.');
  expect(viewLines().at(-1)).toMatch(new RegExp(`^verify_registration_transfer:host:${hostname}\\|exception:SSLError: `));
});

it.each([
  ['a refused connection', REFUSED],
  ['a hostname that resolves nowhere', UNMAPPED],
])('should report a connection error for %s', async (_what, hostname) => {
  expectError((await verifyAt(hostname)).res, 'Connection error occurred while communicating with the host.');
  expect(viewLines().at(-1)).toMatch(new RegExp(`^verify_registration_transfer:host:${hostname}\\|exception:`));
});

it('should report a timeout when the host never answers', async () => {
  expectError((await verifyAt(SILENT)).res, 'The request timed out while communicating with the host.');
  expect(viewLines().at(-1)).toMatch(new RegExp(`^verify_registration_transfer:host:${SILENT}\\|exception:ReadTimeout: `));
});

it('should never write an access token to the log', async () => {
  const tokens: string[] = [];
  for (const hostname of [GOOD, WRONG_CA, REFUSED, UNMAPPED]) tokens.push((await verifyAt(hostname)).accessToken);
  const rawLog = fs.readFileSync(bouncer.logFile, 'utf8');
  for (const token of tokens) expect(rawLog).not.toContain(token);
});

