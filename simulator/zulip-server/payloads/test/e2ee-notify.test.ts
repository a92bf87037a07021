/** E2EE encryption (§B.1) and the push/e2ee/notify body (§B.2; bouncer-protocol.md §6.3). */
import crypto from 'node:crypto';
import sodium from 'libsodium-wrappers';
import type { E2eePushDevice } from '../../types';
import {
  buildE2eeMessagePayload,
  buildE2eeNotifyRequest,
  buildE2eeRemovePayload,
  buildE2eeTestPayload,
  encryptForDevice,
  serializePlaintext,
  type E2eePlaintext,
  type E2eePushDevice11,
} from '../e2ee';
import { aaron, channelMessage, denmark, specRealm, testUser } from './fixtures';

beforeAll(async () => {
  await sodium.ready;
});

const pushKey = (seed: string) => new Uint8Array([0x31, ...crypto.createHash('sha256').update(seed).digest()]);
const iphone: E2eePushDevice = { userId: 10, deviceId: 1, tokenKind: 'apns', pushKey: pushKey('iphone'), pushKeyId: 2408, tokenId: 'hGsEWGmyyfI=' };
const pixel: E2eePushDevice = { userId: 10, deviceId: 2, tokenKind: 'fcm', pushKey: pushKey('pixel'), pushKeyId: 2409, tokenId: 'AAECAwQFBgc=' };
const iphone11: E2eePushDevice11 = { userId: 10, tokenKind: 'apns', pushKey: pushKey('iphone'), pushAccountId: 2408, bouncerDeviceId: 17 };
const pixel11: E2eePushDevice11 = { userId: 10, tokenKind: 'fcm', pushKey: pushKey('pixel'), pushAccountId: 2409, bouncerDeviceId: 18 };

const SECRET = 'The vault code is 7391';
const message = buildE2eeMessagePayload({
  realm: specRealm,
  externalHost: 'zulip.example.com',
  user: testUser,
  message: channelMessage(45, 6, denmark, 'vault access', `<p>${SECRET}</p>`, 1754385395),
  sender: aaron,
  channel: denmark,
  trigger: 'stream_push_notify',
});
const removal = buildE2eeRemovePayload({ realm: specRealm, user: testUser, messageIds: [45] });
const test = buildE2eeTestPayload({ realm: specRealm, user: testUser, time: 1754577820 });

function decrypt(encryptedData: string, key: Uint8Array): string {
  const raw = new Uint8Array(Buffer.from(encryptedData, 'base64'));
  const nonce = raw.subarray(0, 24);
  const box = raw.subarray(24);
  return sodium.to_string(sodium.crypto_secretbox_open_easy(box, nonce, key.subarray(1)));
}

describe('encryptForDevice', () => {
  it('should round-trip: secretbox_open with the nonce prefix gives the exact plaintext', async () => {
    const json = serializePlaintext(message);
    const encrypted = await encryptForDevice(json, iphone);
    expect(Buffer.from(encrypted, 'base64')).toHaveLength(24 + 16 + Buffer.byteLength(json));
    expect(decrypt(encrypted, iphone.pushKey)).toBe(json);
  });

  it('should be base64(nonce ‖ crypto_secretbox_easy(plaintext, nonce, key[1:]))', async () => {
    const nonce = new Uint8Array(24).fill(7);
    const encrypted = await encryptForDevice('{"a":1}', iphone, { nonce });
    const expected = Buffer.concat([nonce, sodium.crypto_secretbox_easy(sodium.from_string('{"a":1}'), nonce, iphone.pushKey.subarray(1))]);
    expect(encrypted).toBe(expected.toString('base64'));
  });

  it('should use a fresh random nonce each time', async () => {
    const a = Buffer.from(await encryptForDevice('{}', iphone), 'base64');
    const b = Buffer.from(await encryptForDevice('{}', iphone), 'base64');
    expect(a.subarray(0, 24).equals(b.subarray(0, 24))).toBe(false);
  });

  it('should refuse keys that are not 0x31 followed by 32 bytes', async () => {
    await expect(encryptForDevice('{}', { pushKey: pushKey('x').subarray(0, 32) })).rejects.toThrow(/33 bytes/);
    const badTag = pushKey('x');
    badTag[0] = 0x32;
    await expect(encryptForDevice('{}', { pushKey: badTag })).rejects.toThrow(/0x31/);
  });
});

