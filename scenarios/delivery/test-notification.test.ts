/**
 * "You can now test mobile push notifications": a user asks their server for a test
 * notification. With legacy registrations the bouncer itself builds the test payload and sends
 * it to each of the user's devices (bouncer-protocol.md §5.2); with E2EE registrations the server
 * encrypts a `type: "test"` payload for each device (server-and-app.md §A.4). Asking without a
 * device, or for a token the server does not know, is answered with Zulip's error.
 */
import type { Phone } from '../../simulator/devices/phone';
import { seen, startWorld, type World } from '../../harness/world';

const LEGACY = '/api/v1/mobile_push/test_notification';
const E2EE = '/api/v1/mobile_push/e2ee/test_notification';

describe('legacy registrations (11.x)', () => {
  let world: World;
  let ios: Phone, android: Phone;
  beforeAll(async () => {
    world = await startWorld({ profile: 11 });
    await world.registerServer();
    ios = await world.phone(world.people.hamlet, 'ios');
    android = await world.phone(world.people.hamlet, 'android');
  });
  afterAll(() => world.stop());

  it('should reach every phone of the user, with the text the bouncer writes', async () => {
    const { hamlet } = world.people;
    const res = await world.zulipApi('POST', LEGACY, { as: hamlet, form: {} });

    expect(res.body).toEqual({ result: 'success', msg: '' });
    const realm = world.realm();
    expect(seen(await ios.nextNotification())).toEqual({
      kind: 'test',
      shown: true,
      title: 'Test notification',
      body: `This is a test notification from ${realm.name} (${realm.url}).`,
    });
    // The Android app receives it and, as the real app does, shows nothing for a test.
    expect(await android.nextNotification()).toMatchObject({ kind: 'test', shown: false, payload: { event: 'test', realm_url: realm.url } });
  });

  it('should reach only the phone named by its token', async () => {
    const { hamlet } = world.people;
    await world.zulipApi('POST', LEGACY, { as: hamlet, form: { token: android.token } });

    expect(await android.nextNotification()).toMatchObject({ kind: 'test' });
    await world.expectNoPush(ios);
  });

  it('should refuse a token the server does not know', async () => {
    const res = await world.zulipApi('POST', LEGACY, { as: world.people.hamlet, form: { token: 'f'.repeat(64) } });

    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { result: 'error', msg: 'Device not recognized', code: 'INVALID_PUSH_DEVICE_TOKEN' } });
  });

  it('should answer an E2EE test request with NO_ACTIVE_PUSH_DEVICE when the user has no E2EE device', async () => {
    const res = await world.zulipApi('POST', E2EE, { as: world.people.hamlet, form: {} });

    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { result: 'error', msg: 'No active registered push device', code: 'NO_ACTIVE_PUSH_DEVICE' } });
  });
});

describe('E2EE registrations (12.x)', () => {
  let world: World;
  let ios: Phone, android: Phone;
  beforeAll(async () => {
    world = await startWorld({ profile: 12 });
    await world.registerServer();
    ios = await world.phone(world.people.hamlet, 'ios');
    android = await world.phone(world.people.hamlet, 'android');
  });
  afterAll(() => world.stop());

  it('should reach every phone of the user, encrypted for each', async () => {
    const { hamlet } = world.people;
    const res = await world.zulipApi('POST', E2EE, { as: hamlet, form: {} });

    expect(res.body).toEqual({ result: 'success', msg: '' });
    for (const phone of [ios, android]) {
      expect(await phone.nextNotification()).toMatchObject({
        kind: 'test',
        encrypted: true,
        payload: { type: 'test', user_id: hamlet.id, realm_url: world.realm().url },
      });
    }
  });

  it('should reach only the device named by its device_id', async () => {
    await world.zulipApi('POST', E2EE, { as: world.people.hamlet, form: { device_id: String(ios.deviceId) } });

    expect(await ios.nextNotification()).toMatchObject({ kind: 'test', encrypted: true });
    await world.expectNoPush(android);
  });
});
