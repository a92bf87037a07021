/**
 * Registration transfer end to end over real HTTP(S) on loopback (§3.3; §15 case 16 and the
 * request/secret checks of case 17). The "Zulip server" is a real HTTPS server whose
 * certificate comes from a throwaway CA the bouncer trusts.
 */
import fs from 'node:fs';
import { createCertificateAuthority } from '../../core/tls';
import { generateVerificationSecret } from '../transfer/signer';
import {
  call,
  logMessages,
  REGISTER,
  registerForm,
  registerServer,
  startTestBouncer,
  TRANSFER,
  VERIFY_CHALLENGE,
  type ServerIdentity,
  type TestBouncer,
} from './support';
import { newAccessToken, startFakeZulipHost, type FakeZulipHost } from './transfer-host';

const HOST = 'zulip.example.net';
const OTHER = 'other.example.net';

let bouncer: TestBouncer;
let host: FakeZulipHost;
let server: ServerIdentity;

beforeAll(async () => {
  const ca = createCertificateAuthority();
  host = await startFakeZulipHost(ca, [HOST]);
  bouncer = await startTestBouncer({
    database: 'memory',
    transferHosts: {
      hosts: { [HOST]: { host: '127.0.0.1', port: host.port } },
      caCertsPem: [ca.certPem],
      timeoutMs: 500,
      retries: 0,
    },
  });
  server = await registerServer(bouncer, { hostname: HOST });
  await registerServer(bouncer, { hostname: OTHER });
});
afterAll(async () => {
  await bouncer.stop();
  await host.close();
});
beforeEach(() => host.override(undefined));

async function startTransfer(hostname = HOST): Promise<string> {
  const res = await call(bouncer, 'POST', TRANSFER, { form: { hostname } });
  expect(res.status).toBe(200);
  return res.body.verification_secret as string;
}

/** The host serves `secret` under a fresh token, and the bouncer is told to come and get it. */
async function verify(secret: string, method: 'POST' | 'GET' = 'POST', hostname = HOST) {
  const accessToken = newAccessToken();
  host.prepare(accessToken, secret);
  const params = { hostname, access_token: accessToken };
  const res = await call(bouncer, method, VERIFY_CHALLENGE, method === 'POST' ? { form: params } : { query: params });
  return { res, accessToken };
}

const currentKeyWorks = async (key: string) =>
  (await call(bouncer, 'POST', REGISTER, { form: registerForm({ ...server, key }) })).status === 200;

describe('POST register/transfer', () => {
  it('should hand out the uppercase hex of a Django TimestampSigner signature of the hostname', async () => {
    const res = await call(bouncer, 'POST', TRANSFER, { form: { hostname: HOST } });
    expect(res.status).toBe(200);
    const secret = generateVerificationSecret(HOST, bouncer.config.secretKey, bouncer.clock.now() / 1000);
    expect(res.body).toEqual({ result: 'success', msg: '', verification_secret: secret });
    expect(Buffer.from(secret, 'hex').toString('utf8')).toMatch(/^zulip\.example\.net:[0-9A-Za-z]+:[\w-]{43}$/);
  });

  it('should refuse a hostname that is not registered', async () => {
    const res = await call(bouncer, 'POST', TRANSFER, { form: { hostname: 'unregistered.example.com' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg: 'unregistered.example.com not yet registered', code: 'BAD_REQUEST' });
  });

  it.each([
    ['invalid-host', 'invalid-host is not a valid hostname'],
    ['example.com/path', 'example.com/path contains invalid components (e.g., path, query, fragment).'],
  ])('should validate the hostname %s as server/register does', async (hostname, msg) => {
    const res = await call(bouncer, 'POST', TRANSFER, { form: { hostname } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg, code: 'BAD_REQUEST' });
  });

  it('should require the hostname', async () => {
    const res = await call(bouncer, 'POST', TRANSFER, { form: {} });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      result: 'error',
      msg: "Missing 'hostname' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'hostname',
    });
  });

  it('should answer a GET with 405 (require_post)', async () => {
    const res = await call(bouncer, 'GET', TRANSFER, { query: { hostname: HOST } });
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ result: 'error', msg: 'Method Not Allowed', allowed_methods: ['POST'] });
  });
});

