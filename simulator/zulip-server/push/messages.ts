/**
 * Messages in, pushes out: Zulip's `check_send_message` / `do_send_messages` reduced to what
 * decides mobile pushes, and the read / delete actions that take notifications back.
 *
 *  - `sendMessage` validates like Zulip (its messages: "Invalid user ID 99",
 *    "Channel 'x' does not exist", "Message must not be empty", …), renders the Markdown
 *    (render.ts), stores the message, and enqueues one push task per notified user
 *    (recipients.ts) on the server's queue — Zulip's `missedmessage_mobile_notifications`
 *    worker. Zulip waits until the user has been idle (and sends only if they did not read the
 *    message meanwhile); the simulator pushes at once, so `await zulip.idle()` means "every push
 *    of this message has been handed to the bouncer".
 *  - `markAsRead` (do_update_message_flags add `read`) and `deleteMessages` (do_delete_messages)
 *    call `do_clear_mobile_push_notifications_for_ids`: the messages that had a push
 *    (`active_mobile_push_notification`) get a remove push per user, in a queued task, which then
 *    clears the flag (server-and-app.md §C.5).
 */
import { JsonableError } from '../../core/errors';
import type { ZulipServerContext } from '../context';
import { renderMessage } from '../render';
import type { Channel, Message, MessageRecipient, User } from '../types';
import { handlePushNotification, handleRemovePushNotification } from './notify-user';
import { pushRecipients } from './recipients';

export type MessageTarget =
  | { type: 'direct'; userIds: number[] }
  | { type: 'channel'; channel: number | string; topic: string };

export interface SendMessageInput {
  senderId: number;
  to: MessageTarget;
  /** Markdown, as a client sends it. */
  content: string;
}

/** settings.MAX_MESSAGE_LENGTH and Message.MAX_TOPIC_NAME_LENGTH. */
export const MAX_MESSAGE_LENGTH = 10_000;
export const MAX_TOPIC_NAME_LENGTH = 60;

// --- Zulip's errors ------------------------------------------------------------------------------

export const invalidUserId = (id: number | string) => new JsonableError(`Invalid user ID ${id}`);
export const invalidEmail = (email: string) => new JsonableError(`Invalid email '${email}'`);
export const noRecipients = () => new JsonableError('Message must have recipients');
export const emptyMessage = () => new JsonableError('Message must not be empty');
/** StreamDoesNotExistError. */
export const channelDoesNotExist = (name: string) =>
  new JsonableError(`Channel '${name}' does not exist`, { code: 'STREAM_DOES_NOT_EXIST', data: { stream: name } });
/** StreamWithIDDoesNotExistError. */
export const channelIdDoesNotExist = (id: number) =>
  new JsonableError(`Channel with ID '${id}' does not exist`, { code: 'STREAM_DOES_NOT_EXIST', data: { stream_id: id } });
/** validate_recipient_user_profiles. */
export const noLongerUsingZulip = (email: string) => new JsonableError(`'${email}' is no longer using Zulip.`);
export const invalidMessages = () => new JsonableError('Invalid message(s)');

/** Python's `len()`-based `truncate_content(s, max, suffix)`. */
function truncate(s: string, max: number, suffix: string): string {
  const cps = [...s];
  return cps.length <= max ? s : cps.slice(0, max - [...suffix].length).join('') + suffix;
}

/** normalize_body: strip trailing whitespace and leading newlines; refuse empty or NUL; truncate. */
export function normalizeBody(body: string): string {
  const b = body.replace(/\s+$/u, '').replace(/^\n+/, '');
  if (b.length === 0) throw emptyMessage();
  if (b.includes('\x00')) throw new JsonableError('Message must not contain null bytes');
  return truncate(b, MAX_MESSAGE_LENGTH, '\n[message truncated]');
}

/** truncate_topic (after the API's whitespace stripping). */
export const normalizeTopic = (topic: string): string => truncate(topic.trim(), MAX_TOPIC_NAME_LENGTH, '...');

// --- lookups --------------------------------------------------------------------------------------

/** A channel of the realm by id, or by name (case-insensitively, as `get_stream` does). */
export function findChannel(ctx: ZulipServerContext, realmId: number, channel: number | string): Channel {
  const channels = [...ctx.state.channels.values()].filter((c) => c.realmId === realmId);
  if (typeof channel === 'number') {
    const c = channels.find((x) => x.id === channel);
    if (!c) throw channelIdDoesNotExist(channel);
    return c;
  }
  const lower = channel.toLowerCase();
  const c = channels.find((x) => x.name.toLowerCase() === lower);
  if (!c) throw channelDoesNotExist(channel);
  return c;
}

