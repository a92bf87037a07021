/** server/deactivate (§3.2; §15 case 6). */
import { call, DEACTIVATE, REGISTER, registerForm, registerServer, startTestBouncer, type TestBouncer } from './support';

let bouncer: TestBouncer;
beforeAll(async () => {
  bouncer = await startTestBouncer();
});
afterAll(() => bouncer.stop());

const DEACTIVATED = 'The mobile push notification service registration for your server has been deactivated';

describe('server/deactivate', () => {
  it('should deactivate once, then refuse every call with the deactivated message', async () => {
    const s = await registerServer(bouncer);

    // 1. deactivate
    const res = await call(bouncer, 'POST', DEACTIVATE, { json: {}, auth: s });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: 'success', msg: '' });
    expect(
      bouncer.query(
        `SELECT s.deactivated, a.event_type FROM remote_zulip_server s
         JOIN remote_zulip_server_audit_log a ON a.server_id = s.id WHERE s.uuid = ? ORDER BY a.id`,
        s.uuid,
      ),
    ).toEqual([
      { deactivated: 1, event_type: 10215 },
      { deactivated: 1, event_type: 10201 },
    ]);

    // 2. a second deactivate: 401 UNAUTHORIZED
    const again = await call(bouncer, 'POST', DEACTIVATE, { json: {}, auth: s });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ result: 'error', msg: DEACTIVATED, code: 'UNAUTHORIZED' });

    // 3. server/register: 401 REALM_DEACTIVATED (its own, unwrapped error)
    const reg = await call(bouncer, 'POST', REGISTER, { form: registerForm(s) });
    expect(reg.status).toBe(401);
    expect(reg.body).toEqual({ result: 'error', msg: DEACTIVATED, code: 'REALM_DEACTIVATED' });
  });

  it('should check the key before the deactivation on server/register', async () => {
    const s = await registerServer(bouncer);
    await call(bouncer, 'POST', DEACTIVATE, { json: {}, auth: s });
    const reg = await call(bouncer, 'POST', REGISTER, { form: registerForm({ ...s, key: 'k'.repeat(64) }) });
    expect(reg.status).toBe(400);
    expect(reg.body.code).toBe('INVALID_ZULIP_SERVER');
  });

  it('should refuse while a paid plan is live, and allow it once the plan is set to downgrade', async () => {
    const s = await registerServer(bouncer);
    // 1. a Business plan (tier 104), active (status 1)
    const added = await call(bouncer, 'POST', `/__admin/servers/${s.uuid}/plans`, { json: { tier: 104, status: 1 } });
    const planId = (added.body.plan as { id: number }).id;
    const refused = await call(bouncer, 'POST', DEACTIVATE, { json: {}, auth: s });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      result: 'error',
      msg: 'Something went wrong. Please contact sales@zulip.com.',
      code: 'BAD_REQUEST',
      error_description: 'server deactivation with existing plan',
    });
    // 2. DOWNGRADE_AT_END_OF_CYCLE (2): deactivation goes through
    await call(bouncer, 'POST', `/__admin/plans/${planId}/status`, { json: { status: 2 } });
    expect((await call(bouncer, 'POST', DEACTIVATE, { json: {}, auth: s })).status).toBe(200);
  });

  it('should answer 405 to GET, before authenticating', async () => {
    const res = await call(bouncer, 'GET', DEACTIVATE);
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ result: 'error', msg: 'Method Not Allowed', allowed_methods: ['POST'] });
    expect(res.headers.get('allow')).toBe('POST');
  });
});
