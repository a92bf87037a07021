/**
 * RemoteRealm rows and the audit rows the bouncer writes about them (bouncer-protocol.md §10.2
 * step 4, §11), plus `lookupRealmForServer`, the realm_uuid lookup every push endpoint makes
 * (zilencer/views.py get_remote_realm_helper).
 */
import { canonicalUuid } from '../analytics/models';
import type { BouncerLoggers } from '../context';
import { remoteRealmServerMismatch } from '../errors';
import type { Db } from './db';
import type { RemoteServer } from './servers';

export interface RemoteRealm {
  id: number;
  serverId: number;
  uuid: string;
  uuidOwnerSecret: string;
  /** The realm's id on its server (as last reported). */
  realmId: number;
  host: string;
  name: string;
  orgType: number;
  authenticationMethods: Record<string, boolean>;
  isSystemBotRealm: boolean;
  registrationDeactivated: boolean;
  realmDeactivated: boolean;
  realmLocallyDeleted: boolean;
  realmDateCreated: number;
  planType: number;
  lastUpdated: number;
  lastRequestDatetime: number | null;
}

interface RealmRow {
  id: number;
  server_id: number;
  uuid: string;
  uuid_owner_secret: string;
  realm_id: number;
  host: string;
  name: string;
  org_type: number;
  authentication_methods: string;
  is_system_bot_realm: number;
  registration_deactivated: number;
  realm_deactivated: number;
  realm_locally_deleted: number;
  realm_date_created: number;
  plan_type: number;
  last_updated: number;
  last_request_datetime: number | null;
}

const fromRow = (r: RealmRow): RemoteRealm => ({
  id: r.id,
  serverId: r.server_id,
  uuid: r.uuid,
  uuidOwnerSecret: r.uuid_owner_secret,
  realmId: r.realm_id,
  host: r.host,
  name: r.name,
  orgType: r.org_type,
  authenticationMethods: JSON.parse(r.authentication_methods) as Record<string, boolean>,
  isSystemBotRealm: r.is_system_bot_realm === 1,
  registrationDeactivated: r.registration_deactivated === 1,
  realmDeactivated: r.realm_deactivated === 1,
  realmLocallyDeleted: r.realm_locally_deleted === 1,
  realmDateCreated: r.realm_date_created,
  planType: r.plan_type,
  lastUpdated: r.last_updated,
  lastRequestDatetime: r.last_request_datetime,
});

/** `str(remote_realm)` in Zulip: "<host> <uuid[:12]>". */
export const realmLabel = (r: RemoteRealm) => `${r.host} ${r.uuid.slice(0, 12)}`;

/** What a server reports about one of its realms (the synced subset of RealmDataForAnalytics). */
export interface ReportedRealm {
  uuid: string;
  uuidOwnerSecret: string;
  realmId: number;
  host: string;
  name: string;
  orgType: number;
  authenticationMethods: Record<string, boolean>;
  realmDeactivated: boolean;
  isSystemBotRealm: boolean;
  realmDateCreated: number;
}

/** The attributes synced on every upload, in Zulip's order, with how each is stored. */
export const SYNCED_REALM_ATTRIBUTES = [
  'host',
  'org_type',
  'name',
  'authentication_methods',
  'realm_deactivated',
  'is_system_bot_realm',
] as const;
export type SyncedRealmAttribute = (typeof SYNCED_REALM_ATTRIBUTES)[number];

export interface RealmAuditLog {
  id: number;
  serverId: number;
  remoteRealmId: number | null;
  realmId: number | null;
  remoteId: number | null;
  eventType: number;
  eventTime: number;
  backfilled: boolean;
  extraData: unknown;
}

interface AuditRow {
  id: number;
  server_id: number;
  remote_realm_id: number | null;
  realm_id: number | null;
  remote_id: number | null;
  event_type: number;
  event_time: number;
  backfilled: number;
  extra_data: string;
}

