/**
 * What a Zulip server does with the bouncer's answers (bouncer-protocol.md §5.1 end, §6.3 end,
 * §10.2 end; server-and-app.md §B.2, §E): pure functions over the model's plain data. They
 * take realms / device lists and return updated copies; log lines (Zulip's exact text) go to an
 * optional callback, so the caller chooses the logger.
 *
 * Sources: push_notifications.py send_notifications_to_bouncer / send_push_notifications,
 * remote_server.py send_server_data_to_push_bouncer / maybe_mark_pushes_disabled.
 */
import type { Logger } from '../../core/logging';
import type { E2eePushDevice, LegacyPushDevice, Realm } from '../types';
import {
  BouncerJsonDecodeError,
  BouncerJsonableError,
  MissingRemoteRealmError,
  PushNotificationBouncerServerError,
  PushNotificationsDisallowedByBouncerError,
} from './errors';
import { pyRepr } from './python-repr';
import type { E2eeNotifyResponse, PushNotifyResponse, RealmPushStatus } from './wire';

export type ReactionLogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Receives Zulip's log lines; `logger` is the Python logger's name. */
export type ReactionLog = (level: ReactionLogLevel, msg: string, logger: string) => void;

/** A ReactionLog writing to a pino logger, one child per Python logger name. */
export function pinoReactionLog(logger: Logger): ReactionLog {
  const children = new Map<string, Logger>();
  return (level, msg, name) => {
    let child = children.get(name);
    if (!child) {
      child = logger.child({ logger: name });
      children.set(name, child);
    }
    child[level](msg);
  };
}

export const PUSH_NOTIFICATIONS_LOGGER = 'zerver.lib.push_notifications';
export const ANALYTICS_LOGGER = 'zulip.analytics';

/** check_push_notifications_recently_working: a successful `can_push` within the last hour. */
export const PUSHES_RECENTLY_WORKING_WINDOW_MS = 60 * 60 * 1000;

export function pushesRecentlyWorking(lastWorkingAtMs: number | null | undefined, nowMs: number): boolean {
  return lastWorkingAtMs != null && nowMs - lastWorkingAtMs < PUSHES_RECENTLY_WORKING_WINDOW_MS;
}

/** do_set_realm_property(push_notifications_enabled) + do_set_push_notifications_enabled_end_timestamp. */
export function applyRealmPushStatus(realm: Realm, status: RealmPushStatus): Realm {
  return {
    ...realm,
    pushNotificationsEnabled: status.can_push,
    pushNotificationsEnabledEndTimestamp: status.expected_end_timestamp,
  };
}

export function disableRealmPushes(realm: Realm): Realm {
  return { ...realm, pushNotificationsEnabled: false, pushNotificationsEnabledEndTimestamp: null };
}

// ---------------------------------------------------------------------------------------------
// Legacy push/notify

export interface LegacyNotifyReaction {
  realm: Realm;
  /** Every local legacy registration minus the deleted tokens (all users: Zulip filters by kind + token only). */
  devices: LegacyPushDevice[];
  deletedAndroidTokens: string[];
  deletedAppleTokens: string[];
  /** total_android_devices + total_apple_devices: the `mobile_pushes_sent::day` increment. */
  pushesSent: number;
  /** The bouncer said can_push: record_push_notifications_recently_working(). */
  pushesWorking: boolean;
}

