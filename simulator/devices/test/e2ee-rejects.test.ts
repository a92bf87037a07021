/**
 * What a phone refuses or clears in E2EE (server-and-app.md §A.3): payloads for another realm or
 * user, keys it does not hold, removes; and key rotation with notifications still in flight.
 */
import type { Phone } from '../phone';
import { PushKeyStore } from '../push-keys';
import {
  androidPhone,
  DENMARK,
  DM,
  e2eeApnsPayload,
  e2eeFcmData,
  e2eeMessagePlaintext,
  e2eeRemovePlaintext,
  iosPhone,
  pushApns,
  pushFcm,
  startProviders,
  type Providers,
} from './support';

let p: Providers;
beforeAll(async () => {
  p = await startProviders();
});
afterAll(() => p.stop());

type Key = { id: number; material: Uint8Array };
const send = (phone: Phone, key: Key, plaintext: string, opts: { removal?: boolean } = {}) =>
  phone.platform === 'ios' ? pushApns(p, phone.token, e2eeApnsPayload(key, plaintext, opts), opts.removal ? { pushType: 'background', priority: 5 } : {}) : pushFcm(p, phone.token, e2eeFcmData(key, plaintext), opts.removal ? 'normal' : 'high');

/** Drops must never quote what was in the payload. */
const withoutRaw = (n: object) => JSON.stringify({ ...n, raw: undefined });

describe.each([
  ['iPhone', () => iosPhone(p)],
  ['Android phone', () => androidPhone(p)],
] as const)('an %s', (_name, makePhone) => {
  let phone: Phone;
  let key: Key;
  beforeEach(async () => {
    phone = makePhone();
    await phone.registerE2ee();
    key = phone.keys.latest!;
  });

  it('should reject a payload for another realm, without quoting it', async () => {
    await send(phone, key, e2eeMessagePlaintext({ conversation: DM, messageId: 1, content: 'secret-1', realmUrl: 'https://evil.example.com' }));
    const n = await phone.nextNotification();
    expect(n).toMatchObject({ kind: 'dropped', reason: 'wrong-realm', encrypted: true, pushKeyId: key.id });
    expect(withoutRaw(n)).not.toContain('secret-1');
  });

  it('should accept the same realm origin written with a trailing slash', async () => {
    await send(phone, key, e2eeMessagePlaintext({ conversation: DM, messageId: 2, content: 'fine', realmUrl: 'https://chat.example.com/' }));
    expect(await phone.nextNotification()).toMatchObject({ kind: 'message', body: 'fine' });
  });

  it('should reject a payload for another user', async () => {
    await send(phone, key, e2eeMessagePlaintext({ conversation: DM, messageId: 3, content: 'secret-3', userId: 11 }));
    const n = await phone.nextNotification();
    expect(n).toMatchObject({ kind: 'dropped', reason: 'wrong-user' });
    expect(withoutRaw(n)).not.toContain('secret-3');
  });

  it('should drop a payload naming a push_key_id it does not hold', async () => {
    const stranger = new PushKeyStore(p.clock).generate();
    await send(phone, stranger, e2eeMessagePlaintext({ conversation: DM, messageId: 4, content: 'secret-4' }));
    expect(await phone.nextNotification()).toMatchObject({ kind: 'dropped', reason: 'unknown-push-key', pushKeyId: stranger.id });
  });

  it('should drop a payload sealed with another key under its own push_key_id', async () => {
    const stranger = new PushKeyStore(p.clock).generate();
    await send(phone, { id: key.id, material: stranger.material }, e2eeMessagePlaintext({ conversation: DM, messageId: 5, content: 'x' }));
    expect(await phone.nextNotification()).toMatchObject({ kind: 'dropped', reason: 'undecryptable' });
  });

  it('should clear the notifications a remove names', async () => {
    await send(phone, key, e2eeMessagePlaintext({ conversation: DM, messageId: 11, content: 'one' }));
    await send(phone, key, e2eeMessagePlaintext({ conversation: DENMARK, messageId: 12, content: 'two' }));
    await send(phone, key, e2eeRemovePlaintext([11]), { removal: true });
    await phone.nextNotification();
    await phone.nextNotification();
    expect(phone.lockScreen().map((i) => i.body)).toEqual(['one', 'two']);
    expect(await phone.nextNotification()).toMatchObject({ kind: 'remove', shown: false, messageIds: [11] });
    expect(phone.lockScreen().map((i) => i.body)).toEqual(['two']);
  });

  it('should still decrypt notifications sealed with the old key after rotating', async () => {
    await send(phone, key, e2eeMessagePlaintext({ conversation: DM, messageId: 21, content: 'in flight' }));
    const fresh = await phone.rotatePushKey();
    await send(phone, fresh, e2eeMessagePlaintext({ conversation: DM, messageId: 22, content: 'after rotation' }));
    expect(await phone.nextNotification()).toMatchObject({ kind: 'message', pushKeyId: key.id, body: 'in flight' });
    expect(await phone.nextNotification()).toMatchObject({ kind: 'message', pushKeyId: fresh.id, body: 'after rotation' });
  });

  it('should drop everything for the account after logging out', async () => {
    await phone.logOut();
    await send(phone, key, e2eeMessagePlaintext({ conversation: DM, messageId: 31, content: 'x' }));
    expect(await phone.nextNotification()).toMatchObject({ kind: 'dropped', reason: 'unknown-push-key' });
  });
});

it('should leave "New notification" on an iPhone that cannot decrypt', async () => {
  const phone = iosPhone(p);
  const stranger = new PushKeyStore(p.clock).generate();
  await pushApns(p, phone.token, e2eeApnsPayload(stranger, e2eeMessagePlaintext({ conversation: DM, messageId: 41, content: 'x' })));
  expect(await phone.nextNotification()).toMatchObject({ kind: 'dropped', reason: 'unknown-push-key', fallback: { title: 'New notification' } });
  expect(phone.lockScreen()).toMatchObject([{ kind: 'dropped', title: 'New notification', body: '' }]);
});

it('should report an E2EE APNs payload without mutable-content as never decrypted', async () => {
  const phone = iosPhone(p);
  await phone.registerE2ee();
  const payload = e2eeApnsPayload(phone.keys.latest!, e2eeMessagePlaintext({ conversation: DM, messageId: 42, content: 'x' }));
  await pushApns(p, phone.token, { ...payload, aps: { alert: { title: 'New notification' } } });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'dropped', reason: 'nse-not-run' });
});

it('should report an E2EE message pushed without an alert as never shown on iOS', async () => {
  const phone = iosPhone(p);
  await phone.registerE2ee();
  const payload = e2eeApnsPayload(phone.keys.latest!, e2eeMessagePlaintext({ conversation: DM, messageId: 43, content: 'x' }), { removal: true });
  await pushApns(p, phone.token, payload, { pushType: 'background', priority: 5 });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'dropped', reason: 'nse-not-run' });
  expect(phone.lockScreen()).toEqual([]);
});
