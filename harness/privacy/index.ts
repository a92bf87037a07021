/**
 * STUB — the privacy verdict run at the end of every world (harness/world stop()).
 * Replaced by the scanner, policies and audit writer.
 *
 * Contract with the report writer (harness/cli/run.ts): when ZPG_PRIVACY_DIR is set, each
 * verdict is also written there as `<sanitized label>-<n>.json`, a PrivacyVerdict.
 */
import type { Stack } from '../stack/embedded';

export interface PrivacyFinding {
  sink: string;
  /** Where in the sink: a file offset / line, a table and row, a journal seq. */
  location: string;
  /** The field or key holding it, when the sink is structured. */
  field?: string;
  /** What leaked: 'content', 'sender-name', 'secret:<kind>', 'plaintext-on-e2ee-path', … */
  kind: string;
  /** The encoding it was found in: raw, json-escaped, base64, url-encoded, … */
  encoding: string;
  /** The leaked value, shown redacted (never the whole value). */
  shown: string;
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
}

export interface PrivacyVerdict {
  label: string;
  seed: number;
  sinks: SinkAudit[];
  findings: PrivacyFinding[];
  /** Milliseconds spent scanning. */
  scanMs: number;
}

export async function privacyVerdict(stack: Stack, opts: { label: string }): Promise<PrivacyVerdict> {
  return { label: opts.label, seed: stack.seed, sinks: [], findings: [], scanMs: 0 };
}
