/**
 * The fake server's database: realms, users, channels, messages, push registrations, audit log
 * and counts, in memory (a real server's PostgreSQL tables of the same names, reduced to the
 * columns push notifications touch). One instance per server; every mutation goes through a
 * method here so ids, audit rows and counts stay consistent.
 *
 * The state holds message content (a Zulip server stores it); it is never logged or written to
 * disk. The privacy guarantees are about what leaves the server.
 */
import type { AuditLogRecord, InstallationCountRecord, RealmCountRecord } from './bouncer-client/analytics-upload';
import { roleCountExtraData } from './bouncer-client/analytics-upload';
import type { Channel, LegacyPushDevice, Message, Realm, Role, User } from './types';

/** RealmAuditLog event types the simulator writes (AuditLogEventType). */
export const AUDIT = {
  USER_CREATED: 101,
  USER_ACTIVATED: 102,
  USER_DEACTIVATED: 103,
  USER_REACTIVATED: 104,
  USER_ROLE_CHANGED: 105,
  REALM_DEACTIVATED: 201,
  REALM_REACTIVATED: 202,
  REALM_CREATED: 215,
} as const;

export interface LegacyDeviceRow extends LegacyPushDevice {
  id: number;
}

/**
 * 12.x `Device` (zerver/lib/devices.py): one per app install and account, from
 * `register_client_device`; push fields filled by `mobile_push/register` (§D.3).
 */
export interface ClientDevice {
  id: number;
  userId: number;
  pushKeyId: number | null;
  /** 33 bytes, 0x31 ‖ secretbox key. */
  pushKey: Uint8Array | null;
  pushTokenKind: 'apns' | 'fcm' | null;
  /** base64 of the 8-byte token id (the API form). */
  pushTokenId: string | null;
  pendingPushTokenId: string | null;
  /** Unix seconds. */
  pushTokenLastUpdatedTimestamp: number | null;
  pushRegistrationErrorCode: string | null;
}

/** 11.x `PushDevice` (zerver/lib/push_registration.py @ b0ef1c37): one per push_account_id. */
export interface PushDevice11 {
  id: number;
  userId: number;
  pushAccountId: number;
  tokenKind: 'apns' | 'fcm';
  pushKey: Uint8Array;
  /** The bouncer's device_id once registered. */
  bouncerDeviceId: number | null;
  errorCode: string | null;
}

/** An event the server queued for a user's clients (`device` 12.x, `push_device` 11.x). */
export interface ClientEvent {
  id: number;
  userId: number;
  event: Record<string, unknown>;
}

export class ServerState {
  readonly realms = new Map<number, Realm>();
  readonly users = new Map<number, User>();
  readonly channels = new Map<number, Channel>();
  readonly messages = new Map<number, Message>();
  readonly legacyDevices: LegacyDeviceRow[] = [];
  readonly clientDevices = new Map<number, ClientDevice>();
  readonly pushDevices11: PushDevice11[] = [];
  readonly auditLogs: AuditLogRecord[] = [];
  readonly realmCounts: RealmCountRecord[] = [];
  readonly installationCounts: InstallationCountRecord[] = [];
  readonly events: ClientEvent[] = [];
  /** UserMessage flag `active_mobile_push_notification`: user id → message ids. */
  readonly activePushNotifications = new Map<number, Set<number>>();
  /** UserMessage flag `read`: user id → message ids. */
  readonly readMessages = new Map<number, Set<number>>();
  private readonly apiKeys = new Map<string, number>();
  private readonly keyOfUser = new Map<number, string>();
  private nextIds = { realm: 1, user: 1, channel: 1, message: 1, legacyDevice: 1, clientDevice: 1, pushDevice: 1, audit: 1, count: 1, event: 1 };

  constructor(private readonly now: () => number) {}

  nextId(kind: keyof ServerState['nextIds']): number {
    const id = this.nextIds[kind];
    this.nextIds[kind] = id + 1;
    return id;
  }

  // --- realms and users ---------------------------------------------------------------------

  addRealm(realm: Omit<Realm, 'id'>): Realm {
    const r: Realm = { ...realm, id: this.nextId('realm') };
    this.realms.set(r.id, r);
    this.audit(r.id, AUDIT.REALM_CREATED, r.dateCreated, null);
    return r;
  }

  updateRealm(id: number, change: Partial<Omit<Realm, 'id'>>): Realm {
    const r = { ...this.realm(id), ...change };
    this.realms.set(id, r);
    return r;
  }

  realm(id: number): Realm {
    const r = this.realms.get(id);
    if (!r) throw new Error(`no realm ${id}`);
    return r;
  }

  addUser(user: Omit<User, 'id'>, apiKey: string): User {
    const u: User = { ...user, id: this.nextId('user') };
    this.users.set(u.id, u);
    this.apiKeys.set(apiKey, u.id);
    this.keyOfUser.set(u.id, apiKey);
    this.audit(u.realmId, AUDIT.USER_CREATED, this.now() / 1000, u.realmId);
    return u;
  }

  user(id: number): User {
    const u = this.users.get(id);
    if (!u) throw new Error(`no user ${id}`);
    return u;
  }

