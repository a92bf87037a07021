/** push/e2ee/register, 11.x profile (push_account_id → device_id): §6.2, §15 case 20. */
import {
  apnsToken,
  deviceRows,
  E2EE_REGISTER,
  e2eeRegisterForm,
  fcmToken,
  registerE2ee,
  sealRegistration,
  serverWithRealm,
  type E2eeSetup,
} from './e2ee-app';
import { realmFixture, uploadRealms } from './analytics-fixtures';
import { call, startTestBouncer, type TestBouncer } from './support';

let bouncer: TestBouncer;
let setup: E2eeSetup;
beforeAll(async () => {
  bouncer = await startTestBouncer({ e2eeProfile: 11 });
  setup = await serverWithRealm(bouncer);
});
afterAll(() => bouncer.stop());

describe('push/e2ee/register (11.x)', () => {
  it('should create one RemotePushDevice and answer its device_id', async () => {
    const token = apnsToken();
    const res = await registerE2ee(bouncer, setup, { token, push_account_id: 2408 });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['device_id', 'msg', 'result']);
    expect(res.body).toMatchObject({ result: 'success', msg: '' });
    const rows = deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token);
    expect(rows).toEqual([
      {
        device_id: res.body.device_id,
        token,
        token_kind: 'apns',
        ios_app_id: 'org.zulip.Zulip',
        push_account_id: '2408',
        token_id: null,
        expired_time: null,
      },
    ]);
  });

  it('should touch the realm last_request_datetime', async () => {
    bouncer.clock.advance(5_000);
    await registerE2ee(bouncer, setup, { token: apnsToken() });
    const [realm] = bouncer.query<{ last_request_datetime: number }>(
      'SELECT last_request_datetime FROM remote_realm WHERE uuid = ?',
      setup.realm.uuid,
    );
    expect(realm!.last_request_datetime).toBe(bouncer.clock.now() / 1000);
  });

  it('should answer the same device_id when the registration is repeated', async () => {
    const token = apnsToken();
    const first = await registerE2ee(bouncer, setup, { token, push_account_id: 7 });
    const again = await registerE2ee(bouncer, setup, { token, push_account_id: 7 });
    expect(again.status).toBe(200);
    expect(again.body.device_id).toBe(first.body.device_id);
    expect(deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token)).toHaveLength(1);
  });

  it('should create separate devices for another push_account_id with the same token', async () => {
    const token = apnsToken();
    const a = await registerE2ee(bouncer, setup, { token, push_account_id: 1 });
    const b = await registerE2ee(bouncer, setup, { token, push_account_id: 2 });
    expect(b.body.device_id).not.toBe(a.body.device_id);
  });

  it('should accept FCM with ios_app_id null or omitted', async () => {
    const omitted = fcmToken();
    const res = await registerE2ee(bouncer, setup, { token: omitted, token_kind: 'fcm', ios_app_id: null });
    expect(res.status).toBe(200);
    const explicitNull = fcmToken();
    const form = await e2eeRegisterForm(bouncer, setup, { token: explicitNull, token_kind: 'fcm', ios_app_id: null });
    // Zulip's own tests send "ios_app_id": null; the Flutter app omits the key.
    form.encrypted_push_registration = await sealRegistration(
      bouncer.e2eePublicKey,
      { token: explicitNull, token_kind: 'fcm', ios_app_id: null },
      { nowMs: bouncer.clock.now(), explicitNull: true },
    );
    const res2 = await call(bouncer, 'POST', E2EE_REGISTER, { form, auth: setup.server });
    expect(res2.status).toBe(200);
    const rows = deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === omitted || r.token === explicitNull);
    expect(rows.map((r) => [r.token_kind, r.ios_app_id])).toEqual([
      ['fcm', null],
      ['fcm', null],
    ]);
  });

  it('should return the existing device_id for the same (token, push_account_id) from another realm', async () => {
    const other = realmFixture();
    expect((await uploadRealms(bouncer, setup.server, [{ realm: setup.realm, auditId: 1 }, { realm: other, auditId: 2 }])).status).toBe(200);
    const token = apnsToken();
    const first = await registerE2ee(bouncer, setup, { token, push_account_id: 99 });
    const fromOther = await registerE2ee(bouncer, { ...setup, realm: other }, { token, push_account_id: 99 });
    expect(fromOther.status).toBe(200);
    expect(fromOther.body.device_id).toBe(first.body.device_id);
    expect(deviceRows(bouncer, other.uuid)).toEqual([]);
  });

  it('should keep a push_account_id beyond 2^53 exact', async () => {
    const token = apnsToken();
    const big = '9223372036854775807';
    const a = await registerE2ee(bouncer, setup, { token, push_account_id: big });
    const b = await registerE2ee(bouncer, setup, { token, push_account_id: '9223372036854775806' });
    expect(a.status).toBe(200);
    expect(b.body.device_id).not.toBe(a.body.device_id);
    const rows = deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token);
    expect(rows.map((r) => r.push_account_id)).toEqual([big, '9223372036854775806']);
  });

  it('should validate push_account_id as Json[int]', async () => {
    const form = await e2eeRegisterForm(bouncer, setup, { token: apnsToken() });
    const post = (f: Record<string, string>) => call(bouncer, 'POST', E2EE_REGISTER, { form: f, auth: setup.server });
    expect((await post({ ...form, push_account_id: 'abc' })).body).toEqual({
      result: 'error',
      msg: 'push_account_id is not valid JSON',
      code: 'BAD_REQUEST',
    });
    expect((await post({ ...form, push_account_id: '"5"' })).body.msg).toBe('push_account_id is not an integer');
    expect((await post({ ...form, push_account_id: '9223372036854775808' })).status).toBe(400);
    const { push_account_id: _omit, ...missing } = form;
    expect((await post({ ...missing, token_id: 'hGsEWGmyyfI=' })).body).toEqual({
      result: 'error',
      msg: "Missing 'push_account_id' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'push_account_id',
    });
  });
});
