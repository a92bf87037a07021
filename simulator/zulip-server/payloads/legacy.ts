/**
 * The legacy (non-E2EE) `push/notify` request a Zulip server sends the bouncer for one user
 * (server-and-app.md §C.1–C.5, §C.7, §B.3; bouncer-protocol.md §5.1): FCM `gcm_payload` +
 * `gcm_options`, APNs `apns_payload` in Zulip's pre-`aps` shape (the bouncer moves `custom` out
 * and wraps the rest as `aps`), the user's identity (`user_uuid`, `user_id`, `realm_uuid`) and
 * the tokens the server believes are registered (`android_devices`, `apple_devices`).
 *
 * Profiles (§C.7, §B.3):
 * * 12: with `require_e2ee_push_notifications` the legacy path is skipped (→ null); payloads are
 *   built only for the device kinds the user has (`{}` for a missing kind, as
 *   `get_payload_legacy(apple_device_exists, android_device_exists)` does).
 * * 11: both payloads are always built; with `require_e2ee_push_notifications` a message's
 *   content is replaced by "New message" (APNs `alert.body`, FCM `content`) and nothing else
 *   changes; remove events are never redacted.
 * A user with no legacy registration gets no request (→ null; Zulip logs "Skipping legacy push
 * notifications … no registered devices").
 */
import type { LegacyPushDevice, Realm, User } from '../types';
import {
  apnsAlertSubtitle,
  apnsAlertTitle,
  legacyBasePayload,
  messageContent,
  resolveMessage,
  senderView,
  truncateRemoveMessageIds,
  unixSeconds,
  type LegacyBasePayload,
  type MessagePushInput,
  type RemovePushInput,
  type ServerProfile,
} from './common';

/** `_("New message")`: the 11.x redaction placeholder. */
export const REDACTED_CONTENT = 'New message';

// --- payload shapes ------------------------------------------------------------------------------

export type LegacyRecipientFields =
  | { recipient_type: 'stream'; stream: string; stream_id: number; topic: string }
  | { recipient_type: 'private'; pm_users?: string };

/** `get_message_payload(..., for_legacy_clients=True)`. */
export type LegacyMessagePayload = LegacyBasePayload & {
  sender_id: number;
  sender_email: string;
  mentioned_user_group_id?: number;
  mentioned_user_group_name?: string;
} & LegacyRecipientFields;

export type LegacyGcmMessagePayload = LegacyMessagePayload & {
  event: 'message';
  zulip_message_id: number;
  time: number;
  content: string;
  sender_full_name: string;
  sender_avatar_url: string;
};

export type LegacyGcmRemovePayload = LegacyBasePayload & { event: 'remove'; zulip_message_ids: string };

/** `custom.zulip` of an APNs message payload: the message payload minus `server`/`realm_id`, plus `message_ids`. */
export type ApnsMessageZulipData = Omit<LegacyBasePayload, 'server' | 'realm_id'> & {
  sender_id: number;
  sender_email: string;
  mentioned_user_group_id?: number;
  mentioned_user_group_name?: string;
} & LegacyRecipientFields & { message_ids: number[] };

export type ApnsRemoveZulipData = Omit<LegacyBasePayload, 'server' | 'realm_id'> & {
  event: 'remove';
  zulip_message_ids: string;
};

export type LegacyApnsMessagePayload = {
  alert: { title: string; subtitle: string; body: string };
  sound: 'default';
  badge: number;
  custom: { zulip: ApnsMessageZulipData };
};

export type LegacyApnsRemovePayload = { badge: number; custom: { zulip: ApnsRemoveZulipData } };

export type GcmOptions = { priority: 'high' | 'normal' };
type Empty = Record<string, never>;

/** The JSON body of `POST /api/v1/remotes/push/notify`, keys in Zulip's order. */
export type LegacyNotifyRequest = {
  user_uuid: string;
  user_id: number;
  realm_uuid: string;
  apns_payload: LegacyApnsMessagePayload | LegacyApnsRemovePayload | Empty;
  gcm_payload: LegacyGcmMessagePayload | LegacyGcmRemovePayload | Empty;
  gcm_options: GcmOptions | Empty;
  android_devices: string[];
  apple_devices: string[];
};

/** `get_apns_badge_count`: always 0 ("temporarily … until we can debug a likely mobile app side issue"). */
export const APNS_BADGE_COUNT = 0;

// --- builders --------------------------------------------------------------------------------------

/** `get_message_payload(user, message, …, for_legacy_clients=True)`. */
export function legacyMessagePayload(input: MessagePushInput): LegacyMessagePayload {
  const m = resolveMessage(input);
  const base = legacyBasePayload(input.realm, input.user, input.externalHost);
  const group = input.mentionedUserGroup ?? null;
  const head = {
    ...base,
    sender_id: input.sender.id,
    sender_email: senderView(input).email,
    ...(group ? { mentioned_user_group_id: group.id, mentioned_user_group_name: group.name } : {}),
  };
  if (m.kind === 'channel') {
    return { ...head, recipient_type: 'stream', stream: m.channel!.name, stream_id: m.channel!.id, topic: m.topic };
  }
  // pm_users ("<sorted comma ids>") only for more than two participants.
  return m.isGroupDm ? { ...head, recipient_type: 'private', pm_users: m.participantIds.join(',') } : { ...head, recipient_type: 'private' };
}

