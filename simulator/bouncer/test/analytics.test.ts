/** server/analytics/status and server/analytics: counts and audit rows (§10; §15 case 18). */
import {
  analyticsStatus,
  auditRow,
  installationCountRow,
  realmCountRow,
  roleCount,
  upload,
} from './analytics-fixtures';
import { ANALYTICS, call, logMessages, registerServer, startTestBouncer, type TestBouncer } from './support';

let bouncer: TestBouncer;
beforeAll(async () => {
  bouncer = await startTestBouncer();
});
afterAll(() => bouncer.stop());

const badRequest = (msg: string) => ({ result: 'error', msg, code: 'BAD_REQUEST' });

function rowCounts(uuid: string) {
  const count = (table: string) =>
    bouncer.query<{ n: number }>(
      `SELECT count(*) AS n FROM ${table} t JOIN remote_zulip_server s ON s.id = t.server_id WHERE s.uuid = ?`,
      uuid,
    )[0]!.n;
  return {
    realm: count('remote_realm_count'),
    installation: count('remote_installation_count'),
    audit: count('remote_realm_audit_log'),
  };
}

function serverRow(uuid: string) {
  return bouncer.query<Record<string, unknown>>(
    'SELECT last_version, last_merge_base, last_api_feature_level, last_audit_log_update FROM remote_zulip_server WHERE uuid = ?',
    uuid,
  )[0]!;
}

describe('server/analytics/status', () => {
  it('should report 0 for every table of a new server', async () => {
    const s = await registerServer(bouncer);
    const res = await analyticsStatus(bouncer, s);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      result: 'success',
      msg: '',
      last_realm_count_id: 0,
      last_installation_count_id: 0,
      last_realmauditlog_id: 0,
    });
  });

  it('should refuse POST with 405', async () => {
    const s = await registerServer(bouncer);
    const res = await call(bouncer, 'POST', '/api/v1/remotes/server/analytics/status', { auth: s });
    expect(res.status).toBe(405);
  });
});

