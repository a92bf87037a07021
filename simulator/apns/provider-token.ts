/**
 * Provider-token (JWT) checks, with the state APNs keeps per connection (providers.md §A1
 * "Token (JWT) auth"):
 *  - no `authorization: bearer …`                       → 403 MissingProviderToken
 *  - malformed, not ES256, unknown kid, bad signature,
 *    `iss` not the key's team, no numeric `iat`          → 403 InvalidProviderToken
 *  - a team other than the one this connection started
 *    with ("one team per connection", forum 702056,
 *    Pushy pins the first team)                          → 403 InvalidProviderToken
 *  - `iat` more than one hour old by the injected clock  → 403 ExpiredProviderToken
 *  - a *new* token (different `iat`) less than 20 minutes
 *    after this connection last took a new one           → 429 TooManyProviderTokenUpdates
 *
 * The 20-minute rule is per connection, as Apple says (forum 674772); a per-team rule would flag
 * aioapns's pool of connections that each refresh every 30 minutes. A token re-signed with the
 * same `iat` (node-apn regenerating within the same second) is the same token, not an update.
 * A refused update is not adopted: the connection keeps its previous token, which still works,
 * and the new one is accepted once 20 minutes have passed (Apple: "that connection will be
 * unusable until enough time has passed", forum 675879 — for a client that keeps sending the new
 * token, which is what clients do). An `iat` in the future is not refused: Apple documents no
 * such rule and Pushy does not check it.
 */
import { compactVerify, decodeProtectedHeader } from 'jose';
import type { Clock } from '../core/clock';
import type { KeyRing } from './keys';
import { because, type ApnsRejection } from './reasons';

/** `iat` has one-second resolution, so ages are compared in whole seconds. */
export const TOKEN_LIFETIME_S = 60 * 60;
export const MIN_TOKEN_REFRESH_MS = 20 * 60 * 1000;

/** What a connection remembers about the tokens it has been sent. */
export interface ConnectionTokenState {
  teamId: string | null;
  keyId: string | null;
  /** The last token string that passed, so the same token is not re-verified on every stream. */
  token: string | null;
  iat: number | null;
  /** Clock ms when this connection took its current token. */
  adoptedAt: number | null;
}

export const newConnectionTokenState = (): ConnectionTokenState => ({
  teamId: null,
  keyId: null,
  token: null,
  iat: null,
  adoptedAt: null,
});

/** The token's team, key and `iat` (seconds) are reported when they could be read, for the journal. */
interface TokenIds {
  teamId?: string;
  keyId?: string;
  iat?: number;
}

export type TokenCheck = ({ ok: true } & Required<TokenIds>) | ({ ok: false; rejection: ApnsRejection } & TokenIds);

const BEARER = /^bearer (.+)$/i;

/** The JWT in an `authorization` header, or null. */
export function bearerToken(authorization: string | undefined): string | null {
  const m = authorization === undefined ? null : BEARER.exec(authorization.trim());
  return m ? m[1]!.trim() : null;
}

/**
 * Checks a request's provider token against the connection's state (updating it). Answers
 * synchronously when it can — no token, or the token the connection already took, which is every
 * request but the first after a refresh — and returns a promise only to verify a signature.
 */
export function checkProviderToken(
  jwt: string | null,
  state: ConnectionTokenState,
  keys: KeyRing,
  clock: Clock,
): TokenCheck | Promise<TokenCheck> {
  if (jwt === null) return { ok: false, rejection: because('MissingProviderToken', 'no "authorization: bearer <JWT>" header') };
  if (jwt === state.token && state.iat !== null) {
    // Only its age can have changed.
    const ids = { teamId: state.teamId!, keyId: state.keyId!, iat: state.iat };
    const age = ageSeconds(clock.now(), state.iat);
    if (age > TOKEN_LIFETIME_S) return { ok: false, rejection: expired(age), ...ids };
    return { ok: true, ...ids };
  }
  return verify(jwt, keys).then((claims) => adopt(jwt, claims, state, clock.now()));
}

/** The rules for a token whose signature has just been checked (null: it did not verify). */
function adopt(jwt: string, claims: VerifiedClaims | string, state: ConnectionTokenState, now: number): TokenCheck {
  if (typeof claims === 'string') return { ok: false, rejection: because('InvalidProviderToken', claims) };
  const ids = { teamId: claims.iss, keyId: claims.kid, iat: claims.iat };
  if (state.teamId !== null && state.teamId !== claims.iss) {
    return { ok: false, rejection: because('InvalidProviderToken', `this connection belongs to team ${state.teamId}, not ${claims.iss}`), ...ids };
  }
  const age = ageSeconds(now, claims.iat);
  if (age > TOKEN_LIFETIME_S) return { ok: false, rejection: expired(age), ...ids };

  const isUpdate = state.iat !== null && claims.iat !== state.iat;
  if (isUpdate && now - state.adoptedAt! < MIN_TOKEN_REFRESH_MS) {
    const minutes = ((now - state.adoptedAt!) / 60_000).toFixed(1);
    return { ok: false, rejection: because('TooManyProviderTokenUpdates', `a new token ${minutes} min after this connection's last one (at least 20 min apart)`), ...ids };
  }
  if (state.iat === null || isUpdate) state.adoptedAt = now;
  state.teamId = claims.iss;
  state.keyId = claims.kid;
  state.token = jwt;
  state.iat = claims.iat;
  return { ok: true, ...ids };
}

const ageSeconds = (nowMs: number, iat: number) => Math.floor(nowMs / 1000) - iat;
const expired = (age: number) => because('ExpiredProviderToken', `iat is ${age} s old by the mock's clock (at most ${TOKEN_LIFETIME_S} s)`);

interface VerifiedClaims {
  kid: string;
  iss: string;
  iat: number;
}

/** Signature and claims, or why the token is one Apple would call invalid. */
async function verify(jwt: string, keys: KeyRing): Promise<VerifiedClaims | string> {
  let kid: unknown;
  try {
    const header = decodeProtectedHeader(jwt);
    if (header.alg !== 'ES256') return `alg is ${String(header.alg)}, not ES256`;
    kid = header.kid;
  } catch {
    return 'not a JWT';
  }
  const key = typeof kid === 'string' ? keys.get(kid) : undefined;
  if (!key) return `no registered key has kid ${String(kid)}`;
  let payload: unknown;
  try {
    const verified = await compactVerify(jwt, key.verifier, { algorithms: ['ES256'] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload));
  } catch {
    return `the signature does not verify with key ${String(kid)}`;
  }
  if (typeof payload !== 'object' || payload === null) return 'the claims are not a JSON object';
  const { iss, iat } = payload as Record<string, unknown>;
  if (iss !== key.teamId) return `iss ${String(iss)} is not key ${String(kid)}'s team ${key.teamId}`;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'no numeric iat claim';
  return { kid: kid as string, iss: key.teamId, iat };
}
