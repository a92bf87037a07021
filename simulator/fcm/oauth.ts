/**
 * The OAuth2 token endpoint (`POST /token`): the JWT-bearer grant of "OAuth 2.0 for Server to
 * Server Applications" (providers.md §A2). A client posts
 *   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>
 * signed with its service account's key, and gets `{"access_token":"ya29…","expires_in":3599,
 * "token_type":"Bearer"}`. Refusals are Google's: HTTP 400 `{"error", "error_description"}`.
 *
 * Checks, in order: grant type, assertion present and decodable, RS256, iss = a known
 * client_email, signature, aud, iat/exp window (injected clock), scope present.
 */
import crypto from 'node:crypto';
import type { AccessTokenRecord, AccessTokenStore } from './access-tokens';
import type { ServiceAccount, ServiceAccountRegistry } from './service-account';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** What firebase-admin (google-auth-library's gtoken) always uses as the token URL and `aud`. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Google's longest allowed assertion lifetime. */
const MAX_LIFETIME_S = 3600;
/** Clock skew tolerated on `iat` in the future (inferred; Google documents no number). */
const IAT_SKEW_S = 300;

export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly error: string,
    readonly description: string,
    readonly httpStatus = 400,
    /** What was learnt before the refusal, for the journal and the log. */
    readonly clientEmail: string | null = null,
  ) {
    super(`${error}: ${description}`);
  }

  toJSON(): Record<string, string> {
    return { error: this.error, error_description: this.description };
  }
}

// Google's own error_descriptions (captures: googleapis/google-cloud-python#10004, #15228;
// google-auth-library-java#1515; beste/firebase-php#266; requests-oauthlib#247).
const BAD_SIGNATURE = 'Invalid JWT Signature.';
const BAD_TIME =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';
const NO_ACCOUNT = 'Invalid grant: account not found';
const badAudience = () => `Invalid JWT: Failed audience check. The right audience is ${GOOGLE_TOKEN_URL}`;

export interface VerifiedAssertion {
  account: ServiceAccount;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  scopes: string[];
}

export interface Grant {
  record: AccessTokenRecord;
  assertion: VerifiedAssertion;
}

export interface TokenEndpointContext {
  accounts: ServiceAccountRegistry;
  tokens: AccessTokenStore;
  /** Every `aud` the mock answers to: its own token URLs and Google's. */
  audiences: () => Set<string>;
  now: number;
}

/** Exchanges a form-encoded JWT-bearer request for an access token; throws OAuthError. */
export function exchange(form: string, ctx: TokenEndpointContext): Grant {
  const params = new URLSearchParams(form);
  const grantType = params.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'Missing required parameter: grant_type');
  if (grantType !== JWT_BEARER_GRANT) throw new OAuthError('unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  const assertion = params.get('assertion');
  if (!assertion) throw new OAuthError('invalid_request', 'Missing required parameter: assertion');
  const verified = verifyAssertion(assertion, ctx);
  const record = ctx.tokens.issue(
    { projectId: verified.account.projectId, clientEmail: verified.account.clientEmail, scopes: verified.scopes },
    ctx.now,
  );
  return { record, assertion: verified };
}

function verifyAssertion(assertion: string, ctx: TokenEndpointContext): VerifiedAssertion {
  const parts = assertion.split('.');
  // An assertion that is not a JWS cannot have a valid signature (inferred wording).
  if (parts.length !== 3) throw new OAuthError('invalid_grant', BAD_SIGNATURE);
  const [h, c, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(c);
  if (!header || !claims) throw new OAuthError('invalid_grant', BAD_SIGNATURE);
  // firebase-admin sends only {"alg":"RS256"}: kid and typ are optional (client-redirect.md §2a).
  if (header.alg !== 'RS256') throw new OAuthError('invalid_grant', BAD_SIGNATURE);

  const iss = typeof claims.iss === 'string' ? claims.iss : null;
  const account = iss ? ctx.accounts.get(iss) : undefined;
  if (!account) throw new OAuthError('invalid_grant', NO_ACCOUNT, 400, iss);
  if (header.kid !== undefined && header.kid !== account.privateKeyId) throw new OAuthError('invalid_grant', BAD_SIGNATURE, 400, iss);
  const signatureOk = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${c}`), account.publicKey, Buffer.from(s, 'base64url'));
  if (!signatureOk) throw new OAuthError('invalid_grant', BAD_SIGNATURE, 400, iss);

  // firebase-admin hard-codes Google's token URL as `aud`; token_uri-honouring clients use ours.
  if (typeof claims.aud !== 'string' || !ctx.audiences().has(claims.aud)) throw new OAuthError('invalid_grant', badAudience(), 400, iss);

  const nowS = ctx.now / 1000;
  const { iat, exp } = claims;
  const timely =
    typeof iat === 'number' &&
    typeof exp === 'number' &&
    exp > iat &&
    exp - iat <= MAX_LIFETIME_S &&
    iat <= nowS + IAT_SKEW_S &&
    exp > nowS;
  if (!timely) throw new OAuthError('invalid_grant', BAD_TIME, 400, iss);

  const scopes = typeof claims.scope === 'string' ? claims.scope.split(/\s+/).filter(Boolean) : [];
  // No scope (and no target_audience): Google refuses. A scope that does not cover FCM is
  // granted, as Google does; messages:send then answers 403 (access-tokens.ts).
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.', 400, iss);
  return { account, header, claims, scopes };
}

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
