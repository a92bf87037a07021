/** RemoteZulipServer rows and their audit log (bouncer-protocol.md §3, §11). */
import type { Db } from './db';

export interface RemoteServer {
  id: number;
  uuid: string;
  apiKey: string;
  hostname: string;
  contactEmail: string;
  lastUpdated: number;
  lastRequestDatetime: number | null;
  lastVersion: string | null;
  lastMergeBase: string | null;
  lastApiFeatureLevel: number | null;
  deactivated: boolean;
  planType: number;
  orgType: number;
  lastAuditLogUpdate: number | null;
}

interface ServerRow {
  id: number;
  uuid: string;
  api_key: string;
  hostname: string;
  contact_email: string;
  last_updated: number;
  last_request_datetime: number | null;
  last_version: string | null;
  last_merge_base: string | null;
  last_api_feature_level: number | null;
  deactivated: number;
  plan_type: number;
  org_type: number;
  last_audit_log_update: number | null;
}

const fromRow = (r: ServerRow): RemoteServer => ({
  id: r.id,
  uuid: r.uuid,
  apiKey: r.api_key,
  hostname: r.hostname,
  contactEmail: r.contact_email,
  lastUpdated: r.last_updated,
  lastRequestDatetime: r.last_request_datetime,
  lastVersion: r.last_version,
  lastMergeBase: r.last_merge_base,
  lastApiFeatureLevel: r.last_api_feature_level,
  deactivated: r.deactivated === 1,
  planType: r.plan_type,
  orgType: r.org_type,
  lastAuditLogUpdate: r.last_audit_log_update,
});

/** `str(server)` in Zulip: "<hostname> <uuid[:12]>" — how servers appear in log lines. */
export const serverLabel = (s: RemoteServer) => `${s.hostname} ${s.uuid.slice(0, 12)}`;

export interface ServerAuditLog {
  id: number;
  serverId: number;
  eventType: number;
  eventTime: number;
  extraData: Record<string, unknown>;
}

export class ServerStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      byUuid: db.prepare<[string], ServerRow>('SELECT * FROM remote_zulip_server WHERE uuid = ?'),
      byId: db.prepare<[number], ServerRow>('SELECT * FROM remote_zulip_server WHERE id = ?'),
      byHostname: db.prepare<[string], ServerRow>(
        'SELECT * FROM remote_zulip_server WHERE hostname = ? ORDER BY id LIMIT 1',
      ),
      all: db.prepare<[], ServerRow>('SELECT * FROM remote_zulip_server ORDER BY id'),
      insert: db.prepare(
        `INSERT INTO remote_zulip_server (uuid, api_key, hostname, contact_email, last_updated, last_request_datetime)
         VALUES (@uuid, @apiKey, @hostname, @contactEmail, @now, @now)`,
      ),
      update: db.prepare(
        `UPDATE remote_zulip_server SET hostname = @hostname, contact_email = @contactEmail,
           api_key = @apiKey, last_request_datetime = @now, last_updated = @now WHERE id = @id`,
      ),
      // save(update_fields=["api_key"]): auto_now last_updated is not touched.
      setApiKey: db.prepare('UPDATE remote_zulip_server SET api_key = ? WHERE id = ?'),
      touch: db.prepare('UPDATE remote_zulip_server SET last_request_datetime = ? WHERE id = ?'),
      deactivate: db.prepare('UPDATE remote_zulip_server SET deactivated = 1, last_updated = ? WHERE id = ?'),
      setPlanType: db.prepare('UPDATE remote_zulip_server SET plan_type = ?, last_updated = ? WHERE id = ?'),
      audit: db.prepare(
        'INSERT INTO remote_zulip_server_audit_log (server_id, event_type, event_time, extra_data) VALUES (?, ?, ?, ?)',
      ),
      audits: db.prepare<[number], { id: number; server_id: number; event_type: number; event_time: number; extra_data: string }>(
        'SELECT * FROM remote_zulip_server_audit_log WHERE server_id = ? ORDER BY id',
      ),
    };
  }

  byUuid(uuid: string): RemoteServer | undefined {
    const r = this.q.byUuid.get(uuid);
    return r && fromRow(r);
  }

  byId(id: number): RemoteServer | undefined {
    const r = this.q.byId.get(id);
    return r && fromRow(r);
  }

  byHostname(hostname: string): RemoteServer | undefined {
    const r = this.q.byHostname.get(hostname);
    return r && fromRow(r);
  }

  all(): RemoteServer[] {
    return this.q.all.all().map(fromRow);
  }

  create(s: { uuid: string; apiKey: string; hostname: string; contactEmail: string }, now: number): RemoteServer {
    const info = this.q.insert.run({ ...s, now });
    return this.byId(Number(info.lastInsertRowid))!;
  }

  update(id: number, s: { hostname: string; contactEmail: string; apiKey: string }, now: number): void {
    this.q.update.run({ id, ...s, now });
  }

  setApiKey(id: number, apiKey: string): void {
    this.q.setApiKey.run(apiKey, id);
  }

  touch(id: number, now: number): void {
    this.q.touch.run(now, id);
  }

  deactivate(id: number, now: number): void {
    this.q.deactivate.run(now, id);
  }

  setPlanType(id: number, planType: number, now: number): void {
    this.q.setPlanType.run(planType, now, id);
  }

  addAuditLog(serverId: number, eventType: number, now: number, extraData: Record<string, unknown> = {}): void {
    this.q.audit.run(serverId, eventType, now, JSON.stringify(extraData));
  }

  auditLogs(serverId: number): ServerAuditLog[] {
    return this.q.audits.all(serverId).map((r) => ({
      id: r.id,
      serverId: r.server_id,
      eventType: r.event_type,
      eventTime: r.event_time,
      extraData: JSON.parse(r.extra_data) as Record<string, unknown>,
    }));
  }
}
