/**
 * `POST /token` (on both ports; firebase-admin reaches it as https://oauth2.googleapis.com/token
 * through a redirect, client-redirect.md §2). Secrets stay out of every sink: the journal gets the
 * form with the assertion redacted and the response with the access token redacted, and both
 * the assertion and the new access token go into the log redactor.
 */
import { REDACTED } from '../core/logging';
import type { FcmContext } from './context';
import { exchange, OAuthError } from './oauth';
import { JSON_HEADERS, type RawRequest, type Reply } from './outcome';

export function tokenRoute(ctx: FcmContext, req: RawRequest): Reply {
  const assertion = new URLSearchParams(req.body).get('assertion');
  ctx.log.redactor.add(assertion);
  const base = {
    kind: 'reply' as const,
    headers: { ...JSON_HEADERS, 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' },
    device: null,
    id: null,
    journalBody: req.body.replace(/(^|&)assertion=[^&]*/, `$1assertion=${REDACTED}`),
  };
  const meta: Record<string, unknown> = { endpoint: 'token', httpVersion: req.httpVersion, host: req.headers[':authority'] ?? req.headers.host ?? null };
  try {
    const grant = exchange(req.body, {
      accounts: ctx.accounts,
      tokens: ctx.tokens,
      audiences: ctx.audiences,
      now: ctx.clock.now(),
    });
    const { record, assertion: verified } = grant;
    ctx.log.redactor.add(record.token);
    const body = { access_token: record.token, expires_in: Math.round((record.expiresAt - record.issuedAt) / 1000), token_type: 'Bearer' };
    Object.assign(meta, {
      clientEmail: record.clientEmail,
      // What was verified, so a test can see the assertion really was an RS256 JWT for this account.
      assertion: { alg: verified.header.alg, kid: verified.header.kid ?? null, typ: verified.header.typ ?? null, aud: verified.claims.aud, signatureVerified: true },
      scopes: record.scopes,
      expiresAt: record.expiresAt,
    });
    return {
      ...base,
      status: 200,
      body: JSON.stringify(body),
      journalResponseBody: JSON.stringify({ ...body, access_token: REDACTED }),
      scope: record.projectId,
      accepted: true,
      reason: null,
      meta,
      log: {
        msg: `token 200 access token for ${record.clientEmail}`,
        fields: { endpoint: 'token', status: 200, clientEmail: record.clientEmail, project: record.projectId, scopes: record.scopes, httpVersion: req.httpVersion },
      },
    };
  } catch (e) {
    if (!(e instanceof OAuthError)) throw e;
    const project = e.clientEmail ? (ctx.accounts.get(e.clientEmail)?.projectId ?? null) : null;
    Object.assign(meta, { clientEmail: e.clientEmail, error: e.error, errorDescription: e.description });
    return {
      ...base,
      status: e.httpStatus,
      body: JSON.stringify(e.toJSON()),
      scope: project,
      accepted: false,
      reason: e.error,
      meta,
      log: {
        msg: `token ${e.httpStatus} ${e.error}: ${e.description}`,
        fields: { endpoint: 'token', status: e.httpStatus, error: e.error, clientEmail: e.clientEmail, project, httpVersion: req.httpVersion },
      },
    };
  }
}