describe('buildE2eeNotifyRequest, 12.x', () => {
  it('should address each device by token_id and key id, high/10/alert for a message', async () => {
    const body = (await buildE2eeNotifyRequest({ profile: 12, realmUuid: specRealm.uuid, payload: message, devices: [iphone, pixel] }))!;
    expect(body).toEqual({
      realm_uuid: specRealm.uuid,
      push_requests: [
        {
          token_id: 'hGsEWGmyyfI=',
          http_headers: { apns_priority: 10, apns_push_type: 'alert' },
          payload: {
            push_key_id: 2408,
            encrypted_data: expect.any(String),
            aps: { 'mutable-content': 1, alert: { title: 'New notification' }, sound: 'default' },
          },
        },
        { token_id: 'AAECAwQFBgc=', fcm_priority: 'high', payload: { push_key_id: 2409, encrypted_data: expect.any(String) } },
      ],
    });
  });

  it('should send removals as normal/5/background without an alert', async () => {
    const body = (await buildE2eeNotifyRequest({ profile: 12, realmUuid: specRealm.uuid, payload: removal, devices: [iphone, pixel] }))!;
    const [ios, android] = body.push_requests as unknown as [Record<string, any>, Record<string, any>];
    expect(ios.http_headers).toEqual({ apns_priority: 5, apns_push_type: 'background' });
    expect(ios.payload.aps).toEqual({ 'mutable-content': 1 });
    expect(android.fcm_priority).toBe('normal');
  });

  it('should send test notifications like messages', async () => {
    const body = (await buildE2eeNotifyRequest({ profile: 12, realmUuid: specRealm.uuid, payload: test, devices: [iphone, pixel] }))!;
    const [ios, android] = body.push_requests as unknown as [Record<string, any>, Record<string, any>];
    expect(ios.http_headers).toEqual({ apns_priority: 10, apns_push_type: 'alert' });
    expect(android.fcm_priority).toBe('high');
  });

  it.each<[string, E2eePlaintext]>([
    ['message', message],
    ['remove', removal],
    ['test', test],
  ])('should let every device decrypt the exact %s plaintext with its own key', async (_type, payload) => {
    const body = (await buildE2eeNotifyRequest({ profile: 12, realmUuid: specRealm.uuid, payload, devices: [iphone, pixel] }))!;
    const keys = [iphone.pushKey, pixel.pushKey];
    body.push_requests.forEach((req, i) => expect(decrypt(req.payload.encrypted_data, keys[i]!)).toBe(serializePlaintext(payload)));
    expect(() => decrypt(body.push_requests[0]!.payload.encrypted_data, pixel.pushKey)).toThrow();
  });

  it('should carry no plaintext: no content, names, channel, topic, realm url or user id', async () => {
    // Fixed nonces keep the ciphertext (and so this search) deterministic.
    let n = 0;
    const nonces = () => new Uint8Array(24).fill(++n);
    const body = await buildE2eeNotifyRequest({ profile: 12, realmUuid: specRealm.uuid, payload: message, devices: [iphone, pixel], nonces });
    const json = JSON.stringify(body);
    for (const secret of [SECRET, 'vault', 'aaron', 'Denmark', specRealm.url, specRealm.name, aaron.avatarUrl, '"user_id"', 'sender']) {
      expect(json).not.toContain(secret);
    }
  });

  it('should use the given nonces for deterministic bodies', async () => {
    let n = 0;
    const nonces = () => new Uint8Array(24).fill(++n);
    const first = await buildE2eeNotifyRequest({ profile: 12, realmUuid: 'r', payload: message, devices: [iphone, pixel], nonces });
    n = 0;
    const second = await buildE2eeNotifyRequest({ profile: 12, realmUuid: 'r', payload: message, devices: [iphone, pixel], nonces });
    expect(second).toEqual(first);
    const nonceOf = (i: number) => Buffer.from(first!.push_requests[i]!.payload.encrypted_data, 'base64').subarray(0, 24);
    expect(nonceOf(0).equals(nonceOf(1))).toBe(false);
  });

  it('should return null without devices and refuse devices of another user', async () => {
    expect(await buildE2eeNotifyRequest({ profile: 12, realmUuid: 'r', payload: message, devices: [] })).toBeNull();
    await expect(
      buildE2eeNotifyRequest({ profile: 12, realmUuid: 'r', payload: message, devices: [{ ...pixel, userId: 11 }] }),
    ).rejects.toThrow(/user 11/);
  });
});

describe('buildE2eeNotifyRequest, 11.x', () => {
  it("should reproduce bouncer-protocol.md §6.3's shapes: device_id and push_account_id", async () => {
    const body = (await buildE2eeNotifyRequest({ profile: 11, realmUuid: specRealm.uuid, payload: message, devices: [iphone11, pixel11] }))!;
    expect(body).toEqual({
      realm_uuid: specRealm.uuid,
      push_requests: [
        {
          device_id: 17,
          http_headers: { apns_priority: 10, apns_push_type: 'alert' },
          payload: { push_account_id: 2408, encrypted_data: expect.any(String), aps: { 'mutable-content': 1, alert: { title: 'New notification' } } },
        },
        { device_id: 18, fcm_priority: 'high', payload: { push_account_id: 2409, encrypted_data: expect.any(String) } },
      ],
    });
    expect(decrypt(body.push_requests[0]!.payload.encrypted_data, iphone11.pushKey)).toBe(serializePlaintext(message));
  });

  it('should keep the default aps on removals but lower the priorities', async () => {
    const body = (await buildE2eeNotifyRequest({ profile: 11, realmUuid: specRealm.uuid, payload: removal, devices: [iphone11, pixel11] }))!;
    const [ios, android] = body.push_requests as unknown as [Record<string, any>, Record<string, any>];
    expect(ios.http_headers).toEqual({ apns_priority: 5, apns_push_type: 'background' });
    expect(ios.payload.aps).toEqual({ 'mutable-content': 1, alert: { title: 'New notification' } });
    expect(android.fcm_priority).toBe('normal');
  });
});
