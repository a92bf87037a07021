/**
 * `npm run bench`: every benchmark, each a ratio against a bare baseline measured in the same
 * run (absolute numbers vary ±15% run to run; ratios are the figures to watch). Prints a table
 * and writes reports/bench.json. BENCH_DURATION_S sets the seconds per measurement (default 8).
 */
import fs from 'node:fs';
import os from 'node:os';
import { benchApns } from './apns';
import { benchBouncer } from './bouncer';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);

async function main() {
  const bouncer = await benchBouncer({ durationS: DURATION_S });
  const apns = await benchApns({ durationS: DURATION_S });

  const rows = [...bouncer.rows.map((r) => ({ name: r.name, requestsPerSec: r.requestsPerSec })), ...apns.rows];
  const ratios = { ...bouncer.ratios, 'mock APNs vs bare node:http2 (1 connection, 64 streams)': apns.ratio };
  console.log(`\n${'benchmark'.padEnd(52)} ${'req/s'.padStart(10)}`);
  for (const r of rows) console.log(`${r.name.padEnd(52)} ${r.requestsPerSec.toFixed(0).padStart(10)}`);
  console.log('');
  for (const [k, v] of Object.entries(ratios)) console.log(`${k.padEnd(64)} ${v.toFixed(3)}`);
  console.log(`\n(${DURATION_S} s per measurement, node ${process.version}, ${os.cpus().length} cores)`);

  fs.mkdirSync('reports', { recursive: true });
  fs.writeFileSync(
    'reports/bench.json',
    JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.cpus().length, durationSeconds: DURATION_S, results: rows, ratios }, null, 2),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
