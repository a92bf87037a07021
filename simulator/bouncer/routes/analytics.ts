/**
 * Analytics and realm metadata upload (bouncer-protocol.md §10; zilencer/views.py
 * remote_server_check_analytics, remote_server_post_analytics,
 * update_remote_realm_data_for_server):
 *
 *   GET  server/analytics/status → the last uploaded id of each table;
 *   POST server/analytics        → validate, sync RemoteRealms, store rows, answer can_push
 *                                   per realm — all in one database transaction.
 */
import { auditLogRowsField, installationCountsField, jsonStrField, realmCountsField, realmsField } from '../analytics/models';
import type { AuditLogRow, InstallationCountRow, RealmCountRow, RealmData } from '../analytics/models';
import { isAcceptedUploadProperty, isSkippedUploadProperty } from '../analytics/stats';
import { REALM_AUDIT, SYNCED_BILLING_EVENTS } from '../constants';
import type { BouncerContext } from '../context';
import { dataOutOfOrder, duplicateRegistration, invalidEventType, invalidProperty, malformedAuditLogData } from '../errors';
import { jsonInt, readFields } from '../http/params';
import type { AuthedRequest, RouteDef } from '../http/route';
import { getPushStatusForRemoteRequest, pythonBool, remoteRealmDict } from '../plan-gating';
import { TABLE } from '../store/analytics';
import {
  SYNCED_REALM_ATTRIBUTES,
  realmAttribute,
  type RemoteRealm,
  type ReportedRealm,
  type SyncedRealmAttribute,
} from '../store/realms';
import type { RemoteServer } from '../store/servers';

export const ANALYTICS_PATH = '/api/v1/remotes/server/analytics';
export const ANALYTICS_STATUS_PATH = '/api/v1/remotes/server/analytics/status';

/** RemoteZulipServer.VERSION_MAX_LENGTH. */
const VERSION_MAX_LENGTH = 128;

/** remote_server_post_analytics's typed_endpoint signature, in order. */
const ANALYTICS_FIELDS = [
  realmCountsField('realm_counts', true),
  installationCountsField('installation_counts', true),
  auditLogRowsField('realmauditlog_rows', false),
  realmsField('realms', false),
  jsonStrField('version', false),
  jsonStrField('merge_base', false),
  jsonInt('api_feature_level', false),
] as const;

interface Upload {
  realm_counts: RealmCountRow[];
  installation_counts: InstallationCountRow[];
  realmauditlog_rows?: AuditLogRow[];
  realms?: RealmData[];
  version?: string;
  merge_base?: string;
  api_feature_level?: number;
}

/** validate_incoming_table_data for count rows: known property, then strictly increasing ids. */
function validateCountRows(rows: { property: string; id: number }[], lastId: number): void {
  let last = lastId;
  for (const row of rows) {
    if (!isAcceptedUploadProperty(row.property)) throw invalidProperty(row.property);
    if (row.id <= last) throw dataOutOfOrder();
    last = row.id;
  }
}

/** validate_incoming_table_data for audit rows: a synced billing event, then increasing ids. */
function validateAuditRows(rows: AuditLogRow[], lastId: number): void {
  let last = lastId;
  for (const row of rows) {
    if (!SYNCED_BILLING_EVENTS.has(row.event_type)) throw invalidEventType();
    if (row.id <= last) throw dataOutOfOrder();
    last = row.id;
  }
}

const reported = (r: RealmData): ReportedRealm => ({
  uuid: r.uuid,
  uuidOwnerSecret: r.uuid_owner_secret,
  realmId: r.id,
  host: r.host,
  name: r.name,
  orgType: r.org_type,
  authenticationMethods: r.authentication_methods,
  realmDeactivated: r.deactivated,
  isSystemBotRealm: r.is_system_bot_realm,
  realmDateCreated: r.date_created,
});

/** The reported value of a synced RemoteRealm attribute (`realm_deactivated` ← `deactivated`). */
function reportedAttribute(r: RealmData, attr: SyncedRealmAttribute): unknown {
  return attr === 'realm_deactivated' ? r.deactivated : r[attr];
}

/** Python `==` on the synced values: scalars, or dicts of booleans compared key by key. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ak = Object.keys(a);
    const bo = b as Record<string, unknown>;
    return (
      ak.length === Object.keys(bo).length &&
      ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && (a as Record<string, unknown>)[k] === bo[k])
    );
  }
  return a === b;
}

/**
 * better-sqlite3's SqliteError, recognised by its code rather than by class: the native addon
 * keeps the error class of whichever module instance loaded it first (e.g. under Jest).
 */
const isUniqueViolation = (e: unknown): e is { code: string; message: string } =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as { code?: unknown }).code === 'string' &&
  (e as { code: string }).code.startsWith('SQLITE_CONSTRAINT');