const auditFromRow = (r: AuditRow): RealmAuditLog => ({
  id: r.id,
  serverId: r.server_id,
  remoteRealmId: r.remote_realm_id,
  realmId: r.realm_id,
  remoteId: r.remote_id,
  eventType: r.event_type,
  eventTime: r.event_time,
  backfilled: r.backfilled === 1,
  extraData: JSON.parse(r.extra_data) as unknown,
});

const COLUMN: Record<SyncedRealmAttribute, string> = {
  host: 'host',
  org_type: 'org_type',
  name: 'name',
  authentication_methods: 'authentication_methods',
  realm_deactivated: 'realm_deactivated',
  is_system_bot_realm: 'is_system_bot_realm',
};

export class RealmStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      byUuid: db.prepare<[string], RealmRow>('SELECT * FROM remote_realm WHERE uuid = ?'),
      byId: db.prepare<[number], RealmRow>('SELECT * FROM remote_realm WHERE id = ?'),
      forServer: db.prepare<[number], RealmRow>('SELECT * FROM remote_realm WHERE server_id = ? ORDER BY id'),
      insert: db.prepare(
        `INSERT INTO remote_realm (server_id, uuid, uuid_owner_secret, realm_id, host, name, org_type,
           authentication_methods, is_system_bot_realm, realm_deactivated, realm_date_created, last_updated)
         VALUES (@serverId, @uuid, @uuidOwnerSecret, @realmId, @host, @name, @orgType,
           @authenticationMethods, @isSystemBotRealm, @realmDeactivated, @realmDateCreated, @now)`,
      ),
      setRealmId: db.prepare('UPDATE remote_realm SET realm_id = ? WHERE id = ?'),
      setLocallyDeleted: db.prepare('UPDATE remote_realm SET realm_locally_deleted = ?, last_updated = ? WHERE id = ?'),
      setPlanType: db.prepare('UPDATE remote_realm SET plan_type = ?, last_updated = ? WHERE id = ?'),
      setRegistrationDeactivated: db.prepare(
        'UPDATE remote_realm SET registration_deactivated = ?, last_updated = ? WHERE id = ?',
      ),
      touch: db.prepare('UPDATE remote_realm SET last_request_datetime = ? WHERE id = ?'),
      audit: db.prepare(
        `INSERT INTO remote_realm_audit_log (server_id, remote_realm_id, realm_id, remote_id, event_type, event_time, extra_data)
         VALUES (?, ?, ?, NULL, ?, ?, ?)`,
      ),
      audits: db.prepare<[number], AuditRow>(
        'SELECT * FROM remote_realm_audit_log WHERE remote_realm_id = ? ORDER BY id',
      ),
    };
  }

  byUuid(uuid: string): RemoteRealm | undefined {
    const r = this.q.byUuid.get(uuid);
    return r && fromRow(r);
  }

  byId(id: number): RemoteRealm | undefined {
    const r = this.q.byId.get(id);
    return r && fromRow(r);
  }

  forServer(serverId: number): RemoteRealm[] {
    return this.q.forServer.all(serverId).map(fromRow);
  }

  /** Throws SQLite's UNIQUE error when the uuid is registered already (to any server). */
  create(serverId: number, r: ReportedRealm, now: number): RemoteRealm {
    const info = this.q.insert.run({
      serverId,
      uuid: r.uuid,
      uuidOwnerSecret: r.uuidOwnerSecret,
      realmId: r.realmId,
      host: r.host,
      name: r.name,
      orgType: r.orgType,
      authenticationMethods: JSON.stringify(r.authenticationMethods),
      isSystemBotRealm: r.isSystemBotRealm ? 1 : 0,
      realmDeactivated: r.realmDeactivated ? 1 : 0,
      realmDateCreated: r.realmDateCreated,
      now,
    });
    return this.byId(Number(info.lastInsertRowid))!;
  }

  /** Sets one synced attribute (values as RemoteRealm carries them). */
  setAttribute(id: number, attr: SyncedRealmAttribute, value: unknown, now: number): void {
    const stored =
      attr === 'authentication_methods' ? JSON.stringify(value) : typeof value === 'boolean' ? (value ? 1 : 0) : value;
    this.db
      .prepare(`UPDATE remote_realm SET ${COLUMN[attr]} = ?, last_updated = ? WHERE id = ?`)
      .run(stored as string | number, now, id);
  }

  /** The server-side realm id is informational (Zulip keys everything by uuid); kept current silently. */
  setRealmId(id: number, realmId: number): void {
    this.q.setRealmId.run(realmId, id);
  }

  setLocallyDeleted(id: number, deleted: boolean, now: number): void {
    this.q.setLocallyDeleted.run(deleted ? 1 : 0, now, id);
  }

  setPlanType(id: number, planType: number, now: number): void {
    this.q.setPlanType.run(planType, now, id);
  }

  setRegistrationDeactivated(id: number, deactivated: boolean, now: number): void {
    this.q.setRegistrationDeactivated.run(deactivated ? 1 : 0, now, id);
  }

  /** last_request_datetime = now (push endpoints do this for the request's realm). */
  touch(id: number, now: number): void {
    this.q.touch.run(now, id);
  }

  /** A bouncer-written RemoteRealmAuditLog row (remote_id NULL). */
  addAuditLog(
    realm: { id: number; serverId: number },
    eventType: number,
    now: number,
    opts: { realmId?: number | null; extraData?: Record<string, unknown> } = {},
  ): void {
    this.q.audit.run(realm.serverId, realm.id, opts.realmId ?? null, eventType, now, JSON.stringify(opts.extraData ?? {}));
  }

  auditLogs(remoteRealmId: number): RealmAuditLog[] {
    return this.q.audits.all(remoteRealmId).map(auditFromRow);
  }
}

