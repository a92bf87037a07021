/**
 * The 12.x E2EE device API (server-and-app.md §A.2, §D.3): client devices, mobile_push/register
 * with its key and token groups and Zulip's errors, the registration worker against a real
 * bouncer, and the device status in events and the /register snapshot — driven by simulated
 * phones where a phone would do it.
 */
import sodium from 'libsodium-wrappers';
import { ZulipApiError } from '../../devices/zulip-api';
import { resumePendingRegistrations } from '../push/e2ee-registration';
import type { ClientDevice } from '../state';
import type { User } from '../types';
import { errorOf, IOS_APP_ID, startDeviceStack, type DeviceStack } from './device-support';

const REGISTER_DEVICE = '/api/v1/register_client_device';
const REMOVE_DEVICE = '/api/v1/remove_client_device';
const PUSH_REGISTER = '/api/v1/mobile_push/register';

/** The API docs' examples: 0x31 ‖ 32 bytes, and a token id. */
const PUSH_KEY = 'MTaUDJDMWypQ1WufZ1NRTHSSvgYtXh1qVNSjN3aBiEFt';
const TOKEN_ID = 'hGsEWGmyyfI=';
const KEY_GROUP = { push_key_id: '2408', push_key: PUSH_KEY };
const TOKEN_GROUP = { token_kind: 'fcm', token_id: TOKEN_ID, bouncer_public_key: 'bouncer-public-key', encrypted_push_registration: 'encrypted-push-registration-data' };

let s: DeviceStack;
let hamlet: User;
let othello: User;
let iago: User;

beforeAll(async () => {
  s = await startDeviceStack({ profile: 12, providers: true });
  [, , iago, hamlet, othello] = s.humans as [User, User, User, User, User];
});
afterAll(async () => {
  await s.stop();
});

const device = (id: number): ClientDevice | undefined => s.zulip.state.clientDevices.get(id);
const eventsOf = (user: User) => s.zulip.state.eventsFor(user.id);
const newDeviceId = async (user: User) => (await s.api(user).registerClientDevice()).deviceId;
const snapshotDevices = async (user: User) => {
  const r = await s.call('POST', '/api/v1/register', { user });
  expect(r.status).toBe(200);
  return r.body.devices as Record<string, Record<string, unknown>>;
};

describe('client devices', () => {
  it('should create a device record, announce it, and remove it again (FL 470)', async () => {
    const before = eventsOf(othello).length;
    const id = await newDeviceId(othello);
    expect(device(id)).toMatchObject({ id, userId: othello.id, pushKeyId: null, pushTokenId: null, pendingPushTokenId: null });
    expect(await snapshotDevices(othello)).toMatchObject({
      [String(id)]: { push_key_id: null, push_token_id: null, pending_push_token_id: null, push_token_last_updated_timestamp: null, push_registration_error_code: null },
    });

    await s.api(othello).removeClientDevice(id);
    expect(device(id)).toBeUndefined();
    expect(eventsOf(othello).slice(before)).toEqual([
      { type: 'device', op: 'add', device_id: id },
      { type: 'device', op: 'remove', device_id: id },
    ]);
    const again = await s.call('POST', REMOVE_DEVICE, { user: othello, form: { device_id: String(id) } });
    expect(errorOf(again)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'Invalid `device_id`' });
  });

  it("should not remove another user's device", async () => {
    const id = await newDeviceId(othello);
    const r = await s.call('POST', REMOVE_DEVICE, { user: hamlet, form: { device_id: String(id) } });
    expect(errorOf(r)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'Invalid `device_id`' });
    expect(device(id)).toBeDefined();
  });

  it.each([
    ['no device_id', {}, 'REQUEST_VARIABLE_MISSING', "Missing 'device_id' argument"],
    ['a device_id that is not JSON', { device_id: 'one' }, 'BAD_REQUEST', 'device_id is not valid JSON'],
    ['a device_id that is not an integer', { device_id: '1.0' }, 'BAD_REQUEST', 'device_id is not an integer'],
  ] as const)('should refuse to remove a device given %s', async (_label, form, code, msg) => {
    const r = await s.call('POST', REMOVE_DEVICE, { user: hamlet, form });
    expect(errorOf(r)).toEqual({ status: 400, code, msg });
  });

  it('should let bots register a client device (the view is not @human_users_only)', async () => {
    const r = await s.call('POST', REGISTER_DEVICE, { user: s.bot });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ result: 'success', msg: '', device_id: expect.any(Number) });
  });
});

