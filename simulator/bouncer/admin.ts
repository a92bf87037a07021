/**
 * The bouncer's admin surface (`/__admin/...`): what the harness needs to drive a bouncer it
 * does not share memory with (process and container runtimes). Not part of Zulip's protocol.
 * Secrets (api keys) are never returned.
 */
import type { FastifyInstance } from 'fastify';
import { VirtualClock } from '../core/clock';
import { parseAdminBody as parseJson } from './admin-body';
import { registerPlanAdminRoutes } from './admin-plans';
import { registerE2eeAdminRoutes } from './e2ee/admin';
import type { BouncerContext } from './context';
import { OfflineDnsTable, type DnsRecords } from './validation/dns';

export function registerAdminRoutes(app: FastifyInstance, ctx: BouncerContext): void {
  const notFound = (what: string) => ({ error: `${what} not found` });

  app.get('/__admin/health', async () => ({ status: 'ok', component: 'bouncer' }));

  app.get('/__admin/clock', async () => ({ kind: ctx.clock.kind, now: ctx.clock.now() }));
  app.post('/__admin/clock', async (req, reply) => {
    if (!(ctx.clock instanceof VirtualClock)) {
      return reply.code(409).send({ error: 'this bouncer runs on a real clock' });
    }
    const body = parseJson(req.body) as { advanceMs?: number; setMs?: number };
    try {
      if (typeof body.advanceMs === 'number') ctx.clock.advance(body.advanceMs);
      else if (typeof body.setMs === 'number') ctx.clock.set(body.setMs);
      else return reply.code(400).send({ error: 'send {"advanceMs": n} or {"setMs": epochMs}' });
    } catch (e) {
      return reply.code(400).send({ error: (e as Error).message });
    }
    return { kind: ctx.clock.kind, now: ctx.clock.now() };
  });

  app.get('/__admin/dns', async (_req, reply) => {
    if (!(ctx.dns instanceof OfflineDnsTable)) return reply.code(409).send({ error: 'custom DNS resolver' });
    return ctx.dns.entries();
  });
  app.put<{ Params: { domain: string } }>('/__admin/dns/:domain', async (req, reply) => {
    if (!(ctx.dns instanceof OfflineDnsTable)) return reply.code(409).send({ error: 'custom DNS resolver' });
    ctx.dns.set(req.params.domain, parseJson(req.body) as DnsRecords);
    return { domain: req.params.domain.toLowerCase() };
  });
  app.delete<{ Params: { domain: string } }>('/__admin/dns/:domain', async (req, reply) => {
    if (!(ctx.dns instanceof OfflineDnsTable)) return reply.code(409).send({ error: 'custom DNS resolver' });
    ctx.dns.delete(req.params.domain);
    return { domain: req.params.domain.toLowerCase() };
  });

  app.get('/__admin/servers', async () => ({
    servers: ctx.servers.all().map(({ apiKey: _secret, ...rest }) => rest),
  }));
  app.get<{ Params: { uuid: string } }>('/__admin/servers/:uuid', async (req, reply) => {
    const server = ctx.servers.byUuid(req.params.uuid);
    if (!server) return reply.code(404).send(notFound('server'));
    const { apiKey: _secret, ...rest } = server;
    return { server: rest, auditLogs: ctx.servers.auditLogs(server.id) };
  });
  app.post<{ Params: { uuid: string } }>('/__admin/servers/:uuid/plan-type', async (req, reply) => {
    const server = ctx.servers.byUuid(req.params.uuid);
    if (!server) return reply.code(404).send(notFound('server'));
    const { plan_type } = parseJson(req.body) as { plan_type?: number };
    if (typeof plan_type !== 'number') return reply.code(400).send({ error: 'send {"plan_type": n}' });
    ctx.servers.setPlanType(server.id, plan_type, ctx.now());
    return { plan_type };
  });

  registerPlanAdminRoutes(app, ctx);
  registerE2eeAdminRoutes(app, ctx);

  app.post('/__admin/rate-limits/reset', async () => {
    ctx.rateLimiter.reset();
    ctx.transferLimiter.reset();
    return { reset: true };
  });
}
