/**
 * E2EE notifications (server-and-app.md §A.3, §A.4, §B): the plaintext payload per type, its
 * encryption for one device, and the `push/e2ee/notify` body.
 *
 * Plaintext (`get_message_payload(..., for_legacy_clients=False)` + `get_message_payload_gcm`):
 * `realm_url, realm_name, user_id, sender_id, [mentioned_user_group_id, mentioned_user_group_name],`
 * then `recipient_type:"channel", channel_name, channel_id, topic` or `recipient_type:"direct"`
 * with `recipient_user_ids` (12.x, FL 429: sorted, self included, every DM; self-DM → [self]) or
 * `pm_users` (11.x: "<sorted comma ids>", group DMs only), then `type:"message", message_id, time,
 * content (truncated, never redacted), sender_full_name, sender_avatar_url`. Remove:
 * `type:"remove", message_ids` (the 200 newest). Test: `type:"test", time`. No `server`,
 * `realm_id`, `realm_uri` or `sender_email`.
 *
 * Encryption (§B.1, 12.x `get_encrypted_data`): key = push_key[1:] (push_key[0] must be 0x31);
 * `base64(nonce(24) ‖ crypto_secretbox_easy(orjson.dumps(payload), nonce, key))`, a fresh random
 * nonce per device. `JSON.stringify` of the objects built here equals `orjson.dumps` of Zulip's dicts
 * (compact, insertion order, non-ASCII unescaped).
 *
 * Notify body (§B.2; bouncer-protocol.md §6.3): `{"realm_uuid", "push_requests": [...]}` with one
 * request per device — APNs `{token_id, http_headers:{apns_priority, apns_push_type},
 * payload:{push_key_id, encrypted_data, aps}}`, FCM `{token_id, fcm_priority,
 * payload:{push_key_id, encrypted_data}}` (the bouncer stringifies `push_key_id` for FCM).
 * Priorities: high / 10 / alert for messages and tests, normal / 5 / background for removals.
 * `aps`: 12.x `{"mutable-content":1}` plus, unless a removal, `"alert":{"title":"New notification"}`
 * and `"sound":"default"`; 11.x `{"mutable-content":1,"alert":{"title":"New notification"}}` for
 * every type. 11.x names devices by the bouncer's `device_id` and keys by `push_account_id`.
 */
import sodium from 'libsodium-wrappers';
import type { E2eePushDevice, Realm, User } from '../types';
import {
  e2eeBasePayload,
  messageContent,
  resolveMessage,
  senderView,
  truncateRemoveMessageIds,
  unixSeconds,
  type E2eeBasePayload,
  type MessagePushInput,
  type ServerProfile,
} from './common';

/** First byte of a `push_key`: libsodium secretbox (`pushKeyTagSecretbox`). */
export const PUSH_KEY_TAG_SECRETBOX = 0x31;
export const PUSH_KEY_LENGTH = 33;
export const NONCE_LENGTH = 24;
/** The fallback alert iOS shows if the Notification Service Extension cannot run. */
export const E2EE_APNS_ALERT_TITLE = 'New notification';

// --- plaintext payloads ---------------------------------------------------------------------------

export type E2eeRecipientFields =
  | { recipient_type: 'channel'; channel_name: string; channel_id: number; topic: string }
  /** 12.x (FL 429+). */
  | { recipient_type: 'direct'; recipient_user_ids: number[] }
  /** 11.x (FL 413–428): `pm_users` only for group DMs. */
  | { recipient_type: 'direct'; pm_users?: string };

export type E2eeMessagePlaintext = E2eeBasePayload & {
  sender_id: number;
  mentioned_user_group_id?: number;
  mentioned_user_group_name?: string;
} & E2eeRecipientFields & {
    type: 'message';
    message_id: number;
    time: number;
    content: string;
    sender_full_name: string;
    sender_avatar_url: string;
  };

export type E2eeRemovePlaintext = E2eeBasePayload & { type: 'remove'; message_ids: number[] };
export type E2eeTestPlaintext = E2eeBasePayload & { type: 'test'; time: number };
export type E2eePlaintext = E2eeMessagePlaintext | E2eeRemovePlaintext | E2eeTestPlaintext;

