/**
 * How a phone registers with its Zulip server (server-and-app.md §A.1, §A.2, §D): legacy below
 * FL 468, the 12.x flow from it, and which groups each later call carries.
 */
import sodium from 'libsodium-wrappers';
import { VirtualClock } from '../../core/clock';
import { AndroidPhone, IosPhone, TOKEN_REPEAT_MS } from '../phone';
import { encodePushKey } from '../push-keys';
import { computeTokenId } from '../registration';
import { account, fakeProvider, IOS_APP_ID, RecordingApi } from './support';

let bouncerKey: string;
beforeAll(async () => {
  await sodium.ready;
  bouncerKey = Buffer.from(sodium.crypto_box_keypair().publicKey).toString('base64');
});

function setUp(platform: 'ios' | 'android', featureLevel: number) {
  const clock = new VirtualClock();
  const api = new RecordingApi();
  const provider = fakeProvider(platform === 'ios' ? 'apns' : 'fcm', clock);
  const common = { label: 'phone', provider, account: account(featureLevel), api, clock, bouncerPublicKey: bouncerKey };
  const phone = platform === 'ios' ? new IosPhone({ ...common, appScope: IOS_APP_ID }) : new AndroidPhone({ ...common, appScope: 'zulip-push-sim' });
  return { clock, api, provider, phone };
}

it('should get its token from the provider for the app it belongs to', () => {
  const { provider, phone } = setUp('ios', 400);
  expect(provider.scopes).toEqual([IOS_APP_ID]);
  expect(phone.token).toMatch(/^[0-9a-f]{64}$/);
});

it('should register an iPhone on a pre-468 server with the legacy APNs route and its bundle id', async () => {
  const { api, phone } = setUp('ios', 467);
  await phone.register();
  expect(api.calls).toEqual([{ route: 'registerLegacy', args: { tokenKind: 'apns', token: phone.token, appId: IOS_APP_ID } }]);
});

it('should register an Android phone on a pre-468 server with the legacy FCM route', async () => {
  const { api, phone } = setUp('android', 300);
  await phone.register();
  await phone.unregisterLegacy();
  expect(api.calls).toEqual([
    { route: 'registerLegacy', args: { tokenKind: 'fcm', token: phone.token } },
    { route: 'unregisterLegacy', args: { tokenKind: 'fcm', token: phone.token } },
  ]);
});

it('should register for E2EE at FL 468 with a client device, the key group and the token group', async () => {
  const { api, phone } = setUp('android', 468);
  const report = await phone.register();
  const key = phone.keys.latest!;
  expect(api.calls.map((c) => c.route)).toEqual(['registerClientDevice', 'registerE2ee']);
  expect(api.calls[1]).toEqual({
    route: 'registerE2ee',
    args: {
      deviceId: 1,
      key: { pushKeyId: key.id, pushKey: encodePushKey(key.material) },
      token: { tokenKind: 'fcm', tokenId: computeTokenId(phone.token), bouncerPublicKey: bouncerKey, encryptedPushRegistration: expect.any(String) },
    },
  });
  expect(report).toEqual({ protocol: 'e2ee', deviceId: 1, pushKeyId: key.id, tokenId: computeTokenId(phone.token), sentKey: true, sentToken: true });
});

it('should send nothing when the server already has its key and token', async () => {
  const { api, phone } = setUp('ios', 470);
  await phone.register();
  const report = await phone.register();
  expect(report).toMatchObject({ sentKey: false, sentToken: false });
  expect(api.calls).toHaveLength(2);
});

it('should send only the key group after rotating its key', async () => {
  const { api, phone } = setUp('ios', 470);
  await phone.register();
  const old = phone.keys.latest!;
  const fresh = await phone.rotatePushKey();
  const last = api.calls.at(-1)!;
  expect(last).toEqual({ route: 'registerE2ee', args: { deviceId: 1, key: { pushKeyId: fresh.id, pushKey: encodePushKey(fresh.material) } } });
  expect(phone.keys.get(old.id)).toBeDefined();
});

it('should send only the token group for a new token, and again after 30 days', async () => {
  const { api, clock, phone } = setUp('android', 470);
  await phone.register();
  phone.refreshToken();
  await phone.register();
  expect(api.calls.at(-1)).toMatchObject({ route: 'registerE2ee', args: { deviceId: 1, token: { tokenId: computeTokenId(phone.token) } } });
  expect(api.calls.at(-1)).not.toHaveProperty('args.key');
  clock.advance(TOKEN_REPEAT_MS);
  expect(await phone.register()).toMatchObject({ sentKey: false, sentToken: true });
});

it('should remove its client device and forget its keys on logout at FL 470', async () => {
  const { api, phone } = setUp('ios', 470);
  await phone.register();
  await phone.logOut();
  expect(api.calls.at(-1)).toEqual({ route: 'removeClientDevice', deviceId: 1 });
  expect(phone.keys.list()).toEqual([]);
});

it('should use the 11.x form when asked, with push_account_id naming its key', async () => {
  const { api, phone } = setUp('android', 420);
  await phone.register({ protocol: 'e2ee-11' });
  const key = phone.keys.latest!;
  expect(api.calls).toEqual([
    {
      route: 'registerE2ee11',
      args: { tokenKind: 'fcm', pushAccountId: key.id, pushKey: encodePushKey(key.material), bouncerPublicKey: bouncerKey, encryptedPushRegistration: expect.any(String) },
    },
  ]);
});

it('should refuse a provider of the other platform', () => {
  const clock = new VirtualClock();
  expect(
    () => new IosPhone({ label: 'x', provider: fakeProvider('fcm', clock), appScope: IOS_APP_ID, account: account(400), api: new RecordingApi(), clock }),
  ).toThrow('an ios phone receives through apns, not fcm');
});
