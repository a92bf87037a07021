/** push/e2ee/register, 12.x profile (token_id, no device_id): §6.2, §15 case 20. */
import { realmFixture, uploadRealms } from './analytics-fixtures';
import {
  apnsToken,
  appTokenId,
  deviceRows,
  E2EE_REGISTER,
  e2eeRegisterForm,
  fcmToken,
  invalidRegistration,
  registerE2ee,
  serverWithRealm,
  tokenIdAsInt64Text,
  type E2eeSetup,
} from './e2ee-app';
import { call, startTestBouncer, type TestBouncer } from './support';

let bouncer: TestBouncer;
let setup: E2eeSetup;
beforeAll(async () => {
  bouncer = await startTestBouncer({ e2eeProfile: 12 });
  setup = await serverWithRealm(bouncer);
});
afterAll(() => bouncer.stop());

describe('push/e2ee/register (12.x)', () => {
  it('should create one RemotePushDevice storing token_id and answer without device_id', async () => {
    const token = apnsToken();
    const res = await registerE2ee(bouncer, setup, { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: 'success', msg: '' });
    const rows = deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token);
    expect(rows).toEqual([
      {
        device_id: expect.any(Number),
        token,
        token_kind: 'apns',
        ios_app_id: 'org.zulip.Zulip',
        push_account_id: null,
        token_id: tokenIdAsInt64Text(appTokenId(token)),
        expired_time: null,
      },
    ]);
  });

  it('should keep a single row when the registration is repeated', async () => {
    const token = apnsToken();
    expect((await registerE2ee(bouncer, setup, { token })).status).toBe(200);
    expect((await registerE2ee(bouncer, setup, { token })).body).toEqual({ result: 'success', msg: '' });
    expect(deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token)).toHaveLength(1);
  });

  it('should accept FCM with ios_app_id null', async () => {
    const token = fcmToken();
    expect((await registerE2ee(bouncer, setup, { token, token_kind: 'fcm', ios_app_id: null })).status).toBe(200);
    const [row] = deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token);
    expect(row).toMatchObject({ token_kind: 'fcm', ios_app_id: null, token_id: tokenIdAsInt64Text(appTokenId(token)) });
  });

  it('should store a negative token_id exactly (signed int64)', async () => {
    let token = apnsToken();
    while (Buffer.from(appTokenId(token), 'base64')[0]! < 0x80) token = apnsToken();
    expect((await registerE2ee(bouncer, setup, { token })).status).toBe(200);
    const [row] = deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token);
    expect(row!.token_id!.startsWith('-')).toBe(true);
    expect(row!.token_id).toBe(tokenIdAsInt64Text(appTokenId(token)));
  });

  it('should register the same token separately in another realm', async () => {
    const other = realmFixture();
    await uploadRealms(bouncer, setup.server, [{ realm: setup.realm, auditId: 1 }, { realm: other, auditId: 2 }]);
    const token = apnsToken();
    expect((await registerE2ee(bouncer, setup, { token })).status).toBe(200);
    expect((await registerE2ee(bouncer, { ...setup, realm: other }, { token })).status).toBe(200);
    expect(deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token)).toHaveLength(1);
    expect(deviceRows(bouncer, other.uuid).filter((r) => r.token === token)).toHaveLength(1);
  });

  it.each([
    ['192057', () => '192057'],
    ['the id of another token', () => appTokenId(apnsToken())],
    ['an unpadded id', (t: string) => appTokenId(t).replace(/=$/, '')],
    ['a 9-byte id', (t: string) => Buffer.concat([Buffer.from(appTokenId(t), 'base64'), Buffer.from([0])]).toString('base64')],
    ['an empty id', () => ''],
  ])('should refuse token_id %s as an invalid registration', async (_label, tokenId) => {
    const token = apnsToken();
    const res = await registerE2ee(bouncer, setup, { token, token_id: tokenId(token) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(invalidRegistration);
    expect(deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token)).toEqual([]);
  });

  it('should require token_id', async () => {
    const { token_id: _omit, ...form } = await e2eeRegisterForm(bouncer, setup, { token: apnsToken() });
    const res = await call(bouncer, 'POST', E2EE_REGISTER, { form: { ...form, push_account_id: '2408' }, auth: setup.server });
    expect(res.body).toEqual({
      result: 'error',
      msg: "Missing 'token_id' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'token_id',
    });
  });
});
