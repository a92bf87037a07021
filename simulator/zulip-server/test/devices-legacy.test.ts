/**
 * Legacy device tokens (server-and-app.md §D.1): `users/me/apns_device_token` and
 * `users/me/android_gcm_reg_id`, validated as Zulip does, stored locally and forwarded to a
 * real bouncer — or only stored while the service is paused.
 */
import { PUSH_NOTIFICATIONS_LOGGER } from '../bouncer-client/reactions';
import type { User } from '../types';
import { apnsToken, basicAuth, errorOf, fcmToken, IOS_APP_ID, startDeviceStack, zulipLogMessages, type DeviceStack } from './device-support';

const APNS = '/api/v1/users/me/apns_device_token';
const FCM = '/api/v1/users/me/android_gcm_reg_id';

let s: DeviceStack;
let hamlet: User;
let othello: User;

beforeAll(async () => {
  s = await startDeviceStack({ profile: 12 });
  hamlet = s.humans[3]!;
  othello = s.humans[4]!;
});
afterAll(async () => {
  await s.stop();
});

const localTokens = (user: User) => s.zulip.state.legacyDevices.filter((d) => d.userId === user.id).map((d) => ({ kind: d.kind, token: d.token, iosAppId: d.iosAppId }));
const bouncerTokens = (user: User) =>
  s.query<{ kind: number; token: string; ios_app_id: string | null }>(
    'SELECT kind, token, ios_app_id FROM remote_push_device_token WHERE user_uuid = ? ORDER BY id',
    user.uuid,
  );

/** Runs `fn` with settings changed, then restores them. */
async function withSettings<T>(change: Parameters<DeviceStack['zulip']['updateSettings']>[0], fn: () => Promise<T>): Promise<T> {
  const before = s.zulip.settings();
  s.zulip.updateSettings(change);
  try {
    return await fn();
  } finally {
    s.zulip.updateSettings(before);
  }
}

describe('validation', () => {
  const token = apnsToken(1);
  it.each([
    ['APNs add without appid', 'POST', APNS, { token }, 'REQUEST_VARIABLE_MISSING', "Missing 'appid' argument"],
    ['APNs add without anything (appid is read first)', 'POST', APNS, {}, 'REQUEST_VARIABLE_MISSING', "Missing 'appid' argument"],
    ['APNs add without token', 'POST', APNS, { appid: IOS_APP_ID }, 'REQUEST_VARIABLE_MISSING', "Missing 'token' argument"],
    ['APNs add with a slash in appid', 'POST', APNS, { appid: 'org.zulip/Zulip', token }, 'BAD_REQUEST', 'appid has invalid format'],
    ['APNs add with an empty appid', 'POST', APNS, { appid: '', token }, 'BAD_REQUEST', 'appid has invalid format'],
    ['APNs add with an empty token', 'POST', APNS, { appid: IOS_APP_ID, token: '' }, 'BAD_REQUEST', 'Empty or invalid length token'],
    ['APNs add with a 4098-character token', 'POST', APNS, { appid: IOS_APP_ID, token: 'a'.repeat(4098) }, 'BAD_REQUEST', 'Empty or invalid length token'],
    ['APNs add with a non-hex token', 'POST', APNS, { appid: IOS_APP_ID, token: 'not-hex' }, 'BAD_REQUEST', 'Invalid APNS token'],
    ['APNs add with an odd number of hex digits', 'POST', APNS, { appid: IOS_APP_ID, token: 'abc' }, 'BAD_REQUEST', 'Invalid APNS token'],
    ['APNs delete without token', 'DELETE', APNS, {}, 'REQUEST_VARIABLE_MISSING', "Missing 'token' argument"],
    ['APNs delete with a non-hex token', 'DELETE', APNS, { token: 'zz' }, 'BAD_REQUEST', 'Invalid APNS token'],
    ['FCM add without token', 'POST', FCM, {}, 'REQUEST_VARIABLE_MISSING', "Missing 'token' argument"],
    ['FCM add with an empty token', 'POST', FCM, { token: '' }, 'BAD_REQUEST', 'Empty or invalid length token'],
    ['FCM delete with a 4097-character token', 'DELETE', FCM, { token: 'x'.repeat(4097) }, 'BAD_REQUEST', 'Empty or invalid length token'],
  ] as const)('should refuse %s', async (_label, method, path, form, code, msg) => {
    const r = await s.call(method, path, { user: hamlet, form: form as Record<string, string> });
    expect(errorOf(r)).toEqual({ status: 400, code, msg });
    expect(localTokens(hamlet)).toEqual([]);
  });

  it('should name the missing argument in var_name', async () => {
    const r = await s.call('POST', FCM, { user: hamlet });
    expect(r.body).toEqual({ result: 'error', msg: "Missing 'token' argument", code: 'REQUEST_VARIABLE_MISSING', var_name: 'token' });
  });

  it('should accept an APNs token with whitespace between byte pairs and upper-case digits (bytes.fromhex)', async () => {
    const token = 'AB cd\tEF01';
    expect((await s.call('POST', APNS, { user: othello, form: { appid: IOS_APP_ID, token } })).status).toBe(200);
    expect((await s.call('DELETE', APNS, { user: othello, form: { token } })).status).toBe(200);
    expect(localTokens(othello)).toEqual([]);
  });

  it('should refuse bots (@human_users_only)', async () => {
    const r = await s.call('POST', FCM, { user: s.bot, form: { token: fcmToken(1) } });
    expect(errorOf(r)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'This endpoint does not accept bot requests.' });
  });

  it('should answer 401 to a wrong API key and to a request without credentials', async () => {
    const wrong = await s.call('POST', FCM, { auth: basicAuth(hamlet.email, 'x'.repeat(32)), form: { token: fcmToken(1) } });
    expect(errorOf(wrong)).toEqual({ status: 401, code: 'INVALID_API_KEY', msg: 'Invalid API key' });
    const none = await s.call('POST', FCM, { auth: null, form: { token: fcmToken(1) } });
    expect(errorOf(none)).toEqual({ status: 401, code: 'UNAUTHORIZED', msg: 'Not logged in: API authentication or user session required' });
  });

  it('should answer 405 to another method', async () => {
    const r = await s.call('PATCH', APNS, { user: hamlet, form: { token: apnsToken(1) } });
    expect(r.status).toBe(405);
    expect(r.body).toMatchObject({ result: 'error', msg: 'Method Not Allowed', allowed_methods: ['POST', 'DELETE'] });
  });
});

