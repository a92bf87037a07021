/**
 * Admin routes for plan gating (`/__admin/...`), for harnesses that cannot reach the bouncer's
 * memory: a server's realms, a realm's plan_type, and customer plans of servers and realms.
 * Not part of Zulip's protocol. uuid_owner_secret is never returned.
 *
 *   GET  /__admin/servers/:uuid/realms           → { realms, plans } (plans of the server)
 *   POST /__admin/realms/:uuid/plan-type         {"plan_type": n}
 *   GET  /__admin/realms/:uuid/plans             → { plans }
 *   POST /__admin/servers/:uuid/plans            {"tier", "status", "next_invoice_date"?} → { plan }
 *   POST /__admin/realms/:uuid/plans             (same body) → { plan }
 *   POST /__admin/plans/:id/status               {"status": n} → { plan }
 *   POST /__admin/plans/:id/end                  → { plan } (status ENDED)
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseAdminBody as parseJson } from './admin-body';
import type { BouncerContext } from './context';
import type { NewPlan, PlanOwner } from './store/plans';
import type { RemoteRealm } from './store/realms';

const publicRealm = ({ uuidOwnerSecret: _secret, ...rest }: RemoteRealm) => rest;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function newPlan(body: Record<string, unknown>): NewPlan | null {
  const { tier, status, next_invoice_date } = body;
  if (!isInt(tier) || !isInt(status)) return null;
  if (next_invoice_date !== undefined && next_invoice_date !== null && typeof next_invoice_date !== 'number') return null;
  return { tier, status, nextInvoiceDate: (next_invoice_date as number | null | undefined) ?? null };
}

export function registerPlanAdminRoutes(app: FastifyInstance, ctx: BouncerContext): void {
  const notFound = (reply: FastifyReply, what: string) => reply.code(404).send({ error: `${what} not found` });
  const badBody = (reply: FastifyReply, hint: string) => reply.code(400).send({ error: hint });
  const PLAN_HINT = 'send {"tier": n, "status": n, "next_invoice_date": unix seconds or null}';

  app.get<{ Params: { uuid: string } }>('/__admin/servers/:uuid/realms', async (req, reply) => {
    const server = ctx.servers.byUuid(req.params.uuid);
    if (!server) return notFound(reply, 'server');
    return { realms: ctx.realms.forServer(server.id).map(publicRealm), plans: ctx.plans.forServer(server.id) };
  });

  app.post<{ Params: { uuid: string } }>('/__admin/realms/:uuid/plan-type', async (req, reply) => {
    const realm = ctx.realms.byUuid(req.params.uuid);
    if (!realm) return notFound(reply, 'realm');
    const { plan_type } = parseJson(req.body);
    if (!isInt(plan_type)) return badBody(reply, 'send {"plan_type": n}');
    ctx.realms.setPlanType(realm.id, plan_type, ctx.now());
    return { plan_type };
  });

  app.get<{ Params: { uuid: string } }>('/__admin/realms/:uuid/plans', async (req, reply) => {
    const realm = ctx.realms.byUuid(req.params.uuid);
    if (!realm) return notFound(reply, 'realm');
    return { plans: ctx.plans.forRealm(realm.id) };
  });

  const addPlan = (owner: PlanOwner, body: unknown, reply: FastifyReply) => {
    const plan = newPlan(parseJson(body));
    if (!plan) return badBody(reply, PLAN_HINT);
    return { plan: ctx.plans.create(owner, plan, ctx.now()) };
  };

  app.post<{ Params: { uuid: string } }>('/__admin/servers/:uuid/plans', async (req, reply) => {
    const server = ctx.servers.byUuid(req.params.uuid);
    if (!server) return notFound(reply, 'server');
    return addPlan({ serverId: server.id }, req.body, reply);
  });

  app.post<{ Params: { uuid: string } }>('/__admin/realms/:uuid/plans', async (req, reply) => {
    const realm = ctx.realms.byUuid(req.params.uuid);
    if (!realm) return notFound(reply, 'realm');
    return addPlan({ remoteRealmId: realm.id }, req.body, reply);
  });

  app.post<{ Params: { id: string } }>('/__admin/plans/:id/status', async (req, reply) => {
    const plan = ctx.plans.byId(Number(req.params.id));
    if (!plan) return notFound(reply, 'plan');
    const { status } = parseJson(req.body);
    if (!isInt(status)) return badBody(reply, 'send {"status": n}');
    ctx.plans.setStatus(plan.id, status);
    return { plan: ctx.plans.byId(plan.id) };
  });

  app.post<{ Params: { id: string } }>('/__admin/plans/:id/end', async (req, reply) => {
    const plan = ctx.plans.byId(Number(req.params.id));
    if (!plan) return notFound(reply, 'plan');
    ctx.plans.end(plan.id);
    return { plan: ctx.plans.byId(plan.id) };
  });
}
