/**
 * push/e2ee/notify refusals before any send (§6.3 steps 1–2, §8, §13; TE2
 * test_missing_remote_realm_error, test_no_plan_error): unknown realm → 403
 * MISSING_REMOTE_REALM, another server's realm → 403 REMOTE_REALM_SERVER_MISMATCH_ERROR, plan
 * denial → 400 PUSH_NOTIFICATIONS_DISALLOWED (never INVALID_ZULIP_SERVER here). And the
 * realm_push_status of a realm whose plan is ending.
 */
import crypto from 'node:crypto';
import { PLAN_STATUS } from '../constants';
import { PLAN_TIER } from '../store/plans';
import { openWriter, realmFixture, serverId, upload, uploadRealms } from './analytics-fixtures';
import { registerServer } from './support';
import {
  apnsSince,
  encryptFor,
  fcmSince,
  logSince,
  mark,
  newOrg,
  notify,
  pushLogSince,
  pushRequest,
  realmCount,
  registerPhone,
  removePlaintext,
  startNotifyStack,
  stopNotifyStack,
  successBody,
  type NotifyEnv,
  type Phone,
} from './e2ee-notify-support';
import type { E2eeSetup } from './e2ee-app';

const PATH = '/api/v1/remotes/push/e2ee/notify';
const DISALLOWED = "Your plan doesn't allow sending push notifications. Reason provided by the server: ";

describe.each([11, 12] as const)('push/e2ee/notify realm and plan errors (%i.x)', (profile) => {
  let env: NotifyEnv;
  let org: E2eeSetup;
  let phones: Phone[];
  beforeAll(async () => {
    env = await startNotifyStack(profile);
    org = await newOrg(env);
    phones = [await registerPhone(env, org, 'apns'), await registerPhone(env, org, 'fcm')];
  });
  afterAll(() => stopNotifyStack(env));

  const requests = () => phones.map((p) => pushRequest(env, p, encryptFor(p, removePlaintext())));
  const accessTag = (m: ReturnType<typeof mark>) => logSince(env, m).find((l) => l.logger === 'zulip.requests')!.msg;

  it('should refuse an unknown realm with 403 MISSING_REMOTE_REALM and an INFO line', async () => {
    const uuid = crypto.randomUUID();
    const m = mark(env);
    const res = await notify(env, { server: org.server, realm: { uuid } }, requests());
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ result: 'error', msg: 'Organization not registered', code: 'MISSING_REMOTE_REALM' });
    expect(logSince(env, m).filter((l) => l.logger === 'zilencer.views')).toEqual([
      { logger: 'zilencer.views', level: 30, msg: `${PATH}: Received request for unknown realm ${uuid}, server ${serverId(env.bouncer, org.server)}` },
    ]);
    expect(apnsSince(env, m)).toEqual([]);
    expect(fcmSince(env, m)).toEqual([]);
    expect(pushLogSince(env, m)).toEqual([]);
  });

  it("should refuse another server's realm with 403 REMOTE_REALM_SERVER_MISMATCH_ERROR", async () => {
    const m = mark(env);
    const intruder = await registerServer(env.bouncer);
    const res = await notify(env, { server: intruder, realm: org.realm }, requests());
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      result: 'error',
      msg: 'Your organization is registered to a different Zulip server. Please contact Zulip support for assistance in resolving this issue.',
      code: 'REMOTE_REALM_SERVER_MISMATCH_ERROR',
    });
    expect(logSince(env, m).filter((l) => l.logger === 'zilencer.views')).toEqual([
      {
        logger: 'zilencer.views',
        level: 40,
        msg: `${PATH}: Realm ${org.realm.uuid} exists, but not registered to server ${serverId(env.bouncer, intruder)}`,
      },
    ]);
    expect(apnsSince(env, m)).toEqual([]);
    expect(fcmSince(env, m)).toEqual([]);
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_received::day')).toBe(0);
  });

  it('should refuse a realm with more than 10 users and no plan, sending nothing', async () => {
    const crowded: E2eeSetup = { server: await registerServer(env.bouncer), realm: realmFixture() };
    await uploadRealms(env.bouncer, crowded.server, [{ realm: crowded.realm, roles: { owners: 1, members: 10 }, auditId: 1 }]);
    const own = [await registerPhone(env, crowded, 'apns'), await registerPhone(env, crowded, 'fcm')];
    const m = mark(env);
    const res = await notify(env, crowded, own.map((p) => pushRequest(env, p, encryptFor(p, removePlaintext()))));
    const reason = 'Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/';
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg: DISALLOWED + reason, code: 'PUSH_NOTIFICATIONS_DISALLOWED' });
    expect(accessTag(m)).toContain(` ${PATH} [can_push=False/${reason}] `);
    expect(apnsSince(env, m)).toEqual([]);
    expect(fcmSince(env, m)).toEqual([]);
    expect(realmCount(env, crowded.realm.uuid, 'mobile_pushes_received::day')).toBe(0);
  });

  it('should answer PUSH_NOTIFICATIONS_DISALLOWED even to a server that never sent a feature level', async () => {
    const old: E2eeSetup = { server: await registerServer(env.bouncer), realm: realmFixture() };
    expect((await upload(env.bouncer, old.server, { realms: [old.realm] })).status).toBe(200);
    expect(
      env.bouncer.query('SELECT last_api_feature_level, last_audit_log_update FROM remote_zulip_server WHERE uuid = ?', old.server.uuid),
    ).toEqual([{ last_api_feature_level: null, last_audit_log_update: null }]);
    const ios = await registerPhone(env, old, 'apns');
    const m = mark(env);
    const res = await notify(env, old, [pushRequest(env, ios, encryptFor(ios, removePlaintext()))]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg: `${DISALLOWED}Missing data`, code: 'PUSH_NOTIFICATIONS_DISALLOWED' });
    expect(accessTag(m)).toContain('[can_push=False/Missing data]');
    expect(apnsSince(env, m)).toEqual([]);
  });

  it('should report the end of an ending plan in realm_push_status and still send', async () => {
    const ending: E2eeSetup = { server: await registerServer(env.bouncer), realm: realmFixture() };
    await uploadRealms(env.bouncer, ending.server, [{ realm: ending.realm, roles: { members: 11 }, auditId: 1 }]);
    const endsAt = Date.UTC(2026, 1, 3) / 1000;
    const db = openWriter(env.bouncer);
    try {
      db.plans.create(
        { remoteRealmId: db.realms.byUuid(ending.realm.uuid)!.id },
        { tier: PLAN_TIER.SELF_HOSTED_BUSINESS, status: PLAN_STATUS.DOWNGRADE_AT_END_OF_CYCLE, nextInvoiceDate: endsAt },
        0,
      );
    } finally {
      db.close();
    }
    const ios = await registerPhone(env, ending, 'apns');
    const m = mark(env);
    const res = await notify(env, ending, [pushRequest(env, ios, encryptFor(ios, removePlaintext()))]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...successBody(env, 1, 0, []), realm_push_status: { can_push: true, expected_end_timestamp: endsAt } });
    expect(accessTag(m)).toContain('[can_push=True/Scheduled end]');
    await env.stack.apns.journal.next(ios.token, { afterSeq: m.apns });
  });
});
