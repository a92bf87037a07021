/**
 * What the server does with notify and analytics answers: pure functions over realms and
 * device lists, with Zulip's log lines.
 */
import type { E2eePushDevice, LegacyPushDevice } from '../../types';
import {
  BouncerJsonDecodeError,
  BouncerJsonableError,
  PushNotificationBouncerRetryLaterError,
  PushNotificationBouncerServerError,
} from '../errors';
import {
  applyAnalyticsRealms,
  maybeMarkPushesDisabled,
  pushesRecentlyWorking,
  reactToE2eeNotify,
  reactToLegacyNotify,
  type ReactionLog,
} from '../reactions';
import type { E2eeNotifyResponse, PushNotifyResponse } from '../wire';
import { realmFixture } from './support';

function recorder(): { log: ReactionLog; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, msg, logger) => lines.push(`${level}:${logger}:${msg}`) };
}

const legacy = (userId: number, kind: 'apns' | 'fcm', token: string): LegacyPushDevice => ({
  userId,
  kind,
  token,
  iosAppId: kind === 'apns' ? 'com.zulip.flutter' : null,
});

const notifyResponse = (over: Partial<PushNotifyResponse> = {}): PushNotifyResponse => ({
  result: 'success',
  msg: '',
  total_android_devices: 2,
  total_apple_devices: 1,
  deleted_devices: { android_devices: [], apple_devices: [] },
  realm: { can_push: true, expected_end_timestamp: null },
  ...over,
});

describe('push/notify answers', () => {
  it('should delete the tokens the bouncer no longer has (any user, matching kind) and log them sorted', () => {
    const devices = [legacy(10, 'fcm', 'f-b'), legacy(10, 'fcm', 'f-a'), legacy(11, 'fcm', 'f-a'), legacy(10, 'apns', 'f-a'), legacy(10, 'apns', 'ab12')];
    const { log, lines } = recorder();
    const out = reactToLegacyNotify(
      { realm: realmFixture(), userId: 10, devices },
      notifyResponse({ deleted_devices: { android_devices: ['f-b', 'f-a'], apple_devices: ['ab12'] } }),
      log,
    );
    expect(out.devices).toEqual([legacy(10, 'apns', 'f-a')]);
    expect(lines).toEqual([
      "info:zerver.lib.push_notifications:Deleting push tokens based on response from bouncer: Android: ['f-a', 'f-b'], Apple: ['ab12']",
      'info:zerver.lib.push_notifications:Sent mobile push notifications for user 10 through bouncer: 2 via FCM devices, 1 via APNs devices',
    ]);
    expect(out.pushesSent).toBe(3);
  });

  it("should mirror the bouncer's can_push and expected_end_timestamp into the realm", () => {
    const realm = realmFixture({ pushNotificationsEnabled: false });
    const out = reactToLegacyNotify(
      { realm, userId: 1, devices: [] },
      notifyResponse({ realm: { can_push: true, expected_end_timestamp: 1_800_000_000 } }),
    );
    expect(out.realm).toEqual({ ...realm, pushNotificationsEnabled: true, pushNotificationsEnabledEndTimestamp: 1_800_000_000 });
    expect(out.pushesWorking).toBe(true);
    expect(realm.pushNotificationsEnabled).toBe(false); // inputs are not mutated
  });

  it('should leave the realm alone when the bouncer does not know it (realm: null)', () => {
    const realm = realmFixture({ pushNotificationsEnabled: false });
    const out = reactToLegacyNotify({ realm, userId: 1, devices: [] }, notifyResponse({ realm: null }));
    expect(out.realm).toBe(realm);
    expect(out.pushesWorking).toBe(false);
  });
});

