/**
 * A provider that stumbles — APNs or FCM answering 5xx or 429 — loses that one push to that one
 * phone, and nothing else: the bouncer logs the failure, keeps the token (it is not dead), goes
 * on with the other phones of the same notification, and the next push arrives
 * (bouncer-protocol.md §7.1 "any other per-message error", §7.2 "any other reason").
 */
import type { Phone } from '../../simulator/devices/phone';
import { startWorld, type World } from '../../harness/world';

let world: World;
let ios: Phone, android: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 11 });
  await world.registerServer();
  ios = await world.phone(world.people.hamlet, 'ios');
  android = await world.phone(world.people.hamlet, 'android');
});
afterAll(() => world.stop());

describe.each([
  { provider: 'apns' as const, reason: 'ServiceUnavailable', status: 503, log: /^APNs: Failed to send for user .* to device [0-9a-f]+: ServiceUnavailable$/ },
  { provider: 'apns' as const, reason: 'InternalServerError', status: 500, log: /^APNs: Failed to send for user .* to device [0-9a-f]+: InternalServerError$/ },
  { provider: 'apns' as const, reason: 'TooManyRequests', status: 429, log: /^APNs: Failed to send for user .* to device [0-9a-f]+: TooManyRequests$/ },
  { provider: 'fcm' as const, reason: 'UNAVAILABLE', status: 503, log: /^FCM: Delivery failed for \S+: <class '[\w.]+\.UnavailableError'>:/ },
  { provider: 'fcm' as const, reason: 'INTERNAL', status: 500, log: /^FCM: Delivery failed for \S+: <class '[\w.]+\.InternalError'>:/ },
  { provider: 'fcm' as const, reason: 'QUOTA_EXCEEDED', status: 429, log: /^FCM: Delivery failed for \S+: <class '[\w.]+\.QuotaExceededError'>:/ },
])('$provider answering $status $reason once', ({ provider, reason, status, log }) => {
  const [hit, spared] = provider === 'apns' ? [() => ios, () => android] : [() => android, () => ios];

  it('should lose only that push to that phone, and keep its token', async () => {
    const { hamlet, othello } = world.people;
    world.fault(provider, { match: { device: hit().token }, action: { kind: 'error', reason }, times: 1 });
    const tokensBefore = world.bouncer.legacyTokens();

    const m = await world.send(othello, { to: [hamlet] });

    expect(await spared().nextNotification()).toMatchObject({ kind: 'message', body: m.content });
    await world.expectNoPush(hit());
    expect(world.stack[provider].journal.list({ device: hit().token }).at(-1)?.outcome).toMatchObject({ accepted: false, status, reason });
    expect(world.bouncer.logLines().map((l) => String(l.msg)).filter((l) => log.test(l))).toHaveLength(1);
    expect(world.bouncer.legacyTokens()).toEqual(tokensBefore);
    expect(world.stack.zulip.state.legacyDevices).toHaveLength(2);
  });

  it('should deliver the next push to both phones', async () => {
    const { hamlet, othello } = world.people;
    const m = await world.send(othello, { to: [hamlet] });

    expect(await ios.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
    expect(await android.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
  });
});
