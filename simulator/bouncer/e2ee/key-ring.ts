/**
 * The bouncer's E2EE registration key ring, Zulip's `PUSH_REGISTRATION_ENCRYPTION_KEYS`
 * (bouncer-protocol.md §6.1): `{ "<public key base64>": "<private key base64>" }`, NaCl /
 * libsodium X25519 key pairs in standard padded base64 (PyNaCl's Base64Encoder).
 *
 * Persisted as JSON at `<dataDir>/bouncer/push_registration_encryption_keys.json` (mode 0600),
 * created with one key at first start and reloaded on restart. Keys are kept in insertion
 * order: the newest is "current" (the one an app embeds), older ones stay usable until removed
 * (manage_push_registration_encryption_keys `--add` / `--remove-key`). With no directory (the
 * `database: 'memory'` bouncer) the ring lives in memory only.
 *
 * Every private key is registered with the log redactor, so none can reach a log line.
 */
import fs from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers';
import { strictBase64Decode } from './token-id';

export const KEY_RING_FILE = 'push_registration_encryption_keys.json';

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export interface KeyRingOptions {
  /** The bouncer's own directory (`<dataDir>/bouncer`); null keeps the ring in memory. */
  dir: string | null;
  /** Told every private key (ComponentLog.redactor). */
  redactor: { add(secret: string): void };
}

export class KeyRingError extends Error {
  override name = 'KeyRingError';
}

export class KeyRing {
  /** public → private (base64), oldest first. */
  private readonly keys = new Map<string, string>();

  private constructor(
    readonly file: string | null,
    private readonly redactor: KeyRingOptions['redactor'],
  ) {}

  /** Loads the ring from its file (creating it with one fresh key), or makes an in-memory one. */
  static async load(opts: KeyRingOptions): Promise<KeyRing> {
    await sodium.ready;
    const ring = new KeyRing(opts.dir === null ? null : path.join(opts.dir, KEY_RING_FILE), opts.redactor);
    if (ring.file && fs.existsSync(ring.file)) {
      for (const [pub, priv] of parseKeyFile(fs.readFileSync(ring.file, 'utf8'), ring.file)) {
        ring.redactor.add(priv);
        ring.keys.set(pub, priv);
      }
    }
    if (ring.keys.size === 0) ring.add();
    return ring;
  }

  /** The public key apps should encrypt to (the newest). */
  currentPublicKey(): string {
    let last: string | undefined;
    for (const pub of this.keys.keys()) last = pub;
    if (last === undefined) throw new KeyRingError('the key ring is empty');
    return last;
  }

  /** Every public key, current first. */
  publicKeys(): string[] {
    return [...this.keys.keys()].reverse();
  }

  /** `bouncer_public_key in PUSH_REGISTRATION_ENCRYPTION_KEYS`: an exact string match. */
  has(publicKey: string): boolean {
    return this.keys.has(publicKey);
  }

  /** The key pair for a public key of the ring, as bytes. */
  keyPair(publicKey: string): KeyPair | undefined {
    const priv = this.keys.get(publicKey);
    if (priv === undefined) return undefined;
    return { publicKey: Buffer.from(publicKey, 'base64'), privateKey: Buffer.from(priv, 'base64') };
  }

  /** Generates a key pair (PyNaCl PrivateKey.generate), makes it current, persists; returns its public key. */
  add(): string {
    const kp = sodium.crypto_box_keypair();
    const pub = Buffer.from(kp.publicKey).toString('base64');
    const priv = Buffer.from(kp.privateKey).toString('base64');
    this.redactor.add(priv);
    this.keys.set(pub, priv);
    this.save();
    return pub;
  }

  /**
   * Removes a key (`--remove-key`); registrations sealed to it are refused from then on.
   * Returns false for an unknown key. The last key cannot be removed: a bouncer always has a
   * current key (Zulip asserts the setting is non-empty).
   */
  remove(publicKey: string): boolean {
    if (!this.keys.has(publicKey)) return false;
    if (this.keys.size === 1) throw new KeyRingError('cannot remove the only key of the ring');
    this.keys.delete(publicKey);
    this.save();
    return true;
  }

  /** Atomic rewrite (temp file + rename), 0600. */
  private save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    const json = JSON.stringify(Object.fromEntries(this.keys), null, 2) + '\n';
    fs.writeFileSync(tmp, json, { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, this.file);
  }
}

/**
 * Reads the JSON dict and checks each pair: both 32 bytes of strict base64, and the private
 * key derives the public key. A broken file stops the bouncer rather than being replaced
 * (messages never include a private key).
 */
function parseKeyFile(text: string, file: string): [string, string][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KeyRingError(`${file}: not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeyRingError(`${file}: expected a JSON object of public key → private key`);
  }
  const pairs: [string, string][] = [];
  for (const [pub, priv] of Object.entries(value)) {
    const pubBytes = strictBase64Decode(pub);
    const privBytes = typeof priv === 'string' ? strictBase64Decode(priv) : null;
    if (!pubBytes || pubBytes.length !== 32) throw new KeyRingError(`${file}: ${pub} is not a base64 X25519 public key`);
    if (!privBytes || privBytes.length !== 32) throw new KeyRingError(`${file}: the private key of ${pub} is malformed`);
    if (!Buffer.from(sodium.crypto_scalarmult_base(privBytes)).equals(pubBytes)) {
      throw new KeyRingError(`${file}: the private key of ${pub} does not match it`);
    }
    pairs.push([pub, priv as string]);
  }
  return pairs;
}
