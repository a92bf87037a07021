/**
 * A phone's E2EE push keys (server-and-app.md §A.2 step 2, §A.3; zulip-flutter
 * `lib/model/push_key.dart`):
 *
 *   push_key     33 bytes: the tag 0x31 ("libsodium secretbox") then a 32-byte secretbox key,
 *                sent as standard base64 (44 characters; 33 bytes need no padding);
 *   push_key_id  a random uint32 the app chooses; a notification names the key it was sealed with.
 *
 * Rotation makes a new key and keeps the old ones, because notifications sealed with an older
 * key may still be in flight at APNs/FCM. As in the app, a key becomes "superseded" once the
 * server has acknowledged a newer one (or 15 days after a newer one was made), and a superseded
 * key is forgotten 30 days later (providers keep messages ≤ 28/30 days).
 *
 * `encrypted_data` = base64(nonce(24) ‖ crypto_secretbox_easy(plaintext)) — §B.1.
 * Nothing here logs; failures are described without the plaintext.
 */
import crypto from 'node:crypto';
import sodium from 'libsodium-wrappers';
import type { Clock } from '../core/clock';

/** `pushKeyTagSecretbox`: the first byte of a push key names the cryptosystem. */
export const PUSH_KEY_TAG_SECRETBOX = 0x31;
export const PUSH_KEY_BYTES = 33;
export const SECRETBOX_KEY_BYTES = 32;
export const SECRETBOX_NONCE_BYTES = 24;
export const SECRETBOX_MAC_BYTES = 16;

const DAY_MS = 24 * 60 * 60 * 1000;
/** `_autoSupersedeDuration`: an older key counts as superseded this long after a newer one appeared. */
export const AUTO_SUPERSEDE_MS = 15 * DAY_MS;
/** `_oldKeyRetentionDuration`: a superseded key is kept this long, then forgotten. */
export const OLD_KEY_RETENTION_MS = 30 * DAY_MS;

/** Where a phone's randomness comes from (a seeded source makes runs repeat). */
export type RandomBytes = (n: number) => Uint8Array;
export const secureRandomBytes: RandomBytes = (n) => new Uint8Array(crypto.randomBytes(n));

/** libsodium must be initialised before any seal/open; cheap after the first time. */
export const sodiumReady = (): Promise<void> => sodium.ready;

export interface PushKey {
  /** push_key_id: uint32. */
  id: number;
  /** The 33 bytes (tag ‖ secretbox key). */
  material: Uint8Array;
  /** Clock ms. */
  createdAt: number;
  /** Clock ms when a newer key took over; null while this key may be the server's. */
  supersededAt: number | null;
}

/** The wire form of a push key: standard padded base64 of the 33 bytes. */
export const encodePushKey = (material: Uint8Array): string => Buffer.from(material).toString('base64');

/** The secretbox key inside a push key, or null when it is not 33 bytes tagged 0x31. */
export function secretboxKeyOf(material: Uint8Array): Uint8Array | null {
  if (material.length !== PUSH_KEY_BYTES || material[0] !== PUSH_KEY_TAG_SECRETBOX) return null;
  return material.subarray(1);
}

/**
 * What a Zulip server does per device (§B.1): secretbox with a fresh random nonce, then
 * base64(nonce ‖ MAC ‖ ciphertext). `nonce` may be given for repeatable tests. Needs sodiumReady().
 */
export function encryptForPushKey(material: Uint8Array, plaintext: string, nonce?: Uint8Array): string {
  const key = secretboxKeyOf(material);
  if (!key) throw new Error('a push key is 33 bytes starting with 0x31');
  const n = nonce ?? secureRandomBytes(SECRETBOX_NONCE_BYTES);
  if (n.length !== SECRETBOX_NONCE_BYTES) throw new Error(`a secretbox nonce is ${SECRETBOX_NONCE_BYTES} bytes`);
  const ct = sodium.crypto_secretbox_easy(Buffer.from(plaintext, 'utf8'), n, key);
  return Buffer.concat([n, ct]).toString('base64');
}

