/**
 * `register_server --deactivate` ends a registration for good: first any paid plan must be
 * cancelled, then every authenticated call with the server's credentials is refused with 401
 * and Zulip's exact message, registering again is refused too, and no push goes out (seed:
 * "Deactivating your server's registration"; bouncer-protocol.md §3.2).
 */
import type { Phone } from '../../simulator/devices/phone';
import { startWorld, type World } from '../../harness/world';

const DEACTIVATED = 'The mobile push notification service registration for your server has been deactivated';

let world: World;
let phone: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 11 });
  await world.registerServer();
  phone = await world.phone(world.people.hamlet, 'android');
});
afterAll(() => world.stop());

it('should refuse to deactivate while a paid plan is active, and deactivate once it has ended', async () => {
  const { plan } = (await world.bouncer.admin('POST', `servers/${world.credentials().uuid}/plans`, { tier: 104, status: 1 })) as { plan: { id: number } };

  await expect(world.registerServer({ deactivate: true })).rejects.toMatchObject({
    bouncerMsg: 'Something went wrong. Please contact sales@zulip.com.',
    status: 400,
  });
  expect(world.bouncer.server()).toMatchObject({ deactivated: 0 });

  await world.bouncer.admin('POST', `plans/${plan.id}/end`);
  const outcome = await world.registerServer({ deactivate: true });

  expect(outcome.action).toBe('deactivated');
  expect(outcome.output).toEqual(['Mobile Push Notification Service registration successfully deactivated!']);
  expect(world.bouncer.server()).toMatchObject({ deactivated: 1 });
  expect(world.bouncer.query('SELECT event_type FROM remote_zulip_server_audit_log ORDER BY id')).toEqual([{ event_type: 10215 }, { event_type: 10201 }]);
});

it.each([
  ['GET', '/api/v1/remotes/server/analytics/status'],
  ['POST', '/api/v1/remotes/server/analytics'],
  ['POST', '/api/v1/remotes/server/deactivate'],
  ['POST', '/api/v1/remotes/push/register'],
  ['POST', '/api/v1/remotes/push/unregister'],
  ['POST', '/api/v1/remotes/push/unregister/all'],
  ['POST', '/api/v1/remotes/push/notify'],
  ['POST', '/api/v1/remotes/push/test_notification'],
  ['POST', '/api/v1/remotes/push/e2ee/register'],
  ['POST', '/api/v1/remotes/push/e2ee/notify'],
])('should then answer %s %s with 401 and the deactivation message', async (method, path) => {
  const res = await world.bouncer.callAsServer(method, path, method === 'POST' ? { json: {} } : {});

  expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: { result: 'error', code: 'UNAUTHORIZED', msg: DEACTIVATED } });
});

it('should refuse to register the server again (REALM_DEACTIVATED): only support can reactivate', async () => {
  await expect(world.registerServer()).rejects.toMatchObject({
    message: `Error received from the push notification service: "${DEACTIVATED}"`,
    code: 'REALM_DEACTIVATED',
    status: 401,
  });
});

it('should send no more pushes', async () => {
  const { hamlet, othello } = world.people;
  await world.send(othello, { to: [hamlet] });

  await world.expectNoPush(phone);
  expect(world.stack.fcm.journal.stats.lastSeq).toBe(0);
});
