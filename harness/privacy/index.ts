/**
 * The privacy verdict run at the end of every world (harness/world stop()): gather the needles
 * (needles.ts: every message's canaries and text, every user's name, every secret the stack
 * holds), scan every sink the stack reports with one Aho-Corasick pass per piece over every
 * encoded form of every needle (scan.ts, encodings.ts), judge each occurrence by the sink's
 * policy (policies.ts) and list each forbidden one with its exact place.
 *
 * Contract with the report writer (harness/cli/run.ts): when ZPG_PRIVACY_DIR is set, each
 * verdict is also written there as `<sanitized label>-<n>.json`, a PrivacyVerdict.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Sink } from '../../simulator/core/sinks';
import type { Stack } from '../stack/embedded';
import { ALL_ENCODINGS } from './encodings';
import { gatherNeedles, type Needle } from './needles';
import { columnOf, policyFor, type PolicyContext } from './policies';
import { NeedleScanner, readSink, type Hit } from './scan';

export interface PrivacyFinding {
  sink: string;
  /** Where in the sink: a file offset / line, a table and row, a journal seq. */
  location: string;
  /** The field or key holding it, when the sink is structured. */
  field?: string;
  /** What leaked: 'content', 'sender-name', 'secret:<kind>', 'plaintext-on-e2ee-path', 'redaction-bypass'. */
  kind: string;
  /** The encoding it was found in: raw, json-escaped, json-unicode, json-escaped-2x, url-form, url-percent, base64, base64url, hex, hex-upper. */
  encoding: string;
  /** The leaked value, shown redacted (never the whole value). */
  shown: string;
  /** Whose value it is, e.g. `message 3 (text)`, `user 5`, `zulip_org_key (current)` (never the value). */
  subject?: string;
  /** The policy rule broken, in words. */
  rule?: string;
}

/** One row of the audit table: a sink and what was checked in it. */
export interface SinkAudit {
  sink: string;
  component: string;
  kind: string;
  bytes: number;
  /** The policy applied, in words. */
  policy: string;
  /** How many needles were searched, per kind. */
  searched: Record<string, number>;
  findings: number;
  /** The pieces read: file names, `read()`, or a URL. */
  parts?: string[];
  /** Occurrences the policy allowed (e.g. content in a legacy provider payload), per needle kind. */
  allowed?: Record<string, number>;
  /** Set when the sink could not be read. */
  error?: string;
}

export interface PrivacyVerdict {
  label: string;
  seed: number;
  sinks: SinkAudit[];
  findings: PrivacyFinding[];
  /** Milliseconds spent scanning. */
  scanMs: number;
  /** How many byte patterns (needles × encodings) one pass searched for. */
  patterns?: number;
  /** The encodings searched. */
  encodings?: string[];
}

export interface PrivacyVerdictOptions {
  label: string;
  /** Scan these sinks instead of stack.sinks(). */
  sinks?: Sink[];
  /** Write the verdict to ZPG_PRIVACY_DIR (default: whenever the variable is set). */
  write?: boolean;
}

export async function privacyVerdict(stack: Stack, opts: PrivacyVerdictOptions): Promise<PrivacyVerdict> {
  const started = performance.now();
  const { needles, canaries, counts } = gatherNeedles(stack);
  const scanner = new NeedleScanner(needles, { knownCanaries: canaries, strayCanaries: true });
  const ctx = policyContext(stack);

  const audits: SinkAudit[] = [];
  const findings: PrivacyFinding[] = [];
  for (const sink of opts.sinks ?? stack.sinks()) {
    const policy = policyFor(sink);
    const audit: SinkAudit = {
      sink: sink.name,
      component: sink.component,
      kind: sink.kind,
      bytes: 0,
      policy: policy.text,
      searched: { ...counts },
      findings: 0,
    };
    audits.push(audit);
    let segments;
    try {
      segments = await readSink(sink);
    } catch (e) {
      audit.error = (e as Error).message;
      findings.push({ sink: sink.name, location: '(whole sink)', kind: 'unreadable-sink', encoding: 'none', shown: '', rule: `every sink is read: ${audit.error}` });
      audit.findings = 1;
      continue;
    }
    audit.parts = segments.map((s) => s.part);
    const allowed: Record<string, number> = {};
    // One finding per place, kind and value owner (a message's canary and whole text in one line
    // are one leak), listing every field that holds it.
    const sinkFindings = new Map<string, { finding: PrivacyFinding; weight: number; fields: Set<string> }>();
    for (const segment of segments) {
      audit.bytes += segment.bytes.length;
      for (const found of scanner.scan(segment)) {
        // Each field is judged on its own: a column may hold what another may not.
        const perField = found.fields && found.fields.length > 1 ? found.fields.map((f) => ({ ...found, fields: [f] })) : [found];
        for (const hit of perField) {
          const judged = policy.judge(hit, ctx);
          if (!judged) {
            allowed[hit.needle.kind] = (allowed[hit.needle.kind] ?? 0) + 1;
            continue;
          }
          const finding = toFinding(sink, hit, judged.kind, judged.rule);
          const key = `${finding.location}\u0000${finding.kind}\u0000${subjectGroup(hit.needle)}`;
          const weight = hit.needle.value.length * 16 - ALL_ENCODINGS.indexOf(hit.form.encoding);
          const prev = sinkFindings.get(key);
          const fields = prev?.fields ?? new Set<string>();
          if (finding.field) fields.add(finding.field);
          if (!prev || prev.weight < weight) sinkFindings.set(key, { finding, weight, fields });
        }
      }
    }
    if (Object.keys(allowed).length > 0) audit.allowed = allowed;
    audit.findings = sinkFindings.size;
    for (const { finding, fields } of sinkFindings.values()) {
      if (fields.size > 0) finding.field = [...fields].join(', ');
      findings.push(finding);
    }
  }

  const verdict: PrivacyVerdict = {
    label: opts.label,
    seed: stack.seed,
    sinks: audits,
    findings,
    scanMs: Math.round((performance.now() - started) * 10) / 10,
    patterns: scanner.patternCount,
    encodings: [...ALL_ENCODINGS],
  };
  if (opts.write ?? process.env.ZPG_PRIVACY_DIR) writeVerdict(verdict);
  return verdict;
}

