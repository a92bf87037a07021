/**
 * The bouncer's plan-management site (the seed's `https://selfhosting.zulip.com/serverlogin/`):
 * server-rendered pages, outside the JSON API (`/api/…`) and its route table.
 *
 *   GET  /serverlogin/          log-in form (zulip_org_id + zulip_org_key)
 *   POST /serverlogin/          form → 303 /serverlogin/plans/ with a session cookie, or the form
 *                               again with an error (HTTP 200, as Zulip re-renders a Django form)
 *   GET  /serverlogin/plans/    the server, its realms, users, plan types and push status
 *   POST /serverlogin/plans/    csrf_token, target ("server" or a realm uuid), plan_type (100|102) → 303
 *   POST /serverlogin/logout    csrf_token → 303 /serverlogin/
 *
 * Credentials are checked as the API's Basic auth checks them (the server row, constant-time key
 * compare, deactivation). Sessions live in memory, expire on the bouncer's clock and end when the
 * server's key changes or it is deactivated. Every page carries a strict CSP (no scripts at all),
 * X-Frame-Options: DENY and Cache-Control: no-store. Access-log lines name the method, status,
 * path and server, never a body, a query string or a cookie; session ids and CSRF tokens are
 * registered with the log's redactor all the same.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { BouncerContext } from '../context';
import { DEACTIVATED_MSG } from '../errors';
import { accessLogLine, clientName } from '../http/access-log';
import { constantTimeEquals } from '../http/auth';
import { serverLabel, type RemoteServer } from '../store/servers';
import { loginPage, messagePage, plansPage } from './pages';
import { changePlanType, summarizeServer } from './plans';
import { SESSION_COOKIE, SessionStore, csrfMatches, keyDigest, readCookie, type WebSession } from './sessions';

export const WEB_PREFIX = '/serverlogin';
export const LOGIN_PATH = '/serverlogin/';
export const PLANS_PATH = '/serverlogin/plans/';
export const LOGOUT_PATH = '/serverlogin/logout';

export const INVALID_CREDENTIALS_MSG = 'Invalid zulip_org_id or zulip_org_key.';
export const SERVER_DEACTIVATED_MSG = `${DEACTIVATED_MSG}.`;
export const CSRF_FAILED_MSG = 'CSRF verification failed. Request aborted.';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own form posts.
  'Referrer-Policy': 'same-origin',
};

/** Forms here are tiny; anything bigger is refused before it is read. */
const FORM_BODY_LIMIT = 16 * 1024;
/** Longest zulip_org_id / zulip_org_key looked at (real ones are 36 and 64 characters). */
const MAX_CREDENTIAL_LENGTH = 200;
/** Compared against when the server is unknown, so both failures take the same time. */
const DUMMY_KEY = 'x'.repeat(64);
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface PageState {
  started: number;
  requestor: string;
  extra?: string;
}

export interface WebRoutes {
  sessions: SessionStore;
}

