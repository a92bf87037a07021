/**
 * `npx tsx bench/privacy-scan.ts`: the privacy scanner's speed (harness/privacy/aho-corasick.ts)
 * on a synthetic 50 MB sink — JSON log lines, base64 blobs, hex dumps, a few planted needles —
 * against GNU `grep -F -f` over the same file with the same patterns (toolchain-notes.md "Leak
 * scanning"). Two pattern sets: 10 000 canary tokens as they are, and a world's worth of needles
 * in every encoding (1 000 messages' canaries and texts, 200 names, 50 secrets).
 * BENCH_SCAN_MB sets the size (default 50).
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AhoCorasick } from '../harness/privacy/aho-corasick';
import { TEXT_ENCODINGS } from '../harness/privacy/encodings';
import { makeNeedle } from '../harness/privacy/needles';
import { makeCanary } from '../simulator/zulip-server/canary';

const MB = Number(process.env.BENCH_SCAN_MB ?? 50);
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

/** Seeded pseudo-random bytes (fast; crypto would dominate the set-up). */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthetic(bytes: number, planted: Buffer[]): Buffer {
  const r = prng(7);
  const lines: string[] = [];
  let size = 0;
  let n = 0;
  while (size < bytes) {
    n++;
    const words = Array.from({ length: 8 + Math.floor(r() * 12) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
    const blob = Buffer.from(Array.from({ length: 48 }, () => Math.floor(r() * 256))).toString(n % 2 ? 'base64' : 'hex');
    const line = JSON.stringify({ level: 30, time: '2026-01-01T12:00:00.000Z', component: 'bouncer', msg: words, n, data: blob });
    lines.push(line);
    size += line.length + 1;
  }
  const buf = Buffer.from(lines.join('\n') + '\n');
  // Plant a few needles at spread-out offsets (overwriting bytes; lines stay lines).
  planted.forEach((p, i) => p.copy(buf, Math.floor(((i + 1) * buf.length) / (planted.length + 2))));
  return buf.subarray(0, bytes);
}

function grepSeconds(patternsFile: string, file: string): { seconds: number; lines: number } {
  const t = process.hrtime.bigint();
  let out = '0';
  try {
    out = execFileSync('grep', ['-F', '-c', '-f', patternsFile, file], { env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 1 << 20 }).toString();
  } catch (e) {
    out = String((e as { stdout?: Buffer }).stdout ?? '0'); // exit 1: no match
  }
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, lines: Number(out.trim()) };
}

function measure(label: string, patterns: Buffer[], buf: Buffer, file: string) {
  const patternsFile = path.join(path.dirname(file), `${label.replace(/\W+/g, '-')}.txt`);
  fs.writeFileSync(patternsFile, patterns.map((p) => p.toString('latin1')).join('\n') + '\n', 'latin1');
  let t = process.hrtime.bigint();
  const ac = new AhoCorasick(patterns);
  const buildMs = Number(process.hrtime.bigint() - t) / 1e6;
  const runs: number[] = [];
  let hits = 0;
  for (let i = 0; i < 3; i++) {
    t = process.hrtime.bigint();
    hits = ac.count(buf);
    runs.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  const best = Math.min(...runs);
  const grep = grepSeconds(patternsFile, file);
  const mb = buf.length / 1e6;
  console.log(
    `${label.padEnd(44)} ${String(patterns.length).padStart(7)} patterns ${String(ac.states).padStart(8)} states  build ${buildMs.toFixed(0).padStart(5)} ms  ` +
      `scan ${(mb / best).toFixed(0).padStart(4)} MB/s (${hits} hits)  grep -F -f ${(mb / grep.seconds).toFixed(0).padStart(4)} MB/s (${grep.lines} lines)`,
  );
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-scan-bench-'));
  try {
    const canaries = Array.from({ length: 10_000 }, (_, i) => Buffer.from(makeCanary(1, i + 1)));

    const r = prng(11);
    const needles = [];
    for (let i = 1; i <= 1000; i++) {
      const c = makeCanary(2, i);
      needles.push(makeNeedle('content', `message ${i} (canary)`, c));
      const text = `${Array.from({ length: 6 + Math.floor(r() * 8) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ')} «${i}» "q" ${c}`;
      needles.push(makeNeedle('content', `message ${i} (text)`, text));
    }
    for (let i = 0; i < 200; i++) needles.push(makeNeedle('sender-name', `user ${i}`, `Person${i} O'Name-${crypto.randomBytes(3).toString('hex')}`));
    for (let i = 0; i < 50; i++) needles.push(makeNeedle('secret:zulip-org-key', `key ${i}`, crypto.randomBytes(48).toString('base64url')));
    const everyForm = needles.flatMap((n) => n.forms.map((f) => f.bytes));
    // What one scenario's world searches for: a few messages, its people, its secrets and key lines.
    const world = [
      ...needles.slice(0, 20),
      ...needles.slice(2000, 2008),
      ...needles.slice(2200, 2210),
      ...Array.from({ length: 30 }, (_, i) => makeNeedle('secret:fcm-private-key', `line ${i}`, crypto.randomBytes(48).toString('base64'), TEXT_ENCODINGS)),
    ].flatMap((n) => n.forms.map((f) => f.bytes));

    const buf = synthetic(MB * 1024 * 1024, [canaries[17]!, canaries[9999]!, everyForm[5]!, everyForm[everyForm.length - 1]!]);
    const file = path.join(dir, 'sink.log');
    fs.writeFileSync(file, buf);
    console.log(`synthetic sink: ${(buf.length / 1e6).toFixed(1)} MB, node ${process.version}, ${os.cpus().length} cores`);
    measure('10 000 canary tokens (raw)', canaries, buf, file);
    measure("one scenario world's needles", world, buf, file);
    measure('1 000 messages, 200 names, 50 keys, every form', everyForm, buf, file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
