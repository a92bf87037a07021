/**
 * The plans page (/serverlogin/plans/), through real HTTP against the embedded stack (bouncer +
 * mock APNs/FCM): what it shows (escaped), CSRF refusals, and plan changes that persist and
 * decide can_push for the next push/notify and server/analytics (plan gating reads the store).
 */
import { upload } from './analytics-fixtures';
import {
  addFcmPhone,
  messagePayloads,
  newUser,
  notify,
  notifyBody,
  setUpServer,
  startNotifyStack,
  uploadAnalytics,
  type NotifyWorld,
  type ZulipServer,
  type ZulipUser,
} from './notify-support';
import { call } from './support';
import { WebClient, csrfTokenOf, realmRowText, textOf } from './web-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

const PLANS = '/serverlogin/plans/';
const MANY_USERS = 'Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/';
const CSRF_FAILED = 'CSRF verification failed. Request aborted.';

const realmPlanType = (server: ZulipServer) =>
  w.bouncer.query<{ plan_type: number }>('SELECT plan_type FROM remote_realm WHERE uuid = ?', server.realm.uuid)[0]!.plan_type;
const serverPlanType = (server: ZulipServer) =>
  w.bouncer.query<{ plan_type: number }>('SELECT plan_type FROM remote_zulip_server WHERE uuid = ?', server.identity.uuid)[0]!.plan_type;

/** push/notify for one message to `user`'s FCM phone: the status, and whether the phone got it. */
async function push(server: ZulipServer, user: ZulipUser, phone: string, opts: { withRealm?: boolean } = {}) {
  const after = w.fcm.journal.stats.lastSeq;
  const payloads = messagePayloads(server, user, { sender: newUser(), content: 'Alas, poor Yorick', messageId: 7, time: 1_767_268_000 });
  const res = await notify(w, server, notifyBody(server, user, payloads, opts));
  const reached = w.fcm.journal.list({ device: phone, afterSeq: after }).filter((e) => e.outcome.accepted).length;
  return { status: res.status, code: res.body.code, realm: res.body.realm, reached };
}

/** The can_push the next metadata upload reports for the server's realm. */
async function analyticsCanPush(server: ZulipServer): Promise<unknown> {
  const res = await upload(w.bouncer, server.identity, { realms: [server.realm], version: '11.0', merge_base: '11.0', api_feature_level: 400 });
  expect(res.status).toBe(200);
  return (res.body.realms as Record<string, { can_push: boolean }>)[server.realm.uuid]?.can_push;
}

describe('the plans page', () => {
  it("should list the server's realms with human users, plan and push status, every value escaped", async () => {
    const server = await setUpServer(w, { humans: 11 });
    server.realm.name = '<b>"Tricky" & Co</b>';
    await uploadAnalytics(w, server);
    const web = new WebClient(w.bouncer);
    await web.login(server.identity);
    const page = await web.get(PLANS);
    expect(page.status).toBe(200);

    expect(realmRowText(page.text, server.realm.uuid)).toBe(
      `<b>"Tricky" & Co</b> ${server.realm.host} 11 Self-managed (no plan) Disabled ${MANY_USERS} Change plan`,
    );
    expect(page.text).toContain('<strong class="realm-name">&lt;b&gt;&quot;Tricky&quot; &amp; Co&lt;/b&gt;</strong>');
    expect(page.text).not.toContain('<b>"Tricky"');
    expect(page.text).toContain(`aria-label="Plan for &lt;b&gt;&quot;Tricky&quot; &amp; Co&lt;/b&gt;"`);
    expect(textOf(page.text)).toContain(`Users (all organizations) 11 Push notifications (server plan) Disabled ${MANY_USERS}`);
    // No keys of any kind: not the server's, not the realm's uuid_owner_secret.
    expect(page.text).not.toContain(server.identity.key);
    expect(page.text).not.toContain(server.realm.uuid_owner_secret);
  });

  it('should say when the user count is unknown (no recent metadata upload)', async () => {
    const server = await setUpServer(w, { humans: null });
    const web = new WebClient(w.bouncer);
    await web.login(server.identity);
    const row = realmRowText((await web.get(PLANS)).text, server.realm.uuid);
    expect(row).toBe(`Zulip Dev ${server.realm.host} unknown (no recent metadata upload) Self-managed (no plan) Disabled Missing data Change plan`);
  });
});

