/**
 * Authentication of remote servers, in Zulip's order (zilencer/auth.py
 * authenticated_remote_server_view; bouncer-protocol.md §2):
 *   1. parse the Basic header; 2. an email as role → 400; 3. validate the server (unknown,
 *   key mismatch, deactivated, subdomain) → each re-raised as 401 UNAUTHORIZED;
 *   4. rate limit; 5. last_request_datetime = now.
 */
import crypto from 'node:crypto';
import type { BouncerContext } from '../context';
import {
  DEACTIVATED_MSG,
  INVALID_SUBDOMAIN_MSG,
  keyMismatchMsg,
  mustUseServerKey,
  rateLimited,
  serverNotRegisteredMsg,
  unauthorized,
} from '../errors';
import { serverLabel, type RemoteServer } from '../store/servers';
import { parseBasicAuth } from './basic-auth';
import type { RateLimitResult } from './rate-limit';

export interface AuthResult {
  server: RemoteServer;
  rateLimit?: RateLimitResult;
}

/** Django's constant_time_compare (hmac.compare_digest). */
export function constantTimeEquals(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    crypto.timingSafeEqual(ab, ab); // spend comparable time; the answer is still no
    return false;
  }
  return crypto.timingSafeEqual(ab, bb);
}

export function authenticateRemoteServer(
  ctx: BouncerContext,
  authorization: string | undefined,
  host: string | undefined,
): AuthResult {
  const { role, apiKey } = parseBasicAuth(authorization);
  if (role.includes('@')) throw mustUseServerKey();

  // Unknown and non-UUID roles alike are "not registered" (the lookup's validation error is
  // treated as DoesNotExist).
  const server = ctx.servers.byUuid(role);
  if (!server) throw unauthorized(serverNotRegisteredMsg(role), '[invalid-server]');
  if (!constantTimeEquals(server.apiKey, apiKey)) {
    throw unauthorized(keyMismatchMsg(role), '[invalid-server-key]');
  }
  if (server.deactivated) throw unauthorized(DEACTIVATED_MSG, '[deactivated-server]');
  if (isRealmSubdomain(host, ctx.config.rootHost)) {
    throw unauthorized(INVALID_SUBDOMAIN_MSG, '[invalid-domain]');
  }

  const now = ctx.now();
  let rateLimit: RateLimitResult | undefined;
  if (ctx.rateLimiter.enabled) {
    rateLimit = ctx.rateLimiter.hit(`RateLimitedRemoteZulipServer:${server.uuid}:api_by_remote_server`, now);
    if (rateLimit.limited) {
      ctx.loggers.auth.warn(
        `Remote server ${serverLabel(server)} exceeded rate limits on domain api_by_remote_server`,
      );
      const err = rateLimited(rateLimit.secsToFreedom);
      Object.assign(err.headers, rateLimitHeaders(rateLimit, now));
      throw err;
    }
  }
  ctx.servers.touch(server.id, now);
  return { server: { ...server, lastRequestDatetime: now }, rateLimit };
}

/** X-RateLimit-* headers (Zulip's RateLimitMiddleware; reset is an epoch second). */
export function rateLimitHeaders(r: RateLimitResult, nowSeconds: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(r.limit),
    'X-RateLimit-Remaining': String(r.remaining),
    'X-RateLimit-Reset': String(Math.floor(nowSeconds + Math.max(r.resetIn, r.secsToFreedom))),
  };
}

function isRealmSubdomain(host: string | undefined, rootHost: string | undefined): boolean {
  if (!rootHost || !host) return false;
  const bare = host.replace(/:\d+$/, '').toLowerCase();
  const root = rootHost.replace(/:\d+$/, '').toLowerCase();
  return bare !== root && bare.endsWith(`.${root}`);
}
