/**
 * push/e2ee/notify when the providers call a token dead (§7.3; TE2 test_invalid_or_expired_token,
 * test_early_return_if_expired_time_set): APNs Unregistered / BadDeviceToken /
 * DeviceTokenNotForTopic and FCM UNREGISTERED expire the device (expired_time = now) and return
 * its id for deletion; later notifies skip it and return it again. Other errors are only logged.
 */
import type { E2eeSetup } from './e2ee-app';
import {
  apnsSince,
  encryptFor,
  ERROR,
  expiredTime,
  fcmSince,
  INFO,
  logContext,
  mark,
  newOrg,
  notify,
  nowSeconds,
  pushLogSince,
  pushRequest,
  realmCount,
  registerPhone,
  removePlaintext,
  startNotifyStack,
  stopNotifyStack,
  successBody,
  WARN,
  type NotifyEnv,
  type Phone,
} from './e2ee-notify-support';

const APNS_LOG = 'zerver.lib.push_notifications';
const FCM_LOG = 'zilencer.lib.push_notifications';

describe.each([11, 12] as const)('push/e2ee/notify invalid or expired tokens (%i.x)', (profile) => {
  let env: NotifyEnv;
  beforeAll(async () => {
    env = await startNotifyStack(profile);
  });
  afterAll(() => stopNotifyStack(env));

  const requests = (phones: Phone[]) => phones.map((p) => pushRequest(env, p, encryptFor(p, removePlaintext())));

  it('should expire dead tokens, return them for deletion, and never send to them again', async () => {
    const org = await newOrg(env);
    const uninstalled = await registerPhone(env, org, 'apns');
    env.stack.apns.unregisterDevice(uninstalled.token);
    const neverIssued = await registerPhone(env, org, 'apns', { mockTopic: null });
    const otherApp = await registerPhone(env, org, 'apns', { mockTopic: 'com.zulip.flutter' });
    const goneAndroid = await registerPhone(env, org, 'fcm');
    env.stack.fcm.unregisterDevice(goneAndroid.token);
    const ios = await registerPhone(env, org, 'apns');
    const android = await registerPhone(env, org, 'fcm');
    const dead = [uninstalled, neverIssued, otherApp, goneAndroid];
    const all = [uninstalled, ios, neverIssued, goneAndroid, otherApp, android];

    env.bouncer.clock.advance(60_000);
    const firstTime = nowSeconds(env);
    const m = mark(env);
    const res = await notify(env, org, requests(all));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(successBody(env, 1, 1, [uninstalled.id, neverIssued.id, goneAndroid.id, otherApp.id]));

    // What each provider answered.
    const outcome = (e: { device: string | null; outcome: { status: number; reason: string | null } }) => [e.device, e.outcome.status, e.outcome.reason];
    expect(apnsSince(env, m).map(outcome).sort()).toEqual(
      [
        [uninstalled.token, 410, 'Unregistered'],
        [neverIssued.token, 400, 'BadDeviceToken'],
        [otherApp.token, 400, 'DeviceTokenNotForTopic'],
        [ios.token, 200, null],
      ].sort(),
    );
    expect(fcmSince(env, m).map(outcome).sort()).toEqual([[goneAndroid.token, 404, 'UNREGISTERED'], [android.token, 200, null]].sort());

    for (const p of dead) expect(expiredTime(env, org, p)).toBe(firstTime);
    for (const p of [ios, android]) expect(expiredTime(env, org, p)).toBeNull();

    const lines = pushLogSince(env, m);
    const fcmId = fcmSince(env, m).find((e) => e.device === android.token)!.id;
    expect(lines).toHaveLength(6);
    expect(lines).toEqual(
      expect.arrayContaining([
        { logger: APNS_LOG, level: INFO, msg: `APNs: Removing invalid/expired token ${uninstalled.token} (Unregistered)` },
        { logger: APNS_LOG, level: INFO, msg: `APNs: Removing invalid/expired token ${neverIssued.token} (BadDeviceToken)` },
        { logger: APNS_LOG, level: INFO, msg: `APNs: Removing invalid/expired token ${otherApp.token} (DeviceTokenNotForTopic)` },
        { logger: APNS_LOG, level: INFO, msg: `APNs: Success sending to ${logContext(env, org, ios)}` },
        { logger: FCM_LOG, level: INFO, msg: `FCM: Removing ${goneAndroid.token} due to NOT_FOUND` },
        { logger: FCM_LOG, level: INFO, msg: `FCM: Sent message with ID: ${fcmId} to ${logContext(env, org, android)}` },
      ]),
    );
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_received::day')).toBe(6);
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_forwarded::day')).toBe(2);

    // The next notify: no send for an expired device, its id again in the delete list.
    env.bouncer.clock.advance(60_000);
    const m2 = mark(env);
    const again = await notify(env, org, requests(all));
    expect(again.body).toEqual(successBody(env, 1, 1, [uninstalled.id, neverIssued.id, goneAndroid.id, otherApp.id]));
    await env.stack.apns.journal.next(ios.token, { afterSeq: m2.apns });
    await env.stack.fcm.journal.next(android.token, { afterSeq: m2.fcm });
    expect(apnsSince(env, m2).map((e) => e.device)).toEqual([ios.token]);
    expect(fcmSince(env, m2).map((e) => e.device)).toEqual([android.token]);
    expect(pushLogSince(env, m2).map((l) => l.msg.split(' ').slice(0, 2).join(' ')).sort()).toEqual(['APNs: Success', 'FCM: Sent']);
    for (const p of dead) expect(expiredTime(env, org, p)).toBe(firstTime);
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_received::day')).toBe(12);
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_forwarded::day')).toBe(4);
  });

  it('should report an expired device alone without contacting any provider', async () => {
    const org = await newOrg(env);
    const gone = await registerPhone(env, org, 'fcm');
    env.stack.fcm.unregisterDevice(gone.token);
    expect((await notify(env, org, requests([gone]))).body).toEqual(successBody(env, 0, 0, [gone.id]));
    const m = mark(env);
    expect((await notify(env, org, requests([gone]))).body).toEqual(successBody(env, 0, 0, [gone.id]));
    expect(fcmSince(env, m)).toEqual([]);
    expect(pushLogSince(env, m)).toEqual([]);
  });

  describe('other provider errors', () => {
    let org: E2eeSetup;
    beforeAll(async () => {
      org = await newOrg(env);
    });

    it('should log them, keep the devices and send to them next time', async () => {
      const busy = await registerPhone(env, org, 'apns');
      const broken = await registerPhone(env, org, 'apns');
      const quota = await registerPhone(env, org, 'fcm');
      const internal = await registerPhone(env, org, 'fcm');
      const invalid = await registerPhone(env, org, 'fcm', { mockTopic: null });
      const { rules: apnsRules } = env.stack.apns;
      const { rules: fcmRules } = env.stack.fcm;
      apnsRules.add({ match: { device: busy.token }, action: { kind: 'error', reason: 'TooManyRequests' }, times: 1 });
      apnsRules.add({ match: { device: broken.token }, action: { kind: 'reset' }, times: 1 });
      fcmRules.add({ match: { device: quota.token }, action: { kind: 'error', reason: 'QUOTA_EXCEEDED' }, times: 1 });
      fcmRules.add({ match: { device: internal.token }, action: { kind: 'error', reason: 'INTERNAL' }, times: 1 });
      const phones = [busy, broken, quota, internal, invalid];

      const m = mark(env);
      const res = await notify(env, org, requests(phones));
      expect(res.body).toEqual(successBody(env, 0, 0, []));
      for (const p of phones) expect(expiredTime(env, org, p)).toBeNull();

      const message = (p: Phone) => JSON.parse(fcmSince(env, m).find((e) => e.device === p.token)!.outcome.responseBody).error.message as string;
      expect(message(quota)).toBe('Quota exceeded for sending messages.');
      const lines = pushLogSince(env, m);
      expect(lines).toHaveLength(5);
      expect(lines).toEqual(
        expect.arrayContaining([
          { logger: APNS_LOG, level: WARN, msg: `APNs: Failed to send to ${logContext(env, org, busy)}: TooManyRequests` },
          { logger: APNS_LOG, level: ERROR, msg: `APNs: ConnectionError sending to ${logContext(env, org, broken)}; check certificate expiration` },
          {
            logger: FCM_LOG,
            level: WARN,
            msg: `FCM: Delivery failed for ${logContext(env, org, quota)}: <class 'firebase_admin._messaging_utils.QuotaExceededError'>:${message(quota)}`,
          },
          {
            logger: FCM_LOG,
            level: WARN,
            msg: `FCM: Delivery failed for ${logContext(env, org, internal)}: <class 'firebase_admin.exceptions.InternalError'>:${message(internal)}`,
          },
          {
            logger: FCM_LOG,
            level: WARN,
            msg: `FCM: Delivery failed for ${logContext(env, org, invalid)}: <class 'firebase_admin.exceptions.InvalidArgumentError'>:${message(invalid)}`,
          },
        ]),
      );

      // The rules fired once: the same devices now get their notifications (the one APNs never
      // issued a token for keeps failing, and is still not expired).
      const m2 = mark(env);
      const again = await notify(env, org, requests(phones));
      expect(again.body).toEqual(successBody(env, 2, 2, []));
      for (const p of [busy, broken]) await env.stack.apns.journal.next(p.token, { afterSeq: m2.apns });
      for (const p of [quota, internal]) await env.stack.fcm.journal.next(p.token, { afterSeq: m2.fcm });
      expect(expiredTime(env, org, invalid)).toBeNull();
    });
  });
});
