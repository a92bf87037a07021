/**
 * The fake server's HTTPS surface: the parts of Zulip's REST API that touch push notifications,
 * with Zulip's transport rules (form parameters read typed_endpoint style, the JSON envelope on
 * every answer, 404/405 in the envelope, never a 500 for client input) and Zulip's access-log
 * line. Paths that carry bearer secrets (the transfer-verification access token) are logged
 * with the secret replaced.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { RequestParams } from '../../bouncer/http/params';
import { accessLogLine, clientName, errorResponseLogLine } from '../../bouncer/http/access-log';
import { JsonableError, jsonSuccess, zulipClientErrorHandler } from '../../core/errors';
import { REDACTED } from '../../core/logging';
import { formParams, installEnvelopeHandlers, queryParams, sendError } from '../../core/zulip-http';
import type { ZulipServerContext } from '../context';
import { authenticateUser, requireHuman } from './auth';
import type { Handler, RouteDef, ZulipRequest } from './route';
import { routes } from './routes';

export const BODY_LIMIT_BYTES = 25 * 1024 * 1024;
export const IGNORED_PARAMETERS_KEY = 'ignored_parameters_unsupported';

/** Path segments that are secrets: logged as [REDACTED]. */
const SECRET_PATHS = [/^(\/api\/v1\/zulip-services\/verify\/)[^/]+/];
export const loggablePath = (path: string): string => SECRET_PATHS.reduce((p, re) => p.replace(re, `$1${REDACTED}`), path);

interface RequestState {
  started: number;
  requestor: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    zulipServer?: RequestState;
  }
}

export interface ZulipAppOptions {
  /** Serve HTTPS with this certificate (a real server always does); default plain HTTP. */
  https?: { key: string; cert: string };
  extraRoutes?: RouteDef[];
}

export function buildZulipApp(ctx: ZulipServerContext, opts: ZulipAppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: false,
    // Requests refused by Node's parser (URL or headers over 16 KiB…) get the envelope too.
    clientErrorHandler: zulipClientErrorHandler,
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const requests = ctx.logger.child({ logger: 'zulip.requests' });

  app.addHook('onRequest', async (req) => {
    req.zulipServer = { started: performance.now(), requestor: 'unauth' };
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const state = req.zulipServer;
    if (!state || !req.url.startsWith('/api/')) return payload;
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload ?? ''));
    requests.info(
      accessLogLine({
        ip: req.ip,
        method: req.method,
        status: reply.statusCode,
        seconds: (performance.now() - state.started) / 1000,
        path: loggablePath(req.url.split('?')[0]!),
        requestor: state.requestor,
        client: clientName(req.headers['user-agent']),
      }),
    );
    const errorLine = errorResponseLogLine(reply.statusCode, body, state.requestor);
    if (errorLine) requests.info(errorLine);
    return payload;
  });

  for (const route of [...routes, ...(opts.extraRoutes ?? [])]) {
    app.all(route.path, (req, reply) => dispatch(ctx, route, req, reply));
  }

  installEnvelopeHandlers(app, ctx.logger);
  return app;
}

async function dispatch(ctx: ZulipServerContext, route: RouteDef, req: FastifyRequest, reply: FastifyReply) {
  const handler = (route.methods as Record<string, Handler | undefined>)[req.method];
  if (!handler) {
    const allowed = Object.keys(route.methods);
    reply.header('Allow', allowed.join(', '));
    return sendError(reply, new JsonableError('Method Not Allowed', { status: 405 }), {
      result: 'error',
      msg: 'Method Not Allowed',
      allowed_methods: allowed,
    });
  }
  const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const zreq: ZulipRequest = {
    method: req.method,
    path: req.url.split('?')[0]!,
    headers: req.headers,
    // Django parses form bodies for every method Zulip routes (DELETE/PATCH included, via
    // zerver.lib.request's process_request body handling).
    params: new RequestParams(formParams(req.headers['content-type'], rawBody), queryParams(req.url)),
    pathParams: (req.params ?? {}) as Record<string, string>,
    body: rawBody,
    ip: req.socket.remoteAddress ?? req.ip,
  };
  if (route.auth !== 'none') {
    const user = authenticateUser(ctx.state, req.headers.authorization);
    req.zulipServer!.requestor = user.email;
    if (route.auth === 'human') requireHuman(user);
    zreq.user = user;
  }
  const data = await handler(zreq, ctx);
  const body = jsonSuccess(data);
  const ignored = zreq.params.ignored();
  if (ignored.length > 0) body[IGNORED_PARAMETERS_KEY] = ignored;
  return reply.code(200).type('application/json').send(JSON.stringify(body));
}