/** The value of a synced attribute, as the RemoteRealm row holds it. */
export function realmAttribute(r: RemoteRealm, attr: SyncedRealmAttribute): unknown {
  switch (attr) {
    case 'host':
      return r.host;
    case 'org_type':
      return r.orgType;
    case 'name':
      return r.name;
    case 'authentication_methods':
      return r.authenticationMethods;
    case 'realm_deactivated':
      return r.realmDeactivated;
    case 'is_system_bot_realm':
      return r.isSystemBotRealm;
  }
}

export interface RealmLookupContext {
  realms: RealmStore;
  loggers: Pick<BouncerLoggers, 'views'>;
}

/**
 * get_remote_realm_helper: the server's RemoteRealm for `realmUuid`, or null when the bouncer
 * does not know the uuid (logged at INFO; the request goes on without a realm). A realm that
 * belongs to another server is refused: WARNING + 403 REMOTE_REALM_SERVER_MISMATCH_ERROR.
 * `requestPath` is the request's path, as the log lines start with it.
 */
export function lookupRealmForServer(
  ctx: RealmLookupContext,
  server: Pick<RemoteServer, 'id'>,
  realmUuid: string,
  requestPath: string,
): RemoteRealm | null {
  // Django's UUIDField lookup accepts any form UUID() parses. Inferred: an unparsable string is
  // treated as unknown (Zulip would fail with a ValidationError there).
  const canonical = canonicalUuid(realmUuid);
  const realm = canonical === null ? undefined : ctx.realms.byUuid(canonical);
  if (!realm) {
    ctx.loggers.views.info(`${requestPath}: Received request for unknown realm ${realmUuid}, server ${server.id}`);
    return null;
  }
  if (realm.serverId !== server.id) {
    ctx.loggers.views.warn(`${requestPath}: Realm ${realmUuid} exists, but not registered to server ${server.id}`);
    throw remoteRealmServerMismatch();
  }
  return realm;
}