/** send_notifications_to_bouncer after a successful `push/notify`. */
export function reactToLegacyNotify(
  input: { realm: Realm; userId: number; devices: LegacyPushDevice[] },
  response: PushNotifyResponse,
  log?: ReactionLog,
): LegacyNotifyReaction {
  const android = response.deleted_devices.android_devices;
  const apple = response.deleted_devices.apple_devices;
  let devices = input.devices;
  if (android.length > 0 || apple.length > 0) {
    log?.(
      'info',
      `Deleting push tokens based on response from bouncer: Android: ${pyRepr([...android].sort())}, Apple: ${pyRepr([...apple].sort())}`,
      PUSH_NOTIFICATIONS_LOGGER,
    );
    const gone = { fcm: new Set(android), apns: new Set(apple) };
    devices = devices.filter((d) => !gone[d.kind].has(d.token));
  }

  let realm = input.realm;
  let pushesWorking = false;
  if (response.realm != null) {
    // The bouncer may have updated our understanding of whether pushes will work.
    realm = applyRealmPushStatus(realm, response.realm);
    pushesWorking = response.realm.can_push;
  }
  log?.(
    'info',
    `Sent mobile push notifications for user ${input.userId} through bouncer: ${response.total_android_devices} via FCM devices, ${response.total_apple_devices} via APNs devices`,
    PUSH_NOTIFICATIONS_LOGGER,
  );
  return {
    realm,
    devices,
    deletedAndroidTokens: android,
    deletedAppleTokens: apple,
    pushesSent: response.total_android_devices + response.total_apple_devices,
    pushesWorking,
  };
}

// ---------------------------------------------------------------------------------------------
// Refusals on the notify paths

/**
 * PUSH_NOTIFICATIONS_DISALLOWED on push/notify or push/e2ee/notify (and MISSING_REMOTE_REALM on
 * push/e2ee/notify): WARNING, the realm's pushes switched off, the notification dropped.
 * Returns null for any other error (the caller rethrows it).
 */
export function reactToNotifyRefusal(
  realm: Realm,
  error: unknown,
  path: 'legacy' | 'e2ee',
  log?: ReactionLog,
): Realm | null {
  let reason: string;
  if (error instanceof PushNotificationsDisallowedByBouncerError) reason = error.reason;
  else if (path === 'e2ee' && error instanceof MissingRemoteRealmError) reason = error.msg;
  else return null;
  const what = path === 'e2ee' ? 'E2EE push notification' : 'push notification';
  log?.('warn', `Bouncer refused to send ${what}: ${reason}`, PUSH_NOTIFICATIONS_LOGGER);
  return disableRealmPushes(realm);
}

// ---------------------------------------------------------------------------------------------
// E2EE push/e2ee/notify

export interface E2eeNotifyReaction {
  realm: Realm;
  /** The devices still able to receive (12.x: those whose token id was cleared are gone). */
  devices: E2eePushDevice[];
  /** 12.x `delete_token_ids`, sorted. */
  clearedTokenIds: string[];
  /** 11.x `delete_device_ids` (bouncer device ids), sorted. */
  deletedDeviceIds: number[];
  /** apple + android successes: the `mobile_pushes_sent::day` increment. */
  pushesSent: number;
  pushesWorking: boolean;
  /** A test notification whose every requested device came back for deletion: NO_ACTIVE_PUSH_DEVICE. */
  noActivePushDevice: boolean;
}

/**
 * send_push_notifications after a successful `push/e2ee/notify`. 12.x clears `push_token_id`
 * on the listed devices (here: drops them from the active list); 11.x deletes PushDevice rows by
 * the bouncer's device id (`bouncerDeviceIdOf` maps a local device to it, when the caller tracks it).
 */
