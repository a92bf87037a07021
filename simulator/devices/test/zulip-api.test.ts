/**
 * The app-facing device API over HTTP (server-and-app.md §D): Basic auth with email and API key,
 * form-encoded parameters, Zulip's success/error envelope. nock stands in for the server.
 */
import nock from 'nock';
import { HttpZulipAccountApi, ZulipApiError } from '../zulip-api';

const REALM = 'https://chat.example.com';
const AUTH = 'Basic ' + Buffer.from('hamlet@example.com:AbCdEf0123456789').toString('base64');
const SUCCESS = { result: 'success', msg: '' };
const api = new HttpZulipAccountApi({ realmUrl: `${REALM}/`, email: 'hamlet@example.com', apiKey: 'AbCdEf0123456789' });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

/** A server that expects `method path` with exactly this form body, and answers `reply`. */
function expectCall(method: 'post' | 'delete', path: string, form: string, reply: [number, Record<string, unknown>] = [200, SUCCESS]) {
  nock(REALM, { reqheaders: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' } })
    [method](path, (body: unknown) => body === form || new URLSearchParams(body as Record<string, string>).toString() === form)
    .reply(reply[0], reply[1]);
}

it('should add an APNs token with its app id', async () => {
  expectCall('post', '/api/v1/users/me/apns_device_token', 'token=c0ffee&appid=org.zulip.Zulip');
  await api.registerLegacy({ tokenKind: 'apns', token: 'c0ffee', appId: 'org.zulip.Zulip' });
});

it('should remove an APNs token with a DELETE carrying the token', async () => {
  expectCall('delete', '/api/v1/users/me/apns_device_token', 'token=c0ffee');
  await api.unregisterLegacy({ tokenKind: 'apns', token: 'c0ffee' });
});

it('should add and remove an FCM token on android_gcm_reg_id', async () => {
  expectCall('post', '/api/v1/users/me/android_gcm_reg_id', 'token=tok%3AAPA91b');
  expectCall('delete', '/api/v1/users/me/android_gcm_reg_id', 'token=tok%3AAPA91b');
  await api.registerLegacy({ tokenKind: 'fcm', token: 'tok:APA91b' });
  await api.unregisterLegacy({ tokenKind: 'fcm', token: 'tok:APA91b' });
});

it('should create a client device without parameters and return its device_id', async () => {
  expectCall('post', '/api/v1/register_client_device', '', [200, { ...SUCCESS, device_id: 17 }]);
  expect(await api.registerClientDevice()).toEqual({ deviceId: 17 });
});

it('should send mobile_push/register with device_id, the key group and the token group', async () => {
  expectCall(
    'post',
    '/api/v1/mobile_push/register',
    'device_id=17&push_key_id=4000000000&push_key=MTaU%2B%2F&token_kind=apns&token_id=hGsEWGmyyfI%3D&bouncer_public_key=bpk%3D&encrypted_push_registration=sealed%2B%3D',
  );
  await api.registerE2ee({
    deviceId: 17,
    key: { pushKeyId: 4_000_000_000, pushKey: 'MTaU+/' },
    token: { tokenKind: 'apns', tokenId: 'hGsEWGmyyfI=', bouncerPublicKey: 'bpk=', encryptedPushRegistration: 'sealed+=' },
  });
});

it('should send only the key group for a key rotation', async () => {
  expectCall('post', '/api/v1/mobile_push/register', 'device_id=17&push_key_id=5&push_key=MTaU');
  await api.registerE2ee({ deviceId: 17, key: { pushKeyId: 5, pushKey: 'MTaU' } });
});

it('should send the 11.x form with push_account_id and push_key', async () => {
  expectCall('post', '/api/v1/mobile_push/register', 'token_kind=fcm&push_account_id=9&push_key=MTaU&bouncer_public_key=bpk&encrypted_push_registration=sealed');
  await api.registerE2ee11({ tokenKind: 'fcm', pushAccountId: 9, pushKey: 'MTaU', bouncerPublicKey: 'bpk', encryptedPushRegistration: 'sealed' });
});

it('should remove a client device by device_id', async () => {
  expectCall('post', '/api/v1/remove_client_device', 'device_id=17');
  await api.removeClientDevice(17);
});

it("should raise the server's error code and message", async () => {
  expectCall('post', '/api/v1/mobile_push/register', 'device_id=99&push_key_id=5&push_key=MTaU', [400, { result: 'error', msg: 'Invalid `device_id`', code: 'BAD_REQUEST' }]);
  const error = await api.registerE2ee({ deviceId: 99, key: { pushKeyId: 5, pushKey: 'MTaU' } }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ZulipApiError);
  expect(error).toMatchObject({ status: 400, code: 'BAD_REQUEST', msg: 'Invalid `device_id`' });
});