describe('server/analytics uploads', () => {
  it('should store rows and advance the last ids through a status/upload cycle', async () => {
    const s = await registerServer(bouncer);
    const first = await upload(bouncer, s, {
      realm_counts: [realmCountRow(3, 2), realmCountRow(4, 2, 'invites_sent::day')],
      installation_counts: [installationCountRow(5)],
      realmauditlog_rows: [auditRow(7, 2, roleCount({ owners: 1, members: 3 }))],
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ result: 'success', msg: '', realms: {} });
    // invites_sent::day is accepted, never stored.
    expect(rowCounts(s.uuid)).toEqual({ realm: 1, installation: 1, audit: 1 });
    expect((await analyticsStatus(bouncer, s)).body).toMatchObject({
      last_realm_count_id: 3,
      last_installation_count_id: 5,
      last_realmauditlog_id: 7,
    });

    // Only new rows next time; tables can be sent alone.
    const second = await upload(bouncer, s, { realm_counts: [realmCountRow(8, 2, 'messages_read::hour', 1_766_086_400)] });
    expect(second.status).toBe(200);
    expect(rowCounts(s.uuid)).toEqual({ realm: 2, installation: 1, audit: 1 });
    expect((await analyticsStatus(bouncer, s)).body).toMatchObject({
      last_realm_count_id: 8,
      last_installation_count_id: 5,
      last_realmauditlog_id: 7,
    });

    expect(
      bouncer.query(
        `SELECT c.realm_id, c.remote_realm_id, c.property, c.subgroup, c.end_time, c.value, c.remote_id
         FROM remote_realm_count c JOIN remote_zulip_server s ON s.id = c.server_id WHERE s.uuid = ? ORDER BY c.id`,
        s.uuid,
      ),
    ).toEqual([
      { realm_id: 2, remote_realm_id: null, property: 'messages_read::hour', subgroup: null, end_time: 1_766_000_000, value: 5, remote_id: 3 },
      { realm_id: 2, remote_realm_id: null, property: 'messages_read::hour', subgroup: null, end_time: 1_766_086_400, value: 5, remote_id: 8 },
    ]);
  });

  it('should answer Missing argument for realm_counts and installation_counts', async () => {
    const s = await registerServer(bouncer);
    const res = await call(bouncer, 'POST', ANALYTICS, { jsonForm: { installation_counts: [] }, auth: s });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      result: 'error',
      msg: "Missing 'realm_counts' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'realm_counts',
    });
  });

  it('should refuse a bouncer-only stat with Invalid property, storing nothing', async () => {
    const s = await registerServer(bouncer);
    const res = await upload(bouncer, s, {
      realm_counts: [realmCountRow(1, 2)],
      installation_counts: [installationCountRow(2, 'mobile_pushes_received::day')],
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest('Invalid property mobile_pushes_received::day'));
    expect(rowCounts(s.uuid)).toEqual({ realm: 0, installation: 0, audit: 0 });

    const unknown = await upload(bouncer, s, { realm_counts: [realmCountRow(1, 2, 'invalid count stat')] });
    expect(unknown.body).toEqual(badRequest('Invalid property invalid count stat'));
  });

  it('should answer Data is out of order. for re-sent and for non-increasing ids', async () => {
    const s = await registerServer(bouncer);
    expect((await upload(bouncer, s, { realm_counts: [realmCountRow(10, 2)] })).status).toBe(200);

    const resent = await upload(bouncer, s, { realm_counts: [realmCountRow(10, 2)] });
    expect(resent.status).toBe(400);
    expect(resent.body).toEqual(badRequest('Data is out of order.'));

    const unordered = await upload(bouncer, s, {
      installation_counts: [installationCountRow(4), installationCountRow(4, 'messages_read::hour', 1_766_086_400)],
    });
    expect(unordered.body).toEqual(badRequest('Data is out of order.'));

    const audit = await upload(bouncer, s, {
      realmauditlog_rows: [auditRow(5, 2, {}), auditRow(3, 2, {})],
    });
    expect(audit.body).toEqual(badRequest('Data is out of order.'));
    expect(rowCounts(s.uuid)).toEqual({ realm: 1, installation: 0, audit: 0 });
  });

  it('should refuse audit rows that are not synced billing events with Invalid event type.', async () => {
    const s = await registerServer(bouncer);
    const res = await upload(bouncer, s, {
      realmauditlog_rows: [auditRow(1, 2, roleCount({ members: 1 })), auditRow(2, 2, { foo: 'bar' }, { eventType: 215 })],
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest('Invalid event type.'));
    expect(rowCounts(s.uuid).audit).toBe(0);
  });

  it('should drop duplicated rows re-sent under new ids, with the WARNING on the root logger', async () => {
    const s = await registerServer(bouncer);
    await upload(bouncer, s, {
      realm_counts: [realmCountRow(1, 2), realmCountRow(2, 3)],
      installation_counts: [installationCountRow(1)],
    });
    // clear_analytics_tables on the server: the same rows come back with higher ids.
    const res = await upload(bouncer, s, {
      realm_counts: [realmCountRow(3, 2), realmCountRow(4, 3), realmCountRow(5, 3, 'messages_read::hour', 1_766_003_600)],
      installation_counts: [installationCountRow(2)],
    });
    expect(res.status).toBe(200);
    expect(rowCounts(s.uuid)).toEqual({ realm: 3, installation: 1, audit: 0 });
    const warnings = logMessages(bouncer, 'root').filter((m) => m.includes(s.uuid));
    expect(warnings).toEqual([
      `Dropped 2 duplicated rows while saving 3 rows of zilencer_remoterealmcount for server ${s.hostname}/${s.uuid}`,
      `Dropped 1 duplicated rows while saving 1 rows of zilencer_remoteinstallationcount for server ${s.hostname}/${s.uuid}`,
    ]);
    // Dropped rows leave the last ids where they were.
    expect((await analyticsStatus(bouncer, s)).body).toMatchObject({
      last_realm_count_id: 5,
      last_installation_count_id: 1,
    });
  });

  it('should accept the 2.0.6 format: only realm_counts and installation_counts', async () => {
    const s = await registerServer(bouncer);
    const res = await call(bouncer, 'POST', ANALYTICS, {
      form: {
        realm_counts:
          '[{"id":1,"property":"messages_sent:is_bot:hour","subgroup":"false","end_time":574300800.0,"value":5,"realm":2}]',
        installation_counts: '[]',
        version: '"2.0.6+git"',
      },
      auth: s,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: 'success', msg: '', realms: {} });
    expect(rowCounts(s.uuid)).toEqual({ realm: 1, installation: 0, audit: 0 });
    expect(serverRow(s.uuid)).toEqual({
      last_version: '2.0.6+git',
      last_merge_base: null,
      last_api_feature_level: null,
      last_audit_log_update: null,
    });
    const access = logMessages(bouncer, 'zulip.requests').filter((m) => m.includes(`zulip-server:${s.uuid}`));
    expect(access.at(-1)).toMatch(/ POST +200 +\S+ \/api\/v1\/remotes\/server\/analytics \[0 realms\] \(zulip-server:/);
  });

  it('should store version (truncated to 128), merge_base and api_feature_level, and clear absent ones', async () => {
    const s = await registerServer(bouncer);
    const long = '9.0-dev-' + 'x'.repeat(200);
    await upload(bouncer, s, { version: long, merge_base: '9.0-dev-123-gabc', api_feature_level: 290 });
    expect(serverRow(s.uuid)).toMatchObject({
      last_version: long.slice(0, 128),
      last_merge_base: '9.0-dev-123-gabc',
      last_api_feature_level: 290,
    });
    await upload(bouncer, s, { version: '2.1.0' });
    expect(serverRow(s.uuid)).toMatchObject({ last_version: '2.1.0', last_merge_base: null, last_api_feature_level: null });

    const bad = await upload(bouncer, s, { version: 9 });
    expect(bad.body).toEqual(badRequest('version is not a string'));
  });

  it('should set last_audit_log_update on every upload carrying realmauditlog_rows, even an empty list', async () => {
    const s = await registerServer(bouncer);
    await upload(bouncer, s, {});
    expect(serverRow(s.uuid).last_audit_log_update).toBeNull();
    await upload(bouncer, s, { realmauditlog_rows: [] });
    expect(serverRow(s.uuid).last_audit_log_update).toBe(bouncer.clock.now() / 1000);
  });

  it('should parse string extra_data, store null as {} and keep objects', async () => {
    const s = await registerServer(bouncer);
    const humans = roleCount({ owners: 1 });
    const res = await upload(bouncer, s, {
      realmauditlog_rows: [
        auditRow(1, 2, JSON.stringify(humans), { backfilled: true }),
        auditRow(2, 2, null),
        auditRow(3, 2, humans),
        auditRow(4, 2, {}),
      ],
    });
    expect(res.status).toBe(200);
    const rows = bouncer.query<{ remote_id: number; extra_data: string; backfilled: number; event_time: number }>(
      `SELECT a.remote_id, a.extra_data, a.backfilled, a.event_time FROM remote_realm_audit_log a
       JOIN remote_zulip_server s ON s.id = a.server_id WHERE s.uuid = ? ORDER BY a.id`,
      s.uuid,
    );
    expect(rows.map((r) => [r.remote_id, JSON.parse(r.extra_data), r.backfilled, r.event_time])).toEqual([
      [1, humans, 1, 1_767_000_000],
      [2, {}, 0, 1_767_000_000],
      [3, humans, 0, 1_767_000_000],
      [4, {}, 0, 1_767_000_000],
    ]);
  });

  it('should refuse malformed string extra_data with Malformed audit log data and store nothing', async () => {
    const s = await registerServer(bouncer);
    const res = await upload(bouncer, s, {
      realm_counts: [realmCountRow(1, 2)],
      realmauditlog_rows: [auditRow(1, 2, '{malformedjson:')],
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest('Malformed audit log data'));
    // One transaction: the counts of the same request are gone too.
    expect(rowCounts(s.uuid)).toEqual({ realm: 0, installation: 0, audit: 0 });
    expect(serverRow(s.uuid).last_audit_log_update).toBeNull();
  });

  it('should validate row shapes with typed_endpoint messages', async () => {
    const s = await registerServer(bouncer);
    const cases: [Record<string, unknown>, string][] = [
      [{ realm_counts: {} }, 'realm_counts is not a list'],
      [{ realm_counts: [{ ...realmCountRow(1, 2), realm: '2' }] }, 'realm_counts[0]["realm"] is not an integer'],
      [{ installation_counts: [{ ...installationCountRow(1), end_time: 'x' }] }, 'installation_counts[0]["end_time"] is not a float'],
      [{ realmauditlog_rows: [{ ...auditRow(1, 2, {}), backfilled: 0 }] }, 'realmauditlog_rows[0]["backfilled"] is not a boolean'],
      [{ realmauditlog_rows: [auditRow(1, 2, 5)] }, 'realmauditlog_rows[0]["extra_data"]["str"] is not a string'],
      [{ realmauditlog_rows: [[1]] }, 'realmauditlog_rows[0] is not a dict'],
    ];
    for (const [fields, msg] of cases) {
      const res = await upload(bouncer, s, fields);
      expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: badRequest(msg) });
    }
    const notJson = await call(bouncer, 'POST', ANALYTICS, {
      form: { realm_counts: '[', installation_counts: '[]' },
      auth: s,
    });
    expect(notJson.body).toEqual(badRequest('realm_counts is not valid JSON'));
  });
});
