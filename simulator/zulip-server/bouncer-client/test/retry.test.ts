/**
 * Retries of retry-later failures with exponential backoff, driven by a VirtualClock: the test
 * learns each wait from `onRetry`, checks no attempt happens before it has fully passed, then
 * advances the clock by exactly that much. No real sleeping.
 */
import { BouncerJsonableError, PushNotificationBouncerServerError } from '../errors';
import {
  DEFAULT_RETRY_POLICY,
  E2EE_REGISTRATION_RETRY_POLICY,
  backoffDelayMs,
  resolveRetryPolicy,
  withRetries,
} from '../retry';
import { flush, intercept, makeClient, retryRecorder, useNock } from './support';
import { VirtualClock } from '../../../core/clock';

useNock();

const STATUS_OK = {
  result: 'success',
  msg: '',
  last_realm_count_id: 1,
  last_installation_count_id: 2,
  last_realmauditlog_id: 3,
};

describe('the default schedule (Zulip: 3 retries; backoff 2 s, 4 s, 8 s)', () => {
  it('should retry 5xx answers after 2 s then 4 s and return the eventual success', async () => {
    const { client, clock } = makeClient();
    const failures = intercept('GET', 'server/analytics/status', 503, 'down', {}, 2);
    const success = intercept('GET', 'server/analytics/status', 200, STATUS_OK);
    const retries = retryRecorder();
    const result = client.withRetries(() => client.analyticsStatus(), { onRetry: retries.onRetry });

    // 1. first attempt fails; the wait is announced
    expect(await retries.next()).toMatchObject({ attempt: 1, delayMs: 2_000 });
    expect(failures).toHaveLength(1);
    // 2. nothing happens before the wait has fully passed
    clock.advance(1_999);
    await flush();
    expect(failures).toHaveLength(1);
    clock.advance(1);
    // 3. second attempt fails too
    expect(await retries.next()).toMatchObject({ attempt: 2, delayMs: 4_000 });
    expect(failures).toHaveLength(2);
    clock.advance(4_000);
    // 4. third attempt succeeds
    await expect(result).resolves.toMatchObject({ last_realmauditlog_id: 3 });
    expect(success).toHaveLength(1);
    expect(retries.all.map((r) => r.delayMs)).toEqual([2_000, 4_000]);
  });

  it('should give up after 4 attempts with Zulip\'s WARNING and rethrow the last error', async () => {
    const { client, clock, log } = makeClient();
    const seen = intercept('GET', 'server/analytics/status', 502, 'bad gateway', {}, 4);
    const retries = retryRecorder();
    const result = client
      .withRetries(() => client.analyticsStatus(), { onRetry: retries.onRetry, label: 'trigger:10 event:push_notification' })
      .catch((e: unknown) => e);
    for (const expected of [2_000, 4_000, 8_000]) {
      const { delayMs } = await retries.next();
      expect(delayMs).toBe(expected);
      clock.advance(delayMs);
    }
    const err = await result;
    expect(err).toBeInstanceOf(PushNotificationBouncerServerError);
    expect((err as Error).message).toBe('Received 502 from push notification bouncer');
    expect(seen).toHaveLength(4);
    expect(log.output()).toContain('WARNING:zerver.worker.missedmessage_mobile_notifications:Maximum retries exceeded for trigger:10 event:push_notification');
  });

  it('should not retry errors that are not retry-later (a plain 4xx)', async () => {
    const { client } = makeClient();
    const seen = intercept('POST', 'push/unregister', 400, { result: 'error', msg: 'Token does not exist', code: 'BAD_REQUEST' });
    const retries = retryRecorder();
    await expect(
      client.withRetries(() => client.unregisterPushDevice({ userId: 1, userUuid: 'u', token: 't', tokenKind: 'fcm' }), {
        onRetry: retries.onRetry,
      }),
    ).rejects.toThrow('Token does not exist');
    expect(seen).toHaveLength(1);
    expect(retries.all).toEqual([]);
  });
});

describe('429', () => {
  const rateLimited = { result: 'error', msg: 'API usage exceeded rate limit', code: 'RATE_LIMIT_HIT', 'retry-after': 0.5 };

  it('should not be retried by default, as Zulip has no 429 handling', async () => {
    const { client } = makeClient();
    const seen = intercept('GET', 'server/analytics/status', 429, rateLimited, { 'Retry-After': '0.5' });
    await expect(client.withRetries(() => client.analyticsStatus())).rejects.toBeInstanceOf(BouncerJsonableError);
    expect(seen).toHaveLength(1);
  });

  it("should wait the bouncer's retry-after when retryRateLimited is on", async () => {
    const { client, clock } = makeClient({ retry: { retryRateLimited: true } });
    intercept('GET', 'server/analytics/status', 429, rateLimited, { 'Retry-After': '0.5' });
    intercept('GET', 'server/analytics/status', 200, STATUS_OK);
    const retries = retryRecorder();
    const result = client.withRetries(() => client.analyticsStatus(), { onRetry: retries.onRetry });
    expect((await retries.next()).delayMs).toBe(500);
    clock.advance(500);
    await expect(result).resolves.toMatchObject({ last_realm_count_id: 1 });
  });
});

describe('configuration', () => {
  it('should follow a custom policy given to the client', async () => {
    const { client, clock } = makeClient({ retry: { maxRetries: 1, initialDelayMs: 100 } });
    const seen = intercept('POST', 'server/deactivate', 500, 'oops', {}, 2);
    const retries = retryRecorder();
    const result = client.withRetries(() => client.deactivateServer(), { onRetry: retries.onRetry }).catch((e: unknown) => e);
    expect((await retries.next()).delayMs).toBe(100);
    clock.advance(100);
    expect(await result).toBeInstanceOf(PushNotificationBouncerServerError);
    expect(seen).toHaveLength(2);
  });

  it('should compute min(initial·2^(n-1), 90 s) plus jitter', () => {
    const p = resolveRetryPolicy();
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(p, n))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 90_000, 90_000,
    ]);
    expect(backoffDelayMs(E2EE_REGISTRATION_RETRY_POLICY, 1, () => 0.25)).toBe(2_250);
    expect(DEFAULT_RETRY_POLICY.maxRetries).toBe(3);
  });

  it('should stop the registration policy at the 24 h liveness deadline', async () => {
    const clock = new VirtualClock();
    let attempts = 0;
    const retries = retryRecorder();
    const result = withRetries(
      async () => {
        attempts += 1;
        throw new PushNotificationBouncerServerError('Received 503 from push notification bouncer');
      },
      { clock, policy: { ...E2EE_REGISTRATION_RETRY_POLICY, jitterMs: 0 }, onRetry: retries.onRetry },
    ).catch((e: unknown) => e);
    // 2+4+…+64 s, then 90 s waits until a wait would end past 24 h.
    let waited = 0;
    for (;;) {
      const next = await Promise.race([retries.next(), result.then(() => null)]);
      if (next === null) break;
      waited += next.delayMs;
      clock.advance(next.delayMs);
    }
    expect(await result).toBeInstanceOf(PushNotificationBouncerServerError);
    expect(waited).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect(waited + 90_000).toBeGreaterThan(24 * 3600 * 1000);
    expect(attempts).toBe(retries.all.length + 1);
  });

  it('should refuse unlimited retries without a deadline', () => {
    expect(() => resolveRetryPolicy({ maxRetries: Infinity })).toThrow(RangeError);
  });
});
