/**
 * FCM answers that drive token clean-up (§7.1; TPN TestSendAndroidPushNotification
 * test_not_registered / test_failure): UnregisteredError deletes the token everywhere, any other
 * per-message error is a WARNING naming firebase_admin's exception class, and the token stays.
 */
import {
  addFcmPhone,
  info,
  logMark,
  logSince,
  messagePayloads,
  newUser,
  notify,
  notifyBody,
  PUSH,
  registerToken,
  setUpServer,
  startNotifyStack,
  tokensOf,
  warning,
  type NotifyWorld,
  type ZulipServer,
  type ZulipUser,
} from './notify-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

/** Notifies `user`; returns the response body and the FCM lines but "FCM: Sending notification …". */
async function push(server: ZulipServer, user: ZulipUser, androidDevices: string[] = []) {
  const mark = logMark(w);
  const payloads = messagePayloads(server, user, { sender: newUser(), content: 'The rest is silence', messageId: 6, time: 1 });
  const res = await notify(w, server, notifyBody(server, user, payloads, { androidDevices }));
  expect(res.status).toBe(200);
  const log = logSince(w, mark, [PUSH]).filter((l) => l.msg.startsWith('FCM:') && !l.msg.startsWith('FCM: Sending notification'));
  return { body: res.body, log };
}

const rejected = async (token: string, seq: number) => (await w.fcm.journal.next(token, { afterSeq: seq, accepted: false })).outcome;

describe('FCM UNREGISTERED', () => {
  it('should delete the token on every server and report it in deleted_devices', async () => {
    const one = await setUpServer(w);
    const two = await setUpServer(w);
    const user = newUser();
    const phone = await addFcmPhone(w, one, user);
    const kept = await addFcmPhone(w, one, user);
    await registerToken(w, two, newUser(), 'fcm', phone);
    w.fcm.unregisterDevice(phone);
    const seq = w.fcm.journal.stats.lastSeq;

    const { body, log } = await push(one, user, [phone, kept]);
    expect(await rejected(phone, seq)).toMatchObject({ status: 404, reason: 'UNREGISTERED' });
    const sent = await w.fcm.journal.next(kept, { afterSeq: seq });
    expect(log).toEqual([
      info(PUSH, `FCM: Removing ${phone} due to NOT_FOUND`),
      info(PUSH, `FCM: Sent message with ID: ${sent.id} to ${kept}`),
    ]);
    expect(body).toMatchObject({ total_android_devices: 2, deleted_devices: { android_devices: [phone], apple_devices: [] } });
    expect(tokensOf(w, one)).toEqual([kept]);
    expect(tokensOf(w, two)).toEqual([]);
  });
});

describe('other FCM errors', () => {
  it.each([
    ['QUOTA_EXCEEDED', "<class 'firebase_admin._messaging_utils.QuotaExceededError'>:Quota exceeded for sending messages."],
    ['INTERNAL', "<class 'firebase_admin.exceptions.InternalError'>:Internal error encountered."],
    ['UNAVAILABLE', "<class 'firebase_admin.exceptions.UnavailableError'>:The service is currently unavailable."],
    ['THIRD_PARTY_AUTH_ERROR', "<class 'firebase_admin._messaging_utils.ThirdPartyAuthError'>:Auth error from APNS or Web Push Service"],
  ])('should log a WARNING for %s and keep the token', async (reason, described) => {
    const server = await setUpServer(w);
    const user = newUser();
    const phone = await addFcmPhone(w, server, user);
    const rule = w.fcm.rules.add({ match: { device: phone }, action: { kind: 'error', reason }, times: 1 });
    const seq = w.fcm.journal.stats.lastSeq;

    const { body, log } = await push(server, user, [phone]);
    expect(await rejected(phone, seq)).toMatchObject({ reason, faultRuleId: rule.id });
    expect(log).toEqual([warning(PUSH, `FCM: Delivery failed for ${phone}: ${described}`)]);
    expect(body).toMatchObject({ total_android_devices: 1, deleted_devices: { android_devices: [] } });
    expect(tokensOf(w, server)).toEqual([phone]);
  });

  it('should keep a token FCM calls invalid (INVALID_ARGUMENT) or of another sender (SENDER_ID_MISMATCH)', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const garbage = 'not-a-registration-token';
    await registerToken(w, server, user, 'fcm', garbage);
    await w.fcm.addProject('another-app');
    const { token: foreign } = w.fcm.createDevice('another-app');
    await registerToken(w, server, user, 'fcm', foreign);
    const seq = w.fcm.journal.stats.lastSeq;

    const { log } = await push(server, user);
    expect(await rejected(garbage, seq)).toMatchObject({ status: 400, reason: 'INVALID_ARGUMENT' });
    expect(await rejected(foreign, seq)).toMatchObject({ status: 403, reason: 'SENDER_ID_MISMATCH' });
    expect(log).toEqual([
      warning(PUSH, `FCM: Delivery failed for ${garbage}: <class 'firebase_admin.exceptions.InvalidArgumentError'>:The registration token is not a valid FCM registration token`),
      warning(PUSH, `FCM: Delivery failed for ${foreign}: <class 'firebase_admin._messaging_utils.SenderIdMismatchError'>:SenderId mismatch`),
    ]);
    expect(tokensOf(w, server)).toEqual([garbage, foreign]);
  });

  it('should log a failed delivery when the connection is reset, keep the token and keep serving', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const phone = await addFcmPhone(w, server, user);
    w.fcm.rules.add({ match: { device: phone }, action: { kind: 'reset' }, times: 1 });
    const seq = w.fcm.journal.stats.lastSeq;

    const broken = await push(server, user, [phone]);
    expect(broken.log).toHaveLength(1);
    expect(broken.log[0]).toMatchObject({ level: 40, logger: PUSH });
    expect(broken.log[0]!.msg).toMatch(new RegExp(`^FCM: Delivery failed for ${phone}: <class 'firebase_admin\\.exceptions\\.UnavailableError'>:Failed to establish a connection: .+`));
    expect(tokensOf(w, server)).toEqual([phone]);

    const next = await push(server, user, [phone]);
    const sent = await w.fcm.journal.next(phone, { afterSeq: seq });
    expect(next.log).toEqual([info(PUSH, `FCM: Sent message with ID: ${sent.id} to ${phone}`)]);
  });
});
