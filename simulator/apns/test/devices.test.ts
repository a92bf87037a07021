/** Simulated phones: tokens in APNs' format, repeatable with a seed, of a configurable length. */
import { DeviceTokenGenerator } from '../device-tokens';
import { makeAppleId } from '../keys';
import { connectWithToken, startTestApns } from './support';

it('should make the same tokens, team id and key id from the same seed', () => {
  const a = new DeviceTokenGenerator(64, 3);
  const b = new DeviceTokenGenerator(64, 3);
  const tokens = [a.next(), a.next()];
  expect([b.next(), b.next()]).toEqual(tokens);
  expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
  expect(tokens[0]).not.toBe(tokens[1]);
  expect(makeAppleId('team-0', 3)).toBe(makeAppleId('team-0', 3));
  expect(makeAppleId('team-0', 3)).toMatch(/^[A-Z0-9]{10}$/);
});

it('should make random tokens without a seed', () => {
  expect(new DeviceTokenGenerator(64).next()).not.toBe(new DeviceTokenGenerator(64).next());
});

it('should accept longer tokens when configured to, and refuse ones outside the range', async () => {
  await using apns = await startTestApns({ tokenHexLength: { min: 64, max: 200 } });
  const long = apns.createDevice('org.zulip.Zulip', { token: 'AB'.repeat(80) });
  expect(long.token).toBe('ab'.repeat(80));
  expect(() => apns.createDevice('org.zulip.Zulip', { token: 'ab'.repeat(101) })).toThrow(/not 64–200 hex characters/);

  const client = await connectWithToken(apns);
  expect((await client.push({ token: long.token })).status).toBe(200);
  const tooLong = await client.push({ token: 'ab'.repeat(101) });
  expect([tooLong.status, JSON.parse(tooLong.body)]).toEqual([400, { reason: 'BadDeviceToken' }]);
  await client.close();
});

it('should keep track of each phone: its app, label and state', async () => {
  await using apns = await startTestApns();
  const phone = apns.createDevice('com.zulip.flutter', { label: "Horatio's iPhone" });
  apns.clock.advance(1_000);
  apns.unregisterDevice(phone.token.toUpperCase());
  expect(apns.devices.list('com.zulip.flutter')).toEqual([
    { token: phone.token, scope: 'com.zulip.flutter', state: 'unregistered', createdAt: phone.createdAt, unregisteredAt: phone.createdAt + 1_000, label: "Horatio's iPhone" },
  ]);
  expect(() => apns.unregisterDevice('ab'.repeat(32))).toThrow('no device');
});
