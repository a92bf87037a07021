/**
 * One user's message or remove push, as Zulip's push worker sends it (server-and-app.md §B.3,
 * 12.x `prepare_payload_and_send_push_notifications`; 11.x differences §B.3, §C.7):
 *
 *   legacy  — skipped entirely on 12.x when the realm requires E2EE; else the user's
 *             PushDeviceToken rows → `push/notify` (11.x with the content redacted to
 *             "New message" when the realm requires E2EE; the payload builder does it);
 *   E2EE    — 12.x: the user's Device rows with a push_token_id (and a key) → `push/e2ee/notify`;
 *             11.x: the user's PushDevice rows the bouncer registered (bouncer_device_id).
 *
 * Both paths run for every message and every remove; each has its own bouncer exchange, retried
 * like the missedmessage_mobile_notifications worker retries (`withRetries`, label
 * `trigger:<user id> event:push_notification`), and its own failure handling — a refusal or an
 * error on one path does not stop the other (inferred: Zulip re-runs the whole event).
 *
 * Reactions (bouncer-protocol.md §5.1 end, §6.3 end): deleted legacy tokens are deleted
 * locally; 12.x cleared token ids null `push_token_id` and send the owner a `device` update
 * event; 11.x deleted device ids delete the PushDevice rows; the realm takes the bouncer's push
 * status; `mobile_pushes_sent::day` counts what the bouncer attempted (legacy) or delivered
 * (E2EE); a `can_push: true` records pushes as recently working. PUSH_NOTIFICATIONS_DISALLOWED
 * (and MISSING_REMOTE_REALM on E2EE) switch the realm's pushes off and drop the notification.
 *
 * Logs are Zulip's lines (logger `zerver.lib.push_notifications`, §G): ids, counts, tokens and
 * token ids only — never content, sender names or payloads.
 */
import { performance } from 'node:perf_hooks';
import { isSkipped } from '../bouncer-client/client';
import { isRetryLaterError } from '../bouncer-client/errors';
import {
  PUSH_NOTIFICATIONS_LOGGER,
  reactToE2eeNotify,
  reactToLegacyNotify,
  reactToNotifyRefusal,
  type E2eeNotifyReaction,
} from '../bouncer-client/reactions';
import { PUSH_WORKER_LOGGER } from '../bouncer-client/retry';
import type { E2eePushRequest11, E2eePushRequest12 } from '../bouncer-client/wire';
import type { ZulipServerContext } from '../context';
import {
  buildE2eeMessagePayload,
  buildE2eeNotifyRequest,
  buildE2eeRemovePayload,
  buildLegacyMessageNotify,
  buildLegacyRemoveNotify,
  type E2eePlaintext,
  type E2eePushDevice11,
  type LegacyNotifyRequest,
  type MentionedUserGroup,
  type MessagePushInput,
  type PushTrigger,
} from '../payloads';
import type { ClientDevice, LegacyDeviceRow, PushDevice11 } from '../state';
import type { E2eePushDevice, Message, Realm, User } from '../types';

export const MOBILE_PUSHES_SENT = 'mobile_pushes_sent::day';

/** The label of the worker's give-up line: `Maximum retries exceeded for trigger:<id> event:push_notification`. */
export const pushEventLabel = (userId: number) => `trigger:${userId} event:push_notification`;

/**
 * `push_notifications_configured()` in bouncer mode: ZULIP_SERVICE_PUSH_NOTIFICATIONS on and
 * ZULIP_SERVICES_URL set (null = paused). The credentials always exist (generate_secrets).
 */
export const pushNotificationsConfigured = (ctx: ZulipServerContext): boolean => ctx.bouncer.url !== null;

const log = (ctx: ZulipServerContext, level: 'debug' | 'info' | 'warn' | 'error', msg: string) =>
  ctx.zulipLog(level, msg, PUSH_NOTIFICATIONS_LOGGER);

// ---------------------------------------------------------------------------------------------
// Device selection

/** The user's legacy registrations in id order (`PushDeviceToken.objects.filter(user=…).order_by("id")`). */
export function legacyDevicesOf(ctx: ZulipServerContext, userId: number): LegacyDeviceRow[] {
  return ctx.state.legacyDevices.filter((d) => d.userId === userId).sort((a, b) => a.id - b.id);
}

type ReadyClientDevice = ClientDevice & { pushTokenId: string; pushKey: Uint8Array; pushKeyId: number; pushTokenKind: 'apns' | 'fcm' };

