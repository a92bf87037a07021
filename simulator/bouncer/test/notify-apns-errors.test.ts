/**
 * APNs answers that drive token clean-up (§7.2 get_info_from_apns_result; TPN TestAPNs
 * test_not_registered / test_failure): what the mock APNs answers, what the bouncer logs, which
 * rows it deletes, and that it keeps serving after the connection breaks.
 */
import {
  addApnsPhone,
  errorLine,
  FLUTTER_IOS_APP,
  identityOf,
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
  unknownApnsToken,
  warning,
  ZULIP_IOS_APP,
  type NotifyWorld,
  type ZulipServer,
  type ZulipUser,
} from './notify-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

/** Notifies `user` and returns the response and the provider log lines (the "Sending …" line dropped). */
async function push(server: ZulipServer, user: ZulipUser, appleDevices: string[] = []) {
  const mark = logMark(w);
  const payloads = messagePayloads(server, user, { sender: newUser(), content: 'Something is rotten', messageId: 5, time: 1 });
  const res = await notify(w, server, notifyBody(server, user, payloads, { appleDevices }));
  expect(res.status).toBe(200);
  return { body: res.body, log: logSince(w, mark, [PUSH]).filter((l) => !l.msg.startsWith('APNs: Sending notification')) };
}

const rejected = async (token: string, seq: number) => (await w.apns.journal.next(token, { afterSeq: seq, accepted: false })).outcome;

describe('APNs invalid-token answers', () => {
  it('should delete an Unregistered token on every server that has it', async () => {
    const one = await setUpServer(w);
    const two = await setUpServer(w);
    const user = newUser();
    const phone = await addApnsPhone(w, one, user);
    await registerToken(w, two, newUser(), 'apns', phone.toUpperCase());
    w.apns.unregisterDevice(phone);
    const seq = w.apns.journal.stats.lastSeq;

    const { body, log } = await push(one, user, [phone]);
    expect(await rejected(phone, seq)).toMatchObject({ status: 410, reason: 'Unregistered' });
    expect(log).toEqual([info(PUSH, `APNs: Removing invalid/expired token ${phone} (Unregistered)`)]);
    expect(body).toMatchObject({ total_apple_devices: 1, deleted_devices: { android_devices: [], apple_devices: [phone] } });
    expect(tokensOf(w, one)).toEqual([]);
    expect(tokensOf(w, two)).toEqual([]);
  });

  it('should delete a token APNs never issued (BadDeviceToken) and one of another app (DeviceTokenNotForTopic)', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const good = await addApnsPhone(w, server, user);
    const never = unknownApnsToken();
    await registerToken(w, server, user, 'apns', never);
    // The phone runs the Flutter app, but the server registered it for the old app's topic.
    const wrongApp = await addApnsPhone(w, server, user, { topic: FLUTTER_IOS_APP, iosAppId: ZULIP_IOS_APP });
    const seq = w.apns.journal.stats.lastSeq;

    const { body, log } = await push(server, user, [good, never, wrongApp]);
    expect(await rejected(never, seq)).toMatchObject({ status: 400, reason: 'BadDeviceToken' });
    expect(await rejected(wrongApp, seq)).toMatchObject({ status: 400, reason: 'DeviceTokenNotForTopic' });
    expect(log).toEqual([
      info(PUSH, `APNs: Success sending for user ${identityOf(user)} to device ${good}`),
      info(PUSH, `APNs: Removing invalid/expired token ${never} (BadDeviceToken)`),
      info(PUSH, `APNs: Removing invalid/expired token ${wrongApp} (DeviceTokenNotForTopic)`),
    ]);
    expect(body).toMatchObject({ total_apple_devices: 3, deleted_devices: { apple_devices: [never, wrongApp].sort() } });
    expect(tokensOf(w, server)).toEqual([good]);
  });
});

