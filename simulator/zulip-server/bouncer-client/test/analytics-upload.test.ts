/**
 * The server/analytics upload: deltas after the bouncer's last ids, the 10 000-row cap, what
 * each ANALYTICS_DATA_UPLOAD_LEVEL sends, and the status-then-upload exchange.
 */
import nock from 'nock';
import { ROLE, type User } from '../../types';
import {
  MAX_CLIENT_BATCH_SIZE,
  buildAnalyticsRequest,
  realmDataForAnalytics,
  roleCountExtraData,
  uploadLevelFromSettings,
  uploadServerData,
  type AuditLogRecord,
  type ServerAnalyticsData,
} from '../analytics-upload';
import { PushNotificationBouncerError } from '../errors';
import { BOUNCER, REMOTES, catchAll, formFields, intercept, makeClient, realmFixture, useNock } from './support';

useNock();

const NOTHING_ACKED = { last_realm_count_id: 0, last_installation_count_id: 0, last_realmauditlog_id: 0 };

function serverData(over: Partial<ServerAnalyticsData> = {}): ServerAnalyticsData {
  const realm = realmFixture({ id: 2 });
  return {
    realms: [realm],
    realmCounts: [
      { id: 1, realmId: 2, property: 'messages_read::hour', subgroup: null, endTime: 1_766_000_000, value: 5 },
      { id: 2, realmId: 2, property: 'invites_sent::day', subgroup: null, endTime: 1_766_000_000, value: 1 },
    ],
    installationCounts: [{ id: 1, property: 'messages_read::hour', subgroup: 'false', endTime: 1_766_000_000, value: 7 }],
    auditLogs: [
      { id: 1, realmId: 2, eventType: 101, eventTime: 1_767_000_000, extraData: { '10': { '11': { '100': 1 }, '12': 0 } } },
      { id: 2, realmId: 2, eventType: 208, eventTime: 1_767_000_001, extraData: { foo: 'bar' } }, // not a billing event
    ],
    version: '11.0',
    mergeBase: '11.0-0-gabcdef',
    apiFeatureLevel: 400,
    uploadLevel: 'ALL',
    ...over,
  };
}

describe('upload levels', () => {
  it('BASIC: realms and version only, with empty row lists', () => {
    const { request, recordCount } = buildAnalyticsRequest(serverData({ uploadLevel: 'BASIC' }), NOTHING_ACKED, {
      considerUsageStatistics: true,
    });
    expect(request).toMatchObject({ realm_counts: [], installation_counts: [], realmauditlog_rows: [], version: '11.0' });
    expect(request.realms).toHaveLength(1);
    expect(recordCount).toBe(0);
  });

  it('BILLING: adds the billing audit rows (and only those)', () => {
    const { request } = buildAnalyticsRequest(serverData({ uploadLevel: 'BILLING' }), NOTHING_ACKED, { considerUsageStatistics: true });
    expect(request.realm_counts).toEqual([]);
    expect(request.realmauditlog_rows).toEqual([
      { id: 1, realm: 2, event_time: 1_767_000_000, backfilled: false, extra_data: { '10': { '11': { '100': 1 }, '12': 0 } }, event_type: 101 },
    ]);
  });

  it('ALL: adds the counts from the analytics cron, never the stats kept from the bouncer', () => {
    const data = serverData({ uploadLevel: 'ALL' });
    const cron = buildAnalyticsRequest(data, NOTHING_ACKED, { considerUsageStatistics: true });
    expect(cron.request.realm_counts).toEqual([
      { property: 'messages_read::hour', realm: 2, id: 1, end_time: 1_766_000_000, subgroup: null, value: 5 },
    ]);
    expect(cron.request.installation_counts).toEqual([
      { property: 'messages_read::hour', id: 1, end_time: 1_766_000_000, subgroup: 'false', value: 7 },
    ]);
    expect(cron.recordCount).toBe(3);
    // Outside the cron (worker start-up, register_server), ALL sends what BILLING sends.
    const startup = buildAnalyticsRequest(data, NOTHING_ACKED, { considerUsageStatistics: false });
    expect([startup.request.realm_counts, startup.request.installation_counts, startup.recordCount]).toEqual([[], [], 1]);
  });

  it('NONE: nothing may be built', () => {
    expect(() => buildAnalyticsRequest(serverData({ uploadLevel: 'NONE' }), NOTHING_ACKED, { considerUsageStatistics: true })).toThrow();
  });

  it('should derive the level from the ZULIP_SERVICE_* settings', () => {
    expect(uploadLevelFromSettings({ pushNotifications: true, submitUsageStatistics: true })).toBe('ALL');
    expect(uploadLevelFromSettings({ pushNotifications: true, submitUsageStatistics: false })).toBe('BILLING');
    expect(uploadLevelFromSettings({ pushNotifications: false, submitUsageStatistics: false, securityAlerts: true })).toBe('BASIC');
    expect(uploadLevelFromSettings({ pushNotifications: false, submitUsageStatistics: false })).toBe('NONE');
  });
});