export function reactToE2eeNotify(
  input: {
    realm: Realm;
    devices: E2eePushDevice[];
    /** The ids the request targeted (token ids, or 11.x device ids); needed for `noActivePushDevice`. */
    requested?: (string | number)[];
    isTest?: boolean;
    bouncerDeviceIdOf?: (device: E2eePushDevice) => number | undefined;
  },
  response: E2eeNotifyResponse,
  log?: ReactionLog,
): E2eeNotifyReaction {
  const tokenIds = [...(response.delete_token_ids ?? [])].sort();
  const deviceIds = [...(response.delete_device_ids ?? [])].sort((a, b) => a - b);
  let devices = input.devices;
  if (tokenIds.length > 0) {
    log?.(
      'info',
      `Clearing \`push_token_id\` for Device rows with the following token IDs based on response from bouncer: ${pyRepr(tokenIds)}`,
      PUSH_NOTIFICATIONS_LOGGER,
    );
    const gone = new Set(tokenIds);
    devices = devices.filter((d) => !gone.has(d.tokenId));
  }
  if (deviceIds.length > 0) {
    log?.(
      'info',
      `Deleting PushDevice rows with the following device IDs based on response from bouncer: ${pyRepr(deviceIds)}`,
      PUSH_NOTIFICATIONS_LOGGER,
    );
    const idOf = input.bouncerDeviceIdOf;
    if (idOf) {
      const gone = new Set(deviceIds);
      devices = devices.filter((d) => {
        const id = idOf(d);
        return id === undefined || !gone.has(id);
      });
    }
  }

  const status = response.realm_push_status;
  const realm = status ? applyRealmPushStatus(input.realm, status) : input.realm;
  const deleted = new Set<string | number>([...tokenIds, ...deviceIds]);
  const requested = input.requested ?? [];
  return {
    realm,
    devices,
    clearedTokenIds: tokenIds,
    deletedDeviceIds: deviceIds,
    pushesSent: response.apple_successfully_sent_count + response.android_successfully_sent_count,
    pushesWorking: status?.can_push === true,
    noActivePushDevice: input.isTest === true && requested.length > 0 && requested.every((id) => deleted.has(id)),
  };
}

// ---------------------------------------------------------------------------------------------
// server/analytics

export interface AnalyticsRealmsReaction {
  realms: Realm[];
  /** Realm uuids the bouncer answered for that this server does not have. */
  unexpectedRealmUuids: string[];
}

/** The `realms` of a server/analytics response applied to the local realms. */
export function applyAnalyticsRealms(
  realms: Realm[],
  responseRealms: Record<string, RealmPushStatus>,
  log?: ReactionLog,
): AnalyticsRealmsReaction {
  const byUuid = new Map(realms.map((r, i) => [r.uuid, i]));
  const updated = [...realms];
  const unexpected: string[] = [];
  for (const [uuid, status] of Object.entries(responseRealms)) {
    const i = byUuid.get(uuid);
    if (i === undefined) {
      // The database was rebuilt, or a realm hard-deleted, after talking to the bouncer.
      log?.('warn', `Received unexpected realm UUID from bouncer ${uuid}`, ANALYTICS_LOGGER);
      unexpected.push(uuid);
      continue;
    }
    updated[i] = applyRealmPushStatus(updated[i]!, status);
  }
  return { realms: updated, unexpectedRealmUuids: unexpected };
}

export interface MarkPushesDisabledOptions {
  /** check_push_notifications_recently_working() (see `pushesRecentlyWorking`). */
  recentlyWorking: boolean;
  /** ZULIP_SERVICES_URL, for the "Exception communicating with <url>" line. */
  servicesUrl?: string | null;
  log?: ReactionLog;
}

/**
 * maybe_mark_pushes_disabled, after a failed analytics exchange: a 5xx changes nothing (the
 * bouncer's problem); otherwise log, and unless pushes worked within the last hour switch every
 * realm's pushes off. Returns the realms (unchanged, or all disabled) and whether it disabled.
 */
export function maybeMarkPushesDisabled(
  realms: Realm[],
  error: BouncerJsonableError | BouncerJsonDecodeError,
  opts: MarkPushesDisabledOptions,
): { realms: Realm[]; disabled: boolean } {
  if (error instanceof PushNotificationBouncerServerError) return { realms, disabled: false };
  if (error instanceof BouncerJsonableError) opts.log?.('warn', error.msg, ANALYTICS_LOGGER);
  else opts.log?.('error', `Exception communicating with ${opts.servicesUrl ?? 'None'}`, ANALYTICS_LOGGER);
  if (opts.recentlyWorking) return { realms, disabled: false };
  return {
    realms: realms.map((r) => (r.pushNotificationsEnabled ? disableRealmPushes(r) : r)),
    disabled: true,
  };
}