/** The plaintext of a message notification. `profile` (default 12) picks the DM recipient field. */
export function buildE2eeMessagePayload(input: MessagePushInput & { profile?: ServerProfile }): E2eeMessagePlaintext {
  const m = resolveMessage(input);
  const sender = senderView(input);
  const group = input.mentionedUserGroup ?? null;
  const head = {
    ...e2eeBasePayload(input.realm, input.user),
    sender_id: input.sender.id,
    ...(group ? { mentioned_user_group_id: group.id, mentioned_user_group_name: group.name } : {}),
  };
  let recipient: E2eeRecipientFields;
  if (m.kind === 'channel') {
    recipient = { recipient_type: 'channel', channel_name: m.channel!.name, channel_id: m.channel!.id, topic: m.topic };
  } else if ((input.profile ?? 12) === 12) {
    // A self-DM lists only the user; the sender is the user, so the set is still [self].
    recipient = { recipient_type: 'direct', recipient_user_ids: [...new Set([...m.participantIds, input.sender.id])].sort((a, b) => a - b) };
  } else {
    recipient = m.isGroupDm ? { recipient_type: 'direct', pm_users: m.participantIds.join(',') } : { recipient_type: 'direct' };
  }
  return {
    ...head,
    ...recipient,
    type: 'message',
    message_id: input.message.id,
    time: unixSeconds(input.message.dateSent),
    content: messageContent(input),
    sender_full_name: sender.name,
    sender_avatar_url: sender.avatarUrl,
  };
}

/** The plaintext of a remove notification: the 200 newest ids, ascending. */
export function buildE2eeRemovePayload(input: { realm: Realm; user: User; messageIds: readonly number[] }): E2eeRemovePlaintext {
  return { ...e2eeBasePayload(input.realm, input.user), type: 'remove', message_ids: truncateRemoveMessageIds(input.messageIds) };
}

/** The plaintext of a test notification (`send_e2ee_test_push_notification`); `time` in Unix seconds. */
export function buildE2eeTestPayload(input: { realm: Realm; user: User; time: number }): E2eeTestPlaintext {
  return { ...e2eeBasePayload(input.realm, input.user), type: 'test', time: unixSeconds(input.time) };
}

/** `orjson.dumps(payload)` as text. */
export const serializePlaintext = (payload: E2eePlaintext): string => JSON.stringify(payload);

// --- encryption -------------------------------------------------------------------------------------

export interface EncryptOptions {
  /** A 24-byte nonce instead of a random one (deterministic runs). Never reuse one with a key. */
  nonce?: Uint8Array;
}

/** The 32-byte secretbox key of a 33-byte `push_key` (tag 0x31); throws on any other key. */
export function secretboxKey(pushKey: Uint8Array): Uint8Array {
  if (pushKey.length !== PUSH_KEY_LENGTH || pushKey[0] !== PUSH_KEY_TAG_SECRETBOX) {
    throw new Error(`push key must be ${PUSH_KEY_LENGTH} bytes starting with 0x31`);
  }
  return pushKey.subarray(1);
}

/** `get_encrypted_data`: base64(nonce(24) ‖ crypto_secretbox_easy(plaintext, nonce, key)). */
export async function encryptForDevice(
  plaintextJson: string | Uint8Array,
  device: Pick<E2eePushDevice, 'pushKey'>,
  options: EncryptOptions = {},
): Promise<string> {
  await sodium.ready;
  const key = secretboxKey(device.pushKey);
  const nonce = options.nonce ?? sodium.randombytes_buf(NONCE_LENGTH);
  if (nonce.length !== NONCE_LENGTH) throw new Error(`nonce must be ${NONCE_LENGTH} bytes`);
  const message = typeof plaintextJson === 'string' ? sodium.from_string(plaintextJson) : plaintextJson;
  const box = sodium.crypto_secretbox_easy(message, nonce, key);
  const out = new Uint8Array(NONCE_LENGTH + box.length);
  out.set(nonce, 0);
  out.set(box, NONCE_LENGTH);
  return Buffer.from(out).toString('base64');
}

// --- push/e2ee/notify ---------------------------------------------------------------------------------

export type ApsDict = { 'mutable-content': 1; alert?: { title: string }; sound?: 'default' };
export type ApnsHttpHeaders = { apns_priority: 10 | 5; apns_push_type: 'alert' | 'background' };
export type FcmPriority = 'high' | 'normal';

export type E2eeApnsPushRequest12 = {
  token_id: string;
  http_headers: ApnsHttpHeaders;
  payload: { push_key_id: number; encrypted_data: string; aps: ApsDict };
};
export type E2eeFcmPushRequest12 = { token_id: string; fcm_priority: FcmPriority; payload: { push_key_id: number; encrypted_data: string } };
export type E2eeApnsPushRequest11 = {
  device_id: number;
  http_headers: ApnsHttpHeaders;
  payload: { push_account_id: number; encrypted_data: string; aps: ApsDict };
};
export type E2eeFcmPushRequest11 = { device_id: number; fcm_priority: FcmPriority; payload: { push_account_id: number; encrypted_data: string } };

export type E2eeNotifyBody12 = { realm_uuid: string; push_requests: (E2eeApnsPushRequest12 | E2eeFcmPushRequest12)[] };
export type E2eeNotifyBody11 = { realm_uuid: string; push_requests: (E2eeApnsPushRequest11 | E2eeFcmPushRequest11)[] };

