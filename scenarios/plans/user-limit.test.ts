/**
 * Without a plan, pushes work for organisations of up to 10 users (bouncer-protocol.md §8; guests
 * count, bots do not), counted per organisation. One server hosts two: with 10 humans pushes
 * flow; with 11 the bouncer refuses, no push arrives, and the server marks that organisation's
 * push notifications as disabled (seed: "Organizations with more than 10 users must upgrade
 * their plan").
 */
import { startWorld, type World } from '../../harness/world';
import type { Realm } from '../../simulator/zulip-server/types';

const roles = (humans: number) => ({ owner: 1, administrator: 1, moderator: 1, guest: 1, member: humans - 4 });

let world: World;
beforeAll(async () => {
  world = await startWorld({
    profile: 11,
    zulip: { realms: [{ roles: roles(10), bots: 2 }, { subdomain: 'dunsinane', roles: roles(11), bots: 2 }] },
  });
  await world.registerServer();
});
afterAll(() => world.stop());

describe.each([
  { humans: 10, realmIndex: 0, delivered: true },
  { humans: 11, realmIndex: 1, delivered: false },
])('an organisation with $humans humans and no plan', ({ humans, realmIndex, delivered }) => {
  let realm: Realm;
  beforeAll(() => {
    realm = world.realm(realmIndex);
  });

  it(`should ${delivered ? '' : 'not '}get pushes`, async () => {
    expect(world.humans(realm)).toHaveLength(humans);
    // The metadata upload after registering already told the server what the bouncer thinks.
    expect(world.realm(realmIndex).pushNotificationsEnabled).toBe(delivered);

    const [hamlet, othello] = [world.user('member', 0, realm), world.user('member', 1, realm)];
    const phone = await world.phone(hamlet, 'ios');
    const m = await world.send(othello, { to: [hamlet] });

    if (delivered) {
      expect(await phone.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
    } else {
      await world.expectNoPush(phone);
      expect(world.realm(realmIndex).pushNotificationsEnabled).toBe(false);
      const refused = world.stack.zulip.logLines().filter((l) => String(l.msg).startsWith('Bouncer refused to send push notification: '));
      expect(refused.map((l) => l.msg)).toEqual([
        // PushNotificationsDisallowedByBouncerError carries the bouncer's whole msg (§5.1).
        "Bouncer refused to send push notification: Your plan doesn't allow sending push notifications. Reason provided by the server: Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/",
      ]);
    }
  });
});