/** 12.x: `Device.objects.filter(user=…, push_token_id__isnull=False)` — with a key to encrypt to. */
export function e2eeDevicesOf(ctx: ZulipServerContext, userId: number): ReadyClientDevice[] {
  return [...ctx.state.clientDevices.values()]
    .filter(
      (d): d is ReadyClientDevice =>
        d.userId === userId && d.pushTokenId !== null && d.pushKey !== null && d.pushKeyId !== null && d.pushTokenKind !== null,
    )
    .sort((a, b) => a.id - b.id);
}

type RegisteredPushDevice11 = PushDevice11 & { bouncerDeviceId: number };

/** 11.x: the user's PushDevice rows the bouncer has registered. */
export function e2eeDevices11Of(ctx: ZulipServerContext, userId: number): RegisteredPushDevice11[] {
  return ctx.state.pushDevices11
    .filter((d): d is RegisteredPushDevice11 => d.userId === userId && d.bouncerDeviceId !== null)
    .sort((a, b) => a.id - b.id);
}

export const toE2eePushDevice = (d: ReadyClientDevice): E2eePushDevice => ({
  userId: d.userId,
  deviceId: d.id,
  tokenKind: d.pushTokenKind,
  pushKey: d.pushKey,
  pushKeyId: d.pushKeyId,
  tokenId: d.pushTokenId,
});

const toE2eePushDevice11 = (d: RegisteredPushDevice11): E2eePushDevice11 => ({
  userId: d.userId,
  tokenKind: d.tokenKind,
  pushKey: d.pushKey,
  pushAccountId: d.pushAccountId,
  bouncerDeviceId: d.bouncerDeviceId,
});

/** The E2EE devices a send targets: 12.x Device rows or 11.x PushDevice rows. */
export type E2eeTargets = { profile: 12; devices: ReadyClientDevice[] } | { profile: 11; devices: RegisteredPushDevice11[] };

export function e2eeTargetsOf(ctx: ZulipServerContext, userId: number): E2eeTargets {
  return ctx.settings().profile === 12
    ? { profile: 12, devices: e2eeDevicesOf(ctx, userId) }
    : { profile: 11, devices: e2eeDevices11Of(ctx, userId) };
}

// ---------------------------------------------------------------------------------------------
// The message as the payload builders need it