/** `get_message_payload_gcm(...)` → (`gcm_payload`, `gcm_options`). */
export function gcmMessagePayload(input: MessagePushInput): { payload: LegacyGcmMessagePayload; options: GcmOptions } {
  const sender = senderView(input);
  return {
    payload: {
      ...legacyMessagePayload(input),
      event: 'message',
      zulip_message_id: input.message.id,
      time: unixSeconds(input.message.dateSent),
      content: messageContent(input),
      sender_full_name: sender.name,
      sender_avatar_url: sender.avatarUrl,
    },
    options: { priority: 'high' },
  };
}

/** `get_message_payload_apns(...)`. */
export function apnsMessagePayload(input: MessagePushInput): LegacyApnsMessagePayload {
  const { server: _server, realm_id: _realmId, ...zulip } = legacyMessagePayload(input);
  return {
    alert: { title: apnsAlertTitle(input), subtitle: apnsAlertSubtitle(input), body: messageContent(input) },
    sound: 'default',
    badge: APNS_BADGE_COUNT,
    custom: { zulip: { ...zulip, message_ids: [input.message.id] } },
  };
}

/** `get_remove_payload_gcm(user, truncated_ids)`; ids are used as given (truncate first). */
export function gcmRemovePayload(
  realm: Realm,
  user: User,
  externalHost: string,
  messageIds: readonly number[],
): { payload: LegacyGcmRemovePayload; options: GcmOptions } {
  return {
    payload: { ...legacyBasePayload(realm, user, externalHost), event: 'remove', zulip_message_ids: messageIds.join(',') },
    options: { priority: 'normal' },
  };
}

/** `get_remove_payload_apns(user, truncated_ids)`: no alert. */
export function apnsRemovePayload(realm: Realm, user: User, externalHost: string, messageIds: readonly number[]): LegacyApnsRemovePayload {
  const { server: _server, realm_id: _realmId, ...base } = legacyBasePayload(realm, user, externalHost);
  return { badge: APNS_BADGE_COUNT, custom: { zulip: { ...base, event: 'remove', zulip_message_ids: messageIds.join(',') } } };
}

/** Why the legacy path sends nothing for this user, or null when it sends. */
export function legacySkipReason(
  realm: Realm,
  user: User,
  devices: readonly LegacyPushDevice[],
  profile: ServerProfile,
): 'require_e2ee' | 'no_devices' | null {
  if (profile === 12 && realm.requireE2eePushNotifications) return 'require_e2ee';
  if (!devices.some((d) => d.userId === user.id)) return 'no_devices';
  return null;
}

function deviceLists(user: User, devices: readonly LegacyPushDevice[]) {
  const mine = devices.filter((d) => d.userId === user.id);
  return {
    android: mine.filter((d) => d.kind === 'fcm').map((d) => d.token),
    apple: mine.filter((d) => d.kind === 'apns').map((d) => d.token),
  };
}

function request(
  realm: Realm,
  user: User,
  apns: LegacyNotifyRequest['apns_payload'],
  gcm: LegacyNotifyRequest['gcm_payload'],
  options: LegacyNotifyRequest['gcm_options'],
  lists: { android: string[]; apple: string[] },
): LegacyNotifyRequest {
  return {
    user_uuid: user.uuid,
    user_id: user.id,
    realm_uuid: realm.uuid,
    apns_payload: apns,
    gcm_payload: gcm,
    gcm_options: options,
    android_devices: lists.android,
    apple_devices: lists.apple,
  };
}

export interface LegacyBuildOptions {
  /** The user's legacy registrations (others' rows are ignored), in registration (id) order. */
  devices: readonly LegacyPushDevice[];
  profile: ServerProfile;
}

/** The `push/notify` body for one message and one user, or null when the legacy path sends nothing. */
export function buildLegacyMessageNotify(input: MessagePushInput & LegacyBuildOptions): LegacyNotifyRequest | null {
  const { realm, user, devices, profile } = input;
  if (legacySkipReason(realm, user, devices, profile)) return null;
  const lists = deviceLists(user, devices);
  const buildApns = profile === 11 || lists.apple.length > 0;
  const buildGcm = profile === 11 || lists.android.length > 0;
  const apns = buildApns ? apnsMessagePayload(input) : null;
  const gcm = buildGcm ? gcmMessagePayload(input) : null;
  if (profile === 11 && realm.requireE2eePushNotifications) {
    if (apns) apns.alert.body = REDACTED_CONTENT;
    if (gcm) gcm.payload.content = REDACTED_CONTENT;
  }
  return request(realm, user, apns ?? {}, gcm?.payload ?? {}, gcm?.options ?? {}, lists);
}

/**
 * The `push/notify` body removing notifications of `messageIds` (truncated to the 200 newest,
 * ascending), or null when the legacy path sends nothing. Never redacted.
 */
export function buildLegacyRemoveNotify(input: RemovePushInput & LegacyBuildOptions): LegacyNotifyRequest | null {
  const { realm, user, externalHost, devices, profile } = input;
  if (legacySkipReason(realm, user, devices, profile)) return null;
  const ids = truncateRemoveMessageIds(input.messageIds);
  const lists = deviceLists(user, devices);
  const apns = profile === 11 || lists.apple.length > 0 ? apnsRemovePayload(realm, user, externalHost, ids) : null;
  const gcm = profile === 11 || lists.android.length > 0 ? gcmRemovePayload(realm, user, externalHost, ids) : null;
  return request(realm, user, apns ?? {}, gcm?.payload ?? {}, gcm?.options ?? {}, lists);
}
