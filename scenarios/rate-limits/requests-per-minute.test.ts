/**
 * The service allows each server 1000 requests per minute (seed: "Rate limits";
 * bouncer-protocol.md §9). The 1001st within 60 s is refused with 429 RATE_LIMIT_HIT and the
 * seconds to wait, in the body and in Retry-After; a push the server tries meanwhile is lost,
 * other servers are not affected, and once the minute has passed everything works again.
 */
import type { Phone } from '../../simulator/devices/phone';
import { MINUTE, newServerIdentity, SECOND, startWorld, type World } from '../../harness/world';

const STATUS = '/api/v1/remotes/server/analytics/status';

let world: World;
let phone: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 11 });
  await world.registerServer();
  phone = await world.phone(world.people.hamlet, 'ios');
  // A quiet minute: nothing counts against the window that follows.
  await world.advance(MINUTE + SECOND);
});
afterAll(() => world.stop());

/** `n` authenticated requests as this world's server, 250 at a time; their statuses. */
async function burst(n: number): Promise<number[]> {
  const statuses: number[] = [];
  while (statuses.length < n) {
    const batch = Math.min(250, n - statuses.length);
    const results = await Promise.all(Array.from({ length: batch }, () => world.bouncer.callAsServer('GET', STATUS)));
    statuses.push(...results.map((r) => r.status));
  }
  return statuses;
}

it('should answer 1000 requests within a minute', async () => {
  const first = await world.bouncer.callAsServer('GET', STATUS);
  expect(first.headers.get('x-ratelimit-limit')).toBe('1000');
  expect(first.headers.get('x-ratelimit-remaining')).toBe('999');

  expect(new Set(await burst(999))).toEqual(new Set([200]));
});

it('should refuse the 1001st with 429 RATE_LIMIT_HIT, retry-after and Retry-After', async () => {
  const res = await world.bouncer.callAsServer('GET', STATUS);

  expect(res.status).toBe(429);
  expect(res.body).toEqual({ result: 'error', msg: 'API usage exceeded rate limit', code: 'RATE_LIMIT_HIT', 'retry-after': 60 });
  expect(res.headers.get('retry-after')).toBe('60.0');
  const { uuid } = world.credentials();
  expect(world.bouncer.logLines().map((l) => l.msg)).toContain(
    `Remote server zulip.example.net ${uuid.slice(0, 12)} exceeded rate limits on domain api_by_remote_server`,
  );
});

it('should lose a push sent while the server is over the limit', async () => {
  const { hamlet, othello } = world.people;
  await world.send(othello, { to: [hamlet] });

  await world.expectNoPush(phone);
  const notify = world.bouncer.logLines().filter((l) => String(l.msg).includes('/api/v1/remotes/push/notify'));
  expect(notify.at(-1)?.msg).toMatch(/ POST +429 /);
});

it('should not limit another server', async () => {
  const other = newServerIdentity();
  await world.bouncer.call('POST', '/api/v1/remotes/server/register', {
    form: { zulip_org_id: other.uuid, zulip_org_key: other.key, hostname: 'other.example.org', contact_email: 'admin@zulip.com' },
  });

  expect((await world.bouncer.call('GET', STATUS, { auth: other })).status).toBe(200);
});

it('should say how much longer to wait as time passes', async () => {
  await world.advance(45 * SECOND);

  const res = await world.bouncer.callAsServer('GET', STATUS);
  expect(res.status).toBe(429);
  expect(res.body['retry-after']).toBe(15);
  expect(res.headers.get('retry-after')).toBe('15.0');
});

it('should serve the server again, pushes included, once the minute is over', async () => {
  // A request exactly 60 s after the 1000th would still be refused (its time + 60 s ≥ now).
  await world.advance(15 * SECOND + 1);

  expect((await world.bouncer.callAsServer('GET', STATUS)).status).toBe(200);
  const { hamlet, othello } = world.people;
  const m = await world.send(othello, { to: [hamlet] });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
});
