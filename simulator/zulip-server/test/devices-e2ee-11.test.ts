/**
 * The 11.x E2EE registration (server-and-app.md §D.2): `mobile_push/register` by
 * `push_account_id`, the worker storing the bouncer's `device_id`, `push_device` events and the
 * `push_devices` field of /register — against a bouncer speaking the 11.x protocol.
 */
import sodium from 'libsodium-wrappers';
import { encodePushKey } from '../../devices/push-keys';
import { sealPushRegistration } from '../../devices/registration';
import { resumePendingRegistrations } from '../push/e2ee-registration';
import type { PushDevice11 } from '../state';
import type { User } from '../types';
import { errorOf, IOS_APP_ID, startDeviceStack, type DeviceStack } from './device-support';

const PUSH_REGISTER = '/api/v1/mobile_push/register';
const PUSH_KEY = 'MTaUDJDMWypQ1WufZ1NRTHSSvgYtXh1qVNSjN3aBiEFt';
const FORM = { token_kind: 'fcm', push_account_id: '10', push_key: PUSH_KEY, bouncer_public_key: 'k', encrypted_push_registration: 'r' };

let s: DeviceStack;
let hamlet: User;
let othello: User;

beforeAll(async () => {
  s = await startDeviceStack({ profile: 11, providers: true });
  hamlet = s.humans[3]!;
  othello = s.humans[4]!;
});
afterAll(async () => {
  await s.stop();
});

const row = (user: User, pushAccountId: number): PushDevice11 | undefined =>
  s.zulip.state.pushDevices11.find((r) => r.userId === user.id && r.pushAccountId === pushAccountId);
const pushDevices = async (user: User) => {
  const r = await s.call('POST', '/api/v1/register', { user });
  expect(r.body).toMatchObject({ result: 'success', zulip_feature_level: 420, zulip_version: '11.0' });
  expect(r.body).not.toHaveProperty('devices');
  return r.body.push_devices as Record<string, { status: string; error_code: string | null }>;
};

it('should register a phone by push_account_id and store the bouncer device id', async () => {
  const phone = s.androidPhone(hamlet);
  // Paused first, so the row can be seen pending; resumed below.
  const url = s.zulip.settings().servicesUrl;
  s.zulip.updateSettings({ servicesUrl: null });
  const report = await phone.registerE2ee11();
  const accountId = report.pushKeyId!;
  await s.zulip.idle();
  expect(row(hamlet, accountId)).toMatchObject({ tokenKind: 'fcm', bouncerDeviceId: null, errorCode: null });
  expect(Buffer.from(row(hamlet, accountId)!.pushKey)).toEqual(Buffer.from(phone.keys.latest!.material));
  expect((await pushDevices(hamlet))[String(accountId)]).toEqual({ status: 'pending', error_code: null });
  expect(s.zulip.state.eventsFor(hamlet.id)).toEqual([]);

  // Setting ZULIP_SERVICES_URL again re-sends it (updateSettings → resumePendingRegistrations).
  s.zulip.updateSettings({ servicesUrl: url });
  await s.zulip.idle();
  expect(resumePendingRegistrations(s.zulip.context)).toBe(0);
  const [remote] = s.query<{ device_id: number; push_account_id: number }>('SELECT device_id, push_account_id FROM remote_push_device WHERE token = ?', phone.token);
  expect(remote).toEqual({ device_id: expect.any(Number), push_account_id: accountId });
  expect(row(hamlet, accountId)).toMatchObject({ bouncerDeviceId: remote!.device_id, errorCode: null });
  expect(s.zulip.state.eventsFor(hamlet.id)).toEqual([{ type: 'push_device', push_account_id: accountId, status: 'active' }]);
  expect((await pushDevices(hamlet))[String(accountId)]).toEqual({ status: 'active', error_code: null });

  // Registering again is a no-op: nothing queued, no event.
  await phone.registerE2ee11();
  expect(s.zulip.context.queue.size).toBe(0);
  expect(s.zulip.state.eventsFor(hamlet.id)).toHaveLength(1);
});

