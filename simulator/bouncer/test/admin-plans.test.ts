/** The plan admin routes, on their own Fastify instance over an in-memory database. */
import Fastify, { type FastifyInstance } from 'fastify';
import { registerPlanAdminRoutes } from '../admin-plans';
import { PLAN_STATUS, PLAN_TYPE } from '../constants';
import type { BouncerContext } from '../context';
import { AnalyticsStore } from '../store/analytics';
import { openDatabase, type Db } from '../store/db';
import { PLAN_TIER, PlanStore } from '../store/plans';
import { RealmStore } from '../store/realms';
import { ServerStore } from '../store/servers';

let db: Db;
let app: FastifyInstance;
let ctx: BouncerContext;
const SERVER = '6cde5f7a-1f7e-4978-9716-49f69ebfc9fe';
const REALM = '11111111-1111-4111-8111-111111111111';

beforeEach(async () => {
  db = openDatabase(':memory:');
  ctx = {
    db,
    servers: new ServerStore(db),
    realms: new RealmStore(db),
    plans: new PlanStore(db),
    counts: new AnalyticsStore(db),
    now: () => 1_767_268_800,
  } as unknown as BouncerContext;
  const server = ctx.servers.create(
    { uuid: SERVER, apiKey: 'k'.repeat(64), hostname: 'demo.example.com', contactEmail: 'a@zulip.com' },
    1,
  );
  ctx.realms.create(
    server.id,
    {
      uuid: REALM,
      uuidOwnerSecret: 'secret-value',
      realmId: 2,
      host: 'zulip.example.com',
      name: 'Zulip',
      orgType: 0,
      authenticationMethods: {},
      realmDeactivated: false,
      isSystemBotRealm: false,
      realmDateCreated: 1,
    },
    1,
  );
  app = Fastify();
  registerPlanAdminRoutes(app, ctx);
  await app.ready();
});
afterEach(async () => {
  await app.close();
  db.close();
});

describe('plan admin routes', () => {
  it("should list a server's realms without their owner secrets", async () => {
    const res = await app.inject({ method: 'GET', url: `/__admin/servers/${SERVER}/realms` });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { realms: Record<string, unknown>[]; plans: unknown[] };
    expect(body.realms.map((r) => r.uuid)).toEqual([REALM]);
    expect(res.body).not.toContain('secret-value');
    expect(body.plans).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/__admin/servers/nope/realms' })).statusCode).toBe(404);
  });

  it("should set a realm's plan_type", async () => {
    const res = await app.inject({ method: 'POST', url: `/__admin/realms/${REALM}/plan-type`, payload: { plan_type: PLAN_TYPE.COMMUNITY } });
    expect(res.json()).toEqual({ plan_type: 102 });
    expect(ctx.realms.byUuid(REALM)!.planType).toBe(102);
    const bad = await app.inject({ method: 'POST', url: `/__admin/realms/${REALM}/plan-type`, payload: { plan_type: 'x' } });
    expect(bad.statusCode).toBe(400);
  });

  it('should add, change and end plans of servers and realms', async () => {
    const added = await app.inject({
      method: 'POST',
      url: `/__admin/realms/${REALM}/plans`,
      payload: { tier: PLAN_TIER.SELF_HOSTED_BUSINESS, status: PLAN_STATUS.ACTIVE, next_invoice_date: 1_770_000_000 },
    });
    const plan = (added.json() as { plan: { id: number; remoteRealmId: number; status: number; nextInvoiceDate: number } }).plan;
    expect(plan).toMatchObject({ status: 1, nextInvoiceDate: 1_770_000_000, serverId: null });

    const status = await app.inject({ method: 'POST', url: `/__admin/plans/${plan.id}/status`, payload: { status: 2 } });
    expect((status.json() as { plan: { status: number } }).plan.status).toBe(2);
    const ended = await app.inject({ method: 'POST', url: `/__admin/plans/${plan.id}/end` });
    expect((ended.json() as { plan: { status: number } }).plan.status).toBe(PLAN_STATUS.ENDED);

    const serverPlan = await app.inject({
      method: 'POST',
      url: `/__admin/servers/${SERVER}/plans`,
      payload: { tier: PLAN_TIER.SELF_HOSTED_BASIC, status: PLAN_STATUS.FREE_TRIAL },
    });
    expect(serverPlan.statusCode).toBe(200);
    expect(ctx.plans.currentForServer(ctx.servers.byUuid(SERVER)!.id)?.tier).toBe(103);
    expect((await app.inject({ method: 'GET', url: `/__admin/realms/${REALM}/plans` })).json()).toMatchObject({
      plans: [{ id: plan.id, status: PLAN_STATUS.ENDED }],
    });
    const bad = await app.inject({ method: 'POST', url: `/__admin/servers/${SERVER}/plans`, payload: { tier: 1 } });
    expect(bad.statusCode).toBe(400);
  });
});
