/**
 * The phone's model of a received push (display.ts decides it): what a person sees, or why the
 * app dropped it; and the helpers the legacy and E2EE readers share (titles as the app makes
 * them, the account check of §A.3 step 5). No logging; a `detail` never quotes payload content.
 */
import type { PushKeyStore } from './push-keys';

export type Platform = 'ios' | 'android';

/** The account a phone is logged into, as the app knows it. */
export interface ZulipAccount {
  /** e.g. https://chat.example.com — notifications must come from this origin. */
  realmUrl: string;
  userId: number;
  /** The server's `zulip_feature_level`: decides legacy vs E2EE (468). */
  zulipFeatureLevel: number;
  email?: string;
}

export type NotificationKind = 'message' | 'remove' | 'test';

export type DropReason =
  /** E2EE: push_key_id names no key this phone holds (e.g. logged out, key forgotten). */
  | 'unknown-push-key'
  /** E2EE: the box does not open with the named key. */
  | 'undecryptable'
  /** Required fields missing or of the wrong type. */
  | 'malformed'
  /** E2EE: realm_url's origin is not the account's. */
  | 'wrong-realm'
  /** E2EE: user_id is not the account's. */
  | 'wrong-user'
  /** Android: a legacy plaintext FCM message for an account on a FL 468+ server. */
  | 'legacy-ignored'
  /** Android legacy: realm/user of the message match no account on this phone. */
  | 'unknown-account'
  /** A Zulip payload of a kind the app does not handle (unknown event/type). */
  | 'unexpected-payload'
  /** Neither a legacy nor an E2EE Zulip payload. */
  | 'not-zulip'
  /** iOS: an E2EE payload without `"mutable-content": 1`, so the extension never ran. */
  | 'nse-not-run';

export interface Display {
  title: string;
  subtitle?: string;
  body: string;
}

export interface Sender {
  id: number;
  /** Absent on legacy APNs payloads, which carry no name field. */
  fullName?: string;
  avatarUrl?: string;
}

export interface ReceivedBase {
  /** The provider journal's seq of the delivery. */
  seq: number;
  provider: 'apns' | 'fcm';
  /** Clock ms when the provider accepted it. */
  receivedAt: number;
  /** An E2EE payload (whether or not it could be opened). */
  encrypted: boolean;
  /** push_key_id (or 11.x push_account_id) named by an E2EE payload. */
  pushKeyId: number | null;
  /** What the provider delivered (`journal entry.notification`): APNs payload / FCM delivery. */
  raw: unknown;
}

export interface DisplayedNotification extends ReceivedBase, Display {
  kind: NotificationKind;
  /** Whether it appears on screen (removes never do; Android ignores `test`). */
  shown: boolean;
  realmUrl: string | null;
  userId: number | null;
  messageIds: number[];
  sender?: Sender;
  /** The Zulip payload: decrypted JSON (E2EE), FCM data, or the APNs `zulip` dict. */
  payload: Record<string, unknown>;
  /** E2EE: the exact decrypted text. */
  plaintext?: string;
}

export interface DroppedNotification extends ReceivedBase {
  kind: 'dropped';
  reason: DropReason;
  /** Why, without any payload content. */
  detail: string;
  /** iOS: what the OS showed instead (`aps.alert`), if anything. */
  fallback?: Display;
}

export type ReceivedNotification = DisplayedNotification | DroppedNotification;

/** What `interpret` decides; the caller adds seq, provider, time and raw. */
export type Interpretation =
  | (Omit<DisplayedNotification, keyof ReceivedBase> & { encrypted: boolean; pushKeyId: number | null })
  | (Omit<DroppedNotification, keyof ReceivedBase> & { encrypted: boolean; pushKeyId: number | null });

export interface InterpretContext {
  platform: Platform;
  account: ZulipAccount;
  keys: PushKeyStore;
}

/** The FL at which the app registers for E2EE and ignores legacy FCM (§A.1). */
export const E2EE_FEATURE_LEVEL = 468;

