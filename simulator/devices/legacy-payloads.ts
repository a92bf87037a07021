/**
 * Legacy (plaintext) pushes as the phone reads them (server-and-app.md §A.3 "Legacy FCM message
 * parsing", §C.3–§C.5): on iOS the OS shows `aps.alert`; on Android the app parses the FCM data
 * (all strings) and titles the notification itself, unless the account's server is FL 468+.
 */
import { accountMismatch, apsAlert, drop, E2EE_FEATURE_LEVEL, idList, isDict, isInt, showMessage, strictInt, type Dict, type InterpretContext, type Interpretation, type MessageData, type Recipient } from './notification';

/** iOS legacy: `{zulip: {...}, aps: {alert, sound, badge}}` — the OS shows the alert. */
export function apnsLegacy(p: Dict): Interpretation {
  const zulip = p.zulip;
  const alert = apsAlert(p.aps);
  if (!isDict(zulip)) return drop('not-zulip', 'an APNs payload with neither `zulip` nor `encrypted_data`', { fallback: alert });
  const realmUrl = typeof zulip.realm_url === 'string' ? zulip.realm_url : typeof zulip.realm_uri === 'string' ? zulip.realm_uri : null;
  const userId = isInt(zulip.user_id) ? zulip.user_id : null;
  const event = zulip.event ?? 'message';
  const common = { realmUrl, userId, payload: zulip, encrypted: false, pushKeyId: null };
  const shown = alert ?? { title: '', body: '' };
  if (event === 'remove') {
    const ids = idList(zulip.zulip_message_ids);
    if (!ids) return drop('malformed', 'a legacy APNs remove without zulip_message_ids', { fallback: alert });
    return { kind: 'remove', shown: alert !== undefined, ...shown, messageIds: ids, ...common };
  }
  if (event === 'test') return { kind: 'test', shown: alert !== undefined, ...shown, messageIds: [], ...common };
  if (event !== 'message') return drop('unexpected-payload', `a legacy APNs payload with event ${JSON.stringify(event)}`, { fallback: alert });
  const ids = Array.isArray(zulip.message_ids) && zulip.message_ids.every(isInt) ? (zulip.message_ids as number[]) : [];
  const sender = isInt(zulip.sender_id) ? { sender: { id: zulip.sender_id } } : {};
  return { kind: 'message', shown: alert !== undefined, ...shown, messageIds: ids, ...sender, ...common };
}

/** Android legacy (§A.3 "Legacy FCM message parsing"): every value a string. */
export function fcmLegacy(data: Dict, ctx: InterpretContext): Interpretation {
  if (!('event' in data)) return drop('not-zulip', 'FCM data with neither `event` nor `encrypted_data`');
  if (ctx.account.zulipFeatureLevel >= E2EE_FEATURE_LEVEL) {
    return drop('legacy-ignored', `a legacy FCM message while the account's server is at FL ${ctx.account.zulipFeatureLevel} (≥ ${E2EE_FEATURE_LEVEL})`);
  }
  const realmUrl = typeof data.realm_url === 'string' ? data.realm_url : typeof data.realm_uri === 'string' ? data.realm_uri : null;
  const userId = strictInt(data.user_id);
  if (realmUrl === null || userId === null) return drop('malformed', 'a legacy FCM message without realm_url/realm_uri or user_id');
  const mismatch = accountMismatch(realmUrl, userId, ctx.account);
  if (mismatch) return drop('unknown-account', mismatch.detail);

  const common = { realmUrl, userId, payload: data, encrypted: false, pushKeyId: null };
  const hidden = { shown: false, title: '', body: '' };
  switch (data.event) {
    case 'remove': {
      const ids = idList(data.zulip_message_ids);
      if (!ids) return drop('malformed', 'a legacy FCM remove without zulip_message_ids');
      return { kind: 'remove', ...hidden, messageIds: ids, ...common };
    }
    case 'test':
      // An unknown event to the app (UnexpectedFcmMessage): received, never shown.
      return { kind: 'test', ...hidden, messageIds: [], ...common };
    case 'message':
      break;
    default:
      return drop('unexpected-payload', `a legacy FCM message with event ${JSON.stringify(data.event)}`);
  }
  const senderId = strictInt(data.sender_id);
  const messageId = strictInt(data.zulip_message_id);
  const missing = [
    senderId === null && 'sender_id',
    typeof data.sender_full_name !== 'string' && 'sender_full_name',
    typeof data.sender_avatar_url !== 'string' && 'sender_avatar_url',
    messageId === null && 'zulip_message_id',
    strictInt(data.time) === null && 'time',
    typeof data.content !== 'string' && 'content',
  ].filter(Boolean);
  let recipient: Recipient | null = null;
  if ('stream_id' in data) {
    const channelId = strictInt(data.stream_id);
    if (channelId === null || typeof data.topic !== 'string') missing.push('stream_id/topic');
    else recipient = { kind: 'channel', channelId, ...(typeof data.stream === 'string' ? { channelName: data.stream } : {}), topic: data.topic };
  } else if ('pm_users' in data) {
    const ids = idList(data.pm_users);
    if (!ids) missing.push('pm_users');
    else recipient = { kind: 'direct', allRecipientIds: ids };
  } else if (senderId !== null) {
    recipient = { kind: 'direct', allRecipientIds: [...new Set([senderId, userId])].sort((a, b) => a - b) };
  }
  if (missing.length > 0 || !recipient) return drop('malformed', `a legacy FCM message missing ${missing.join(', ')}`);
  const m: MessageData = {
    realmUrl,
    userId,
    sender: { id: senderId!, fullName: data.sender_full_name as string, avatarUrl: data.sender_avatar_url as string },
    messageId: messageId!,
    content: data.content as string,
    recipient,
  };
  return showMessage(m, ctx.platform, data, { encrypted: false, pushKeyId: null });
}
