/**
 * Who gets a mobile push for a new message, and why (the trigger): the part of Zulip's
 * `do_send_messages` / `get_recipient_info` / `NotificationData.get_push_notification_trigger`
 * that decides push notifications, reduced to the users' default notification settings.
 *
 *   direct / group direct message → every other participant ('direct_message')
 *   channel message, `@**Name**`   → the mentioned user ('mentioned')
 *   `@**topic**`                   → the topic's participants ('topic_wildcard_mentioned')
 *   `@**all**` / everyone / channel / stream → everyone in the channel ('stream_wildcard_mentioned')
 *
 * Never the sender, never bots, never deactivated users, never users of another realm.
 * Precedence when several apply (get_push_notification_trigger): direct message > mention >
 * topic wildcard > channel wildcard.
 *
 * Simplifications (documented, not Zulip's full model):
 *  - No subscriptions are modelled: every human of the realm (guests too) is subscribed to
 *    every channel, so "everyone in the channel" is every active human of the realm.
 *  - Users keep Zulip's defaults: DMs, mentions and wildcard mentions push
 *    (`enable_offline_push_notifications`, `wildcard_mentions_notify`), plain channel messages
 *    do not (`push_notifications` per channel off), no followed topics, nobody is muted.
 *  - User groups are not modelled: `@*group*` notifies nobody.
 *  - Presence is not modelled: Zulip pushes after the user has been idle for a while; the
 *    simulator pushes at once (see messages.ts).
 *
 * Topic wildcard: since Zulip 8.0 `@**topic**` notifies the topic's *participants* — users who
 * have sent a message to the topic (reactions also count in Zulip; not modelled) — not the
 * whole channel (`get_topic_participant_ids`, "topic_wildcard_mention_user_ids").
 */
import type { Mentions } from '../render';
import type { ServerState } from '../state';
import type { Message, NotificationTrigger, User } from '../types';

export interface PushRecipient {
  userId: number;
  trigger: NotificationTrigger;
}

/** A user who can get a push for `message` at all. */
export function canBeNotified(user: User | undefined, message: Message): user is User {
  return user !== undefined && user.realmId === message.realmId && user.isActive && !user.isBot && user.id !== message.senderId;
}

/** Senders of earlier messages to the same channel and topic (Zulip matches topics case-insensitively). */
export function topicParticipantIds(state: ServerState, message: Message): Set<number> {
  const r = message.recipient;
  const ids = new Set<number>();
  if (r.type !== 'channel') return ids;
  const topic = r.topic.toLowerCase();
  for (const m of state.messages.values()) {
    if (m.id === message.id || m.realmId !== message.realmId) continue;
    if (m.recipient.type === 'channel' && m.recipient.channelId === r.channelId && m.recipient.topic.toLowerCase() === topic) ids.add(m.senderId);
  }
  return ids;
}

/** Everyone `message` notifies, in user id order, each with the trigger Zulip would use. */
export function pushRecipients(state: ServerState, message: Message, mentions: Mentions): PushRecipient[] {
  const triggers = new Map<number, NotificationTrigger>();
  const offer = (userId: number, trigger: NotificationTrigger) => {
    if (triggers.has(userId)) return; // an earlier (stronger) trigger wins
    if (canBeNotified(state.users.get(userId), message)) triggers.set(userId, trigger);
  };

  if (message.recipient.type === 'direct') {
    for (const id of message.recipient.userIds) offer(id, 'direct_message');
  } else {
    for (const id of mentions.userIds) offer(id, 'mentioned');
    if (mentions.topicWildcard) for (const id of topicParticipantIds(state, message)) offer(id, 'topic_wildcard_mentioned');
    if (mentions.channelWildcard) for (const u of state.usersOf(message.realmId)) offer(u.id, 'stream_wildcard_mentioned');
  }
  return [...triggers.entries()].sort(([a], [b]) => a - b).map(([userId, trigger]) => ({ userId, trigger }));
}
