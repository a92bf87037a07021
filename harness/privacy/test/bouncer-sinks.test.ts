/**
 * The bouncer's sinks the privacy scan added: every response body it sent (`bouncer.responses`,
 * success and error, any path, never a query string) and a readable dump of every table
 * (`bouncer.db.tables`), still readable after the bouncer stopped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { basicAuth, call } from '../../http-client';
import { VirtualClock } from '../../../simulator/core/clock';
import { startBouncer, RESPONSES_FILE, type BouncerHandle } from '../../../simulator/bouncer';
import { readSinkSync } from '../scan';

let dir: string;
let bouncer: BouncerHandle;
const orgId = '3e0a0b8e-7c1d-4c55-9a3b-0a9e3a1f2b7c';
const orgKey = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789AB';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-bouncer-sinks-'));
  bouncer = await startBouncer({ dataDir: dir, clock: new VirtualClock() });
});
afterAll(async () => {
  await bouncer.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sinkNamed = (name: string) => {
  const s = bouncer.sinks.find((x) => x.name === name);
  if (!s) throw new Error(`no sink ${name}: ${bouncer.sinks.map((x) => x.name).join(', ')}`);
  return s;
};
const responses = () =>
  fs
    .readFileSync(path.join(dir, 'bouncer', RESPONSES_FILE), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { status: number; path: string; body: string | null });

it('should register its log, raw database, table dump and responses as sinks', () => {
  expect(bouncer.sinks.map((s) => [s.name, s.kind])).toEqual(
    expect.arrayContaining([
      ['bouncer.log', 'log'],
      ['bouncer.db', 'database'],
      ['bouncer.db.tables', 'database'],
      ['bouncer.responses', 'http-responses'],
    ]),
  );
  expect(sinkNamed('bouncer.responses').path).toBe(path.join(dir, 'bouncer', RESPONSES_FILE));
});

it('should keep every response body, success and error, with its status and path but no query string', async () => {
  const ok = await call(bouncer, 'POST', '/api/v1/remotes/server/register?token=secret-query-value', {
    form: { zulip_org_id: orgId, zulip_org_key: orgKey, hostname: 'zulip.example.org', contact_email: 'admin@zulip.com' },
  });
  expect(ok.status).toBe(200);
  const bad = await call(bouncer, 'POST', '/api/v1/remotes/server/register', { form: { zulip_org_id: orgId } });
  expect(bad.status).toBe(400);
  const unknown = await call(bouncer, 'GET', '/api/v1/no/such/endpoint');
  expect(unknown.status).toBe(404);
  const unauthorized = await call(bouncer, 'GET', '/api/v1/remotes/server/analytics/status', { headers: { authorization: basicAuth(orgId, 'wrong-key'.repeat(8)) } });
  expect(unauthorized.status).toBe(401);
  const admin = await call(bouncer, 'GET', '/__admin/health');
  expect(admin.status).toBe(200);

  const kept = responses();
  expect(kept).toEqual(
    expect.arrayContaining([
      { status: 200, path: '/api/v1/remotes/server/register', body: ok.text },
      { status: 400, path: '/api/v1/remotes/server/register', body: bad.text },
      { status: 404, path: '/api/v1/no/such/endpoint', body: unknown.text },
      { status: 401, path: '/api/v1/remotes/server/analytics/status', body: unauthorized.text },
      { status: 200, path: '/__admin/health', body: admin.text },
    ]),
  );
  expect(JSON.stringify(kept)).not.toContain('secret-query-value');
});

it('should dump every table as JSON lines, the org key in remote_zulip_server.api_key', () => {
  const lines = sinkNamed('bouncer.db.tables').read!().split('\n').map((l) => JSON.parse(l) as { table: string; row: number; values: Record<string, unknown> });
  const server = lines.find((l) => l.table === 'remote_zulip_server');
  expect(server).toMatchObject({ row: expect.any(Number), values: { uuid: orgId, api_key: orgKey, hostname: 'zulip.example.org' } });
  expect(new Set(lines.map((l) => l.table))).toEqual(new Set(['remote_zulip_server', 'remote_zulip_server_audit_log', 'schema_migrations']));
});

it('should still give its table dump after stopping', async () => {
  const separate = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-bouncer-sinks-'));
  try {
    const b = await startBouncer({ dataDir: separate, clock: new VirtualClock() });
    await call(b, 'POST', '/api/v1/remotes/server/register', {
      form: { zulip_org_id: orgId, zulip_org_key: orgKey, hostname: 'zulip.example.org', contact_email: 'admin@zulip.com' },
    });
    const dump = b.sinks.find((s) => s.name === 'bouncer.db.tables')!;
    const before = dump.read!();
    await b.stop();
    expect(dump.read!()).toBe(before);
    expect(readSinkSync(dump)[0]!.bytes.toString()).toContain(orgKey);
  } finally {
    fs.rmSync(separate, { recursive: true, force: true });
  }
});
