/**
 * Exact-token looks into the stack's sinks, for scenarios: which sinks hold a given string, in
 * any encoding the privacy scanner knows (raw, JSON-escaped — also \uXXXX and twice —,
 * URL-encoded, base64 and base64url at every alignment, hex). Database sinks are read with their
 * -wal/-shm companions, in-memory sinks (journals, the bouncer's table dump) through read().
 * The full audit (every needle, policies per sink, verdicts) is harness/privacy.
 */
import type { Sink } from '../../simulator/core/sinks';
import { readSinkSync, sinksHolding } from '../privacy/scan';

/** A sink's whole content as one string (latin1 for binary pieces), for eyeballing. */
export function sinkText(sink: Sink): string {
  return readSinkSync(sink)
    .map((s) => (s.format === 'binary' ? s.bytes.toString('latin1') : s.bytes.toString('utf8')))
    .join('\n');
}

/** The names of the sinks holding `needle`, in any encoding. */
export function sinksContaining(sinks: Sink[], needle: string): string[] {
  return sinksHolding(sinks, needle);
}
