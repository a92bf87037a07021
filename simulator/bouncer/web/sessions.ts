/**
 * Plan-management sessions: in memory only (a restarted bouncer forgets them), keyed by a random
 * id that travels in an HttpOnly, SameSite=Strict cookie. Each session carries its own CSRF token.
 * Expiry follows the bouncer's clock, so a virtual clock can age a session out in tests.
 *
 * A session also remembers a digest of the server's api_key at login: rotating the key
 * (register with new_org_key) or deactivating the server ends every session at its next use.
 */
import crypto from 'node:crypto';
import { constantTimeEquals } from '../http/auth';

/** Zulip's REMOTE_BILLING_SESSION_VALIDITY_SECONDS: two hours. */
export const SESSION_VALIDITY_SECONDS = 2 * 60 * 60;
/** Older sessions are dropped first beyond this many (a flood of logins cannot grow memory without bound). */
export const MAX_SESSIONS = 10_000;

export const SESSION_COOKIE = 'zpg_serverlogin';

export interface WebSession {
  id: string;
  serverId: number;
  csrfToken: string;
  /** sha256 of the server's api_key when the session began (never the key itself). */
  keyDigest: string;
  expiresAt: number;
  /** A one-time notice for the next page ("Realm X is now on …"). */
  flash?: string;
}

export const keyDigest = (apiKey: string) => crypto.createHash('sha256').update(apiKey, 'utf8').digest('hex');

const randomToken = () => crypto.randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, WebSession>();

  /**
   * @param now the bouncer's clock in Unix seconds
   * @param onSecret told of every new session id and CSRF token (the log redactor)
   */
  constructor(
    private readonly now: () => number,
    private readonly onSecret: (secret: string) => void,
    private readonly validitySeconds = SESSION_VALIDITY_SECONDS,
  ) {}

  create(serverId: number, apiKey: string): WebSession {
    this.purge();
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session: WebSession = {
      id: randomToken(),
      serverId,
      csrfToken: randomToken(),
      keyDigest: keyDigest(apiKey),
      expiresAt: this.now() + this.validitySeconds,
    };
    this.onSecret(session.id);
    this.onSecret(session.csrfToken);
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, or null (unknown or expired; an expired one is forgotten). */
  get(id: string | undefined): WebSession | null {
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    if (this.now() >= session.expiresAt) {
      this.sessions.delete(id);
      return null;
    }
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private purge(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (now >= s.expiresAt) this.sessions.delete(id);
  }
}

/** Does the form's token match the session's? (constant time) */
export function csrfMatches(session: WebSession, token: string | null | undefined): boolean {
  return typeof token === 'string' && token.length > 0 && constantTimeEquals(session.csrfToken, token);
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