describe('register/verify_challenge', () => {
  it('should transfer the registration: same uuid, new key, old key dead, audited and logged', async () => {
    const oldKey = server.key;
    const secret = await startTransfer();
    const { res, accessToken } = await verify(secret);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      result: 'success',
      msg: '',
      zulip_org_id: server.uuid,
      zulip_org_key: expect.stringMatching(/^[A-Za-z0-9]{64}$/),
    });
    const newKey = res.body.zulip_org_key as string;
    expect(newKey).not.toBe(oldKey);
    server.key = newKey;
    // the bouncer fetched the secret from the hostname itself, over HTTPS
    expect(host.requests.at(-1)).toEqual({ host: HOST, path: `/api/v1/zulip-services/verify/${accessToken}/` });

    const withOldKey = await call(bouncer, 'POST', REGISTER, { form: registerForm({ ...server, key: oldKey }) });
    expect(withOldKey.status).toBe(400);
    expect(withOldKey.body).toEqual({
      result: 'error',
      msg: `Zulip server auth failure: key does not match role ${server.uuid}`,
      code: 'INVALID_ZULIP_SERVER',
      role: server.uuid,
    });
    const withNewKey = await call(bouncer, 'POST', REGISTER, { form: registerForm(server) });
    expect(withNewKey.status).toBe(200);
    expect(withNewKey.body).toEqual({ result: 'success', msg: '', created: false });

    const admin = await call(bouncer, 'GET', `/__admin/servers/${server.uuid}`);
    expect(admin.body.auditLogs).toEqual(
      expect.arrayContaining([expect.objectContaining({ eventType: 10216 })]),
    );
    expect(logMessages(bouncer, 'zilencer.views')).toContain(`verify_registration_transfer:host:${HOST}|success`);

    const rawLog = fs.readFileSync(bouncer.logFile, 'utf8');
    for (const secretValue of [newKey, oldKey, secret]) expect(rawLog).not.toContain(secretValue);
  });

  it('should accept GET with query parameters (no method restriction)', async () => {
    const { res } = await verify(await startTransfer(), 'GET');
    expect(res.status).toBe(200);
    expect(res.body.zulip_org_id).toBe(server.uuid);
    server.key = res.body.zulip_org_key as string;
  });

  it('should require the access token', async () => {
    const res = await call(bouncer, 'POST', VERIFY_CHALLENGE, { form: { hostname: HOST } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      result: 'error',
      msg: "Missing 'access_token' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'access_token',
    });
  });

  it('should refuse an unknown hostname without contacting anyone', async () => {
    const before = host.requests.length;
    const res = await call(bouncer, 'POST', VERIFY_CHALLENGE, {
      form: { hostname: 'unregistered.example.com', access_token: newAccessToken() },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg: 'Registration not found for this hostname', code: 'BAD_REQUEST' });
    expect(host.requests.length).toBe(before);
  });
});

describe('verification secret checks', () => {
  const expectError = (res: { status: number; body: unknown }, msg: string) => {
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg, code: 'BAD_REQUEST' });
  };

  it('should still accept a secret exactly 10 s old', async () => {
    const secret = await startTransfer();
    bouncer.clock.advance(10_000);
    const { res } = await verify(secret);
    expect(res.status).toBe(200);
    server.key = res.body.zulip_org_key as string;
  });

  it('should refuse a secret older than 10 s as expired, keeping the key', async () => {
    const secret = await startTransfer();
    bouncer.clock.advance(11_000);
    expectError((await verify(secret)).res, 'The verification secret has expired');
    expect(await currentKeyWorks(server.key)).toBe(true);
  });

  it.each([
    ['not hex at all', () => 'not a hex string'],
    ['lowercase hex', (s: string) => s.toLowerCase()],
    ['odd length', (s: string) => s.slice(0, -1)],
    ['hex of bytes that are not UTF-8', () => 'FF'],
  ])('should refuse %s as malformed', async (_what, mangle) => {
    expectError((await verify(mangle(await startTransfer()))).res, 'The verification secret is malformed');
  });

  it('should refuse a secret signed with another key as invalid', async () => {
    const forged = generateVerificationSecret(HOST, 'not-the-bouncer-secret-key', bouncer.clock.now() / 1000);
    expectError((await verify(forged)).res, 'The verification secret is invalid');
  });

  it('should refuse a tampered signature as invalid, even when also expired', async () => {
    const signed = Buffer.from(await startTransfer(), 'hex').toString('utf8');
    const tampered = signed.slice(0, -1) + (signed.endsWith('A') ? 'B' : 'A');
    bouncer.clock.advance(60_000);
    expectError((await verify(Buffer.from(tampered).toString('hex').toUpperCase())).res, 'The verification secret is invalid');
  });

  it('should refuse a secret issued for another hostname', async () => {
    expectError((await verify(await startTransfer(OTHER))).res, 'The verification secret is for a different hostname');
  });

  it.each([
    ['a body that is not JSON', 'text/plain', 'hello'],
    ['JSON without verification_secret', 'application/json', '{"result":"success","msg":""}'],
    ['a verification_secret that is not a string', 'application/json', '{"verification_secret":42}'],
  ])('should call %s malformed (where Zulip would answer 500)', async (_what, type, body) => {
    host.override((_req, res) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    });
    expectError((await verify('unused')).res, 'The verification secret is malformed');
  });
});