describe('mobile_push/register validation', () => {
  const MISSING_GROUPS = 'Missing parameters: must provide either all push key fields, all token fields, or both.';
  /** [label, form for a fresh device `d` of Hamlet, code, msg]; all 400. */
  const cases: [string, (d: string) => Record<string, string>, string, string][] = [
    ['no device_id', () => ({ ...KEY_GROUP, ...TOKEN_GROUP }), 'REQUEST_VARIABLE_MISSING', "Missing 'device_id' argument"],
    ['a device_id that is not JSON', () => ({ device_id: 'x', ...KEY_GROUP }), 'BAD_REQUEST', 'device_id is not valid JSON'],
    ['only a device_id', (d) => ({ device_id: d }), 'BAD_REQUEST', MISSING_GROUPS],
    ['half of each group', (d) => ({ device_id: d, push_key: PUSH_KEY, token_kind: 'fcm', token_id: TOKEN_ID }), 'BAD_REQUEST', MISSING_GROUPS],
    ['an unknown token_kind', (d) => ({ device_id: d, ...KEY_GROUP, ...TOKEN_GROUP, token_kind: 'gcm' }), 'BAD_REQUEST', 'Invalid token_kind: Value error, Not in the list of possible values'],
    ['a negative push_key_id', (d) => ({ device_id: d, ...KEY_GROUP, push_key_id: '-1' }), 'BAD_REQUEST', 'Invalid push_key_id: Value error, Not a valid unsigned 32-bit integer'],
    ['a push_key_id of 2^32', (d) => ({ device_id: d, ...KEY_GROUP, push_key_id: '4294967296' }), 'BAD_REQUEST', 'Invalid push_key_id: Value error, Not a valid unsigned 32-bit integer'],
    ['a push_key_id that is a JSON string', (d) => ({ device_id: d, ...KEY_GROUP, push_key_id: '"7"' }), 'BAD_REQUEST', 'push_key_id is not an integer'],
    ['only the key group, before any registration', (d) => ({ device_id: d, ...KEY_GROUP }), 'BAD_REQUEST', 'No push registration exists to rotate key for.'],
    ['only the token group, before any registration', (d) => ({ device_id: d, ...TOKEN_GROUP }), 'BAD_REQUEST', 'No push registration exists to rotate token for.'],
    ['a token_id without padding', (d) => ({ device_id: d, ...KEY_GROUP, ...TOKEN_GROUP, token_id: 'hGsEWGmyyfI' }), 'BAD_REQUEST', '`token_id` is not Base64 encoded'],
    ['a token_id with a space', (d) => ({ device_id: d, ...KEY_GROUP, ...TOKEN_GROUP, token_id: 'hGsE WGmyyfI=' }), 'BAD_REQUEST', '`token_id` is not Base64 encoded'],
    ['a 32-byte push_key', (d) => ({ device_id: d, ...KEY_GROUP, ...TOKEN_GROUP, push_key: Buffer.alloc(32, 0x31).toString('base64') }), 'BAD_REQUEST', 'Invalid `push_key`'],
    [
      'a push_key with another tag byte',
      (d) => ({ device_id: d, ...KEY_GROUP, ...TOKEN_GROUP, push_key: Buffer.concat([Buffer.from([0x32]), Buffer.alloc(32, 7)]).toString('base64') }),
      'BAD_REQUEST',
      'Invalid `push_key`',
    ],
    ['a push_key that is not base64', (d) => ({ device_id: d, ...KEY_GROUP, ...TOKEN_GROUP, push_key: 'not a key!' }), 'BAD_REQUEST', 'Invalid `push_key`'],
  ];

  it.each(cases)('should refuse %s', async (_label, form, code, msg) => {
    const id = await newDeviceId(hamlet);
    const before = eventsOf(hamlet).length;
    const r = await s.call('POST', PUSH_REGISTER, { user: hamlet, form: form(String(id)) });
    expect(errorOf(r)).toEqual({ status: 400, code, msg });
    expect(device(id)).toMatchObject({ pushKeyId: null, pendingPushTokenId: null, pushRegistrationErrorCode: null });
    expect(eventsOf(hamlet).length).toBe(before);
    expect(s.zulip.context.queue.size).toBe(0);
  });

  it("should refuse another user's device, and a device that does not exist", async () => {
    const id = await newDeviceId(othello);
    for (const deviceId of [id, 999_999]) {
      const r = await s.call('POST', PUSH_REGISTER, { user: hamlet, form: { device_id: String(deviceId), ...KEY_GROUP, ...TOKEN_GROUP } });
      expect(errorOf(r)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'Invalid `device_id`' });
    }
  });

  it('should refuse bots and wrong API keys', async () => {
    const bot = await s.call('POST', PUSH_REGISTER, { user: s.bot, form: { device_id: '1', ...KEY_GROUP } });
    expect(errorOf(bot)).toEqual({ status: 400, code: 'BAD_REQUEST', msg: 'This endpoint does not accept bot requests.' });
    const wrong = await s.call('POST', PUSH_REGISTER, { auth: 'Basic ' + Buffer.from(`${hamlet.email}:nope`).toString('base64'), form: { device_id: '1' } });
    expect(errorOf(wrong)).toEqual({ status: 401, code: 'INVALID_API_KEY', msg: 'Invalid API key' });
  });

  it('should answer PUSH_SERVICE_NOT_CONFIGURED when the server does not use the push service', async () => {
    const id = await newDeviceId(hamlet);
    s.zulip.updateSettings({ pushNotifications: false });
    try {
      const r = await s.call('POST', PUSH_REGISTER, { user: hamlet, form: { device_id: String(id), ...KEY_GROUP, ...TOKEN_GROUP } });
      expect(errorOf(r)).toEqual({ status: 400, code: 'PUSH_SERVICE_NOT_CONFIGURED', msg: 'Server is not configured to use push notification service.' });
    } finally {
      s.zulip.updateSettings({ pushNotifications: true });
    }
  });
});

