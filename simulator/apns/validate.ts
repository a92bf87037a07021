/**
 * What APNs checks in a push request, in the order the mock checks it. Order matters only for
 * a request with several faults, but then it decides which single reason the client sees, so it
 * is fixed here, adapted from Pushy's mock (providers.md §A1 "Pushy's mock validation order"):
 *
 *   1. repeated apns-* / authorization header   → DuplicateHeaders (the rest would be ambiguous)
 *   2. method not POST                           → 405 MethodNotAllowed
 *   3. :path not /3/device/…                     → 404 BadPath;  /3/device/ alone → MissingDeviceToken
 *   4. token not hex of the configured length    → BadDeviceToken
 *   5. apns-topic absent / not a bundle id       → MissingTopic / BadTopic
 *   6. apns-push-type unknown, or not the one
 *      the topic's suffix calls for              → InvalidPushType
 *   7. apns-priority not 10, 5 or 1              → BadPriority
 *   8. apns-expiration not a non-negative integer→ BadExpirationDate
 *   9. apns-collapse-id over 64 bytes            → BadCollapseId
 *  10. apns-id not a canonical UUID              → BadMessageId
 *  11. topic not one of the registered apps      → TopicDisallowed
 *  12. token unknown → BadDeviceToken; registered for another app → DeviceTokenNotForTopic;
 *      unregistered → 410 Unregistered + timestamp
 *  13. provider token (provider-token.ts) — after the path/token checks and before the payload,
 *      where Pushy's mock checks it
 *  14. body empty → PayloadEmpty; over 4096 bytes (5120 for voip) → 413 PayloadTooLarge;
 *      not a JSON object → PayloadEmpty (see checkPayload)
 *
 * Steps 1–10 look at the request alone (checkRequest), 11–12 at the registry (checkRecipient),
 * 14 at the body (checkPayload). The handler runs them around step 13.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { DeviceRegistry } from '../core/provider-mock/devices';
import { isWellFormedDeviceToken, normalizeDeviceToken, type TokenHexLength } from './device-tokens';
import { because, reject, type ApnsRejection } from './reasons';

export const DEVICE_PATH_PREFIX = '/3/device/';
export const MAX_PAYLOAD_BYTES = 4096;
export const MAX_VOIP_PAYLOAD_BYTES = 5120;
export const MAX_COLLAPSE_ID_BYTES = 64;

/** Apple's push types (providers.md §A1 header table; `widgets` and `controls` are newer). */
export const PUSH_TYPES = new Set([
  'alert',
  'background',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'location',
  'liveactivity',
  'pushtotalk',
  'widgets',
  'controls',
]);

/**
 * Push types whose topic is the bundle id plus a suffix (Apple, "Sending notification requests
 * to APNs"). APNs documents no reason for a mismatch; InvalidPushType is the closest.
 */
const TOPIC_SUFFIXES: Record<string, string> = {
  voip: '.voip',
  complication: '.complication',
  fileprovider: '.pushkit.fileprovider',
  location: '.location-query',
  liveactivity: '.push-type.liveactivity',
  pushtotalk: '.voip-ptt',
};

const PRIORITIES = new Set(['10', '5', '1']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BUNDLE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const isCanonicalUuid = (id: string) => UUID.test(id);
const CHECKED_FOR_DUPLICATES = (name: string) => name.startsWith('apns-') || name === 'authorization';

export interface PushRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Flat [name, value, name, value, …] as received: the only place a repeated header shows. */
  rawHeaders: readonly string[];
}

/** A request that passed steps 1–10. */
export interface PushHeaders {
  /** Lower-case. */
  token: string;
  topic: string;
  /** The topic without its push-type suffix: the app the device registered for. */
  bundleId: string;
  pushType: string;
  priority: number;
  /** Unix seconds; null when absent. */
  expiration: number | null;
  collapseId: string | null;
  /** As sent; null when absent (the mock then makes one). */
  apnsId: string | null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; rejection: ApnsRejection };

const fail = (rejection: ApnsRejection) => ({ ok: false as const, rejection });

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The device token in a /3/device/ path (lower-case), or null: used to journal and match faults even for refused requests. */
export function deviceOfPath(path: string): string | null {
  if (!path.startsWith(DEVICE_PATH_PREFIX)) return null;
  const token = path.slice(DEVICE_PATH_PREFIX.length);
  return token === '' ? null : normalizeDeviceToken(token);
}

