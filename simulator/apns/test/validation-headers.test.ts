/** Every header and path rule, each answered with Apple's status and exactly `{"reason": …}`. */
import type { Device } from '../../core/provider-mock/devices';
import { ApnsTestClient } from './h2-client';
import { connectWithToken, startTestApns, type TestApns } from './support';

let apns: TestApns;
let client: ApnsTestClient;
let phone: Device;

beforeAll(async () => {
  apns = await startTestApns();
  client = await connectWithToken(apns);
  phone = apns.createDevice('org.zulip.Zulip');
});
afterAll(async () => {
  await client.close();
  await apns.stop();
});

type Case = [string, number, string, () => { token?: string; headers?: Record<string, string | string[] | undefined> }];

const cases: Case[] = [
  ['a repeated apns-topic header', 400, 'DuplicateHeaders', () => ({ headers: { 'apns-topic': ['org.zulip.Zulip', 'org.zulip.Zulip'] } })],
  ['a repeated apns-id header', 400, 'DuplicateHeaders', () => ({ headers: { 'apns-id': [crypto.randomUUID(), crypto.randomUUID()] } })],
  ['GET', 405, 'MethodNotAllowed', () => ({ headers: { ':method': 'GET' } })],
  ['DELETE', 405, 'MethodNotAllowed', () => ({ headers: { ':method': 'DELETE' } })],
  ['a path outside /3/device/', 404, 'BadPath', () => ({ headers: { ':path': '/3/devices/' + phone.token } })],
  ['an old API version', 404, 'BadPath', () => ({ headers: { ':path': '/2/device/' + phone.token } })],
  ['/3/device/ without a token', 400, 'MissingDeviceToken', () => ({ headers: { ':path': '/3/device/' } })],
  ['a token that is not hex', 400, 'BadDeviceToken', () => ({ token: 'zz'.repeat(32) })],
  ['a token of 62 hex characters', 400, 'BadDeviceToken', () => ({ token: 'ab'.repeat(31) })],
  ['a token of 66 hex characters', 400, 'BadDeviceToken', () => ({ token: 'ab'.repeat(33) })],
  ['a well-formed token the mock never issued', 400, 'BadDeviceToken', () => ({ token: 'cd'.repeat(32) })],
  ['no apns-topic', 400, 'MissingTopic', () => ({ headers: { 'apns-topic': undefined } })],
  ['an empty apns-topic', 400, 'MissingTopic', () => ({ headers: { 'apns-topic': '' } })],
  ['a topic that is not a bundle id', 400, 'BadTopic', () => ({ headers: { 'apns-topic': 'org zulip Zulip' } })],
  ['an unknown push type', 400, 'InvalidPushType', () => ({ headers: { 'apns-push-type': 'fax' } })],
  ['a voip push to a topic without .voip', 400, 'InvalidPushType', () => ({ headers: { 'apns-push-type': 'voip' } })],
  ['an alert push to a .voip topic', 400, 'InvalidPushType', () => ({ headers: { 'apns-topic': 'org.zulip.Zulip.voip' } })],
  ['priority 7', 400, 'BadPriority', () => ({ headers: { 'apns-priority': '7' } })],
  ['priority "high"', 400, 'BadPriority', () => ({ headers: { 'apns-priority': 'high' } })],
  ['a negative expiration', 400, 'BadExpirationDate', () => ({ headers: { 'apns-expiration': '-1' } })],
  ['an expiration that is not a number', 400, 'BadExpirationDate', () => ({ headers: { 'apns-expiration': 'tomorrow' } })],
  ['a collapse id of 65 bytes', 400, 'BadCollapseId', () => ({ headers: { 'apns-collapse-id': 'x'.repeat(65) } })],
  ['a collapse id of 33 two-byte characters', 400, 'BadCollapseId', () => ({ headers: { 'apns-collapse-id': 'é'.repeat(33) } })],
  ['an apns-id that is not a UUID', 400, 'BadMessageId', () => ({ headers: { 'apns-id': 'message-1' } })],
  ['an apns-id without dashes', 400, 'BadMessageId', () => ({ headers: { 'apns-id': '2f1ed6c38e1c4a629c110d5ad1f7a0b1' } })],
  ['a topic that is not one of the registered apps', 400, 'TopicDisallowed', () => ({ headers: { 'apns-topic': 'com.example.other' } })],
  ["a token registered for the provider's other app", 400, 'DeviceTokenNotForTopic', () => ({ headers: { 'apns-topic': 'com.zulip.flutter' } })],
];

it.each(cases)('should answer %s with %i %s', async (_what, status, reason, spec) => {
  const { token, headers } = spec();
  const res = await client.push({ token: token ?? phone.token, headers });
  expect(res.status).toBe(status);
  expect(JSON.parse(res.body)).toEqual({ reason });
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.headers['apns-id']).toMatch(/^[0-9a-f-]{36}$/);
});

it.each([
  ['priority 5', { 'apns-priority': '5' }],
  ['priority 1', { 'apns-priority': '1' }],
  ['no priority', { 'apns-priority': undefined }],
  ['no push type', { 'apns-push-type': undefined }],
  ['expiration 0', { 'apns-expiration': '0' }],
  ['a collapse id of exactly 64 bytes', { 'apns-collapse-id': 'x'.repeat(64) }],
  ['an upper-case token', {}],
  ['a voip push to the .voip topic', { 'apns-push-type': 'voip', 'apns-topic': 'org.zulip.Zulip.voip' }],
  ['a .voip topic without a push type', { 'apns-push-type': undefined, 'apns-topic': 'org.zulip.Zulip.voip' }],
])('should accept %s', async (what, headers) => {
  const token = what === 'an upper-case token' ? phone.token.toUpperCase() : phone.token;
  const res = await client.push({ token, headers });
  expect([res.status, res.body]).toEqual([200, '']);
});

describe('precedence', () => {
  it('should name the path before the topic', async () => {
    const res = await client.push({ token: phone.token, headers: { ':path': '/4/device/x', 'apns-topic': undefined } });
    expect([res.status, JSON.parse(res.body)]).toEqual([404, { reason: 'BadPath' }]);
  });

  it('should name an unknown device before a missing provider token', async () => {
    const res = await client.push({ token: 'ef'.repeat(32), jwt: null });
    expect([res.status, JSON.parse(res.body)]).toEqual([400, { reason: 'BadDeviceToken' }]);
  });

  it('should name a missing provider token before an empty payload', async () => {
    const res = await client.push({ token: phone.token, jwt: null, body: '' });
    expect([res.status, JSON.parse(res.body)]).toEqual([403, { reason: 'MissingProviderToken' }]);
  });
});
