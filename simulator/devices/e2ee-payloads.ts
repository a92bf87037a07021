/**
 * E2EE pushes as the phone reads them (server-and-app.md §A.3, §B.1–§B.2): the push_key_id
 * (11.x: push_account_id) names the key, the box opens to UTF-8 JSON, the realm origin and user
 * must be the account's, and the payload's `type` decides the rest. On iOS only alert pushes
 * with `"mutable-content": 1` reach the Notification Service Extension; whatever it cannot show
 * falls back to `aps.alert`.
 */
import { accountMismatch, apsAlert, drop, idList, isDict, isInt, showMessage, strictInt, type Dict, type Display, type InterpretContext, type Interpretation, type MessageData, type Recipient } from './notification';


export function apnsEncrypted(p: Dict, ctx: InterpretContext): Interpretation {
  const fallback = apsAlert(p.aps);
  const keyId = isInt(p.push_key_id) ? p.push_key_id : isInt(p.push_account_id) ? p.push_account_id : null;
  if (keyId === null || typeof p.encrypted_data !== 'string') {
    return drop('malformed', 'an E2EE APNs payload without an integer push_key_id or a string encrypted_data', { encrypted: true, fallback });
  }
  if (!isDict(p.aps) || p.aps['mutable-content'] !== 1) {
    return drop('nse-not-run', 'an E2EE APNs payload without "mutable-content": 1; iOS shows aps.alert as is', { encrypted: true, pushKeyId: keyId, fallback });
  }
  const shown = openAndShow(keyId, p.encrypted_data, 'push_account_id' in p && !('push_key_id' in p), ctx, fallback);
  // The extension runs only for pushes with an alert; a silent push never reaches the screen.
  if (shown.kind === 'message' && !fallback) {
    return drop('nse-not-run', 'an E2EE message push without aps.alert; iOS never runs the extension for it', { encrypted: true, pushKeyId: keyId });
  }
  return shown;
}

export function fcmEncrypted(data: Dict, ctx: InterpretContext): Interpretation {
  const keyId = strictInt(data.push_key_id ?? data.push_account_id);
  if (keyId === null || keyId < 0 || typeof data.encrypted_data !== 'string') {
    return drop('malformed', 'an E2EE FCM message without a decimal push_key_id or a string encrypted_data', { encrypted: true });
  }
  return openAndShow(keyId, data.encrypted_data, !('push_key_id' in data), ctx, undefined);
}

/** §A.3 decryption steps 1–5, then the payload by `type`. */
function openAndShow(keyId: number, encryptedData: string, legacy11: boolean, ctx: InterpretContext, fallback: Display | undefined): Interpretation {
  const e = { encrypted: true, pushKeyId: keyId };
  const opened = ctx.keys.decrypt(keyId, encryptedData);
  if (!opened.ok) return drop(opened.reason, opened.detail, { ...e, fallback });
  let payload: unknown;
  try {
    payload = JSON.parse(opened.plaintext);
  } catch {
    return drop('malformed', 'the decrypted payload is not JSON', { ...e, fallback });
  }
  if (!isDict(payload)) return drop('malformed', 'the decrypted payload is not a JSON object', { ...e, fallback });
  if (typeof payload.realm_url !== 'string' || !isInt(payload.user_id) || typeof payload.type !== 'string') {
    return drop('malformed', 'the decrypted payload lacks realm_url, user_id or type', { ...e, fallback });
  }
  const mismatch = accountMismatch(payload.realm_url, payload.user_id, ctx.account);
  if (mismatch) return drop(mismatch.reason, mismatch.detail, { ...e, fallback });

  const common = { realmUrl: payload.realm_url, userId: payload.user_id, payload, plaintext: opened.plaintext, ...e };
  // On iOS the extension handles only messages; for anything else the OS shows aps.alert.
  const other = ctx.platform === 'ios' && fallback ? { shown: true, ...fallback } : { shown: false, title: '', body: '' };
  switch (payload.type) {
    case 'remove': {
      const ids = idList(payload.message_ids);
      if (!ids) return drop('malformed', 'a remove payload without an integer list message_ids', { ...e, fallback });
      return { kind: 'remove', ...other, messageIds: ids, ...common };
    }
    case 'test':
      return { kind: 'test', ...other, messageIds: [], ...common };
    case 'message':
      break;
    default:
      return drop('unexpected-payload', `a decrypted payload of type ${JSON.stringify(payload.type)}`, { ...e, fallback });
  }
  const m = e2eeMessage(payload, legacy11);
  if (typeof m === 'string') return drop('malformed', `a message payload missing ${m}`, { ...e, fallback });
  return showMessage(m, ctx.platform, payload, { ...e, plaintext: opened.plaintext });
}

/** The fields the app requires of a message (§A.3); the missing ones' names otherwise. */
function e2eeMessage(p: Dict, legacy11: boolean): MessageData | string {
  const missing = [
    !isInt(p.sender_id) && 'sender_id',
    typeof p.sender_full_name !== 'string' && 'sender_full_name',
    typeof p.sender_avatar_url !== 'string' && 'sender_avatar_url',
    !isInt(p.message_id) && 'message_id',
    !isInt(p.time) && 'time',
    typeof p.content !== 'string' && 'content',
  ].filter((x): x is string => typeof x === 'string');
  let recipient: Recipient | null = null;
  const channel = p.recipient_type === 'channel' || (p.recipient_type === undefined && 'channel_id' in p);
  if (channel) {
    if (!isInt(p.channel_id) || typeof p.topic !== 'string') missing.push('channel_id/topic');
    else recipient = { kind: 'channel', channelId: p.channel_id, ...(typeof p.channel_name === 'string' ? { channelName: p.channel_name } : {}), topic: p.topic };
  } else if (Array.isArray(p.recipient_user_ids) && p.recipient_user_ids.every(isInt)) {
    recipient = { kind: 'direct', allRecipientIds: p.recipient_user_ids as number[] };
  } else if (legacy11 && isInt(p.sender_id) && isInt(p.user_id)) {
    // FL 413–428 (11.x): pm_users for group DMs only, nothing for a 1:1 DM.
    const ids = 'pm_users' in p ? idList(p.pm_users) : [...new Set([p.sender_id, p.user_id])].sort((a, b) => a - b);
    if (ids) recipient = { kind: 'direct', allRecipientIds: ids };
    else missing.push('pm_users');
  } else {
    missing.push('recipient_user_ids');
  }
  if (missing.length > 0 || !recipient) return missing.join(', ');
  return {
    realmUrl: p.realm_url as string,
    userId: p.user_id as number,
    sender: { id: p.sender_id as number, fullName: p.sender_full_name as string, avatarUrl: p.sender_avatar_url as string },
    messageId: p.message_id as number,
    content: p.content as string,
    recipient,
  };
}

