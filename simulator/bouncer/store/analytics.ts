/**
 * Analytics tables (bouncer-protocol.md §10, §11): uploaded RemoteRealmCount /
 * RemoteInstallationCount / RemoteRealmAuditLog rows (`remote_id` = the server's own id), the
 * bouncer's own push counters (`remote_id` NULL), and the role counts plan gating reads.
 */
import type { BouncerOnlyProperty } from '../analytics/stats';
import { SYNCED_BILLING_EVENTS } from '../constants';
import type { Db } from './db';

/** Zulip's table names, as the "Dropped … duplicated rows" warning spells them. */
export const TABLE = {
  realmCount: 'zilencer_remoterealmcount',
  installationCount: 'zilencer_remoteinstallationcount',
  realmAuditLog: 'zilencer_remoterealmauditlog',
} as const;

export interface LastRemoteIds {
  last_realm_count_id: number;
  last_installation_count_id: number;
  last_realmauditlog_id: number;
}

export interface RealmCountInsert {
  remoteRealmId: number | null;
  realmId: number;
  remoteId: number;
  property: string;
  subgroup: string | null;
  endTime: number;
  value: number;
}

export interface InstallationCountInsert {
  remoteId: number;
  property: string;
  subgroup: string | null;
  endTime: number;
  value: number;
}

export interface AuditLogInsert {
  remoteRealmId: number | null;
  realmId: number;
  remoteId: number;
  eventTime: number;
  backfilled: boolean;
  extraData: unknown;
  eventType: number;
}

const DAY = 86_400;

/** zerver/lib/timestamp.py ceiling_to_day: the next UTC midnight, or `t` itself if it is one. */
export const ceilingToDay = (t: number): number => Math.ceil(t / DAY) * DAY;

const SYNCED = [...SYNCED_BILLING_EVENTS].join(', ');

export class AnalyticsStore {
  private readonly q;

  constructor(private readonly db: Db) {
    const lastId = (table: string) =>
      db.prepare<[number], { m: number | null }>(
        `SELECT MAX(remote_id) AS m FROM ${table} WHERE server_id = ? AND remote_id IS NOT NULL`,
      );
    this.q = {
      lastRealmCount: lastId('remote_realm_count'),
      lastInstallationCount: lastId('remote_installation_count'),
      lastAuditLog: lastId('remote_realm_audit_log'),
      // Zulip's RemoteRealmCount uniqueness for uploaded rows is (server, realm_id, property,
      // subgroup, end_time), whatever remote_realm says; the NOT EXISTS applies exactly that, the
      // ON CONFLICT the schema's own indexes (remote_id).
      insertRealmCount: db.prepare(
        `INSERT INTO remote_realm_count (server_id, remote_realm_id, realm_id, property, subgroup, end_time, value, remote_id)
         SELECT @serverId, @remoteRealmId, @realmId, @property, @subgroup, @endTime, @value, @remoteId
         WHERE NOT EXISTS (
           SELECT 1 FROM remote_realm_count WHERE server_id = @serverId AND ifnull(realm_id, -1) = @realmId
             AND realm_id IS NOT NULL AND property = @property AND subgroup IS @subgroup AND end_time = @endTime)
         ON CONFLICT DO NOTHING`,
      ),
      insertInstallationCount: db.prepare(
        `INSERT INTO remote_installation_count (server_id, property, subgroup, end_time, value, remote_id)
         VALUES (@serverId, @property, @subgroup, @endTime, @value, @remoteId)
         ON CONFLICT DO NOTHING`,
      ),
      insertAuditLog: db.prepare(
        `INSERT INTO remote_realm_audit_log (server_id, remote_realm_id, realm_id, remote_id, event_type, event_time, backfilled, extra_data)
         VALUES (@serverId, @remoteRealmId, @realmId, @remoteId, @eventType, @eventTime, @backfilled, @extraData)
         ON CONFLICT DO NOTHING`,
      ),
      bumpRealmCount: db.prepare(
        `UPDATE remote_realm_count SET value = value + @increment
         WHERE server_id = @serverId AND remote_realm_id = @remoteRealmId AND realm_id IS NULL
           AND property = @property AND subgroup IS NULL AND end_time = @endTime AND remote_id IS NULL`,
      ),
      newRealmCount: db.prepare(
        `INSERT INTO remote_realm_count (server_id, remote_realm_id, realm_id, property, subgroup, end_time, value, remote_id)
         VALUES (@serverId, @remoteRealmId, NULL, @property, NULL, @endTime, @increment, NULL)`,
      ),
      bumpInstallationCount: db.prepare(
        `UPDATE remote_installation_count SET value = value + @increment
         WHERE server_id = @serverId AND property = @property AND subgroup IS NULL AND end_time = @endTime
           AND remote_id IS NULL`,
      ),
      newInstallationCount: db.prepare(
        `INSERT INTO remote_installation_count (server_id, property, subgroup, end_time, value, remote_id)
         VALUES (@serverId, @property, NULL, @endTime, @increment, NULL)`,
      ),
      fixRealmCounts: db.prepare(
        `UPDATE OR IGNORE remote_realm_count SET remote_realm_id = ?
         WHERE server_id = ? AND remote_realm_id IS NULL AND realm_id = ?`,
      ),
      fixAuditLogs: db.prepare(
        `UPDATE remote_realm_audit_log SET remote_realm_id = ?
         WHERE server_id = ? AND remote_realm_id IS NULL AND realm_id = ?`,
      ),
      setVersion: db.prepare(
        `UPDATE remote_zulip_server SET last_version = ?, last_merge_base = ?, last_api_feature_level = ? WHERE id = ?`,
      ),
      setLastAuditLogUpdate: db.prepare('UPDATE remote_zulip_server SET last_audit_log_update = ? WHERE id = ?'),
      // get_remote_realm_guest_and_non_guest_count: the realm's latest synced-billing row with
      // non-empty extra_data, not later than now.
      latestRealmRoleCount: db.prepare<[number, number], { extra_data: string }>(
        `SELECT extra_data FROM remote_realm_audit_log
         WHERE remote_realm_id = ? AND event_type IN (${SYNCED}) AND event_time <= ? AND extra_data != '{}'
         ORDER BY id DESC LIMIT 1`,
      ),
      // get_remote_server_guest_and_non_guest_count: the same, per realm_id of the server.
      latestServerRoleCounts: db.prepare<[number, number], { extra_data: string }>(
        `SELECT extra_data FROM remote_realm_audit_log WHERE id IN (
           SELECT MAX(id) FROM remote_realm_audit_log
           WHERE server_id = ? AND event_type IN (${SYNCED}) AND event_time <= ? AND extra_data != '{}'
           GROUP BY realm_id)
         ORDER BY id`,
      ),
    };
  }

