/**
 * What an app sends to register a token for E2EE notifications (server-and-app.md §A.2 steps
 * 3–5; zulip-flutter `NotificationService.computeTokenId`, `PushDeviceManager._encryptToBouncer`,
 * `PushRegistration`):
 *
 *   token_id                     base64(sha256(token)[0:8]), standard padded (12 characters)
 *   encrypted_push_registration  base64(crypto_box_seal(utf8(json), bouncerPublicKey)) where json
 *                                is {"token_kind","token","timestamp","ios_app_id"} in that order,
 *                                compact, `ios_app_id` omitted (not null) on Android
 *   bouncer_public_key           the key the app was built with, standard base64
 */
import crypto from 'node:crypto';
import sodium from 'libsodium-wrappers';

/** The bouncer key the released app embeds (`bouncerPublicKey`, generated 2026-02-24). */
export const ZULIP_APP_BOUNCER_PUBLIC_KEY = 'mm4F/3WLqECY637NulC5j/ZeHkmpwmtlfIxwt8MfREM=';

export type TokenKind = 'apns' | 'fcm';

/** sha256 over the token's code units (ASCII tokens: its bytes), first 8 bytes, base64. */
export function computeTokenId(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest().subarray(0, 8).toString('base64');
}

export interface PushRegistration {
  tokenKind: TokenKind;
  token: string;
  /** Unix seconds, from the phone's clock (the bouncer rejects registrations over 24 h old). */
  timestamp: number;
  /** The bundle id on iOS; must be absent on Android. */
  iosAppId?: string;
}

/** The plaintext the bouncer opens, byte for byte as the app's `jsonEncode` writes it. */
export function pushRegistrationJson(r: PushRegistration): string {
  const json: Record<string, unknown> = { token_kind: r.tokenKind, token: r.token, timestamp: r.timestamp };
  if (r.iosAppId !== undefined) json.ios_app_id = r.iosAppId;
  return JSON.stringify(json);
}

/** Seals `pushRegistrationJson(r)` to the bouncer's X25519 key. Needs sodium to be ready. */
export function sealPushRegistration(r: PushRegistration, bouncerPublicKey: string): string {
  const publicKey = Buffer.from(bouncerPublicKey, 'base64');
  if (publicKey.length !== sodium.crypto_box_PUBLICKEYBYTES) throw new Error(`bouncer_public_key must be ${sodium.crypto_box_PUBLICKEYBYTES} bytes of base64`);
  return Buffer.from(sodium.crypto_box_seal(Buffer.from(pushRegistrationJson(r), 'utf8'), publicKey)).toString('base64');
}
