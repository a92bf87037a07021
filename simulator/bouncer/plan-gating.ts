/**
 * Plan gating ("can_push", bouncer-protocol.md §8): corporate/lib/stripe.py
 * get_push_status_for_remote_request, with the remote billing sessions' user count
 * (current_count_for_billed_licenses / has_stale_audit_log / the ROLE_COUNT audit data).
 * Time is the bouncer's clock (`ctx.now()`), never the wall clock.
 */
import { PLAN_TYPE } from './constants';
import type { AnalyticsStore } from './store/analytics';
import { SCHEDULED_TO_END_STATUSES, type CustomerPlan, type PlanStore } from './store/plans';
import type { RealmStore, RemoteRealm } from './store/realms';
import type { RemoteServer, ServerStore } from './store/servers';

export interface PushStatus {
  canPush: boolean;
  /** Unix seconds when push access is expected to end, or null. */
  expectedEndTimestamp: number | null;
  /** Not sent to servers except as a refusal reason; appears in the access log. */
  message: string;
}

export const MAX_USERS_WITHOUT_PLAN = 10;
/** has_stale_audit_log: no audit upload for more than this long → the user count is unknown. */
export const STALE_AUDIT_LOG_SECONDS = 2 * 86_400;

export const PUSH_STATUS_MESSAGE = {
  COMMUNITY: 'Community plan',
  MISSING_DATA: 'Missing data',
  NO_PLAN_MANY_USERS:
    'Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/',
  NO_PLAN_FEW_USERS: 'No plan few users',
  ACTIVE_PLAN: 'Active plan',
  EXPIRING_PLAN_FEW_USERS: 'Expiring plan few users',
  SCHEDULED_END: 'Scheduled end',
} as const;

/** RealmAuditLog.ROLE_COUNT / ROLE_COUNT_HUMANS keys of extra_data. */
const ROLE_COUNT = '10';
const ROLE_COUNT_HUMANS = '11';
/** UserProfile.ROLE_TYPES: owner, administrator, moderator, member, guest (guests count fully). */
const ROLE_TYPES = ['100', '200', '300', '400', '600'] as const;

export interface GatingContext {
  servers: ServerStore;
  realms: RealmStore;
  plans: PlanStore;
  counts: AnalyticsStore;
  now(): number;
}

export function hasStaleAuditLog(server: Pick<RemoteServer, 'lastAuditLogUpdate'>, now: number): boolean {
  if (server.lastAuditLogUpdate === null) return true;
  return now - server.lastAuditLogUpdate > STALE_AUDIT_LOG_SECONDS;
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/**
 * get_remote_customer_user_count for one row: the humans of every role in
 * `extra_data["10"]["11"]`. Inferred: data without that shape counts 0 (Zulip would 500).
 */
export function humansInRoleCountData(extraData: unknown): number {
  const humans = asRecord(asRecord(asRecord(extraData)?.[ROLE_COUNT])?.[ROLE_COUNT_HUMANS]);
  if (!humans) return 0;
  let total = 0;
  for (const role of ROLE_TYPES) {
    const n = humans[role];
    if (typeof n === 'number' && Number.isFinite(n)) total += n;
  }
  return total;
}

/**
 * current_count_for_billed_licenses of the realm's billing session (or the server's when no
 * realm is given): null stands for MissingDataError (stale or never uploaded audit data).
 */
export function currentCountForBilledLicenses(
  ctx: GatingContext,
  server: RemoteServer,
  remoteRealm: RemoteRealm | null,
): number | null {
  const now = ctx.now();
  if (hasStaleAuditLog(server, now)) return null;
  if (remoteRealm) return humansInRoleCountData(ctx.counts.latestRealmRoleCountData(remoteRealm.id, now));
  return ctx.counts
    .latestServerRoleCountData(server.id, now)
    .reduce<number>((sum, data) => sum + humansInRoleCountData(data), 0);
}

/**
 * get_next_billing_cycle for the ending plan, simplified to its next invoice date
 * (datetime_to_timestamp truncates to whole seconds). Inferred: a plan without one gives null.
 */
function nextBillingCycle(plan: CustomerPlan): number | null {
  return plan.nextInvoiceDate === null ? null : Math.floor(plan.nextInvoiceDate);
}

const status = (canPush: boolean, message: string, expectedEndTimestamp: number | null = null): PushStatus => ({
  canPush,
  expectedEndTimestamp,
  message,
});

/**
 * May this server (and, for 8.0+ servers, this realm) send push notifications? Server and realm
 * are re-read, so a caller holding rows from before an update in the same transaction still
 * sees current plan types and last_audit_log_update.
 */
export function getPushStatusForRemoteRequest(
  ctx: GatingContext,
  server: RemoteServer,
  remoteRealm: RemoteRealm | null,
): PushStatus {
  const srv = ctx.servers.byId(server.id) ?? server;
  const realm = remoteRealm ? (ctx.realms.byId(remoteRealm.id) ?? remoteRealm) : null;

  // The realm's own sponsorship and plan take precedence over the server's.
  if (realm && realm.planType === PLAN_TYPE.COMMUNITY) return status(true, PUSH_STATUS_MESSAGE.COMMUNITY);
  let plan = realm ? ctx.plans.currentForRealm(realm.id) : null;
  if (!plan) {
    if (srv.planType === PLAN_TYPE.COMMUNITY) return status(true, PUSH_STATUS_MESSAGE.COMMUNITY);
    plan = ctx.plans.currentForServer(srv.id);
  }

  // Users are counted by the realm's billing session whenever a realm was given.
  if (!plan) {
    const count = currentCountForBilledLicenses(ctx, srv, realm);
    if (count === null) return status(false, PUSH_STATUS_MESSAGE.MISSING_DATA);
    if (count > MAX_USERS_WITHOUT_PLAN) return status(false, PUSH_STATUS_MESSAGE.NO_PLAN_MANY_USERS);
    return status(true, PUSH_STATUS_MESSAGE.NO_PLAN_FEW_USERS);
  }

  if (!SCHEDULED_TO_END_STATUSES.has(plan.status)) return status(true, PUSH_STATUS_MESSAGE.ACTIVE_PLAN);

  // Ending plan: with few enough users the "No plan few users" case follows, so no end is announced.
  const count = currentCountForBilledLicenses(ctx, srv, realm);
  if (count !== null && count <= MAX_USERS_WITHOUT_PLAN) {
    return status(true, PUSH_STATUS_MESSAGE.EXPIRING_PLAN_FEW_USERS);
  }
  return status(true, PUSH_STATUS_MESSAGE.SCHEDULED_END, nextBillingCycle(plan));
}

/** Python's str(bool), as Zulip's log tags print it. */
export const pythonBool = (b: boolean): 'True' | 'False' => (b ? 'True' : 'False');

/** The access-log tag push endpoints set: `[can_push=True/No plan few users]`. */
export const pushStatusLogExtra = (s: PushStatus): string => `[can_push=${pythonBool(s.canPush)}/${s.message}]`;

/** RemoteRealmDictValue, as `realm` in notify responses and per realm in analytics responses. */
export const remoteRealmDict = (s: PushStatus) => ({
  can_push: s.canPush,
  expected_end_timestamp: s.expectedEndTimestamp,
});
