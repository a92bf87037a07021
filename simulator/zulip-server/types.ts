/**
 * The fake Zulip server's model: the parts of a real server that touch push notifications
 * (server-and-app.md §C, §D, §F). Plain data; behaviour lives in the modules that use it.
 */

/** UserProfile roles (Zulip's numbers; also the role-count keys of audit rows, §8). */
export const ROLE = { OWNER: 100, ADMINISTRATOR: 200, MODERATOR: 300, MEMBER: 400, GUEST: 600 } as const;
export type Role = (typeof ROLE)[keyof typeof ROLE];

export interface Realm {
  id: number;
  uuid: string;
  uuidOwnerSecret: string;
  /** e.g. `zulip.example.net` (EXTERNAL_HOST) or `<subdomain>.zulip.example.net`. */
  host: string;
  /** https://<host> */
  url: string;
  name: string;
  orgType: number;
  /** Unix seconds. */
  dateCreated: number;
  authenticationMethods: Record<string, boolean>;
  deactivated: boolean;
  isSystemBotRealm: boolean;
  /** `require_e2ee_push_notifications` (FL 409): legacy pushes redacted (11.x) or skipped (12.x). */
  requireE2eePushNotifications: boolean;
  /** Mirrors the bouncer's `can_push` (realm.push_notifications_enabled). */
  pushNotificationsEnabled: boolean;
  pushNotificationsEnabledEndTimestamp: number | null;
}

export interface User {
  id: number;
  uuid: string;
  realmId: number;
  email: string;
  fullName: string;
  role: Role;
  isBot: boolean;
  /** Absolute URL. */
  avatarUrl: string;
  isActive: boolean;
}

export interface Channel {
  id: number;
  realmId: number;
  name: string;
}

export type MessageRecipient =
  | { type: 'channel'; channelId: number; topic: string }
  /** Direct and group direct messages: every participant, the sender included. */
  | { type: 'direct'; userIds: number[] };

export interface Message {
  id: number;
  realmId: number;
  senderId: number;
  recipient: MessageRecipient;
  /** Rendered HTML, as Zulip stores `rendered_content`. */
  renderedContent: string;
  /** Unix seconds. */
  dateSent: number;
}

/** Why a user is notified (trigger in Zulip's push code); drives the APNs subtitle. */
export type NotificationTrigger =
  | 'direct_message'
  | 'mentioned'
  | 'group_mentioned'
  | 'stream_wildcard_mentioned'
  | 'topic_wildcard_mentioned'
  | 'stream_push_notify'
  | 'followed_topic_push_notify';

/** What the server knows of a phone that registered for E2EE notifications (12.x, §D.3). */
export interface E2eePushDevice {
  userId: number;
  /** register_client_device's device_id. */
  deviceId: number;
  tokenKind: 'apns' | 'fcm';
  /** 33 bytes: 0x31 then a 32-byte secretbox key (base64 on the wire). */
  pushKey: Uint8Array;
  pushKeyId: number;
  /** base64(sha256(token)[0:8]); the server never sees the token itself. */
  tokenId: string;
}

/** A legacy registration (users/me/apns_device_token, android_gcm_reg_id). */
export interface LegacyPushDevice {
  userId: number;
  kind: 'apns' | 'fcm';
  token: string;
  iosAppId: string | null;
}