  userByApiKey(apiKey: string): User | undefined {
    const id = this.apiKeys.get(apiKey);
    return id === undefined ? undefined : this.users.get(id);
  }

  apiKeyOf(userId: number): string {
    const k = this.keyOfUser.get(userId);
    if (!k) throw new Error(`no api key for user ${userId}`);
    return k;
  }

  usersOf(realmId: number): User[] {
    return [...this.users.values()].filter((u) => u.realmId === realmId);
  }

  setUserActive(userId: number, active: boolean): User {
    const u = { ...this.user(userId), isActive: active };
    this.users.set(userId, u);
    this.audit(u.realmId, active ? AUDIT.USER_REACTIVATED : AUDIT.USER_DEACTIVATED, this.now() / 1000, u.realmId);
    return u;
  }

  setUserRole(userId: number, role: Role): User {
    const u = { ...this.user(userId), role };
    this.users.set(userId, u);
    this.audit(u.realmId, AUDIT.USER_ROLE_CHANGED, this.now() / 1000, u.realmId);
    return u;
  }

  /** A RealmAuditLog row; billing events carry the realm's role counts as of now (§8). */
  private audit(realmId: number, eventType: number, eventTime: number, roleCountsOf: number | null): void {
    this.auditLogs.push({
      id: this.nextId('audit'),
      realmId,
      eventType,
      eventTime,
      extraData: roleCountsOf === null ? null : roleCountExtraData([...this.users.values()], roleCountsOf),
    });
  }

  // --- channels and messages ----------------------------------------------------------------

  addChannel(channel: Omit<Channel, 'id'>): Channel {
    const c: Channel = { ...channel, id: this.nextId('channel') };
    this.channels.set(c.id, c);
    return c;
  }

  addMessage(message: Omit<Message, 'id'>): Message {
    const m: Message = { ...message, id: this.nextId('message') };
    this.messages.set(m.id, m);
    return m;
  }

  /** Whether `userId` received `message` (a UserMessage row exists): DM participants; channel messages go to every human of the realm (no subscriptions are modelled). */
  receivedMessage(userId: number, message: Message): boolean {
    const u = this.users.get(userId);
    if (!u || u.realmId !== message.realmId) return false;
    return message.recipient.type === 'direct' ? message.recipient.userIds.includes(userId) : true;
  }

  /** do_delete_messages: the message and its per-user flags go. */
  deleteMessage(id: number): void {
    this.messages.delete(id);
    for (const set of this.readMessages.values()) set.delete(id);
  }

  // --- UserMessage flags --------------------------------------------------------------------

  isRead(userId: number, messageId: number): boolean {
    return this.readMessages.get(userId)?.has(messageId) ?? false;
  }

  /** The `read` flag on or off; returns the ids whose flag changed. */
  setRead(userId: number, messageIds: readonly number[], read: boolean): number[] {
    let set = this.readMessages.get(userId);
    if (!set) this.readMessages.set(userId, (set = new Set()));
    const changed = messageIds.filter((id) => set.has(id) !== read);
    for (const id of changed) {
      if (read) set.add(id);
      else set.delete(id);
    }
    return changed;
  }

  hasActivePushNotification(userId: number, messageId: number): boolean {
    return this.activePushNotifications.get(userId)?.has(messageId) ?? false;
  }

  setActivePushNotification(userId: number, messageId: number): void {
    let set = this.activePushNotifications.get(userId);
    if (!set) this.activePushNotifications.set(userId, (set = new Set()));
    set.add(messageId);
  }

  clearActivePushNotifications(userId: number, messageIds: readonly number[]): void {
    const set = this.activePushNotifications.get(userId);
    if (!set) return;
    for (const id of messageIds) set.delete(id);
    if (set.size === 0) this.activePushNotifications.delete(userId);
  }

  // --- devices --------------------------------------------------------------------------------

  /** register_client_device: a Device row with no push registration yet. */
  addClientDevice(userId: number): ClientDevice {
    const device: ClientDevice = {
      id: this.nextId('clientDevice'),
      userId,
      pushKeyId: null,
      pushKey: null,
      pushTokenKind: null,
      pushTokenId: null,
      pendingPushTokenId: null,
      pushTokenLastUpdatedTimestamp: null,
      pushRegistrationErrorCode: null,
    };
    this.clientDevices.set(device.id, device);
    return device;
  }

  // --- counts -------------------------------------------------------------------------------

  /** RealmCount `property` for the day of `atMs` += by. */
  incrementRealmCount(realmId: number, property: string, by: number, atMs: number): void {
    if (by === 0) return;
    const day = Math.floor(atMs / 86_400_000) * 86_400;
    const row = this.realmCounts.find((r) => r.realmId === realmId && r.property === property && r.endTime === day + 86_400);
    if (row) row.value += by;
    else this.realmCounts.push({ id: this.nextId('count'), realmId, property, subgroup: null, endTime: day + 86_400, value: by });
  }

  // --- events ---------------------------------------------------------------------------------

  sendEvent(userId: number, event: Record<string, unknown>): void {
    this.events.push({ id: this.nextId('event'), userId, event });
  }

  eventsFor(userId: number): Record<string, unknown>[] {
    return this.events.filter((e) => e.userId === userId).map((e) => e.event);
  }
}