/** The app's side (§A.3 step 3): the exact UTF-8 plaintext, or null if the box does not open. */
export function decryptWithPushKey(material: Uint8Array, encryptedData: string): string | null {
  const key = secretboxKeyOf(material);
  if (!key) return null;
  const raw = Buffer.from(encryptedData, 'base64');
  if (raw.length < SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES) return null;
  try {
    const plain = sodium.crypto_secretbox_open_easy(raw.subarray(SECRETBOX_NONCE_BYTES), raw.subarray(0, SECRETBOX_NONCE_BYTES), key);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    return null;
  }
}

export type DecryptResult =
  | { ok: true; plaintext: string; key: PushKey }
  | { ok: false; reason: 'unknown-push-key' | 'undecryptable'; detail: string };

export class PushKeyStore {
  /** Oldest first; the last one is the latest. */
  private keys: PushKey[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomBytes = secureRandomBytes,
  ) {}

  /** The key new registrations send; null before the first one is made. */
  get latest(): PushKey | null {
    return this.keys.at(-1) ?? null;
  }

  /** Every key still held (copies), oldest first. */
  list(): PushKey[] {
    this.prune();
    return this.keys.map((k) => ({ ...k }));
  }

  get(id: number): PushKey | undefined {
    this.prune();
    return this.keys.find((k) => k.id === id);
  }

  /** A new latest key with a fresh push_key_id; older keys stay for in-flight notifications. */
  generate(): PushKey {
    const material = new Uint8Array(PUSH_KEY_BYTES);
    material[0] = PUSH_KEY_TAG_SECRETBOX;
    material.set(this.random(SECRETBOX_KEY_BYTES).subarray(0, SECRETBOX_KEY_BYTES), 1);
    const key: PushKey = { id: this.newId(), material, createdAt: this.clock.now(), supersededAt: null };
    this.keys.push(key);
    return key;
  }

  /** The server now has key `id`: every older key is superseded from now on. */
  acknowledge(id: number): void {
    const index = this.keys.findIndex((k) => k.id === id);
    const now = this.clock.now();
    for (const k of this.keys.slice(0, Math.max(index, 0))) k.supersededAt ??= now;
  }

  /** Drops one key (its notifications are then dropped as unknown). */
  forget(id: number): boolean {
    const before = this.keys.length;
    this.keys = this.keys.filter((k) => k.id !== id);
    return this.keys.length !== before;
  }

  /** Logging out of the account: every key goes. */
  forgetAll(): void {
    this.keys = [];
  }

  /** §A.3 steps 1–3: look the key up, check it, open the box. */
  decrypt(pushKeyId: number, encryptedData: string): DecryptResult {
    const key = this.get(pushKeyId);
    if (!key) return { ok: false, reason: 'unknown-push-key', detail: `push key id ${pushKeyId} is not one of this phone's keys` };
    const plaintext = decryptWithPushKey(key.material, encryptedData);
    if (plaintext === null) {
      return { ok: false, reason: 'undecryptable', detail: `encrypted_data does not open with push key ${pushKeyId} (bad layout, wrong key or tampered)` };
    }
    return { ok: true, plaintext, key };
  }

  /** Marks keys superseded 15 days after a newer one, forgets those superseded over 30 days ago. */
  private prune(): void {
    const now = this.clock.now();
    this.keys.forEach((k, i) => {
      const newer = this.keys[i + 1];
      if (k.supersededAt === null && newer && now - newer.createdAt >= AUTO_SUPERSEDE_MS) k.supersededAt = newer.createdAt + AUTO_SUPERSEDE_MS;
    });
    this.keys = this.keys.filter((k) => k.supersededAt === null || now - k.supersededAt < OLD_KEY_RETENTION_MS);
  }

  /** `Random.secure().nextInt(1 << 32)`, distinct from the keys held. */
  private newId(): number {
    for (;;) {
      const id = Buffer.from(this.random(4).subarray(0, 4)).readUInt32BE(0);
      if (!this.keys.some((k) => k.id === id)) return id;
    }
  }
}