/** update_remote_realm_data_for_server. */
function updateRemoteRealmData(ctx: BouncerContext, server: RemoteServer, realms: RealmData[], now: number): void {
  const reportedUuids = new Set(realms.map((r) => r.uuid));
  const registered = ctx.realms.forServer(server.id);
  const alreadyRegistered = registered.filter((r) => reportedUuids.has(r.uuid));
  const missing = registered.filter((r) => !reportedUuids.has(r.uuid));
  const alreadyUuids = new Set(alreadyRegistered.map((r) => r.uuid));

  // New realms. The uuid is unique across all servers: one owned by another server (or sent
  // twice) is an IntegrityError in Zulip, and so is it here.
  try {
    for (const r of realms) if (!alreadyUuids.has(r.uuid)) ctx.realms.create(server.id, reported(r), now);
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    ctx.loggers.views.info(
      `update_remote_realm_data_for_server:server:${server.id}:IntegrityError creating RemoteRealm rows: ${e.message}`,
    );
    throw duplicateRegistration();
  }

  // Sync what changed on the realms we knew (realm_date_created never changes), each change
  // recorded as REMOTE_REALM_VALUE_UPDATED; a realm that is back is no longer locally deleted.
  const byUuid = new Map(realms.map((r) => [r.uuid, r]));
  for (const remote of alreadyRegistered) {
    const data = byUuid.get(remote.uuid)!;
    for (const attr of SYNCED_REALM_ATTRIBUTES) {
      const oldValue = realmAttribute(remote, attr);
      const newValue = reportedAttribute(data, attr);
      if (sameValue(oldValue, newValue)) continue;
      ctx.realms.setAttribute(remote.id, attr, newValue, now);
      ctx.realms.addAuditLog(remote, REALM_AUDIT.REMOTE_REALM_VALUE_UPDATED, now, {
        realmId: data.id,
        extraData: { attr_name: attr, old_value: oldValue, new_value: newValue },
      });
    }
    if (remote.realmLocallyDeleted) {
      ctx.realms.setLocallyDeleted(remote.id, false, now);
      ctx.realms.addAuditLog(remote, REALM_AUDIT.REMOTE_REALM_LOCALLY_DELETED_RESTORED, now, { realmId: data.id });
    }
    if (remote.realmId !== data.id) ctx.realms.setRealmId(remote.id, data.id);
  }

  // Realms the server no longer reports: presumably deleted there.
  for (const remote of missing) {
    if (remote.realmLocallyDeleted) continue;
    ctx.realms.setLocallyDeleted(remote.id, true, now);
    ctx.realms.addAuditLog(remote, REALM_AUDIT.REMOTE_REALM_LOCALLY_DELETED, now, { realmId: null });
  }
}

/** build_realm_id_to_remote_realm_dict: the request's realm ids → this server's RemoteRealms. */
function realmIdToRemoteRealm(ctx: BouncerContext, server: RemoteServer, realms: RealmData[] | undefined) {
  const map = new Map<number, RemoteRealm>();
  for (const r of realms ?? []) {
    const remote = ctx.realms.byUuid(r.uuid);
    if (remote && remote.serverId === server.id) map.set(r.id, remote);
  }
  return map;
}

/** batch_create_table_data's warning, on the root logger. */
function warnDropped(ctx: BouncerContext, server: RemoteServer, table: string, expected: number, inserted: number) {
  if (inserted >= expected) return;
  ctx.loggers.root.warn(
    `Dropped ${expected - inserted} duplicated rows while saving ${expected} rows of ${table} for server ${server.hostname}/${server.uuid}`,
  );
}