describe('with the bouncer in use', () => {
  it('should store an iPhone token, log it as Zulip does and register it at the bouncer', async () => {
    const token = apnsToken(0xa1);
    await s.api(hamlet).registerLegacy({ tokenKind: 'apns', token, appId: IOS_APP_ID });

    expect(localTokens(hamlet)).toEqual([{ kind: 'apns', token, iosAppId: IOS_APP_ID }]);
    expect(bouncerTokens(hamlet)).toEqual([{ kind: 1, token, ios_app_id: IOS_APP_ID }]);
    const logged = zulipLogMessages(s.zulip, PUSH_NOTIFICATIONS_LOGGER);
    expect(logged).toContain(`Registering push device: ${hamlet.id} '${token}' 1 '${IOS_APP_ID}'`);
    const realm = s.zulip.state.realm(hamlet.realmId);
    const orgId = s.zulip.context.secrets.credentials()!.zulipOrgId;
    expect(logged).toContain(
      `Sending new push device to bouncer: {'server_uuid': '${orgId}', 'user_uuid': '${hamlet.uuid}', 'realm_uuid': '${realm.uuid}', ` +
        `'user_id': '${hamlet.id}', 'token': '${token}', 'token_kind': 1, 'ios_app_id': '${IOS_APP_ID}'}`,
    );
    // The API key never reaches the log.
    expect(JSON.stringify(s.zulip.logLines())).not.toContain(s.zulip.state.apiKeyOf(hamlet.id));
  });

  it('should ignore a second registration of the same token', async () => {
    const token = apnsToken(0xa1);
    await s.api(hamlet).registerLegacy({ tokenKind: 'apns', token, appId: IOS_APP_ID });
    expect(localTokens(hamlet)).toHaveLength(1);
    expect(bouncerTokens(hamlet)).toHaveLength(1);
  });

  it('should remove an APNs token given in another case, here and at the bouncer', async () => {
    await s.api(hamlet).unregisterLegacy({ tokenKind: 'apns', token: apnsToken(0xa1).toUpperCase() });
    expect(localTokens(hamlet)).toEqual([]);
    expect(bouncerTokens(hamlet)).toEqual([]);
  });

  it('should register and remove an Android token', async () => {
    const token = fcmToken(7);
    await s.api(othello).registerLegacy({ tokenKind: 'fcm', token });
    expect(localTokens(othello)).toEqual([{ kind: 'fcm', token, iosAppId: null }]);
    expect(bouncerTokens(othello)).toEqual([{ kind: 2, token, ios_app_id: null }]);
    expect(zulipLogMessages(s.zulip, PUSH_NOTIFICATIONS_LOGGER)).toContain(`Registering push device: ${othello.id} '${token}' 2 None`);

    await s.api(othello).unregisterLegacy({ tokenKind: 'fcm', token });
    expect(localTokens(othello)).toEqual([]);
    expect(bouncerTokens(othello)).toEqual([]);
  });

  it("should pass on the bouncer's `Token does not exist` for a token neither side knows", async () => {
    const r = await s.call('DELETE', FCM, { user: hamlet, form: { token: fcmToken(404) } });
    expect(errorOf(r)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'Token does not exist' });
  });

  it('should report unsupported parameters on success', async () => {
    const token = fcmToken(8);
    const r = await s.call('POST', FCM, { user: hamlet, form: { token, user_id: '1' } });
    expect(r).toEqual({ status: 200, body: { result: 'success', msg: '', ignored_parameters_unsupported: ['user_id'] } });
    await s.api(hamlet).unregisterLegacy({ tokenKind: 'fcm', token });
  });

  it('should answer 502 when the bouncer cannot be reached, keeping the local row', async () => {
    const token = fcmToken(9);
    const r = await withSettings({ servicesUrl: 'http://127.0.0.1:1' }, () => s.call('POST', FCM, { user: hamlet, form: { token } }));
    expect(errorOf(r)).toEqual({ status: 502, code: 'BAD_REQUEST', msg: 'ConnectionError while trying to connect to push notification bouncer' });
    expect(localTokens(hamlet)).toEqual([{ kind: 'fcm', token, iosAppId: null }]);
    expect(bouncerTokens(hamlet)).toEqual([]);
    // Re-registering once the bouncer is back sends it.
    await s.api(hamlet).registerLegacy({ tokenKind: 'fcm', token });
    expect(bouncerTokens(hamlet)).toEqual([{ kind: 2, token, ios_app_id: null }]);
    await s.api(hamlet).unregisterLegacy({ tokenKind: 'fcm', token });
  });
});

