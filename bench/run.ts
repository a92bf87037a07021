/**
 * `npm run bench`: requests per second of the bouncer's `GET server/analytics/status` (real
 * authentication, database lookup, access log) against a bare fastify route answering the
 * same JSON, both measured in this run by the same external load generator (autocannon in a
 * child process, so it does not share the servers' event loop). The ratio is the figure to
 * watch; absolute numbers vary ±15% run to run. Writes reports/bench.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import { startBouncer } from '../simulator/bouncer';
import { basicAuth, call } from '../harness/http-client';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const WARMUP_S = 2;
const CONNECTIONS = 10;

interface Measure {
  name: string;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
}

async function autocannon(name: string, url: string, headers: Record<string, string>, seconds: number): Promise<Measure> {
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [bin, '--json', '-c', String(CONNECTIONS), '-d', String(seconds)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => (buf += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(buf) : reject(new Error(`autocannon exited ${code}`))));
  });
  const r = JSON.parse(out) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
  };
  return { name, requestsPerSec: r.requests.average, latencyP50Ms: r.latency.p50, latencyP99Ms: r.latency.p99, non2xx: r.non2xx };
}

async function main() {
  // Baseline: bare fastify, same response body.
  const bare = Fastify({ logger: false });
  const body = JSON.stringify({ result: 'success', msg: '', last_realm_count_id: 0, last_installation_count_id: 0, last_realmauditlog_id: 0 });
  bare.get('/api/v1/remotes/server/analytics/status', (_req, reply) => reply.type('application/json').send(body));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareAddr = bare.server.address() as { port: number };
  const bareUrl = `http://127.0.0.1:${bareAddr.port}/api/v1/remotes/server/analytics/status`;

  // The bouncer: file database, real clock, rate limiting off (the default 1000/min would
  // answer 429 to almost every request; Zulip's own test settings disable it too).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-bench-'));
  const bouncer = await startBouncer({ dataDir, rateLimit: false, logLevel: 'info' });
  const server = { uuid: '6cde5f7a-1f7e-4978-9716-49f69ebfc9fe', key: 'k'.repeat(64) };
  const reg = await call(bouncer, 'POST', '/api/v1/remotes/server/register', {
    form: { zulip_org_id: server.uuid, zulip_org_key: server.key, hostname: 'bench.example.net', contact_email: 'admin@zulip.com' },
  });
  if (reg.status !== 200) throw new Error(`registration failed: ${reg.text}`);
  const bouncerUrl = `${bouncer.url}/api/v1/remotes/server/analytics/status`;
  const auth = { authorization: basicAuth(server.uuid, server.key), 'user-agent': 'ZulipServer/11.0' };

  // Warm both up, then measure them alternately so drift hits both.
  await autocannon('warmup', bareUrl, {}, WARMUP_S);
  await autocannon('warmup', bouncerUrl, auth, WARMUP_S);
  const baseline = await autocannon('bare fastify route', bareUrl, {}, DURATION_S);
  const measured = await autocannon('bouncer analytics/status', bouncerUrl, auth, DURATION_S);

  await bare.close();
  await bouncer.stop();

  if (measured.non2xx > 0 || baseline.non2xx > 0) throw new Error('non-2xx responses during the benchmark');
  const ratio = measured.requestsPerSec / baseline.requestsPerSec;
  const rows = [baseline, measured];
  console.log(`\n${'benchmark'.padEnd(28)} ${'req/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(28)} ${r.requestsPerSec.toFixed(0).padStart(10)} ${String(r.latencyP50Ms).padStart(8)} ${String(r.latencyP99Ms).padStart(8)}`,
    );
  }
  console.log(`\nbouncer / bare ratio: ${ratio.toFixed(3)}  (${CONNECTIONS} connections, ${DURATION_S} s each, node ${process.version}, ${os.cpus().length} cores)`);

  fs.mkdirSync('reports', { recursive: true });
  fs.writeFileSync(
    'reports/bench.json',
    JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.cpus().length, connections: CONNECTIONS, durationSeconds: DURATION_S, results: rows, ratios: { 'analytics/status vs bare fastify': ratio } }, null, 2),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
