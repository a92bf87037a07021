/**
 * Phones set up before the server registered with the service never reached the bouncer: the
 * server could not forward their tokens. Registering the server does not fix that — the first
 * push finds no such device at the bouncer and the server forgets the token — but logging out of
 * the app and back in does (seed: "Signing up": "you'll each need to log out of the mobile app,
 * and log back in again in order to start getting push notifications").
 */
import type { Phone } from '../../simulator/devices/phone';
import { ZulipApiError } from '../../simulator/devices/zulip-api';
import { startWorld, type World } from '../../harness/world';

let world: World;
let phone: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 11 });
});
afterAll(() => world.stop());

it('should refuse to pass on a token before the server is registered', async () => {
  phone = await world.phone(world.people.hamlet, 'ios', { register: false });

  const error = await phone.register().catch((e: unknown) => e);

  expect(error).toBeInstanceOf(ZulipApiError);
  expect(error).toMatchObject({
    status: 400,
    msg: `Zulip server auth failure: ${world.credentials().uuid} is not registered -- did you run \`manage.py register_server\`?`,
  });
});

it('should still send nothing to that phone once the server is registered, and forget its token', async () => {
  const { hamlet, othello } = world.people;
  await world.registerServer();

  await world.send(othello, { to: [hamlet] });

  await world.expectNoPush(phone);
  expect(world.bouncer.legacyTokens()).toEqual([]);
  expect(world.stack.zulip.state.legacyDevices.filter((d) => d.userId === hamlet.id)).toEqual([]);
});

it('should deliver after the user logs out of the app and back in', async () => {
  const { hamlet, othello } = world.people;
  // The server has forgotten the token already; the app ignores what logging out answers.
  await phone.logOut().catch(() => undefined);
  await phone.register();

  const m = await world.send(othello, { to: [hamlet] });

  expect(await phone.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
  expect(world.bouncer.legacyTokens()).toEqual([{ user_uuid: hamlet.uuid, user_id: null, kind: 1, token: phone.token }]);
});
