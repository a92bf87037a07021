/**
 * The message endpoints that start or take back mobile pushes, and the test notifications:
 *
 *   POST   /api/v1/messages                         send_message_backend → {"id": <message id>}
 *   POST   /api/v1/messages/flags                   update_message_flags → {"messages": [...]}
 *   DELETE /api/v1/messages/{message_id}            delete_message_backend
 *   POST   /api/v1/mobile_push/test_notification    legacy test (optional `token`)
 *   POST   /api/v1/mobile_push/e2ee/test_notification  E2EE test (12.x `device_id`, 11.x `push_account_id`)
 *
 * Parameters are read typed_endpoint style (their order is the view's signature order), and
 * errors carry Zulip's messages. Messages marked "(inferred)" are Zulip's conventions, not read.
 */
import { badRequest, notAnInteger } from '../../../bouncer/errors';
import { json, jsonInt, readFields, str, type Field } from '../../../bouncer/http/params';
import { JsonableError } from '../../../core/errors';
import { deleteMessages, invalidMessages, markAsRead, sendMessage, usersByEmails, type MessageTarget } from '../../push/messages';
import { sendE2eeTestNotification, sendLegacyTestNotification } from '../../push/test-notification';
import { ROLE, type User } from '../../types';
import type { AuthedRequest, Handler, RouteDef } from '../route';
import type { ZulipServerContext } from '../../context';

const MESSAGE_TYPES = { direct: 'direct', private: 'direct', stream: 'channel', channel: 'channel' } as const;
type MessageType = (typeof MESSAGE_TYPES)[keyof typeof MESSAGE_TYPES];

/** `Literal["direct", "private", "stream", "channel"]`; the error text is (inferred). */
const messageType: Field<MessageType> & { name: 'type'; required: true } = {
  name: 'type',
  required: true,
  parse(raw) {
    if (!Object.hasOwn(MESSAGE_TYPES, raw)) throw badRequest('Invalid type');
    return MESSAGE_TYPES[raw as keyof typeof MESSAGE_TYPES];
  },
};

const parseJsonOrRaw = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

/** extract_stream_indicator: a channel id, a name, a JSON-encoded name, or a one-element list. */
export function extractStreamIndicator(s: string): string | number {
  let data = parseJsonOrRaw(s);
  if (Array.isArray(data)) {
    if (data.length !== 1) throw badRequest('Expected exactly one channel');
    data = data[0];
  }
  if (typeof data === 'string') return data;
  if (typeof data === 'number' && Number.isInteger(data)) return data;
  throw badRequest('Invalid data type for channel');
}

/** extract_private_recipients: JSON list of ids or of emails, or comma-separated emails. */
export function extractPrivateRecipients(s: string): { ids: number[] } | { emails: string[] } {
  let data = parseJsonOrRaw(s);
  if (typeof data === 'string') data = data.split(',');
  if (!Array.isArray(data)) throw badRequest('Invalid data type for recipients');
  if (data.length === 0) return { ids: [] };
  const mixed = () => badRequest('Recipient lists may contain emails or user IDs, but not both.');
  if (typeof data[0] === 'string') {
    if (!data.every((e): e is string => typeof e === 'string')) throw mixed();
    return { emails: [...new Set(data.map((e) => e.trim()))].filter((e) => e !== '') };
  }
  if (typeof data[0] !== 'number' || !Number.isInteger(data[0])) throw badRequest('Invalid data type for recipients');
  if (!data.every((e): e is number => typeof e === 'number' && Number.isInteger(e))) throw mixed();
  return { ids: [...new Set(data)] };
}

const sendMessageRoute: Handler<AuthedRequest> = async (req, ctx) => {
  const { type, to } = readFields(req.params, [messageType, str('to', false)] as const);
  // `topic`, with its legacy alias `subject`.
  const topicParam = req.params.get('topic');
  const subjectParam = req.params.get('subject');
  const topic = topicParam ?? subjectParam;
  const { content } = readFields(req.params, [str('content', true)] as const);

  let target: MessageTarget;
  if (type === 'channel') {
    if (to === undefined) throw badRequest('Missing channel');
    const channel = extractStreamIndicator(to);
    if (topic === undefined) throw badRequest('Missing topic');
    target = { type: 'channel', channel, topic };
  } else {
    if (to === undefined) throw badRequest('Message must have recipients');
    const recipients = extractPrivateRecipients(to);
    if ('emails' in recipients) {
      if (recipients.emails.length === 0) throw badRequest('Message must have recipients');
      target = { type: 'direct', userIds: usersByEmails(ctx, req.user.realmId, recipients.emails).map((u) => u.id) };
    } else {
      target = { type: 'direct', userIds: recipients.ids };
    }
  }
  const message = await sendMessage(ctx, { senderId: req.user.id, to: target, content });
  return { id: message.id };
};