describe('registration with real phones', () => {
  it('should register an iPhone: pending at once, then registered at the bouncer by the worker', async () => {
    const phone = s.iosPhone(hamlet);
    const before = eventsOf(hamlet).length;
    const release = s.holdQueue();
    const report = await phone.register();
    expect(report).toMatchObject({ protocol: 'e2ee', sentKey: true, sentToken: true });
    const id = phone.deviceId!;
    const key = phone.keys.latest!;
    const at = Math.floor(s.clock.now() / 1000);

    // Answered before the bouncer was called.
    expect(device(id)).toMatchObject({ pushKeyId: key.id, pushTokenKind: 'apns', pushTokenId: null, pendingPushTokenId: phone.tokenId, pushTokenLastUpdatedTimestamp: at });
    expect(Buffer.from(device(id)!.pushKey!)).toEqual(Buffer.from(key.material));

    release();
    await s.zulip.idle();
    expect(device(id)).toMatchObject({ pushTokenId: phone.tokenId, pendingPushTokenId: null, pushRegistrationErrorCode: null });
    expect(s.query('SELECT token_kind, ios_app_id FROM remote_push_device WHERE token = ?', phone.token)).toEqual([{ token_kind: 'apns', ios_app_id: IOS_APP_ID }]);

    expect(eventsOf(hamlet).slice(before)).toEqual([
      { type: 'device', op: 'add', device_id: id },
      {
        type: 'device',
        op: 'update',
        device_id: id,
        push_key_id: key.id,
        pending_push_token_id: phone.tokenId,
        push_token_last_updated_timestamp: at,
        push_registration_error_code: null,
      },
      { type: 'device', op: 'update', device_id: id, push_token_id: phone.tokenId, pending_push_token_id: null },
    ]);
    expect((await snapshotDevices(hamlet))[String(id)]).toEqual({
      push_key_id: key.id,
      push_token_id: phone.tokenId,
      pending_push_token_id: null,
      push_token_last_updated_timestamp: at,
      push_registration_error_code: null,
    });

    // The same registration again changes nothing and calls nobody.
    const again = await s.call('POST', PUSH_REGISTER, {
      user: hamlet,
      form: { device_id: String(id), push_key_id: String(key.id), push_key: Buffer.from(key.material).toString('base64'), token_kind: 'apns', token_id: phone.tokenId, bouncer_public_key: s.bouncer.e2eePublicKey, encrypted_push_registration: 'unused' },
    });
    expect(again.status).toBe(200);
    expect(s.zulip.context.queue.size).toBe(0);
  });

  it('should register an Android phone, then rotate its key and its token', async () => {
    const phone = s.androidPhone(othello);
    await phone.register();
    await s.zulip.idle();
    const id = phone.deviceId!;
    expect(device(id)).toMatchObject({ pushTokenKind: 'fcm', pushTokenId: phone.tokenId, pendingPushTokenId: null });
    expect(s.query('SELECT token_kind, ios_app_id FROM remote_push_device WHERE token = ?', phone.token)).toEqual([{ token_kind: 'fcm', ios_app_id: null }]);

    // Key rotation: the key group alone, applied at once, nothing for the bouncer.
    const before = eventsOf(othello).length;
    const fresh = await phone.rotatePushKey();
    expect(s.zulip.context.queue.size).toBe(0);
    expect(device(id)).toMatchObject({ pushKeyId: fresh.id, pushTokenId: phone.tokenId });
    expect(eventsOf(othello).slice(before)).toEqual([{ type: 'device', op: 'update', device_id: id, push_key_id: fresh.id }]);

    // Token refresh: the token group alone, registered by the worker.
    const oldTokenId = phone.tokenId;
    phone.refreshToken();
    s.clock.advance(60_000);
    const release = s.holdQueue();
    const report = await phone.registerE2ee();
    expect(report).toMatchObject({ sentKey: false, sentToken: true });
    expect(device(id)).toMatchObject({ pushTokenId: oldTokenId, pendingPushTokenId: phone.tokenId, pushTokenLastUpdatedTimestamp: Math.floor(s.clock.now() / 1000) });
    release();
    await s.zulip.idle();
    expect(device(id)).toMatchObject({ pushTokenId: phone.tokenId, pendingPushTokenId: null });
    expect(s.query('SELECT COUNT(*) AS n FROM remote_push_device WHERE token = ?', phone.token)).toEqual([{ n: 1 }]);
  });

  it('should record INVALID_BOUNCER_PUBLIC_KEY when the app used a key the bouncer does not have', async () => {
    await sodium.ready;
    const unknownKey = Buffer.from(sodium.crypto_box_keypair().publicKey).toString('base64');
    const phone = s.iosPhone(iago, { bouncerPublicKey: unknownKey });
    await phone.register();
    await s.zulip.idle();
    const id = phone.deviceId!;
    expect(device(id)).toMatchObject({ pushTokenId: null, pendingPushTokenId: phone.tokenId, pushRegistrationErrorCode: 'INVALID_BOUNCER_PUBLIC_KEY' });
    expect(eventsOf(iago).at(-1)).toEqual({ type: 'device', op: 'update', device_id: id, push_registration_error_code: 'INVALID_BOUNCER_PUBLIC_KEY' });
    expect((await snapshotDevices(iago))[String(id)]).toMatchObject({ push_registration_error_code: 'INVALID_BOUNCER_PUBLIC_KEY', pending_push_token_id: phone.tokenId });
    expect(s.query('SELECT COUNT(*) AS n FROM remote_push_device WHERE token = ?', phone.token)).toEqual([{ n: 0 }]);

    // After a failure the token group may be sent again (no "in progress"); an undecryptable
    // registration ends as a plain JsonableError: BAD_REQUEST.
    const r = await s.call('POST', PUSH_REGISTER, {
      user: iago,
      form: { device_id: String(id), token_kind: 'apns', token_id: phone.tokenId, bouncer_public_key: s.bouncer.e2eePublicKey, encrypted_push_registration: 'bm90IHNlYWxlZA==' },
    });
    expect(r.status).toBe(200);
    expect(device(id)).toMatchObject({ pushRegistrationErrorCode: null });
    await s.zulip.idle();
    expect(device(id)).toMatchObject({ pushTokenId: null, pushRegistrationErrorCode: 'BAD_REQUEST' });
  });

  it('should keep a registration pending while the service is paused, and send it when resumed', async () => {
    const phone = s.iosPhone(othello);
    const url = s.zulip.settings().servicesUrl;
    s.zulip.updateSettings({ servicesUrl: null });
    try {
      await phone.register();
      await s.zulip.idle();
      const id = phone.deviceId!;
      expect(device(id)).toMatchObject({ pushTokenId: null, pendingPushTokenId: phone.tokenId, pushRegistrationErrorCode: null });
      expect(s.query('SELECT COUNT(*) AS n FROM remote_push_device WHERE token = ?', phone.token)).toEqual([{ n: 0 }]);

      // Zulip refuses a second token registration while one is in flight.
      const second = phone.registerE2ee({ forceToken: true });
      await expect(second).rejects.toBeInstanceOf(ZulipApiError);
      await expect(second).rejects.toMatchObject({ status: 400, msg: 'A registration for the device already in progress.' });
    } finally {
      s.zulip.updateSettings({ servicesUrl: url });
    }
    // Setting ZULIP_SERVICES_URL again re-sent it (updateSettings → resumePendingRegistrations).
    await s.zulip.idle();
    expect(device(phone.deviceId!)).toMatchObject({ pushTokenId: phone.tokenId, pendingPushTokenId: null });
    expect(s.query('SELECT COUNT(*) AS n FROM remote_push_device WHERE token = ?', phone.token)).toEqual([{ n: 1 }]);
    expect(resumePendingRegistrations(s.zulip.context)).toBe(0);
  });

  it('should retry a registration while the bouncer cannot be reached (on the virtual clock)', async () => {
    const phone = s.androidPhone(iago);
    const url = s.zulip.settings().servicesUrl;
    s.zulip.updateSettings({ servicesUrl: 'http://127.0.0.1:1' });
    let id: number;
    try {
      await phone.register();
      id = phone.deviceId!;
      await s.until(() => s.logs().some((m) => m.startsWith(`Retrying register_push_device_to_bouncer device_id=${id} in 2000 ms`)));
      expect(device(id)).toMatchObject({ pendingPushTokenId: phone.tokenId, pushRegistrationErrorCode: null });
    } finally {
      s.zulip.updateSettings({ servicesUrl: url });
    }
    s.clock.advance(2_000);
    await s.zulip.idle();
    expect(device(id)).toMatchObject({ pushTokenId: phone.tokenId, pendingPushTokenId: null, pushRegistrationErrorCode: null });
  });

  it('should log and retry while the realm is unknown to the bouncer (admin-fixable)', async () => {
    const realm = s.zulip.world.addRealm({ subdomain: 'elsinore', roles: { member: 1 }, bots: 0 });
    const cordelia = s.zulip.users(realm.id)[0]!;
    const phone = s.iosPhone(cordelia);
    await phone.register();
    const id = phone.deviceId!;
    await s.until(() => s.logs().some((m) => m.startsWith(`Retrying register_push_device_to_bouncer device_id=${id}`)));
    expect(s.logs('root')).toContain(`Push device registration request for device_id=${id} failed.`);
    expect(device(id)).toMatchObject({ pushTokenId: null, pushRegistrationErrorCode: null });

    await s.uploadRealms(); // what `manage.py register_server` would do
    s.clock.advance(2_000);
    await s.zulip.idle();
    expect(device(id)).toMatchObject({ pushTokenId: phone.tokenId, pendingPushTokenId: null });
  });

  it('should forget the device when the phone logs out', async () => {
    const phone = s.androidPhone(hamlet);
    await phone.register();
    await s.zulip.idle();
    const id = phone.deviceId!;
    await phone.logOut();
    expect(device(id)).toBeUndefined();
    expect(eventsOf(hamlet).at(-1)).toEqual({ type: 'device', op: 'remove', device_id: id });
    expect(await snapshotDevices(hamlet)).not.toHaveProperty(String(id));
  });
});

describe('version endpoints', () => {
  it('should answer the feature level and version in /register and server_settings', async () => {
    const r = await s.call('POST', '/api/v1/register', { user: hamlet });
    expect(r.body).toMatchObject({ result: 'success', zulip_feature_level: 470, zulip_version: '12.0-dev', zulip_merge_base: '12.0-dev' });
    expect(r.body).not.toHaveProperty('push_devices');
    const settings = await s.call('GET', '/api/v1/server_settings');
    expect(settings.body).toMatchObject({ result: 'success', zulip_feature_level: 470, zulip_version: '12.0-dev', push_notifications_enabled: true });
  });
});