it('should report a failed registration, and accept a corrected one for the same account', async () => {
  await sodium.ready;
  const wrongKey = Buffer.from(sodium.crypto_box_keypair().publicKey).toString('base64');
  const phone = s.iosPhone(othello, { bouncerPublicKey: wrongKey });
  const accountId = (await phone.registerE2ee11()).pushKeyId!;
  await s.zulip.idle();
  expect(row(othello, accountId)).toMatchObject({ bouncerDeviceId: null, errorCode: 'INVALID_BOUNCER_PUBLIC_KEY' });
  expect(s.zulip.state.eventsFor(othello.id).at(-1)).toEqual({
    type: 'push_device',
    push_account_id: accountId,
    status: 'failed',
    error_code: 'INVALID_BOUNCER_PUBLIC_KEY',
  });
  expect((await pushDevices(othello))[String(accountId)]).toEqual({ status: 'failed', error_code: 'INVALID_BOUNCER_PUBLIC_KEY' });

  // The fixed app re-sends with the key the bouncer has: the failed row is reset and retried.
  const registration = { tokenKind: 'apns' as const, token: phone.token, timestamp: Math.floor(s.clock.now() / 1000), iosAppId: IOS_APP_ID };
  await s.api(othello).registerE2ee11({
    tokenKind: 'apns',
    pushAccountId: accountId,
    pushKey: encodePushKey(phone.keys.latest!.material),
    bouncerPublicKey: s.bouncer.e2eePublicKey,
    encryptedPushRegistration: sealPushRegistration(registration, s.bouncer.e2eePublicKey),
  });
  expect(row(othello, accountId)).toMatchObject({ errorCode: null });
  await s.zulip.idle();
  expect(row(othello, accountId)).toMatchObject({ bouncerDeviceId: expect.any(Number), errorCode: null });
  expect((await pushDevices(othello))[String(accountId)]).toEqual({ status: 'active', error_code: null });
});

it.each([
  ['no token_kind', { ...FORM, token_kind: undefined }, 'REQUEST_VARIABLE_MISSING', "Missing 'token_kind' argument"],
  ['an unknown token_kind', { ...FORM, token_kind: 'gcm' }, 'BAD_REQUEST', 'Invalid token_kind: Value error, Not in the list of possible values'],
  ['no push_account_id', { ...FORM, push_account_id: undefined }, 'REQUEST_VARIABLE_MISSING', "Missing 'push_account_id' argument"],
  ['a push_account_id that is not JSON', { ...FORM, push_account_id: 'ten' }, 'BAD_REQUEST', 'push_account_id is not valid JSON'],
  ['no encrypted_push_registration', { ...FORM, encrypted_push_registration: undefined }, 'REQUEST_VARIABLE_MISSING', "Missing 'encrypted_push_registration' argument"],
  ['a push_key of the wrong length', { ...FORM, push_key: 'MTaU' }, 'BAD_REQUEST', 'Invalid `push_key`'],
])('should refuse %s', async (_label, form, code, msg) => {
  const defined = Object.fromEntries(Object.entries(form).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const r = await s.call('POST', PUSH_REGISTER, { user: hamlet, form: defined });
  expect(errorOf(r)).toEqual({ status: 400, code, msg });
  expect(row(hamlet, 10)).toBeUndefined();
});

it('should refuse bots and servers not using the push service', async () => {
  const bot = await s.call('POST', PUSH_REGISTER, { user: s.bot, form: FORM });
  expect(errorOf(bot)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'This endpoint does not accept bot requests.' });
  s.zulip.updateSettings({ pushNotifications: false });
  try {
    const r = await s.call('POST', PUSH_REGISTER, { user: hamlet, form: FORM });
    expect(errorOf(r)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'Server is not configured to use push notification service.' });
  } finally {
    s.zulip.updateSettings({ pushNotifications: true });
  }
});

it('should not have the 12.x client-device endpoints', async () => {
  for (const path of ['/api/v1/register_client_device', '/api/v1/remove_client_device']) {
    const r = await s.call('POST', path, { user: hamlet, form: { device_id: '1' } });
    expect(errorOf(r)).toEqual({ status: 404, code: 'BAD_REQUEST', msg: 'Endpoint not found' });
  }
});
