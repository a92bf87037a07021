/**
 * Zulip's sliding-log rate limiter (zerver/lib/rate_limiter.py, Redis backend; §9).
 *
 * For each rule (window W seconds, at most N requests) the limiter keeps the times of allowed
 * requests. A new request is refused when the N-th most recent allowed request happened at t
 * with t + W >= now; it may retry after t + W - now seconds. Refused requests are not recorded.
 * State lives in memory (Zulip keeps it in Redis); a restarted bouncer starts with clean logs.
 */
export interface RateLimitRule {
  windowSeconds: number;
  maxRequests: number;
}

export interface RateLimitResult {
  limited: boolean;
  /** Seconds until a request would pass (0 when not limited). */
  secsToFreedom: number;
  /** For X-RateLimit-*: requests left in the tightest rule after this one. */
  remaining: number;
  limit: number;
  /** Seconds until the tightest rule's oldest counted request leaves the window. */
  resetIn: number;
}

export const DEFAULT_REMOTE_SERVER_RULES: RateLimitRule[] = [{ windowSeconds: 60, maxRequests: 1000 }];
/** ABSOLUTE_USAGE_LIMITS_BY_ENDPOINT for verify_challenge: 30 per day, shared by all callers. */
export const TRANSFER_VERIFY_RULES: RateLimitRule[] = [{ windowSeconds: 86400, maxRequests: 30 }];

export class SlidingLogRateLimiter {
  /** key → allowed request times (seconds), oldest first, trimmed to the largest N. */
  private readonly logs = new Map<string, number[]>();
  private readonly keep: number;

  constructor(readonly rules: RateLimitRule[]) {
    this.keep = Math.max(0, ...rules.map((r) => r.maxRequests));
  }

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  /** Checks a request at `nowSeconds` and records it when allowed. */
  hit(key: string, nowSeconds: number): RateLimitResult {
    const log = this.logs.get(key) ?? [];
    let limited = false;
    let secsToFreedom = 0;
    for (const rule of this.rules) {
      if (log.length < rule.maxRequests) continue;
      const nth = log[log.length - rule.maxRequests]!;
      if (nth + rule.windowSeconds >= nowSeconds) {
        limited = true;
        secsToFreedom = Math.max(secsToFreedom, nth + rule.windowSeconds - nowSeconds);
      }
    }
    if (!limited) {
      log.push(nowSeconds);
      if (log.length > this.keep) log.splice(0, log.length - this.keep);
      this.logs.set(key, log);
    }
    return { limited, secsToFreedom: roundSecs(secsToFreedom), ...this.usage(log, nowSeconds) };
  }

  reset(key?: string): void {
    if (key === undefined) this.logs.clear();
    else this.logs.delete(key);
  }

  private usage(log: number[], now: number): { remaining: number; limit: number; resetIn: number } {
    let best = { remaining: Infinity, limit: 0, resetIn: 0 };
    for (const r of this.rules) {
      const first = firstIndexAfter(log, now - r.windowSeconds);
      const inWindow = log.length - first;
      const remaining = Math.max(0, r.maxRequests - inWindow);
      const resetIn = inWindow > 0 ? log[first]! + r.windowSeconds - now : 0;
      if (remaining < best.remaining) best = { remaining, limit: r.maxRequests, resetIn };
    }
    return best.remaining === Infinity ? { remaining: 0, limit: 0, resetIn: 0 } : best;
  }
}

/** Index of the first time strictly after `t` in an ascending log (binary search). */
function firstIndexAfter(log: number[], t: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]! > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Float noise from subtracting epoch seconds would show up in `retry-after`; keep 6 places. */
const roundSecs = (s: number) => Math.round(s * 1e6) / 1e6;
