/**
 * The scanner: reads every byte of a sink and finds every encoded form of every needle in one
 * Aho-Corasick pass per piece, then says where each occurrence is — a line (and, when the line
 * is JSON, the key path holding it, looking inside JSON-in-JSON strings too) for logs, journals,
 * response journals and table dumps; a byte offset in the named file for raw database files.
 *
 * Besides the needles, the pass looks for anything canary-shaped (`zpgc<seed>q<n>q<hex8>`): a
 * canary no stored message explains (a deleted message, another world's text) is still content.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Sink } from '../../simulator/core/sinks';
import { CANARY_PATTERN } from '../../simulator/zulip-server/canary';
import { AhoCorasick } from './aho-corasick';
import { ALL_ENCODINGS, type EncodedForm } from './encodings';
import { makeNeedle, type Needle } from './needles';

/** One readable piece of a sink. */
export interface Segment {
  sink: Sink;
  /** The file's name for file sinks (the database has three), `read()` for in-memory ones, the URL for remote ones. */
  part: string;
  bytes: Buffer;
  /** `lines`: text, usually one JSON document per line; `binary`: raw bytes (database files). */
  format: 'lines' | 'binary';
}

export interface Hit {
  needle: Needle;
  form: EncodedForm;
  segment: Segment;
  start: number;
  end: number;
  /** `lines` segments: the 1-based line number … */
  line?: number;
  /** … the line parsed as JSON (undefined when it is not JSON) … */
  record?: unknown;
  /** … and the key paths of the JSON values holding the needle (`a.b[2].c`, `body(json).msg` inside a JSON string). */
  fields?: string[];
}

/** The files a sink consists of: a database with its -wal and -shm companions, else its one file. */
export function sinkFiles(sink: Sink): string[] {
  if (!sink.path) return [];
  const files = sink.kind === 'database' ? [sink.path, `${sink.path}-wal`, `${sink.path}-shm`] : [sink.path];
  return files.filter((f) => fs.existsSync(f));
}

/** A sink's pieces, read synchronously (a sink known only by URL needs readSink). */
export function readSinkSync(sink: Sink): Segment[] {
  if (sink.read) return [{ sink, part: 'read()', bytes: Buffer.from(sink.read(), 'utf8'), format: 'lines' }];
  const format = sink.kind === 'database' ? 'binary' : 'lines';
  return sinkFiles(sink).map((f) => ({ sink, part: path.basename(f), bytes: fs.readFileSync(f), format }));
}

