/** Remote-server authentication, in Zulip's order (§2; §13 rows; §15 case 7). */
import http from 'node:http';
import {
  basicAuth,
  call,
  DEACTIVATE,
  logMessages,
  randomOrgKey,
  registerServer,
  startTestBouncer,
  type ServerIdentity,
  type TestBouncer,
} from './support';

let bouncer: TestBouncer;
let server: ServerIdentity;
beforeAll(async () => {
  bouncer = await startTestBouncer({ rootHost: 'push.example.net' });
  server = await registerServer(bouncer);
});
afterAll(() => bouncer.stop());

function rawPost(path: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${bouncer.url}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

// A failed authentication never reaches the view, so deactivate is a safe probe: it only
// deactivates when authentication succeeds.
const probe = (authorization?: string, headers: Record<string, string> = {}) =>
  call(bouncer, 'POST', DEACTIVATE, {
    json: {},
    headers: authorization === undefined ? headers : { ...headers, authorization },
  });

const unauthorizedBody = (msg: string) => ({ result: 'error', msg, code: 'UNAUTHORIZED' });

describe('remote server authentication', () => {
  it('should answer 401 with a Basic challenge when the header is missing', async () => {
    const res = await probe();
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorizedBody('Missing authorization header for basic auth'));
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="zulip"');
  });

  it('should answer 400 to another scheme', async () => {
    const res = await probe('Bearer abcdef');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      result: 'error',
      msg: 'This endpoint requires HTTP basic authentication.',
      code: 'BAD_REQUEST',
    });
  });

  it.each([
    ['undecodable base64', 'Basic abc'],
    ['three words', 'Basic a b'],
    ['one word', 'Basic'],
    ['a key containing a colon', basicAuth('role', 'key:with:colons')],
    ['no colon at all', `Basic ${Buffer.from('justarole').toString('base64')}`],
    ['invalid UTF-8', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x41]).toString('base64')}`],
  ])('should answer 401 to %s', async (_what, header) => {
    const res = await probe(header);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorizedBody('Invalid authorization header for basic auth'));
  });

  it('should accept the scheme in any case', async () => {
    const s = await registerServer(bouncer);
    const res = await probe(`bAsIc ${Buffer.from(`${s.uuid}:${s.key}`).toString('base64')}`);
    expect(res.status).toBe(200);
  });

  it('should answer 400 when a user email is used as the role', async () => {
    const res = await probe(basicAuth('iago@zulip.com', server.key));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      result: 'error',
      msg: 'Must validate with valid Zulip server API key',
      code: 'BAD_REQUEST',
    });
  });

  it.each([
    ['an unknown uuid', '6cde5f7a-1f7e-4978-9716-49f69ebfc9fe'],
    ['a string that is not a uuid', 'not-a-uuid'],
  ])('should answer 401 "not registered" for %s', async (_what, role) => {
    const res = await probe(basicAuth(role, randomOrgKey()));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      unauthorizedBody(
        `Zulip server auth failure: ${role} is not registered -- did you run \`manage.py register_server\`?`,
      ),
    );
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="zulip"');
  });

  it('should answer 401 without the role field for a wrong key', async () => {
    const res = await probe(basicAuth(server.uuid, randomOrgKey()));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorizedBody(`Zulip server auth failure: key does not match role ${server.uuid}`));
  });

  it('should answer 401 on a realm subdomain of the bouncer', async () => {
    // fetch() cannot set Host, so this one goes through node:http.
    const res = await rawPost(DEACTIVATE, {
      host: 'zulip.push.example.net',
      authorization: basicAuth(server.uuid, server.key),
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toEqual(unauthorizedBody('Invalid subdomain for push notifications bouncer'));
    // the root host itself is fine
    const root = await rawPost(DEACTIVATE, { host: 'push.example.net', authorization: 'Basic x' });
    expect(JSON.parse(root.text).msg).toBe('Invalid authorization header for basic auth');
  });

  it('should tag each failure in the access log', async () => {
    await probe(basicAuth(server.uuid, 'wrong'));
    await probe(basicAuth('00000000-0000-4000-8000-000000000000', 'x'));
    const lines = logMessages(bouncer, 'zulip.requests').filter((l) => l.includes(DEACTIVATE));
    expect(lines.some((l) => l.includes(`${DEACTIVATE} [invalid-server-key] (unauth via ZulipServer)`))).toBe(true);
    expect(lines.some((l) => l.includes(`${DEACTIVATE} [invalid-server] (unauth via ZulipServer)`))).toBe(true);
  });

  it('should bump last_request_datetime on every authenticated request', async () => {
    const s = await registerServer(bouncer);
    bouncer.clock.advance(5_000);
    await probe(basicAuth(s.uuid, s.key));
    const [row] = bouncer.query<{ t: number }>('SELECT last_request_datetime t FROM remote_zulip_server WHERE uuid = ?', s.uuid);
    expect(row!.t).toBe(bouncer.clock.now() / 1000);
  });
});