export type Dict = Record<string, unknown>;
export const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

export type Recipient = { kind: 'channel'; channelId: number; channelName?: string; topic: string } | { kind: 'direct'; allRecipientIds: number[] };

export interface MessageData {
  realmUrl: string;
  userId: number;
  sender: Required<Pick<Sender, 'id' | 'fullName' | 'avatarUrl'>>;
  messageId: number;
  content: string;
  recipient: Recipient;
}

/** `titleForNotifPayload` (English strings). */
export function messageTitle(m: Pick<MessageData, 'sender' | 'recipient'>): string {
  const r = m.recipient;
  if (r.kind === 'channel') return `#${r.channelName ?? '(unknown channel)'} > ${r.topic}`;
  if (r.allRecipientIds.length > 2) {
    const others = r.allRecipientIds.length - 2;
    return `${m.sender.fullName} to you and ${others === 1 ? '1 other' : `${others} others`}`;
  }
  return m.sender.fullName;
}

/** `subtitleForNotifPayloadOnIos`: the sender for channels; the title already names it for DMs. */
export const iosSubtitle = (m: Pick<MessageData, 'sender' | 'recipient'>): string => (m.recipient.kind === 'channel' ? `${m.sender.fullName}:` : '');

/** A message as the app shows it: its title, the iOS subtitle, the content as body. */
export function showMessage(m: MessageData, platform: Platform, payload: Dict, extra: { encrypted: boolean; pushKeyId: number | null; plaintext?: string }): Interpretation {
  return {
    kind: 'message',
    shown: true,
    title: messageTitle(m),
    ...(platform === 'ios' ? { subtitle: iosSubtitle(m) } : {}),
    body: m.content,
    realmUrl: m.realmUrl,
    userId: m.userId,
    messageIds: [m.messageId],
    sender: m.sender,
    payload,
    ...extra,
  };
}

/** A push the app does not show (iOS may still show `fallback`, its aps.alert). */
export function drop(reason: DropReason, detail: string, extra: { encrypted?: boolean; pushKeyId?: number | null; fallback?: Display } = {}): Interpretation {
  const { encrypted = false, pushKeyId = null, fallback } = extra;
  return { kind: 'dropped', reason, detail, encrypted, pushKeyId, ...(fallback ? { fallback } : {}) };
}

/** The OS's reading of `aps.alert`: a dictionary, or a string that is the body. */
export function apsAlert(aps: unknown): Display | undefined {
  if (!isDict(aps)) return undefined;
  const alert = aps.alert;
  if (typeof alert === 'string') return { title: '', body: alert };
  if (!isDict(alert)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const subtitle = str(alert.subtitle);
  return { title: str(alert.title) ?? '', ...(subtitle !== undefined ? { subtitle } : {}), body: str(alert.body) ?? '' };
}

/** `"1,2,3"` → [1, 2, 3]; null when any part is not an integer. */
export function idList(v: unknown): number[] | null {
  if (Array.isArray(v)) return v.every(isInt) ? (v as number[]) : null;
  if (typeof v !== 'string' || v === '') return null;
  const parts = v.split(',').map((s) => strictInt(s.trim()));
  return parts.every((n): n is number => n !== null) ? parts : null;
}

/** An int, or a decimal string of one (FCM data values are strings). */
export function strictInt(v: unknown): number | null {
  if (isInt(v)) return v;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/** §A.3 step 5: same realm origin and same user, or why not. */
export function accountMismatch(realmUrl: string, userId: number, account: ZulipAccount): { reason: 'wrong-realm' | 'wrong-user'; detail: string } | null {
  const origin = originOf(realmUrl);
  const mine = originOf(account.realmUrl);
  if (origin === null || origin !== mine) return { reason: 'wrong-realm', detail: `realm_url ${JSON.stringify(realmUrl)} is not the account's realm ${mine}` };
  if (userId !== account.userId) return { reason: 'wrong-user', detail: `user_id ${userId} is not the account's user ${account.userId}` };
  return null;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

