/** push/register parameters and authentication (§4.1; §15 cases 7 and 8). */
import crypto from 'node:crypto';
import {
  apnsToken,
  devices,
  expectBadRequest,
  expectSuccess,
  fcmToken,
  post,
  PUSH_REGISTER,
  PUSH_UNREGISTER,
  PUSH_UNREGISTER_ALL,
} from './push-register-support';
import { basicAuth, call, DEACTIVATE, randomOrgKey, registerServer, startTestBouncer, type ServerIdentity, type TestBouncer } from './support';

let bouncer: TestBouncer;
let server: ServerIdentity;
beforeAll(async () => {
  bouncer = await startTestBouncer();
  server = await registerServer(bouncer);
});
afterAll(() => bouncer.stop());

const register = (form: Record<string, string>, s: ServerIdentity = server) => post(bouncer, s, PUSH_REGISTER, form);

describe('push/register parameters (case 7)', () => {
  it('should require token, with var_name', async () => {
    const res = await register({ user_id: '10', token_kind: '2' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      result: 'error',
      msg: "Missing 'token' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'token',
    });
  });

  it('should require token_kind, with var_name', async () => {
    const res = await register({ user_id: '10', token: fcmToken() });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      result: 'error',
      msg: "Missing 'token_kind' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'token_kind',
    });
  });

  it('should read parameters in signature order: a bad user_id comes before a missing token', async () => {
    expectBadRequest(await register({ user_id: 'ten' }), 'user_id is not valid JSON');
    expectBadRequest(await register({ user_id: '"10"', token: 'x', token_kind: '2' }), 'user_id is not an integer');
    expectBadRequest(await register({ token: 'x', token_kind: 'fcm' }), 'token_kind is not valid JSON');
  });

  it('should refuse a blank token', async () => {
    expectBadRequest(await register({ user_id: '10', token: '  ', token_kind: '2' }), 'token cannot be blank');
  });

  it('should require a user identity', async () => {
    expectBadRequest(await register({ token: fcmToken(), token_kind: '2' }), 'Missing user_id or user_uuid');
  });

  it('should refuse token kind 17 before looking at the identity', async () => {
    expectBadRequest(await register({ token: fcmToken(), token_kind: '17' }), 'Invalid token type');
    expect(devices(bouncer, server)).toEqual([]);
  });

  it('should accept token_kind and user_id as the digit strings real servers send', async () => {
    const s = await registerServer(bouncer);
    const fcm = fcmToken();
    const apns = apnsToken();
    expectSuccess(await register({ user_id: '10', token: fcm, token_kind: '2' }, s));
    expectSuccess(await register({ user_id: '10', token: apns, token_kind: '1', ios_app_id: 'com.zulip.flutter' }, s));
    expect(devices(bouncer, s).map((d) => [d.user_id, d.kind, d.token])).toEqual([
      [10, 2, fcm],
      [10, 1, apns],
    ]);
  });

  it('should report the server_uuid real servers add as ignored', async () => {
    const res = await register({ user_id: '10', user_uuid: crypto.randomUUID(), token: fcmToken(), token_kind: '2', server_uuid: server.uuid });
    expectSuccess(res, { ignored_parameters_unsupported: ['server_uuid'] });
    const un = await post(bouncer, server, PUSH_UNREGISTER_ALL, { user_id: '10', server_uuid: server.uuid, zzz: '1' });
    expectSuccess(un, { ignored_parameters_unsupported: ['server_uuid', 'zzz'] });
  });

  it('should answer 405 to GET', async () => {
    const res = await call(bouncer, 'GET', PUSH_REGISTER, { auth: server });
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ result: 'error', msg: 'Method Not Allowed', allowed_methods: ['POST'] });
  });
});

