/**
 * Fixtures for the analytics and plan-gating tests: what a Zulip server uploads (realms,
 * role-count audit rows, counts), and a second connection to the bouncer's database for the
 * state no endpoint sets (plans, plan types).
 */
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { PlanStore } from '../store/plans';
import { RealmStore } from '../store/realms';
import type { RealmData } from '../analytics/models';
import { ServerStore } from '../store/servers';
import { ANALYTICS, ANALYTICS_STATUS, call, type CallResult, type ServerIdentity, type TestBouncer } from './support';

/** A realm as a server uploads it; tests may add keys the bouncer must refuse. */
export type RealmFixture = RealmData & { [extra: string]: unknown };

let realmCounter = 0;
export function realmFixture(overrides: Partial<RealmFixture> = {}): RealmFixture {
  realmCounter += 1;
  const host = `realm${realmCounter}.example.net`;
  return {
    id: 2,
    host,
    url: `https://${host}`,
    name: `Realm ${realmCounter}`,
    org_type: 10,
    date_created: 1_700_000_000.5,
    deactivated: false,
    is_system_bot_realm: false,
    authentication_methods: { Email: true, Dev: true, GitHub: false },
    uuid: crypto.randomUUID(),
    uuid_owner_secret: `zuliprealm_${crypto.randomBytes(16).toString('hex')}`,
    ...overrides,
  };
}

export interface Roles {
  owners?: number;
  admins?: number;
  moderators?: number;
  members?: number;
  guests?: number;
}

/** RealmAuditLog extra_data with ROLE_COUNT ("10") → humans ("11") / bots ("12") by role. */
export function roleCount(r: Roles): Record<string, unknown> {
  return {
    '10': {
      '11': {
        '100': r.owners ?? 0,
        '200': r.admins ?? 0,
        '300': r.moderators ?? 0,
        '400': r.members ?? 0,
        '600': r.guests ?? 0,
      },
      '12': { '100': 0, '200': 0, '300': 0, '400': 2, '600': 0 },
    },
  };
}

export const USER_CREATED = 101;

export function auditRow(
  id: number,
  realm: number,
  extraData: unknown,
  opts: { eventType?: number; eventTime?: number; backfilled?: boolean } = {},
) {
  return {
    id,
    realm,
    event_time: opts.eventTime ?? 1_767_000_000,
    backfilled: opts.backfilled ?? false,
    extra_data: extraData,
    event_type: opts.eventType ?? USER_CREATED,
  };
}

export function realmCountRow(id: number, realm: number, property = 'messages_read::hour', endTime = 1_766_000_000) {
  return { id, realm, property, end_time: endTime, subgroup: null, value: 5 };
}

export function installationCountRow(id: number, property = 'messages_read::hour', endTime = 1_766_000_000) {
  return { id, property, end_time: endTime, subgroup: 'false', value: 7 };
}

/** POST server/analytics with every field JSON-encoded (as Zulip's client does). */
export function upload(bouncer: TestBouncer, server: ServerIdentity, fields: Record<string, unknown>): Promise<CallResult> {
  return call(bouncer, 'POST', ANALYTICS, {
    jsonForm: { realm_counts: [], installation_counts: [], ...fields },
    auth: server,
  });
}

/** A modern upload: realms plus one role-count audit row per realm, as of "now". */
export function uploadRealms(
  bouncer: TestBouncer,
  server: ServerIdentity,
  realms: { realm: RealmFixture; roles?: Roles; auditId: number }[],
  extra: Record<string, unknown> = {},
): Promise<CallResult> {
  const now = bouncer.clock.now() / 1000;
  return upload(bouncer, server, {
    realms: realms.map((r) => r.realm),
    realmauditlog_rows: realms
      .filter((r) => r.roles)
      .map((r) => auditRow(r.auditId, r.realm.id, roleCount(r.roles!), { eventTime: now - 60 })),
    version: '11.0',
    merge_base: '11.0',
    api_feature_level: 400,
    ...extra,
  });
}

export const analyticsStatus = (bouncer: TestBouncer, server: ServerIdentity) =>
  call(bouncer, 'GET', ANALYTICS_STATUS, { auth: server });

/** The server's row id, as log lines name it. */
export function serverId(bouncer: TestBouncer, server: ServerIdentity): number {
  return bouncer.query<{ id: number }>('SELECT id FROM remote_zulip_server WHERE uuid = ?', server.uuid)[0]!.id;
}

export interface DbWriter {
  plans: PlanStore;
  realms: RealmStore;
  servers: ServerStore;
  close(): void;
}

/** A second connection to the bouncer's SQLite file, for state only billing would set. */
export function openWriter(bouncer: TestBouncer): DbWriter {
  if (!bouncer.databaseFile) throw new Error('needs a file database');
  const db = new Database(bouncer.databaseFile);
  db.pragma('busy_timeout = 5000');
  return {
    plans: new PlanStore(db),
    realms: new RealmStore(db),
    servers: new ServerStore(db),
    close: () => db.close(),
  };
}
