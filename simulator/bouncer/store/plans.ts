/**
 * Customer plans, reduced to what plan gating (§8) and server deactivation (§3.2) read: each
 * plan belongs to a server or to one of its realms. Zulip's Customer row is implied — a
 * customer "has a current plan" when one of its plans has a live status.
 */
import { PLAN_STATUS } from '../constants';
import type { Db } from './db';

/** corporate/models/plans.py CustomerPlan tiers. */
export const PLAN_TIER = {
  CLOUD_STANDARD: 1,
  CLOUD_PLUS: 2,
  CLOUD_COMMUNITY: 3,
  CLOUD_ENTERPRISE: 4,
  SELF_HOSTED_BASE: 100,
  SELF_HOSTED_LEGACY: 101,
  SELF_HOSTED_COMMUNITY: 102,
  SELF_HOSTED_BASIC: 103,
  SELF_HOSTED_BUSINESS: 104,
  SELF_HOSTED_ENTERPRISE: 105,
} as const;

/** Tiers do_deactivate_remote_server ignores ("No action required for free plans"). */
const FREE_SELF_HOSTED_TIERS: ReadonlySet<number> = new Set([
  PLAN_TIER.SELF_HOSTED_BASE,
  PLAN_TIER.SELF_HOSTED_LEGACY,
  PLAN_TIER.SELF_HOSTED_COMMUNITY,
]);

/** Statuses of a plan that will end by itself. */
export const SCHEDULED_TO_END_STATUSES: ReadonlySet<number> = new Set([
  PLAN_STATUS.DOWNGRADE_AT_END_OF_CYCLE,
  PLAN_STATUS.DOWNGRADE_AT_END_OF_FREE_TRIAL,
]);

export interface CustomerPlan {
  id: number;
  serverId: number | null;
  remoteRealmId: number | null;
  tier: number;
  status: number;
  /** Unix seconds; the plan's next invoice (for an ending plan: when it ends). */
  nextInvoiceDate: number | null;
  created: number;
}

interface PlanRow {
  id: number;
  server_id: number | null;
  remote_realm_id: number | null;
  tier: number;
  status: number;
  next_invoice_date: number | null;
  created: number;
}

const fromRow = (r: PlanRow): CustomerPlan => ({
  id: r.id,
  serverId: r.server_id,
  remoteRealmId: r.remote_realm_id,
  tier: r.tier,
  status: r.status,
  nextInvoiceDate: r.next_invoice_date,
  created: r.created,
});

export type PlanOwner = { serverId: number } | { remoteRealmId: number };

export interface NewPlan {
  tier: number;
  status: number;
  nextInvoiceDate?: number | null;
}

export class PlanStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO customer_plan (server_id, remote_realm_id, tier, status, next_invoice_date, created)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      byId: db.prepare<[number], PlanRow>('SELECT * FROM customer_plan WHERE id = ?'),
      forServer: db.prepare<[number], PlanRow>('SELECT * FROM customer_plan WHERE server_id = ? ORDER BY id'),
      forRealm: db.prepare<[number], PlanRow>('SELECT * FROM customer_plan WHERE remote_realm_id = ? ORDER BY id'),
      // get_current_plan_by_customer: status < LIVE_STATUS_THRESHOLD, first by id.
      currentForServer: db.prepare<[number, number], PlanRow>(
        'SELECT * FROM customer_plan WHERE server_id = ? AND status < ? ORDER BY id LIMIT 1',
      ),
      currentForRealm: db.prepare<[number, number], PlanRow>(
        'SELECT * FROM customer_plan WHERE remote_realm_id = ? AND status < ? ORDER BY id LIMIT 1',
      ),
      // Plans of the server and of its realms that are not ENDED (do_deactivate_remote_server).
      notEndedForServerAndRealms: db.prepare<[number, number, number], PlanRow>(
        `SELECT * FROM customer_plan WHERE status != ? AND (server_id = ? OR remote_realm_id IN (
           SELECT id FROM remote_realm WHERE server_id = ?)) ORDER BY id`,
      ),
      setStatus: db.prepare('UPDATE customer_plan SET status = ? WHERE id = ?'),
      setNextInvoiceDate: db.prepare('UPDATE customer_plan SET next_invoice_date = ? WHERE id = ?'),
    };
  }

  create(owner: PlanOwner, plan: NewPlan, now: number): CustomerPlan {
    const serverId = 'serverId' in owner ? owner.serverId : null;
    const remoteRealmId = 'remoteRealmId' in owner ? owner.remoteRealmId : null;
    const info = this.q.insert.run(serverId, remoteRealmId, plan.tier, plan.status, plan.nextInvoiceDate ?? null, now);
    return this.byId(Number(info.lastInsertRowid))!;
  }

  byId(id: number): CustomerPlan | undefined {
    const r = this.q.byId.get(id);
    return r && fromRow(r);
  }

  forServer(serverId: number): CustomerPlan[] {
    return this.q.forServer.all(serverId).map(fromRow);
  }

  forRealm(remoteRealmId: number): CustomerPlan[] {
    return this.q.forRealm.all(remoteRealmId).map(fromRow);
  }

  currentForServer(serverId: number): CustomerPlan | null {
    const r = this.q.currentForServer.get(serverId, PLAN_STATUS.LIVE_STATUS_THRESHOLD);
    return r ? fromRow(r) : null;
  }

  currentForRealm(remoteRealmId: number): CustomerPlan | null {
    const r = this.q.currentForRealm.get(remoteRealmId, PLAN_STATUS.LIVE_STATUS_THRESHOLD);
    return r ? fromRow(r) : null;
  }

  setStatus(id: number, status: number): void {
    this.q.setStatus.run(status, id);
  }

  setNextInvoiceDate(id: number, at: number | null): void {
    this.q.setNextInvoiceDate.run(at, id);
  }

  /** The plan is over: status ENDED (it stops being current). */
  end(id: number): void {
    this.setStatus(id, PLAN_STATUS.ENDED);
  }

  /**
   * do_deactivate_remote_server's refusal (§3.2): some plan of the server or of one of its
   * realms is not ENDED, not a free self-hosted tier and not scheduled to downgrade.
   */
  serverHasBlockingPaidPlan(serverId: number): boolean {
    return this.q.notEndedForServerAndRealms
      .all(PLAN_STATUS.ENDED, serverId, serverId)
      .some((p) => !FREE_SELF_HOSTED_TIERS.has(p.tier) && !SCHEDULED_TO_END_STATUSES.has(p.status));
  }
}