/** An 11.x E2EE registration as the server knows it (`PushDevice`). */
export interface E2eePushDevice11 {
  userId: number;
  tokenKind: 'apns' | 'fcm';
  /** 33 bytes: 0x31 then the secretbox key (the later-11.x `push_key`). */
  pushKey: Uint8Array;
  /** Client-chosen account id; keys the payload (`push_account_id`). */
  pushAccountId: number;
  /** The `device_id` the bouncer returned from `push/e2ee/register`. */
  bouncerDeviceId: number;
}

/** Priorities and push type (§B.2): removals are background pushes, the rest alert. */
export function e2eePriorities(type: E2eePlaintext['type']): { fcm: FcmPriority; apns: ApnsHttpHeaders } {
  const removal = type === 'remove';
  return {
    fcm: removal ? 'normal' : 'high',
    apns: { apns_priority: removal ? 5 : 10, apns_push_type: removal ? 'background' : 'alert' },
  };
}

/** The `aps` dictionary of an E2EE APNs payload (§B.2). */
export function e2eeAps(type: E2eePlaintext['type'], profile: ServerProfile): ApsDict {
  if (profile === 11) return { 'mutable-content': 1, alert: { title: E2EE_APNS_ALERT_TITLE } };
  if (type === 'remove') return { 'mutable-content': 1 };
  return { 'mutable-content': 1, alert: { title: E2EE_APNS_ALERT_TITLE }, sound: 'default' };
}

interface NotifyCommon {
  /** The realm's uuid (`realm_uuid`). */
  realmUuid: string;
  payload: E2eePlaintext;
  /** Nonces for the devices in order (deterministic runs); default: random. */
  nonces?: () => Uint8Array;
}
export interface E2eeNotifyInput12 extends NotifyCommon {
  profile: 12;
  /** The user's devices with a `push_token_id` (§B.2), all of them the payload's user's. */
  devices: readonly E2eePushDevice[];
}
export interface E2eeNotifyInput11 extends NotifyCommon {
  profile: 11;
  devices: readonly E2eePushDevice11[];
}

/**
 * The `push/e2ee/notify` body: every device gets the same plaintext under its own key and nonce.
 * Null when there is no device ("Skipping E2EE push notifications … no registered devices").
 * Throws if a device belongs to another user than the payload's: that would leak content.
 */
export async function buildE2eeNotifyRequest(input: E2eeNotifyInput12): Promise<E2eeNotifyBody12 | null>;
export async function buildE2eeNotifyRequest(input: E2eeNotifyInput11): Promise<E2eeNotifyBody11 | null>;
export async function buildE2eeNotifyRequest(
  input: E2eeNotifyInput12 | E2eeNotifyInput11,
): Promise<E2eeNotifyBody12 | E2eeNotifyBody11 | null> {
  if (input.devices.length === 0) return null;
  for (const d of input.devices) {
    if (d.userId !== input.payload.user_id) throw new Error(`E2EE device of user ${d.userId} given a payload for user ${input.payload.user_id}`);
  }
  const json = serializePlaintext(input.payload);
  const { fcm, apns } = e2eePriorities(input.payload.type);
  const encrypt = (d: { pushKey: Uint8Array }) => encryptForDevice(json, d, input.nonces ? { nonce: input.nonces() } : {});

  if (input.profile === 12) {
    const push_requests: E2eeNotifyBody12['push_requests'] = [];
    for (const d of input.devices) {
      const encrypted_data = await encrypt(d);
      push_requests.push(
        d.tokenKind === 'apns'
          ? { token_id: d.tokenId, http_headers: { ...apns }, payload: { push_key_id: d.pushKeyId, encrypted_data, aps: e2eeAps(input.payload.type, 12) } }
          : { token_id: d.tokenId, fcm_priority: fcm, payload: { push_key_id: d.pushKeyId, encrypted_data } },
      );
    }
    return { realm_uuid: input.realmUuid, push_requests };
  }
  const push_requests: E2eeNotifyBody11['push_requests'] = [];
  for (const d of input.devices) {
    const encrypted_data = await encrypt(d);
    push_requests.push(
      d.tokenKind === 'apns'
        ? {
            device_id: d.bouncerDeviceId,
            http_headers: { ...apns },
            payload: { push_account_id: d.pushAccountId, encrypted_data, aps: e2eeAps(input.payload.type, 11) },
          }
        : { device_id: d.bouncerDeviceId, fcm_priority: fcm, payload: { push_account_id: d.pushAccountId, encrypted_data } },
    );
  }
  return { realm_uuid: input.realmUuid, push_requests };
}
