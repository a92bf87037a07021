/**
 * Without a plan, the bouncer only lets an organisation push while it knows how many users it
 * has — from the server's regular uploads. A server whose hourly analytics job has stopped is
 * refused with "Missing data" once its last upload is more than 2 days old; one upload (running
 * the analytics job by hand) brings pushes back (bouncer-protocol.md §8 "Missing data"; seed:
 * "Uploading basic metadata", "Uploading usage statistics").
 */
import type { Phone } from '../../simulator/devices/phone';
import { DAY, MINUTE, startWorld, type World } from '../../harness/world';

const MISSING_DATA = "Your plan doesn't allow sending push notifications. Reason provided by the server: Missing data";

let world: World;
let phone: Phone;

beforeAll(async () => {
  // The cron job that would upload every hour is not running on this server.
  world = await startWorld({ profile: 12, zulip: { analyticsJob: false } });
  await world.registerServer();
  phone = await world.phone(world.people.hamlet, 'ios');
});
afterAll(() => world.stop());

const delivered = async () => {
  const { hamlet, othello } = world.people;
  const m = await world.send(othello, { to: [hamlet] });
  const n = await phone.pollNotification({ timeoutMs: 100 });
  return n?.kind === 'message' && n.body === m.content;
};
const refusals = () => world.stack.zulip.logLines().filter((l) => String(l.msg).startsWith('Bouncer refused to send E2EE push notification: '));

it('should deliver for two days after the last upload', async () => {
  await world.advance(2 * DAY - MINUTE);

  expect(await delivered()).toBe(true);
  expect(world.realm().pushNotificationsEnabled).toBe(true);
});

it('should refuse with "Missing data" once the last upload is more than two days old', async () => {
  await world.advance(2 * MINUTE);

  expect(await delivered()).toBe(false);
  expect(refusals().map((l) => l.msg)).toEqual([`Bouncer refused to send E2EE push notification: ${MISSING_DATA}`]);
  expect(world.realm().pushNotificationsEnabled).toBe(false);
  const access = world.bouncer.logLines().filter((l) => String(l.msg).includes('/api/v1/remotes/push/e2ee/notify'));
  expect(access.at(-1)?.msg).toMatch(/ POST +400 .*\[can_push=False\/Missing data\]/);
});

it('should answer a push request from the server with PUSH_NOTIFICATIONS_DISALLOWED', async () => {
  const res = await world.bouncer.callAsServer('POST', '/api/v1/remotes/push/e2ee/notify', { json: { realm_uuid: world.realm().uuid, push_requests: [] } });

  expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { result: 'error', msg: MISSING_DATA, code: 'PUSH_NOTIFICATIONS_DISALLOWED' } });
});

it('should deliver again after one upload', async () => {
  const upload = await world.stack.zulip.uploadServerData({ considerUsageStatistics: true });

  expect(upload.outcome).toBe('uploaded');
  expect(world.realm().pushNotificationsEnabled).toBe(true);
  expect(await delivered()).toBe(true);
});
