/** can_push in server/analytics responses (§8; §15 case 19, test_realm_properties_after_send_analytics). */
import { PLAN_STATUS, PLAN_TYPE } from '../constants';
import { PLAN_TIER } from '../store/plans';
import { openWriter, realmFixture, upload, uploadRealms, type DbWriter, type Roles } from './analytics-fixtures';
import { logMessages, registerServer, startTestBouncer, type ServerIdentity, type TestBouncer } from './support';

let bouncer: TestBouncer;
let db: DbWriter;
beforeAll(async () => {
  bouncer = await startTestBouncer();
  db = openWriter(bouncer);
});
afterAll(async () => {
  db.close();
  await bouncer.stop();
});

const TEN: Roles = { owners: 1, admins: 1, moderators: 0, members: 6, guests: 2 };
const ELEVEN: Roles = { ...TEN, members: 7 };
const NO_PLAN_MANY =
  'Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/';

let auditId = 0;
/** One realm with the given role counts; returns the realm's can_push entry and the log tag. */
async function pushStatusFor(s: ServerIdentity, realm: ReturnType<typeof realmFixture>, roles: Roles) {
  auditId += 1;
  const res = await uploadRealms(bouncer, s, [{ realm, roles, auditId }]);
  expect(res.status).toBe(200);
  const tag = logMessages(bouncer, 'zulip.requests')
    .filter((m) => m.includes(`zulip-server:${s.uuid}`))
    .at(-1)!;
  return { realm: (res.body.realms as Record<string, unknown>)[realm.uuid], tag };
}

const realmRow = (uuid: string) => db.realms.byUuid(uuid)!;
const serverRow = (s: ServerIdentity) => db.servers.byUuid(s.uuid)!;

describe('can_push per realm in server/analytics', () => {
  it('should allow 10 humans without a plan and refuse 11, guests included', async () => {
    const s = await registerServer(bouncer);
    const realm = realmFixture();
    const ten = await pushStatusFor(s, realm, TEN);
    expect(ten.realm).toEqual({ can_push: true, expected_end_timestamp: null });
    expect(ten.tag).toContain('/api/v1/remotes/server/analytics [can_push=True/No plan few users] (');

    const eleven = await pushStatusFor(s, realm, ELEVEN);
    expect(eleven.realm).toEqual({ can_push: false, expected_end_timestamp: null });
    expect(eleven.tag).toContain(`[can_push=False/${NO_PLAN_MANY}]`);

    // Two more guests instead of a member: guests count fully.
    const guests = await pushStatusFor(s, realm, { members: 9, guests: 2 });
    expect(guests.realm).toEqual({ can_push: false, expected_end_timestamp: null });
  });

  it('should allow a COMMUNITY realm without counting its users', async () => {
    const s = await registerServer(bouncer);
    const realm = realmFixture();
    await pushStatusFor(s, realm, ELEVEN);
    db.realms.setPlanType(realmRow(realm.uuid).id, PLAN_TYPE.COMMUNITY, 0);
    const res = await pushStatusFor(s, realm, { members: 500 });
    expect(res.realm).toEqual({ can_push: true, expected_end_timestamp: null });
    expect(res.tag).toContain('[can_push=True/Community plan]');
  });

  it('should allow every realm of a COMMUNITY server', async () => {
    const s = await registerServer(bouncer);
    db.servers.setPlanType(serverRow(s).id, PLAN_TYPE.COMMUNITY, 0);
    const res = await pushStatusFor(s, realmFixture(), ELEVEN);
    expect(res.realm).toEqual({ can_push: true, expected_end_timestamp: null });
    expect(res.tag).toContain('[can_push=True/Community plan]');
  });

  it('should allow an active plan whatever the user count, the realm plan first, then the server plan', async () => {
    const s = await registerServer(bouncer);
    const realm = realmFixture();
    await pushStatusFor(s, realm, ELEVEN);

    const realmPlan = db.plans.create(
      { remoteRealmId: realmRow(realm.uuid).id },
      { tier: PLAN_TIER.SELF_HOSTED_BUSINESS, status: PLAN_STATUS.ACTIVE },
      0,
    );
    const active = await pushStatusFor(s, realm, ELEVEN);
    expect(active.realm).toEqual({ can_push: true, expected_end_timestamp: null });
    expect(active.tag).toContain('[can_push=True/Active plan]');

    // The realm's plan ends; the server's active plan takes over.
    db.plans.end(realmPlan.id);
    expect((await pushStatusFor(s, realm, ELEVEN)).realm).toEqual({ can_push: false, expected_end_timestamp: null });
    db.plans.create({ serverId: serverRow(s).id }, { tier: PLAN_TIER.SELF_HOSTED_BASIC, status: PLAN_STATUS.FREE_TRIAL }, 0);
    expect((await pushStatusFor(s, realm, ELEVEN)).tag).toContain('[can_push=True/Active plan]');
  });

  it('should announce the end of an expiring plan only with more than 10 users', async () => {
    const s = await registerServer(bouncer);
    const realm = realmFixture();
    await pushStatusFor(s, realm, TEN);
    const endsAt = Date.UTC(2026, 1, 3) / 1000 + 0.75;
    db.plans.create(
      { remoteRealmId: realmRow(realm.uuid).id },
      { tier: PLAN_TIER.SELF_HOSTED_BUSINESS, status: PLAN_STATUS.DOWNGRADE_AT_END_OF_CYCLE, nextInvoiceDate: endsAt },
      0,
    );

    const few = await pushStatusFor(s, realm, TEN);
    expect(few.realm).toEqual({ can_push: true, expected_end_timestamp: null });
    expect(few.tag).toContain('[can_push=True/Expiring plan few users]');

    const many = await pushStatusFor(s, realm, ELEVEN);
    expect(many.realm).toEqual({ can_push: true, expected_end_timestamp: Math.floor(endsAt) });
    expect(many.tag).toContain('[can_push=True/Scheduled end]');
  });

  it('should refuse with Missing data once the audit upload is older than 2 days, until the next one', async () => {
    const s = await registerServer(bouncer);
    const realm = realmFixture();
    expect((await pushStatusFor(s, realm, TEN)).realm).toEqual({ can_push: true, expected_end_timestamp: null });

    bouncer.clock.advance(2 * 86_400 * 1000 + 1000);
    // An upload without realmauditlog_rows does not refresh last_audit_log_update.
    const stale = await upload(bouncer, s, { realms: [realm] });
    expect(stale.body.realms).toEqual({ [realm.uuid]: { can_push: false, expected_end_timestamp: null } });
    const tag = logMessages(bouncer, 'zulip.requests').filter((m) => m.includes(`zulip-server:${s.uuid}`)).at(-1);
    expect(tag).toContain('[can_push=False/Missing data]');

    // An expiring plan with unknown users announces its end.
    const endsAt = bouncer.clock.now() / 1000 + 86_400;
    db.plans.create(
      { remoteRealmId: realmRow(realm.uuid).id },
      { tier: PLAN_TIER.SELF_HOSTED_BASIC, status: PLAN_STATUS.DOWNGRADE_AT_END_OF_FREE_TRIAL, nextInvoiceDate: endsAt },
      0,
    );
    const expiring = await upload(bouncer, s, { realms: [realm] });
    expect(expiring.body.realms).toEqual({ [realm.uuid]: { can_push: true, expected_end_timestamp: Math.floor(endsAt) } });

    const fresh = await pushStatusFor(s, realm, TEN);
    expect(fresh.realm).toEqual({ can_push: true, expected_end_timestamp: null });
  });
});
