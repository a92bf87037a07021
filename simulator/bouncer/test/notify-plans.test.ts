/**
 * Plan gating of push/notify (§5.1 step 3, §8; §15 case 12 test_send_notification_endpoint_on_free_plans):
 * the refusal codes old and new servers get, the access-log tag, and that a refused
 * notification never reaches a provider.
 */
import { call } from './support';
import {
  addApnsPhone,
  addFcmPhone,
  error,
  lastAccessLine,
  logMark,
  logSince,
  messagePayloads,
  newUser,
  notify,
  notifyBody,
  setHumans,
  setUpServer,
  startNotifyStack,
  statusAndBody,
  success,
  uploadAnalytics,
  type NotifyWorld,
  type ZulipServer,
  type ZulipUser,
} from './notify-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

const DISALLOWED = "Your plan doesn't allow sending push notifications.";
const MANY_USERS = 'Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/';
const COMMUNITY = 102;
const SELF_MANAGED = 100;

const setPlanType = async (server: ZulipServer, planType: number) => {
  const res = await call(w.bouncer, 'POST', `/__admin/servers/${server.identity.uuid}/plan-type`, { json: { plan_type: planType } });
  expect(res.status).toBe(200);
};

/** What one notification reached: FCM and APNs journal entries for the phones, log lines of the senders. */
async function send(server: ZulipServer, user: ZulipUser, phones: string[], opts: Parameters<typeof notifyBody>[3] = {}) {
  const [fcmSeq, apnsSeq, mark] = [w.fcm.journal.stats.lastSeq, w.apns.journal.stats.lastSeq, logMark(w)];
  const payloads = messagePayloads(server, user, { sender: newUser(), content: 'Alas, poor Yorick', messageId: 31, time: 1_767_268_000 });
  const res = await notify(w, server, notifyBody(server, user, payloads, opts));
  const reached = phones.flatMap((p) => [...w.fcm.journal.list({ device: p, afterSeq: fcmSeq }), ...w.apns.journal.list({ device: p, afterSeq: apnsSeq })]);
  return { res, reached, sendLog: logSince(w, mark, ['zerver.lib.push_notifications']), tag: lastAccessLine(w, server) };
}

const sent = (total_android_devices: number, total_apple_devices: number, realm: unknown) =>
  success({ total_android_devices, total_apple_devices, deleted_devices: { android_devices: [], apple_devices: [] }, realm });

describe('plan gating of push/notify (case 12)', () => {
  it('should walk an old server through every verdict, from INVALID_ZULIP_SERVER to success', async () => {
    // 1. A pre-8.0 server: no analytics ever, so no feature level and no user count.
    const server = await setUpServer(w, { featureLevel: null });
    const hamlet = newUser();
    const phone = await addFcmPhone(w, server, hamlet, { identity: 'id' });
    let r = await send(server, hamlet, [phone], { identity: 'id' });
    expect(statusAndBody(r.res)).toEqual(error(400, 'INVALID_ZULIP_SERVER', DISALLOWED));
    expect(r.tag).toContain(' /api/v1/remotes/push/notify [can_push=False/Missing data] (');
    // The access log's error line repeats the response body (as Python bytes), never the request's.
    expect(w.bouncer.logLines().at(-1)!.msg).toBe(
      `status=400, data=b'{"result":"error","msg":"Your plan doesn\\'t allow sending push notifications.","code":"INVALID_ZULIP_SERVER"}', ` +
        `uid=zulip-server:${server.identity.uuid}`,
    );
    expect(r.reached).toEqual([]);
    expect(r.sendLog).toEqual([]);

    // 2. It upgrades: analytics with a feature level, but no audit rows yet.
    await uploadAnalytics(w, server, { featureLevel: 235, humans: null });
    r = await send(server, hamlet, [phone], { withRealm: false });
    expect(statusAndBody(r.res)).toEqual(
      error(400, 'PUSH_NOTIFICATIONS_DISALLOWED', `${DISALLOWED} Reason provided by the server: Missing data`),
    );
    expect(r.tag).toContain('[can_push=False/Missing data]');
    expect(r.reached).toEqual([]);

    // 3. Eleven humans and no plan.
    await setHumans(w, server, 11);
    r = await send(server, hamlet, [phone], { withRealm: false });
    expect(statusAndBody(r.res)).toEqual(
      error(400, 'PUSH_NOTIFICATIONS_DISALLOWED', `${DISALLOWED} Reason provided by the server: ${MANY_USERS}`),
    );
    expect(r.tag).toContain(`[can_push=False/${MANY_USERS}]`);
    expect(r.reached).toEqual([]);
    expect(r.sendLog).toEqual([]);

    // 4. The server is sponsored (COMMUNITY): pushes flow; without realm_uuid, realm is null.
    await setPlanType(server, COMMUNITY);
    r = await send(server, hamlet, [phone], { withRealm: false });
    expect(statusAndBody(r.res)).toEqual(sent(1, 0, null));
    expect(r.tag).toContain('[can_push=True/Community plan]');
    expect(r.reached.map((e) => e.outcome.accepted)).toEqual([true]);

    // 5. Back to self-managed, down to ten humans.
    await setPlanType(server, SELF_MANAGED);
    await setHumans(w, server, 10);
    r = await send(server, hamlet, [phone], { withRealm: false });
    expect(statusAndBody(r.res)).toEqual(sent(1, 0, null));
    expect(r.tag).toContain('[can_push=True/No plan few users]');
    expect(r.reached.map((e) => e.outcome.accepted)).toEqual([true]);
  });

  it("should count the realm's humans when realm_uuid is sent, and report the realm's status", async () => {
    const server = await setUpServer(w, { humans: 11 });
    const user = newUser();
    const phones = [await addFcmPhone(w, server, user), await addApnsPhone(w, server, user)];
    const mark = logMark(w);
    const denied = await send(server, user, phones);
    expect(statusAndBody(denied.res)).toEqual(
      error(400, 'PUSH_NOTIFICATIONS_DISALLOWED', `${DISALLOWED} Reason provided by the server: ${MANY_USERS}`),
    );
    expect(denied.reached).toEqual([]);
    // Refused before any device was looked at: no "Sending mobile push notifications" line.
    expect(logSince(w, mark)).toEqual([]);
    // The access log's error line quotes response bodies up to 200 characters only (never the request's).
    expect(w.bouncer.logLines().at(-1)!.msg).toBe(
      `status=400, data=[content more than 200 characters], uid=zulip-server:${server.identity.uuid}`,
    );

    await setHumans(w, server, 10);
    const allowed = await send(server, user, phones);
    expect(statusAndBody(allowed.res)).toEqual(sent(1, 1, { can_push: true, expected_end_timestamp: null }));
    expect(allowed.reached.map((e) => [e.provider, e.outcome.accepted])).toEqual([
      ['fcm', true],
      ['apns', true],
    ]);
  });
});
