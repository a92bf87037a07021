/**
 * Provider signing keys (providers.md §A1 "Token (JWT) auth"): an ES256 (P-256) key per
 * (team id, key id). The private half is written where real clients load it from — a PKCS#8
 * `AuthKey_<keyId>.p8` file — and the mock keeps only the public half to verify tokens.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { importSPKI, type CryptoKey } from 'jose';

export interface ProviderKey {
  teamId: string;
  keyId: string;
  /** SPKI PEM of the verification key. */
  publicKeyPem: string;
  /** The .p8 file, when the mock generated the key. */
  keyFile: string | null;
}

export interface NewKeyOptions {
  teamId?: string;
  keyId?: string;
  /** Register an existing key (SPKI PEM) instead of generating one. */
  publicKeyPem?: string;
}

/** Apple's team and key ids are 10 upper-case alphanumerics. */
const ID = /^[A-Z0-9]{10}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A 10-character id: random, or derived from the seed and a label so seeded runs repeat. */
export function makeAppleId(label: string, seed?: number | string): string {
  const bytes =
    seed === undefined ? crypto.randomBytes(10) : crypto.createHash('sha256').update(`apns-${label}:${seed}`).digest();
  return Array.from(bytes.subarray(0, 10), (b) => ALPHABET[b % ALPHABET.length]).join('');
}

export class KeyError extends Error {}

export class KeyRing {
  private readonly keys = new Map<string, ProviderKey & { verifier: CryptoKey }>();
  private generated = 0;

  constructor(
    /** Where generated .p8 files go (`<dataDir>/apns/`). */
    private readonly dir: string,
    private readonly seed?: number | string,
  ) {}

  /** Registers a key: generates a key pair (and its .p8) unless a public key is given. */
  async add(opts: NewKeyOptions = {}): Promise<ProviderKey> {
    const n = this.generated++;
    const teamId = opts.teamId ?? makeAppleId(`team-${n}`, this.seed);
    const keyId = opts.keyId ?? makeAppleId(`key-${n}`, this.seed);
    if (!ID.test(teamId)) throw new KeyError(`team id ${teamId} is not 10 upper-case letters or digits`);
    if (!ID.test(keyId)) throw new KeyError(`key id ${keyId} is not 10 upper-case letters or digits`);
    if (this.keys.has(keyId)) throw new KeyError(`key id ${keyId} is already registered`);

    let publicKeyPem = opts.publicKeyPem;
    let keyFile: string | null = null;
    if (publicKeyPem === undefined) {
      const pair = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      keyFile = path.join(this.dir, `AuthKey_${keyId}.p8`);
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    }
    let verifier: CryptoKey;
    try {
      verifier = await importSPKI(publicKeyPem, 'ES256');
    } catch (e) {
      throw new KeyError(`the public key is not a P-256 SPKI PEM: ${(e as Error).message}`);
    }
    const key = { teamId, keyId, publicKeyPem, keyFile };
    this.keys.set(keyId, { ...key, verifier });
    return key;
  }

  /** The verification key for a `kid`, with its team. */
  get(keyId: string): { teamId: string; verifier: CryptoKey } | undefined {
    return this.keys.get(keyId);
  }

  list(): ProviderKey[] {
    return [...this.keys.values()].map(({ teamId, keyId, publicKeyPem, keyFile }) => ({ teamId, keyId, publicKeyPem, keyFile }));
  }
}
