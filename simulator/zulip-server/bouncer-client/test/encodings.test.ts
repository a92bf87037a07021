/**
 * The wire format of every endpoint, as bouncer-protocol.md §1.2 says a real server sends it:
 * form vs JSON body vs JSON-valued form, Basic auth where needed, User-Agent everywhere.
 */
import { BOUNCER, VERSION, basicAuthOf, formFields, intercept, makeClient, useNock } from './support';

useNock();

const FORM = 'application/x-www-form-urlencoded';

describe('form endpoints', () => {
  it('should send push/register as a form with server_uuid, a string user_id and token_kind 1 plus ios_app_id for APNs', async () => {
    const { client, secrets } = makeClient();
    const seen = intercept('POST', 'push/register');
    await client.registerPushDevice({
      userId: 10,
      userUuid: 'f0e1d2c3-0000-4000-8000-000000000010',
      realmUuid: 'a0b1c2d3-0000-4000-8000-000000000002',
      token: 'abcdef0123',
      tokenKind: 'apns',
      iosAppId: 'com.zulip.flutter',
    });
    const [req] = seen;
    expect(req!.headers['content-type']).toBe(FORM);
    expect(req!.headers.authorization).toBe(basicAuthOf(secrets));
    expect(req!.headers['user-agent']).toBe(`ZulipServer/${VERSION}`);
    expect(formFields(req!)).toEqual([
      ['server_uuid', secrets.zulipOrgId],
      ['user_uuid', 'f0e1d2c3-0000-4000-8000-000000000010'],
      ['realm_uuid', 'a0b1c2d3-0000-4000-8000-000000000002'],
      ['user_id', '10'],
      ['token', 'abcdef0123'],
      ['token_kind', '1'],
      ['ios_app_id', 'com.zulip.flutter'],
    ]);
  });

  it('should leave ios_app_id out of an FCM push/register', async () => {
    const { client } = makeClient();
    const seen = intercept('POST', 'push/register');
    await client.registerPushDevice({ userId: 3, userUuid: 'u', realmUuid: 'r', token: 'fcm-token', tokenKind: 'fcm' });
    expect(formFields(seen[0]!).map(([k]) => k)).toEqual(['server_uuid', 'user_uuid', 'realm_uuid', 'user_id', 'token', 'token_kind']);
    expect(new URLSearchParams(seen[0]!.raw).get('token_kind')).toBe('2');
  });

  it('should send push/unregister and push/unregister/all as forms with server_uuid', async () => {
    const { client, secrets } = makeClient();
    const one = intercept('POST', 'push/unregister');
    const all = intercept('POST', 'push/unregister/all');
    await client.unregisterPushDevice({ userId: 7, userUuid: 'uu', realmUuid: 'rr', token: 'tok', tokenKind: 'fcm' });
    await client.unregisterAllPushDevices({ userId: 7, userUuid: 'uu', realmUuid: 'rr' });
    expect(formFields(one[0]!)).toEqual([
      ['server_uuid', secrets.zulipOrgId],
      ['realm_uuid', 'rr'],
      ['user_uuid', 'uu'],
      ['user_id', '7'],
      ['token', 'tok'],
      ['token_kind', '2'],
    ]);
    expect(formFields(all[0]!)).toEqual([
      ['server_uuid', secrets.zulipOrgId],
      ['realm_uuid', 'rr'],
      ['user_uuid', 'uu'],
      ['user_id', '7'],
    ]);
    expect(all[0]!.headers['content-type']).toBe(FORM);
  });

  it('should send push/e2ee/register as a form keyed by token_id (12.x) or push_account_id (11.x)', async () => {
    const { client } = makeClient();
    const seen = intercept('POST', 'push/e2ee/register', 200, { result: 'success', msg: '' }, {}, 2);
    const common = { realmUuid: 'ru', encryptedPushRegistration: 'c2VhbGVk', bouncerPublicKey: 'cHVi' };
    await client.registerE2eeDevice({ ...common, tokenId: 'hGsEWGmyyfI=' });
    await client.registerE2eeDevice({ ...common, pushAccountId: 2408 });
    expect(formFields(seen[0]!)).toEqual([
      ['realm_uuid', 'ru'],
      ['token_id', 'hGsEWGmyyfI='],
      ['encrypted_push_registration', 'c2VhbGVk'],
      ['bouncer_public_key', 'cHVi'],
    ]);
    expect(formFields(seen[1]!)[1]).toEqual(['push_account_id', '2408']);
    expect(seen[0]!.raw).toContain('token_id=hGsEWGmyyfI%3D');
  });

  it('should send server/register without auth, with the credentials and new_org_key in the form', async () => {
    const { client, secrets } = makeClient();
    const seen = intercept('POST', 'server/register', 200, { result: 'success', msg: '', created: false });
    const newKey = 'n'.repeat(64);
    const res = await client.registerServer({ hostname: 'zulip.example.net', contactEmail: 'admin@zulip.com', newOrgKey: newKey });
    expect(res).toMatchObject({ created: false });
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(formFields(seen[0]!)).toEqual([
      ['zulip_org_id', secrets.zulipOrgId],
      ['zulip_org_key', secrets.zulipOrgKey],
      ['hostname', 'zulip.example.net'],
      ['contact_email', 'admin@zulip.com'],
      ['new_org_key', newKey],
    ]);
  });

  it('should send the transfer endpoints as forms without auth', async () => {
    const { client } = makeClient();
    const t = intercept('POST', 'server/register/transfer', 200, { result: 'success', msg: '', verification_secret: 'ABCD' });
    const v = intercept('POST', 'server/register/verify_challenge', 200, {
      result: 'success',
      msg: '',
      zulip_org_id: 'id',
      zulip_org_key: 'key',
    });
    await client.transferRegistration({ hostname: 'zulip.example.net' });
    await client.verifyTransferChallenge({ hostname: 'zulip.example.net', accessToken: 'tok en' });
    expect(t[0]!.raw).toBe('hostname=zulip.example.net');
    expect(v[0]!.raw).toBe('hostname=zulip.example.net&access_token=tok+en');
    expect(t[0]!.headers.authorization).toBeUndefined();
    expect(v[0]!.headers.authorization).toBeUndefined();
    expect(v[0]!.headers['user-agent']).toBe(`ZulipServer/${VERSION}`);
  });
});

