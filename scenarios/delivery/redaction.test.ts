/**
 * A realm that requires end-to-end encryption for push content (`require_e2ee_push_notifications`,
 * server-and-app.md §C.7): an 11.x server still sends legacy pushes but with the body
 * "New message"; a 12.x server sends no legacy push at all, while E2EE phones get the exact text.
 */
import { seen, startWorld, type World } from '../../harness/world';
import { sinksContaining } from '../../harness/world/sinks';

const lastWord = (s: string) => s.split(' ').pop()!;

describe('11.x', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ profile: 11, zulip: { realms: [{ requireE2eePushNotifications: true }] } });
    await world.registerServer();
  });
  afterAll(() => world.stop());

  it('should replace the content of legacy pushes with "New message" and keep the title', async () => {
    const { hamlet, othello } = world.people;
    const ios = await world.phone(hamlet, 'ios');
    const android = await world.phone(hamlet, 'android');

    const m = await world.send(othello, { to: [hamlet] });

    expect(seen(await ios.nextNotification())).toEqual({ kind: 'message', shown: true, title: othello.fullName, subtitle: '', body: 'New message' });
    expect(seen(await android.nextNotification())).toMatchObject({ title: othello.fullName, body: 'New message' });
    expect(sinksContaining(world.stack.sinks(), lastWord(m.content))).toEqual([]);
  });
});

describe('12.x', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ profile: 12, zulip: { realms: [{ requireE2eePushNotifications: true }] } });
    await world.registerServer();
  });
  afterAll(() => world.stop());

  it('should send no legacy push at all, while the E2EE phone reads the exact text', async () => {
    const { hamlet, othello } = world.people;
    const legacyIos = await world.phone(hamlet, 'ios', { protocol: 'legacy' });
    const e2eeAndroid = await world.phone(hamlet, 'android');
    const apnsBefore = world.stack.apns.journal.stats.lastSeq;

    const m = await world.send(othello, { to: [hamlet] });

    expect(seen(await e2eeAndroid.nextNotification())).toEqual({ kind: 'message', shown: true, title: othello.fullName, body: m.content });
    expect(await legacyIos.pollNotification({ timeoutMs: 50 })).toBeNull();
    expect(world.stack.apns.journal.stats.lastSeq).toBe(apnsBefore);
    expect(sinksContaining(world.stack.sinks(), lastWord(m.content))).toEqual([]);
  });
});
