/**
 * push/e2ee/notify on a bouncer with neither APNs nor FCM configured (§7.3): the sends are
 * dropped with Zulip's ERROR lines, nothing is counted as forwarded and no device is expired.
 */
import { appTokenId, deviceRows, registerE2ee, serverWithRealm, type E2eeSetup } from './e2ee-app';
import { E2EE_NOTIFY, ERROR } from './e2ee-notify-support';
import { call, startTestBouncer, type TestBouncer } from './support';

describe.each([11, 12] as const)('push/e2ee/notify without providers (%i.x)', (profile) => {
  let bouncer: TestBouncer;
  let org: E2eeSetup;
  beforeAll(async () => {
    bouncer = await startTestBouncer({ e2eeProfile: profile });
    org = await serverWithRealm(bouncer);
  });
  afterAll(() => bouncer.stop());

  it('should drop both kinds of push with an ERROR line each and delete nothing', async () => {
    const tokens = { apns: 'ab'.repeat(32), fcm: 'fcm-token-unconfigured:APA91b' };
    const ids: Record<string, number | string> = {};
    for (const kind of ['apns', 'fcm'] as const) {
      const res = await registerE2ee(bouncer, org, { token: tokens[kind], token_kind: kind, ios_app_id: kind === 'apns' ? 'org.zulip.Zulip' : null, push_account_id: 5 });
      expect(res.status).toBe(200);
      ids[kind] = profile === 11 ? (res.body.device_id as number) : appTokenId(tokens[kind]);
    }
    const idKey = profile === 11 ? 'device_id' : 'token_id';
    const keyIdKey = profile === 11 ? 'push_account_id' : 'push_key_id';
    const before = bouncer.logLines().length;

    const res = await call(bouncer, 'POST', E2EE_NOTIFY, {
      auth: org.server,
      json: {
        realm_uuid: org.realm.uuid,
        push_requests: [
          { [idKey]: ids.apns, http_headers: { apns_priority: 10, apns_push_type: 'alert' }, payload: { [keyIdKey]: 5, encrypted_data: 'AAAA' } },
          { [idKey]: ids.fcm, fcm_priority: 'high', payload: { [keyIdKey]: 5, encrypted_data: 'AAAA' } },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      result: 'success',
      msg: '',
      apple_successfully_sent_count: 0,
      android_successfully_sent_count: 0,
      [profile === 11 ? 'delete_device_ids' : 'delete_token_ids']: [],
      realm_push_status: { can_push: true, expected_end_timestamp: null },
    });
    const lines = bouncer
      .logLines()
      .slice(before)
      .filter((l) => l.logger === 'zilencer.lib.push_notifications')
      .map((l) => ({ level: l.level, msg: l.msg }));
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        { level: ERROR, msg: 'APNs: Dropping push notifications since neither APNS_TOKEN_KEY_FILE nor APNS_CERT_FILE is set.' },
        { level: ERROR, msg: 'FCM: Dropping push notifications since ANDROID_FCM_CREDENTIALS_PATH is unset' },
      ]),
    );
    expect(deviceRows(bouncer, org.realm.uuid).map((r) => r.expired_time)).toEqual([null, null]);
  });
});
