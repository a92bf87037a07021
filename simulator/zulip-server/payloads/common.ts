/**
 * What every notification payload shares (server-and-app.md §C.1, §C.2, §C.4 titles/subtitles,
 * §C.5 id truncation, §A.4), built the way Zulip's `get_base_payload` / `get_message_payload` /
 * `get_apns_alert_title` / `get_apns_alert_subtitle` do (12.x code; 11.x differences noted).
 * Key insertion order follows Zulip's dicts, so `JSON.stringify` matches `orjson.dumps`.
 */
import type { Channel, Message, NotificationTrigger, Realm, User } from '../types';
import { pushContent } from './plain-text';

/** Which Zulip server generation is simulated (interfaces.md `--profile`). */
export type ServerProfile = 11 | 12;

/** Zulip's push triggers: the model's, plus the followed-topic wildcard variants. */
export type PushTrigger =
  | NotificationTrigger
  | 'stream_wildcard_mentioned_in_followed_topic'
  | 'topic_wildcard_mentioned_in_followed_topic';

export interface MentionedUserGroup {
  id: number;
  name: string;
}

/** One message, one notified user: everything the payload builders need. */
export interface MessagePushInput {
  realm: Realm;
  /** `settings.EXTERNAL_HOST` (legacy `server` field; same-server links in content). */
  externalHost: string;
  /** The user being notified. */
  user: User;
  message: Message;
  sender: User;
  /** Channel messages: the message's channel. */
  channel?: Channel | null;
  /**
   * Direct messages: the participants as users (every id of `message.recipient.userIds`);
   * required when there are more than two (group DM title: their sorted full names).
   */
  participants?: readonly User[];
  trigger: PushTrigger;
  /**
   * The user group whose mention triggered this (Zulip: only when the user was not also
   * mentioned personally). Adds `mentioned_user_group_id/_name`, and the subtitle names it.
   */
  mentionedUserGroup?: MentionedUserGroup | null;
  /**
   * False when a guest cannot see the sender (channel messages only): sender shown as
   * "Unknown user", `user<id>@<realm host>` email, placeholder avatar. Default true.
   */
  canAccessSender?: boolean;
}

export interface RemovePushInput {
  realm: Realm;
  externalHost: string;
  user: User;
  /** Message ids whose notifications are to be removed (any order, any count). */
  messageIds: readonly number[];
}

/** `UserProfile.INACCESSIBLE_USER_NAME`. */
export const INACCESSIBLE_USER_NAME = 'Unknown user';
/**
 * `get_avatar_for_inaccessible_user()` = `staticfiles_storage.url("images/unknown-user-avatar.png")`:
 * a server-relative URL (production adds a content hash to the file name; not simulated).
 */
export const INACCESSIBLE_USER_AVATAR_URL = '/static/images/unknown-user-avatar.png';
/** `Message.EMPTY_TOPIC_FALLBACK_NAME` (English; Zulip translates it to the user's language). */
export const EMPTY_TOPIC_DISPLAY_NAME = 'general chat';
/** `MAX_APNS_MESSAGE_IDS` in `handle_remove_push_notification`. */
export const MAX_REMOVE_MESSAGE_IDS = 200;

/** Python's `sorted()` on strings: code point order (JS `sort()` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/** `get_topic_display_name`: the empty topic shows as "general chat". */
export const topicDisplayName = (topic: string): string => (topic === '' ? EMPTY_TOPIC_DISPLAY_NAME : topic);

/** `datetime_to_timestamp`: whole Unix seconds. */
export const unixSeconds = (t: number): number => Math.trunc(t);

/** `sorted(message_ids)[-200:]`: the 200 newest (largest) ids, ascending. */
export function truncateRemoveMessageIds(messageIds: readonly number[]): number[] {
  return [...messageIds].sort((a, b) => a - b).slice(-MAX_REMOVE_MESSAGE_IDS);
}

// --- base payload (§C.1) ------------------------------------------------------------------------

export type LegacyBasePayload = {
  server: string;
  realm_id: number;
  realm_uri: string;
  realm_url: string;
  realm_name: string;
  user_id: number;
};

export type E2eeBasePayload = {
  realm_url: string;
  realm_name: string;
  user_id: number;
};

/** `get_base_payload(user, for_legacy_clients=True)`. */
export const legacyBasePayload = (realm: Realm, user: User, externalHost: string): LegacyBasePayload => ({
  server: externalHost,
  realm_id: realm.id,
  realm_uri: realm.url,
  realm_url: realm.url,
  realm_name: realm.name,
  user_id: user.id,
});

/** `get_base_payload(user, for_legacy_clients=False)`. */
export const e2eeBasePayload = (realm: Realm, user: User): E2eeBasePayload => ({
  realm_url: realm.url,
  realm_name: realm.name,
  user_id: user.id,
});