describe('deltas', () => {
  it('should send only rows past the last acked ids, in id order, at most 10 000 per list', () => {
    const auditLogs: AuditLogRecord[] = [];
    for (let id = 10_010; id >= 1; id -= 1) auditLogs.push({ id, realmId: 2, eventType: 105, eventTime: 1_767_000_000 + id, extraData: null });
    const data = serverData({ auditLogs, uploadLevel: 'BILLING' });
    const { request } = buildAnalyticsRequest(data, { ...NOTHING_ACKED, last_realmauditlog_id: 5 }, { considerUsageStatistics: false });
    const ids = request.realmauditlog_rows!.map((r) => r.id);
    expect(ids).toHaveLength(MAX_CLIENT_BATCH_SIZE);
    expect(ids[0]).toBe(6);
    expect(ids.at(-1)).toBe(10_005);
  });
});

describe('row and realm shapes', () => {
  it('should count active humans per role and active bots, as realm_user_count_by_role does', () => {
    const u = (id: number, role: User['role'], extra: Partial<User> = {}): User => ({
      id,
      uuid: `u${id}`,
      realmId: 2,
      email: `u${id}@example.net`,
      fullName: `U ${id}`,
      role,
      isBot: false,
      avatarUrl: 'https://example.net/a.png',
      isActive: true,
      ...extra,
    });
    const users = [
      u(1, ROLE.OWNER),
      u(2, ROLE.MEMBER),
      u(3, ROLE.MEMBER),
      u(4, ROLE.GUEST),
      u(5, ROLE.MEMBER, { isActive: false }),
      u(6, ROLE.MEMBER, { isBot: true }),
      u(7, ROLE.MEMBER, { realmId: 3 }),
    ];
    expect(roleCountExtraData(users, 2)).toEqual({ '10': { '11': { '100': 1, '200': 0, '300': 0, '400': 2, '600': 1 }, '12': 1 } });
  });

  it('should describe a realm with exactly the RealmDataForAnalytics fields', () => {
    const realm = realmFixture({ isSystemBotRealm: true, deactivated: true });
    expect(realmDataForAnalytics(realm)).toEqual({
      id: realm.id,
      uuid: realm.uuid,
      uuid_owner_secret: realm.uuidOwnerSecret,
      host: realm.host,
      url: realm.url,
      deactivated: true,
      date_created: realm.dateCreated,
      org_type: realm.orgType,
      name: realm.name,
      authentication_methods: realm.authenticationMethods,
      is_system_bot_realm: true,
    });
  });
});

