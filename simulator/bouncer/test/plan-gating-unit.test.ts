/** getPushStatusForRemoteRequest, counters and realm lookup on an in-memory database. */
import type { Logger } from '../../core/logging';
import { PLAN_STATUS, PLAN_TYPE } from '../constants';
import {
  getPushStatusForRemoteRequest,
  humansInRoleCountData,
  pushStatusLogExtra,
  type GatingContext,
} from '../plan-gating';
import { AnalyticsStore, ceilingToDay } from '../store/analytics';
import { openDatabase, type Db } from '../store/db';
import { PLAN_TIER, PlanStore } from '../store/plans';
import { lookupRealmForServer, RealmStore, type RemoteRealm } from '../store/realms';
import { ServerStore, type RemoteServer } from '../store/servers';
import { roleCount } from './analytics-fixtures';

const NOW = 1_767_268_800; // 2026-01-01T12:00:00Z

interface Fixture extends GatingContext {
  db: Db;
  clock: { t: number };
  server: RemoteServer;
  realm: RemoteRealm;
}

let f: Fixture;
let auditSeq = 0;

function setup(): Fixture {
  const db = openDatabase(':memory:');
  const clock = { t: NOW };
  const servers = new ServerStore(db);
  const realms = new RealmStore(db);
  const server = servers.create(
    { uuid: '6cde5f7a-1f7e-4978-9716-49f69ebfc9fe', apiKey: 'k'.repeat(64), hostname: 'demo.example.com', contactEmail: 'a@zulip.com' },
    NOW,
  );
  const realm = realms.create(
    server.id,
    {
      uuid: '11111111-1111-4111-8111-111111111111',
      uuidOwnerSecret: 's',
      realmId: 2,
      host: 'zulip.example.com',
      name: 'Zulip',
      orgType: 0,
      authenticationMethods: {},
      realmDeactivated: false,
      isSystemBotRealm: false,
      realmDateCreated: NOW - 1000,
    },
    NOW,
  );
  return {
    db,
    clock,
    servers,
    realms,
    plans: new PlanStore(db),
    counts: new AnalyticsStore(db),
    now: () => clock.t,
    server,
    realm,
  };
}

beforeEach(() => {
  f = setup();
});
afterEach(() => f.db.close());

/** An uploaded role-count row for realm id `realmId` (linked to the RemoteRealm when given). */
function uploadRoles(realmId: number, members: number, opts: { remoteRealmId?: number | null; eventTime?: number; extra?: unknown } = {}) {
  auditSeq += 1;
  f.counts.insertAuditLogs(f.server.id, [
    {
      remoteRealmId: opts.remoteRealmId === undefined ? f.realm.id : opts.remoteRealmId,
      realmId,
      remoteId: auditSeq,
      eventTime: opts.eventTime ?? f.clock.t - 10,
      backfilled: false,
      extraData: opts.extra ?? roleCount({ members }),
      eventType: 101,
    },
  ]);
  f.counts.setLastAuditLogUpdate(f.server.id, f.clock.t);
}

const statusOf = (realm: RemoteRealm | null = f.realm) => getPushStatusForRemoteRequest(f, f.server, realm);

describe('getPushStatusForRemoteRequest', () => {
  it('should answer Missing data before any audit upload, and after more than 2 days without one', () => {
    expect(statusOf()).toEqual({ canPush: false, expectedEndTimestamp: null, message: 'Missing data' });
    uploadRoles(2, 3);
    expect(statusOf().message).toBe('No plan few users');
    f.clock.t += 2 * 86_400; // exactly 2 days: not stale yet
    expect(statusOf().canPush).toBe(true);
    f.clock.t += 1;
    expect(statusOf()).toEqual({ canPush: false, expectedEndTimestamp: null, message: 'Missing data' });
  });

  it('should count the latest non-empty synced row of the realm, ignoring future and empty rows', () => {
    uploadRoles(2, 20);
    uploadRoles(2, 5);
    uploadRoles(2, 0, { extra: {} }); // empty extra_data never counts
    uploadRoles(2, 50, { eventTime: f.clock.t + 3600 }); // not yet happened
    expect(statusOf().message).toBe('No plan few users');
    uploadRoles(2, 11);
    expect(statusOf().canPush).toBe(false);
  });

  it('should count the server over the latest row of each realm when no realm is given', () => {
    uploadRoles(2, 4);
    uploadRoles(3, 20, { remoteRealmId: null });
    uploadRoles(3, 6, { remoteRealmId: null });
    expect(statusOf(null)).toEqual({ canPush: true, expectedEndTimestamp: null, message: 'No plan few users' });
    uploadRoles(2, 5);
    expect(statusOf(null).canPush).toBe(false);
    // The realm alone still has 5.
    expect(statusOf().canPush).toBe(true);
  });

  it('should prefer realm sponsorship, then the realm plan, then server sponsorship and plan', () => {
    uploadRoles(2, 30);
    f.servers.setPlanType(f.server.id, PLAN_TYPE.COMMUNITY, NOW);
    expect(statusOf().message).toBe('Community plan');
    const realmPlan = f.plans.create(
      { remoteRealmId: f.realm.id },
      { tier: PLAN_TIER.SELF_HOSTED_BUSINESS, status: PLAN_STATUS.DOWNGRADE_AT_END_OF_CYCLE, nextInvoiceDate: NOW + 99.9 },
      NOW,
    );
    // The realm's plan is checked before the server's sponsorship.
    expect(statusOf()).toEqual({ canPush: true, expectedEndTimestamp: NOW + 99, message: 'Scheduled end' });
    f.realms.setPlanType(f.realm.id, PLAN_TYPE.COMMUNITY, NOW);
    expect(statusOf().message).toBe('Community plan');
    f.realms.setPlanType(f.realm.id, PLAN_TYPE.SELF_MANAGED, NOW);
    f.plans.end(realmPlan.id);
    expect(statusOf().message).toBe('Community plan'); // the server's sponsorship now
  });

  it('should format the access-log tag with Python booleans', () => {
    expect(pushStatusLogExtra(statusOf())).toBe('[can_push=False/Missing data]');
  });

  it('should sum every human role and ignore malformed role data', () => {
    expect(humansInRoleCountData(roleCount({ owners: 1, admins: 1, moderators: 0, members: 7, guests: 2 }))).toBe(11);
    expect(humansInRoleCountData({ '10': { '11': {} } })).toBe(0);
    expect(humansInRoleCountData({ '10': 'x' })).toBe(0);
    expect(humansInRoleCountData(null)).toBe(0);
  });
});

