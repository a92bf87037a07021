/**
 * The registration-transfer challenge a Zulip server holds while `register_server
 * --registration-transfer` runs (bouncer-protocol.md §3.3 step 2; remote_server.py
 * prepare_for_registration_transfer_challenge and the view behind
 * `GET /api/v1/zulip-services/verify/<access_token>/`).
 *
 * Zulip keeps `{"verification_secret", "access_token"}` in one Redis key with a 10 s TTL; here
 * it is one slot per server (keyed by its context, so two fake servers in one process never see
 * each other's challenge), expiring after 10 s of the server's clock. Both values are bearer
 * secrets: they are registered with the log redactor and never logged.
 */
import crypto from 'node:crypto';
import type { ZulipServerContext } from './context';

/** The Redis TTL (`ex=10`), matching the bouncer's REMOTE_SERVER_TAKEOVER_TOKEN_VALIDITY_SECONDS. */
export const TRANSFER_CHALLENGE_TTL_MS = 10_000;

interface StoredChallenge {
  verificationSecret: string;
  accessToken: string;
  /** Unix ms on the server's clock. */
  storedAt: number;
}

const challenges = new WeakMap<ZulipServerContext, StoredChallenge>();

/** secrets.token_urlsafe(32): 32 random bytes, base64url without padding (43 characters). */
export const newAccessToken = (): string => crypto.randomBytes(32).toString('base64url');

/**
 * prepare_for_registration_transfer_challenge: stores the secret the bouncer handed out under a
 * fresh access token and returns the token (sent to the bouncer in verify_challenge).
 * A second call replaces the first challenge, as a second Redis SET would.
 */
export function prepareTransferChallenge(ctx: ZulipServerContext, verificationSecret: string): string {
  const accessToken = newAccessToken();
  ctx.addSecret(verificationSecret);
  ctx.addSecret(accessToken);
  challenges.set(ctx, { verificationSecret, accessToken, storedAt: ctx.clock.now() });
  return accessToken;
}

/**
 * The verification secret for `accessToken`, or null when there is no challenge, it expired,
 * or the token does not match (deliberately indistinguishable, §3.3).
 */
export function lookupTransferChallenge(ctx: ZulipServerContext, accessToken: string): string | null {
  const stored = challenges.get(ctx);
  if (!stored) return null;
  if (ctx.clock.now() - stored.storedAt >= TRANSFER_CHALLENGE_TTL_MS) {
    // The Redis key is gone once its TTL has run out.
    challenges.delete(ctx);
    return null;
  }
  return constantTimeEquals(stored.accessToken, accessToken) ? stored.verificationSecret : null;
}

/** Drops the challenge (register_server is done with it; Redis would let it expire). */
export function clearTransferChallenge(ctx: ZulipServerContext): void {
  challenges.delete(ctx);
}

/** Django's constant_time_compare: no early exit on the first differing byte. */
function constantTimeEquals(expected: string, given: string): boolean {
  const a = crypto.createHash('sha256').update(expected, 'utf8').digest();
  const b = crypto.createHash('sha256').update(given, 'utf8').digest();
  // Hashing first gives both sides the same length, so the comparison time does not depend on it.
  return crypto.timingSafeEqual(a, b);
}
