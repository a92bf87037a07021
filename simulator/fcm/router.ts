/**
 * One request handler for both ports (TLS h2 + http/1.1, and plain HTTP): `/__admin` goes to the
 * admin surface; `POST /token` and `POST /v1/projects/<p>/messages:send` to their routes;
 * anything else gets Google's 404. Every non-admin request is journaled (authorization
 * redacted) and logged on one INFO line, whatever its outcome.
 */
import { REDACTED } from '../core/logging';
import { handleAdmin, readBody, type AdminTarget, type AnyRequest, type AnyResponse } from '../core/provider-mock/admin';
import type { FcmContext } from './context';
import { fcmError } from './errors';
import { JSON_HEADERS, notFound, type Outcome, type RawRequest } from './outcome';
import { SEND_PATH, sendRoute } from './send';
import type { Transport } from './server';
import { tokenRoute } from './token-route';

/** FCM's request limit is far above any valid message; this only bounds memory. */
const BODY_LIMIT = 1024 * 1024;

export function createHandler(ctx: FcmContext, admin: AdminTarget, transport: Transport) {
  return (req: AnyRequest, res: AnyResponse): void => {
    handle(ctx, admin, transport, req, res).catch((e: unknown) => {
      ctx.logger.error({ err: (e as Error).message, path: req.url }, 'fcm: request failed');
      if (!res.headersSent) writeReply(res, 500, JSON_HEADERS, JSON.stringify(fcmError('INTERNAL').toJSON()));
      else res.destroy();
    });
  };
}

async function handle(ctx: FcmContext, admin: AdminTarget, transport: Transport, req: AnyRequest, res: AnyResponse): Promise<void> {
  if (await handleAdmin(req, res, admin)) return;
  const raw = await readRequest(req);
  const outcome = await route(ctx, raw);
  if (outcome.kind === 'reply') writeReply(res, outcome.status, outcome.headers, outcome.body);
  else transport.drop(req, res, outcome.action);
  record(ctx, raw, outcome);
}

function route(ctx: FcmContext, raw: RawRequest): Outcome | Promise<Outcome> {
  if (raw.method === 'POST' && raw.path === '/token') return tokenRoute(ctx, raw);
  const send = raw.method === 'POST' ? SEND_PATH.exec(raw.path) : null;
  if (send) return sendRoute(ctx, send[1]!, raw);
  return notFound(raw);
}

async function readRequest(req: AnyRequest): Promise<RawRequest> {
  const body = (await readBody(req, BODY_LIMIT)).toString('utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const url = new URL(req.url ?? '/', 'http://fcm');
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    /* keep the raw path: it will not match a route */
  }
  return { method: req.method ?? 'GET', path, httpVersion: req.httpVersion, headers, body };
}

function writeReply(res: AnyResponse, status: number, headers: Record<string, string>, body: string): void {
  try {
    (res as import('node:http').ServerResponse).writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch {
    // The client went away (e.g. during fault latency): there is no one to answer.
  }
}

function record(ctx: FcmContext, raw: RawRequest, o: Outcome): void {
  const status = o.kind === 'reply' ? o.status : 0;
  const responseBody = o.kind === 'reply' ? (o.journalResponseBody ?? o.body) : '';
  ctx.journal.record({
    provider: 'fcm',
    device: o.device,
    scope: o.scope,
    id: o.id,
    request: {
      method: raw.method,
      path: raw.path,
      httpVersion: raw.httpVersion,
      headers: redactHeaders(raw.headers),
      body: o.journalBody ?? raw.body,
    },
    outcome: {
      accepted: o.accepted,
      status,
      reason: o.reason,
      responseBody,
      ...(o.faultRuleId !== undefined && { faultRuleId: o.faultRuleId }),
      ...(o.addedLatencyMs !== undefined && { addedLatencyMs: o.addedLatencyMs }),
    },
    ...(o.notification !== undefined && { notification: o.notification }),
    meta: o.kind === 'drop' ? { ...o.meta, fault: o.action } : o.meta,
  });
  ctx.logger.info(o.log.fields, o.log.msg);
}

/** `authorization: Bearer ya29…` → `Bearer [REDACTED]`: the scheme stays visible, the secret never. */
function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  if (out.authorization !== undefined) {
    const scheme = /^(\S+)\s/.exec(out.authorization)?.[1];
    out.authorization = scheme ? `${scheme} ${REDACTED}` : REDACTED;
  }
  return out;
}
