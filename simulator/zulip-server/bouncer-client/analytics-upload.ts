/**
 * The metadata / analytics upload (bouncer-protocol.md §10; server-and-app.md §F;
 * remote_server.py build_analytics_data, get_realms_info_for_push_bouncer,
 * send_server_data_to_push_bouncer).
 *
 *   1. GET server/analytics/status → the last ids the bouncer holds;
 *   2. rows with larger ids, ordered by id, at most 10 000 per list, chosen by
 *      ANALYTICS_DATA_UPLOAD_LEVEL:
 *        NONE     nothing is sent at all (Zulip never calls the upload);
 *        BASIC    realms metadata + version only (empty row lists);
 *        BILLING  + RealmAuditLog rows of SYNCED_BILLING_EVENTS (role counts in extra_data);
 *        ALL      + RealmCount / InstallationCount rows, only when `considerUsageStatistics`
 *                 (the analytics cron), never the stats in LOGGING_COUNT_STAT_PROPERTIES_NOT_SENT_TO_BOUNCER;
 *   3. POST server/analytics → `realms: {uuid: {can_push, expected_end_timestamp}}` applied to
 *      the realms; INFO `Reported <n> records`.
 * Failures of either request go through maybe_mark_pushes_disabled.
 */
import { ROLE, type Realm, type User } from '../types';
import { isSkipped, type BouncerClient } from './client';
import { BouncerJsonDecodeError, BouncerJsonableError } from './errors';
import {
  ANALYTICS_LOGGER,
  applyAnalyticsRealms,
  maybeMarkPushesDisabled,
  pinoReactionLog,
  type ReactionLog,
} from './reactions';
import type {
  AnalyticsRequest,
  AnalyticsStatusResponse,
  InstallationCountRow,
  RealmAuditLogRow,
  RealmCountRow,
  RealmDataForAnalytics,
} from './wire';

/** zerver.lib.types.AnalyticsDataUploadLevel. */
export const ANALYTICS_DATA_UPLOAD_LEVEL = { NONE: 0, BASIC: 1, BILLING: 2, ALL: 3 } as const;
export type AnalyticsDataUploadLevel = keyof typeof ANALYTICS_DATA_UPLOAD_LEVEL;

/**
 * ANALYTICS_DATA_UPLOAD_LEVEL from the ZULIP_SERVICE_* settings (inferred, computed_settings.py):
 * usage statistics → ALL; push notifications → BILLING; security alerts only → BASIC; else NONE.
 */
export function uploadLevelFromSettings(s: {
  pushNotifications: boolean;
  submitUsageStatistics: boolean;
  securityAlerts?: boolean;
}): AnalyticsDataUploadLevel {
  if (s.submitUsageStatistics) return 'ALL';
  if (s.pushNotifications) return 'BILLING';
  if (s.securityAlerts) return 'BASIC';
  return 'NONE';
}

/** build_analytics_data's MAX_CLIENT_BATCH_SIZE. */
export const MAX_CLIENT_BATCH_SIZE = 10_000;

/** analytics/lib/counts.py: stats the server keeps but never uploads. */
export const LOGGING_COUNT_STAT_PROPERTIES_NOT_SENT_TO_BOUNCER: ReadonlySet<string> = new Set([
  'invites_sent::day',
  'mobile_pushes_sent::day',
  'active_users_log:is_bot:day',
  'active_users:is_bot:day',
]);

/** RealmAuditLog.SYNCED_BILLING_EVENTS (AuditLogEventType values). */
export const SYNCED_BILLING_EVENTS: ReadonlySet<number> = new Set([
  101, // USER_CREATED
  102, // USER_ACTIVATED
  103, // USER_DEACTIVATED
  104, // USER_REACTIVATED
  105, // USER_ROLE_CHANGED
  201, // REALM_DEACTIVATED
  202, // REALM_REACTIVATED
  229, // REALM_IMPORTED
]);

/** RealmAuditLog.ROLE_COUNT / ROLE_COUNT_HUMANS / ROLE_COUNT_BOTS. */
export const ROLE_COUNT = '10';
export const ROLE_COUNT_HUMANS = '11';
export const ROLE_COUNT_BOTS = '12';

// ---------------------------------------------------------------------------------------------
// The server's tables, as this module reads them

export interface RealmCountRecord {
  id: number;
  realmId: number;
  property: string;
  subgroup: string | null;
  /** Unix seconds. */
  endTime: number;
  value: number;
}

export interface InstallationCountRecord {
  id: number;
  property: string;
  subgroup: string | null;
  endTime: number;
  value: number;
}

export interface AuditLogRecord {
  id: number;
  realmId: number;
  eventType: number;
  /** Unix seconds. */
  eventTime: number;
  backfilled?: boolean;
  /** A dict (JSONField), or the JSON text older servers stored. */
  extraData: string | Record<string, unknown> | null;
}

