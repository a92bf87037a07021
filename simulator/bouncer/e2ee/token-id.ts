/**
 * 12.x `token_id` (bouncer-protocol.md §6.1, server-and-app.md §A.2 step 3): standard padded
 * base64 of an 8-byte big-endian *signed* int64, derived by apps as `sha256(token)[0:8]`.
 * Zulip stores it as a BigInteger; JS numbers cannot hold every int64, so it is a `bigint`
 * here and in the store (better-sqlite3 binds and, with safeIntegers, returns BigInt).
 */
import crypto from 'node:crypto';

/** Standard alphabet, padded; what Python's `base64.b64decode(s, validate=True)` accepts. */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `base64.b64decode(s, validate=True)`: bytes, or null where Python raises binascii.Error. */
export function strictBase64Decode(s: string): Buffer | null {
  return STRICT_BASE64.test(s) ? Buffer.from(s, 'base64') : null;
}

/** The first 8 bytes of sha256 over the token's UTF-8 bytes. */
export function tokenIdBytes(token: string): Buffer {
  return crypto.createHash('sha256').update(token, 'utf8').digest().subarray(0, 8);
}

/** What an app sends as `token_id` for `token`: base64(sha256(token)[0:8]). */
export function computeTokenId(token: string): string {
  return tokenIdBytes(token).toString('base64');
}

/** zerver/lib/devices.py b64encode_token_id_int: int64 → 12-char base64. */
export function encodeTokenId(id: bigint): string {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64BE(BigInt.asIntN(64, id));
  return buf.toString('base64');
}

/**
 * zerver/lib/devices.py b64decode_token_id_base64 (strict base64) → signed int64, or null when
 * the string is not strict base64 or does not hold exactly 8 bytes (Zulip would fail on
 * storing such an id; a simulator answers with the decode error instead — inferred).
 * For the notify endpoint: null → 400 `` `token_id` is not Base64 encoded ``.
 */
export function decodeTokenId(b64: string): bigint | null {
  const bytes = strictBase64Decode(b64);
  if (!bytes || bytes.length !== 8) return null;
  return bytes.readBigInt64BE(0);
}

/** The int64 a token's token_id stands for. */
export function tokenIdInt(token: string): bigint {
  return tokenIdBytes(token).readBigInt64BE(0);
}
