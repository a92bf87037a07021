/**
 * Load generator for bench/apns.ts, run in its own process (`node --import tsx bench/h2-client.ts`)
 * so it does not share the servers' event loop. ONE HTTP/2 connection, `concurrency` streams kept
 * in flight, each a POST /3/device/<token> with APNs headers; a warm-up, then a measured window.
 * Config comes as JSON in BENCH_H2_CONFIG; the result is one JSON line on stdout.
 */
import http2 from 'node:http2';

export interface H2ClientConfig {
  url: string;
  caCertPem: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  warmupS: number;
  durationS: number;
}

export interface H2ClientResult {
  requests: number;
  non200: number;
  errors: number;
  seconds: number;
  requestsPerSec: number;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_H2_CONFIG ?? '') as H2ClientConfig;
  const session = http2.connect(cfg.url, { ca: cfg.caCertPem });
  await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  const headers = { ':method': 'POST', ':path': cfg.path, ...cfg.headers };

  let measuring = false;
  let stopping = false;
  const counts = { requests: 0, non200: 0, errors: 0 };

  const one = () =>
    new Promise<void>((resolve) => {
      const req = session.request(headers);
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', () => undefined);
      req.on('end', () => {
        if (measuring) {
          counts.requests += 1;
          if (status !== 200) counts.non200 += 1;
        }
        resolve();
      });
      req.on('error', () => {
        if (measuring) counts.errors += 1;
        resolve();
      });
      req.end(cfg.body);
    });

  const worker = async () => {
    while (!stopping) await one();
  };
  const workers = Array.from({ length: cfg.concurrency }, worker);

  await new Promise((r) => setTimeout(r, cfg.warmupS * 1000));
  measuring = true;
  const start = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, cfg.durationS * 1000));
  measuring = false;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  stopping = true;
  await Promise.all(workers);
  session.close();

  const result: H2ClientResult = { ...counts, seconds, requestsPerSec: counts.requests / seconds };
  process.stdout.write(JSON.stringify(result) + '\n');
}

void main().catch((e: unknown) => {
  process.stderr.write(`h2-client: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
