/**
 * An organisation of more than 10 users needs a plan — "a paid plan, or the free Community plan
 * (if eligible)". Once Zulip sponsors it (plan_type COMMUNITY, set here through the bouncer's
 * admin surface), its pushes flow whatever its size, whether the sponsorship is for the one
 * organisation or for the whole server (seed: "Plan management"; bouncer-protocol.md §8 steps
 * 1–2).
 */
import type { Phone } from '../../simulator/devices/phone';
import { PLAN_TYPE, startWorld, type World } from '../../harness/world';

let world: World;
let phone: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 11, zulip: { realms: [{ roles: { owner: 1, administrator: 1, moderator: 1, member: 7, guest: 1 } }] } });
  await world.registerServer();
  phone = await world.phone(world.people.hamlet, 'android');
});
afterAll(() => world.stop());

const delivered = async () => {
  const { hamlet, othello } = world.people;
  const m = await world.send(othello, { to: [hamlet] });
  const n = await phone.pollNotification({ timeoutMs: 100 });
  return n?.kind === 'message' && n.body === m.content;
};

it('should refuse pushes for 11 users without a plan', async () => {
  expect(world.humans()).toHaveLength(11);

  expect(await delivered()).toBe(false);
  expect(world.realm().pushNotificationsEnabled).toBe(false);
});

it('should deliver once the organisation is on the Community plan, and tell the server', async () => {
  await world.bouncer.setPlanType(world.realm(), PLAN_TYPE.COMMUNITY);

  expect(await delivered()).toBe(true);
  // The push response's `realm.can_push` re-enabled the organisation's push notifications.
  expect(world.realm().pushNotificationsEnabled).toBe(true);
  expect(world.bouncer.logLines().map((l) => String(l.msg)).filter((m) => m.includes('/api/v1/remotes/push/notify')).at(-1)).toContain(
    '[can_push=True/Community plan]',
  );
});

it('should refuse again when the sponsorship ends', async () => {
  await world.bouncer.setPlanType(world.realm(), PLAN_TYPE.SELF_MANAGED);

  expect(await delivered()).toBe(false);
});

it('should deliver when the whole server is on the Community plan', async () => {
  await world.bouncer.setPlanType('server', PLAN_TYPE.COMMUNITY);

  expect(await delivered()).toBe(true);
  const upload = await world.stack.zulip.uploadServerData();
  expect(upload).toMatchObject({ outcome: 'uploaded' });
  expect(world.realm().pushNotificationsEnabled).toBe(true);
});
