/**
 * A `messages:send` body, validated as FCM does it, in two stages:
 *  1. parsing (proto-json.ts): a 400 with a BadRequest detail for anything the JSON parser of
 *     Google's front end refuses;
 *  2. FCM's own rules, each a 400 INVALID_ARGUMENT with an FcmError detail (ErrorCode reference:
 *     "invalid registration, invalid package name, message too big, invalid data key, invalid
 *     TTL"): a target, no reserved data key, the payload size limit, TTL within 28 days.
 * Whether a token is registered is the registry's business (send.ts).
 */
import { badRequest, fcmError } from './errors';
import { SEND_MESSAGE_REQUEST } from './message-schema';
import { ProtoJsonParser, type ProtoObject } from './proto-json';

export type Target = { kind: 'token'; token: string } | { kind: 'topic'; topic: string } | { kind: 'condition'; condition: string };

export interface SendRequest {
  validateOnly: boolean;
  /** The message with proto (snake_case) field names, as parsed. */
  message: ProtoObject;
  target: Target;
}

/** "4096 bytes for most messages, or 2048 bytes in the case of messages to topics" (ErrorCode doc). */
export const DATA_LIMIT_BYTES = 4096;
export const TOPIC_DATA_LIMIT_BYTES = 2048;
/** "a duration from 0 to 2,419,200 seconds (28 days)" (AndroidConfig.ttl reference); also the default. */
export const MAX_TTL_SECONDS = 2_419_200;

export const INVALID_TOKEN_MESSAGE = 'The registration token is not a valid FCM registration token';

/**
 * Keys FCM keeps for itself in `data` (ErrorCode doc: "such as from, or gcm, or any value
 * prefixed by google"; Message.data reference: "from", "message_type", "google."/"gcm.notification."
 * prefixes). `notification` and `collapse_key` are NOT refused: real FCM accepts them
 * (kreait/firebase-php 5.17.1 release notes), whatever older docs said.
 */
const RESERVED_KEYS = new Set(['from', 'gcm', 'message_type']);
const RESERVED_PREFIXES = ['google', 'gcm.'];

export const isReservedDataKey = (key: string): boolean => RESERVED_KEYS.has(key) || RESERVED_PREFIXES.some((p) => key.startsWith(p));

const TOPIC_NAME = /^[a-zA-Z0-9\-_.~%]{1,900}$/;

/** Parses and checks a request body; throws RpcError. */
export function parseSendRequest(body: string): SendRequest {
  let json: unknown = {};
  if (body.trim() !== '') {
    try {
      json = JSON.parse(body);
    } catch {
      throw badRequest([{ description: 'Invalid JSON payload received. Unexpected token.' }]);
    }
  }
  const parser = new ProtoJsonParser();
  const request = parser.parseRoot(json, SEND_MESSAGE_REQUEST);
  if (parser.violations.length > 0) throw badRequest(parser.violations);
  const message = (request.message as ProtoObject | undefined) ?? {};
  const target = targetOf(message);
  checkData(message, target);
  checkTtl(message);
  return { validateOnly: request.validate_only === true, message, target };
}

function targetOf(message: ProtoObject): Target {
  if (typeof message.token === 'string') {
    if (message.token === '') throw fcmError('INVALID_ARGUMENT', { message: INVALID_TOKEN_MESSAGE });
    return { kind: 'token', token: message.token };
  }
  if (typeof message.topic === 'string') {
    // Admin SDKs strip a leading "/topics/"; FCM also accepts it.
    const topic = message.topic.replace(/^\/topics\//, '');
    if (!TOPIC_NAME.test(topic)) throw fcmError('INVALID_ARGUMENT', { message: 'Invalid topic name.' /* (inferred) */ });
    return { kind: 'topic', topic };
  }
  if (typeof message.condition === 'string' && message.condition.trim() !== '') {
    return { kind: 'condition', condition: message.condition };
  }
  throw fcmError('INVALID_ARGUMENT', { message: 'Recipient of the message is not set.' /* (inferred) */ });
}

function checkData(message: ProtoObject, target: Target): void {
  const data = effectiveData(message);
  for (const key of Object.keys(data)) {
    // Wording from a real refusal quoted in kreait/firebase-php#574.
    if (isReservedDataKey(key)) throw fcmError('INVALID_ARGUMENT', { message: `Invalid data payload key: ${key}` });
  }
  const size = Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  // A condition is a boolean expression over topics: it gets the topic limit too.
  const limit = target.kind === 'token' ? DATA_LIMIT_BYTES : TOPIC_DATA_LIMIT_BYTES;
  if (size > limit) throw fcmError('INVALID_ARGUMENT', { message: 'Android message is too big' /* (inferred) */ });
}

function checkTtl(message: ProtoObject): void {
  const seconds = ttlSeconds(message);
  if (seconds !== null && (seconds < 0 || seconds > MAX_TTL_SECONDS)) {
    throw fcmError('INVALID_ARGUMENT', { message: `TTL must be between 0 and ${MAX_TTL_SECONDS} seconds.` /* (inferred) */ });
  }
}

const android = (m: ProtoObject): ProtoObject => (m.android as ProtoObject | undefined) ?? {};

/** What an Android app's onMessageReceived sees: message.data overlaid by android.data. */
export function effectiveData(m: ProtoObject): Record<string, string> {
  return { ...((m.data as Record<string, string> | undefined) ?? {}), ...((android(m).data as Record<string, string> | undefined) ?? {}) };
}

export function ttlSeconds(m: ProtoObject): number | null {
  const ttl = android(m).ttl;
  return typeof ttl === 'string' ? Number(ttl.slice(0, -1)) : null;
}

/** The accepted message as the device receives it: the journal's `notification`. */
export interface FcmDelivery {
  /** `projects/<p>/messages/<id>`. */
  name: string;
  messageId: string;
  project: string;
  target: Target;
  /** `high` / `normal`, as RemoteMessage.getPriority() reports it. */
  priority: 'high' | 'normal';
  ttlSeconds: number;
  collapseKey: string | null;
  data: Record<string, string>;
  /** message.notification overlaid by android.notification, or null for a data message. */
  notification: ProtoObject | null;
  /** The message as FCM parsed it (proto field names), including apns/webpush blocks. */
  message: ProtoObject;
}

export function toDelivery(req: SendRequest, project: string, messageId: string): FcmDelivery {
  const m = req.message;
  const a = android(m);
  const notification =
    m.notification || a.notification ? { ...((m.notification as ProtoObject | undefined) ?? {}), ...((a.notification as ProtoObject | undefined) ?? {}) } : null;
  // "notification messages are sent with high priority, and data messages with normal priority"
  // unless android.priority says otherwise (firebase-admin AndroidConfig.priority docs).
  const priority = a.priority ? (a.priority === 'HIGH' ? 'high' : 'normal') : notification ? 'high' : 'normal';
  return {
    name: `projects/${project}/messages/${messageId}`,
    messageId,
    project,
    target: req.target,
    priority,
    ttlSeconds: ttlSeconds(m) ?? MAX_TTL_SECONDS,
    collapseKey: typeof a.collapse_key === 'string' ? a.collapse_key : null,
    data: effectiveData(m),
    notification,
    message: m,
  };
}