describe('changing plans', () => {
  it('should refuse a change without the CSRF token of this session, or from another site', async () => {
    const server = await setUpServer(w, { humans: 11 });
    const web = new WebClient(w.bouncer);
    const csrf = await web.login(server.identity);
    const otherSession = await new WebClient(w.bouncer).login(server.identity);
    expect(otherSession).not.toBe(csrf);
    const change = { target: server.realm.uuid, plan_type: '102' };

    for (const [form, headers] of [
      [change, {}],
      [{ ...change, csrf_token: '' }, {}],
      [{ ...change, csrf_token: csrf.slice(0, -1) + (csrf.endsWith('A') ? 'B' : 'A') }, {}],
      [{ ...change, csrf_token: otherSession }, {}],
      [{ ...change, csrf_token: csrf }, { origin: 'https://evil.example' }],
      [{ ...change, csrf_token: csrf }, { 'sec-fetch-site': 'cross-site' }],
      [{ ...change, csrf_token: csrf }, { origin: 'null' }],
    ] as const) {
      const res = await web.post(PLANS, form, headers);
      expect(res.status).toBe(403);
      expect(res.text).toContain(CSRF_FAILED);
      expect(realmPlanType(server)).toBe(100);
    }
    // The same change with the token goes through.
    expect((await web.post(PLANS, { ...change, csrf_token: csrf })).status).toBe(303);
    expect(realmPlanType(server)).toBe(102);
  });

  it('should move a realm to Community and back: stored, audited, and followed by push/notify and analytics', async () => {
    const server = await setUpServer(w, { humans: 11 });
    const hamlet = newUser();
    const phone = await addFcmPhone(w, server, hamlet);
    expect(await push(server, hamlet, phone)).toMatchObject({ status: 400, code: 'PUSH_NOTIFICATIONS_DISALLOWED', reached: 0 });
    expect(await analyticsCanPush(server)).toBe(false);

    const web = new WebClient(w.bouncer);
    const csrf = await web.login(server.identity);
    const res = await web.post(PLANS, { csrf_token: csrf, target: server.realm.uuid, plan_type: '102' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(PLANS);
    const page = await web.get(PLANS);
    expect(page.text).toContain('<div class="notice" role="status" id="notice">Zulip Dev is on Community (sponsored).</div>');
    expect(realmRowText(page.text, server.realm.uuid)).toBe(`Zulip Dev ${server.realm.host} 11 Community (sponsored) Enabled Community plan Change plan`);
    // The notice shows once.
    expect((await web.get(PLANS)).text).not.toContain('id="notice"');

    expect(realmPlanType(server)).toBe(102);
    expect(
      w.bouncer.query<{ event_type: number; extra_data: string }>(
        `SELECT a.event_type, a.extra_data FROM remote_realm_audit_log a JOIN remote_realm r ON r.id = a.remote_realm_id
         WHERE r.uuid = ? AND a.event_type = 10204`,
        server.realm.uuid,
      ),
    ).toEqual([{ event_type: 10204, extra_data: JSON.stringify({ old_value: 100, new_value: 102 }) }]);

    expect(await push(server, hamlet, phone)).toEqual({ status: 200, code: undefined, realm: { can_push: true, expected_end_timestamp: null }, reached: 1 });
    expect(await analyticsCanPush(server)).toBe(true);

    await web.post(PLANS, { csrf_token: csrf, target: server.realm.uuid, plan_type: '100' });
    expect(realmPlanType(server)).toBe(100);
    expect(await push(server, hamlet, phone)).toMatchObject({ status: 400, code: 'PUSH_NOTIFICATIONS_DISALLOWED', reached: 0 });
    expect(await analyticsCanPush(server)).toBe(false);
  });

  it("should move the server to Community: its own pushes (no realm) and its realms' follow", async () => {
    const server = await setUpServer(w, { humans: 11 });
    const hamlet = newUser();
    const phone = await addFcmPhone(w, server, hamlet);
    expect(await push(server, hamlet, phone, { withRealm: false })).toMatchObject({ status: 400, reached: 0 });

    const web = new WebClient(w.bouncer);
    const csrf = await web.login(server.identity);
    expect((await web.post(PLANS, { csrf_token: csrf, target: 'server', plan_type: '102' })).status).toBe(303);
    expect(serverPlanType(server)).toBe(102);
    const auditRows = await call(w.bouncer, 'GET', `/__admin/servers/${server.identity.uuid}`);
    expect((auditRows.body.auditLogs as { eventType: number; extraData: unknown }[]).filter((a) => a.eventType === 10204)).toEqual([
      expect.objectContaining({ eventType: 10204, extraData: { old_value: 100, new_value: 102 } }),
    ]);

    const page = await web.get(PLANS);
    expect(page.text).toContain('<dd id="server-plan">Community (sponsored)</dd>');
    expect(realmRowText(page.text, server.realm.uuid)).toContain('Self-managed (no plan) Enabled Community plan');
    expect(await push(server, hamlet, phone, { withRealm: false })).toMatchObject({ status: 200, reached: 1 });
    expect(await push(server, hamlet, phone)).toMatchObject({ status: 200, realm: { can_push: true, expected_end_timestamp: null }, reached: 1 });
    expect(await analyticsCanPush(server)).toBe(true);
  });

  it("should refuse other servers' realms and plan types other than no plan / Community", async () => {
    const server = await setUpServer(w, { humans: 11 });
    const other = await setUpServer(w, { humans: 11 });
    const web = new WebClient(w.bouncer);
    const csrf = await web.login(server.identity);

    const foreign = await web.post(PLANS, { csrf_token: csrf, target: other.realm.uuid, plan_type: '102' });
    expect(foreign.status).toBe(404);
    expect(foreign.text).toContain('No such organization on this server.');
    expect(realmPlanType(other)).toBe(100);
    expect((await web.post(PLANS, { csrf_token: csrf, target: 'nonsense', plan_type: '102' })).status).toBe(404);

    for (const planType of ['104', '1', '', '102abc']) {
      const res = await web.post(PLANS, { csrf_token: csrf, target: server.realm.uuid, plan_type: planType });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Choose &quot;Self-managed (no plan)&quot; or &quot;Community (sponsored)&quot;.');
    }
    expect(realmPlanType(server)).toBe(100);

    // A paid plan type (set by billing) is shown, not offered for change.
    expect((await call(w.bouncer, 'POST', `/__admin/realms/${server.realm.uuid}/plan-type`, { json: { plan_type: 104 } })).status).toBe(200);
    const page = await web.get(PLANS);
    // (A plan type alone is not a customer plan: gating still counts the users.)
    expect(realmRowText(page.text, server.realm.uuid)).toBe(`Zulip Dev ${server.realm.host} 11 Business Disabled ${MANY_USERS} Managed by billing`);
    const refused = await web.post(PLANS, { csrf_token: csrfTokenOf(page.text), target: server.realm.uuid, plan_type: '100' });
    expect(refused.status).toBe(400);
    expect(realmPlanType(server)).toBe(104);
  });
});
