/**
 * The admin surface shared by the mock providers (`/__admin/...`), so a scenario drives a mock
 * the same way whether it runs in this process, a child process or a container:
 *
 *   GET    /__admin/health
 *   GET    /__admin/journal?device=&accepted=true|false&after=N&limit=N   → { entries, stats }
 *   GET    /__admin/journal/next?device=&after=N&timeoutMs=N             → entry | 408 { error }
 *   DELETE /__admin/journal
 *   GET    /__admin/rules → { rules, explain };  POST /__admin/rules (FaultRuleData) → rule
 *   DELETE /__admin/rules/<id>;  DELETE /__admin/rules
 *   GET    /__admin/devices?scope=;  POST /__admin/devices { scope, label?, token? } → device
 *   POST   /__admin/devices/<token>/unregister;  DELETE /__admin/devices/<token>
 *   GET    /__admin/clock;  POST /__admin/clock { advanceMs | setMs }   (virtual clocks only)
 *   POST   /__admin/reset   → forget journal, rules and devices
 *
 * Written against the request/response shape node:http and node:http2's compat API share.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { VirtualClock, type Clock } from '../clock';
import type { Device, DeviceRegistry } from './devices';
import { FaultRuleError, type FaultRuleData, type FaultRules } from './faults';
import { WaitTimeoutError, type Journal } from './journal';

export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

export interface AdminTarget {
  component: string;
  clock: Clock;
  journal: Journal;
  rules: FaultRules;
  devices: DeviceRegistry;
  /** Creates a device for a scope (a token in the provider's format unless one is given). */
  createDevice(scope: string, opts: { token?: string; label?: string }): Device;
  /** Provider-specific admin routes; return true when handled. */
  extra?: (req: AnyRequest, res: AnyResponse, url: URL, body: unknown) => Promise<boolean> | boolean;
}

export const ADMIN_PREFIX = '/__admin';

export function sendJson(res: AnyResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  (res as ServerResponse).writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function readBody(req: AnyRequest, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Handles `/__admin/...`; returns false for any other path. */
export async function handleAdmin(req: AnyRequest, res: AnyResponse, target: AdminTarget): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://admin');
  if (!url.pathname.startsWith(ADMIN_PREFIX)) return false;
  const path = url.pathname.slice(ADMIN_PREFIX.length) || '/';
  const method = req.method ?? 'GET';
  let body: unknown = {};
  if (method !== 'GET' && method !== 'HEAD') {
    const raw = await readBody(req);
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {};
    } catch {
      sendJson(res, 400, { error: 'the body must be JSON' });
      return true;
    }
  }
  try {
    if (await route(method, path, url, body, req, res, target)) return true;
    if (target.extra && (await target.extra(req, res, url, body))) return true;
    sendJson(res, 404, { error: `no admin route ${method} ${url.pathname}` });
  } catch (e) {
    if (e instanceof FaultRuleError) sendJson(res, 400, { error: e.message });
    else sendJson(res, 500, { error: (e as Error).message });
  }
  return true;
}

async function route(
  method: string,
  path: string,
  url: URL,
  body: unknown,
  _req: AnyRequest,
  res: AnyResponse,
  t: AdminTarget,
): Promise<boolean> {
  const q = url.searchParams;
  const int = (name: string) => (q.has(name) ? Number(q.get(name)) : undefined);
  const b = (body ?? {}) as Record<string, unknown>;
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [head, arg, action] = segments;
  const is = (m: string, h: string, n: number) => method === m && head === h && segments.length === n;

  if (is('GET', 'health', 1)) return ok(res, { status: 'ok', component: t.component });

  if (is('GET', 'journal', 1)) {
    const accepted = q.get('accepted');
    const entries = t.journal.list({
      device: q.get('device') ?? undefined,
      accepted: accepted === null ? undefined : accepted === 'true',
      afterSeq: int('after'),
      limit: int('limit'),
    });
    return ok(res, { entries, stats: t.journal.stats });
  }
  if (method === 'GET' && head === 'journal' && arg === 'next' && segments.length === 2) {
    const device = q.get('device');
    if (!device) return ok(res, { error: 'device is required' }, 400);
    try {
      return ok(res, await t.journal.next(device, { afterSeq: int('after'), timeoutMs: Math.min(int('timeoutMs') ?? 5_000, 60_000) }));
    } catch (e) {
      if (e instanceof WaitTimeoutError) return ok(res, { error: e.message }, 408);
      throw e;
    }
  }
  if (is('DELETE', 'journal', 1)) {
    t.journal.clear();
    return ok(res, { cleared: true });
  }

  if (is('GET', 'rules', 1)) return ok(res, { rules: t.rules.list(), explain: t.rules.explain() });
  if (is('POST', 'rules', 1)) return ok(res, t.rules.add(b as unknown as FaultRuleData), 201);
  if (is('DELETE', 'rules', 1)) {
    t.rules.clear();
    return ok(res, { cleared: true });
  }
  if (is('DELETE', 'rules', 2)) {
    return t.rules.remove(arg!) ? ok(res, { removed: arg }) : ok(res, { error: `no rule ${arg}` }, 404);
  }

  if (is('GET', 'devices', 1)) return ok(res, { devices: t.devices.list(q.get('scope') ?? undefined) });
  if (is('POST', 'devices', 1)) {
    if (typeof b.scope !== 'string' || b.scope === '') return ok(res, { error: 'scope (topic or project) is required' }, 400);
    const token = typeof b.token === 'string' ? b.token : undefined;
    const label = typeof b.label === 'string' ? b.label : undefined;
    try {
      return ok(res, t.createDevice(b.scope, { token, label }), 201);
    } catch (e) {
      // A malformed token or an unknown topic/project is the caller's mistake.
      return ok(res, { error: (e as Error).message }, 400);
    }
  }
  if (method === 'POST' && head === 'devices' && action === 'unregister' && segments.length === 3) {
    const d = t.devices.unregister(arg!, t.clock.now());
    return d ? ok(res, d) : ok(res, { error: `no device ${arg}` }, 404);
  }
  if (is('DELETE', 'devices', 2)) {
    return t.devices.remove(arg!) ? ok(res, { removed: arg }) : ok(res, { error: `no device ${arg}` }, 404);
  }

  if (is('GET', 'clock', 1)) return ok(res, { kind: t.clock.kind, now: t.clock.now() });
  if (is('POST', 'clock', 1)) {
    if (!(t.clock instanceof VirtualClock)) return ok(res, { error: 'this mock runs on a real clock' }, 409);
    if (typeof b.advanceMs === 'number') t.clock.advance(b.advanceMs);
    else if (typeof b.setMs === 'number') t.clock.set(b.setMs);
    else return ok(res, { error: 'send {"advanceMs": n} or {"setMs": epochMs}' }, 400);
    return ok(res, { kind: t.clock.kind, now: t.clock.now() });
  }

  if (is('POST', 'reset', 1)) {
    t.journal.clear();
    t.rules.clear();
    t.devices.clear();
    return ok(res, { reset: true });
  }
  return false;
}

function ok(res: AnyResponse, body: unknown, status = 200): true {
  sendJson(res, status, body);
  return true;
}
