/**
 * Mock APNs throughput: sends per second over ONE HTTP/2 connection with 64 concurrent streams,
 * against (a) a bare `http2.createSecureServer` answering 200 and (b) the mock APNs doing all
 * its work — every validation, a provider token checked on the connection, a registered device,
 * the journal (bounded) and one log line per request. Both are measured in this run by the same
 * client, in a child process (bench/h2-client.ts) so it does not share the servers' event loop.
 * The ratio mock/bare is the figure to watch (mockttp reached ~37% of bare, client-redirect.md §3).
 *
 *   npx tsx bench/apns.ts [durationS]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SignJWT, importPKCS8 } from 'jose';
import { startMockApns } from '../simulator/apns';
import { createCertificateAuthority, issueServerCertificate } from '../simulator/core/tls';
import type { H2ClientConfig, H2ClientResult } from './h2-client';

const CONCURRENCY = 64;
const WARMUP_S = 1;
const ROUNDS = 2;
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CLIENT = path.join(ROOT, 'bench', 'h2-client.ts');

const PAYLOAD = JSON.stringify({
  aps: { alert: { title: 'Hamlet (Denmark)', body: 'To be, or not to be, that is the question' }, sound: 'default', badge: 0, 'thread-id': 'denmark' },
  zulip: { server: 'zulip.example.net', realm_id: 2, realm_url: 'https://zulip.example.net', user_id: 10, sender_id: 11, message_id: 4242, recipient_type: 'stream' },
});

export interface BenchRow {
  name: string;
  requestsPerSec: number;
}

function runClient(cfg: H2ClientConfig): Promise<H2ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT], {
      cwd: ROOT,
      env: { ...process.env, BENCH_H2_CONFIG: JSON.stringify(cfg) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as H2ClientResult) : reject(new Error(`h2-client exited ${code}`))));
  });
}

export async function benchApns(opts: { durationS: number }): Promise<{ rows: BenchRow[]; ratio: number }> {
  const ca = createCertificateAuthority('APNs bench CA');

  // (a) The baseline: what node:http2 over TLS costs with no work at all.
  const leaf = issueServerCertificate(ca, ['127.0.0.1']);
  const bare = http2.createSecureServer({ key: leaf.keyPem, cert: leaf.certPem });
  bare.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.resume();
    stream.respond({ ':status': 200 }, { endStream: true });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const barePort = (bare.address() as { port: number }).port;

  // (b) The mock, real clock, journal bounded so a long run cannot grow it.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-bench-apns-'));
  const apns = await startMockApns({ dataDir, ca, journalCapacity: 1_000 });
  const phone = apns.createDevice('org.zulip.Zulip');
  const key = await importPKCS8(fs.readFileSync(apns.keyFile, 'utf8'), 'ES256');
  const jwt = await new SignJWT({ iss: apns.teamId, iat: Math.floor(Date.now() / 1000) })
    .setProtectedHeader({ alg: 'ES256', kid: apns.keyId })
    .sign(key);

  const request = {
    caCertPem: ca.certPem,
    path: `/3/device/${phone.token}`,
    headers: {
      authorization: `bearer ${jwt}`,
      'apns-topic': 'org.zulip.Zulip',
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-expiration': String(Math.floor(Date.now() / 1000) + 86_400),
    },
    body: PAYLOAD,
    concurrency: CONCURRENCY,
    warmupS: WARMUP_S,
    durationS: opts.durationS,
  };
  try {
    // Alternate bare, mock, bare, mock and keep each one's best window: the machine's other load
    // then hits both alike, and a window it spoiled does not decide the ratio.
    const runs: Record<'bare' | 'mock', H2ClientResult[]> = { bare: [], mock: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.bare.push(await runClient({ ...request, url: `https://127.0.0.1:${barePort}` }));
      runs.mock.push(await runClient({ ...request, url: apns.url }));
    }
    for (const [name, results] of Object.entries(runs)) {
      for (const r of results) if (r.non200 > 0 || r.errors > 0) throw new Error(`${name}: ${r.non200} non-200 answers and ${r.errors} errors`);
    }
    const best = (rs: H2ClientResult[]) => rs.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
    const baseline = best(runs.bare);
    const measured = best(runs.mock);
    const accepted = apns.journal.stats;
    if (accepted.rejected > 0) throw new Error(`the mock refused ${accepted.rejected} benchmark requests`);
    const rows: BenchRow[] = [
      { name: 'bare node:http2 (TLS, 64 streams, 1 connection)', requestsPerSec: Math.round(baseline.requestsPerSec) },
      { name: 'mock APNs (JWT, validation, journal, log)', requestsPerSec: Math.round(measured.requestsPerSec) },
    ];
    return { rows, ratio: measured.requestsPerSec / baseline.requestsPerSec };
  } finally {
    await apns.stop();
    await new Promise<void>((resolve) => bare.close(() => resolve()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const durationS = Number(process.argv[2] ?? process.env.BENCH_DURATION_S ?? 5);
  benchApns({ durationS }).then(
    ({ rows, ratio }) => {
      for (const r of rows) console.log(`${r.name}: ${r.requestsPerSec} req/s`);
      console.log(`mock/bare: ${(ratio * 100).toFixed(1)}%`);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