describe('push endpoints authentication (case 7)', () => {
  const form = () => ({ user_id: '10', token: fcmToken(), token_kind: '2' });

  it.each([PUSH_REGISTER, PUSH_UNREGISTER, PUSH_UNREGISTER_ALL])('%s should refuse user-email credentials', async (path) => {
    const res = await call(bouncer, 'POST', path, { form: form(), auth: basicAuth('hamlet@zulip.com', randomOrgKey()) });
    expectBadRequest(res, 'Must validate with valid Zulip server API key');
  });

  it.each([PUSH_REGISTER, PUSH_UNREGISTER, PUSH_UNREGISTER_ALL])('%s should answer 401 to a wrong key', async (path) => {
    const res = await call(bouncer, 'POST', path, { form: form(), auth: { uuid: server.uuid, key: randomOrgKey() } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      result: 'error',
      msg: `Zulip server auth failure: key does not match role ${server.uuid}`,
      code: 'UNAUTHORIZED',
    });
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="zulip"');
  });

  it('should answer 401 to an unknown server uuid', async () => {
    const role = crypto.randomUUID();
    const res = await call(bouncer, 'POST', PUSH_REGISTER, { form: form(), auth: { uuid: role, key: randomOrgKey() } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      result: 'error',
      msg: `Zulip server auth failure: ${role} is not registered -- did you run \`manage.py register_server\`?`,
      code: 'UNAUTHORIZED',
    });
  });

  it('should answer 401 to a deactivated server and store nothing', async () => {
    const s = await registerServer(bouncer);
    expectSuccess(await call(bouncer, 'POST', DEACTIVATE, { json: {}, auth: s }));
    const res = await register(form(), s);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      result: 'error',
      msg: 'The mobile push notification service registration for your server has been deactivated',
      code: 'UNAUTHORIZED',
    });
    expect(devices(bouncer, s)).toEqual([]);
  });
});

describe('push/register ios_app_id (case 8)', () => {
  it('should require ios_app_id for APNs only', async () => {
    const s = await registerServer(bouncer);
    const apns = apnsToken();
    expectBadRequest(await register({ user_id: '5', token: apns, token_kind: '1' }, s), 'Missing ios_app_id');
    expect(devices(bouncer, s)).toEqual([]);
    expectSuccess(await register({ user_id: '5', token: apns, token_kind: '1', ios_app_id: 'example.app' }, s));
    const fcm = fcmToken();
    expectSuccess(await register({ user_id: '5', token: fcm, token_kind: '2' }, s));
    expect(devices(bouncer, s).map((d) => [d.kind, d.token, d.ios_app_id])).toEqual([
      [1, apns, 'example.app'],
      [2, fcm, null],
    ]);
  });

  it('should validate the format of ios_app_id', async () => {
    const s = await registerServer(bouncer);
    const bad = await register({ user_id: '5', token: apnsToken(), token_kind: '1', ios_app_id: "'; tables --" }, s);
    expectBadRequest(bad, 'ios_app_id has invalid format');
    // The format is checked before the token: it is a typed_endpoint parameter.
    expectBadRequest(await register({ user_id: '5', token: 'zz', token_kind: '1', ios_app_id: 'a b' }, s), 'ios_app_id has invalid format');
    expectBadRequest(await register({ user_id: '5', token: apnsToken(), token_kind: '1', ios_app_id: '' }, s), 'ios_app_id has invalid format');
    expectBadRequest(await register({ user_id: '5', token: apnsToken(), token_kind: '1', ios_app_id: 'com.zulip\n' }, s), 'ios_app_id has invalid format');
    expect(devices(bouncer, s)).toEqual([]);
    expectSuccess(await register({ user_id: '5', token: apnsToken(), token_kind: '1', ios_app_id: 'com.zulip.apple' }, s));
    expect(devices(bouncer, s).map((d) => d.ios_app_id)).toEqual(['com.zulip.apple']);
  });

  it('should store an ios_app_id sent with an FCM token as given', async () => {
    const s = await registerServer(bouncer);
    expectSuccess(await register({ user_id: '5', token: fcmToken(), token_kind: '2', ios_app_id: 'org.zulip.Zulip' }, s));
    expect(devices(bouncer, s).map((d) => d.ios_app_id)).toEqual(['org.zulip.Zulip']);
  });
});