// --- flags --------------------------------------------------------------------------------------

/** The flags the API knows (UserMessage.flags minus NON_API_FLAGS) and those it lets clients change. */
const API_FLAGS = new Set([
  'read',
  'starred',
  'collapsed',
  'mentioned',
  'stream_wildcard_mentioned',
  'topic_wildcard_mentioned',
  'group_mentioned',
  'has_alert_word',
  'historical',
]);
const EDITABLE_FLAGS = new Set(['read', 'starred', 'collapsed']);

/** `Json[list[int]]`; the list errors follow typed_endpoint's wording (inferred). */
function jsonIntList(name: string, raw: unknown): number[] {
  if (!Array.isArray(raw)) throw badRequest(`${name} is not a list`);
  raw.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw notAnInteger(`${name}[${i}]`);
  });
  return raw as number[];
}

const updateFlagsRoute: Handler<AuthedRequest> = (req, ctx) => {
  const fields = readFields(req.params, [json('messages', true), str('op', true), str('flag', true)] as const);
  const messages = jsonIntList('messages', fields.messages);
  const { op, flag } = fields;
  if (!API_FLAGS.has(flag)) throw badRequest(`Invalid flag: '${flag}'`);
  if (!EDITABLE_FLAGS.has(flag)) throw badRequest(`Flag not editable: '${flag}'`);
  if (op !== 'add' && op !== 'remove') throw badRequest(`Invalid message flag operation: '${op}'`);
  for (const id of messages) {
    const m = ctx.state.messages.get(id);
    if (!m || !ctx.state.receivedMessage(req.user.id, m)) throw invalidMessages();
  }
  if (flag === 'read') {
    // Only marking read takes notifications back (do_clear_mobile_push_notifications_for_ids).
    if (op === 'add') markAsRead(ctx, req.user.id, messages);
    else ctx.state.setRead(req.user.id, messages, false);
  }
  return { messages };
};

// --- delete -------------------------------------------------------------------------------------

const isAdmin = (u: User) => u.role === ROLE.OWNER || u.role === ROLE.ADMINISTRATOR;

const deleteMessageRoute: Handler<AuthedRequest> = (req, ctx) => {
  const raw = req.pathParams.message_id ?? '';
  // Zulip's URL pattern only matches digits.
  if (!/^[0-9]+$/.test(raw)) throw new JsonableError('Endpoint not found', { status: 404 });
  const m = ctx.state.messages.get(Number(raw));
  if (!m || !ctx.state.receivedMessage(req.user.id, m)) throw invalidMessages();
  // access_message_for_deletion: administrators, or the sender (realm time limits not modelled).
  if (m.senderId !== req.user.id && !isAdmin(req.user)) throw badRequest("You don't have permission to delete this message");
  deleteMessages(ctx, [m.id]);
  return {};
};

// --- test notifications -----------------------------------------------------------------------

const legacyTestNotificationRoute: Handler<AuthedRequest> = async (req, ctx) => {
  const { token } = readFields(req.params, [str('token', false)] as const);
  await sendLegacyTestNotification(ctx, req.user, token);
  return {};
};

const e2eeTestNotificationRoute: Handler<AuthedRequest> = async (req, ctx: ZulipServerContext) => {
  if (ctx.settings().profile === 12) {
    const { device_id } = readFields(req.params, [jsonInt('device_id', false)] as const);
    await sendE2eeTestNotification(ctx, req.user, { deviceId: device_id });
  } else {
    const { push_account_id } = readFields(req.params, [jsonInt('push_account_id', false)] as const);
    await sendE2eeTestNotification(ctx, req.user, { pushAccountId: push_account_id });
  }
  return {};
};

export const testNotificationRoutes: RouteDef[] = [
  { path: '/api/v1/mobile_push/test_notification', auth: 'human', methods: { POST: legacyTestNotificationRoute } },
  { path: '/api/v1/mobile_push/e2ee/test_notification', auth: 'human', methods: { POST: e2eeTestNotificationRoute } },
];

export const messageRoutes: RouteDef[] = [
  { path: '/api/v1/messages', auth: 'user', methods: { POST: sendMessageRoute } },
  { path: '/api/v1/messages/flags', auth: 'user', methods: { POST: updateFlagsRoute } },
  { path: '/api/v1/messages/:message_id', auth: 'user', methods: { DELETE: deleteMessageRoute } },
  ...testNotificationRoutes,
];
