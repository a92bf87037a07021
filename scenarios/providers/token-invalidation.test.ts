/**
 * When Apple or Google say a token is dead — the app was deleted: APNs 410 `Unregistered`, FCM
 * `UNREGISTERED` — the bouncer forgets the token, tells the server, and the server forgets it too;
 * later pushes do not even try it, and everyone else's phones keep receiving
 * (bouncer-protocol.md §5.1 step 11, §7, §6.3 `delete_*`; server-and-app.md §E).
 */
import type { Phone } from '../../simulator/devices/phone';
import { startWorld, type World } from '../../harness/world';

describe.each([
  { profile: 11 as const, kind: 'legacy' },
  { profile: 12 as const, kind: 'E2EE' },
])('$kind registrations (profile $profile)', ({ profile }) => {
  let world: World;
  let hamletIos: Phone, hamletAndroid: Phone, othelloIos: Phone, othelloAndroid: Phone;

  beforeAll(async () => {
    world = await startWorld({ profile });
    await world.registerServer();
    const { hamlet, othello } = world.people;
    hamletIos = await world.phone(hamlet, 'ios');
    hamletAndroid = await world.phone(hamlet, 'android');
    othelloIos = await world.phone(othello, 'ios');
    othelloAndroid = await world.phone(othello, 'android');
  });
  afterAll(() => world.stop());

  /** The tokens the bouncer would still send to. */
  const liveTokensAtBouncer = () =>
    profile === 11 ? world.bouncer.legacyTokens().map((t) => t.token) : world.bouncer.e2eeDevices().filter((d) => d.expired_time === null).map((d) => d.token);
  /** The tokens (legacy) or token ids (E2EE) the server would still push to. */
  const liveOnServer = () =>
    profile === 11
      ? world.stack.zulip.state.legacyDevices.map((d) => d.token)
      : [...world.stack.zulip.state.clientDevices.values()].map((d) => d.pushTokenId).filter((id) => id !== null);
  const idOnServer = (p: Phone) => (profile === 11 ? p.token : p.tokenId);

  it('should forget both of hamlet’s tokens at the bouncer and on the server once he deletes the app', async () => {
    const { hamlet, othello } = world.people;
    hamletIos.uninstall();
    hamletAndroid.uninstall();

    await world.send(othello, { to: [hamlet] });

    await world.expectNoPush(hamletIos, hamletAndroid);
    expect(world.stack.apns.journal.list({ device: hamletIos.token }).map((e) => e.outcome)).toMatchObject([{ status: 410, reason: 'Unregistered' }]);
    expect(world.stack.fcm.journal.list({ device: hamletAndroid.token }).map((e) => e.outcome)).toMatchObject([{ status: 404, reason: 'UNREGISTERED' }]);
    expect(liveTokensAtBouncer().sort()).toEqual([othelloIos.token, othelloAndroid.token].sort());
    expect(liveOnServer().sort()).toEqual([idOnServer(othelloIos), idOnServer(othelloAndroid)].sort());
    const removals = world.bouncer.logLines().map((l) => String(l.msg)).filter((m) => m.includes('Removing'));
    expect(removals.sort()).toEqual([`APNs: Removing invalid/expired token ${hamletIos.token} (Unregistered)`, `FCM: Removing ${hamletAndroid.token} due to NOT_FOUND`].sort());
  });

  it('should keep delivering to everyone else', async () => {
    const { hamlet, othello } = world.people;
    const m = await world.send(hamlet, { to: [othello] });

    expect(await othelloIos.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
    expect(await othelloAndroid.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
  });

  it('should not try the dead tokens again', async () => {
    const { hamlet, othello } = world.people;
    await world.send(othello, { to: [hamlet] });

    expect(world.stack.apns.journal.list({ device: hamletIos.token })).toHaveLength(1);
    expect(world.stack.fcm.journal.list({ device: hamletAndroid.token })).toHaveLength(1);
  });
});
