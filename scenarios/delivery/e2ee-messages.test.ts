/**
 * End-to-end encrypted pushes (profile 12: the app registers a client device, a push key and a
 * sealed token from FL 468). The phones decrypt the exact text; the bouncer, the providers and
 * every log and database saw only ciphertext (seed: "E2EE push notifications").
 */
import type { Phone } from '../../simulator/devices/phone';
import type { User } from '../../simulator/zulip-server/types';
import { seen, startWorld, type World } from '../../harness/world';
import { sinksContaining } from '../../harness/world/sinks';

let world: World;
let hamlet: User, othello: User, iago: User;
let hamletIos: Phone, hamletAndroid: Phone, iagoIos: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 12 });
  await world.registerServer();
  ({ hamlet, othello, iago } = world.people);
  hamletIos = await world.phone(hamlet, 'ios');
  hamletAndroid = await world.phone(hamlet, 'android');
  iagoIos = await world.phone(iago, 'ios');
});
afterAll(() => world.stop());

it('should register each phone for E2EE with the bouncer', () => {
  const devices = [...world.stack.zulip.state.clientDevices.values()];
  expect(devices).toHaveLength(3);
  for (const d of devices) expect(d).toMatchObject({ pushTokenId: expect.any(String), pendingPushTokenId: null, pushRegistrationErrorCode: null });
});

it('should deliver a DM that only the phones can read', async () => {
  const m = await world.send(othello, { to: [hamlet] });

  const ios = await hamletIos.nextNotification();
  const android = await hamletAndroid.nextNotification();
  expect(seen(ios)).toEqual({ kind: 'message', shown: true, title: othello.fullName, subtitle: '', body: m.content });
  expect(seen(android)).toEqual({ kind: 'message', shown: true, title: othello.fullName, body: m.content });
  expect(ios).toMatchObject({ encrypted: true });
  expect(android).toMatchObject({ encrypted: true });
  expect(await iagoIos.pollNotification({ timeoutMs: 50 })).toBeNull();

  // The canary is nowhere outside the Zulip server: not in the bouncer's log or database, not
  // in what APNs and FCM received, not in any log.
  const canary = m.content.split(' ').pop()!;
  expect(canary).toMatch(/^zpgc/);
  expect(sinksContaining(world.stack.sinks(), canary)).toEqual([]);
  expect(sinksContaining(world.stack.sinks(), othello.fullName)).toEqual([]);
});

it('should deliver a channel mention to the mentioned user, titled by channel and topic', async () => {
  const text = world.stack.zulip.world.messageText();
  await world.send(othello, { channel: 'general', topic: 'ramparts' }, { content: `@**${iago.fullName}** ${text}` });

  expect(seen(await iagoIos.nextNotification())).toEqual({
    kind: 'message',
    shown: true,
    title: '#general > ramparts',
    subtitle: `${othello.fullName}:`,
    body: `@${iago.fullName} ${text}`,
  });
  expect(await hamletIos.pollNotification({ timeoutMs: 50 })).toBeNull();
});
