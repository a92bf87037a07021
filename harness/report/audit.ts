/**
 * The privacy audit of a run: every verdict the worlds wrote to ZPG_PRIVACY_DIR
 * (harness/privacy: one PrivacyVerdict per JSON file) gathered into `privacy-audit.json`.
 *
 * Nothing is merged or deduplicated: one scenario file may start several worlds under the same
 * label, and each verdict is its own evidence. A file that cannot be read as a verdict is an
 * audit error, and an audit with errors fails the run like a finding does.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PrivacyFinding, SinkAudit } from '../privacy';
import type { AuditWorld, PrivacyAudit } from './types';

export interface VerdictFile {
  /** Relative to the run's report directory, e.g. `privacy/scenarios-delivery-removes.test.ts-1.json`. */
  file: string;
  text: string;
}

const naturally = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Every `*.json` under `privacyDir` (sub-directories too), in a stable order. */
export function readVerdictFiles(privacyDir: string, reportDir: string): VerdictFile[] {
  if (!fs.existsSync(privacyDir)) return [];
  const found: VerdictFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.json')) found.push({ file: path.relative(reportDir, full), text: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(privacyDir);
  return found.sort((a, b) => naturally(a.file, b.file));
}

/**
 * The scenario file a world label names: labels are `<file>` or `<file> (<world label>)`, the file
 * relative to the root (`scenarios/…`) or absolute when the file lives elsewhere.
 */
export function scenarioOfLabel(label: string, scenarioFiles: string[], root: string): string | null {
  for (const file of scenarioFiles) {
    for (const name of [file, path.join(root, file)]) {
      if (label === name || label.startsWith(`${name} (`)) return file;
    }
  }
  return null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asVerdict(json: unknown): { label: string; seed: number | null; scanMs: number; sinks: SinkAudit[]; findings: PrivacyFinding[] } {
  if (!isRecord(json)) throw new Error('not a JSON object');
  const { label, seed, scanMs, sinks, findings } = json;
  if (typeof label !== 'string') throw new Error('no "label" string');
  if (!Array.isArray(sinks) || !sinks.every(isRecord)) throw new Error('no "sinks" array of objects');
  if (!Array.isArray(findings) || !findings.every(isRecord)) throw new Error('no "findings" array of objects');
  return {
    label,
    seed: typeof seed === 'number' ? seed : null,
    scanMs: typeof scanMs === 'number' ? scanMs : 0,
    sinks: sinks as unknown as SinkAudit[],
    findings: findings as unknown as PrivacyFinding[],
  };
}

export interface AuditContext {
  runId: string;
  seed: number;
  /** The run's scenario files, relative to root, to attribute verdicts to. */
  scenarioFiles: string[];
  root: string;
  /** Where the verdicts were, relative to the run's report directory. */
  verdictDir: string;
  generatedAt?: string;
}

export function buildAudit(files: VerdictFile[], ctx: AuditContext): PrivacyAudit {
  const worlds: AuditWorld[] = [];
  const errors: PrivacyAudit['errors'] = [];
  for (const { file, text } of files) {
    try {
      const v = asVerdict(JSON.parse(text));
      worlds.push({ label: v.label, scenario: scenarioOfLabel(v.label, ctx.scenarioFiles, ctx.root), file, seed: v.seed, scanMs: v.scanMs, sinks: v.sinks, findings: v.findings });
    } catch (e) {
      errors.push({ file, error: (e as Error).message });
    }
  }
  worlds.sort((a, b) => naturally(a.label, b.label) || naturally(a.file, b.file));
  const findings = worlds.flatMap((w) => w.findings.map((f) => ({ ...f, label: w.label, scenario: w.scenario, verdict: w.file })));
  return {
    runId: ctx.runId,
    seed: ctx.seed,
    generatedAt: ctx.generatedAt ?? new Date().toISOString(),
    verdictDir: ctx.verdictDir,
    totals: {
      verdicts: worlds.length,
      sinks: worlds.reduce((n, w) => n + w.sinks.length, 0),
      bytes: worlds.reduce((n, w) => n + w.sinks.reduce((m, s) => m + (Number(s.bytes) || 0), 0), 0),
      findings: findings.length,
      errors: errors.length,
    },
    worlds,
    findings,
    errors,
  };
}
