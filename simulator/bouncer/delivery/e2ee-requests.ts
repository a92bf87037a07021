/**
 * The push requests of `push/e2ee/notify` (bouncer-protocol.md §6.3), validated like Zulip's
 * pydantic union (an APNs item has `http_headers`, an FCM item `fcm_priority`). Profile 11 keys
 * devices by `device_id` and payloads by `push_account_id`; profile 12 by `token_id` and
 * `push_key_id`. A request that fits neither shape is `Invalid payload["push_requests"][i]`
 * (inferred: pydantic's union error has no single Zulip template).
 */
import { badRequest } from '../errors';

export type E2eeProfile = 11 | 12;

export interface ApnsPushRequest {
  kind: 'apns';
  /** device_id (11) or token_id (12), as sent. */
  id: number | string;
  priority: 10 | 5 | 1;
  pushType: string;
  /** Sent to APNs verbatim. */
  payload: Record<string, unknown>;
}

export interface FcmPushRequest {
  kind: 'fcm';
  id: number | string;
  priority: 'high' | 'normal';
  /** FCM data: string values only. */
  data: Record<string, string>;
}

export type PushRequest = ApnsPushRequest | FcmPushRequest;

/** aioapns PushType values. */
const APNS_PUSH_TYPES = new Set(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'liveactivity', 'location', 'pushtotalk']);
const DEFAULT_APS = { 'mutable-content': 1, alert: { title: 'New notification' } };

const isDict = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parsePushRequests(value: unknown, profile: E2eeProfile): PushRequest[] {
  if (!Array.isArray(value)) throw badRequest('payload["push_requests"] is not a list');
  return value.map((item, i) => {
    const parsed = isDict(item) ? parseOne(item, profile) : null;
    if (!parsed) throw badRequest(`Invalid payload["push_requests"][${i}]`);
    return parsed;
  });
}

function parseOne(item: Record<string, unknown>, profile: E2eeProfile): PushRequest | null {
  const idKey = profile === 11 ? 'device_id' : 'token_id';
  const keyIdKey = profile === 11 ? 'push_account_id' : 'push_key_id';
  const id = item[idKey];
  if (profile === 11 ? !Number.isSafeInteger(id) : typeof id !== 'string') return null;
  const payload = item.payload;
  if (!isDict(payload) || !Number.isSafeInteger(payload[keyIdKey]) || typeof payload.encrypted_data !== 'string') return null;
  const keyId = payload[keyIdKey] as number;
  const encryptedData = payload.encrypted_data;

  if ('http_headers' in item) {
    const h = item.http_headers;
    if (!isDict(h) || ![10, 5, 1].includes(h.apns_priority as number) || !APNS_PUSH_TYPES.has(h.apns_push_type as string)) return null;
    // Absent → the dataclass default; present, it must be a dict (`null` is not one).
    const aps = 'aps' in payload ? payload.aps : DEFAULT_APS;
    if (!isDict(aps)) return null;
    return {
      kind: 'apns',
      id: id as number | string,
      priority: h.apns_priority as 10 | 5 | 1,
      pushType: h.apns_push_type as string,
      payload: { [keyIdKey]: keyId, encrypted_data: encryptedData, aps },
    };
  }
  if (item.fcm_priority === 'high' || item.fcm_priority === 'normal') {
    return {
      kind: 'fcm',
      id: id as number | string,
      priority: item.fcm_priority,
      data: { [keyIdKey]: String(keyId), encrypted_data: encryptedData },
    };
  }
  return null;
}