export interface ServerAnalyticsData {
  /** Every realm of the server (the system bot realm included), any order. */
  realms: Realm[];
  realmCounts?: RealmCountRecord[];
  installationCounts?: InstallationCountRecord[];
  /** The whole RealmAuditLog; only SYNCED_BILLING_EVENTS rows are uploaded. */
  auditLogs?: AuditLogRecord[];
  /** ZULIP_VERSION, ZULIP_MERGE_BASE, API_FEATURE_LEVEL. */
  version: string;
  mergeBase: string | null;
  apiFeatureLevel: number | null;
  uploadLevel: AnalyticsDataUploadLevel;
}

export type LastAckedIds = Pick<
  AnalyticsStatusResponse,
  'last_realm_count_id' | 'last_installation_count_id' | 'last_realmauditlog_id'
>;

// ---------------------------------------------------------------------------------------------
// Builders

/** get_realms_info_for_push_bouncer for one realm. */
export function realmDataForAnalytics(realm: Realm): RealmDataForAnalytics {
  return {
    id: realm.id,
    uuid: realm.uuid,
    uuid_owner_secret: realm.uuidOwnerSecret,
    host: realm.host,
    url: realm.url,
    deactivated: realm.deactivated,
    date_created: realm.dateCreated,
    org_type: realm.orgType,
    name: realm.name,
    authentication_methods: { ...realm.authenticationMethods },
    is_system_bot_realm: realm.isSystemBotRealm,
  };
}

/**
 * `{ROLE_COUNT: realm_user_count_by_role(realm)}`: the extra_data of a billing audit row —
 * active humans per role (every role present, 0 when none) and the number of active bots.
 */
export function roleCountExtraData(users: User[], realmId: number): Record<string, unknown> {
  const humans: Record<string, number> = {
    [String(ROLE.ADMINISTRATOR)]: 0,
    [String(ROLE.OWNER)]: 0,
    [String(ROLE.MODERATOR)]: 0,
    [String(ROLE.MEMBER)]: 0,
    [String(ROLE.GUEST)]: 0,
  };
  let bots = 0;
  for (const u of users) {
    if (u.realmId !== realmId || !u.isActive) continue;
    if (u.isBot) bots += 1;
    else humans[String(u.role)] = (humans[String(u.role)] ?? 0) + 1;
  }
  return { [ROLE_COUNT]: { [ROLE_COUNT_HUMANS]: humans, [ROLE_COUNT_BOTS]: bots } };
}

/** Rows with id > last, ordered by id, at most MAX_CLIENT_BATCH_SIZE. */
function delta<T extends { id: number }>(rows: T[] | undefined, lastId: number): T[] {
  return (rows ?? [])
    .filter((r) => r.id > lastId)
    .sort((a, b) => a.id - b.id)
    .slice(0, MAX_CLIENT_BATCH_SIZE);
}

export interface BuiltAnalyticsRequest {
  request: AnalyticsRequest;
  /** len(realm_counts) + len(installation_counts) + len(realmauditlog_rows). */
  recordCount: number;
}

/** The server/analytics request for `data`, given what the bouncer already has. */
export function buildAnalyticsRequest(
  data: ServerAnalyticsData,
  lastAcked: LastAckedIds,
  opts: { considerUsageStatistics: boolean },
): BuiltAnalyticsRequest {
  const level = ANALYTICS_DATA_UPLOAD_LEVEL[data.uploadLevel];
  if (level === ANALYTICS_DATA_UPLOAD_LEVEL.NONE) {
    throw new Error('ANALYTICS_DATA_UPLOAD_LEVEL is NONE: nothing may be uploaded');
  }
  const sendCounts = level === ANALYTICS_DATA_UPLOAD_LEVEL.ALL && opts.considerUsageStatistics;
  const sendAudit = level >= ANALYTICS_DATA_UPLOAD_LEVEL.BILLING;
  const uploadable = (r: { property: string }) => !LOGGING_COUNT_STAT_PROPERTIES_NOT_SENT_TO_BOUNCER.has(r.property);

  const realmCounts: RealmCountRow[] = sendCounts
    ? delta(data.realmCounts?.filter(uploadable), lastAcked.last_realm_count_id).map((r) => ({
        property: r.property,
        realm: r.realmId,
        id: r.id,
        end_time: r.endTime,
        subgroup: r.subgroup,
        value: r.value,
      }))
    : [];
  const installationCounts: InstallationCountRow[] = sendCounts
    ? delta(data.installationCounts?.filter(uploadable), lastAcked.last_installation_count_id).map((r) => ({
        property: r.property,
        id: r.id,
        end_time: r.endTime,
        subgroup: r.subgroup,
        value: r.value,
      }))
    : [];
  const auditRows: RealmAuditLogRow[] = sendAudit
    ? delta(
        data.auditLogs?.filter((r) => SYNCED_BILLING_EVENTS.has(r.eventType)),
        lastAcked.last_realmauditlog_id,
      ).map((r) => ({
        id: r.id,
        realm: r.realmId,
        event_time: r.eventTime,
        backfilled: r.backfilled ?? false,
        extra_data: r.extraData,
        event_type: r.eventType,
      }))
    : [];

  return {
    request: {
      realm_counts: realmCounts,
      installation_counts: installationCounts,
      // Zulip sends the (possibly empty) list at every level above NONE.
      realmauditlog_rows: auditRows,
      realms: [...data.realms].sort((a, b) => a.id - b.id).map(realmDataForAnalytics),
      version: data.version,
      merge_base: data.mergeBase,
      api_feature_level: data.apiFeatureLevel,
    },
    recordCount: realmCounts.length + installationCounts.length + auditRows.length,
  };
}

