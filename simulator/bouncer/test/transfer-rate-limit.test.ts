/**
 * verify_challenge's global limit (§9, §3.3 step 3.1; §15 case 17 test_rate_limiting): one
 * bucket for every caller, checked before anything else; its 429 carries no retry-after.
 */
import { call, logMessages, startTestBouncer, VERIFY_CHALLENGE, type TestBouncer } from './support';

const GLOBAL_LIMIT_MSG =
  'The global limits on recent usage of this endpoint have been reached. Please try again later or reach out to support@zulip.com for assistance.';

let bouncer: TestBouncer;
beforeAll(async () => {
  bouncer = await startTestBouncer({ database: 'memory', transferVerifyLimit: [{ windowSeconds: 10, maxRequests: 2 }] });
});
afterAll(() => bouncer.stop());

// Unregistered hostnames: the limit counts requests whatever happens after it.
const attempt = (hostname: string) =>
  call(bouncer, 'POST', VERIFY_CHALLENGE, { form: { hostname, access_token: 'token' } });

it('should refuse the 3rd call within the window for everyone, then let calls through again', async () => {
  expect((await attempt('a.example.com')).status).toBe(400);
  expect((await attempt('b.example.com')).status).toBe(400);

  const refused = await attempt('c.example.com');
  expect(refused.status).toBe(429);
  expect(refused.body).toEqual({ result: 'error', msg: GLOBAL_LIMIT_MSG, code: 'RATE_LIMIT_HIT' });
  expect(refused.headers.get('retry-after')).toBeNull();
  expect(
    bouncer
      .logLines()
      .filter((l) => l.logger === 'zilencer.views' && l.level === 40)
      .map((l) => l.msg),
  ).toEqual(['Rate limit exceeded for verify_registration_transfer_challenge_ack_endpoint']);

  bouncer.clock.advance(10_001);
  const again = await attempt('a.example.com');
  expect(again.status).toBe(400);
  expect(again.body.msg).toBe('Registration not found for this hostname');
});

it('should validate parameters before counting the request', async () => {
  bouncer.clock.advance(20_000);
  for (let i = 0; i < 3; i++) {
    expect((await call(bouncer, 'POST', VERIFY_CHALLENGE, { form: { hostname: 'a.example.com' } })).status).toBe(400);
  }
  expect((await attempt('a.example.com')).status).toBe(400);
  expect(logMessages(bouncer, 'zilencer.views').length).toBe(1);
});
