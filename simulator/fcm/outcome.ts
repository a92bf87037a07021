/**
 * What a route decides about one request, as data: a reply to write or a connection to drop,
 * plus what the journal and the log say about it. The router (router.ts) carries it out, so
 * every route journals and logs the same way.
 */
import type { FaultAction } from '../core/provider-mock/faults';

export interface RawRequest {
  method: string;
  path: string;
  httpVersion: string;
  /** Lower-cased names, HTTP/2 pseudo-headers included; not redacted. */
  headers: Record<string, string>;
  body: string;
}

interface OutcomeBase {
  device: string | null;
  scope: string | null;
  id: string | null;
  accepted: boolean;
  /** FcmError code, canonical status or OAuth error; null when accepted. */
  reason: string | null;
  notification?: unknown;
  meta: Record<string, unknown>;
  faultRuleId?: string;
  addedLatencyMs?: number;
  /** The request body as the journal may hold it (secrets removed); default: as received. */
  journalBody?: string;
  /** One INFO line: a short message and its fields (never message data, never secrets). */
  log: { msg: string; fields: Record<string, unknown> };
}

export interface Reply extends OutcomeBase {
  kind: 'reply';
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The response body as the journal may hold it; default: as sent. */
  journalResponseBody?: string;
}

export interface Drop extends OutcomeBase {
  kind: 'drop';
  action: Extract<FaultAction['kind'], 'reset' | 'goaway' | 'timeout'>;
}

export type Outcome = Reply | Drop;

/** Google's JSON responses carry these headers. */
export const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer' };

/** Google answers unknown paths with its HTML 404 page. */
export function notFound(req: RawRequest): Reply {
  const body =
    '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n' +
    `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${escapeHtml(req.path)}</code> was not found on this server.  <ins>That’s all we know.</ins>\n`;
  return {
    kind: 'reply',
    status: 404,
    headers: { 'content-type': 'text/html; charset=UTF-8' },
    body,
    device: null,
    scope: null,
    id: null,
    accepted: false,
    reason: 'NOT_FOUND',
    meta: { endpoint: 'unknown', httpVersion: req.httpVersion },
    log: { msg: `${req.method} ${req.path} 404`, fields: { endpoint: 'unknown', status: 404, httpVersion: req.httpVersion } },
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