// ---------------------------------------------------------------------------------------------
// The exchange

export interface UploadServerDataOptions {
  /** True from the analytics cron job; false at push-worker start-up, register_server, realm changes. */
  considerUsageStatistics: boolean;
  /** register_server's `raise_on_error=True`: rethrow instead of only logging. */
  raiseOnError?: boolean;
  /** Pushes worked within the last hour (see `pushesRecentlyWorking`): a failure does not disable them. */
  recentlyWorking?: boolean;
  /** Where Zulip's log lines go; default: the client's logger. */
  log?: ReactionLog;
}

type AnalyticsFailure = BouncerJsonableError | BouncerJsonDecodeError;

export type UploadServerDataResult =
  | { outcome: 'skipped'; reason: string; realms: Realm[] }
  | {
      outcome: 'uploaded';
      recordCount: number;
      realms: Realm[];
      unexpectedRealmUuids: string[];
      lastAcked: LastAckedIds;
      request: AnalyticsRequest;
    }
  | {
      outcome: 'failed';
      stage: 'status' | 'upload';
      error: AnalyticsFailure;
      realms: Realm[];
      /** maybe_mark_pushes_disabled switched every realm's pushes off. */
      pushesDisabled: boolean;
    };

const isAnalyticsFailure = (e: unknown): e is AnalyticsFailure =>
  e instanceof BouncerJsonableError || e instanceof BouncerJsonDecodeError;

/**
 * send_server_data_to_push_bouncer: status, then upload, then the realms' push status. Errors
 * other than JsonableError / JSON decoding (INVALID_ZULIP_SERVER, PUSH_NOTIFICATIONS_DISALLOWED)
 * propagate, as in Zulip.
 */
export async function uploadServerData(
  client: BouncerClient,
  data: ServerAnalyticsData,
  opts: UploadServerDataOptions,
): Promise<UploadServerDataResult> {
  const log = opts.log ?? (client.logger ? pinoReactionLog(client.logger) : undefined);
  if (data.uploadLevel === 'NONE') {
    return { outcome: 'skipped', reason: 'ANALYTICS_DATA_UPLOAD_LEVEL is NONE', realms: data.realms };
  }
  const fail = (stage: 'status' | 'upload', error: AnalyticsFailure): UploadServerDataResult => {
    const marked = maybeMarkPushesDisabled(data.realms, error, {
      recentlyWorking: opts.recentlyWorking ?? false,
      servicesUrl: client.url,
      log,
    });
    return { outcome: 'failed', stage, error, realms: marked.realms, pushesDisabled: marked.disabled };
  };

  // 1. What does the bouncer already have?
  let status;
  try {
    status = await client.analyticsStatus();
  } catch (e) {
    if (!isAnalyticsFailure(e)) throw e;
    const failed = fail('status', e);
    if (opts.raiseOnError) throw e;
    return failed;
  }
  if (isSkipped(status)) return { outcome: 'skipped', reason: status.reason, realms: data.realms };
  const lastAcked: LastAckedIds = {
    last_realm_count_id: status.last_realm_count_id,
    last_installation_count_id: status.last_installation_count_id,
    last_realmauditlog_id: status.last_realmauditlog_id,
  };

  // 2. Only what it lacks.
  const { request, recordCount } = buildAnalyticsRequest(data, lastAcked, opts);

  // 3. Upload, and take the realms' push status from the answer.
  let response;
  try {
    response = await client.uploadAnalytics(request);
  } catch (e) {
    if (!isAnalyticsFailure(e)) throw e;
    if (opts.raiseOnError) throw e;
    return fail('upload', e);
  }
  if (isSkipped(response)) return { outcome: 'skipped', reason: response.reason, realms: data.realms };

  const applied = applyAnalyticsRealms(data.realms, response.realms ?? {}, log);
  log?.('info', `Reported ${recordCount} records`, ANALYTICS_LOGGER);
  return {
    outcome: 'uploaded',
    recordCount,
    realms: applied.realms,
    unexpectedRealmUuids: applied.unexpectedRealmUuids,
    lastAcked,
    request,
  };
}
