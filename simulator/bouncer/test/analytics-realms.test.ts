/** server/analytics `realms`: RemoteRealm mirroring, sync audit rows, validation (§10.2 step 4). */
import { auditRow, realmCountRow, realmFixture, roleCount, serverId, upload, uploadRealms } from './analytics-fixtures';
import { logMessages, registerServer, startTestBouncer, type ServerIdentity, type TestBouncer } from './support';

let bouncer: TestBouncer;
beforeAll(async () => {
  bouncer = await startTestBouncer();
});
afterAll(() => bouncer.stop());

const badRequest = (msg: string) => ({ result: 'error', msg, code: 'BAD_REQUEST' });

function remoteRealms(s: ServerIdentity) {
  return bouncer.query<Record<string, unknown>>(
    `SELECT r.uuid, r.uuid_owner_secret, r.realm_id, r.host, r.name, r.org_type, r.authentication_methods,
            r.is_system_bot_realm, r.registration_deactivated, r.realm_deactivated, r.realm_locally_deleted,
            r.realm_date_created, r.plan_type
     FROM remote_realm r JOIN remote_zulip_server s ON s.id = r.server_id WHERE s.uuid = ? ORDER BY r.id`,
    s.uuid,
  );
}

function realmAudit(uuid: string) {
  return bouncer
    .query<{ event_type: number; remote_id: number | null; realm_id: number | null; extra_data: string }>(
      `SELECT a.event_type, a.remote_id, a.realm_id, a.extra_data FROM remote_realm_audit_log a
       JOIN remote_realm r ON r.id = a.remote_realm_id WHERE r.uuid = ? AND a.remote_id IS NULL ORDER BY a.id`,
      uuid,
    )
    .map((r) => ({ ...r, extra_data: JSON.parse(r.extra_data) as unknown }));
}

function accessLogTags(s: ServerIdentity): string[] {
  return logMessages(bouncer, 'zulip.requests')
    .filter((m) => m.includes(`zulip-server:${s.uuid}`) && m.includes('/server/analytics'))
    .map((m) => /analytics( \[[^\]]*\])? \(/.exec(m)?.[1]?.trim() ?? '');
}