describe('without a bouncer call', () => {
  it('should store locally and send nothing while the service is paused', async () => {
    const token = apnsToken(0xb2);
    await withSettings({ servicesUrl: null }, async () => {
      const before = s.zulip.logLines().length;
      await s.api(othello).registerLegacy({ tokenKind: 'apns', token, appId: IOS_APP_ID });
      expect(localTokens(othello)).toEqual([{ kind: 'apns', token, iosAppId: IOS_APP_ID }]);
      expect(bouncerTokens(othello)).toEqual([]);
      const lines = s.zulip.logLines().slice(before).map((l) => l.msg);
      expect(lines.some((m) => m.startsWith('Sending new push device to bouncer'))).toBe(false);
      expect(lines).toContain(`Registering push device: ${othello.id} '${token}' 1 '${IOS_APP_ID}'`);

      await s.api(othello).unregisterLegacy({ tokenKind: 'apns', token });
      expect(localTokens(othello)).toEqual([]);
    });
  });

  it('should answer `Token does not exist` for an unknown token when the bouncer is not used', async () => {
    await withSettings({ pushNotifications: false }, async () => {
      const token = fcmToken(11);
      await s.api(othello).registerLegacy({ tokenKind: 'fcm', token });
      expect(localTokens(othello)).toEqual([{ kind: 'fcm', token, iosAppId: null }]);
      expect(bouncerTokens(othello)).toEqual([]);
      await s.api(othello).unregisterLegacy({ tokenKind: 'fcm', token });
      const r = await s.call('DELETE', FCM, { user: othello, form: { token } });
      expect(errorOf(r)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'Token does not exist' });
    });
  });
});
