/**
 * Bad input never breaks anything: the push notification service and the Zulip server answer
 * unreadable JSON, wrong types, missing parameters, oversized bodies, wrong methods, unknown
 * paths and broken credentials with Zulip's error envelope and a 4xx — never a 500 — and
 * afterwards every registration is still there and pushes still flow (bouncer-protocol.md §1.2–
 * §1.5, §2, §13; server-and-app.md §D).
 */
import type { Phone } from '../../simulator/devices/phone';
import type { CallResult } from '../../harness/http-client';
import { startWorld, type World } from '../../harness/world';

let world: World;
let hamletIos: Phone, othelloIos: Phone;
let before: { legacy: unknown; e2ee: unknown; serverDevices: number };

beforeAll(async () => {
  world = await startWorld({ profile: 12 });
  await world.registerServer();
  const { hamlet, othello } = world.people;
  hamletIos = await world.phone(hamlet, 'ios');
  othelloIos = await world.phone(othello, 'ios', { protocol: 'legacy' });
  before = { legacy: world.bouncer.legacyTokens(), e2ee: world.bouncer.e2eeDevices(), serverDevices: world.stack.zulip.state.legacyDevices.length };
});
afterAll(() => world.stop());

type Case = [what: string, send: () => Promise<CallResult>, status: number, msg: string];
const asServer = (method: string, path: string, opts = {}) => () => world.bouncer.callAsServer(method, path, opts);
const asHamlet = (method: string, path: string, opts = {}) => () => world.zulipApi(method, path, { as: world.people.hamlet, ...opts });
const json = (body: string | Buffer) => ({ body, contentType: 'application/json' });
const form = (body: string | Buffer) => ({ body, contentType: 'application/x-www-form-urlencoded' });

const NOTIFY = '/api/v1/remotes/push/notify';
const PUSH_REGISTER = '/api/v1/remotes/push/register';
const ANALYTICS = '/api/v1/remotes/server/analytics';
const STATUS = '/api/v1/remotes/server/analytics/status';

describe.each<Case>([
  ['JSON that does not parse', asServer('POST', NOTIFY, json('{"user_id": 4,')), 400, 'Malformed JSON'],
  ['a body that is not UTF-8', asServer('POST', NOTIFY, json(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))), 400, 'Malformed payload'],
  ['a JSON list where an object belongs', asServer('POST', NOTIFY, { json: [1, 2] }), 400, 'payload is not a dict'],
  ['a string where a user id belongs', asServer('POST', NOTIFY, { json: { user_id: 'four' } }), 400, 'payload["user_id"] is not an integer'],
  ['a notification for no one', asServer('POST', NOTIFY, { json: {} }), 400, 'Missing user_id or user_uuid'],
  ['a registration without a token', asServer('POST', PUSH_REGISTER, { form: { token_kind: '2', user_id: '4' } }), 400, "Missing 'token' argument"],
  ['a registration sent as JSON instead of a form', asServer('POST', PUSH_REGISTER, { json: { token: 'abc', token_kind: 2, user_id: 4 } }), 400, "Missing 'token' argument"],
  ['a token kind that is not JSON', asServer('POST', PUSH_REGISTER, { form: { token: 'abc', token_kind: 'apns', user_id: '4' } }), 400, 'token_kind is not valid JSON'],
  ['an unknown token kind', asServer('POST', PUSH_REGISTER, { form: { token: 'abc', token_kind: '17', user_id: '4' } }), 400, 'Invalid token type'],
  ['an APNs token that is not hex', asServer('POST', PUSH_REGISTER, { form: { token: 'xyz', token_kind: '1', user_id: '4', ios_app_id: 'org.zulip.Zulip' } }), 400, 'Invalid APNS token'],
  ['a 5000-character token', asServer('POST', PUSH_REGISTER, { form: { token: 'a'.repeat(5000), token_kind: '2', user_id: '4' } }), 400, 'Empty or invalid length token'],
  ['analytics whose counts do not parse', asServer('POST', ANALYTICS, { form: { realm_counts: '[{', installation_counts: '[]' } }), 400, 'realm_counts is not valid JSON'],
  ['analytics whose counts are not a list', asServer('POST', ANALYTICS, { form: { realm_counts: '{}', installation_counts: '[]' } }), 400, 'realm_counts is not a list'],
  ['analytics with a number for a property', asServer('POST', ANALYTICS, { form: { realm_counts: '[{"property": 5}]', installation_counts: '[]' } }), 400, 'realm_counts[0]["property"] is not a string'],
  ['an E2EE registration that is not a sealed box', () => world.bouncer.callAsServer('POST', '/api/v1/remotes/push/e2ee/register', {
    form: { realm_uuid: world.realm().uuid, token_id: 'AAAAAAAAAAA=', encrypted_push_registration: '!!!', bouncer_public_key: world.stack.bouncer.e2eePublicKey },
  }), 400, 'Invalid encrypted_push_registration'],
  ['an E2EE push request of no known shape', asServer('POST', '/api/v1/remotes/push/e2ee/notify', { json: { realm_uuid: 'x', push_requests: [{ device_id: 'x' }] } }), 400, 'Invalid payload["push_requests"][0]'],
  ['a 65 MB body', () => world.bouncer.call('POST', '/api/v1/remotes/server/register', form(Buffer.alloc(65 * 1024 * 1024, 0x61))), 413, 'Request body too large'],
  ['GET on a POST endpoint', asServer('GET', NOTIFY), 405, 'Method Not Allowed'],
  ['DELETE on a GET endpoint', asServer('DELETE', STATUS), 405, 'Method Not Allowed'],
  ['an unknown endpoint', asServer('POST', '/api/v1/remotes/push/teleport', { json: {} }), 404, 'Endpoint not found'],
  ['an Authorization header that is not base64', () => world.bouncer.call('GET', STATUS, { auth: 'Basic !!!' }), 401, 'Invalid authorization header for basic auth'],
  ['a bearer token', () => world.bouncer.call('GET', STATUS, { auth: 'Bearer abc' }), 400, 'This endpoint requires HTTP basic authentication.'],
  ['a user’s email as the role', () => world.bouncer.call('GET', STATUS, { auth: { uuid: 'hamlet@zulip.example.net', key: 'x' } }), 400, 'Must validate with valid Zulip server API key'],
])('the push notification service, sent %s', (_what, send, status, msg) => {
  it(`should answer ${status} "${msg}"`, async () => {
    const res = await send();

    expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.objectContaining({ result: 'error', msg }) });
  });
});

