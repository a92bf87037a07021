/** push/register, push/unregister, push/unregister/all effects (§4.1–§4.3; §15 cases 9 and 10). */
import crypto from 'node:crypto';
import {
  apnsToken,
  devices,
  expectBadRequest,
  expectSuccess,
  fcmToken,
  post,
  PUSH_REGISTER,
  PUSH_UNREGISTER,
  PUSH_UNREGISTER_ALL,
} from './push-register-support';
import { registerServer, startTestBouncer, type ServerIdentity, type TestBouncer } from './support';

let bouncer: TestBouncer;
beforeAll(async () => {
  bouncer = await startTestBouncer();
});
afterAll(() => bouncer.stop());

const register = (s: ServerIdentity, form: Record<string, string>) => post(bouncer, s, PUSH_REGISTER, form);
const unregister = (s: ServerIdentity, form: Record<string, string>) => post(bouncer, s, PUSH_UNREGISTER, form);
const unregisterAll = (s: ServerIdentity, form: Record<string, string>) => post(bouncer, s, PUSH_UNREGISTER_ALL, form);
const APP = { ios_app_id: 'org.zulip.Zulip' };

describe('push/register effects', () => {
  it('should move an id registration to uuid when both are sent (case 9)', async () => {
    const s = await registerServer(bouncer);
    const uuid = crypto.randomUUID();
    const token = fcmToken();
    expectSuccess(await register(s, { user_id: '15', token, token_kind: '2' }));
    expect(devices(bouncer, s).map((d) => [d.user_id, d.user_uuid])).toEqual([[15, null]]);
    expectSuccess(await register(s, { user_id: '15', user_uuid: uuid, token, token_kind: '2' }));
    const rows = devices(bouncer, s);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: null, user_uuid: uuid, kind: 2, token, remote_realm_id: null });
  });

  it('should match the id row of an APNs token case-insensitively when moving it to uuid', async () => {
    const s = await registerServer(bouncer);
    const token = apnsToken();
    expectSuccess(await register(s, { user_id: '15', token: token.toUpperCase(), token_kind: '1', ...APP }));
    const uuid = crypto.randomUUID();
    expectSuccess(await register(s, { user_id: '15', user_uuid: uuid, token, token_kind: '1', ...APP }));
    expect(devices(bouncer, s).map((d) => [d.user_id, d.user_uuid, d.token])).toEqual([[null, uuid, token]]);
  });

  it('should store a registration with its creation time and the given identity only', async () => {
    const s = await registerServer(bouncer);
    const uuid = crypto.randomUUID();
    const token = fcmToken();
    expectSuccess(await register(s, { user_uuid: uuid, token, token_kind: '2' }));
    expect(devices(bouncer, s)).toEqual([
      {
        id: expect.any(Number) as number,
        remote_realm_id: null,
        user_id: null,
        user_uuid: uuid,
        kind: 2,
        token,
        ios_app_id: null,
        last_updated: bouncer.clock.now() / 1000,
      },
    ]);
  });

  it('should store user_uuid canonically', async () => {
    const s = await registerServer(bouncer);
    const uuid = crypto.randomUUID();
    expectSuccess(await register(s, { user_uuid: uuid.toUpperCase(), token: fcmToken(), token_kind: '2' }));
    expect(devices(bouncer, s).map((d) => d.user_uuid)).toEqual([uuid]);
    // ... so the other spelling finds it.
    expectSuccess(await unregisterAll(s, { user_uuid: uuid }));
    expect(devices(bouncer, s)).toEqual([]);
  });

  it('should be idempotent and never update ios_app_id of an existing row', async () => {
    const s = await registerServer(bouncer);
    const token = apnsToken();
    expectSuccess(await register(s, { user_id: '7', token, token_kind: '1', ios_app_id: 'com.zulip.first' }));
    const before = devices(bouncer, s);
    bouncer.clock.advance(60_000);
    expectSuccess(await register(s, { user_id: '7', token, token_kind: '1', ios_app_id: 'com.zulip.second' }));
    expectSuccess(await register(s, { user_id: '7', token: token.toUpperCase(), token_kind: '1', ios_app_id: 'com.zulip.third' }));
    expect(devices(bouncer, s)).toEqual(before);
  });

  it('should keep one row per identity: the same token by id and by uuid are two rows', async () => {
    const s = await registerServer(bouncer);
    const token = fcmToken();
    const uuid = crypto.randomUUID();
    expectSuccess(await register(s, { user_id: '8', token, token_kind: '2' }));
    expectSuccess(await register(s, { user_uuid: uuid, token, token_kind: '2' }));
    expectSuccess(await register(s, { user_id: '9', token, token_kind: '2' }));
    // FCM tokens are case-sensitive: another row.
    expectSuccess(await register(s, { user_id: '8', token: token.toUpperCase(), token_kind: '2' }));
    expect(devices(bouncer, s).map((d) => [d.user_id, d.user_uuid, d.token])).toEqual([
      [8, null, token],
      [null, uuid, token],
      [9, null, token],
      [8, null, token.toUpperCase()],
    ]);
  });

  it('should keep registrations of different servers apart', async () => {
    const a = await registerServer(bouncer);
    const b = await registerServer(bouncer);
    const token = fcmToken();
    expectSuccess(await register(a, { user_id: '10', token, token_kind: '2' }));
    expectSuccess(await register(b, { user_id: '10', token, token_kind: '2' }));
    expectSuccess(await unregister(a, { user_id: '10', token, token_kind: '2' }));
    expect(devices(bouncer, a)).toEqual([]);
    expect(devices(bouncer, b).map((d) => d.token)).toEqual([token]);
  });
});

