/**
 * The plan-management log in (/serverlogin/), through real HTTP: the form, the API's credential
 * check, the session cookie, sessions required and ended (logout, expiry, key rotation,
 * deactivation), the pages' security headers, and logs that never hold a key, cookie or body.
 */
import { DEACTIVATE, REGISTER, call, logMessages, registerForm, registerServer, startTestBouncer, type TestBouncer } from './support';
import { EXPECTED_SECURITY_HEADERS, WebClient, csrfTokenOf, securityHeadersOf, textOf } from './web-support';

let bouncer: TestBouncer;
beforeAll(async () => {
  bouncer = await startTestBouncer();
});
afterAll(() => bouncer.stop());

const INVALID = 'Invalid zulip_org_id or zulip_org_key.';
const DEACTIVATED = 'The mobile push notification service registration for your server has been deactivated.';
const LOGIN = '/serverlogin/';
const PLANS = '/serverlogin/plans/';

describe('the log-in form', () => {
  it('should ask for zulip_org_id and zulip_org_key (a password field), with the security headers', async () => {
    const res = await new WebClient(bouncer).get(LOGIN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(securityHeadersOf(res)).toEqual(EXPECTED_SECURITY_HEADERS);
    expect(res.text).toMatch(/<form method="post" action="\/serverlogin\/"/);
    expect(res.text).toMatch(/<input type="text" id="zulip_org_id" name="zulip_org_id"/);
    expect(res.text).toMatch(/<input type="password" id="zulip_org_key" name="zulip_org_key"/);
    expect(res.text).not.toMatch(/<script|<link|src=/i);
    // Without the trailing slash too; the JSON API's 404 is not involved.
    expect((await new WebClient(bouncer).get('/serverlogin')).status).toBe(200);
    const missing = await new WebClient(bouncer).get('/serverlogin/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(securityHeadersOf(missing)).toEqual(EXPECTED_SECURITY_HEADERS);
  });
});

describe('logging in', () => {
  it('should start a session (HttpOnly, SameSite=Strict, Path=/) and show the server', async () => {
    const server = await registerServer(bouncer);
    const web = new WebClient(bouncer);
    const res = await web.post(LOGIN, { zulip_org_id: server.uuid, zulip_org_key: server.key });
    expect(res.status).toBe(303);
    expect(res.location).toBe(PLANS);
    expect(securityHeadersOf(res)).toEqual(EXPECTED_SECURITY_HEADERS);
    expect(res.setCookie).toMatch(/^zpg_serverlogin=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);

    const page = await web.get(PLANS);
    expect(page.status).toBe(200);
    expect(securityHeadersOf(page)).toEqual(EXPECTED_SECURITY_HEADERS);
    expect(textOf(page.text)).toContain(`Server ${server.hostname}`);
    expect(page.text).toContain(`<code id="server-uuid">${server.uuid}</code>`);
    expect(textOf(page.text)).toContain('Plan Self-managed (no plan)');
    expect(page.text).not.toContain(server.key);
    // Logged in already: the form sends you on.
    expect((await web.get(LOGIN)).location).toBe(PLANS);
  });

  it('should refuse a wrong key, an unknown server and empty fields alike, never echoing the key', async () => {
    const server = await registerServer(bouncer);
    const other = await registerServer(bouncer);
    const attempts = [
      { zulip_org_id: server.uuid, zulip_org_key: other.key },
      { zulip_org_id: server.uuid, zulip_org_key: server.key.slice(0, 63) },
      { zulip_org_id: crypto.randomUUID(), zulip_org_key: server.key },
      // A key pasted into the id field is not echoed back either.
      { zulip_org_id: server.key, zulip_org_key: server.uuid },
      { zulip_org_id: '', zulip_org_key: '' },
    ];
    for (const form of attempts) {
      const web = new WebClient(bouncer);
      const res = await web.post(LOGIN, form);
      expect(res.status).toBe(200);
      expect(res.setCookie).toBeNull();
      expect(res.text).toContain(`<div class="error" role="alert" id="login-error">${INVALID}</div>`);
      expect(res.text).not.toContain(server.key);
      expect(res.text).not.toContain(other.key);
      expect(res.text).not.toContain(server.key.slice(0, 63));
      expect(securityHeadersOf(res)).toEqual(EXPECTED_SECURITY_HEADERS);
      expect((await web.get(PLANS)).location).toBe(LOGIN);
    }
  });

  it('should tell a deactivated server so, but only to someone holding its key', async () => {
    const server = await registerServer(bouncer);
    expect((await call(bouncer, 'POST', DEACTIVATE, { auth: server })).status).toBe(200);
    const right = await new WebClient(bouncer).post(LOGIN, { zulip_org_id: server.uuid, zulip_org_key: server.key });
    expect(right.status).toBe(200);
    expect(right.setCookie).toBeNull();
    expect(right.text).toContain(DEACTIVATED);
    const wrong = await new WebClient(bouncer).post(LOGIN, { zulip_org_id: server.uuid, zulip_org_key: 'k'.repeat(64) });
    expect(wrong.text).toContain(INVALID);
    expect(wrong.text).not.toContain(DEACTIVATED);
  });
});

describe('sessions', () => {
  it('should send visitors without a live session to the log-in form', async () => {
    const web = new WebClient(bouncer);
    for (const res of [
      await web.get(PLANS),
      await web.post(PLANS, { target: 'server', plan_type: '102', csrf_token: 'x' }),
      await web.post('/serverlogin/logout', {}),
    ]) {
      expect(res.status).toBe(303);
      expect(res.location).toBe(LOGIN);
    }
    web.cookie = 'zpg_serverlogin=made-up-session-id-0123456789012345678901234';
    expect((await web.get(PLANS)).location).toBe(LOGIN);
  });

  it("should expire after two hours on the bouncer's clock", async () => {
    const server = await registerServer(bouncer);
    const web = new WebClient(bouncer);
    await web.login(server);
    bouncer.clock.advance(2 * 3600 * 1000 - 1000);
    expect((await web.get(PLANS)).status).toBe(200);
    bouncer.clock.advance(1000);
    expect((await web.get(PLANS)).location).toBe(LOGIN);
  });

  it('should end when the server rotates its key or is deactivated', async () => {
    const rotating = await registerServer(bouncer);
    const web = new WebClient(bouncer);
    await web.login(rotating);
    const newKey = 'N'.repeat(64);
    const rotated = await call(bouncer, 'POST', REGISTER, { form: registerForm(rotating, { new_org_key: newKey }) });
    expect(rotated.status).toBe(200);
    expect((await web.get(PLANS)).location).toBe(LOGIN);
    await web.login({ uuid: rotating.uuid, key: newKey });

    const deactivating = await registerServer(bouncer);
    const web2 = new WebClient(bouncer);
    await web2.login(deactivating);
    expect((await call(bouncer, 'POST', DEACTIVATE, { auth: deactivating })).status).toBe(200);
    expect((await web2.get(PLANS)).location).toBe(LOGIN);
  });

  it('should log out only with the CSRF token, then forget the session', async () => {
    const server = await registerServer(bouncer);
    const web = new WebClient(bouncer);
    const csrf = await web.login(server);
    const cookie = web.cookie;

    const forged = await web.post('/serverlogin/logout', {});
    expect(forged.status).toBe(403);
    expect((await web.get(PLANS)).status).toBe(200);

    const out = await web.post('/serverlogin/logout', { csrf_token: csrf });
    expect(out.status).toBe(303);
    expect(out.location).toBe(LOGIN);
    expect(out.setCookie).toBe('zpg_serverlogin=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    // Replaying the old cookie does not bring the session back.
    web.cookie = cookie;
    expect((await web.get(PLANS)).location).toBe(LOGIN);
  });
});

describe('logs', () => {
  it('should write one access line per page, without bodies, keys, cookies or CSRF tokens', async () => {
    const server = await registerServer(bouncer);
    const web = new WebClient(bouncer);
    await web.post(LOGIN, { zulip_org_id: server.uuid, zulip_org_key: 'w'.repeat(64) });
    const csrf = await web.login(server);
    const cookieValue = web.cookie!.split('=')[1]!;
    await web.post(PLANS, { target: 'server', plan_type: '102', csrf_token: csrf });
    await web.post('/serverlogin/logout', { csrf_token: csrf });

    const all = logMessages(bouncer);
    const text = JSON.stringify(bouncer.logLines());
    for (const secret of [server.key, 'w'.repeat(64), cookieValue, csrf, 'zulip_org_key=', 'csrf_token=']) {
      expect(text).not.toContain(secret);
    }
    // Nothing needed redacting: the pages never hand a secret to the logger.
    expect(all.filter((m) => m.includes('serverlogin')).join('\n')).not.toContain('[REDACTED]');

    const mine = logMessages(bouncer, 'zulip.requests').filter((m) => (m.includes("/serverlogin/") && m.includes(server.uuid)) || m.includes("[invalid-server-key]"));
    expect(mine.some((m) => /POST +200 +\S+ \/serverlogin\/ \[invalid-server-key\] \(unauth via Mozilla\)$/.test(m))).toBe(true);
    expect(mine.some((m) => new RegExp(`POST +303 +\\S+ /serverlogin/ \\(serverlogin:${server.uuid} via Mozilla\\)$`).test(m))).toBe(true);
    expect(mine.some((m) => new RegExp(`GET +200 +\\S+ /serverlogin/plans/ \\(serverlogin:${server.uuid} via Mozilla\\)$`).test(m))).toBe(true);
    expect(mine.some((m) => new RegExp(`POST +303 +\\S+ /serverlogin/plans/ \\[plan_type=102\\] \\(serverlogin:${server.uuid} via Mozilla\\)$`).test(m))).toBe(true);
    expect(logMessages(bouncer, 'corporate.views.remote_billing_page')).toEqual(
      expect.arrayContaining([`serverlogin: ${server.hostname} ${server.uuid.slice(0, 12)} set the plan type of server to 102`]),
    );
  });
});
