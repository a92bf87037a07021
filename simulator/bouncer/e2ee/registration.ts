/**
 * Opening an E2EE push registration (bouncer-protocol.md §6.2 steps 2–5; zilencer/views.py
 * do_register_remote_push_device and its `PushRegistration` model):
 *
 *   2. bouncer_public_key must be a key of the ring        → 400 INVALID_BOUNCER_PUBLIC_KEY
 *   3. base64-decode + sealed-box open                     → 400 Invalid encrypted_push_registration
 *   4. plaintext JSON {token, token_kind, ios_app_id, timestamp} validated (pydantic, lax), and
 *      for 12.x token_id must be the token's id           → 400 Invalid encrypted_push_registration
 *   5. liveness: now - timestamp > 86400 s                 → 400 REQUEST_EXPIRED (future is fine)
 *
 * The plaintext (and its token) never leaves this module except as the returned registration;
 * nothing here logs.
 */
import sodium from 'libsodium-wrappers';
import { invalidBouncerPublicKey, invalidEncryptedPushRegistration, requestExpired } from '../errors';
import { isPythonHex, isValidApnsAppId, isValidTokenLength } from '../validation/push-token';
import type { KeyRing } from './key-ring';
import { strictBase64Decode, tokenIdBytes } from './token-id';

/** zerver/lib/push_notifications.py PUSH_REGISTRATION_LIVENESS_TIMEOUT (24 h). */
export const PUSH_REGISTRATION_LIVENESS_TIMEOUT = 24 * 60 * 60;

export type E2eeTokenKind = 'apns' | 'fcm';

/** The decrypted, validated `PushRegistration`. */
export interface PushRegistration {
  token: string;
  tokenKind: E2eeTokenKind;
  /** The APNs topic (bundle id); null for FCM. */
  iosAppId: string | null;
  /** Unix seconds, as the app stamped it. */
  timestamp: number;
}

export interface OpenRequest {
  bouncerPublicKey: string;
  encryptedPushRegistration: string;
  /** 12.x only: the request's `token_id`, which must be the decrypted token's id. */
  tokenId?: string;
}

export interface OpenedRegistration {
  registration: PushRegistration;
  /** 12.x: the token_id as the signed int64 Zulip stores. */
  tokenId?: bigint;
}

/** Steps 2–5 of §6.2, in order; throws the first failure's JsonableError. */
export function openPushRegistration(keyRing: KeyRing, req: OpenRequest, nowSeconds: number): OpenedRegistration {
  // 2. The key must be one of ours (exact string, as a dict lookup).
  const keyPair = keyRing.keyPair(req.bouncerPublicKey);
  if (!keyPair) throw invalidBouncerPublicKey();

  // 3. Base64 + sealed box.
  const plaintext = unseal(req.encryptedPushRegistration, keyPair.publicKey, keyPair.privateKey);
  if (!plaintext) throw invalidEncryptedPushRegistration();

  // 4. The plaintext, then (12.x) the token_id it must match.
  const registration = parsePushRegistration(plaintext);
  if (!registration) throw invalidEncryptedPushRegistration();
  let tokenId: bigint | undefined;
  if (req.tokenId !== undefined) {
    const id = matchingTokenId(req.tokenId, registration.token);
    if (id === null) throw invalidEncryptedPushRegistration();
    tokenId = id;
  }

  // 5. Liveness, on whole seconds (datetime_to_timestamp truncates).
  if (isExpired(registration.timestamp, nowSeconds)) throw requestExpired();
  return { registration, tokenId };
}

export function isExpired(timestamp: number, nowSeconds: number): boolean {
  return Math.floor(nowSeconds) - timestamp > PUSH_REGISTRATION_LIVENESS_TIMEOUT;
}

