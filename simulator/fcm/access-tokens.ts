/**
 * OAuth2 access tokens the mock has minted, and the check every `messages:send` makes with them.
 * Expiry follows the injected clock, so a scenario crosses the one-hour lifetime by advancing a
 * VirtualClock. Tokens are random secrets (never seeded): whoever mints one adds it to the log
 * redactor.
 */
import crypto from 'node:crypto';
import { insufficientScopes, permissionDenied, unauthenticated } from './errors';

/** Google answers `expires_in: 3599` for a one-hour token (providers.md §A2). */
export const ACCESS_TOKEN_LIFETIME_S = 3599;

/** Either scope lets a token send FCM messages (providers.md §A2 "OAuth2 service-account flow"). */
export const FCM_SCOPES = ['https://www.googleapis.com/auth/firebase.messaging', 'https://www.googleapis.com/auth/cloud-platform'];

export interface AccessTokenRecord {
  token: string;
  projectId: string;
  clientEmail: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
}

export class AccessTokenStore {
  private readonly tokens = new Map<string, AccessTokenRecord>();

  issue(grant: { projectId: string; clientEmail: string; scopes: string[] }, now: number): AccessTokenRecord {
    this.prune(now);
    // `ya29.` + a long url-safe string, the shape of Google's access tokens.
    const token = `ya29.${crypto.randomBytes(96).toString('base64url')}`;
    const record = { token, ...grant, issuedAt: now, expiresAt: now + ACCESS_TOKEN_LIFETIME_S * 1000 };
    this.tokens.set(token, record);
    return record;
  }

  find(token: string): AccessTokenRecord | undefined {
    return this.tokens.get(token);
  }

  /** Forgets tokens expired for more than a day, so a long run cannot grow the map without limit. */
  private prune(now: number): void {
    for (const [token, r] of this.tokens) if (r.expiresAt < now - 86_400_000) this.tokens.delete(token);
  }
}

/**
 * The checks Google's front end makes before FCM sees a send, in its order: a credential at all,
 * a live token, scopes that cover FCM, then IAM on the project in the path. Throws RpcError.
 */
export function authorizeSend(
  authorization: string | undefined,
  project: string,
  store: AccessTokenStore,
  now: number,
): AccessTokenRecord {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw unauthenticated('missing');
  const record = store.find(match[1]!);
  if (!record || now >= record.expiresAt) throw unauthenticated('invalid');
  if (!record.scopes.some((s) => FCM_SCOPES.includes(s))) throw insufficientScopes();
  if (record.projectId !== project) throw permissionDenied(project);
  return record;
}
