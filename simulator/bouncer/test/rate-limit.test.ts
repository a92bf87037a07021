/** api_by_remote_server rate limiting (§9): the sliding log, its 429, and recovery. */
import { SlidingLogRateLimiter } from '../http/rate-limit';
import { call, DEACTIVATE, logMessages, registerServer, startTestBouncer, type ServerIdentity, type TestBouncer } from './support';

describe('the sliding-log limiter', () => {
  it('should refuse the 6th request of rule (1 s, 5) with 0.5 s to freedom, then recover', () => {
    const limiter = new SlidingLogRateLimiter([{ windowSeconds: 1, maxRequests: 5 }]);
    const t0 = 1_700_000_000;
    for (const dt of [0, 0.1, 0.2, 0.3, 0.4]) expect(limiter.hit('k', t0 + dt).limited).toBe(false);
    const sixth = limiter.hit('k', t0 + 0.5);
    expect(sixth).toMatchObject({ limited: true, secsToFreedom: 0.5 });
    // refused requests are not recorded, so the window frees at t0 + 1
    expect(limiter.hit('k', t0 + 1.01).limited).toBe(false);
  });

  it('should count keys separately', () => {
    const limiter = new SlidingLogRateLimiter([{ windowSeconds: 60, maxRequests: 1 }]);
    expect(limiter.hit('a', 0).limited).toBe(false);
    expect(limiter.hit('b', 0).limited).toBe(false);
    expect(limiter.hit('a', 1).limited).toBe(true);
  });

  it('should be disabled by an empty rule list', () => {
    const limiter = new SlidingLogRateLimiter([]);
    expect(limiter.enabled).toBe(false);
  });
});

describe('the bouncer under the default limit (1000 per 60 s)', () => {
  let bouncer: TestBouncer;
  let server: ServerIdentity;
  beforeAll(async () => {
    bouncer = await startTestBouncer();
    server = await registerServer(bouncer);
  });
  afterAll(() => bouncer.stop());

  // The limiter only counts authenticated requests; analytics/status has no side effects.
  const probe = (s: ServerIdentity) =>
    call(bouncer, 'GET', '/api/v1/remotes/server/analytics/status', { auth: s });

  it('should pass the 1000th request, refuse the 1001st with retry-after, and pass again after the window', async () => {
    // 1. 1000 requests: the first at T, the other 999 at T + 1 s
    for (let i = 0; i < 1000; i++) {
      const res = await probe(server);
      expect(res.status).toBe(200);
      if (i === 0) bouncer.clock.advance(1_000); // the first request is 1 s older than the rest
    }
    // 2. the 1001st: 429, retry when the oldest counted request leaves the window
    bouncer.clock.advance(30_000);
    const refused = await probe(server);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      result: 'error',
      msg: 'API usage exceeded rate limit',
      code: 'RATE_LIMIT_HIT',
      'retry-after': 29,
    });
    expect(refused.headers.get('retry-after')).toBe('29.0');
    expect(logMessages(bouncer, 'zilencer.auth')).toContain(
      `Remote server ${server.hostname} ${server.uuid.slice(0, 12)} exceeded rate limits on domain api_by_remote_server`,
    );

    // 3. once the first request is 60 s old, exactly one slot frees
    bouncer.clock.advance(29_000);
    expect((await probe(server)).status).toBe(429); // t + W == now is still limited
    bouncer.clock.advance(1);
    expect((await probe(server)).status).toBe(200);
    expect((await probe(server)).status).toBe(429);

    // 4. a full window later everything is free again
    bouncer.clock.advance(60_001);
    expect((await probe(server)).status).toBe(200);
  });

  it('should limit each server separately', async () => {
    const other = await registerServer(bouncer);
    expect((await probe(other)).status).toBe(200);
  });

  it('should report the budget in X-RateLimit headers', async () => {
    const fresh = await registerServer(bouncer);
    const res = await probe(fresh);
    expect(res.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('999');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBe(Math.floor(bouncer.clock.now() / 1000 + 60));
  });
});

describe('a configured limit', () => {
  it('should apply the rule it is given, with fractional retry-after', async () => {
    const bouncer = await startTestBouncer({ rateLimit: [{ windowSeconds: 1, maxRequests: 5 }] });
    try {
      const s = await registerServer(bouncer);
      for (let i = 0; i < 5; i++) {
        expect((await call(bouncer, 'POST', DEACTIVATE, { auth: 'x' })).status).toBe(401); // unauthenticated: not counted
      }
      const results = [];
      for (let i = 0; i < 6; i++) {
        results.push(await call(bouncer, 'GET', '/api/v1/remotes/server/analytics/status', { auth: s }));
        bouncer.clock.advance(100);
      }
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(results[5]!.body['retry-after']).toBe(0.5);
      expect(results[5]!.headers.get('retry-after')).toBe('0.5');
    } finally {
      await bouncer.stop();
    }
  });
});
