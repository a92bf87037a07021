/**
 * A small HTTP client that speaks the bouncer's three encodings (form, JSON-valued form, JSON
 * body) with Basic auth. Scenarios and tests use it; it never retries and never hides a status.
 */

/** What Basic auth needs: a server's zulip_org_id and zulip_org_key. */
export interface Credentials {
  uuid: string;
  key: string;
}

export const basicAuth = (role: string, key: string) =>
  'Basic ' + Buffer.from(`${role}:${key}`, 'utf8').toString('base64');

export interface CallOptions {
  /** Form-encoded body (values sent as given). */
  form?: Record<string, string>;
  /** Form whose values are JSON-encoded, as server/analytics expects. */
  jsonForm?: Record<string, unknown>;
  /** A JSON document as the whole body. */
  json?: unknown;
  body?: string | Buffer;
  contentType?: string;
  /** A server identity (Basic auth) or a raw Authorization header. */
  auth?: Credentials | string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The fetch to use (e.g. one trusting a private CA); default the global fetch. */
  fetch?: typeof fetch;
}

export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON body. */
  body: Record<string, unknown>;
  text: string;
}

export async function call(
  bouncer: { url: string },
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { 'user-agent': 'ZulipServer/11.0', ...opts.headers };
  let body: string | Buffer | undefined = opts.body;
  if (opts.form) {
    body = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (opts.jsonForm) {
    const encoded = Object.fromEntries(Object.entries(opts.jsonForm).map(([k, v]) => [k, JSON.stringify(v)]));
    body = new URLSearchParams(encoded).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  if (opts.contentType) headers['content-type'] = opts.contentType;
  if (opts.auth) headers.authorization = typeof opts.auth === 'string' ? opts.auth : basicAuth(opts.auth.uuid, opts.auth.key);
  const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
  const res = await (opts.fetch ?? fetch)(`${bouncer.url}${path}${qs}`, { method, headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON: tests assert on text */
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