  /** remote_server_check_analytics: the highest uploaded id per table, 0 when none. */
  lastRemoteIds(serverId: number): LastRemoteIds {
    return {
      last_realm_count_id: this.q.lastRealmCount.get(serverId)?.m ?? 0,
      last_installation_count_id: this.q.lastInstallationCount.get(serverId)?.m ?? 0,
      last_realmauditlog_id: this.q.lastAuditLog.get(serverId)?.m ?? 0,
    };
  }

  /** Inserts, skipping duplicates; returns how many rows were actually inserted. */
  insertRealmCounts(serverId: number, rows: RealmCountInsert[]): number {
    let inserted = 0;
    for (const r of rows) inserted += this.q.insertRealmCount.run({ serverId, ...r }).changes;
    return inserted;
  }

  insertInstallationCounts(serverId: number, rows: InstallationCountInsert[]): number {
    let inserted = 0;
    for (const r of rows) inserted += this.q.insertInstallationCount.run({ serverId, ...r }).changes;
    return inserted;
  }

  insertAuditLogs(serverId: number, rows: AuditLogInsert[]): number {
    let inserted = 0;
    for (const r of rows) {
      inserted += this.q.insertAuditLog.run({
        serverId,
        remoteRealmId: r.remoteRealmId,
        realmId: r.realmId,
        remoteId: r.remoteId,
        eventType: r.eventType,
        eventTime: r.eventTime,
        backfilled: r.backfilled ? 1 : 0,
        extraData: JSON.stringify(r.extraData),
      }).changes;
    }
    return inserted;
  }

  /** fix_remote_realm_foreign_keys for one realm id of the server. */
  linkRowsToRemoteRealm(serverId: number, realmId: number, remoteRealmId: number): void {
    // OR IGNORE: a row whose natural key already exists with this remote_realm stays unlinked
    // rather than failing the upload (inferred; cannot happen with Zulip's own constraint).
    this.q.fixRealmCounts.run(remoteRealmId, serverId, realmId);
    this.q.fixAuditLogs.run(remoteRealmId, serverId, realmId);
  }

  setServerVersion(serverId: number, version: string | null, mergeBase: string | null, featureLevel: number | null) {
    this.q.setVersion.run(version, mergeBase, featureLevel, serverId);
  }

  setLastAuditLogUpdate(serverId: number, now: number): void {
    this.q.setLastAuditLogUpdate.run(now, serverId);
  }

  /**
   * do_increment_logging_stat for RemoteRealmCount: a bouncer-owned row (remote_id and
   * realm_id NULL) keyed by remote realm, end_time = the next UTC midnight after `eventTime`.
   */
  incrementRealmCount(
    realm: { id: number; serverId: number },
    property: BouncerOnlyProperty,
    eventTime: number,
    increment = 1,
  ): void {
    if (!increment) return;
    const p = { serverId: realm.serverId, remoteRealmId: realm.id, property, endTime: ceilingToDay(eventTime), increment };
    this.db.transaction(() => {
      if (this.q.bumpRealmCount.run(p).changes === 0) this.q.newRealmCount.run(p);
    })();
  }

  /** do_increment_logging_stat for RemoteInstallationCount (REMOTE_INSTALLATION_COUNT_STATS). */
  incrementInstallationCount(
    server: { id: number },
    property: BouncerOnlyProperty,
    eventTime: number,
    increment = 1,
  ): void {
    if (!increment) return;
    const p = { serverId: server.id, property, endTime: ceilingToDay(eventTime), increment };
    this.db.transaction(() => {
      if (this.q.bumpInstallationCount.run(p).changes === 0) this.q.newInstallationCount.run(p);
    })();
  }

  /** extra_data of the realm's latest role-count row, or null when it has none. */
  latestRealmRoleCountData(remoteRealmId: number, now: number): unknown {
    const row = this.q.latestRealmRoleCount.get(remoteRealmId, now);
    return row ? (JSON.parse(row.extra_data) as unknown) : null;
  }

  /** extra_data of each of the server's realms' latest role-count rows. */
  latestServerRoleCountData(serverId: number, now: number): unknown[] {
    return this.q.latestServerRoleCounts.all(serverId, now).map((r) => JSON.parse(r.extra_data) as unknown);
  }
}