function processUpload(ctx: BouncerContext, serverId: number, f: Upload): { data: Record<string, unknown>; logExtra?: string } {
  const now = ctx.now();
  // Zulip locks the server row; inside this transaction nothing else runs.
  const server = ctx.servers.byId(serverId)!;

  const version = f.version === undefined ? null : [...f.version].slice(0, VERSION_MAX_LENGTH).join('');
  const mergeBase = f.merge_base ?? null;
  const featureLevel = f.api_feature_level ?? null;
  let versionChanged = false;
  // Absent fields count as None: an older client's upload clears what a newer one stored.
  if (version !== server.lastVersion || mergeBase !== server.lastMergeBase || featureLevel !== server.lastApiFeatureLevel) {
    ctx.counts.setServerVersion(server.id, version, mergeBase, featureLevel);
    versionChanged = true;
  }

  const lastIds = ctx.counts.lastRemoteIds(server.id);
  validateCountRows(f.realm_counts, lastIds.last_realm_count_id);
  validateCountRows(f.installation_counts, lastIds.last_installation_count_id);
  if (f.realmauditlog_rows !== undefined) validateAuditRows(f.realmauditlog_rows, lastIds.last_realmauditlog_id);

  if (f.realms !== undefined) {
    updateRemoteRealmData(ctx, server, f.realms, now);
    if (versionChanged) {
      // fix_remote_realm_foreign_keys: rows uploaded before the server sent realms get linked.
      for (const [realmId, remote] of realmIdToRemoteRealm(ctx, server, f.realms)) {
        ctx.counts.linkRowsToRemoteRealm(server.id, realmId, remote.id);
      }
    }
  }
  const remoteRealms = realmIdToRemoteRealm(ctx, server, f.realms);

  const realmCounts = f.realm_counts
    .filter((r) => !isSkippedUploadProperty(r.property))
    .map((r) => ({
      remoteRealmId: remoteRealms.get(r.realm)?.id ?? null,
      realmId: r.realm,
      remoteId: r.id,
      property: r.property,
      subgroup: r.subgroup,
      endTime: r.end_time,
      value: r.value,
    }));
  warnDropped(ctx, server, TABLE.realmCount, realmCounts.length, ctx.counts.insertRealmCounts(server.id, realmCounts));

  const installationCounts = f.installation_counts
    .filter((r) => !isSkippedUploadProperty(r.property))
    .map((r) => ({ remoteId: r.id, property: r.property, subgroup: r.subgroup, endTime: r.end_time, value: r.value }));
  warnDropped(
    ctx,
    server,
    TABLE.installationCount,
    installationCounts.length,
    ctx.counts.insertInstallationCounts(server.id, installationCounts),
  );

  if (f.realmauditlog_rows !== undefined) {
    // extra_data: a JSON string from servers that store it as text, an object from newer ones,
    // or null (stored as {}).
    const rows = f.realmauditlog_rows.map((row) => {
      let extraData: unknown = {};
      if (typeof row.extra_data === 'string') {
        try {
          extraData = JSON.parse(row.extra_data);
        } catch {
          throw malformedAuditLogData();
        }
      } else if (row.extra_data !== null) {
        extraData = row.extra_data;
      }
      return {
        remoteRealmId: remoteRealms.get(row.realm)?.id ?? null,
        realmId: row.realm,
        remoteId: row.id,
        eventTime: row.event_time,
        backfilled: row.backfilled,
        extraData,
        eventType: row.event_type,
      };
    });
    warnDropped(ctx, server, TABLE.realmAuditLog, rows.length, ctx.counts.insertAuditLogs(server.id, rows));
    // Even for an empty list: this is how the bouncer knows the server still uploads.
    ctx.counts.setLastAuditLogUpdate(server.id, now);
  }

  // can_push for exactly the realms the server told us about, and the access-log tag.
  const realmsDict: Record<string, ReturnType<typeof remoteRealmDict>> = {};
  const canPushValues = new Set<boolean>();
  const remotes = [...remoteRealms.values()];
  const humanRealmCount = remotes.filter((r) => !r.isSystemBotRealm).length;
  let logExtra: string | undefined;
  for (const remote of remotes) {
    const status = getPushStatusForRemoteRequest(ctx, server, remote);
    if (remote.isSystemBotRealm) {
      // System bot realms do not count for the log tag.
    } else if (humanRealmCount === 1) {
      logExtra = `[can_push=${pythonBool(status.canPush)}/${status.message}]`;
    } else {
      canPushValues.add(status.canPush);
    }
    realmsDict[remote.uuid] = remoteRealmDict(status);
  }
  if (canPushValues.size === 1) {
    logExtra = `[can_push=${pythonBool([...canPushValues][0]!)}/${humanRealmCount} realms]`;
  } else if (canPushValues.size === 2) {
    logExtra = `[can_push=mixed/${humanRealmCount} realms]`;
  } else if (humanRealmCount === 0) {
    logExtra = '[0 realms]';
  }
  return { data: { realms: realmsDict }, logExtra };
}

function postAnalytics(req: AuthedRequest, ctx: BouncerContext): Record<string, unknown> {
  const f: Upload = readFields(req.params, ANALYTICS_FIELDS);
  const { data, logExtra } = ctx.db.transaction(() => processUpload(ctx, req.server.id, f))();
  if (logExtra) req.setLogExtra(logExtra);
  return data;
}

export const analyticsRoutes: RouteDef[] = [
  {
    path: ANALYTICS_STATUS_PATH,
    auth: 'remote-server',
    methods: { GET: (req, ctx) => ({ ...ctx.counts.lastRemoteIds(req.server.id) }) },
  },
  {
    path: ANALYTICS_PATH,
    auth: 'remote-server',
    methods: { POST: postAnalytics },
  },
];