/** A sink's pieces: files, in-memory content, or what its admin URL serves. */
export async function readSink(sink: Sink): Promise<Segment[]> {
  if (sink.read || sink.path) return readSinkSync(sink);
  if (sink.url) {
    const res = await fetch(sink.url);
    if (!res.ok) throw new Error(`GET ${sink.url}: ${res.status}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    return [{ sink, part: sink.url, bytes, format: sink.kind === 'database' ? 'binary' : 'lines' }];
  }
  return [];
}

const CANARY_PREFIX = 'zpgc';
const CANARY_AT_START = new RegExp(`^${CANARY_PATTERN.source}`);

export class NeedleScanner {
  private readonly automaton: AhoCorasick;
  /** Pattern index → (needle, form); the canary-prefix sentinel maps to null. */
  private readonly owners: ({ needle: Needle; form: EncodedForm } | null)[] = [];
  private readonly strays = new Map<string, Needle>();

  constructor(
    readonly needles: readonly Needle[],
    private readonly opts: { knownCanaries?: Set<string>; strayCanaries?: boolean } = {},
  ) {
    const patterns: Buffer[] = [];
    for (const needle of needles) {
      for (const form of needle.forms) {
        patterns.push(form.bytes);
        this.owners.push({ needle, form });
      }
    }
    if (opts.strayCanaries) {
      patterns.push(Buffer.from(CANARY_PREFIX));
      this.owners.push(null);
    }
    this.automaton = new AhoCorasick(patterns);
  }

  get patternCount(): number {
    return this.automaton.patternCount;
  }

  /** Every occurrence of every needle form in the segment, located. */
  scan(segment: Segment): Hit[] {
    const hits: Hit[] = [];
    const bytes = segment.bytes;
    this.automaton.scan(bytes, (pattern, start, end) => {
      const owner = this.owners[pattern];
      if (owner) {
        hits.push({ needle: owner.needle, form: owner.form, segment, start, end });
        return;
      }
      // The canary prefix: a whole canary token here that no message explains?
      const m = CANARY_AT_START.exec(bytes.toString('latin1', start, Math.min(bytes.length, start + 48)));
      if (!m || this.opts.knownCanaries?.has(m[0])) return;
      const needle = this.stray(m[0]);
      hits.push({ needle, form: needle.forms[0]!, segment, start, end: start + m[0].length });
    });
    if (segment.format === 'lines' && hits.length > 0) locateLines(segment, hits);
    return hits;
  }

  private stray(token: string): Needle {
    let n = this.strays.get(token);
    if (!n) {
      n = makeNeedle('content', 'a canary no stored message holds', token, ['raw']);
      this.strays.set(token, n);
    }
    return n;
  }
}

/** Fills in line numbers, parsed JSON lines and field paths. */
function locateLines(segment: Segment, hits: Hit[]): void {
  const bytes = segment.bytes;
  const newlines: number[] = [];
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) newlines.push(i);
  const parsed = new Map<number, unknown>();
  for (const hit of hits) {
    // Line index: how many newlines come before the hit's first byte.
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < hit.start) lo = mid + 1;
      else hi = mid;
    }
    hit.line = lo + 1;
    if (!parsed.has(lo)) {
      const from = lo === 0 ? 0 : newlines[lo - 1]! + 1;
      const to = lo < newlines.length ? newlines[lo]! : bytes.length;
      parsed.set(lo, parseJsonLine(bytes.toString('utf8', from, to)));
    }
    hit.record = parsed.get(lo);
    if (hit.record !== undefined) hit.fields = fieldPaths(hit.record, probesOf(hit));
  }
}

function parseJsonLine(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** The strings whose presence in a decoded JSON value means "this value holds the needle". */
function probesOf(hit: Hit): string[] {
  const probes = new Set<string>([hit.needle.value, hit.form.bytes.toString('utf8')]);
  for (const f of hit.needle.forms) probes.add(f.bytes.toString('utf8'));
  return [...probes].filter((p) => p.length > 0);
}

/**
 * The key paths of the string values (or keys) in `doc` that contain one of `probes`, looking
 * into strings that are themselves JSON documents (`request.body(json).aps.alert.body`).
 */
export function fieldPaths(doc: unknown, probes: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown, p: string, depth: number) => {
    if (typeof v === 'string') {
      if (depth < 4 && /^\s*[[{]/.test(v)) {
        try {
          const before = out.length;
          walk(JSON.parse(v) as unknown, `${p}(json)`, depth + 1);
          if (out.length > before) return;
        } catch {
          // not JSON after all
        }
      }
      if (probes.some((pr) => v.includes(pr))) out.push(p === '' ? '(value)' : p);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${p}[${i}]`, depth));
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const kp = p === '' ? k : `${p}.${k}`;
        if (probes.some((pr) => k.includes(pr))) out.push(`${kp} (key)`);
        walk(x, kp, depth);
      }
    }
  };
  walk(doc, '', 0);
  return out;
}

/** A one-needle scan of some sinks: the names of those holding `value` in any encoding. */
export function sinksHolding(sinks: readonly Sink[], value: string): string[] {
  const scanner = new NeedleScanner([makeNeedle('content', 'the needle', value, ALL_ENCODINGS)]);
  return sinks.filter((s) => readSinkSync(s).some((seg) => scanner.scan(seg).length > 0)).map((s) => s.name);
}