/** get_user_profiles_by_ids: every id a user of the realm. */
export function usersByIds(ctx: ZulipServerContext, realmId: number, ids: readonly number[]): User[] {
  return ids.map((id) => {
    const u = ctx.state.users.get(id);
    if (!u || u.realmId !== realmId) throw invalidUserId(id);
    return u;
  });
}

/** get_user_profiles: every email a user of the realm (case-insensitively). */
export function usersByEmails(ctx: ZulipServerContext, realmId: number, emails: readonly string[]): User[] {
  const realmUsers = ctx.state.usersOf(realmId);
  return emails.map((email) => {
    const u = realmUsers.find((x) => x.email.toLowerCase() === email.toLowerCase());
    if (!u) throw invalidEmail(email);
    return u;
  });
}

function activeSender(ctx: ZulipServerContext, senderId: number): User {
  const sender = ctx.state.users.get(senderId);
  if (!sender) throw invalidUserId(senderId);
  if (ctx.state.realm(sender.realmId).deactivated) {
    throw new JsonableError('This organization has been deactivated', { status: 401, code: 'REALM_DEACTIVATED' });
  }
  if (!sender.isActive) throw new JsonableError('Account is deactivated', { status: 401, code: 'USER_DEACTIVATED' });
  return sender;
}

// --- sending --------------------------------------------------------------------------------------

/** check_send_message + do_send_messages: stores the message and enqueues the pushes of everyone it notifies. */
export async function sendMessage(ctx: ZulipServerContext, input: SendMessageInput): Promise<Message> {
  const state = ctx.state;
  const sender = activeSender(ctx, input.senderId);
  const realmId = sender.realmId;

  // Addressee.legacy_build: recipients first …
  let dmUsers: User[] = [];
  if (input.to.type === 'direct') {
    if (input.to.userIds.length === 0) throw noRecipients();
    dmUsers = usersByIds(ctx, realmId, [...new Set(input.to.userIds)]);
  }
  // … then check_message: the body, the channel, the recipients' state.
  const content = normalizeBody(input.content);
  let recipient: MessageRecipient;
  if (input.to.type === 'channel') {
    const channel = findChannel(ctx, realmId, input.to.channel);
    recipient = { type: 'channel', channelId: channel.id, topic: normalizeTopic(input.to.topic) };
  } else {
    for (const u of dmUsers) if (!u.isActive) throw noLongerUsingZulip(u.email);
    const ids = [...new Set([...dmUsers.map((u) => u.id), sender.id])].sort((a, b) => a - b);
    recipient = { type: 'direct', userIds: ids };
  }

  const { html, mentions } = renderMessage(content, state.usersOf(realmId));
  const message = state.addMessage({
    realmId,
    senderId: sender.id,
    recipient,
    renderedContent: html,
    dateSent: Math.floor(ctx.clock.now() / 1000),
  });
  // Messages a user sends are read for them.
  state.setRead(sender.id, [message.id], true);

  for (const r of pushRecipients(state, message, mentions)) {
    ctx.queue.enqueue(`missedmessage_mobile_notifications:message:${message.id}:user:${r.userId}`, () =>
      handlePushNotification(ctx, { userId: r.userId, messageId: message.id, trigger: r.trigger }),
    );
  }
  return message;
}

// --- taking notifications back ---------------------------------------------------------------------

/**
 * do_clear_mobile_push_notifications_for_ids: for each user, the given messages that had a push
 * get one remove event (a queued task), which clears their flag once sent. Returns the ids per user.
 */
export function clearMobilePushNotifications(ctx: ZulipServerContext, userIds: Iterable<number>, messageIds: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const userId of userIds) {
    const ids = [...new Set(messageIds)].filter((id) => ctx.state.hasActivePushNotification(userId, id));
    if (ids.length === 0) continue;
    out.set(userId, ids);
    ctx.queue.enqueue(`missedmessage_mobile_notifications:remove:user:${userId}`, () => handleRemovePushNotification(ctx, userId, ids));
  }
  return out;
}

/** Messages marked read by `userId`: remove pushes for those that had a notification. */
export function markAsRead(ctx: ZulipServerContext, userId: number, messageIds: number[]): void {
  ctx.state.setRead(userId, messageIds, true);
  clearMobilePushNotifications(ctx, [userId], messageIds);
}

/** do_delete_messages: every user's notification of them is removed, then the messages go. */
export function deleteMessages(ctx: ZulipServerContext, messageIds: number[]): void {
  const users = new Set<number>();
  for (const [userId, ids] of ctx.state.activePushNotifications) if (messageIds.some((id) => ids.has(id))) users.add(userId);
  clearMobilePushNotifications(ctx, [...users].sort((a, b) => a - b), messageIds);
  for (const id of messageIds) ctx.state.deleteMessage(id);
}
