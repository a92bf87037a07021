/**
 * End-to-end encrypted pushes with a Zulip 11.x server (FL 406–467): the app registers one push
 * key and a token sealed to the bouncer under a `push_account_id`; the bouncer answers with its
 * `device_id`, and later forwards only ciphertext that the phones open with their key (seed:
 * "Zulip Server 11.0+ supports a new end-to-end encrypted (E2EE) protocol";
 * bouncer-protocol.md §6 11.x; server-and-app.md §B).
 */
import type { Phone } from '../../simulator/devices/phone';
import type { User } from '../../simulator/zulip-server/types';
import { seen, startWorld, type World } from '../../harness/world';
import { sinksContaining } from '../../harness/world/sinks';

let world: World;
let hamlet: User, othello: User, iago: User;
let hamletIos: Phone, hamletAndroid: Phone, iagoAndroid: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 11 });
  await world.registerServer();
  ({ hamlet, othello, iago } = world.people);
  hamletIos = await world.phone(hamlet, 'ios', { protocol: 'e2ee-11' });
  hamletAndroid = await world.phone(hamlet, 'android', { protocol: 'e2ee-11' });
  iagoAndroid = await world.phone(iago, 'android', { protocol: 'e2ee-11' });
});
afterAll(() => world.stop());

it('should register each phone with the bouncer under its push_account_id, and keep no legacy token', () => {
  const atBouncer = world.bouncer.query<{ device_id: number; push_account_id: number | null; token_id: number | null; token: string }>(
    'SELECT device_id, push_account_id, token_id, token FROM remote_push_device ORDER BY device_id',
  );
  expect(atBouncer.map((d) => d.token)).toEqual([hamletIos.token, hamletAndroid.token, iagoAndroid.token]);
  for (const d of atBouncer) expect(d).toMatchObject({ push_account_id: expect.any(Number), token_id: null });

  // The server knows each device by the bouncer's device_id, and no error.
  const onServer = world.stack.zulip.state.pushDevices11;
  expect(onServer.map((d) => d.bouncerDeviceId).sort()).toEqual(atBouncer.map((d) => d.device_id).sort());
  expect(onServer.every((d) => d.errorCode === null)).toBe(true);
  expect(world.bouncer.legacyTokens()).toEqual([]);
});

it('should deliver a DM that only the recipient’s phones can read', async () => {
  const m = await world.send(othello, { to: [hamlet] });

  const ios = await hamletIos.nextNotification();
  const android = await hamletAndroid.nextNotification();
  expect(seen(ios)).toEqual({ kind: 'message', shown: true, title: othello.fullName, subtitle: '', body: m.content });
  expect(seen(android)).toEqual({ kind: 'message', shown: true, title: othello.fullName, body: m.content });
  expect(ios).toMatchObject({ encrypted: true, pushKeyId: expect.any(Number) });
  expect(android).toMatchObject({ encrypted: true });
  await world.expectNoPush(iagoAndroid);

  // Neither the text nor the sender's name reached the bouncer, the providers or any log.
  const canary = m.content.split(' ').pop()!;
  expect(sinksContaining(world.stack.sinks(), canary)).toEqual([]);
  expect(sinksContaining(world.stack.sinks(), othello.fullName)).toEqual([]);
});

it('should take the notification back from both phones when hamlet reads the message', async () => {
  const m = await world.send(othello, { to: [hamlet] });
  await hamletIos.nextNotification();
  await hamletAndroid.nextNotification();

  await world.read(hamlet, [m]);

  expect(await hamletIos.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m.id], encrypted: true });
  expect(await hamletAndroid.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m.id], encrypted: true });
});
