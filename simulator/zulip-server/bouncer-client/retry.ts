/**
 * Retrying bouncer calls the way Zulip's queue workers do (server-and-app.md §E, §D.2).
 *
 * What Zulip does:
 *  - A single call never retries: PushBouncerSession mounts urllib3 with `Retry(total=0)`.
 *  - missedmessage_mobile_notifications catches PushNotificationBouncerRetryLaterError and calls
 *    `retry_event`: the event is re-queued until it has failed more than MAX_REQUEST_RETRIES = 3
 *    times (4 attempts in all), then the WARNING
 *    `Maximum retries exceeded for trigger:<user_profile_id> event:push_notification`.
 *  - register_push_device_to_bouncer retries with "exponential backoff with jitter",
 *    `min(2**attempt, 90) + random.uniform(0, 1)` seconds (attempt = 1, 2, …), until the
 *    24 h registration liveness window has passed.
 *
 * DEFAULT_RETRY_POLICY combines the two: Zulip's retry count (3 retries) with the registration
 * worker's backoff curve (2 s, 4 s, 8 s; cap 90 s), without jitter so virtual-clock runs are
 * reproducible. E2EE_REGISTRATION_RETRY_POLICY is the registration worker itself. Every wait
 * goes through the injected clock's `sleep`.
 */
import type { Clock } from '../../core/clock';
import type { Logger } from '../../core/logging';
import {
  MissingRemoteRealmError,
  PushNotificationBouncerError,
  PushNotificationsDisallowedByBouncerError,
  isRetryLaterError,
  BouncerJsonableError,
} from './errors';

export interface RetryPolicy {
  /** Retries after the first attempt (Zulip's MAX_REQUEST_RETRIES = 3). Infinity: until `deadlineMs`. */
  maxRetries: number;
  /** The wait before the first retry. */
  initialDelayMs: number;
  /** Each later wait is the previous one times this. */
  multiplier: number;
  /** No wait (before jitter) is longer than this. */
  maxDelayMs: number;
  /** Up to this much is added at random to each wait (Zulip's registration worker: 1000). */
  jitterMs: number;
  /** Stop retrying once this long has passed (on the clock) since the first attempt; null = never. */
  deadlineMs: number | null;
  /**
   * Also retry 429 RATE_LIMIT_HIT, after the bouncer's `retry-after` (or the backoff wait if it
   * gave none). Zulip's client has no 429 handling (it raises a plain JsonableError), so off by default.
   */
  retryRateLimited: boolean;
  /** Which errors are worth another attempt; default: PushNotificationBouncerRetryLaterError (and subclasses). */
  isRetryable: (error: unknown) => boolean;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 3,
  initialDelayMs: 2_000,
  multiplier: 2,
  maxDelayMs: 90_000,
  jitterMs: 0,
  deadlineMs: null,
  retryRateLimited: false,
  isRetryable: isRetryLaterError,
});

/** PUSH_REGISTRATION_LIVENESS_TIMEOUT. */
export const PUSH_REGISTRATION_LIVENESS_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/**
 * register_push_device_to_bouncer: besides network/5xx trouble, the admin-fixable refusals
 * (MissingRemoteRealmError, PushNotificationBouncerError, PushNotificationsDisallowedByBouncerError)
 * are retried too, until the 24 h window ends; the terminal codes (INVALID_BOUNCER_PUBLIC_KEY,
 * REQUEST_EXPIRED, BAD_REQUEST) are not.
 */
export const E2EE_REGISTRATION_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: Infinity,
  initialDelayMs: 2_000,
  multiplier: 2,
  maxDelayMs: 90_000,
  jitterMs: 1_000,
  deadlineMs: PUSH_REGISTRATION_LIVENESS_TIMEOUT_MS,
  retryRateLimited: false,
  isRetryable: (e: unknown) =>
    isRetryLaterError(e) ||
    e instanceof MissingRemoteRealmError ||
    e instanceof PushNotificationBouncerError ||
    e instanceof PushNotificationsDisallowedByBouncerError,
});

