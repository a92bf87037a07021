/**
 * What a phone sends to register for E2EE (server-and-app.md §A.2 steps 3–5): token_id and the
 * sealed PushRegistration, opened here with a key pair of our own and with the bouncer's opener.
 */
import crypto from 'node:crypto';
import sodium from 'libsodium-wrappers';
import { VirtualClock } from '../../core/clock';
import { openPushRegistration } from '../../bouncer/e2ee/registration';
import { KeyRing } from '../../bouncer/e2ee/key-ring';
import { AndroidPhone, IosPhone } from '../phone';
import { computeTokenId, pushRegistrationJson, sealPushRegistration } from '../registration';
import { account, fakeProvider, IOS_APP_ID, RecordingApi } from './support';

let bouncer: { publicKey: Uint8Array; privateKey: Uint8Array; b64: string };
beforeAll(async () => {
  await sodium.ready;
  const kp = sodium.crypto_box_keypair();
  bouncer = { ...kp, b64: Buffer.from(kp.publicKey).toString('base64') };
});

const open = (sealed: string) => Buffer.from(sodium.crypto_box_seal_open(Buffer.from(sealed, 'base64'), bouncer.publicKey, bouncer.privateKey)).toString('utf8');

it('should compute token_id as base64 of the first 8 bytes of sha256(token)', () => {
  const token = 'c0ffee'.repeat(10) + 'abcd';
  const expected = crypto.createHash('sha256').update(token).digest().subarray(0, 8).toString('base64');
  expect(computeTokenId(token)).toBe(expected);
  expect(computeTokenId(token)).toMatch(/^[A-Za-z0-9+/]{11}=$/);
});

it('should serialize the registration compactly as token_kind, token, timestamp, ios_app_id', () => {
  expect(pushRegistrationJson({ tokenKind: 'apns', token: 'ab12', timestamp: 1_767_268_800, iosAppId: IOS_APP_ID })).toBe(
    '{"token_kind":"apns","token":"ab12","timestamp":1767268800,"ios_app_id":"org.zulip.Zulip"}',
  );
});

it('should seal to the bouncer key so that only its private key opens it', () => {
  const sealed = sealPushRegistration({ tokenKind: 'fcm', token: 'tok:APA91b', timestamp: 5 }, bouncer.b64);
  expect(open(sealed)).toBe('{"token_kind":"fcm","token":"tok:APA91b","timestamp":5}');
  const stranger = sodium.crypto_box_keypair();
  expect(() => sodium.crypto_box_seal_open(Buffer.from(sealed, 'base64'), stranger.publicKey, stranger.privateKey)).toThrow();
});

it('should send an iPhone registration with the bundle id and the clock time', async () => {
  const clock = new VirtualClock();
  const api = new RecordingApi();
  const phone = new IosPhone({ label: 'iPhone', provider: fakeProvider('apns', clock), appScope: IOS_APP_ID, account: account(468), api, clock, bouncerPublicKey: bouncer.b64 });
  await phone.register();
  const call = api.calls.find((c) => c.route === 'registerE2ee');
  const token = call?.route === 'registerE2ee' ? call.args.token! : undefined;
  expect(token).toMatchObject({ tokenKind: 'apns', tokenId: computeTokenId(phone.token), bouncerPublicKey: bouncer.b64 });
  expect(open(token!.encryptedPushRegistration)).toBe(
    `{"token_kind":"apns","token":"${phone.token}","timestamp":${clock.now() / 1000},"ios_app_id":"org.zulip.Zulip"}`,
  );
});

it('should leave ios_app_id out entirely on Android', async () => {
  const clock = new VirtualClock();
  const api = new RecordingApi();
  const phone = new AndroidPhone({ label: 'Pixel', provider: fakeProvider('fcm', clock), appScope: 'zulip-push-sim', account: account(468), api, clock, bouncerPublicKey: bouncer.b64 });
  await phone.register();
  const call = api.calls.find((c) => c.route === 'registerE2ee');
  const plaintext = open(call?.route === 'registerE2ee' ? call.args.token!.encryptedPushRegistration : '');
  expect(plaintext).toBe(`{"token_kind":"fcm","token":"${phone.token}","timestamp":${clock.now() / 1000}}`);
  expect(plaintext).not.toContain('ios_app_id');
});

it("should be accepted by the simulated bouncer's opener, token_id included", async () => {
  const ring = await KeyRing.load({ dir: null, redactor: { add: () => undefined } });
  const clock = new VirtualClock();
  const api = new RecordingApi();
  const phone = new IosPhone({ label: 'iPhone', provider: fakeProvider('apns', clock), appScope: IOS_APP_ID, account: account(468), api, clock, bouncerPublicKey: ring.currentPublicKey() });
  await phone.register();
  const call = api.calls.find((c) => c.route === 'registerE2ee');
  const group = call?.route === 'registerE2ee' ? call.args.token! : undefined;
  const opened = openPushRegistration(
    ring,
    { bouncerPublicKey: group!.bouncerPublicKey, encryptedPushRegistration: group!.encryptedPushRegistration, tokenId: group!.tokenId },
    clock.now() / 1000,
  );
  expect(opened.registration).toEqual({ token: phone.token, tokenKind: 'apns', iosAppId: IOS_APP_ID, timestamp: clock.now() / 1000 });
});
