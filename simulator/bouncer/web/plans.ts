/**
 * What the plans page shows and what it may change: the server's and each realm's plan type,
 * human user count (§8's count: the latest synced role-count audit row, null when the audit data
 * is missing or stale) and push status, straight from plan gating.
 */
import { PLAN_TYPE, SERVER_AUDIT } from '../constants';
import type { BouncerContext } from '../context';
import { currentCountForBilledLicenses, getPushStatusForRemoteRequest, type PushStatus } from '../plan-gating';
import { PLAN_TIER, type CustomerPlan } from '../store/plans';
import type { RemoteRealm } from '../store/realms';
import type { RemoteServer } from '../store/servers';

export const PLAN_TYPE_LABEL: Record<number, string> = {
  [PLAN_TYPE.SELF_HOSTED]: 'Self-hosted (legacy registration)',
  [PLAN_TYPE.SELF_MANAGED]: 'Self-managed (no plan)',
  [PLAN_TYPE.SELF_MANAGED_LEGACY]: 'Self-managed (legacy plan)',
  [PLAN_TYPE.COMMUNITY]: 'Community (sponsored)',
  [PLAN_TYPE.BASIC]: 'Basic',
  [PLAN_TYPE.BUSINESS]: 'Business',
  [PLAN_TYPE.ENTERPRISE]: 'Enterprise',
};

export const planTypeLabel = (planType: number) => PLAN_TYPE_LABEL[planType] ?? `Plan type ${planType}`;

const TIER_LABEL: Record<number, string> = {
  [PLAN_TIER.SELF_HOSTED_BASE]: 'Self-managed',
  [PLAN_TIER.SELF_HOSTED_LEGACY]: 'Self-managed (legacy)',
  [PLAN_TIER.SELF_HOSTED_COMMUNITY]: 'Community',
  [PLAN_TIER.SELF_HOSTED_BASIC]: 'Basic',
  [PLAN_TIER.SELF_HOSTED_BUSINESS]: 'Business',
  [PLAN_TIER.SELF_HOSTED_ENTERPRISE]: 'Enterprise',
};
export const tierLabel = (tier: number) => TIER_LABEL[tier] ?? `Tier ${tier}`;

/**
 * The plan types this page switches between: no plan ↔ the sponsored Community plan. Paid plans
 * (and legacy ones) are left to billing; the page shows them but offers no change.
 */
export const SELF_SERVICE_PLAN_TYPES: readonly number[] = [PLAN_TYPE.SELF_MANAGED, PLAN_TYPE.COMMUNITY];
export const isSelfServicePlanType = (planType: number) => SELF_SERVICE_PLAN_TYPES.includes(planType);

export interface RealmSummary {
  realm: RemoteRealm;
  /** Humans (guests included) by the latest role-count row; null = missing or stale audit data. */
  humans: number | null;
  push: PushStatus;
  currentPlan: CustomerPlan | null;
}

export interface ServerSummary {
  server: RemoteServer;
  humans: number | null;
  /** The server's own status (what a pre-8.0 server, which sends no realm, gets). */
  push: PushStatus;
  currentPlan: CustomerPlan | null;
  realms: RealmSummary[];
}

/** Realms a person manages here: every realm the server uploaded except its system bot realm. */
export function summarizeServer(ctx: BouncerContext, server: RemoteServer): ServerSummary {
  const realms = ctx.realms
    .forServer(server.id)
    .filter((r) => !r.isSystemBotRealm)
    .map((realm) => ({
      realm,
      humans: currentCountForBilledLicenses(ctx, server, realm),
      push: getPushStatusForRemoteRequest(ctx, server, realm),
      currentPlan: ctx.plans.currentForRealm(realm.id),
    }));
  return {
    server,
    humans: currentCountForBilledLicenses(ctx, server, null),
    push: getPushStatusForRemoteRequest(ctx, server, null),
    currentPlan: ctx.plans.currentForServer(server.id),
    realms,
  };
}

export type PlanChangeOutcome =
  | { ok: true; notice: string }
  | { ok: false; status: number; error: string };

/**
 * Sets the plan type of the server (`target` = "server") or of one of its realms (`target` = a
 * realm uuid), with the audit row Zulip's billing writes (REMOTE_SERVER_PLAN_TYPE_CHANGED, old and
 * new value). Only self-service plan types, and only for the session's own server.
 */
export function changePlanType(
  ctx: BouncerContext,
  server: RemoteServer,
  target: string,
  planTypeText: string,
): PlanChangeOutcome {
  const planType = /^\d{1,4}$/.test(planTypeText) ? Number(planTypeText) : NaN;
  if (!isSelfServicePlanType(planType)) {
    return { ok: false, status: 400, error: 'Choose "Self-managed (no plan)" or "Community (sponsored)".' };
  }
  const now = ctx.now();
  const extraData = (old: number) => ({ old_value: old, new_value: planType });

  if (target === 'server') {
    if (!isSelfServicePlanType(server.planType)) {
      return { ok: false, status: 400, error: `The server's plan (${planTypeLabel(server.planType)}) is managed by billing.` };
    }
    if (server.planType !== planType) {
      ctx.db.transaction(() => {
        ctx.servers.setPlanType(server.id, planType, now);
        ctx.servers.addAuditLog(server.id, SERVER_AUDIT.REMOTE_SERVER_PLAN_TYPE_CHANGED, now, extraData(server.planType));
      })();
    }
    return { ok: true, notice: `The server ${server.hostname} is on ${planTypeLabel(planType)}.` };
  }

  const realm = ctx.realms.byUuid(target);
  // Someone else's realm reads exactly like an unknown one.
  if (!realm || realm.serverId !== server.id || realm.isSystemBotRealm) {
    return { ok: false, status: 404, error: 'No such organization on this server.' };
  }
  if (!isSelfServicePlanType(realm.planType)) {
    return { ok: false, status: 400, error: `${realm.name}'s plan (${planTypeLabel(realm.planType)}) is managed by billing.` };
  }
  if (realm.planType !== planType) {
    ctx.db.transaction(() => {
      ctx.realms.setPlanType(realm.id, planType, now);
      // Inferred: the realm's billing session writes the same event type to RemoteRealmAuditLog.
      ctx.realms.addAuditLog(realm, SERVER_AUDIT.REMOTE_SERVER_PLAN_TYPE_CHANGED, now, {
        realmId: realm.realmId,
        extraData: extraData(realm.planType),
      });
    })();
  }
  return { ok: true, notice: `${realm.name} is on ${planTypeLabel(planType)}.` };
}