export function resolveRetryPolicy(...layers: (Partial<RetryPolicy> | undefined)[]): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (policy as unknown as Record<string, unknown>)[k] = v;
  }
  if (!(policy.maxRetries >= 0)) throw new RangeError(`maxRetries must be >= 0, not ${policy.maxRetries}`);
  if (policy.maxRetries === Infinity && policy.deadlineMs === null) {
    throw new RangeError('unlimited retries need a deadlineMs');
  }
  return policy;
}

/** The backoff wait before retry number `retry` (1-based): min(initial·multiplier^(retry-1), max) + jitter. */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = Math.min(policy.initialDelayMs * policy.multiplier ** (retry - 1), policy.maxDelayMs);
  const jitter = policy.jitterMs > 0 ? random() * policy.jitterMs : 0;
  return Math.round(base + jitter);
}

/** zerver/worker/missedmessage_mobile_notifications.py's logger, which logs the give-up WARNING. */
export const PUSH_WORKER_LOGGER = 'zerver.worker.missedmessage_mobile_notifications';

export interface RetryEvent {
  /** The attempt that just failed (1-based). */
  attempt: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  error: unknown;
}

export interface WithRetriesOptions {
  clock: Clock;
  policy?: Partial<RetryPolicy>;
  logger?: Logger;
  /** Names the work in log lines, e.g. `trigger:10 event:push_notification` (Zulip's give-up line). */
  label?: string;
  /** Called before each wait (tests drive a VirtualClock from here). */
  onRetry?: (event: RetryEvent) => void;
  /** Source of jitter; default Math.random. */
  random?: () => number;
  /** The Python logger name of the log lines (default: the push notification worker's). */
  loggerName?: string;
}

const isRateLimited = (e: unknown): e is BouncerJsonableError =>
  e instanceof BouncerJsonableError && (e.code === 'RATE_LIMIT_HIT' || e.status === 429);

const endpointOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { endpoint?: unknown }).endpoint === 'string'
    ? (e as { endpoint: string }).endpoint
    : undefined;

/**
 * Runs `op` until it succeeds, fails with an error the policy does not retry, or runs out of
 * retries / time; then the last error is rethrown (after the WARNING
 * `Maximum retries exceeded for <label>`).
 */
export async function withRetries<T>(op: (attempt: number) => Promise<T>, opts: WithRetriesOptions): Promise<T> {
  const policy = resolveRetryPolicy(opts.policy);
  const log = opts.logger?.child({ logger: opts.loggerName ?? PUSH_WORKER_LOGGER });
  const startedAt = opts.clock.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await op(attempt);
    } catch (error) {
      const rateLimited = policy.retryRateLimited && isRateLimited(error);
      if (!rateLimited && !policy.isRetryable(error)) throw error;

      const label = opts.label ?? endpointOf(error) ?? 'push bouncer request';
      const retry = attempt; // the retry we are about to make (1-based)
      if (retry > policy.maxRetries) {
        log?.warn(`Maximum retries exceeded for ${label}`);
        throw error;
      }
      let delayMs = backoffDelayMs(policy, retry, opts.random);
      if (rateLimited) {
        const after = (error as BouncerJsonableError).retryAfterSeconds;
        if (after !== null) delayMs = Math.ceil(after * 1000);
      }
      if (policy.deadlineMs !== null && opts.clock.now() + delayMs - startedAt > policy.deadlineMs) {
        log?.warn(`Maximum retries exceeded for ${label}`);
        throw error;
      }
      log?.info(
        `Retrying ${label} in ${delayMs} ms (attempt ${attempt + 1}): ${error instanceof Error ? error.message : String(error)}`,
      );
      opts.onRetry?.({ attempt, delayMs, error });
      await opts.clock.sleep(delayMs);
    }
  }
}
