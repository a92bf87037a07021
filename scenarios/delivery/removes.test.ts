/**
 * Reading a message removes its notification from every phone (server-and-app.md §C.5):
 * legacy `remove` events and E2EE `remove` payloads, on both platforms.
 */
import { startWorld, type World } from '../../harness/world';

describe.each([11, 12] as const)('profile %i', (profile) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ profile });
    await world.registerServer();
  });
  afterAll(() => world.stop());

  it('should clear the lock screen when the recipient reads the messages', async () => {
    const { hamlet, othello } = world.people;
    const ios = await world.phone(hamlet, 'ios');
    const android = await world.phone(hamlet, 'android');

    const first = await world.send(othello, { to: [hamlet] });
    const second = await world.send(othello, { to: [hamlet] });
    for (const phone of [ios, android]) {
      await phone.nextNotification();
      await phone.nextNotification();
      expect(phone.lockScreen().map((i) => i.messageIds)).toEqual([[first.id], [second.id]]);
    }

    await world.read(hamlet, [first]);
    for (const phone of [ios, android]) {
      expect(await phone.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [first.id] });
      expect(phone.lockScreen().map((i) => i.messageIds)).toEqual([[second.id]]);
    }

    // Reading it again sends nothing: the flag was cleared with the first remove.
    await world.read(hamlet, [first]);
    expect(await ios.pollNotification({ timeoutMs: 50 })).toBeNull();
  });
});
