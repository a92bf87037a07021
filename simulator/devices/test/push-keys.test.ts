/**
 * Push keys (server-and-app.md §A.2 step 2, §A.3): 33 bytes tagged 0x31, uint32 ids, rotation
 * that keeps older keys for in-flight notifications, and the app's retention rules.
 */
import { VirtualClock } from '../../core/clock';
import {
  AUTO_SUPERSEDE_MS,
  decryptWithPushKey,
  encodePushKey,
  encryptForPushKey,
  OLD_KEY_RETENTION_MS,
  PushKeyStore,
  sodiumReady,
} from '../push-keys';

const DAY = 24 * 60 * 60 * 1000;
let clock: VirtualClock;
let store: PushKeyStore;
beforeAll(() => sodiumReady());
beforeEach(() => {
  clock = new VirtualClock();
  store = new PushKeyStore(clock);
});

it('should make a 33-byte key tagged 0x31, sent as 44 characters of standard base64', () => {
  const key = store.generate();
  expect(key.material).toHaveLength(33);
  expect(key.material[0]).toBe(0x31);
  const wire = encodePushKey(key.material);
  expect(wire).toMatch(/^M[A-Za-z0-9+/]{43}$/);
  expect(Buffer.from(wire, 'base64').equals(Buffer.from(key.material))).toBe(true);
});

it('should choose push_key_ids that are distinct uint32s', () => {
  const ids = Array.from({ length: 50 }, () => store.generate().id);
  for (const id of ids) expect(Number.isInteger(id) && id >= 0 && id < 2 ** 32).toBe(true);
  expect(new Set(ids).size).toBe(50);
});

it('should keep the old key on rotation and make the new one the latest', () => {
  const old = store.generate();
  const fresh = store.generate();
  expect(store.latest!.id).toBe(fresh.id);
  expect(store.get(old.id)).toBeDefined();
  expect(fresh.id).not.toBe(old.id);
});

it('should open what a server seals with the key, exactly', () => {
  const key = store.generate();
  const text = 'Ünïcødé ✓ 🎉 and "quotes"\n';
  const sealed = encryptForPushKey(key.material, text);
  // nonce(24) ‖ MAC(16) ‖ ciphertext
  expect(Buffer.from(sealed, 'base64')).toHaveLength(24 + 16 + Buffer.byteLength(text));
  expect(store.decrypt(key.id, sealed)).toMatchObject({ ok: true, plaintext: text });
  expect(decryptWithPushKey(key.material, sealed)).toBe(text);
});

it('should report an unknown push_key_id and a box that does not open', () => {
  const key = store.generate();
  const other = new PushKeyStore(clock).generate();
  expect(store.decrypt(key.id + 1, 'AAAA')).toMatchObject({ ok: false, reason: 'unknown-push-key' });
  expect(store.decrypt(key.id, encryptForPushKey(other.material, 'x'))).toMatchObject({ ok: false, reason: 'undecryptable' });
  expect(store.decrypt(key.id, 'dG9vIHNob3J0')).toMatchObject({ ok: false, reason: 'undecryptable' });
});

it('should forget a key 30 days after the server acknowledged a newer one', () => {
  const old = store.generate();
  const fresh = store.generate();
  store.acknowledge(fresh.id);
  clock.advance(OLD_KEY_RETENTION_MS - 1);
  expect(store.get(old.id)).toBeDefined();
  clock.advance(1);
  expect(store.get(old.id)).toBeUndefined();
  expect(store.get(fresh.id)).toBeDefined();
});

it('should count an old key superseded 15 days after a newer one even without an acknowledgement', () => {
  const old = store.generate();
  store.generate();
  clock.advance(AUTO_SUPERSEDE_MS + OLD_KEY_RETENTION_MS - DAY);
  expect(store.get(old.id)?.supersededAt).toBe(clock.now() - OLD_KEY_RETENTION_MS + DAY);
  clock.advance(DAY);
  expect(store.get(old.id)).toBeUndefined();
});

it('should never forget the latest key', () => {
  const only = store.generate();
  clock.advance(365 * DAY);
  expect(store.get(only.id)).toBeDefined();
});