describe.each<Case>([
  ['a device registration without a token', asHamlet('POST', '/api/v1/users/me/apns_device_token', { form: { appid: 'org.zulip.Zulip' } }), 400, "Missing 'token' argument"],
  ['an APNs token that is not hex', asHamlet('POST', '/api/v1/users/me/apns_device_token', { form: { token: 'xyz', appid: 'org.zulip.Zulip' } }), 400, 'Invalid APNS token'],
  ['an app id with SQL in it', asHamlet('POST', '/api/v1/users/me/apns_device_token', { form: { token: 'abcd', appid: "'; tables --" } }), 400, 'appid has invalid format'],
  ['an empty FCM token', asHamlet('POST', '/api/v1/users/me/android_gcm_reg_id', { form: { token: '' } }), 400, 'Empty or invalid length token'],
  ['the removal of a token it never had', asHamlet('DELETE', '/api/v1/users/me/android_gcm_reg_id', { form: { token: 'nope' } }), 400, 'Token does not exist'],
  ['a device id that is not JSON', asHamlet('POST', '/api/v1/mobile_push/register', { form: { device_id: 'x' } }), 400, 'device_id is not valid JSON'],
  ['a push key that is not base64', () => world.zulipApi('POST', '/api/v1/mobile_push/register', {
    as: world.people.hamlet,
    form: { device_id: String(hamletIos.deviceId), push_key_id: '1', push_key: '!!!' },
  }), 400, 'Invalid `push_key`'],
  ['a message of an unknown type', asHamlet('POST', '/api/v1/messages', { form: { type: 'carrier-pigeon', to: '[1]', content: 'hi' } }), 400, 'Invalid type'],
  ['a message sent as JSON instead of a form', asHamlet('POST', '/api/v1/messages', { json: { type: 'direct', to: [1], content: 'hi' } }), 400, "Missing 'type' argument"],
  ['a message to a user who does not exist', asHamlet('POST', '/api/v1/messages', { form: { type: 'direct', to: '[99999]', content: 'hi' } }), 400, 'Invalid user ID 99999'],
  ['flags whose message list does not parse', asHamlet('POST', '/api/v1/messages/flags', { form: { messages: '[1,', op: 'add', flag: 'read' } }), 400, 'messages is not valid JSON'],
  ['flags with a string for a message id', asHamlet('POST', '/api/v1/messages/flags', { form: { messages: '["a"]', op: 'add', flag: 'read' } }), 400, 'messages[0] is not an integer'],
  ['a 26 MB body', asHamlet('POST', '/api/v1/messages', form(Buffer.alloc(26 * 1024 * 1024, 0x61))), 413, 'Request body too large'],
  ['GET on a POST endpoint', asHamlet('GET', '/api/v1/register_client_device'), 405, 'Method Not Allowed'],
  ['a message id that is not a number', asHamlet('DELETE', '/api/v1/messages/abc'), 404, 'Endpoint not found'],
  ['no credentials', () => world.zulipApi('POST', '/api/v1/users/me/apns_device_token', { form: { token: 'ab' } }), 401, 'Not logged in: API authentication or user session required'],
  ['a wrong API key', () => world.zulipApi('POST', '/api/v1/users/me/apns_device_token', {
    authorization: 'Basic ' + Buffer.from(`${world.people.hamlet.email}:nope`).toString('base64'),
    form: { token: 'ab' },
  }), 401, 'Invalid API key'],
])('the Zulip server, sent %s', (_what, send, status, msg) => {
  it(`should answer ${status} "${msg}"`, async () => {
    const res = await send();

    expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.objectContaining({ result: 'error', msg }) });
  });
});

describe('afterwards', () => {
  it('should have answered every request below 500, and logged no internal error', () => {
    const statuses = (lines: { msg: string }[]) =>
      lines.map((l) => /^\S+\s+[A-Z]+\s+(\d{3})\s/.exec(String(l.msg))?.[1]).filter((s) => s !== undefined).map(Number);
    for (const lines of [world.bouncer.logLines(), world.stack.zulip.logLines()]) {
      expect(statuses(lines).length).toBeGreaterThan(10);
      expect(statuses(lines).filter((s) => s >= 500)).toEqual([]);
      expect(lines.filter((l) => String(l.msg) === 'Internal server error')).toEqual([]);
    }
  });

  it('should have lost no registration, and still deliver', async () => {
    expect(world.bouncer.legacyTokens()).toEqual(before.legacy);
    expect(world.bouncer.e2eeDevices()).toEqual(before.e2ee);
    expect(world.stack.zulip.state.legacyDevices).toHaveLength(before.serverDevices);

    const { hamlet, othello } = world.people;
    const m = await world.send(othello, { to: [hamlet] });
    expect(await hamletIos.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
    const reply = await world.send(hamlet, { to: [othello] });
    expect(await othelloIos.nextNotification()).toMatchObject({ kind: 'message', body: reply.content });
  });
});