describe('bouncer-generated counts', () => {
  it('should accumulate mobile pushes per realm and per server at the next UTC midnight', () => {
    f.counts.incrementRealmCount(f.realm, 'mobile_pushes_received::day', NOW, 2);
    f.counts.incrementRealmCount(f.realm, 'mobile_pushes_received::day', NOW + 60, 3);
    f.counts.incrementRealmCount(f.realm, 'mobile_pushes_forwarded::day', NOW, 0); // no-op
    f.counts.incrementInstallationCount(f.server, 'mobile_pushes_forwarded::day', NOW, 4);
    f.counts.incrementInstallationCount(f.server, 'mobile_pushes_forwarded::day', NOW + 86_400, 1);
    expect(f.db.prepare('SELECT remote_realm_id, realm_id, property, end_time, value, remote_id FROM remote_realm_count').all()).toEqual([
      { remote_realm_id: f.realm.id, realm_id: null, property: 'mobile_pushes_received::day', end_time: NOW + 43_200, value: 5, remote_id: null },
    ]);
    expect(f.db.prepare('SELECT property, end_time, value, remote_id FROM remote_installation_count ORDER BY id').all()).toEqual([
      { property: 'mobile_pushes_forwarded::day', end_time: NOW + 43_200, value: 4, remote_id: null },
      { property: 'mobile_pushes_forwarded::day', end_time: NOW + 43_200 + 86_400, value: 1, remote_id: null },
    ]);
    // Bouncer rows never count as uploaded ids.
    expect(f.counts.lastRemoteIds(f.server.id)).toEqual({
      last_realm_count_id: 0,
      last_installation_count_id: 0,
      last_realmauditlog_id: 0,
    });
    expect(ceilingToDay(NOW + 43_200)).toBe(NOW + 43_200);
  });
});

describe('lookupRealmForServer', () => {
  const logs: string[] = [];
  const logger = {
    info: (m: string) => logs.push(`INFO ${m}`),
    warn: (m: string) => logs.push(`WARNING ${m}`),
  } as unknown as Logger;
  const path = '/api/v1/remotes/push/register';

  beforeEach(() => {
    logs.length = 0;
  });

  it('should return the realm of this server, also for a non-canonical uuid', () => {
    const ctx = { realms: f.realms, loggers: { views: logger } };
    expect(lookupRealmForServer(ctx, f.server, f.realm.uuid, path)?.id).toBe(f.realm.id);
    expect(lookupRealmForServer(ctx, f.server, f.realm.uuid.toUpperCase(), path)?.id).toBe(f.realm.id);
    expect(logs).toEqual([]);
  });

  it('should log an unknown realm at INFO and return null', () => {
    const ctx = { realms: f.realms, loggers: { views: logger } };
    const uuid = '22222222-2222-4222-8222-222222222222';
    expect(lookupRealmForServer(ctx, f.server, uuid, path)).toBeNull();
    expect(logs).toEqual([`INFO ${path}: Received request for unknown realm ${uuid}, server ${f.server.id}`]);
  });

  it("should refuse another server's realm with 403 and a WARNING", () => {
    const ctx = { realms: f.realms, loggers: { views: logger } };
    const other = f.servers.create(
      { uuid: '33333333-3333-4333-8333-333333333333', apiKey: 'j'.repeat(64), hostname: 'other.example.com', contactEmail: 'a@zulip.com' },
      NOW,
    );
    expect(() => lookupRealmForServer(ctx, other, f.realm.uuid, path)).toThrow(
      expect.objectContaining({ status: 403, code: 'REMOTE_REALM_SERVER_MISMATCH_ERROR' }),
    );
    expect(logs).toEqual([`WARNING ${path}: Realm ${f.realm.uuid} exists, but not registered to server ${other.id}`]);
  });
});

describe('serverHasBlockingPaidPlan', () => {
  it('should block on a live paid plan of the server or of its realms only', () => {
    expect(f.plans.serverHasBlockingPaidPlan(f.server.id)).toBe(false);
    const community = f.plans.create({ serverId: f.server.id }, { tier: PLAN_TIER.SELF_HOSTED_COMMUNITY, status: PLAN_STATUS.ACTIVE }, NOW);
    const ending = f.plans.create(
      { remoteRealmId: f.realm.id },
      { tier: PLAN_TIER.SELF_HOSTED_BUSINESS, status: PLAN_STATUS.DOWNGRADE_AT_END_OF_CYCLE },
      NOW,
    );
    expect(f.plans.serverHasBlockingPaidPlan(f.server.id)).toBe(false);
    f.plans.setStatus(ending.id, PLAN_STATUS.ACTIVE);
    expect(f.plans.serverHasBlockingPaidPlan(f.server.id)).toBe(true);
    f.plans.end(ending.id);
    expect(f.plans.serverHasBlockingPaidPlan(f.server.id)).toBe(false);
    expect(f.plans.currentForServer(f.server.id)?.id).toBe(community.id);
  });
});