export function registerWebRoutes(app: FastifyInstance, ctx: BouncerContext): WebRoutes {
  const sessions = new SessionStore(
    () => ctx.now(),
    (secret) => ctx.log.redactor.add(secret),
  );
  const log = ctx.log.logger.child({ logger: 'corporate.views.remote_billing_page' });
  const states = new WeakMap<FastifyRequest, PageState>();
  const state = (req: FastifyRequest): PageState => {
    let s = states.get(req);
    if (!s) states.set(req, (s = { started: performance.now(), requestor: 'unauth' }));
    return s;
  };

  const formatTime = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').send(body);
  const redirect = (reply: FastifyReply, location: string) => reply.code(303).header('Location', location).send();

  const cookieAttributes = (req: FastifyRequest) => `Path=/; HttpOnly; SameSite=Strict${req.protocol === 'https' ? '; Secure' : ''}`;

  /** The request's live session and its server, or null (the stale session is dropped). */
  const currentSession = (req: FastifyRequest): { session: WebSession; server: RemoteServer } | null => {
    const session = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!session) return null;
    const server = ctx.servers.byId(session.serverId);
    if (!server || server.deactivated || !constantTimeEquals(session.keyDigest, keyDigest(server.apiKey))) {
      sessions.destroy(session.id);
      return null;
    }
    state(req).requestor = `serverlogin:${server.uuid}`;
    return { session, server };
  };

  /**
   * A POST from another site is refused whatever it carries (the cookie is SameSite=Strict too):
   * the browser's Sec-Fetch-Site when it sends one, else the Origin header. An opaque origin
   * ("null") passes only with Sec-Fetch-Site: same-origin. Clients that send neither (curl,
   * fetch in tests) are left to the CSRF token.
   */
  const crossSite = (req: FastifyRequest): boolean => {
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return true;
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    if (origin === 'null') return site !== 'same-origin';
    return origin !== `${req.protocol}://${req.headers.host ?? ''}`;
  };

  const refuseCsrf = (req: FastifyRequest, reply: FastifyReply) => {
    state(req).extra = '[csrf-refused]';
    return page(reply, 403, messagePage('Forbidden', CSRF_FAILED_MSG));
  };

  app.register(
    async (web) => {
      web.addHook('onRequest', async (req) => {
        state(req);
      });
      web.addHook('onSend', async (_req, reply, payload) => {
        reply.headers(SECURITY_HEADERS);
        return payload;
      });
      web.addHook('onResponse', async (req, reply) => {
        const s = state(req);
        ctx.loggers.requests.info(
          accessLogLine({
            ip: req.ip,
            method: req.method,
            status: reply.statusCode,
            seconds: (performance.now() - s.started) / 1000,
            path: req.url.split('?')[0]!,
            extra: s.extra,
            requestor: s.requestor,
            client: clientName(req.headers['user-agent']),
          }),
        );
      });

      web.setNotFoundHandler((_req, reply) => page(reply, 404, messagePage('Page not found', 'There is no such page.')));
      web.setErrorHandler((error, _req, reply) => {
        const status = (error as { statusCode?: number }).statusCode;
        if (status && status >= 400 && status < 500) {
          return page(reply, status, messagePage('Bad request', status === 413 ? 'The form was too large.' : 'Malformed request.'));
        }
        const e = error instanceof Error ? error : new Error(String(error));
        // The error class and stack, never the request.
        ctx.loggers.root.error({ err: { type: e.name, message: e.message, stack: e.stack } }, 'Internal server error');
        return page(reply, 500, messagePage('Server error', 'Something went wrong.'));
      });

      const opts = { bodyLimit: FORM_BODY_LIMIT };

      web.get('/', async (req, reply) => {
        if (currentSession(req)) return redirect(reply, PLANS_PATH);
        return page(reply, 200, loginPage());
      });

      web.post('/', opts, async (req, reply) => {
        if (crossSite(req)) return refuseCsrf(req, reply);
        const form = formOf(req);
        const zulipOrgId = (form.get('zulip_org_id') ?? '').trim().slice(0, MAX_CREDENTIAL_LENGTH);
        const zulipOrgKey = (form.get('zulip_org_key') ?? '').trim().slice(0, MAX_CREDENTIAL_LENGTH);
        const s = state(req);

        // The API's check (http/auth.ts): the server row by uuid, then a constant-time key compare.
        const server = zulipOrgId === '' ? undefined : ctx.servers.byUuid(zulipOrgId);
        const keyOk = constantTimeEquals(server?.apiKey ?? DUMMY_KEY, zulipOrgKey) && server !== undefined;
        if (!server || !keyOk) {
          // One message for both, so the form does not tell which uuids are registered.
          s.extra = server ? '[invalid-server-key]' : '[invalid-server]';
          // The id comes back only when it looks like one (never a key pasted into the wrong field),
          // registered or not.
          const echo = UUID_SHAPE.test(zulipOrgId) ? zulipOrgId : '';
          return page(reply, 200, loginPage({ error: INVALID_CREDENTIALS_MSG, zulipOrgId: echo }));
        }
        s.requestor = `serverlogin:${server.uuid}`;
        if (server.deactivated) {
          s.extra = '[deactivated-server]';
          return page(reply, 200, loginPage({ error: SERVER_DEACTIVATED_MSG, zulipOrgId: server.uuid }));
        }

        const session = sessions.create(server.id, server.apiKey);
        log.info(`serverlogin: ${serverLabel(server)} logged in`);
        reply.header('Set-Cookie', `${SESSION_COOKIE}=${session.id}; ${cookieAttributes(req)}`);
        return redirect(reply, PLANS_PATH);
      });

      web.get('/plans', async (_req, reply) => redirect(reply, PLANS_PATH));

      web.get('/plans/', async (req, reply) => {
        const current = currentSession(req);
        if (!current) return redirect(reply, LOGIN_PATH);
        const { session, server } = current;
        const notice = session.flash;
        session.flash = undefined;
        return page(reply, 200, plansPage(summarizeServer(ctx, server), session.csrfToken, { notice, formatTime }));
      });

      web.post('/plans/', opts, async (req, reply) => {
        const current = currentSession(req);
        if (!current) return redirect(reply, LOGIN_PATH);
        const { session, server } = current;
        const form = formOf(req);
        if (crossSite(req) || !csrfMatches(session, form.get('csrf_token'))) return refuseCsrf(req, reply);

        const target = form.get('target') ?? '';
        const outcome = changePlanType(ctx, server, target, form.get('plan_type') ?? '');
        if (!outcome.ok) {
          state(req).extra = '[plan-change-refused]';
          const fresh = ctx.servers.byId(server.id) ?? server;
          return page(
            reply,
            outcome.status,
            plansPage(summarizeServer(ctx, fresh), session.csrfToken, { error: outcome.error, formatTime }),
          );
        }
        const scope = target === 'server' ? 'server' : `realm ${target}`;
        state(req).extra = `[plan_type=${form.get('plan_type')}]`;
        log.info(`serverlogin: ${serverLabel(server)} set the plan type of ${scope} to ${form.get('plan_type')}`);
        session.flash = outcome.notice;
        return redirect(reply, PLANS_PATH);
      });

      web.post('/logout', opts, async (req, reply) => {
        const current = currentSession(req);
        if (!current) return redirect(reply, LOGIN_PATH);
        if (crossSite(req) || !csrfMatches(current.session, formOf(req).get('csrf_token'))) return refuseCsrf(req, reply);
        sessions.destroy(current.session.id);
        reply.header('Set-Cookie', `${SESSION_COOKIE}=; ${cookieAttributes(req)}; Max-Age=0`);
        return redirect(reply, LOGIN_PATH);
      });
    },
    { prefix: WEB_PREFIX },
  );

  return { sessions };
}

/** An HTML form's fields (application/x-www-form-urlencoded); anything else reads as empty. */
function formOf(req: FastifyRequest): URLSearchParams {
  const type = req.headers['content-type'];
  if (!type || !/^application\/x-www-form-urlencoded\b/i.test(type) || !Buffer.isBuffer(req.body)) return new URLSearchParams();
  return new URLSearchParams(req.body.toString('utf8'));
}