describe('JSON-body endpoints', () => {
  it('should send push/notify as one compact JSON document in Zulip key order', async () => {
    const { client, secrets } = makeClient();
    const seen = intercept('POST', 'push/notify', 200, {
      result: 'success',
      msg: '',
      total_android_devices: 1,
      total_apple_devices: 0,
      deleted_devices: { android_devices: [], apple_devices: [] },
      realm: null,
    });
    await client.notify({
      userId: 10,
      userUuid: 'uu',
      realmUuid: 'ru',
      apnsPayload: { badge: 0 },
      gcmPayload: { event: 'message' },
      gcmOptions: { priority: 'high' },
      androidDevices: ['a1'],
      appleDevices: [],
    });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.headers.authorization).toBe(basicAuthOf(secrets));
    expect(seen[0]!.raw).toBe(
      '{"user_uuid":"uu","user_id":10,"realm_uuid":"ru","apns_payload":{"badge":0},"gcm_payload":{"event":"message"},' +
        '"gcm_options":{"priority":"high"},"android_devices":["a1"],"apple_devices":[]}',
    );
  });

  it('should send push/test_notification, push/e2ee/notify and server/deactivate as JSON', async () => {
    const { client } = makeClient();
    const test = intercept('POST', 'push/test_notification');
    const e2ee = intercept('POST', 'push/e2ee/notify', 200, {
      result: 'success',
      msg: '',
      apple_successfully_sent_count: 0,
      android_successfully_sent_count: 1,
      delete_token_ids: [],
      realm_push_status: { can_push: true, expected_end_timestamp: null },
    });
    const deactivate = intercept('POST', 'server/deactivate');
    await client.sendTestNotification({
      userId: 10,
      userUuid: 'uu',
      realmUuid: 'ru',
      token: 'tok',
      tokenKind: 'fcm',
      basePayload: { realm_name: 'R' },
    });
    const fcm = { token_id: 'hGsEWGmyyfI=', fcm_priority: 'high' as const, payload: { push_key_id: 5, encrypted_data: 'ZW5j' } };
    await client.e2eeNotify({ realmUuid: 'ru', pushRequests: [fcm] });
    await client.deactivateServer();
    expect(test[0]!.raw).toBe(
      '{"realm_uuid":"ru","user_uuid":"uu","user_id":10,"token":"tok","token_kind":2,"base_payload":{"realm_name":"R"}}',
    );
    expect(e2ee[0]!.raw).toBe(`{"realm_uuid":"ru","push_requests":[${JSON.stringify(fcm)}]}`);
    expect(deactivate[0]!.raw).toBe('{}');
    for (const r of [test[0]!, e2ee[0]!, deactivate[0]!]) expect(r.headers['content-type']).toBe('application/json');
  });
});

describe('analytics', () => {
  it('should GET server/analytics/status with Basic auth and no body', async () => {
    const { client, secrets } = makeClient();
    const seen = intercept('GET', 'server/analytics/status', 200, {
      result: 'success',
      msg: '',
      last_realm_count_id: 0,
      last_installation_count_id: 0,
      last_realmauditlog_id: 0,
    });
    await client.analyticsStatus();
    expect(seen[0]!.headers.authorization).toBe(basicAuthOf(secrets));
    expect(seen[0]!.headers['content-type']).toBeUndefined();
    expect(seen[0]!.raw).toBe('');
  });

  it('should POST server/analytics as a form whose every value is JSON, dropping null fields', async () => {
    const { client } = makeClient();
    const seen = intercept('POST', 'server/analytics', 200, { result: 'success', msg: '', realms: {} });
    const realmCounts = [{ property: 'messages_read::hour', realm: 2, id: 1, end_time: 1_700_000_000, subgroup: null, value: 5 }];
    await client.uploadAnalytics({
      realm_counts: realmCounts,
      installation_counts: [],
      realmauditlog_rows: [],
      realms: [],
      version: '11.0',
      merge_base: null,
      api_feature_level: 400,
    });
    expect(seen[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(formFields(seen[0]!)).toEqual([
      ['realm_counts', JSON.stringify(realmCounts)],
      ['installation_counts', '[]'],
      ['realmauditlog_rows', '[]'],
      ['realms', '[]'],
      ['version', '"11.0"'],
      ['api_feature_level', '400'],
    ]);
  });
});

it('should join endpoints onto the services URL the way urljoin does with an absolute path', async () => {
  const { client } = makeClient({ url: `${BOUNCER}/some/prefix/` });
  const seen = intercept('POST', 'server/deactivate');
  await client.deactivateServer();
  expect(seen[0]!.path).toBe('/api/v1/remotes/server/deactivate');
});