describe('server/analytics realms', () => {
  it('should create RemoteRealm rows mirroring the reported realms and answer can_push per realm', async () => {
    const s = await registerServer(bouncer);
    const zulip = realmFixture({ id: 2 });
    const internal = realmFixture({ id: 1, host: 'zulipinternal.example.net', is_system_bot_realm: true, org_type: 0 });
    const res = await uploadRealms(bouncer, s, [
      { realm: internal, auditId: 1 },
      { realm: zulip, roles: { owners: 1, members: 3 }, auditId: 2 },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      result: 'success',
      msg: '',
      realms: {
        [internal.uuid]: { can_push: true, expected_end_timestamp: null },
        [zulip.uuid]: { can_push: true, expected_end_timestamp: null },
      },
    });
    expect(remoteRealms(s)).toEqual(
      [internal, zulip].map((r) => ({
        uuid: r.uuid,
        uuid_owner_secret: r.uuid_owner_secret,
        realm_id: r.id,
        host: r.host,
        name: r.name,
        org_type: r.org_type,
        authentication_methods: JSON.stringify(r.authentication_methods),
        is_system_bot_realm: r.is_system_bot_realm ? 1 : 0,
        registration_deactivated: 0,
        realm_deactivated: 0,
        realm_locally_deleted: 0,
        realm_date_created: r.date_created,
        plan_type: 100,
      })),
    );
    // The system bot realm does not count: one human realm → its own status as the tag.
    expect(accessLogTags(s)).toEqual(['[can_push=True/No plan few users]']);
    // Audit rows of this upload are linked to their RemoteRealm.
    expect(
      bouncer.query(
        `SELECT a.remote_id, r.uuid FROM remote_realm_audit_log a JOIN remote_realm r ON r.id = a.remote_realm_id
         WHERE a.remote_id IS NOT NULL AND r.uuid = ?`,
        zulip.uuid,
      ),
    ).toEqual([{ remote_id: 2, uuid: zulip.uuid }]);
  });

  it('should sync changed attributes with REMOTE_REALM_VALUE_UPDATED rows, never realm_date_created', async () => {
    const s = await registerServer(bouncer);
    const realm = realmFixture({ id: 5, org_type: 10 });
    await uploadRealms(bouncer, s, [{ realm, roles: { members: 2 }, auditId: 1 }]);

    const changed = {
      ...realm,
      host: 'renamed.example.net',
      org_type: 70,
      name: 'Renamed',
      authentication_methods: { Email: false, Dev: true, GitHub: false, SAML: true },
      deactivated: true,
      date_created: 1_800_000_000,
    };
    const res = await upload(bouncer, s, { realms: [changed] });
    expect(res.status).toBe(200);
    expect(realmAudit(realm.uuid)).toEqual([
      { event_type: 20001, remote_id: null, realm_id: 5, extra_data: { attr_name: 'host', old_value: realm.host, new_value: 'renamed.example.net' } },
      { event_type: 20001, remote_id: null, realm_id: 5, extra_data: { attr_name: 'org_type', old_value: 10, new_value: 70 } },
      { event_type: 20001, remote_id: null, realm_id: 5, extra_data: { attr_name: 'name', old_value: realm.name, new_value: 'Renamed' } },
      {
        event_type: 20001,
        remote_id: null,
        realm_id: 5,
        extra_data: {
          attr_name: 'authentication_methods',
          old_value: realm.authentication_methods,
          new_value: changed.authentication_methods,
        },
      },
      { event_type: 20001, remote_id: null, realm_id: 5, extra_data: { attr_name: 'realm_deactivated', old_value: false, new_value: true } },
    ]);
    expect(remoteRealms(s)[0]).toMatchObject({
      host: 'renamed.example.net',
      org_type: 70,
      name: 'Renamed',
      realm_deactivated: 1,
      realm_date_created: realm.date_created,
    });

    // Same data again (authentication_methods in another key order): nothing new.
    const reordered = { ...changed, authentication_methods: { SAML: true, GitHub: false, Dev: true, Email: false } };
    await upload(bouncer, s, { realms: [reordered] });
    expect(realmAudit(realm.uuid)).toHaveLength(5);
  });

  it('should mark realms missing from the upload as locally deleted, and restore them when they return', async () => {
    const s = await registerServer(bouncer);
    const a = realmFixture({ id: 2 });
    const b = realmFixture({ id: 3 });
    await upload(bouncer, s, { realms: [a, b] });

    await upload(bouncer, s, { realms: [a] });
    await upload(bouncer, s, { realms: [a] }); // already known: no second row
    expect(remoteRealms(s).map((r) => r.realm_locally_deleted)).toEqual([0, 1]);
    expect(realmAudit(b.uuid)).toEqual([{ event_type: 20003, remote_id: null, realm_id: null, extra_data: {} }]);

    const res = await upload(bouncer, s, { realms: [a, b] });
    expect(res.body.realms).toEqual({
      [a.uuid]: { can_push: false, expected_end_timestamp: null },
      [b.uuid]: { can_push: false, expected_end_timestamp: null },
    });
    expect(remoteRealms(s).map((r) => r.realm_locally_deleted)).toEqual([0, 0]);
    expect(realmAudit(b.uuid).map((r) => [r.event_type, r.realm_id])).toEqual([
      [20003, null],
      [20004, 3],
    ]);
    // Without audit uploads the server has no user counts: "Missing data" for both realms.
    expect(accessLogTags(s).at(-1)).toBe('[can_push=False/2 realms]');
  });

  it('should not touch realms when the upload has no realms field, but an empty list deletes them all', async () => {
    const s = await registerServer(bouncer);
    const a = realmFixture();
    await upload(bouncer, s, { realms: [a] });
    const none = await upload(bouncer, s, {});
    expect(none.body.realms).toEqual({});
    expect(remoteRealms(s).map((r) => r.realm_locally_deleted)).toEqual([0]);
    const empty = await upload(bouncer, s, { realms: [] });
    expect(empty.body.realms).toEqual({});
    expect(remoteRealms(s).map((r) => r.realm_locally_deleted)).toEqual([1]);
    expect(accessLogTags(s).slice(-2)).toEqual(['[0 realms]', '[0 realms]']);
  });

  it('should refuse a realm uuid registered to another server with Duplicate registration detected.', async () => {
    const owner = await registerServer(bouncer);
    const other = await registerServer(bouncer);
    const shared = realmFixture();
    expect((await upload(bouncer, owner, { realms: [shared] })).status).toBe(200);

    const mine = realmFixture();
    const res = await upload(bouncer, other, { realm_counts: [realmCountRow(1, 2)], realms: [mine, shared] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest('Duplicate registration detected.'));
    const info = logMessages(bouncer, 'zilencer.views').filter((m) =>
      m.startsWith(`update_remote_realm_data_for_server:server:${serverId(bouncer, other)}:`),
    );
    expect(info).toHaveLength(1);
    expect(info[0]).toMatch(/^update_remote_realm_data_for_server:server:\d+:IntegrityError creating RemoteRealm rows: .+/);
    // All or nothing: neither the other realm nor the counts were kept.
    expect(remoteRealms(other)).toEqual([]);
    expect(bouncer.query('SELECT * FROM remote_realm_count WHERE server_id = ?', serverId(bouncer, other))).toEqual([]);
    expect(remoteRealms(owner)).toHaveLength(1);
  });

  it('should answer Invalid realms[0]["org_type"] for an org_type outside Realm.ORG_TYPES', async () => {
    const s = await registerServer(bouncer);
    const res = await upload(bouncer, s, { realms: [realmFixture({ org_type: 11 })] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest('Invalid realms[0]["org_type"]: Value error, Not a valid org_type value'));
    for (const ok of [0, 10, 20, 30, 35, 40, 50, 60, 70, 80, 90, 100, 1000]) {
      const r = await upload(bouncer, s, { realms: [realmFixture({ org_type: ok })] });
      expect(r.status).toBe(200);
    }
  });

  it('should validate realms strictly (extra keys, missing keys, types, UUID4)', async () => {
    const s = await registerServer(bouncer);
    const { uuid: _omit, ...noUuid } = realmFixture();
    const cases: [unknown, string][] = [
      [[realmFixture(), realmFixture({ communities_directory: true })], 'Argument "communities_directory" at realms[1]["communities_directory"] is unexpected'],
      [[noUuid], 'uuid key is missing from realms[0]'],
      [[realmFixture({ deactivated: 'no' as unknown as boolean })], 'realms[0]["deactivated"] is not a boolean'],
      [[realmFixture({ authentication_methods: { Email: 1 } as unknown as Record<string, boolean> })], 'realms[0]["authentication_methods"]["Email"] is not a boolean'],
      [[realmFixture({ uuid: '18cedb98-5222-5f34-50a9-fc418e1ba972' })], 'Invalid realms[0]["uuid"]: UUID version 4 expected'],
      [[realmFixture({ uuid: 'not-a-uuid' })], 'Invalid realms[0]["uuid"]: Input should be a valid UUID'],
      ['nope', 'realms is not a list'],
    ];
    for (const [realms, msg] of cases) {
      const res = await upload(bouncer, s, { realms });
      expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: badRequest(msg) });
    }
    // Optional keys may be left out; upper-case UUIDs are stored canonically.
    const { name: _n, org_type: _o, is_system_bot_realm: _b, authentication_methods: _a, ...minimal } = realmFixture();
    const upper = { ...minimal, uuid: minimal.uuid.toUpperCase() };
    const res = await upload(bouncer, s, { realms: [upper] });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.realms as object)).toEqual([minimal.uuid]);
    expect(remoteRealms(s).at(-1)).toMatchObject({ uuid: minimal.uuid, name: '', org_type: 0, authentication_methods: '{}' });
  });

  it('should link rows uploaded before realms were known once a new version sends them', async () => {
    const s = await registerServer(bouncer);
    await upload(bouncer, s, {
      realm_counts: [realmCountRow(1, 2)],
      realmauditlog_rows: [auditRow(1, 2, roleCount({ members: 4 }))],
      realms: [],
    });
    const realm = realmFixture({ id: 2 });
    await upload(bouncer, s, { realms: [realm], version: '11.0' });
    const linked = (table: string) =>
      bouncer.query<{ uuid: string | null }>(
        `SELECT r.uuid FROM ${table} t LEFT JOIN remote_realm r ON r.id = t.remote_realm_id
         WHERE t.server_id = ? AND t.remote_id IS NOT NULL`,
        serverId(bouncer, s),
      );
    expect(linked('remote_realm_count')).toEqual([{ uuid: realm.uuid }]);
    expect(linked('remote_realm_audit_log')).toEqual([{ uuid: realm.uuid }]);
  });

  it('should tag the access log with mixed / per-count can_push for several human realms', async () => {
    const s = await registerServer(bouncer);
    const small = realmFixture({ id: 2 });
    const big = realmFixture({ id: 3 });
    const res = await uploadRealms(bouncer, s, [
      { realm: small, roles: { members: 3 }, auditId: 1 },
      { realm: big, roles: { members: 30 }, auditId: 2 },
    ]);
    expect(res.body.realms).toEqual({
      [small.uuid]: { can_push: true, expected_end_timestamp: null },
      [big.uuid]: { can_push: false, expected_end_timestamp: null },
    });
    expect(accessLogTags(s)).toEqual(['[can_push=mixed/2 realms]']);

    await uploadRealms(bouncer, s, [
      { realm: small, roles: { members: 4 }, auditId: 3 },
      { realm: big, roles: { members: 5 }, auditId: 4 },
    ]);
    expect(accessLogTags(s).at(-1)).toBe('[can_push=True/2 realms]');
  });
});