/** Python `base64.b64decode(s)` (non-validating) then `SealedBox.decrypt`; null on any failure. */
export function unseal(encrypted: string, publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array | null {
  const ciphertext = pythonB64decode(encrypted);
  if (!ciphertext) return null;
  try {
    return sodium.crypto_box_seal_open(ciphertext, publicKey, privateKey);
  } catch {
    return null;
  }
}

/**
 * CPython's `binascii.a2b_base64` in non-strict mode (what `base64.b64decode(s)` and PyNaCl's
 * Base64Encoder.decode use): characters outside the alphabet are skipped, a complete pad
 * sequence ends the input, and a dangling quad is an error. Null where Python raises
 * (binascii.Error, or non-ASCII input). In Zulip those errors escape the view's
 * `except (TypeError, CryptoError)` and become a 500; the simulator answers 400 Invalid
 * encrypted_push_registration as the spec says.
 */
export function pythonB64decode(s: string): Buffer | null {
  if (!/^[\x00-\x7f]*$/.test(s)) return null;
  const out: number[] = [];
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '=') {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return Buffer.from(out);
      continue;
    }
    const v = B64_VALUE.get(ch);
    if (v === undefined) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        quadPos = 1;
        leftChar = v;
        break;
      case 1:
        quadPos = 2;
        out.push(((leftChar << 2) | (v >> 4)) & 0xff);
        leftChar = v & 0x0f;
        break;
      case 2:
        quadPos = 3;
        out.push(((leftChar << 4) | (v >> 2)) & 0xff);
        leftChar = v & 0x03;
        break;
      default:
        quadPos = 0;
        out.push(((leftChar << 6) | v) & 0xff);
        leftChar = 0;
    }
  }
  return quadPos === 0 ? Buffer.from(out) : null;
}

const B64_VALUE = new Map(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i] as const),
);

/**
 * `PushRegistration.model_validate_json(plaintext)` (pydantic v2, lax, extra keys ignored)
 * plus its `validate_terms` model validator; null for any failure:
 *  - the bytes must be UTF-8 JSON holding an object;
 *  - `token`, `token_kind`: strings; `ios_app_id`: absent, null, or a string matching
 *    `^[.a-zA-Z0-9-]+$` (ApnsAppId); `timestamp`: an int (lax: an integral float, a bool or a
 *    string of digits also pass — inferred from pydantic's conversion table);
 *  - token_kind ∈ {apns, fcm}; apns needs ios_app_id; fcm must not have one;
 *  - token non-empty, ≤ 4096 code points, and hex (bytes.fromhex) for apns.
 */
export function parsePushRegistration(plaintext: Uint8Array): PushRegistration | null {
  let value: unknown;
  try {
    // fatal: invalid UTF-8 is an error; ignoreBOM: a BOM stays and fails JSON parsing, as in pydantic.
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plaintext));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;

  const { token, token_kind: tokenKind } = o;
  if (typeof token !== 'string' || typeof tokenKind !== 'string') return null;
  const iosAppId = o.ios_app_id ?? null;
  if (iosAppId !== null && (typeof iosAppId !== 'string' || !isValidApnsAppId(iosAppId))) return null;
  const timestamp = laxInt(o.timestamp);
  if (timestamp === null) return null;

  if (tokenKind !== 'apns' && tokenKind !== 'fcm') return null;
  if (tokenKind === 'apns' && iosAppId === null) return null;
  if (tokenKind === 'fcm' && iosAppId !== null) return null;
  if (!isValidTokenLength(token)) return null;
  if (tokenKind === 'apns' && !isPythonHex(token)) return null;
  return { token, tokenKind, iosAppId, timestamp };
}

/** pydantic's lax `int` for JSON input. */
function laxInt(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && Number.isInteger(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v.trim());
  return null;
}

/**
 * 12.x consistency (inferred, bouncer-protocol.md §6.2 step 4): `token_id` must be strict
 * base64 of exactly the 8 bytes sha256(token)[0:8]. Returns its int64, or null (so `192057`,
 * not base64, and the id of another token are both refused).
 */
export function matchingTokenId(tokenId: string, token: string): bigint | null {
  const bytes = strictBase64Decode(tokenId);
  if (!bytes || bytes.length !== 8 || !bytes.equals(tokenIdBytes(token))) return null;
  return bytes.readBigInt64BE(0);
}
