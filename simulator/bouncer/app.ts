/**
 * The bouncer's HTTP surface: Zulip's transport conventions (§1) around the route table.
 * Bodies are taken raw; each route reads them as a form or as one JSON document, as Zulip's
 * views do. Every response is Zulip's envelope, including 404, 405, oversized bodies and
 * internal errors; every request gets Zulip's access-log line.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { JsonableError, isJsonableError, jsonSuccess, zulipClientErrorHandler } from '../core/errors';
import { formParams, installEnvelopeHandlers, queryParams, sendError } from '../core/zulip-http';
import type { BouncerContext } from './context';
import { accessLogLine, clientName, errorResponseLogLine } from './http/access-log';
import { authenticateRemoteServer, rateLimitHeaders } from './http/auth';
import { RequestParams } from './http/params';
import { IGNORED_PARAMETERS_KEY, type BouncerRequest, type Handler, type RouteDef } from './http/route';
import { routes } from './routes';

export const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

interface RequestState {
  started: number;
  logExtra?: string;
  requestor: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    zulip?: RequestState;
  }
}

export function buildApp(ctx: BouncerContext, extraRoutes: RouteDef[] = []): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: false,
    // Requests refused by Node's parser (URL or headers over 16 KiB…) get the envelope too.
    clientErrorHandler: zulipClientErrorHandler,
  });

  // Raw bodies for every content type; routes decide how to read them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req) => {
    req.zulip = { started: performance.now(), requestor: 'unauth' };
  });

  app.addHook('onSend', async (req, reply, payload) => {
    recordResponse(ctx, req, reply.statusCode, payload);
    const state = req.zulip;
    if (!state || !req.url.startsWith('/api/')) return payload;
    const status = reply.statusCode;
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload ?? ''));
    const line = accessLogLine({
      ip: req.ip,
      method: req.method,
      status,
      seconds: (performance.now() - state.started) / 1000,
      path: req.url.split('?')[0]!,
      extra: state.logExtra,
      requestor: state.requestor,
      client: clientName(req.headers['user-agent']),
    });
    const requests = ctx.loggers.requests;
    requests.info(line);
    const errorLine = errorResponseLogLine(status, body, state.requestor);
    if (errorLine) requests.info(errorLine);
    return payload;
  });

  for (const route of [...routes, ...extraRoutes]) {
    app.all(route.path, (req, reply) => dispatch(ctx, route, req, reply));
  }

  installEnvelopeHandlers(app, ctx.loggers.root);

  return app;
}

async function dispatch(ctx: BouncerContext, route: RouteDef, req: FastifyRequest, reply: FastifyReply) {
  const state = req.zulip!;
  const handler = pickHandler(route, req.method);
  if (!handler) {
    const allowed = Object.keys(route.methods);
    if (route.auth === 'none') {
      // require_post logs this on the root logger before answering.
      ctx.loggers.root.warn(`Method Not Allowed (${req.method}): ${req.url.split('?')[0]}`);
    }
    reply.header('Allow', allowed.join(', '));
    return sendError(
      reply,
      new JsonableError('Method Not Allowed', { status: 405 }),
      // json_method_not_allowed: no `code` field, but the list of allowed methods.
      { result: 'error', msg: 'Method Not Allowed', allowed_methods: allowed },
    );
  }

  const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const bouncerReq: BouncerRequest = {
    method: req.method,
    path: req.url.split('?')[0]!,
    headers: req.headers,
    params: new RequestParams(formParams(req.headers['content-type'], rawBody), queryParams(req.url)),
    body: rawBody,
    setLogExtra: (extra) => {
      state.logExtra = extra;
    },
  };

  try {
    if (route.auth === 'remote-server') {
      const { server, rateLimit } = authenticateRemoteServer(ctx, req.headers.authorization, req.headers.host);
      state.requestor = `zulip-server:${server.uuid}`;
      bouncerReq.server = server;
      if (rateLimit) reply.headers(rateLimitHeaders(rateLimit, ctx.now()));
    }
    const data = await (handler as Handler)(bouncerReq, ctx);
    const ignored = bouncerReq.params.ignored();
    const body = jsonSuccess(data);
    if (ignored.length > 0) body[IGNORED_PARAMETERS_KEY] = ignored;
    return reply.code(200).type('application/json').send(JSON.stringify(body));
  } catch (e) {
    if (isJsonableError(e) && e.logExtra) state.logExtra = e.logExtra;
    throw e;
  }
}

/** Hands the response body to the `bouncer.responses` sink: every path, success and error. */
function recordResponse(ctx: BouncerContext, req: FastifyRequest, status: number, payload: unknown): void {
  if (!ctx.recordResponse) return;
  const body =
    typeof payload === 'string'
      ? payload
      : Buffer.isBuffer(payload)
        ? payload.toString('utf8')
        : payload === null || payload === undefined
          ? ''
          : null;
  ctx.recordResponse({ status, path: req.url.split('?')[0]!, body });
}

function pickHandler(route: RouteDef, method: string): Handler | undefined {
  const methods = route.methods as Record<string, Handler | undefined>;
  if ('any' in methods && methods.any) return methods.any;
  return methods[method];
}
