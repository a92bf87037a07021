/** server/register: create, update, rotate, and every validation (§3.1; §15 cases 1–5). */
import {
  call,
  dnsTable,
  newServerIdentity,
  randomOrgKey,
  REGISTER,
  registerForm,
  startTestBouncer,
  type TestBouncer,
} from './support';

let bouncer: TestBouncer;
beforeAll(async () => {
  bouncer = await startTestBouncer();
});
afterAll(() => bouncer.stop());

const register = (form: Record<string, string>) => call(bouncer, 'POST', REGISTER, { form });

describe('server/register', () => {
  it('should create a server, then update hostname and contact email, then rotate its key', async () => {
    const s = newServerIdentity();
    // 1. create
    const created = await register(registerForm(s));
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ result: 'success', msg: '', created: true });
    const [row] = bouncer.query<{ hostname: string; last_request_datetime: number }>(
      'SELECT hostname, last_request_datetime FROM remote_zulip_server WHERE uuid = ?',
      s.uuid,
    );
    expect(row!.last_request_datetime).toBe(bouncer.clock.now() / 1000);

    // 2. same uuid and key, new hostname and email
    const moved = { ...s, hostname: `new-${s.hostname}`, contactEmail: 'ops@gmail.com' };
    expect((await register(registerForm(moved))).body).toEqual({ result: 'success', msg: '', created: false });
    expect(
      bouncer.query('SELECT hostname, contact_email FROM remote_zulip_server WHERE uuid = ?', s.uuid),
    ).toEqual([{ hostname: moved.hostname, contact_email: 'ops@gmail.com' }]);

    // 3. rotate: new_org_key replaces the key at once
    const newKey = randomOrgKey();
    expect((await register(registerForm(moved, { new_org_key: newKey }))).body.created).toBe(false);
    const stale = await register(registerForm(moved));
    expect(stale.status).toBe(400);
    expect(stale.body).toEqual({
      result: 'error',
      msg: `Zulip server auth failure: key does not match role ${s.uuid}`,
      code: 'INVALID_ZULIP_SERVER',
      role: s.uuid,
    });
    expect((await register(registerForm({ ...moved, key: newKey }))).status).toBe(200);

    // 4. exactly one audit row: creation (rotation writes none)
    expect(bouncer.query('SELECT event_type FROM remote_zulip_server_audit_log a JOIN remote_zulip_server s ON s.id = a.server_id WHERE s.uuid = ?', s.uuid)).toEqual([
      { event_type: 10215 },
    ]);
  });

  it('should refuse a different random key for an existing uuid', async () => {
    const s = newServerIdentity();
    await register(registerForm(s));
    const res = await register(registerForm({ ...s, key: randomOrgKey() }));
    expect(res.status).toBe(400);
    expect(res.body.msg).toBe(`Zulip server auth failure: key does not match role ${s.uuid}`);
  });

  it('should refuse a second server with a hostname already in use, but let an existing server move onto it', async () => {
    const first = newServerIdentity();
    await register(registerForm(first));
    const second = newServerIdentity({ hostname: first.hostname });
    const res = await register(registerForm(second));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      result: 'error',
      msg: `A server with hostname ${first.hostname} already exists`,
      code: 'HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR',
      hostname: first.hostname,
    });
    // Uniqueness is only checked on creation.
    const third = newServerIdentity();
    await register(registerForm(third));
    expect((await register(registerForm({ ...third, hostname: first.hostname }))).status).toBe(200);
  });

  it.each([
    ['a non-v4 uuid', '18cedb98-5222-5f34-50a9-fc418e1ba972'],
    ['36 x characters', 'x'.repeat(36)],
    ['an upper-case uuid', '6CDE5F7A-1F7E-4978-9716-49F69EBFC9FE'],
    ['a uuid with a wrong variant', '6cde5f7a-1f7e-4978-c716-49f69ebfc9fe'],
  ])('should answer Invalid UUID for %s', async (_what, uuid) => {
    const res = await register(registerForm(newServerIdentity({ uuid })));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg: 'Invalid UUID', code: 'BAD_REQUEST' });
  });

  it.each([
    ['zulip_org_id', { zulip_org_id: '18cedb98' }, 'zulip_org_id is not length 36'],
    ['zulip_org_key', { zulip_org_key: 'k'.repeat(63) }, 'zulip_org_key is not length 64'],
    ['new_org_key', { new_org_key: 'k'.repeat(65) }, 'new_org_key is not length 64'],
    ['hostname', { hostname: `${'h'.repeat(125)}.com` }, 'hostname is too long (limit: 128 characters)'],
    ['blank zulip_org_id', { zulip_org_id: '   ' }, 'zulip_org_id cannot be blank'],
    ['blank new_org_key', { new_org_key: ' ' }, 'new_org_key cannot be blank'],
  ])('should check the length of %s', async (_what, override, msg) => {
    const res = await register({ ...registerForm(newServerIdentity()), ...override });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg, code: 'BAD_REQUEST' });
  });

  it.each(['zulip_org_id', 'zulip_org_key', 'hostname', 'contact_email'])(
    'should name the missing argument %s',
    async (name) => {
      const form = registerForm(newServerIdentity());
      delete form[name];
      const res = await register(form);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        result: 'error',
        msg: `Missing '${name}' argument`,
        code: 'REQUEST_VARIABLE_MISSING',
        var_name: name,
      });
    },
  );

  it('should take parameters one at a time, in signature order', async () => {
    // typed_endpoint validates zulip_org_id before it notices zulip_org_key is missing
    const invalidFirst = await register({ zulip_org_id: 'short', contact_email: 'admin@zulip.com' });
    expect(invalidFirst.body.msg).toBe('zulip_org_id is not length 36');
    const missingFirst = await register({ zulip_org_key: 'short', hostname: 'invalid-host' });
    expect(missingFirst.body.msg).toBe("Missing 'zulip_org_id' argument");
  });

  it.each([
    ['invalid-host', 'invalid-host is not a valid hostname'],
    ['example.com/path', 'example.com/path contains invalid components (e.g., path, query, fragment).'],
  ])('should refuse the hostname %s', async (hostname, msg) => {
    const res = await register(registerForm(newServerIdentity({ hostname })));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg, code: 'BAD_REQUEST' });
  });

  describe('contact email', () => {
    const refuse = async (contactEmail: string, reason: string) => {
      const res = await register(registerForm(newServerIdentity({ contactEmail })));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        result: 'error',
        msg: `Invalid server administrator email address: ${reason}`,
        code: 'BAD_REQUEST',
        email_reason: reason,
      });
    };

    it('should refuse an address that is not an email', () => refuse('server-admin', 'Enter a valid email address.'));
    it('should refuse example.com', () => refuse('admin@Example.com', 'example.com is not a valid email domain.'));
    it('should refuse disposable domains', () => refuse('admin@mailnator.com', 'Please use your real email address.'));

    it('should refuse a domain that resolves but has no MX records', async () => {
      dnsTable(bouncer).set('no-mx.test', { a: ['192.0.2.10'] });
      await refuse('admin@no-mx.test', 'no-mx.test is invalid because it does not have any MX records');
    });

    it('should refuse a domain that does not exist', () =>
      refuse('admin@nowhere.invalid', 'nowhere.invalid does not exist'));

    it('should accept a domain whose MX records the harness added', async () => {
      dnsTable(bouncer).set('mail.test', { mx: ['mx1.mail.test'] });
      const res = await register(registerForm(newServerIdentity({ contactEmail: 'admin@MAIL.test' })));
      expect(res.status).toBe(200);
    });

    it('should validate the email before the uuid', async () => {
      const s = newServerIdentity({ uuid: 'x'.repeat(36), contactEmail: 'nope' });
      expect((await register(registerForm(s))).body.msg).toBe(
        'Invalid server administrator email address: Enter a valid email address.',
      );
    });
  });

  it('should report unknown parameters as ignored on success', async () => {
    const res = await register({ ...registerForm(newServerIdentity()), agree_to_terms: 'true', zeta: '1' });
    expect(res.body).toEqual({
      result: 'success',
      msg: '',
      created: true,
      ignored_parameters_unsupported: ['agree_to_terms', 'zeta'],
    });
  });

  it('should read parameters from the query string too', async () => {
    const s = newServerIdentity();
    const res = await call(bouncer, 'POST', REGISTER, { query: registerForm(s) });
    expect(res.body).toEqual({ result: 'success', msg: '', created: true });
  });

  it('should not read a JSON body as form parameters', async () => {
    const res = await call(bouncer, 'POST', REGISTER, { json: registerForm(newServerIdentity()) });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('REQUEST_VARIABLE_MISSING');
  });
});