describe('other APNs failures', () => {
  it.each(['TooManyRequests', 'InternalServerError', 'ServiceUnavailable', 'PayloadTooLarge'])(
    'should log a WARNING for %s and keep the token',
    async (reason) => {
      const server = await setUpServer(w);
      const user = newUser();
      const phone = await addApnsPhone(w, server, user);
      const rule = w.apns.rules.add({ match: { device: phone }, action: { kind: 'error', reason }, times: 1 });
      const seq = w.apns.journal.stats.lastSeq;

      const { body, log } = await push(server, user, [phone]);
      expect(await rejected(phone, seq)).toMatchObject({ reason, faultRuleId: rule.id });
      expect(log).toEqual([warning(PUSH, `APNs: Failed to send for user ${identityOf(user)} to device ${phone}: ${reason}`)]);
      expect(body).toMatchObject({ total_apple_devices: 1, deleted_devices: { apple_devices: [] } });
      expect(tokensOf(w, server)).toEqual([phone]);
    },
  );

  it.each(['reset', 'goaway'] as const)('should log a ConnectionError when the mock does %s, keep the token and keep serving', async (kind) => {
    const server = await setUpServer(w);
    const user = newUser();
    const phone = await addApnsPhone(w, server, user);
    w.apns.rules.add({ match: { device: phone }, action: { kind }, times: 1 });
    const seq = w.apns.journal.stats.lastSeq;

    const broken = await push(server, user, [phone]);
    expect((await w.apns.journal.next(phone, { afterSeq: seq, accepted: false })).meta).toMatchObject({ fault: kind });
    expect(broken.log).toEqual([
      errorLine(PUSH, `APNs: ConnectionError sending for user ${identityOf(user)} to device ${phone}; check certificate expiration`),
    ]);
    expect(broken.body).toMatchObject({ total_apple_devices: 1, deleted_devices: { apple_devices: [] } });
    expect(tokensOf(w, server)).toEqual([phone]);

    // The next notification goes through (on a new HTTP/2 session after a GOAWAY).
    const next = await push(server, user, [phone]);
    expect(next.log).toEqual([info(PUSH, `APNs: Success sending for user ${identityOf(user)} to device ${phone}`)]);
    expect((await w.apns.journal.next(phone, { afterSeq: seq })).outcome.accepted).toBe(true);
  });
});

describe('APNs unreachable', () => {
  let down: NotifyWorld;
  beforeAll(async () => {
    down = await startNotifyStack();
  });
  afterAll(() => down.stop());

  it('should log a ConnectionError per device, keep the tokens, still deliver via FCM and answer 200', async () => {
    const server = await setUpServer(down);
    const user = newUser();
    const iphone = await addApnsPhone(down, server, user);
    const { token: android } = down.fcm.createDevice();
    await registerToken(down, server, user, 'fcm', android);
    await down.apns.stop();

    const mark = logMark(down);
    const payloads = messagePayloads(server, user, { sender: newUser(), content: 'x', messageId: 9, time: 1 });
    const res = await notify(down, server, notifyBody(server, user, payloads, { androidDevices: [android], appleDevices: [iphone] }));
    expect(res.body).toMatchObject({
      result: 'success',
      total_android_devices: 1,
      total_apple_devices: 1,
      deleted_devices: { android_devices: [], apple_devices: [] },
    });
    expect(logSince(down, mark, [PUSH]).filter((l) => l.msg.startsWith('APNs:'))).toEqual([
      info(PUSH, `APNs: Sending notification for remote user ${server.identity.uuid}:${identityOf(user)} to 1 devices (skipped 0 duplicates)`),
      errorLine(PUSH, `APNs: ConnectionError sending for user ${identityOf(user)} to device ${iphone}; check certificate expiration`),
    ]);
    expect((await down.fcm.journal.next(android, { afterSeq: 0 })).outcome.accepted).toBe(true);
    expect(tokensOf(down, server).sort()).toEqual([android, iphone].sort());
  });
});