/** Steps 1–10. */
export function checkRequest(req: PushRequest, tokenHexLength: TokenHexLength): Checked<PushHeaders> {
  const seen = new Set<string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (!CHECKED_FOR_DUPLICATES(name)) continue;
    if (seen.has(name)) return fail(because('DuplicateHeaders', `${name} appears more than once`));
    seen.add(name);
  }

  if (req.method !== 'POST') return fail(reject('MethodNotAllowed'));
  if (!req.path.startsWith(DEVICE_PATH_PREFIX)) return fail(reject('BadPath'));
  const rawToken = req.path.slice(DEVICE_PATH_PREFIX.length);
  if (rawToken === '') return fail(reject('MissingDeviceToken'));
  if (!isWellFormedDeviceToken(rawToken, tokenHexLength)) {
    return fail(because('BadDeviceToken', `the token is not ${tokenHexLength.min}–${tokenHexLength.max} hex characters`));
  }

  const topic = header(req.headers, 'apns-topic');
  if (topic === undefined || topic === '') return fail(reject('MissingTopic'));
  if (!BUNDLE_ID.test(topic)) return fail(reject('BadTopic'));

  const pushTypeHeader = header(req.headers, 'apns-push-type');
  const suffixType = Object.keys(TOPIC_SUFFIXES).find((t) => topic.endsWith(TOPIC_SUFFIXES[t]!));
  // Absent: "recommended" outside watchOS, so not required; a suffixed topic says what it is.
  const pushType = pushTypeHeader ?? suffixType ?? 'alert';
  if (!PUSH_TYPES.has(pushType)) return fail(reject('InvalidPushType'));
  if (suffixType !== pushType && (suffixType !== undefined || TOPIC_SUFFIXES[pushType] !== undefined)) {
    const wanted = TOPIC_SUFFIXES[pushType] ? `a topic ending in ${TOPIC_SUFFIXES[pushType]}` : 'a topic without a push-type suffix';
    return fail(because('InvalidPushType', `${pushType} pushes need ${wanted}`));
  }

  const priority = header(req.headers, 'apns-priority');
  if (priority !== undefined && !PRIORITIES.has(priority)) return fail(reject('BadPriority'));

  const expiration = header(req.headers, 'apns-expiration');
  if (expiration !== undefined && !(/^\d{1,15}$/.test(expiration))) return fail(reject('BadExpirationDate'));

  const collapseId = header(req.headers, 'apns-collapse-id');
  if (collapseId !== undefined && Buffer.byteLength(collapseId) > MAX_COLLAPSE_ID_BYTES) return fail(reject('BadCollapseId'));

  const apnsId = header(req.headers, 'apns-id');
  if (apnsId !== undefined && !isCanonicalUuid(apnsId)) return fail(reject('BadMessageId'));

  return {
    ok: true,
    value: {
      token: normalizeDeviceToken(rawToken),
      topic,
      bundleId: suffixType === undefined ? topic : topic.slice(0, -TOPIC_SUFFIXES[suffixType]!.length),
      pushType,
      priority: priority === undefined ? 10 : Number(priority),
      expiration: expiration === undefined ? null : Number(expiration),
      collapseId: collapseId ?? null,
      apnsId: apnsId ?? null,
    },
  };
}

/** Steps 11–12: may this provider push to this app, and is the token one of its live devices? */
export function checkRecipient(push: PushHeaders, topics: ReadonlySet<string>, devices: DeviceRegistry): ApnsRejection | null {
  if (!topics.has(push.bundleId)) return because('TopicDisallowed', `${push.bundleId} is not one of this provider's apps (${[...topics].join(', ')})`);
  const device = devices.get(push.token);
  // A well-formed token APNs never issued is as bad as a malformed one (and is what a token from
  // the other environment looks like).
  if (!device) return because('BadDeviceToken', 'no device has this token');
  if (device.scope !== push.bundleId) return because('DeviceTokenNotForTopic', `the token belongs to ${device.scope}`);
  if (device.state === 'unregistered') return reject('Unregistered', device.unregisteredAt ?? undefined);
  return null;
}

/** Step 14: what the device would receive. */
export function checkPayload(body: Buffer, pushType: string): Checked<{ notification: Record<string, unknown>; hasAps: boolean }> {
  if (body.length === 0) return fail(reject('PayloadEmpty'));
  const limit = pushType === 'voip' ? MAX_VOIP_PAYLOAD_BYTES : MAX_PAYLOAD_BYTES;
  if (body.length > limit) return fail(reject('PayloadTooLarge'));
  // Apple documents no reason for a body that is not a JSON dictionary (there is no "BadPayload"
  // in its table). PayloadEmpty — "the message payload is empty" — is the closest documented
  // one: APNs finds no payload dictionary in it. A dictionary without `aps` is accepted: MDM
  // pushes carry none, and APNs answers 200 to such pushes (the device just shows nothing;
  // node-apn/node-apn#344), so the journal flags it instead of the mock refusing it.
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return fail(because('PayloadEmpty', 'the body is not JSON'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(because('PayloadEmpty', 'the body is not a JSON dictionary'));
  const notification = parsed as Record<string, unknown>;
  const aps = notification.aps;
  return { ok: true, value: { notification, hasAps: typeof aps === 'object' && aps !== null && !Array.isArray(aps) } };
}
