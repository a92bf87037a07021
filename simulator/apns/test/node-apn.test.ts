/**
 * @parse/node-apn 8, unmodified, against the mock: only address, port and CA differ from a
 * production setup, and TLS is verified (client-redirect.md §1).
 */
import apn from '@parse/node-apn';
import { startTestApns, type TestApns } from './support';

let apns: TestApns;
let provider: apn.Provider;

beforeAll(async () => {
  apns = await startTestApns();
  provider = new apn.Provider({
    token: { key: apns.keyFile, keyId: apns.keyId, teamId: apns.teamId },
    production: false,
    address: '127.0.0.1',
    port: apns.port,
    ca: [apns.caCertPem],
  });
});
afterAll(async () => {
  provider.shutdown();
  await apns.stop();
});

function note(topic = 'org.zulip.Zulip'): apn.Notification {
  const n = new apn.Notification();
  n.alert = { title: 'Hamlet', body: 'New message' };
  n.topic = topic;
  n.pushType = 'alert';
  n.priority = 10;
  n.payload = { zulip: { message_id: 42 } };
  return n;
}

it('should deliver a notification and echo the apns-id it was given', async () => {
  const phone = apns.createDevice('org.zulip.Zulip', { label: "Hamlet's iPhone" });
  const n = note();
  n.id = '2f1ed6c3-8e1c-4a62-9c11-0d5ad1f7a0b1';
  const delivered = apns.journal.next(phone.token);

  const result = await provider.send(n, phone.token);

  expect(result.failed).toEqual([]);
  expect(result.sent).toEqual([{ device: phone.token, 'apns-id': n.id, 'apns-unique-id': expect.any(String) }]);
  const entry = await delivered;
  expect(entry.notification).toEqual({ zulip: { message_id: 42 }, aps: { alert: { title: 'Hamlet', body: 'New message' } } });
  expect(entry.request.headers.authorization).toBe('bearer [REDACTED]');
  expect(entry.meta).toMatchObject({ teamId: apns.teamId, keyId: apns.keyId, httpVersion: '2.0' });
});

it('should report a token it never issued as failed with 400 BadDeviceToken', async () => {
  const unknown = 'ab'.repeat(32);
  const result = await provider.send(note(), unknown);
  expect(result.sent).toEqual([]);
  expect(result.failed).toEqual([{ device: unknown, 'apns-id': expect.any(String), status: 400, response: { reason: 'BadDeviceToken' } }]);
});

it('should report an uninstalled app as 410 Unregistered with the time it was unregistered', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  apns.clock.advance(5_000);
  const { unregisteredAt } = apns.unregisterDevice(phone.token);
  apns.clock.advance(60_000);

  const result = await provider.send(note(), phone.token);

  expect(result.failed).toEqual([
    { device: phone.token, 'apns-id': expect.any(String), status: 410, response: { reason: 'Unregistered', timestamp: unregisteredAt } },
  ]);
});

it('should refuse a topic this provider may not push to with TopicDisallowed', async () => {
  const phone = apns.createDevice('com.example.other');
  const result = await provider.send(note('com.example.other'), phone.token);
  expect(result.failed).toEqual([{ device: phone.token, 'apns-id': expect.any(String), status: 400, response: { reason: 'TopicDisallowed' } }]);
});

it("should refuse a token registered for another of the provider's apps with DeviceTokenNotForTopic", async () => {
  const flutterPhone = apns.createDevice('com.zulip.flutter');
  const result = await provider.send(note('org.zulip.Zulip'), flutterPhone.token);
  expect(result.failed).toEqual([
    { device: flutterPhone.token, 'apns-id': expect.any(String), status: 400, response: { reason: 'DeviceTokenNotForTopic' } },
  ]);
});

it('should report each recipient of one send separately', async () => {
  const a = apns.createDevice('org.zulip.Zulip');
  const b = apns.createDevice('org.zulip.Zulip');
  apns.unregisterDevice(b.token);
  const result = await provider.send(note(), [a.token, b.token]);
  expect(result.sent.map((s) => s.device)).toEqual([a.token]);
  expect(result.failed.map((f) => [f.device, f.status, f.response?.reason])).toEqual([[b.token, 410, 'Unregistered']]);
});
