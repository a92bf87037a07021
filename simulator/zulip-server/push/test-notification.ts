/**
 * Test notifications, sent while the API request waits (no queue, no retries):
 *
 *  - legacy `POST /api/v1/mobile_push/test_notification` (server-and-app.md §D.1;
 *    send_test_push_notification_api): one `push/test_notification` per device — the user's
 *    legacy registrations, or the one named by `token`. The bouncer builds the payloads.
 *  - E2EE `POST /api/v1/mobile_push/e2ee/test_notification` (§A.4 test bullet, §B.2;
 *    send_e2ee_test_push_notification_api): the `type: "test"` plaintext encrypted for the user's
 *    E2EE devices (12.x Device rows with a token id, optionally only `device_id`; 11.x PushDevice
 *    rows, optionally only `push_account_id`), one `push/e2ee/notify`.
 *
 * Errors are Zulip's: `Device not recognized` (INVALID_PUSH_DEVICE_TOKEN) for an unknown token;
 * NO_ACTIVE_PUSH_DEVICE when there is no device or the bouncer expired all of them; for E2EE the
 * bouncer's failures map to 502 FAILED_TO_CONNECT_BOUNCER / INTERNAL_SERVER_ERROR_ON_BOUNCER and
 * 403 ADMIN_ACTION_REQUIRED (upstream test_e2ee_push_notifications.py, zulip.com/api/e2ee-test-notify).
 * While the service is paused nothing is sent and the request succeeds (inferred: Zulip falls
 * back to direct sending, which is not configured, and drops the notification).
 */
import { JsonableError } from '../../core/errors';
import {
  BouncerJsonableError,
  InvalidRemotePushDeviceTokenError,
  MissingRemoteRealmError,
  PushNotificationBouncerError,
  PushNotificationBouncerRetryLaterError,
  PushNotificationBouncerServerError,
  PushNotificationsDisallowedByBouncerError,
} from '../bouncer-client/errors';
import { pyRepr } from '../bouncer-client/python-repr';
import { PUSH_NOTIFICATIONS_LOGGER, reactToNotifyRefusal } from '../bouncer-client/reactions';
import { TOKEN_KIND } from '../bouncer-client/wire';
import type { ZulipServerContext } from '../context';
import { buildE2eeTestPayload, legacyBasePayload } from '../payloads';
import type { User } from '../types';
import { e2eeTargetsOf, sendE2eeToDevices, type E2eeTargets } from './notify-user';

export const invalidPushDeviceToken = () => new JsonableError('Device not recognized', { code: 'INVALID_PUSH_DEVICE_TOKEN' });
export const noActivePushDevice = () => new JsonableError('No active registered push device', { code: 'NO_ACTIVE_PUSH_DEVICE' });
export const failedToConnectBouncer = () =>
  new JsonableError('Network error while connecting to Zulip push notification service.', { status: 502, code: 'FAILED_TO_CONNECT_BOUNCER' });
export const internalServerErrorOnBouncer = () =>
  new JsonableError('Internal server error on Zulip push notification service, retry later.', {
    status: 502,
    code: 'INTERNAL_SERVER_ERROR_ON_BOUNCER',
  });
export const adminActionRequired = () =>
  new JsonableError('Push notification configuration issue on server, contact the server administrator or retry later.', {
    status: 403,
    code: 'ADMIN_ACTION_REQUIRED',
  });

