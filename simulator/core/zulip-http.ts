/**
 * The transport pieces the two Zulip-style fastify apps share (the bouncer and the fake Zulip
 * server): Django's parameter sources, the error envelope on every refusal (404, transport-level
 * 4xx, internal errors), and the envelope writer.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { JsonableError, isJsonableError } from './errors';
import type { Logger } from './logging';

/** Sends `err` in Zulip's envelope (or `body`, for the few answers shaped otherwise). */
export function sendError(reply: FastifyReply, err: JsonableError, body: Record<string, unknown> = err.toJSON()) {
  reply.headers(err.headers);
  return reply.code(err.status).type('application/json').send(JSON.stringify(body));
}

/** Django fills request.POST only from form-encoded bodies; anything else leaves it empty. */
export function formParams(contentType: string | undefined, body: Buffer): URLSearchParams {
  if (!contentType || !/^application\/x-www-form-urlencoded\b/i.test(contentType)) return new URLSearchParams();
  return new URLSearchParams(new TextDecoder('utf-8').decode(body));
}

export function queryParams(url: string): URLSearchParams {
  const i = url.indexOf('?');
  return new URLSearchParams(i === -1 ? '' : url.slice(i + 1));
}

/**
 * Unknown paths, transport-level refusals (body too large, bad content-length) and bugs all
 * answer in the envelope; a bug is logged by class and stack, never with the request.
 */
export function installEnvelopeHandlers(app: FastifyInstance, logger: Logger): void {
  app.setNotFoundHandler((_req, reply) => {
    // Zulip answers unknown API paths with its JSON envelope (inferred: BAD_REQUEST code).
    sendError(reply, new JsonableError('Endpoint not found', { status: 404 }));
  });
  app.setErrorHandler((error, _req, reply) => {
    if (isJsonableError(error)) return sendError(reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      const msg = status === 413 ? 'Request body too large' : 'Malformed request';
      return sendError(reply, new JsonableError(msg, { status }));
    }
    const e = error instanceof Error ? error : new Error(String(error));
    logger.error({ err: { type: e.name, message: e.message, stack: e.stack } }, 'Internal server error');
    return sendError(reply, new JsonableError('Internal server error', { status: 500 }));
  });
}
