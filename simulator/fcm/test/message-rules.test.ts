/** FCM's own rules about a message: a target, reserved data keys, size limits, TTL, priority spelling. */
import { accessToken, send, startTestFcm, type TestFcm } from './support';

let fcm: TestFcm;
let token: string;
let phone: string;

beforeAll(async () => {
  fcm = await startTestFcm();
  token = await accessToken(fcm);
  phone = fcm.createDevice().token;
});
afterAll(() => fcm.stop());

const invalidArgument = (message: string) => ({
  error: {
    code: 400,
    message,
    status: 'INVALID_ARGUMENT',
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INVALID_ARGUMENT' }],
  },
});

it('should refuse a message without a token, topic or condition', async () => {
  const res = await send(fcm, { data: { a: 'b' } }, { token });
  expect(res.json).toEqual(invalidArgument('Recipient of the message is not set.'));
});

it.each(['from', 'gcm', 'message_type', 'google.c.a.e', 'googleAnalytics', 'gcm.notification.title'])(
  'should refuse the reserved data key %s',
  async (key) => {
    const res = await send(fcm, { token: phone, data: { [key]: 'x' } }, { token });
    expect(res.json).toEqual(invalidArgument(`Invalid data payload key: ${key}`));
  },
);

it('should check reserved keys in android.data too, and accept the keys FCM really accepts', async () => {
  expect((await send(fcm, { token: phone, android: { data: { from: 'x' } } }, { token })).status).toBe(400);
  const res = await send(fcm, { token: phone, data: { notification: 'n', collapse_key: 'c', fromage: 'brie' } }, { token });
  expect(res.status).toBe(200);
});

it('should allow 4096 bytes of data keys and values for a token, and refuse one byte more', async () => {
  const fits = { k: 'v'.repeat(4095) };
  expect((await send(fcm, { token: phone, data: fits }, { token })).status).toBe(200);
  const res = await send(fcm, { token: phone, data: { k: 'v'.repeat(4096) } }, { token });
  expect(res.json).toEqual(invalidArgument('Android message is too big'));
});

it('should allow only 2048 bytes for a topic message', async () => {
  expect((await send(fcm, { topic: 'news', data: { k: 'v'.repeat(2047) } }, { token })).status).toBe(200);
  expect((await send(fcm, { topic: 'news', data: { k: 'v'.repeat(2048) } }, { token })).status).toBe(400);
});

it('should count UTF-8 bytes, not characters', async () => {
  const res = await send(fcm, { token: phone, data: { k: 'é'.repeat(2048) } }, { token });
  expect(res.status).toBe(400);
});

it('should refuse a TTL over 28 days', async () => {
  expect((await send(fcm, { token: phone, android: { ttl: '2419200s' } }, { token })).status).toBe(200);
  const res = await send(fcm, { token: phone, android: { ttl: '2419201s' } }, { token });
  expect(res.json).toEqual(invalidArgument('TTL must be between 0 and 2419200 seconds.'));
});

it.each(['high', 'HIGH', 'High', 1])('should accept android.priority %p as HIGH (what the Admin SDKs send)', async (priority) => {
  const res = await send(fcm, { token: phone, android: { priority } }, { token });
  expect(res.status).toBe(200);
  const entry = fcm.journal.list({ device: phone }).at(-1)!;
  expect(entry.notification).toMatchObject({ priority: 'high' });
});

it('should keep the AndroidNotification enums exact, as the SDKs upper-case them', async () => {
  const ok = await send(fcm, { token: phone, android: { notification: { notification_priority: 'PRIORITY_HIGH', visibility: 'PRIVATE' } } }, { token });
  expect(ok.status).toBe(200);
  const lower = await send(fcm, { token: phone, android: { notification: { visibility: 'private' } } }, { token });
  expect(lower.status).toBe(400);
});

it('should answer validate_only with the fake message id and deliver nothing', async () => {
  const res = await send(fcm, undefined, { token, body: { validate_only: true, message: { token: phone, data: { a: 'b' } } } });
  expect(res.json).toEqual({ name: `projects/${fcm.projectId}/messages/fake_message_id` });
  const entry = fcm.journal.list({ device: phone }).at(-1)!;
  expect(entry.meta).toMatchObject({ validateOnly: true });
  expect(entry.notification).toBeUndefined();
});

it('should strip a /topics/ prefix and refuse a malformed topic name', async () => {
  expect((await send(fcm, { topic: '/topics/news', data: {} }, { token })).status).toBe(200);
  expect((await send(fcm, { topic: 'no spaces', data: {} }, { token })).json).toEqual(invalidArgument('Invalid topic name.'));
});