describe('push/e2ee/notify answers', () => {
  const device = (deviceId: number, tokenId: string): E2eePushDevice => ({
    userId: 10,
    deviceId,
    tokenKind: 'fcm',
    pushKey: new Uint8Array(33),
    pushKeyId: deviceId,
    tokenId,
  });
  const e2eeResponse = (over: Partial<E2eeNotifyResponse> = {}): E2eeNotifyResponse => ({
    result: 'success',
    msg: '',
    apple_successfully_sent_count: 1,
    android_successfully_sent_count: 0,
    delete_token_ids: [],
    realm_push_status: { can_push: false, expected_end_timestamp: null },
    ...over,
  });

  it('should clear the devices of delete_token_ids (12.x) with the INFO line', () => {
    const { log, lines } = recorder();
    const out = reactToE2eeNotify(
      { realm: realmFixture(), devices: [device(1, 'hGsEWGmyyfI='), device(2, 'AAAAAAAAAAE=')] },
      e2eeResponse({ delete_token_ids: ['hGsEWGmyyfI='] }),
      log,
    );
    expect(out.devices.map((d) => d.deviceId)).toEqual([2]);
    expect(out.clearedTokenIds).toEqual(['hGsEWGmyyfI=']);
    expect(lines).toEqual([
      "info:zerver.lib.push_notifications:Clearing `push_token_id` for Device rows with the following token IDs based on response from bouncer: ['hGsEWGmyyfI=']",
    ]);
    expect(out.realm.pushNotificationsEnabled).toBe(false);
    expect(out.pushesSent).toBe(1);
  });

  it('should delete by bouncer device id (11.x) when the caller maps devices to them', () => {
    const { log, lines } = recorder();
    const ids = new Map([[1, 17], [2, 18]]);
    const out = reactToE2eeNotify(
      { realm: realmFixture(), devices: [device(1, 'a'), device(2, 'b')], bouncerDeviceIdOf: (d) => ids.get(d.deviceId) },
      e2eeResponse({ delete_token_ids: undefined, delete_device_ids: [18] }),
      log,
    );
    expect(out.devices.map((d) => d.deviceId)).toEqual([1]);
    expect(lines).toEqual([
      'info:zerver.lib.push_notifications:Deleting PushDevice rows with the following device IDs based on response from bouncer: [18]',
    ]);
  });

  it('should flag a test notification whose every device came back for deletion', () => {
    const input = { realm: realmFixture(), devices: [device(1, 'a'), device(2, 'b')], requested: ['a', 'b'], isTest: true };
    expect(reactToE2eeNotify(input, e2eeResponse({ delete_token_ids: ['b', 'a'] })).noActivePushDevice).toBe(true);
    expect(reactToE2eeNotify(input, e2eeResponse({ delete_token_ids: ['a'] })).noActivePushDevice).toBe(false);
    expect(reactToE2eeNotify({ ...input, isTest: false }, e2eeResponse({ delete_token_ids: ['a', 'b'] })).noActivePushDevice).toBe(false);
  });
});

describe('analytics answers', () => {
  it('should apply each realm status and warn about unknown realm uuids', () => {
    const a = realmFixture({ pushNotificationsEnabled: false });
    const b = realmFixture();
    const { log, lines } = recorder();
    const unknown = '4d5e6f70-0000-4000-8000-00000000ffff';
    const out = applyAnalyticsRealms(
      [a, b],
      {
        [a.uuid]: { can_push: true, expected_end_timestamp: 1_900_000_000 },
        [unknown]: { can_push: true, expected_end_timestamp: null },
        [b.uuid]: { can_push: false, expected_end_timestamp: null },
      },
      log,
    );
    expect(out.realms.map((r) => [r.pushNotificationsEnabled, r.pushNotificationsEnabledEndTimestamp])).toEqual([
      [true, 1_900_000_000],
      [false, null],
    ]);
    expect(out.unexpectedRealmUuids).toEqual([unknown]);
    expect(lines).toEqual([`warn:zulip.analytics:Received unexpected realm UUID from bouncer ${unknown}`]);
  });
});

describe('maybe_mark_pushes_disabled', () => {
  const realms = () => [realmFixture(), realmFixture({ pushNotificationsEnabled: false })];

  it('should do nothing for a 5xx', () => {
    const { log, lines } = recorder();
    const rs = realms();
    const out = maybeMarkPushesDisabled(rs, new PushNotificationBouncerServerError('Received 502 from push notification bouncer'), {
      recentlyWorking: false,
      log,
    });
    expect(out).toEqual({ realms: rs, disabled: false });
    expect(lines).toEqual([]);
  });

  it('should warn and disable every realm for a network error, unless pushes worked in the last hour', () => {
    const err = new PushNotificationBouncerRetryLaterError('ConnectionError while trying to connect to push notification bouncer');
    const { log, lines } = recorder();
    const out = maybeMarkPushesDisabled(realms(), err, { recentlyWorking: false, log });
    expect(out.disabled).toBe(true);
    expect(out.realms.every((r) => !r.pushNotificationsEnabled && r.pushNotificationsEnabledEndTimestamp === null)).toBe(true);
    expect(lines).toEqual(['warn:zulip.analytics:ConnectionError while trying to connect to push notification bouncer']);

    expect(maybeMarkPushesDisabled(realms(), err, { recentlyWorking: true }).disabled).toBe(false);
    expect(pushesRecentlyWorking(0, 59 * 60 * 1000)).toBe(true);
    expect(pushesRecentlyWorking(0, 61 * 60 * 1000)).toBe(false);
    expect(pushesRecentlyWorking(null, 0)).toBe(false);
  });

  it('should log an unparseable answer as an exception and disable', () => {
    const { log, lines } = recorder();
    const out = maybeMarkPushesDisabled(realms(), new BouncerJsonDecodeError('server/analytics/status', 200), {
      recentlyWorking: false,
      servicesUrl: 'https://push.example.com',
      log,
    });
    expect(out.disabled).toBe(true);
    expect(lines).toEqual(['error:zulip.analytics:Exception communicating with https://push.example.com']);
  });

  it('should disable for an auth failure (a plain JsonableError)', () => {
    const err = new BouncerJsonableError('Zulip server auth failure: key does not match role x', { status: 401, code: 'UNAUTHORIZED' });
    expect(maybeMarkPushesDisabled(realms(), err, { recentlyWorking: false }).disabled).toBe(true);
  });
});
