/**
 * Pausing the service: commenting out the bouncer URL in settings.py stops every request to the
 * service — no pushes, no uploads — and uncommenting it resumes with the same credentials and
 * registrations, without running register_server again. A phone that logs in while the service
 * is paused is registered with the bouncer on resuming (seed: "Pausing use of the Mobile Push
 * Notification Service").
 */
import type { Phone } from '../../simulator/devices/phone';
import { startWorld, type World } from '../../harness/world';

let world: World;
let hamletPhone: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 12 });
  await world.registerServer();
  hamletPhone = await world.phone(world.people.hamlet, 'android');
});
afterAll(() => world.stop());

/** How many requests the bouncer has answered so far. */
const bouncerRequests = () => world.bouncer.logLines().filter((l) => / \/api\/v1\/remotes\//.test(String(l.msg))).length;

describe('while paused', () => {
  let before: number;
  beforeAll(() => {
    world.pause();
    before = bouncerRequests();
  });

  it('should send no push and make no request to the service', async () => {
    const { hamlet, othello } = world.people;
    await world.send(othello, { to: [hamlet] });

    await world.expectNoPush(hamletPhone);
    expect(bouncerRequests()).toBe(before);
  });

  it('should upload nothing when the hourly analytics job runs', async () => {
    expect(await world.hourPasses()).toBeNull();
    expect(bouncerRequests()).toBe(before);
  });

  it('should keep a phone that logs in now waiting, without telling the bouncer', async () => {
    await world.phone(world.people.othello, 'ios');

    expect(bouncerRequests()).toBe(before);
    expect(world.bouncer.e2eeDevices()).toHaveLength(1);
  });
});

describe('after resuming', () => {
  beforeAll(async () => {
    world.resume();
    await world.advance(0);
  });

  it('should register the phone that logged in while paused', () => {
    expect(world.bouncer.e2eeDevices()).toHaveLength(2);
  });

  it('should deliver again with the same registration, without register_server', async () => {
    const { hamlet, othello } = world.people;
    const m = await world.send(othello, { to: [hamlet] });

    expect(await hamletPhone.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
    const registerCalls = world.bouncer.logLines().filter((l) => / \/api\/v1\/remotes\/server\/register /.test(String(l.msg)));
    expect(registerCalls).toHaveLength(1);
  });
});
