/** Transport conventions (§1) and the access log (§12). */
import { readJsonBody } from '../http/json-body';
import { pythonBytesRepr } from '../http/python-repr';
import { call, logMessages, REGISTER, registerForm, newServerIdentity, startTestBouncer, type TestBouncer } from './support';

let bouncer: TestBouncer;
beforeAll(async () => {
  bouncer = await startTestBouncer();
});
afterAll(() => bouncer.stop());

describe('transport', () => {
  it('should answer 405 in JSON to GET on a require_post endpoint and log a warning', async () => {
    const res = await call(bouncer, 'GET', REGISTER);
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ result: 'error', msg: 'Method Not Allowed', allowed_methods: ['POST'] });
    expect(logMessages(bouncer, 'root')).toContain(`Method Not Allowed (GET): ${REGISTER}`);
  });

  it('should answer unknown API paths in the envelope', async () => {
    const res = await call(bouncer, 'POST', '/api/v1/remotes/nonexistent');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ result: 'error', msg: 'Endpoint not found' });
  });

  it('should refuse an oversized body with a client error, not a 500', async () => {
    const res = await call(bouncer, 'POST', REGISTER, {
      body: Buffer.alloc(65 * 1024 * 1024, 0x61),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ result: 'error', code: 'BAD_REQUEST' });
  });

  it('should read the last value of a repeated form key, as Django does', async () => {
    const s = newServerIdentity();
    const form = new URLSearchParams(registerForm(s));
    form.append('hostname', `second-${s.hostname}`);
    const res = await call(bouncer, 'POST', REGISTER, {
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    expect(bouncer.query('SELECT hostname FROM remote_zulip_server WHERE uuid = ?', s.uuid)).toEqual([
      { hostname: `second-${s.hostname}` },
    ]);
  });

  it('should parse JSON bodies as Zulip does', () => {
    expect(readJsonBody(Buffer.from('{"a": 1}'))).toEqual({ a: 1 });
    expect(() => readJsonBody(Buffer.from('{"a": '))).toThrow('Malformed JSON');
    expect(() => readJsonBody(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow('Malformed payload');
  });
});

describe('the access log', () => {
  it('should write one Zulip-shaped line per request and the body of 4xx errors, never the request body', async () => {
    const s = newServerIdentity({ hostname: 'invalid-host' });
    await call(bouncer, 'POST', REGISTER, { form: registerForm(s) });
    const lines = logMessages(bouncer, 'zulip.requests');
    const access = lines.filter((l) => l.includes(REGISTER)).at(-1)!;
    expect(access).toMatch(
      new RegExp(`^127\\.0\\.0\\.1 {7}POST {4}400 +\\d+ms ${REGISTER} \\(unauth via ZulipServer\\)$`),
    );
    expect(lines).toContain(
      `status=400, data=b'{"result":"error","msg":"invalid-host is not a valid hostname","code":"BAD_REQUEST"}', uid=unauth`,
    );
    const all = bouncer.logLines().map((l) => JSON.stringify(l)).join('\n');
    expect(all).not.toContain(s.key);
    expect(all).not.toContain(s.uuid); // only in the body, never logged for unauth requests
  });

  it('should render Python bytes reprs', () => {
    expect(pythonBytesRepr(Buffer.from(`{"a":"it's"}`))).toBe(`b'{"a":"it\\'s"}'`);
    expect(pythonBytesRepr(Buffer.from("it's"))).toBe(`b"it's"`);
    expect(pythonBytesRepr(Buffer.from([0x00, 0x0a, 0xe9]))).toBe(`b'\\x00\\n\\xe9'`);
  });
});
