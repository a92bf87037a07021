/**
 * Registration-transfer verification secrets (bouncer-protocol.md §3.3), byte-compatible with
 * Zulip's zilencer/auth.py:
 *
 *   secret = base64.b16encode(TimestampSigner(salt="remote_server_transfer").sign(hostname).encode())
 *
 * i.e. the uppercase hex of `<hostname>:<base62 timestamp>:<signature>`, where Django's Signer
 * (4.0+: SHA-256) signs with `salted_hmac(salt + "signer", value, SECRET_KEY)` and encodes the
 * digest as unpadded URL-safe base64. Secrets are stateless: nothing is stored, a secret proves
 * itself by its signature and its age.
 *
 * Times are the bouncer's clock in (possibly fractional) Unix seconds — never Date.now() — so
 * tests cross the 10 s lifetime by advancing a VirtualClock.
 */
import crypto from 'node:crypto';
import { badRequest } from '../errors';

export const TRANSFER_SECRET_SALT = 'remote_server_transfer';
/** REMOTE_SERVER_TAKEOVER_TOKEN_VALIDITY_SECONDS */
export const TRANSFER_SECRET_VALIDITY_SECONDS = 10;

const SEP = ':';
const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// --- Django primitives (django/core/signing.py, django/utils/crypto.py) ---

/** salted_hmac: HMAC keyed with H(key_salt + secret), over the UTF-8 value. */
function saltedHmac(keySalt: string, value: string, secret: string): Buffer {
  const key = crypto.createHash('sha256').update(Buffer.from(keySalt + secret, 'utf8')).digest();
  return crypto.createHmac('sha256', key).update(Buffer.from(value, 'utf8')).digest();
}

/** base64_hmac: urlsafe_b64encode(digest) with the '=' padding stripped. */
function base64Hmac(salt: string, value: string, key: string): string {
  return saltedHmac(salt, value, key).toString('base64url');
}

export function b62Encode(n: number): string {
  if (n === 0) return '0';
  let s = Math.abs(n);
  let out = '';
  while (s > 0) {
    out = BASE62_ALPHABET[s % 62]! + out;
    s = Math.floor(s / 62);
  }
  return (n < 0 ? '-' : '') + out;
}

/** b62_decode; Django raises (IndexError/ValueError) on '' or foreign digits — we return undefined. */
export function b62Decode(s: string): number | undefined {
  if (s === '') return undefined;
  if (s === '0') return 0;
  let digits = s;
  let sign = 1;
  if (digits.startsWith('-')) {
    digits = digits.slice(1);
    sign = -1;
  }
  let n = 0;
  for (const d of digits) {
    const v = BASE62_ALPHABET.indexOf(d);
    if (v < 0) return undefined;
    n = n * 62 + v;
  }
  return sign * n;
}

/** Signer(salt=...).signature(value) */
const signature = (value: string, secretKey: string) => base64Hmac(TRANSFER_SECRET_SALT + 'signer', value, secretKey);

/** constant_time_compare over the UTF-8 bytes. */
function constantTimeCompare(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** TimestampSigner.sign: `<value>:<b62(int(now))>:<signature>`. */
export function timestampSign(value: string, secretKey: string, nowSeconds: number): string {
  const timestamped = `${value}${SEP}${b62Encode(Math.floor(nowSeconds))}`;
  return `${timestamped}${SEP}${signature(timestamped, secretKey)}`;
}

export type UnsignResult =
  | { ok: true; value: string }
  /** `invalid` = Django's BadSignature; `expired` = SignatureExpired (checked after the signature). */
  | { ok: false; reason: 'invalid' | 'expired' };

/** TimestampSigner.unsign(signed, max_age): the signature first, then the age (`age > max_age`). */
export function timestampUnsign(
  signed: string,
  secretKey: string,
  nowSeconds: number,
  maxAgeSeconds: number,
): UnsignResult {
  const sigAt = signed.lastIndexOf(SEP);
  if (sigAt < 0) return { ok: false, reason: 'invalid' };
  const result = signed.slice(0, sigAt);
  if (!constantTimeCompare(signed.slice(sigAt + 1), signature(result, secretKey))) return { ok: false, reason: 'invalid' };
  // A correctly signed value without a timestamp, or with a foreign base62 digit, can only come
  // from someone holding our key; Django would crash (500) here. We call it invalid.
  const tsAt = result.lastIndexOf(SEP);
  if (tsAt < 0) return { ok: false, reason: 'invalid' };
  const timestamp = b62Decode(result.slice(tsAt + 1));
  if (timestamp === undefined) return { ok: false, reason: 'invalid' };
  if (nowSeconds - timestamp > maxAgeSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, value: result.slice(0, tsAt) };
}

// --- Zulip's wrappers (zilencer/auth.py) ---

/** generate_registration_transfer_verification_secret */
export function generateVerificationSecret(hostname: string, secretKey: string, nowSeconds: number): string {
  return Buffer.from(timestampSign(hostname, secretKey, nowSeconds), 'utf8').toString('hex').toUpperCase();
}

/**
 * Python's base64.b16decode(s).decode(): only an even number of 0-9A-F (lowercase refused, as
 * casefold=False), and the bytes must be UTF-8.
 *
 * Zulip turns only binascii.Error (bad digit, odd length) into "malformed"; a non-ASCII secret
 * (ValueError from str→bytes) or bytes that are not UTF-8 (UnicodeDecodeError) escape its
 * except clauses and end as a 500. A client must never get a 500 from us, and both are
 * malformed input, so they are "malformed" too.
 */
function b16DecodeUtf8(secret: string): string | undefined {
  if (secret.length % 2 !== 0 || /[^0-9A-F]/.test(secret)) return undefined;
  try {
    // ignoreBOM: Python's 'utf-8' codec keeps a leading BOM as U+FEFF.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(secret, 'hex'));
  } catch {
    return undefined;
  }
}

/**
 * validate_registration_transfer_verification_secret: throws the 400 Zulip answers with, in
 * Zulip's order — malformed, then invalid/expired (signature before age), then hostname.
 */
export function validateVerificationSecret(
  secret: string,
  hostname: string,
  secretKey: string,
  nowSeconds: number,
): void {
  const signed = b16DecodeUtf8(secret);
  if (signed === undefined) throw badRequest('The verification secret is malformed');
  const result = timestampUnsign(signed, secretKey, nowSeconds, TRANSFER_SECRET_VALIDITY_SECONDS);
  if (!result.ok) {
    throw badRequest(
      result.reason === 'expired' ? 'The verification secret has expired' : 'The verification secret is invalid',
    );
  }
  if (result.value !== hostname) throw badRequest('The verification secret is for a different hostname');
}
