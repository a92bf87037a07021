/**
 * A cookie-keeping HTTP client for the plan-management pages (real HTTP through fetch, redirects
 * not followed so tests see each 303), and helpers to read the pages.
 */
import type { ServerIdentity } from './support';

export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The Location of a redirect. */
  location: string | null;
  setCookie: string | null;
}

export class WebClient {
  /** The session cookie as the browser would hold it (name=value), or null. */
  cookie: string | null = null;

  constructor(readonly bouncer: { url: string }) {}

  async request(method: string, path: string, opts: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<PageResponse> {
    const headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (test)', ...opts.headers };
    if (this.cookie) headers.cookie = this.cookie;
    let body: string | undefined;
    if (opts.form) {
      body = new URLSearchParams(opts.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${this.bouncer.url}${path}`, { method, headers, body, redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = /Max-Age=0/i.test(setCookie) ? null : pair!.trim();
    }
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location'), setCookie };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  post(path: string, form: Record<string, string>, headers?: Record<string, string>) {
    return this.request('POST', path, { form, headers });
  }

  /** Logs in (expects success) and returns the plans page's CSRF token. */
  async login(server: Pick<ServerIdentity, 'uuid' | 'key'>): Promise<string> {
    const res = await this.post('/serverlogin/', { zulip_org_id: server.uuid, zulip_org_key: server.key });
    if (res.status !== 303) throw new Error(`login failed: ${res.status} ${res.text}`);
    const page = await this.get('/serverlogin/plans/');
    if (page.status !== 200) throw new Error(`plans page: ${page.status}`);
    return csrfTokenOf(page.text);
  }
}

export function csrfTokenOf(html: string): string {
  const m = /name="csrf_token" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf_token on the page');
  return m[1]!;
}

/** The text of one realm's table row, tags stripped and whitespace collapsed. */
export function realmRowText(html: string, realmUuid: string): string {
  const m = new RegExp(`<tr id="realm-${realmUuid}"[\\s\\S]*?</tr>`).exec(html);
  if (!m) throw new Error(`no row for realm ${realmUuid}`);
  return textOf(m[0]);
}

export function textOf(html: string): string {
  return html
    .replace(/<select[\s\S]*?<\/select>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

export const EXPECTED_SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export function securityHeadersOf(res: PageResponse): Record<string, string | null> {
  return Object.fromEntries(Object.keys(EXPECTED_SECURITY_HEADERS).map((h) => [h, res.headers.get(h)]));
}
