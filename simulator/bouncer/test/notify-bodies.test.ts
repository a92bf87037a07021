/**
 * Bodies push/notify refuses (§1.2 JsonBodyPayload, §1.4, §5.1 steps 1–2): malformed JSON,
 * ill-typed fields, no user identity, a realm of another server. Each is refused before any
 * device is looked up, so nothing reaches a provider.
 */
import { basicAuth, call } from './support';
import {
  addFcmPhone,
  error,
  logMark,
  logSince,
  messagePayloads,
  newUser,
  NOTIFY,
  notify,
  notifyBody,
  serverRow,
  setUpServer,
  startNotifyStack,
  statusAndBody,
  VIEWS,
  warning,
  type NotifyWorld,
  type ZulipServer,
} from './notify-support';

let w: NotifyWorld;
let server: ZulipServer;
let phone: string;
const user = newUser();
beforeAll(async () => {
  w = await startNotifyStack();
  server = await setUpServer(w);
  phone = await addFcmPhone(w, server, user);
});
afterAll(() => w.stop());
afterEach(() => {
  // Whatever the body, the phone was never pushed to.
  expect(w.fcm.journal.list({ device: phone })).toEqual([]);
});

const raw = (body: string | Buffer, contentType = 'application/json') =>
  call(w.bouncer, 'POST', NOTIFY, { body, contentType, headers: { authorization: basicAuth(server.identity.uuid, server.identity.key) } });
const badRequest = (msg: string) => error(400, 'BAD_REQUEST', msg);
const valid = () => notifyBody(server, user, messagePayloads(server, user, { sender: newUser(), content: 'x', messageId: 1, time: 1 }));

describe('push/notify bodies', () => {
  it('should refuse a body that is not JSON, or not UTF-8', async () => {
    expect(statusAndBody(await raw('{"user_id": 10,'))).toEqual(badRequest('Malformed JSON'));
    expect(statusAndBody(await raw(''))).toEqual(badRequest('Malformed JSON'));
    // Form-encoded, as a confused client might send it: still read as one JSON document.
    expect(statusAndBody(await raw('user_id=10', 'application/x-www-form-urlencoded'))).toEqual(badRequest('Malformed JSON'));
    expect(statusAndBody(await raw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])))).toEqual(badRequest('Malformed payload'));
  });

  it('should refuse a JSON document that is not an object', async () => {
    expect(statusAndBody(await raw('[]'))).toEqual(badRequest('payload is not a dict'));
    expect(statusAndBody(await raw('null'))).toEqual(badRequest('payload is not a dict'));
  });

  it.each([
    ['user_id', '10', 'payload["user_id"] is not an integer'],
    ['user_id', 10.5, 'payload["user_id"] is not an integer'],
    ['user_id', true, 'payload["user_id"] is not an integer'],
    ['user_uuid', 5, 'payload["user_uuid"] is not a string'],
    ['realm_uuid', [], 'payload["realm_uuid"] is not a string'],
    ['gcm_payload', [], 'payload["gcm_payload"] is not a dict'],
    ['apns_payload', 'hi', 'payload["apns_payload"] is not a dict'],
    ['gcm_options', null, 'payload["gcm_options"] is not a dict'],
    ['android_devices', 'tok', 'payload["android_devices"] is not a list'],
    ['apple_devices', ['ab', 7], 'payload["apple_devices"][1] is not a string'],
  ])('should refuse %s = %j', async (key, value, msg) => {
    expect(statusAndBody(await notify(w, server, { ...valid(), [key]: value }))).toEqual(badRequest(msg));
  });

  it('should ignore keys the model does not know, and take null for an absent user_id', async () => {
    const other = newUser();
    const otherPhone = await addFcmPhone(w, server, other);
    const body = notifyBody(server, other, messagePayloads(server, other, { sender: newUser(), content: 'x', messageId: 1, time: 1 }));
    const res = await notify(w, server, { ...body, user_id: null, extra: 'ignored', zulip_version: '11.0' });
    expect(res.body).toMatchObject({ result: 'success', total_android_devices: 1 });
    expect((await w.fcm.journal.next(otherPhone, { afterSeq: 0 })).outcome.accepted).toBe(true);
  });

  it('should refuse a request without a user identity, and realm_uuid without user_uuid', async () => {
    const { user_id: _id, user_uuid: _uuid, realm_uuid: _realm, ...anonymous } = valid();
    expect(statusAndBody(await notify(w, server, anonymous))).toEqual(badRequest('Missing user_id or user_uuid'));
    expect(statusAndBody(await notify(w, server, { ...anonymous, user_id: null, user_uuid: null }))).toEqual(
      badRequest('Missing user_id or user_uuid'),
    );
    // Zulip asserts here (a 500); the simulator names the missing field instead.
    expect(statusAndBody(await notify(w, server, { ...anonymous, user_id: user.id, realm_uuid: server.realm.uuid }))).toEqual({
      status: 400,
      body: { result: 'error', msg: "Missing 'user_uuid' argument", code: 'REQUEST_VARIABLE_MISSING', var_name: 'user_uuid' },
    });
  });

  it("should refuse another server's realm with 403 and a WARNING", async () => {
    const other = await setUpServer(w);
    const mark = logMark(w);
    const res = await notify(w, server, { ...valid(), realm_uuid: other.realm.uuid });
    expect(statusAndBody(res)).toEqual(
      error(
        403,
        'REMOTE_REALM_SERVER_MISMATCH_ERROR',
        'Your organization is registered to a different Zulip server. Please contact Zulip support for assistance in resolving this issue.',
      ),
    );
    expect(logSince(w, mark)).toEqual([
      warning(VIEWS, `/api/v1/remotes/push/notify: Realm ${other.realm.uuid} exists, but not registered to server ${serverRow(w, server).id}`),
    ]);
  });

  it('should answer 405 to GET', async () => {
    const res = await call(w.bouncer, 'GET', NOTIFY, { auth: server.identity });
    expect(statusAndBody(res)).toEqual({ status: 405, body: { result: 'error', msg: 'Method Not Allowed', allowed_methods: ['POST'] } });
  });
});
