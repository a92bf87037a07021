/** Registration tokens: created by simulated phones, refused by FCM's rules once gone or foreign. */
import { createCertificateAuthority } from '../../core/tls';
import { REGISTRATION_TOKEN_PATTERN } from '../index';
import { accessToken, send, startTestFcm, type TestFcm } from './support';

let fcm: TestFcm;
let token: string;

beforeAll(async () => {
  fcm = await startTestFcm({ seed: 42 });
  token = await accessToken(fcm);
});
afterAll(() => fcm.stop());

const fcmError = (code: number, status: string, errorCode: string, message: string) => ({
  error: { code, message, status, details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] },
});

it('should hand out tokens in the current FCM format', () => {
  const phone = fcm.createDevice(undefined, { label: "Hamlet's Pixel" });
  expect(phone.token).toMatch(REGISTRATION_TOKEN_PATTERN);
  expect(phone).toMatchObject({ scope: fcm.projectId, state: 'active', label: "Hamlet's Pixel" });
});

it('should answer success with the message name, and journal what the phone receives', async () => {
  const phone = fcm.createDevice().token;
  const res = await send(fcm, { token: phone, data: { event: 'message', zulip_message_id: '7' }, android: { priority: 'high' } }, { token });
  expect(res.status).toBe(200);
  expect(res.json.name).toMatch(new RegExp(`^projects/${fcm.projectId}/messages/0:\\d{16}%[0-9a-f]{16}$`));
  const entry = await fcm.journal.next(phone, { afterSeq: 0 });
  expect(entry.id).toBe(res.json.name);
  expect(entry.notification).toMatchObject({
    name: res.json.name,
    target: { kind: 'token', token: phone },
    priority: 'high',
    ttlSeconds: 2419200,
    data: { event: 'message', zulip_message_id: '7' },
    notification: null,
  });
});

it('should refuse a well-formed token nobody registered with 400 INVALID_ARGUMENT', async () => {
  const stranger = 'a'.repeat(22) + ':APA91b' + 'b'.repeat(134);
  expect(stranger).toMatch(REGISTRATION_TOKEN_PATTERN);
  const res = await send(fcm, { token: stranger }, { token });
  expect(res.json).toEqual(fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token'));
});

it('should answer 404 UNREGISTERED once the app is uninstalled', async () => {
  const phone = fcm.createDevice().token;
  fcm.unregisterDevice(phone);
  const res = await send(fcm, { token: phone, data: { a: 'b' } }, { token });
  expect(res.json).toEqual(fcmError(404, 'NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.'));
});

it('should answer 403 SENDER_ID_MISMATCH for a token of another project', async () => {
  await fcm.addProject('other-sender-1');
  const foreign = fcm.createDevice('other-sender-1').token;
  const res = await send(fcm, { token: foreign }, { token });
  expect(res.json).toEqual(fcmError(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH', 'SenderId mismatch'));
});

it('should replay the same tokens and message ids for the same seed', async () => {
  const ca = createCertificateAuthority('Replay CA');
  await using a = await startTestFcm({ seed: 7, ca });
  await using b = await startTestFcm({ seed: 7, ca });
  await using c = await startTestFcm({ seed: 8, ca });
  const tokensOf = (m: TestFcm) => [m.createDevice().token, m.createDevice().token];
  const [ta, tb, tc] = [tokensOf(a), tokensOf(b), tokensOf(c)];
  expect(ta).toEqual(tb);
  expect(tc).not.toEqual(ta);
  // Same seed, same virtual start time: the same message name.
  const nameOf = async (m: TestFcm, phone: string) => (await send(m, { token: phone })).json.name as string;
  expect(await nameOf(a, ta[0]!)).toBe(await nameOf(b, tb[0]!));
});