describe('push/register and unregister round trip (case 10)', () => {
  it('should register and unregister both kinds, then refuse the missing token', async () => {
    const s = await registerServer(bouncer);
    const apns = apnsToken();
    const fcm = fcmToken();
    for (const [token, kind] of [
      [apns, '1'],
      [fcm, '2'],
    ] as const) {
      expectSuccess(await register(s, { user_id: '10', token, token_kind: kind, ...APP }));
    }
    expect(devices(bouncer, s).map((d) => [d.kind, d.token])).toEqual([
      [1, apns],
      [2, fcm],
    ]);
    expectSuccess(await unregister(s, { token: apns, token_kind: '1', user_id: '10' }));
    expectSuccess(await unregister(s, { token: fcm, token_kind: '2', user_id: '10' }));
    expect(devices(bouncer, s)).toEqual([]);
    expectBadRequest(await unregister(s, { token: fcm, token_kind: '2', user_id: '10' }), 'Token does not exist');
  });

  it('should refuse a token of 5000 characters and a non-hex APNs token', async () => {
    const s = await registerServer(bouncer);
    const long = 'x'.repeat(5000);
    expectBadRequest(await register(s, { user_id: '10', token: long, token_kind: '2' }), 'Empty or invalid length token');
    expectBadRequest(await unregister(s, { user_id: '10', token: long, token_kind: '2' }), 'Empty or invalid length token');
    // 4096 code points is the limit (a 4096-emoji token is 8192 UTF-16 units).
    expectSuccess(await register(s, { user_id: '10', token: '😀'.repeat(4096), token_kind: '2' }));
    for (const token of ['xyz', 'abc', 'ab c', 'ab\u00e9f', '0x00']) {
      expectBadRequest(await register(s, { user_id: '10', token, token_kind: '1', ...APP }), 'Invalid APNS token');
    }
    expectBadRequest(await unregister(s, { user_id: '10', token: 'xyz', token_kind: '1' }), 'Invalid APNS token');
    // bytes.fromhex skips ASCII whitespace between bytes, and the token is stripped first.
    expectSuccess(await register(s, { user_id: '10', token: ' AB cd\t01 ', token_kind: '1', ...APP }));
    expect(devices(bouncer, s).map((d) => d.token)).toEqual(['😀'.repeat(4096), 'AB cd\t01']);
  });

  it('should check the token kind before the token on unregister', async () => {
    const s = await registerServer(bouncer);
    expectBadRequest(await unregister(s, { user_id: '10', token: 'xyz', token_kind: '3' }), 'Invalid token type');
  });

  it('should unregister only the identity’s row, matching uuid or id', async () => {
    const s = await registerServer(bouncer);
    const token = fcmToken();
    const uuid = crypto.randomUUID();
    expectSuccess(await register(s, { user_id: '10', token, token_kind: '2' }));
    expectSuccess(await register(s, { user_uuid: uuid, token, token_kind: '2' }));
    expectSuccess(await register(s, { user_id: '11', token, token_kind: '2' }));
    // user_id=10 OR user_uuid=uuid: both rows of this user go, user 11's stays.
    expectSuccess(await unregister(s, { token, token_kind: '2', user_id: '10', user_uuid: uuid }));
    expect(devices(bouncer, s).map((d) => d.user_id)).toEqual([11]);
    // The kind must match too.
    expectBadRequest(await unregister(s, { token, token_kind: '1', user_id: '11' }), 'Invalid APNS token');
    const apns = apnsToken();
    expectBadRequest(await unregister(s, { token: apns, token_kind: '1', user_id: '11' }), 'Token does not exist');
  });

  it('should unregister an APNs token case-insensitively', async () => {
    const s = await registerServer(bouncer);
    const token = apnsToken();
    expectSuccess(await register(s, { user_id: '10', token, token_kind: '1', ...APP }));
    expectSuccess(await unregister(s, { user_id: '10', token: token.toUpperCase(), token_kind: '1' }));
    expect(devices(bouncer, s)).toEqual([]);
  });

  it('should remove every row of user_id=10 on unregister/all, and succeed when there are none', async () => {
    const s = await registerServer(bouncer);
    for (const [token, kind] of [
      [apnsToken(), '1'],
      [fcmToken(), '2'],
      [fcmToken(), '2'],
    ] as const) {
      expectSuccess(await register(s, { user_id: '10', token, token_kind: kind, ...APP }));
    }
    const other = fcmToken();
    expectSuccess(await register(s, { user_id: '11', token: other, token_kind: '2' }));
    expectSuccess(await unregisterAll(s, { user_id: '10' }));
    expect(devices(bouncer, s).map((d) => [d.user_id, d.token])).toEqual([[11, other]]);
    expectSuccess(await unregisterAll(s, { user_id: '10' }));
  });

  it('should remove uuid and id rows of a user on unregister/all given both', async () => {
    const s = await registerServer(bouncer);
    const uuid = crypto.randomUUID();
    expectSuccess(await register(s, { user_id: '10', token: fcmToken(), token_kind: '2' }));
    expectSuccess(await register(s, { user_uuid: uuid, token: fcmToken(), token_kind: '2' }));
    expectSuccess(await unregisterAll(s, { user_id: '10', user_uuid: uuid }));
    expect(devices(bouncer, s)).toEqual([]);
  });
});
