/**
 * Without a plan, pushes work for organisations of up to 10 humans (bouncer-protocol.md §8;
 * guests count, bots do not). With 11 the bouncer refuses, no push arrives, and the server marks
 * the realm's push notifications as disabled.
 */
import { startWorld, type World } from '../../harness/world';

const roles = (humans: number) => ({ owner: 1, administrator: 1, moderator: 1, guest: 1, member: humans - 4 });

describe.each([
  { humans: 10, delivered: true },
  { humans: 11, delivered: false },
])('a realm with $humans humans and no plan', ({ humans, delivered }) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ profile: 11, seed: 50 + humans, zulip: { realms: [{ roles: roles(humans), bots: 2 }] } });
    await world.registerServer();
  });
  afterAll(() => world.stop());

  it(`should ${delivered ? '' : 'not '}get pushes`, async () => {
    expect(world.humans()).toHaveLength(humans);
    // The metadata upload after registering already told the server what the bouncer thinks.
    expect(world.realm().pushNotificationsEnabled).toBe(delivered);

    const [hamlet, othello] = [world.user('member', 0), world.user('member', 1)];
    const phone = await world.phone(hamlet, 'ios');
    const m = await world.send(othello, { to: [hamlet] });

    const n = await phone.pollNotification({ timeoutMs: 200 });
    if (delivered) {
      expect(n).toMatchObject({ kind: 'message', body: m.content });
    } else {
      expect(n).toBeNull();
      expect(world.realm().pushNotificationsEnabled).toBe(false);
      const refused = world.stack.zulip.logLines().filter((l) => String(l.msg).startsWith('Bouncer refused to send push notification: '));
      expect(refused.map((l) => l.msg)).toEqual([
        // PushNotificationsDisallowedByBouncerError carries the bouncer's whole msg (§5.1).
        "Bouncer refused to send push notification: Your plan doesn't allow sending push notifications. Reason provided by the server: Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/",
      ]);
    }
  });
});