export function messagePushInput(
  ctx: ZulipServerContext,
  user: User,
  message: Message,
  trigger: PushTrigger,
  mentionedUserGroup?: MentionedUserGroup | null,
): MessagePushInput {
  const state = ctx.state;
  const r = message.recipient;
  return {
    realm: state.realm(message.realmId),
    externalHost: ctx.settings().externalHost,
    user,
    message,
    sender: state.user(message.senderId),
    channel: r.type === 'channel' ? (state.channels.get(r.channelId) ?? null) : null,
    participants: r.type === 'direct' ? r.userIds.map((id) => state.user(id)) : undefined,
    trigger,
    mentionedUserGroup: mentionedUserGroup ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Reactions applied to the database

function applyRealmStatus(ctx: ZulipServerContext, realmId: number, updated: Realm, pushesWorking: boolean): void {
  ctx.state.updateRealm(realmId, {
    pushNotificationsEnabled: updated.pushNotificationsEnabled,
    pushNotificationsEnabledEndTimestamp: updated.pushNotificationsEnabledEndTimestamp,
  });
  // record_push_notifications_recently_working()
  if (pushesWorking) ctx.pushesLastWorkingAt = ctx.clock.now();
}

function countPushesSent(ctx: ZulipServerContext, realmId: number, n: number): void {
  ctx.state.incrementRealmCount(realmId, MOBILE_PUSHES_SENT, n, ctx.clock.now());
}

/**
 * A notify path failed for good: a refusal switches the realm's pushes off (§E); anything else
 * is logged by class and Zulip's message (retry-later errors were already logged by the worker's
 * give-up line). The notification is dropped either way.
 */
export function reportNotifyFailure(ctx: ZulipServerContext, realmId: number, error: unknown, path: 'legacy' | 'e2ee'): void {
  const refused = reactToNotifyRefusal(ctx.state.realm(realmId), error, path, ctx.zulipLog);
  if (refused) {
    ctx.state.updateRealm(realmId, { pushNotificationsEnabled: false, pushNotificationsEnabledEndTimestamp: null });
    return;
  }
  if (isRetryLaterError(error)) return;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  ctx.zulipLog('error', `Problem handling data on queue missedmessage_mobile_notifications: ${what}`, PUSH_WORKER_LOGGER);
}

// ---------------------------------------------------------------------------------------------
// Legacy path

/** send_notifications_to_bouncer for one prepared body; returns nothing, never throws. */
async function sendLegacy(ctx: ZulipServerContext, user: User, build: (devices: LegacyDeviceRow[]) => LegacyNotifyRequest | null): Promise<void> {
  const realmId = user.realmId;
  // §B.3 (12.x): with require_e2ee_push_notifications the legacy path does not run at all.
  if (ctx.settings().profile === 12 && ctx.state.realm(realmId).requireE2eePushNotifications) return;
  const devices = legacyDevicesOf(ctx, user.id);
  if (devices.length === 0) {
    log(ctx, 'info', `Skipping legacy push notifications for user ${user.id} because there are no registered devices`);
    return;
  }
  try {
    const body = build(devices);
    if (!body) return;
    const res = await ctx.bouncer.withRetries(
      () =>
        ctx.bouncer.notify({
          userId: body.user_id,
          userUuid: body.user_uuid,
          realmUuid: body.realm_uuid,
          apnsPayload: body.apns_payload,
          gcmPayload: body.gcm_payload,
          gcmOptions: body.gcm_options,
          androidDevices: body.android_devices,
          appleDevices: body.apple_devices,
        }),
      { label: pushEventLabel(user.id) },
    );
    if (isSkipped(res)) return; // paused while waiting to retry
    const all = ctx.state.legacyDevices;
    const reaction = reactToLegacyNotify({ realm: ctx.state.realm(realmId), userId: user.id, devices: all }, res, ctx.zulipLog);
    // PushDeviceToken.objects.filter(kind=…, token__in=…).delete(): every user's rows with those tokens.
    const kept = new Set(reaction.devices);
    for (let i = all.length - 1; i >= 0; i -= 1) if (!kept.has(all[i]!)) all.splice(i, 1);
    applyRealmStatus(ctx, realmId, reaction.realm, reaction.pushesWorking);
    countPushesSent(ctx, realmId, reaction.pushesSent);
  } catch (e) {
    reportNotifyFailure(ctx, realmId, e, 'legacy');
  }
}

// ---------------------------------------------------------------------------------------------
// E2EE path

export interface E2eeSendOutcome {
  reaction: E2eeNotifyReaction;
  /** The ids the request targeted: 12.x token ids, 11.x bouncer device ids. */
  requested: (string | number)[];
}

/**
 * send_push_notifications: encrypts `payload` for every target device, one `push/e2ee/notify`
 * for all of them, then applies the answer. Throws the bouncer client's errors; null when the
 * service is paused (nothing was sent).
 */
export async function sendE2eeToDevices(
  ctx: ZulipServerContext,
  user: User,
  targets: E2eeTargets,
  payload: E2eePlaintext,
  opts: { retry: boolean; isTest?: boolean },
): Promise<E2eeSendOutcome | null> {
  const realmId = user.realmId;
  const started = performance.now();
  const realmUuid = ctx.state.realm(realmId).uuid;
  let pushRequests: E2eePushRequest12[] | E2eePushRequest11[];
  let requested: (string | number)[];
  if (targets.profile === 12) {
    const body = await buildE2eeNotifyRequest({ profile: 12, realmUuid, payload, devices: targets.devices.map(toE2eePushDevice) });
    pushRequests = body?.push_requests ?? [];
    requested = targets.devices.map((d) => d.pushTokenId);
  } else {
    const body = await buildE2eeNotifyRequest({ profile: 11, realmUuid, payload, devices: targets.devices.map(toE2eePushDevice11) });
    pushRequests = body?.push_requests ?? [];
    requested = targets.devices.map((d) => d.bouncerDeviceId);
  }
  const call = () => ctx.bouncer.e2eeNotify({ realmUuid, pushRequests });
  const res = opts.retry ? await ctx.bouncer.withRetries(call, { label: pushEventLabel(user.id) }) : await call();
  if (isSkipped(res)) return null;

  const reaction = reactToE2eeNotify(
    {
      realm: ctx.state.realm(realmId),
      devices: targets.profile === 12 ? targets.devices.map(toE2eePushDevice) : [],
      requested,
      isTest: opts.isTest,
    },
    res,
    ctx.zulipLog,
  );
  if (targets.profile === 12) clearPushTokenIds(ctx, user.id, reaction.clearedTokenIds);
  else deletePushDevices11(ctx, user.id, reaction.deletedDeviceIds);
  applyRealmStatus(ctx, realmId, reaction.realm, reaction.pushesWorking);
  countPushesSent(ctx, realmId, reaction.pushesSent);
  const secs = ((performance.now() - started) / 1000).toFixed(3);
  log(
    ctx,
    'info',
    `Sent E2EE mobile push notifications for user ${user.id}: ${res.android_successfully_sent_count} via FCM, ${res.apple_successfully_sent_count} via APNs in ${secs}s`,
  );
  return { reaction, requested };
}

/** 12.x: `push_token_id = NULL` on the user's Device rows with those token ids, and a `device` update event each (§B.2). */
function clearPushTokenIds(ctx: ZulipServerContext, userId: number, tokenIds: string[]): void {
  if (tokenIds.length === 0) return;
  const gone = new Set(tokenIds);
  for (const d of [...ctx.state.clientDevices.values()]) {
    if (d.userId !== userId || d.pushTokenId === null || !gone.has(d.pushTokenId)) continue;
    ctx.state.clientDevices.set(d.id, { ...d, pushTokenId: null });
    ctx.state.sendEvent(userId, { type: 'device', op: 'update', device_id: d.id, push_token_id: null });
  }
}

/** 11.x: the PushDevice rows the bouncer expired are deleted. */
function deletePushDevices11(ctx: ZulipServerContext, userId: number, bouncerDeviceIds: number[]): void {
  if (bouncerDeviceIds.length === 0) return;
  const gone = new Set(bouncerDeviceIds);
  const rows = ctx.state.pushDevices11;
  for (let i = rows.length - 1; i >= 0; i -= 1) {
    const d = rows[i]!;
    if (d.userId === userId && d.bouncerDeviceId !== null && gone.has(d.bouncerDeviceId)) rows.splice(i, 1);
  }
}

/** The E2EE path of a message or remove: skip line, send with retries, failures reported. */
async function sendE2ee(ctx: ZulipServerContext, user: User, payloadFor: (profile: 11 | 12) => E2eePlaintext): Promise<void> {
  const targets = e2eeTargetsOf(ctx, user.id);
  if (targets.devices.length === 0) {
    log(ctx, 'info', `Skipping E2EE push notifications for user ${user.id} because there are no registered devices`);
    return;
  }
  try {
    await sendE2eeToDevices(ctx, user, targets, payloadFor(targets.profile), { retry: true });
  } catch (e) {
    reportNotifyFailure(ctx, user.realmId, e, 'e2ee');
  }
}

// ---------------------------------------------------------------------------------------------
// The worker's two events

export interface MessagePushEvent {
  userId: number;
  messageId: number;
  trigger: PushTrigger;
  mentionedUserGroup?: MentionedUserGroup | null;
}

/**
 * handle_push_notification: nothing unless pushes are configured; nothing for a message that
 * is gone, already read, or already notified; otherwise the `active_mobile_push_notification`
 * flag is set (so a later read sends a remove) and both paths run.
 */
export async function handlePushNotification(ctx: ZulipServerContext, event: MessagePushEvent): Promise<void> {
  if (!pushNotificationsConfigured(ctx)) return;
  const state = ctx.state;
  const user = state.users.get(event.userId);
  const message = state.messages.get(event.messageId);
  // A deactivated user or a deleted message (a race with do_delete_messages) gets nothing.
  if (!user || !user.isActive || user.isBot || !message) return;
  if (state.isRead(user.id, message.id) || state.hasActivePushNotification(user.id, message.id)) return;
  state.setActivePushNotification(user.id, message.id);

  log(ctx, 'info', `Sending push notifications to mobile clients for user ${user.id}`);
  const input = messagePushInput(ctx, user, message, event.trigger, event.mentionedUserGroup);
  const profile = ctx.settings().profile;
  await sendLegacy(ctx, user, (devices) => buildLegacyMessageNotify({ ...input, devices, profile }));
  await sendE2ee(ctx, user, (p) => buildE2eeMessagePayload({ ...input, profile: p }));
}

/**
 * handle_remove_push_notification (§C.5): a remove for `messageIds` (the builders keep the 200
 * newest) on both paths, then the `active_mobile_push_notification` flag is cleared on all of
 * them. Nothing — the flags included — when pushes are not configured (Zulip returns early).
 */
export async function handleRemovePushNotification(ctx: ZulipServerContext, userId: number, messageIds: readonly number[]): Promise<void> {
  if (!pushNotificationsConfigured(ctx) || messageIds.length === 0) return;
  const state = ctx.state;
  const user = state.users.get(userId);
  if (!user) return;
  const realm = state.realm(user.realmId);
  const { externalHost, profile } = ctx.settings();
  await sendLegacy(ctx, user, (devices) => buildLegacyRemoveNotify({ realm: state.realm(realm.id), externalHost, user, messageIds, devices, profile }));
  await sendE2ee(ctx, user, () => buildE2eeRemovePayload({ realm: state.realm(realm.id), user, messageIds }));
  state.clearActivePushNotifications(userId, messageIds);
}