describe('uploadServerData', () => {
  const statusBody = (ids = NOTHING_ACKED) => ({ result: 'success', msg: '', ...ids });

  it('should ask for the status, upload the delta and apply the realms of the answer', async () => {
    const { client, log } = makeClient();
    const data = serverData({ uploadLevel: 'ALL' });
    const realm = data.realms[0]!;
    const stranger = '0f0e0d0c-0000-4000-8000-000000000abc';
    const status = intercept('GET', 'server/analytics/status', 200, statusBody({ ...NOTHING_ACKED, last_realm_count_id: 1 }));
    const upload = intercept('POST', 'server/analytics', 200, {
      result: 'success',
      msg: '',
      realms: {
        [realm.uuid]: { can_push: false, expected_end_timestamp: null },
        [stranger]: { can_push: true, expected_end_timestamp: null },
      },
    });
    const result = await uploadServerData(client, data, { considerUsageStatistics: true });

    expect(status).toHaveLength(1);
    const fields = Object.fromEntries(formFields(upload[0]!));
    expect(JSON.parse(fields.realm_counts!)).toEqual([]); // id 1 already acked, id 2 never sent
    expect(JSON.parse(fields.installation_counts!)).toHaveLength(1);
    expect(JSON.parse(fields.realmauditlog_rows!)).toHaveLength(1);
    expect(JSON.parse(fields.realms!)).toEqual([realmDataForAnalytics(realm)]);
    expect([fields.version, fields.merge_base, fields.api_feature_level]).toEqual(['"11.0"', '"11.0-0-gabcdef"', '400']);

    expect(result).toMatchObject({ outcome: 'uploaded', recordCount: 2, unexpectedRealmUuids: [stranger] });
    if (result.outcome !== 'uploaded') throw new Error(result.outcome);
    expect(result.realms[0]!.pushNotificationsEnabled).toBe(false);
    expect(log.output()).toEqual(
      expect.arrayContaining([
        `WARNING:zulip.analytics:Received unexpected realm UUID from bouncer ${stranger}`,
        'INFO:zulip.analytics:Reported 2 records',
      ]),
    );
  });

  it('should switch every realm off when the bouncer cannot be reached, and not upload', async () => {
    const { client, log } = makeClient();
    nock(BOUNCER).get(`${REMOTES}server/analytics/status`).replyWithError({ code: 'ECONNRESET', message: 'reset' });
    const any = catchAll();
    const result = await uploadServerData(client, serverData(), { considerUsageStatistics: false });
    expect(result).toMatchObject({ outcome: 'failed', stage: 'status', pushesDisabled: true });
    expect(result.realms.every((r) => !r.pushNotificationsEnabled)).toBe(true);
    expect(any.hits).toEqual([]);
    expect(log.output()).toContain('WARNING:zulip.analytics:ConnectionError while trying to connect to push notification bouncer');
  });

  it('should keep pushes on after a network failure if they worked within the hour, and after a 5xx', async () => {
    const { client } = makeClient();
    nock(BOUNCER).get(`${REMOTES}server/analytics/status`).replyWithError({ code: 'ECONNREFUSED', message: 'refused' });
    const recent = await uploadServerData(client, serverData(), { considerUsageStatistics: false, recentlyWorking: true });
    expect(recent).toMatchObject({ outcome: 'failed', pushesDisabled: false });

    intercept('GET', 'server/analytics/status', 200, statusBody());
    intercept('POST', 'server/analytics', 502, 'Bad gateway');
    const outage = await uploadServerData(client, serverData(), { considerUsageStatistics: false });
    expect(outage).toMatchObject({ outcome: 'failed', stage: 'upload', pushesDisabled: false });
    expect(outage.realms[0]!.pushNotificationsEnabled).toBe(true);
  });

  it('should rethrow with raiseOnError (register_server) and let INVALID_ZULIP_SERVER through', async () => {
    const { client } = makeClient();
    intercept('GET', 'server/analytics/status', 401, { result: 'error', msg: 'Some problem', code: 'UNAUTHORIZED' });
    await expect(uploadServerData(client, serverData(), { considerUsageStatistics: false, raiseOnError: true })).rejects.toThrow(
      'Some problem',
    );
    intercept('GET', 'server/analytics/status', 400, { result: 'error', msg: 'bad key', code: 'INVALID_ZULIP_SERVER' });
    await expect(uploadServerData(client, serverData(), { considerUsageStatistics: false })).rejects.toBeInstanceOf(
      PushNotificationBouncerError,
    );
  });

  it('should send nothing at level NONE', async () => {
    const { client } = makeClient();
    const any = catchAll();
    const result = await uploadServerData(client, serverData({ uploadLevel: 'NONE' }), { considerUsageStatistics: true });
    expect(result.outcome).toBe('skipped');
    expect(any.hits).toEqual([]);
  });
});