/** `message 3 (canary)` and `message 3 (text)` are one subject. */
const subjectGroup = (n: Needle) => `${n.kind}:${n.subject.replace(/ \((canary|text)\)$/, '')}`;

function toFinding(sink: Sink, hit: Hit, kind: string, rule: string): PrivacyFinding {
  const { location, field } = place(sink, hit);
  return {
    sink: sink.name,
    location,
    ...(field ? { field } : {}),
    kind,
    encoding: hit.form.encoding,
    shown: redact(hit.needle),
    subject: hit.needle.subject,
    rule,
  };
}

/** Where a hit is, in the sink's own terms. */
function place(sink: Sink, hit: Hit): { location: string; field?: string } {
  const seg = hit.segment;
  const fields = hit.fields && hit.fields.length > 0 ? hit.fields : undefined;
  if (seg.format === 'binary') return { location: `${seg.part} byte ${hit.start}` };
  const rec = (hit.record ?? {}) as Record<string, unknown>;
  const where = seg.part === 'read()' ? '' : ` of ${seg.part}`;
  if (sink.kind === 'journal' && typeof rec.seq === 'number') {
    return { location: `entry seq ${rec.seq}`, field: fields?.join(', ') };
  }
  if (sink.kind === 'database' && typeof rec.table === 'string') {
    return { location: `table ${rec.table} row ${String(rec.row)}`, field: fields ? [...new Set(fields.map(columnOf))].join(', ') : undefined };
  }
  if (sink.kind === 'http-responses' && typeof rec.path === 'string') {
    return { location: `line ${hit.line}${where} (${String(rec.status)} ${rec.path})`, field: fields?.join(', ') };
  }
  return { location: `line ${hit.line}${where}`, field: fields?.join(', ') };
}

/** First 4 characters, an ellipsis, and the length: enough to recognise, never enough to use. */
export function redact(n: Pick<Needle, 'value'>): string {
  const chars = [...n.value];
  return `${chars.slice(0, 4).join('')}…(${chars.length} chars)`;
}

function policyContext(stack: Stack): PolicyContext {
  const realms = [...stack.zulip.state.realms.values()];
  const norm = (u: string) => u.replace(/\/+$/, '').toLowerCase();
  return {
    realmByUrl: (url) => realms.find((r) => norm(r.url) === norm(url)),
    realmById: (id) => stack.zulip.state.realms.get(id),
  };
}

/** Writes the verdict to `$ZPG_PRIVACY_DIR/<sanitized label>-<n>.json` (n: the first free number). */
export function writeVerdict(verdict: PrivacyVerdict, dir = process.env.ZPG_PRIVACY_DIR): string | null {
  if (!dir) return null;
  fs.mkdirSync(dir, { recursive: true });
  const base = sanitizeLabel(verdict.label);
  const text = JSON.stringify(verdict, null, 2) + '\n';
  for (let n = 1; ; n++) {
    const file = path.join(dir, `${base}-${n}.json`);
    try {
      // 'wx': never overwrite — parallel Jest workers write into the same directory.
      fs.writeFileSync(file, text, { flag: 'wx' });
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** A label as a file name: letters, digits, `.`, `_` and `-` only, at most 120 characters. */
export const sanitizeLabel = (label: string): string =>
  label
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+|_+$/g, '')
    .slice(0, 120) || 'verdict';

export { gatherNeedles, type Needle, type NeedleKind, type SecretKind } from './needles';
export { NeedleScanner, readSink, readSinkSync, sinksHolding, type Hit, type Segment } from './scan';
export { policyFor, type SinkPolicy } from './policies';
