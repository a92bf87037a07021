/**
 * RemotePushDeviceToken rows: legacy (non-E2EE) device registrations (bouncer-protocol.md §4,
 * §11). A row belongs to a user by `user_id` (old servers) or `user_uuid`; APNs tokens compare
 * case-insensitively, FCM tokens exactly — the same rule as the table's unique indexes.
 */
import { TOKEN_KIND } from '../constants';
import type { Db } from './db';

export interface LegacyDevice {
  id: number;
  serverId: number;
  remoteRealmId: number | null;
  userId: number | null;
  userUuid: string | null;
  /** TOKEN_KIND: 1 APNs, 2 FCM. */
  kind: number;
  token: string;
  iosAppId: string | null;
  /** Creation time (Zulip's `last_updated`, "to be renamed to date_created"). */
  lastUpdated: number;
}

/**
 * UserPushIdentityCompat: rows with `user_uuid = userUuid OR user_id = userId`. At least one
 * must be set; `userUuid` must be canonical (lower-case, hyphenated), as Postgres stores it.
 */
export interface UserIdentity {
  userId?: number | null;
  userUuid?: string | null;
}

export interface NewLegacyDevice {
  serverId: number;
  kind: number;
  token: string;
  iosAppId: string | null;
  userId: number | null;
  userUuid: string | null;
  remoteRealmId: number | null;
}

interface DeviceRow {
  id: number;
  server_id: number;
  remote_realm_id: number | null;
  user_id: number | null;
  user_uuid: string | null;
  kind: number;
  token: string;
  ios_app_id: string | null;
  last_updated: number;
}

const fromRow = (r: DeviceRow): LegacyDevice => ({
  id: r.id,
  serverId: r.server_id,
  remoteRealmId: r.remote_realm_id,
  userId: r.user_id,
  userUuid: r.user_uuid,
  kind: r.kind,
  token: r.token,
  iosAppId: r.ios_app_id,
  lastUpdated: r.last_updated,
});

/** The token comparison of the unique indexes: lower(token) for APNs rows, exact otherwise. */
const TOKEN_MATCHES = `(CASE WHEN kind = ${TOKEN_KIND.APNS} THEN lower(token) = lower(@token) ELSE token = @token END)`;
/** NULL never compares equal, so an absent half of the identity matches nothing. */
const IDENTITY_MATCHES = '(user_uuid = @userUuid OR user_id = @userId)';

function identityParams(identity: UserIdentity): { userId: number | null; userUuid: string | null } {
  const userId = identity.userId ?? null;
  const userUuid = identity.userUuid ?? null;
  if (userId === null && userUuid === null) throw new Error('UserPushIdentityCompat needs user_id or user_uuid');
  return { userId, userUuid };
}

export class LegacyDeviceStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      // Zulip's bulk_create(ignore_conflicts=True): either unique index may refuse the row.
      insert: db.prepare(
        `INSERT INTO remote_push_device_token
           (server_id, remote_realm_id, user_id, user_uuid, kind, token, ios_app_id, last_updated)
         VALUES (@serverId, @remoteRealmId, @userId, @userUuid, @kind, @token, @iosAppId, @now)
         ON CONFLICT DO NOTHING`,
      ),
      deleteUserIdToken: db.prepare(
        `DELETE FROM remote_push_device_token
         WHERE server_id = @serverId AND kind = @kind AND user_id = @userId AND ${TOKEN_MATCHES}`,
      ),
      deleteToken: db.prepare(
        `DELETE FROM remote_push_device_token
         WHERE server_id = @serverId AND kind = @kind AND ${IDENTITY_MATCHES} AND ${TOKEN_MATCHES}`,
      ),
      deleteAllForUser: db.prepare(
        `DELETE FROM remote_push_device_token WHERE server_id = @serverId AND ${IDENTITY_MATCHES}`,
      ),
      listForUser: db.prepare<Record<string, unknown>, DeviceRow>(
        `SELECT * FROM remote_push_device_token
         WHERE server_id = @serverId AND kind = @kind AND ${IDENTITY_MATCHES} ORDER BY id`,
      ),
      deleteByToken: db.prepare(`DELETE FROM remote_push_device_token WHERE kind = @kind AND ${TOKEN_MATCHES}`),
      setRemoteRealm: db.prepare(
        `UPDATE remote_push_device_token SET remote_realm_id = @remoteRealmId
         WHERE server_id = @serverId AND ${IDENTITY_MATCHES} AND remote_realm_id IS NULL`,
      ),
    };
  }

  /** Idempotent: true if a row was created, false if an equal registration already existed (left untouched). */
  insert(d: NewLegacyDevice, now: number): boolean {
    return this.q.insert.run({ ...d, now }).changes > 0;
  }

  /**
   * Deletes the server's `user_id` rows (any `user_uuid`) for these tokens of one kind: the
   * id→uuid migration of push/register, and delete_duplicate_registrations of push/notify.
   */
  deleteUserIdRows(serverId: number, userId: number, kind: number, tokens: readonly string[]): number {
    let n = 0;
    for (const token of tokens) n += this.q.deleteUserIdToken.run({ serverId, userId, kind, token }).changes;
    return n;
  }

  /** push/unregister: the identity's rows for this token and kind; the number deleted. */
  deleteToken(serverId: number, identity: UserIdentity, kind: number, token: string): number {
    return this.q.deleteToken.run({ serverId, kind, token, ...identityParams(identity) }).changes;
  }

  /** push/unregister/all: every row of the identity on this server, any kind. */
  deleteAllForUser(serverId: number, identity: UserIdentity): number {
    return this.q.deleteAllForUser.run({ serverId, ...identityParams(identity) }).changes;
  }

  /** The identity's registrations of one kind on this server, oldest first (push/notify's query). */
  listForUser(serverId: number, identity: UserIdentity, kind: number): LegacyDevice[] {
    return this.q.listForUser.all({ serverId, kind, ...identityParams(identity) }).map(fromRow);
  }

  /** A provider said the token is dead: delete it on every server (APNs case-insensitively). */
  deleteByToken(kind: number, token: string): number {
    return this.q.deleteByToken.run({ kind, token }).changes;
  }

  /** ensure_devices_set_remote_realm: links the identity's rows that have no realm yet. */
  setRemoteRealmForUser(serverId: number, identity: UserIdentity, remoteRealmId: number): number {
    return this.q.setRemoteRealm.run({ serverId, remoteRealmId, ...identityParams(identity) }).changes;
  }
}