// --- the message itself ---------------------------------------------------------------------------

export interface ResolvedMessage {
  kind: 'channel' | 'direct';
  channel: Channel | null;
  topic: string;
  /** Sorted, de-duplicated participant ids (DMs). */
  participantIds: number[];
  /** More than two participants. */
  isGroupDm: boolean;
}

/** Checks the inputs fit the message and resolves what the builders need. */
export function resolveMessage(input: MessagePushInput): ResolvedMessage {
  const { message, sender, user } = input;
  if (sender.id !== message.senderId) throw new Error(`payloads: sender ${sender.id} is not message ${message.id}'s sender`);
  if (input.realm.id !== message.realmId || user.realmId !== message.realmId)
    throw new Error(`payloads: message ${message.id}, realm and user are not all in one realm`);
  const r = message.recipient;
  if (r.type === 'channel') {
    const channel = input.channel;
    if (!channel || channel.id !== r.channelId) throw new Error(`payloads: message ${message.id} needs its channel ${r.channelId}`);
    return { kind: 'channel', channel, topic: topicDisplayName(r.topic), participantIds: [], isGroupDm: false };
  }
  const participantIds = [...new Set(r.userIds)].sort((a, b) => a - b);
  const isGroupDm = participantIds.length > 2;
  if (isGroupDm) {
    const known = new Set((input.participants ?? []).map((p) => p.id));
    const missing = participantIds.filter((id) => !known.has(id));
    if (missing.length) throw new Error(`payloads: group DM ${message.id} needs participants ${missing.join(', ')}`);
  }
  return { kind: 'direct', channel: null, topic: '', participantIds, isGroupDm };
}

/** The sender as this user may see them: name, email, avatar. */
export function senderView(input: MessagePushInput): { name: string; email: string; avatarUrl: string } {
  if (input.canAccessSender === false) {
    // get_fake_email_domain(realm.host): the realm host, when it can form an address (inferred: without a port).
    const domain = input.realm.host.split(':')[0];
    return { name: INACCESSIBLE_USER_NAME, email: `user${input.sender.id}@${domain}`, avatarUrl: INACCESSIBLE_USER_AVATAR_URL };
  }
  return { name: input.sender.fullName, email: input.sender.email, avatarUrl: input.sender.avatarUrl };
}

/** `truncate_content(get_mobile_push_content(message.rendered_content))`. */
export const messageContent = (input: MessagePushInput): string =>
  pushContent(input.message.renderedContent, { externalHost: input.externalHost });

// --- APNs alert title / subtitle (§C.4) -------------------------------------------------------------

/** `get_apns_alert_title`: `#channel > topic`; group DM: sorted full names; 1:1 DM: sender. */
export function apnsAlertTitle(input: MessagePushInput): string {
  const m = resolveMessage(input);
  if (m.kind === 'channel') return `#${m.channel!.name} > ${m.topic}`;
  if (m.isGroupDm) {
    const byId = new Map((input.participants ?? []).map((p) => [p.id, p]));
    return m.participantIds
      .map((id) => byId.get(id)!.fullName)
      .sort(compareCodePoints)
      .join(', ');
  }
  // 1:1 (and self) DMs: the sender's real name (Zulip does not hide it here).
  return input.sender.fullName;
}

const WILDCARD_TRIGGERS: ReadonlySet<PushTrigger> = new Set([
  'stream_wildcard_mentioned',
  'topic_wildcard_mentioned',
  'stream_wildcard_mentioned_in_followed_topic',
  'topic_wildcard_mentioned_in_followed_topic',
]);

/**
 * `get_apns_alert_subtitle`: mention → "<sender> mentioned you:" (or "mentioned @<group>:" when a
 * group mention triggered it); wildcard mentions → "<sender> mentioned everyone:"; 1:1 DM → "";
 * otherwise (channel message, group DM) → "<sender>:".
 *
 * The model's `group_mentioned` trigger is Zulip's `mentioned` with a group: both take the group
 * form exactly when `mentionedUserGroup` is given (Zulip keys on the group, not the trigger).
 */
export function apnsAlertSubtitle(input: MessagePushInput): string {
  const m = resolveMessage(input);
  const sender = senderView(input).name;
  const group = input.mentionedUserGroup ?? null;
  if (input.trigger === 'mentioned' || input.trigger === 'group_mentioned') {
    return group ? `${sender} mentioned @${group.name}:` : `${sender} mentioned you:`;
  }
  if (WILDCARD_TRIGGERS.has(input.trigger)) return `${sender} mentioned everyone:`;
  if (m.kind === 'direct' && !m.isGroupDm) return '';
  return `${sender}:`;
}