/** Python repr of the few dicts Zulip logs here (str keys; str / int / dict values), in insertion order. */
export function pyDictRepr(value: Record<string, unknown>): string {
  const item = (v: unknown): string =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? pyDictRepr(v as Record<string, unknown>) : pyRepr(v);
  return '{' + Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${item(v)}`).join(', ') + '}';
}

/**
 * A bouncer failure surfacing in an API answer the way Zulip's JsonableError would: its message,
 * its HTTP status (502 for retry-later errors), and a code only for the classes that have one.
 * Other exceptions (PushNotificationBouncerError, …) propagate: a 500, as in Zulip.
 */
function asApiError(e: unknown): unknown {
  if (!(e instanceof BouncerJsonableError)) return e;
  const fixedCode = e instanceof InvalidRemotePushDeviceTokenError || e instanceof MissingRemoteRealmError;
  return new JsonableError(e.msg, { status: e.httpStatusCode, code: fixedCode && e.code ? e.code : 'BAD_REQUEST' });
}

/** send_test_push_notification_api: to the device with `token`, or every legacy device of the user. */
export async function sendLegacyTestNotification(ctx: ZulipServerContext, user: User, token?: string): Promise<void> {
  const mine = ctx.state.legacyDevices.filter((d) => d.userId === user.id).sort((a, b) => a.id - b.id);
  let devices = mine;
  if (token !== undefined) {
    // PushDeviceToken.objects.get(user=…, token=…); APNs tokens are hex, compared case-insensitively (inferred).
    const found = mine.find((d) => (d.kind === 'apns' ? d.token.toLowerCase() === token.toLowerCase() : d.token === token));
    if (!found) throw invalidPushDeviceToken();
    devices = [found];
  }
  if (ctx.bouncer.paused) return;
  const realm = ctx.state.realm(user.realmId);
  const basePayload = legacyBasePayload(realm, user, ctx.settings().externalHost);
  for (const device of devices) {
    const postData = {
      realm_uuid: realm.uuid,
      user_uuid: user.uuid,
      user_id: user.id,
      token: device.token,
      token_kind: TOKEN_KIND[device.kind],
      base_payload: basePayload,
    };
    ctx.zulipLog('info', `Sending test push notification to bouncer: ${pyDictRepr(postData)}`, PUSH_NOTIFICATIONS_LOGGER);
    try {
      await ctx.bouncer.sendTestNotification({
        userId: user.id,
        userUuid: user.uuid,
        realmUuid: realm.uuid,
        token: device.token,
        tokenKind: device.kind,
        basePayload,
      });
    } catch (e) {
      throw asApiError(e);
    }
  }
}

export interface E2eeTestSelector {
  /** 12.x `device_id` (register_client_device's id). */
  deviceId?: number;
  /** 11.x `push_account_id`. */
  pushAccountId?: number;
}

function selectTargets(ctx: ZulipServerContext, userId: number, sel: E2eeTestSelector): E2eeTargets {
  const t = e2eeTargetsOf(ctx, userId);
  if (t.profile === 12) return sel.deviceId === undefined ? t : { profile: 12, devices: t.devices.filter((d) => d.id === sel.deviceId) };
  return sel.pushAccountId === undefined ? t : { profile: 11, devices: t.devices.filter((d) => d.pushAccountId === sel.pushAccountId) };
}

/** send_e2ee_test_push_notification_api. */
export async function sendE2eeTestNotification(ctx: ZulipServerContext, user: User, sel: E2eeTestSelector = {}): Promise<void> {
  const targets = selectTargets(ctx, user.id, sel);
  if (targets.devices.length === 0) throw noActivePushDevice();
  ctx.zulipLog('info', `Sending E2EE test push notification for user ${user.id}`, PUSH_NOTIFICATIONS_LOGGER);
  const realm = ctx.state.realm(user.realmId);
  const payload = buildE2eeTestPayload({ realm, user, time: ctx.clock.now() / 1000 });
  let outcome;
  try {
    outcome = await sendE2eeToDevices(ctx, user, targets, payload, { retry: false, isTest: true });
  } catch (e) {
    if (e instanceof PushNotificationBouncerServerError) throw internalServerErrorOnBouncer();
    if (e instanceof PushNotificationBouncerRetryLaterError) throw failedToConnectBouncer();
    if (e instanceof MissingRemoteRealmError || e instanceof PushNotificationsDisallowedByBouncerError) {
      // As on the message path, the refusal switches the realm's pushes off (inferred for tests).
      if (reactToNotifyRefusal(realm, e, 'e2ee', ctx.zulipLog)) {
        ctx.state.updateRealm(realm.id, { pushNotificationsEnabled: false, pushNotificationsEnabledEndTimestamp: null });
      }
      throw adminActionRequired();
    }
    if (e instanceof PushNotificationBouncerError) throw adminActionRequired();
    throw asApiError(e);
  }
  if (outcome && outcome.reaction.noActivePushDevice) throw noActivePushDevice();
}
